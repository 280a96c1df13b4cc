#include "storage/writer.hpp"

#include "storage/db.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace tamsu::storage {
namespace {

using test::temp_dir;

std::int64_t count_rows(db& conn, std::int64_t x) {
    auto st = conn.query("SELECT count(*) FROM t WHERE x = ?1");
    st->bind(1, x);
    st->step();
    return st->column_int64(0);
}

class WriterTest : public ::testing::Test {
protected:
    WriterTest() {
        db setup{file(), db_options{.create = true}};
        setup.exec("CREATE TABLE t (x INTEGER NOT NULL)");
    }
    std::filesystem::path file() const { return dir_.path() / "w.db"; }
    std::unique_ptr<writer> make_writer(std::size_t max_batch = 1024) {
        return std::make_unique<writer>(std::make_unique<db>(file(), db_options{}), writer::settings{max_batch});
    }
    std::unique_ptr<writer> make_syncing_writer() {
        return std::make_unique<writer>(
            std::make_unique<db>(file(), db_options{}), writer::settings{.max_batch = 1024, .sync_after_commit = true}
        );
    }
    static std::string thread_name() {
        char name[16] = {};
        ::pthread_getname_np(::pthread_self(), name, sizeof name);
        return name;
    }
    static writer::work_fn insert(std::int64_t x) {
        return [x](db& conn) {
            auto st = conn.query("INSERT INTO t (x) VALUES (?1)");
            st->bind(1, x);
            st->step();
        };
    }
    // Occupies the writer thread until release() so that later submissions pile up in its queue.
    struct blocker {
        std::promise<void> entered, release;
        void hold(writer& w) {
            auto go = release.get_future().share();
            w.submit([this, go](db&) { entered.set_value(); go.wait(); }, [](std::exception_ptr) {});
            entered.get_future().wait();
        }
    };

    temp_dir dir_;
};

TEST_F(WriterTest, GroupCommitBatchesConcurrentRequestsAndCallsBackAfterCommit) {
    auto w = make_writer();
    // Checks from a second connection that each request is committed when its callback runs.
    // Used only inside callbacks, which all run on the writer thread.
    db observer{file(), db_options{.read_only = true}};
    constexpr int threads = 4, per_thread = 50, total = threads * per_thread;
    std::atomic<int> committed_before_callback{0}, ok{0};
    std::vector<std::promise<void>> done(total);

    blocker b;
    b.hold(*w);
    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t) {
        submitters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const int x = t * per_thread + i;
                w->submit(insert(x), [&, x](std::exception_ptr e) {
                    if (!e) ++ok;
                    if (count_rows(observer, x) == 1) ++committed_before_callback;
                    done[static_cast<std::size_t>(x)].set_value();
                });
            }
        });
    }
    for (auto& t : submitters) t.join();
    b.release.set_value();
    for (auto& d : done) d.get_future().wait();

    EXPECT_EQ(ok, total);
    EXPECT_EQ(committed_before_callback, total);
    const auto s = w->stats();
    EXPECT_EQ(s.requests, static_cast<std::uint64_t>(total + 1));
    EXPECT_LT(s.batches, s.requests);
    EXPECT_EQ(s.batches, 2U);  // the blocker alone, then all 200 together
    EXPECT_EQ(s.max_batch, static_cast<std::uint64_t>(total));
    EXPECT_EQ(s.batch_size_pow2[0], 1U);  // size 1
    EXPECT_EQ(s.batch_size_pow2[7], 1U);  // 128 <= 200 < 256
    EXPECT_TRUE(s.last_commit_ok);
}

TEST_F(WriterTest, MaxBatchSplitsALongQueue) {
    auto w = make_writer(16);
    std::vector<std::promise<void>> done(64);
    blocker b;
    b.hold(*w);
    for (int x = 0; x < 64; ++x) {
        w->submit(insert(x), [&, x](std::exception_ptr) { done[static_cast<std::size_t>(x)].set_value(); });
    }
    b.release.set_value();
    for (auto& d : done) d.get_future().wait();
    const auto s = w->stats();
    EXPECT_EQ(s.max_batch, 16U);
    EXPECT_EQ(s.batches, 5U);
}

