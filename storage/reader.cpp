#include "storage/reader.hpp"

#include "storage/db.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace tamsu::storage {

reader::reader(const std::filesystem::path& file, int connections) {
    const int n = connections < 1 ? 1 : connections;
    for (int i = 0; i < n; ++i) {
        connections_.push_back(std::make_unique<db>(file, db_options{.read_only = true}));
    }
    for (auto& conn : connections_) {
        threads_.emplace_back([this, c = conn.get()] {
            ::pthread_setname_np(::pthread_self(), "tamsu-reader");  // for profilers and /proc/PID/task/*/comm
            run(*c);
        });
    }
}

reader::~reader() { stop_blocking(); }

bool reader::submit(work_fn work) {
    {
        std::lock_guard lock{mutex_};
        if (stopping_) return false;
        queue_.push_back(std::move(work));
    }
    wake_.notify_one();
    return true;
}

void reader::stop_blocking() {
    std::lock_guard join_lock{join_mutex_};
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

void reader::run(db& conn) {
    for (;;) {
        work_fn work;
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            work = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            work(conn);
        } catch (const std::exception& e) {
            // The store's work functions answer their own errors; this is the last line of defence.
            spdlog::error("event=storage_reader_work_threw what=\"{}\"", e.what());
        } catch (...) {
            spdlog::error("event=storage_reader_work_threw");
        }
    }
}

}  // namespace tamsu::storage
