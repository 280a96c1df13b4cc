#include "storage/wal_buffer_vfs.hpp"

#include "storage/checkpointer.hpp"
#include "storage/db.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace tamsu::storage {
namespace {

using test::commit_rows;
using test::temp_dir;

std::int64_t count_rows(db& conn) {
    auto st = conn.query("SELECT count(*) FROM t");
    st->step();
    return st->column_int64(0);
}

std::string integrity(db& conn) {
    auto st = conn.query("PRAGMA integrity_check");
    st->step();
    return st->column_text(0);
}

db open_buffered(const std::filesystem::path& file, bool full, int cache_kib = 0) {
    return db{file, db_options{.create = true, .synchronous_full = full, .cache_kib = cache_kib, .buffer_wal = true}};
}

class WalBufferVfs : public ::testing::TestWithParam<bool> {};  // synchronous FULL or NORMAL

TEST_P(WalBufferVfs, EveryCommitIsVisibleToAnotherConnectionAtOnceInFewWrites) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    auto writer_conn = open_buffered(file, GetParam());
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    db reader_conn{file, db_options{.read_only = true}};

    const auto writes_before = wal_buffer_write_outs();
    constexpr int commits = 40, rows = 30;
    for (int c = 0; c < commits; ++c) {
        commit_rows(writer_conn, c, rows);
        // The reader goes through the plain VFS and its own file handle: it reads the frames from
        // the file, so they must be there the moment the commit is published.
        ASSERT_EQ(count_rows(reader_conn), static_cast<std::int64_t>((c + 1) * rows)) << "after commit " << c;
    }
    const auto writes = wal_buffer_write_outs() - writes_before;
    const auto frames = std::filesystem::file_size(file.string() + "-wal") / (4096 + 24);
    EXPECT_GE(writes, static_cast<std::uint64_t>(commits));  // the shim is in the path
    EXPECT_LT(writes * 4, frames) << writes << " write-outs for " << frames << " frames";
    EXPECT_EQ(integrity(reader_conn), "ok");
}

TEST_P(WalBufferVfs, ATransactionLargerThanTheBufferCommitsWhole) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    {
        auto conn = open_buffered(file, GetParam());
        conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
        // About 3 x wal_buffer_bytes of pages in one transaction.
        commit_rows(conn, 1, static_cast<int>(3 * wal_buffer_bytes / 3000), 3000);
    }
    db conn{file, db_options{}};
    EXPECT_EQ(count_rows(conn), static_cast<std::int64_t>(3 * wal_buffer_bytes / 3000));
    EXPECT_EQ(integrity(conn), "ok");
}

TEST_P(WalBufferVfs, PagesSpilledByARolledBackTransactionLeaveNoTrace) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    // A 64 KiB page cache: a large transaction spills uncommitted pages into the WAL, and SQLite
    // reads them back from it before the transaction ends.
    auto writer_conn = open_buffered(file, GetParam(), 64);
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    db reader_conn{file, db_options{.read_only = true}};
    commit_rows(writer_conn, 0, 50);
    {
        transaction tx{writer_conn, transaction::kind::immediate};
        auto st = writer_conn.query("INSERT INTO t (k, v) VALUES (?1, randomblob(2000))");
        for (int i = 0; i < 2000; ++i) {
            st->bind(1, static_cast<std::int64_t>(i) * 7919 % 100003 * 1000 + 999);
            st->step();
            st->reset();
        }
        auto inside = writer_conn.query("SELECT count(*), sum(length(v)) FROM t");
        ASSERT_TRUE(inside->step());
        EXPECT_EQ(inside->column_int64(0), 2050);
        EXPECT_EQ(inside->column_int64(1), 50 * 600 + 2000 * 2000);
    }  // rolled back
    commit_rows(writer_conn, 1, 50);
    EXPECT_EQ(count_rows(reader_conn), 100);
    EXPECT_EQ(count_rows(writer_conn), 100);
    EXPECT_EQ(integrity(writer_conn), "ok");
}

TEST_P(WalBufferVfs, CommittedRowsSurviveAProcessThatDiesWithoutClosing) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    constexpr int commits = 20, rows = 25;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // As under kill -9: no close, so nothing the shim still held would ever be written.
        auto conn = open_buffered(file, GetParam());
        conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
        for (int c = 0; c < commits; ++c) commit_rows(conn, c, rows);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    db conn{file, db_options{}};
    EXPECT_EQ(count_rows(conn), commits * rows);
    EXPECT_EQ(integrity(conn), "ok");
}

TEST_P(WalBufferVfs, TheWalStartsAgainAndIsTrimmedWithoutLosingARow) {
    temp_dir dir;
    const auto file = dir.path() / "t.db";
    auto writer_conn = open_buffered(file, GetParam());
    writer_conn.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    checkpointer cp{file, checkpointer::settings{.threshold_frames = 50, .restart_frames = 200}};
    cp.attach(writer_conn);
    db reader_conn{file, db_options{.read_only = true}};
    int restarts = 0;
    std::uint64_t frames_before = 0;
    for (int c = 0; c < 200; ++c) {
        commit_rows(writer_conn, c, 40);
        const auto frames = cp.stats().wal_frames_last;
        if (frames < frames_before) ++restarts;
        frames_before = frames;
        ASSERT_EQ(count_rows(reader_conn), static_cast<std::int64_t>((c + 1) * 40)) << "after commit " << c;
    }
    EXPECT_GE(restarts, 2);
    EXPECT_EQ(integrity(reader_conn), "ok");
}

INSTANTIATE_TEST_SUITE_P(Synchronous, WalBufferVfs, ::testing::Values(true, false), [](const auto& p) {
    return p.param ? std::string("Full") : std::string("Normal");
});

}  // namespace
}  // namespace tamsu::storage
