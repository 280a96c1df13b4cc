// checkpointer: copies the WAL back into the database file on its own thread and connection.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, on the writer
// thread, so every ack queued behind that commit waited for the copy and its fsync (measured: about
// a fifth of the writer's time under load, docs/performance.md §5). Here the writer's connection
// only reports the WAL's size after each commit (sqlite3_wal_hook), and this thread runs a PASSIVE
// checkpoint: it copies what no reader still needs and never blocks the writer or a reader.
// SQLite starts the WAL from the beginning again at the writer's next transaction only once a
// checkpoint has copied every frame, which a background copy racing a busy writer never quite does
// (measured: the WAL grew past 280 MB in 8 s). So when the WAL passes `restart_frames`, the hook
// itself copies the remaining tail, between two of the writer's transactions, as SQLite's own hook
// would have done for everything; journal_size_limit then trims the file.
//
// Threads: attach() before the writer thread starts; on_commit() from the writer thread (the hook);
// stats() and stop_blocking() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

struct sqlite3;

namespace tamsu::storage {

class db;

struct checkpoint_stats {
    std::uint64_t checkpoints = 0;      // PASSIVE checkpoints run
    std::uint64_t tail_checkpoints = 0; // run by the writer's hook to let the WAL restart
    std::uint64_t wal_frames_last = 0;  // WAL size in frames after the latest commit
    std::uint64_t wal_frames_written = 0; // frames appended since start, across WAL restarts
};

class checkpointer {
public:
    struct settings {
        // New WAL frames (pages) since the last wake that wake the thread again. Larger means fewer
        // checkpoints and a page rewritten many times is copied once; SQLite's own default is 1,000.
        int threshold_frames = 4096;
        // WAL frames after a commit at which the writer copies the tail itself (see above).
        int restart_frames = 16384;
        bool synchronous_full = true;
    };

    checkpointer(const std::filesystem::path& file, settings config);
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;
    ~checkpointer();  // stop_blocking()

    // Turns off the writer connection's automatic checkpoint and reports its commits here. The
    // checkpointer must outlive every commit on `writer_conn`.
    void attach(db& writer_conn);
    // Stop and join. Idempotent. (SQLite checkpoints once more when the last connection closes.)
    void stop_blocking();
    checkpoint_stats stats() const;

private:
    static int on_commit(void* self, sqlite3* conn, const char* schema, int frames);
    void run();
    void checkpoint_once();

    settings config_;
    std::unique_ptr<db> conn_;  // this thread only (after construction)

    mutable std::mutex mutex_;  // guards wanted_, stopping_, stats_
    std::condition_variable wake_;
    bool wanted_ = false;
    int next_wake_frames_ = 0;  // WAL size at which the next copy is wanted (writer's hook only)
    bool stopping_ = false;
    checkpoint_stats stats_;

    std::mutex join_mutex_;
    std::thread thread_;
};

}  // namespace tamsu::storage