TEST_F(WriterTest, FailingRequestFailsAloneAndItsWritesAreRolledBack) {
    auto w = make_writer();
    std::promise<std::exception_ptr> r1, r2, r3;
    blocker b;
    b.hold(*w);
    w->submit(insert(1), [&](std::exception_ptr e) { r1.set_value(e); });
    w->submit(
        [](db& conn) {
            insert(2)(conn);  // written, then the request fails: the savepoint must undo it
            throw std::runtime_error("request failed half-way");
        },
        [&](std::exception_ptr e) { r2.set_value(e); }
    );
    w->submit(insert(3), [&](std::exception_ptr e) { r3.set_value(e); });
    b.release.set_value();
    EXPECT_FALSE(r1.get_future().get());
    EXPECT_TRUE(r2.get_future().get());
    EXPECT_FALSE(r3.get_future().get());
    w->stop_blocking();

    db check{file(), db_options{}};
    EXPECT_EQ(count_rows(check, 1), 1);
    EXPECT_EQ(count_rows(check, 2), 0);
    EXPECT_EQ(count_rows(check, 3), 1);
    EXPECT_EQ(w->stats().batches, 2U);
}

// Records what the writer tells its observer, in order (writer thread only; read after stop).
struct recording_observer final : writer_observer {
    std::string calls;
    void request_begun() override { calls += 'b'; }
    void request_rolled_back() override { calls += 'r'; }
    void committed() override { calls += 'C'; }
    void rolled_back() override { calls += 'R'; }
};

// A batch runs without savepoints first; when a request fails, the whole transaction is rolled back
// and run again with a savepoint per request. Nothing of the first run may survive (no duplicate
// rows), the others of the batch commit in the same transaction, and the observer sees each step.
TEST_F(WriterTest, FailureRunsTheTransactionAgainWithASavepointPerRequest) {
    recording_observer seen;
    auto w = std::make_unique<writer>(std::make_unique<db>(file(), db_options{}), writer::settings{}, &seen);
    std::vector<std::atomic<int>> runs(5);
    std::vector<std::promise<std::exception_ptr>> results(5);
    blocker b;
    b.hold(*w);
    for (int i = 0; i < 5; ++i) {
        w->submit(
            [i, &runs](db& conn) {
                ++runs[static_cast<std::size_t>(i)];
                insert(i)(conn);
                if (i == 2) throw std::runtime_error("request failed after its write");
            },
            [&results, i](std::exception_ptr e) { results[static_cast<std::size_t>(i)].set_value(e); }
        );
    }
    b.release.set_value();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(static_cast<bool>(results[static_cast<std::size_t>(i)].get_future().get()), i == 2) << i;
    w->stop_blocking();

    EXPECT_EQ(runs[0], 2);  // before the failure: run, rolled back, run again
    EXPECT_EQ(runs[1], 2);
    EXPECT_EQ(runs[2], 2);
    EXPECT_EQ(runs[3], 1);  // after it: only in the guarded run
    EXPECT_EQ(runs[4], 1);
    db check{file(), db_options{}};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(count_rows(check, i), i == 2 ? 0 : 1) << i;
    EXPECT_EQ(w->stats().batches, 2U);  // the blocker's, then these five in one
    // blocker: b C; the batch: b b b R (unguarded, failed), b b b r b b C (guarded)
    EXPECT_EQ(seen.calls, "bCbbbRbbbrbbC");
}

