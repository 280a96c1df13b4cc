#pragma once
// Every live connection, so a graceful stop can close them all with "going away" and wait until they
// are gone. Reached from every I/O thread (add/remove) and the stopping thread; a mutex, and the
// close itself is posted outside the lock (style rule 3: copy under the lock, act outside it).

#include <condition_variable>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace tamsu::server {

class closable {
public:
    virtual ~closable() = default;
    virtual void close_going_away() = 0;  // thread-safe
};

class session_registry {
public:
    void add(const closable* key, std::weak_ptr<closable> s) {
        std::lock_guard lock(mutex_);
        sessions_.emplace(key, std::move(s));
    }
    void remove(const closable* key) {
        std::lock_guard lock(mutex_);
        sessions_.erase(key);
        if (sessions_.empty())
            empty_.notify_all();
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }
    void close_all() {
        std::vector<std::shared_ptr<closable>> live;
        {
            std::lock_guard lock(mutex_);
            for (auto& [k, w] : sessions_)
                if (auto s = w.lock())
                    live.push_back(std::move(s));
        }
        for (auto& s : live)
            s->close_going_away();
    }
    // Blocking: for the stopping thread, never an I/O thread.
    bool wait_empty_blocking(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return empty_.wait_for(lock, limit, [&] { return sessions_.empty(); });
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable empty_;
    std::unordered_map<const closable*, std::weak_ptr<closable>> sessions_;
};

}  // namespace tamsu::server
