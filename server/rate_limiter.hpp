#pragma once
// Token buckets. Pure: time comes in as a parameter (style rule 13).

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tamsu::server {

class token_bucket {
public:
    using time_point = std::chrono::steady_clock::time_point;
    token_bucket(double rate_per_s, double burst) : rate_(rate_per_s), burst_(burst), tokens_(burst) {}

    bool try_take(time_point now, double cost = 1.0) {
        refill(now);
        if (tokens_ < cost)
            return false;
        tokens_ -= cost;
        return true;
    }
    bool has(time_point now, double cost) {
        refill(now);
        return tokens_ >= cost;
    }
    bool full(time_point now) {
        refill(now);
        return tokens_ >= burst_;
    }

private:
    void refill(time_point now) {
        if (last_ != time_point{}) {
            std::chrono::duration<double> dt = now - last_;
            tokens_ = std::min(burst_, tokens_ + std::max(0.0, dt.count()) * rate_);
        }
        last_ = now;
    }
    double rate_, burst_, tokens_;
    time_point last_{};
};

// Many buckets by key (a username for logins, a case code for resumes). Shared by every I/O thread,
// so it has a mutex; the critical section is a hash lookup, no I/O. Buckets that refilled are
// dropped now and then so the map cannot grow without bound.
class keyed_limiter {
public:
    keyed_limiter(double rate_per_s, double burst, std::size_t max_keys = 100000)
        : rate_(rate_per_s), burst_(burst), max_keys_(max_keys) {}

    // Counts failures only: a key is refused while its failures used up the burst, and a success
    // costs nothing (10,000 students behind one school NAT resuming after a restart must all get in).
    bool allowed(const std::string& key, token_bucket::time_point now) {
        std::lock_guard lock(mutex_);
        auto it = buckets_.find(key);
        return it == buckets_.end() || it->second.has(now, 1.0);
    }
    void charge(const std::string& key, token_bucket::time_point now) {
        std::lock_guard lock(mutex_);
        if (buckets_.size() >= max_keys_)
            sweep(now);
        if (buckets_.size() >= max_keys_)
            buckets_.clear();  // defensive: a flood of distinct keys must not grow memory without bound
        auto [it, inserted] = buckets_.try_emplace(key, rate_, burst_);
        it->second.try_take(now);
    }

private:
    void sweep(token_bucket::time_point now) {
        for (auto it = buckets_.begin(); it != buckets_.end();)
            it = it->second.full(now) ? buckets_.erase(it) : std::next(it);
    }
    std::mutex mutex_;
    std::unordered_map<std::string, token_bucket> buckets_;
    double rate_, burst_;
    std::size_t max_keys_;
};

}  // namespace tamsu::server