TEST_F(WriterTest, ObserverHearsOfAFailedCommit) {
    recording_observer seen;
    auto w = std::make_unique<writer>(std::make_unique<db>(file(), db_options{}), writer::settings{}, &seen);
    w->faults().fail_commit_at = 0;
    std::promise<std::exception_ptr> r;
    w->submit(insert(1), [&](std::exception_ptr e) { r.set_value(e); });
    EXPECT_TRUE(r.get_future().get());
    w->stop_blocking();
    EXPECT_EQ(seen.calls, "bR");
}

// SQLite rolls the whole transaction back by itself on some errors (IOERR, FULL, NOMEM). Requests
// that ran earlier in that transaction lost their writes too: they must be failed, never acked.
TEST_F(WriterTest, TransactionLostMidBatchFailsTheRequestsItTookWithIt) {
    auto w = make_writer();
    std::promise<std::exception_ptr> r1, r2, r3;
    blocker b;
    b.hold(*w);
    w->submit(insert(1), [&](std::exception_ptr e) { r1.set_value(e); });
    w->submit(
        [](db& conn) {
            insert(2)(conn);
            conn.exec("ROLLBACK");  // what SQLite does on its own after SQLITE_FULL
            throw db_error(13, "database or disk is full (simulated)");
        },
        [&](std::exception_ptr e) { r2.set_value(e); }
    );
    w->submit(insert(3), [&](std::exception_ptr e) { r3.set_value(e); });
    b.release.set_value();
    EXPECT_TRUE(r1.get_future().get());   // its write went with the transaction
    EXPECT_TRUE(r2.get_future().get());
    EXPECT_FALSE(r3.get_future().get());  // ran in a fresh transaction and committed
    w->stop_blocking();

    db check{file(), db_options{}};
    EXPECT_EQ(count_rows(check, 1), 0);
    EXPECT_EQ(count_rows(check, 2), 0);
    EXPECT_EQ(count_rows(check, 3), 1);
    EXPECT_TRUE(w->writable());
}

TEST_F(WriterTest, FailedCommitFailsEveryRequestOfTheBatchAndClearsWritable) {
    auto w = make_writer();
    std::vector<std::promise<std::exception_ptr>> results(3);
    blocker b;
    b.hold(*w);
    // The blocker's batch is already past its work when it waits, but has not committed yet, so
    // commit #0 is the blocker's own. Count from the next one instead.
    w->faults().fail_commit_at = 1;
    for (int x = 0; x < 3; ++x) {
        w->submit(insert(x), [&, x](std::exception_ptr e) { results[static_cast<std::size_t>(x)].set_value(e); });
    }
    b.release.set_value();
    for (auto& r : results) EXPECT_TRUE(r.get_future().get());
    EXPECT_FALSE(w->writable());
    EXPECT_FALSE(w->stats().last_commit_ok);

    std::promise<std::exception_ptr> later;
    w->submit(insert(9), [&](std::exception_ptr e) { later.set_value(e); });
    EXPECT_FALSE(later.get_future().get());
    EXPECT_TRUE(w->writable());
    w->stop_blocking();

    db check{file(), db_options{}};
    for (int x = 0; x < 3; ++x) EXPECT_EQ(count_rows(check, x), 0) << x;
    EXPECT_EQ(count_rows(check, 9), 1);
}

TEST_F(WriterTest, StopFinishesEverythingQueuedThenRefusesNewWork) {
    auto w = make_writer();
    std::atomic<int> ok{0};
    for (int x = 0; x < 100; ++x) {
        w->submit(insert(x), [&](std::exception_ptr e) {
            if (!e) ++ok;
        });
    }
    w->stop_blocking();
    EXPECT_EQ(ok, 100);

    bool refused = false;
    w->submit(insert(1000), [&](std::exception_ptr e) { refused = e != nullptr; });
    EXPECT_TRUE(refused);
    w->stop_blocking();  // idempotent

    db check{file(), db_options{}};
    auto st = check.query("SELECT count(*) FROM t");
    st->step();
    EXPECT_EQ(st->column_int64(0), 100);
}

