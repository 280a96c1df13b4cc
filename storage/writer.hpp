// writer: the thread that owns the only read-write connection, with group commit.
//
// Loop: wait for requests, take everything queued (up to max_batch), BEGIN IMMEDIATE, run each
// request, COMMIT, then call each request's `done` — after the commit, never before (contract §3: ack
// after durable store). If the COMMIT fails, every request of the batch fails. One fsync per batch
// instead of one per message is what lets FULL synchronous mode keep up with a burst.
//
// A failing request fails alone: the others of its batch still commit. The requests first run
// without savepoints (they cost about a third of the work per message); when one fails, the whole
// transaction is rolled back and its requests run again, each inside its own SAVEPOINT, so the
// failing one rolls back to it and the rest commit. A work function may therefore run more than once
// (only its last run's writes are kept): it must have no effect outside the connection that a
// writer_observer does not undo.
//
// With sync_after_commit (the server's mode), the COMMIT does not wait for the disk: the connection
// runs synchronous=NORMAL, and a second thread, the syncer, fdatasyncs the WAL after each COMMIT and
// only then calls that batch's done functions. The writer runs the next batch during the fsync
// (~7 ms on a VM's disk, longer than a batch's work), so the fsync is no longer part of the writer's
// cycle. Nothing is acknowledged before the sync that made it durable; NORMAL keeps the database
// consistent after a power loss (SQLite syncs the WAL before every checkpoint), and one fdatasync
// covers every frame written before it, so batches are called back in commit order. What is
// different: for those few milliseconds other connections may read a committed row not yet on disk.
//
// Threads: submit(), stats(), writable() and stop_blocking() may be called from any thread; the
// work functions run on the writer thread only, the done functions on the writer thread or, with
// sync_after_commit, on the syncer thread only.
#pragma once

#include "storage/fault_injection.hpp"
#include "storage/types.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tamsu::storage {

class db;

// Told, on the writer thread, what became of the writes the requests made: lets a cache of database
// state kept on the writer thread (storage/case_cache.hpp) follow commits and rollbacks exactly.
class writer_observer {
public:
    virtual void request_begun() = 0;        // a request's work is about to run
    virtual void request_rolled_back() = 0;  // the writes of that request were undone; the transaction goes on
    virtual void committed() = 0;            // every write since the transaction began is committed (durable,
                                             // or with sync_after_commit durable at the syncer's next fdatasync)
    virtual void rolled_back() = 0;          // every write since the last commit was undone

protected:
    ~writer_observer() = default;
};

class writer {
public:
    using work_fn = std::function<void(db&)>;
    // nullptr: committed. Otherwise why this request failed (its own exception, or the batch's).
    using done_fn = std::function<void(std::exception_ptr)>;

    struct settings {
        std::size_t max_batch = 1024;
        bool sync_after_commit = false;  // see above; the connection must be a file database in WAL mode
    };

    // `observer` (may be null) must outlive the writer; it is called on the writer thread only.
    writer(std::unique_ptr<db> conn, settings config, writer_observer* observer = nullptr);
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    ~writer();  // stop_blocking()

    // After stop: `done` is called at once, on the caller's thread, with an exception (there is no
    // writer thread left).
    void submit(work_fn work, done_fn done);
    // Stop accepting, finish everything queued, join. Idempotent.
    void stop_blocking();

    writer_stats stats() const;
    bool writable() const;
    fault_injection& faults() noexcept { return faults_; }

private:
    struct request {
        work_fn work;
        done_fn done;
    };

    // A batch after its COMMIT (or its failure), waiting for the syncer.
    struct finished {
        std::deque<request> batch;
        std::vector<std::exception_ptr> outcome;  // null: committed, pending the sync
    };

    void run();
    void run_batch(std::deque<request>& batch);
    void record_batch(std::size_t size, bool commit_ok);
    void run_syncer();
    std::exception_ptr sync_wal();  // syncer thread only

    std::unique_ptr<db> conn_;  // writer thread only (after construction)
    settings config_;
    writer_observer* observer_;
    fault_injection faults_;

    mutable std::mutex mutex_;  // guards queue_, stopping_, stats_, last_sync_ok_
    std::condition_variable wake_;
    std::deque<request> queue_;
    bool stopping_ = false;
    writer_stats stats_;
    bool last_sync_ok_ = true;  // the syncer's last fdatasync of the WAL (sync_after_commit)

    std::mutex join_mutex_;  // serialises stop_blocking callers
    std::thread thread_;

    // sync_after_commit only.
    std::string wal_path_;
    std::string dir_path_;
    int wal_fd_ = -1;        // syncer thread only
    std::mutex sync_mutex_;  // guards sync_queue_, syncer_stopping_
    std::condition_variable sync_wake_;
    std::deque<finished> sync_queue_;
    bool syncer_stopping_ = false;
    std::thread syncer_;
};

}  // namespace tamsu::storage
