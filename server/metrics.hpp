#pragma once
// Counters for GET /metrics (Prometheus text). Plain atomics: written from every I/O thread, read by
// the metrics route; relaxed ordering is enough for monotonic counters and gauges.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace tamsu::server {

struct metrics {
    std::atomic<std::int64_t> student_connections{0};
    std::atomic<std::int64_t> counselor_connections{0};
    std::atomic<std::uint64_t> messages_student{0};
    std::atomic<std::uint64_t> messages_counselor{0};
    std::atomic<std::uint64_t> cases_created{0};
    std::atomic<std::uint64_t> error_frames{0};
    std::atomic<std::uint64_t> escalations{0};
    std::atomic<std::uint64_t> safety_frames{0};
    std::atomic<std::uint64_t> slow_clients_cut{0};
    std::atomic<std::uint64_t> accept_failures{0};
    std::atomic<std::uint64_t> logins_ok{0};
    std::atomic<std::uint64_t> logins_failed{0};
    // queue length by urgency (low, normal, high, critical), set by the dispatcher on every change
    std::array<std::atomic<std::int64_t>, 4> queue_length{};
    // time from a case entering the queue to its claim, seconds; buckets below
    static constexpr std::array<double, 8> wait_buckets = {10, 30, 60, 120, 300, 900, 1800, 3600};
    std::array<std::atomic<std::uint64_t>, 9> wait_bucket_counts{};  // last one is +Inf
    std::atomic<std::uint64_t> wait_count{0};
    std::atomic<std::uint64_t> wait_sum_ms{0};

    void observe_wait(double seconds);
};

}  // namespace tamsu::server