TEST_F(WriterTest, ThrowingCallbackDoesNotStopTheWriter) {
    auto w = make_writer();
    w->submit(insert(1), [](std::exception_ptr) { throw std::runtime_error("callback bug"); });
    std::promise<std::exception_ptr> next;
    w->submit(insert(2), [&](std::exception_ptr e) { next.set_value(e); });
    EXPECT_FALSE(next.get_future().get());
}

// sync_after_commit: the COMMIT does not wait for the disk; the syncer fdatasyncs the WAL, then calls
// the batches back, in commit order, while the writer already runs the next one.
TEST_F(WriterTest, SyncAfterCommitCallsBackAfterTheSyncInCommitOrder) {
    auto w = make_syncing_writer();
    db observer{file(), db_options{.read_only = true}};  // used only inside callbacks (syncer thread)
    constexpr int total = 300;
    std::vector<int> order;
    std::atomic<int> visible{0}, on_syncer{0};
    std::promise<void> all;
    std::promise<std::int64_t> synchronous;
    w->submit(
        [&](db& conn) {
            auto st = conn.query("PRAGMA synchronous");
            st->step();
            synchronous.set_value(st->column_int64(0));
        },
        [](std::exception_ptr) {}
    );
    EXPECT_EQ(synchronous.get_future().get(), 1);  // NORMAL: the syncer makes the commit durable
    for (int x = 0; x < total; ++x) {
        w->submit(insert(x), [&, x](std::exception_ptr e) {
            EXPECT_FALSE(e);
            order.push_back(x);
            if (count_rows(observer, x) == 1) ++visible;
            if (thread_name() == "tamsu-syncer") ++on_syncer;
            if (x == total - 1) all.set_value();
        });
        if (x % 37 == 0) std::this_thread::yield();  // several batches
    }
    all.get_future().wait();
    EXPECT_EQ(visible, total);
    EXPECT_EQ(on_syncer, total);
    ASSERT_EQ(order.size(), static_cast<std::size_t>(total));
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    const auto s = w->stats();
    EXPECT_GE(s.syncs, 1U);
    EXPECT_LE(s.syncs, s.batches);
    EXPECT_TRUE(w->writable());
}

TEST_F(WriterTest, SyncAfterCommitStopCallsBackEverythingBeforeItReturns) {
    auto w = make_syncing_writer();
    std::atomic<int> ok{0};
    for (int x = 0; x < 100; ++x)
        w->submit(insert(x), [&](std::exception_ptr e) {
            if (!e) ++ok;
        });
    w->stop_blocking();
    EXPECT_EQ(ok, 100);
    EXPECT_GE(w->stats().syncs, 1U);
}

// A failed fdatasync: the rows are committed but perhaps not on disk, so nothing of that sync is
// acknowledged, the store says it cannot take writes, and the next good sync clears that.
TEST_F(WriterTest, AFailedSyncFailsItsBatchesAndClearsWritableUntilASyncSucceeds) {
    auto w = make_syncing_writer();
    w->faults().fail_sync_at = 0;
    std::promise<std::exception_ptr> first;
    w->submit(insert(1), [&](std::exception_ptr e) { first.set_value(e); });
    const auto error = first.get_future().get();
    ASSERT_TRUE(error);
    try {
        std::rethrow_exception(error);
    } catch (const db_error& e) {
        EXPECT_NE(std::string(e.what()).find("sync"), std::string::npos) << e.what();
    } catch (...) {
        ADD_FAILURE() << "not a db_error";
    }
    EXPECT_FALSE(w->writable());

    std::promise<std::exception_ptr> later;
    w->submit(insert(2), [&](std::exception_ptr e) { later.set_value(e); });
    EXPECT_FALSE(later.get_future().get());
    EXPECT_TRUE(w->writable());
    w->stop_blocking();
    EXPECT_EQ(w->stats().syncs, 1U);
}

}  // namespace
}  // namespace tamsu::storage
