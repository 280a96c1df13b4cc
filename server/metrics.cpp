#include "server/metrics.hpp"

namespace tamsu::server {

void metrics::observe_wait(double seconds) {
    std::size_t i = 0;
    while (i < wait_buckets.size() && seconds > wait_buckets[i])
        ++i;
    wait_bucket_counts[i].fetch_add(1, std::memory_order_relaxed);
    wait_count.fetch_add(1, std::memory_order_relaxed);
    wait_sum_ms.fetch_add(static_cast<std::uint64_t>(seconds * 1000), std::memory_order_relaxed);
}

}  // namespace tamsu::server
