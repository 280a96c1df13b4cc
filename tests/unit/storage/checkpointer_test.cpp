#include "storage/checkpointer.hpp"

#include "storage/db.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace tamsu::storage {
namespace {

using test::commit_rows;
using test::temp_dir;

std::uintmax_t wal_bytes(const std::filesystem::path& db_file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(db_file.string() + "-wal", ec);
    return ec ? 0 : size;
}

TEST(Checkpointer, KeepsTheWalBoundedUnderContinuousCommits) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    db writer_conn{file, db_options{.create = true}};
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    checkpointer cp{file, checkpointer::settings{.threshold_frames = 50, .restart_frames = 200}};
    cp.attach(writer_conn);

    constexpr int commits = 300;
    std::uintmax_t largest = 0;
    int restarts = 0;  // the WAL started again from its first frame
    std::uint64_t frames_before = 0;
    for (int c = 0; c < commits; ++c) {
        commit_rows(writer_conn, c, 40);
        largest = std::max(largest, wal_bytes(file));
        const auto frames = cp.stats().wal_frames_last;
        if (frames < frames_before) ++restarts;
        frames_before = frames;
    }
    const auto stats = cp.stats();
    EXPECT_GT(stats.tail_checkpoints, 0u);
    EXPECT_GE(restarts, 2);
    // Without the tail copy a busy writer's WAL only grows (12 to 37 MB measured for these rows).
    // With it the WAL restarts after restart_frames pages plus the commits made while a background
    // copy held the checkpoint lock; these commits are far quicker than the server's (no fsync
    // wait), so that can be many: under 5 MB measured.
    EXPECT_LT(largest, 8u * 1024 * 1024) << "largest WAL " << largest << " bytes";

    auto st = writer_conn.query("SELECT count(*) FROM t");
    st->step();
    EXPECT_EQ(st->column_int64(0), commits * 40);
}

TEST(Checkpointer, BackgroundCheckpointCopiesCommittedPagesIntoTheDatabaseFile) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    db writer_conn{file, db_options{.create = true}};
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    const auto empty_size = std::filesystem::file_size(file);
    checkpointer cp{file, checkpointer::settings{.threshold_frames = 20, .restart_frames = 1'000'000}};
    cp.attach(writer_conn);
    commit_rows(writer_conn, 0, 200);

    // The copy runs on the checkpointer's thread; wait for it (bounded) rather than sleep a guess.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (cp.stats().checkpoints == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GT(cp.stats().checkpoints, 0u);
    EXPECT_GT(std::filesystem::file_size(file), empty_size);
    EXPECT_GT(cp.stats().wal_frames_last, 20u);
}

TEST(Checkpointer, CopiesOncePerThresholdOfNewFramesNotAfterEveryCommit) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    db writer_conn{file, db_options{.create = true}};
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    constexpr int threshold = 200;
    checkpointer cp{file, checkpointer::settings{.threshold_frames = threshold, .restart_frames = 1'000'000}};
    cp.attach(writer_conn);
    for (int c = 0; c < 400; ++c) {
        commit_rows(writer_conn, c, 4);
        // Give the thread time to copy after each commit, as the server's fsync waits do: woken
        // after every commit past the threshold it would copy hundreds of times.
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    // A copy that catches up completely lets the next commit start the WAL again, so the
    // current WAL size undercounts; the running total does not.
    const auto frames = cp.stats().wal_frames_written;
    ASSERT_GT(frames, 3u * threshold);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (cp.stats().checkpoints == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_GE(cp.stats().checkpoints, 1u);
    EXPECT_LE(cp.stats().checkpoints, frames / threshold) << frames << " frames";
}

TEST(Checkpointer, StopIsIdempotentAndCommitsStillWorkAfterIt) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    db writer_conn{file, db_options{.create = true}};
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    checkpointer cp{file, checkpointer::settings{.threshold_frames = 5, .restart_frames = 1'000'000}};
    cp.attach(writer_conn);
    cp.stop_blocking();
    cp.stop_blocking();
    commit_rows(writer_conn, 1, 50);  // the hook still records; nobody copies, nothing is lost
    auto st = writer_conn.query("SELECT count(*) FROM t");
    st->step();
    EXPECT_EQ(st->column_int64(0), 50);
}

}  // namespace
}  // namespace tamsu::storage
