// reader: a small pool of threads, each with its own SQLITE_OPEN_READONLY connection (style rule 8:
// one writer, N readers). In WAL mode readers never block the writer nor each other.
//
// Threads: submit() and stop_blocking() from any thread; the work runs on one of the pool's threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tamsu::storage {

class db;

class reader {
public:
    using work_fn = std::function<void(db&)>;

    // Opens `connections` read-only connections up front, so a broken file fails at start-up.
    reader(const std::filesystem::path& file, int connections);
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    ~reader();  // stop_blocking()

    // False after stop (the work is not run): the caller answers with an error itself.
    [[nodiscard]] bool submit(work_fn work);
    // Stop accepting, answer everything queued, join. Idempotent.
    void stop_blocking();

private:
    void run(db& conn);

    std::mutex mutex_;  // guards queue_, stopping_
    std::condition_variable wake_;
    std::deque<work_fn> queue_;
    bool stopping_ = false;
    std::vector<std::unique_ptr<db>> connections_;  // one per thread, used only by it
    std::mutex join_mutex_;
    std::vector<std::thread> threads_;
};

}  // namespace tamsu::storage
