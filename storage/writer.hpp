// writer: the thread that owns the only read-write connection, with group commit.
//
// Loop: wait for requests, take everything queued (up to max_batch), BEGIN IMMEDIATE, run each
// request inside its own SAVEPOINT (a failing request rolls back to it and fails alone), COMMIT,
// then call each request's `done` — after the commit, never before (contract §3: ack after durable
// store). If the COMMIT fails, every request of the batch fails. One fsync per batch instead of
// one per message is what lets FULL synchronous mode keep up with a burst.
//
// Threads: submit(), stats(), writable() and stop_blocking() may be called from any thread; the
// work and done functions run on the writer thread only.
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
#include <thread>

namespace tamsu::storage {

class db;

class writer {
public:
    using work_fn = std::function<void(db&)>;
    // nullptr: committed. Otherwise why this request failed (its own exception, or the batch's).
    using done_fn = std::function<void(std::exception_ptr)>;

    struct settings {
        std::size_t max_batch = 1024;
    };

    writer(std::unique_ptr<db> conn, settings config);
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

    void run();
    void run_batch(std::deque<request>& batch);
    void record_batch(std::size_t size, bool commit_ok);

    std::unique_ptr<db> conn_;  // writer thread only (after construction)
    settings config_;
    fault_injection faults_;

    mutable std::mutex mutex_;  // guards queue_, stopping_, stats_
    std::condition_variable wake_;
    std::deque<request> queue_;
    bool stopping_ = false;
    writer_stats stats_;

    std::mutex join_mutex_;  // serialises stop_blocking callers
    std::thread thread_;
};

}  // namespace tamsu::storage
