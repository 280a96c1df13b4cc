// Test hook (style rule 14, after Beast's fail_count and SQLite's fault tests): make the n-th SQLite
// step or the n-th COMMIT of the writer connection fail, for n = 0, 1, 2, …, and check afterwards
// that nothing was half-written and nothing reported as committed was lost.
//
// Threads: set by the test thread, read by the writer and syncer threads; atomics make that race-free.
#pragma once

#include <atomic>

namespace tamsu::storage {

struct fault_injection {
    // -1: off. n >= 0: the n-th step (counting from 0, from when it was set) fails with SQLITE_IOERR.
    std::atomic<long> fail_step_at{-1};
    // -1: off. n >= 0: the n-th COMMIT fails (the transaction is rolled back, as after a failed fsync).
    std::atomic<long> fail_commit_at{-1};
    // -1: off. n >= 0: the syncer's n-th fdatasync of the WAL fails (writer sync_after_commit).
    std::atomic<long> fail_sync_at{-1};

    // Counts one event on `counter`; true exactly once, when the count reaches zero.
    static bool hit(std::atomic<long>& counter) noexcept {
        long v = counter.load();
        while (v >= 0) {
            if (counter.compare_exchange_weak(v, v - 1)) return v == 0;
        }
        return false;
    }
};

}  // namespace tamsu::storage
