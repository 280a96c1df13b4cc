#include "storage/checkpointer.hpp"

#include "storage/db.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace tamsu::storage {

checkpointer::checkpointer(const std::filesystem::path& file, settings config)
    : config_(config), conn_(std::make_unique<db>(file, db_options{.synchronous_full = config.synchronous_full})),
      next_wake_frames_(config.threshold_frames) {
    thread_ = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), "tamsu-ckpt");  // for profilers and /proc/PID/task/*/comm
        run();
    });
}

checkpointer::~checkpointer() { stop_blocking(); }

void checkpointer::attach(db& writer_conn) {
    // 0 turns SQLite's automatic checkpoint off; the hook below replaces it (it is itself a WAL hook).
    sqlite3_wal_autocheckpoint(writer_conn.handle(), 0);
    sqlite3_wal_hook(writer_conn.handle(), &checkpointer::on_commit, this);
    // A WAL that grew while a long read held it back is cut back to this size once it restarts.
    writer_conn.exec("PRAGMA journal_size_limit = 67108864");
}

int checkpointer::on_commit(void* self, sqlite3* conn, const char* schema, int frames) {
    auto& cp = *static_cast<checkpointer*>(self);
    if (frames >= cp.config_.restart_frames) {
        // The background copy did the bulk; this copies what it has not reached yet, so the
        // writer's next transaction can start the WAL again. BUSY (the background one is running)
        // just means: next commit.
        if (sqlite3_wal_checkpoint_v2(conn, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK) {
            std::lock_guard lock{cp.mutex_};
            cp.stats_.tail_checkpoints += 1;
        }
    }
    std::lock_guard lock{cp.mutex_};
    const auto now = static_cast<std::uint64_t>(frames);
    if (now < cp.stats_.wal_frames_last) {
        // A smaller WAL than last time: it started again from the beginning.
        cp.next_wake_frames_ = cp.config_.threshold_frames;
        cp.stats_.wal_frames_written += now;
    } else {
        cp.stats_.wal_frames_written += now - cp.stats_.wal_frames_last;
    }
    cp.stats_.wal_frames_last = now;
    // One copy per threshold_frames new frames, not one after every commit past the threshold: a
    // case's page rewritten by many messages in between is then copied once (measured: 1.66 page
    // copies per message with a copy after every commit, docs/performance.md §7).
    if (frames >= cp.next_wake_frames_ && !cp.wanted_) {
        cp.next_wake_frames_ = frames + cp.config_.threshold_frames;
        cp.wanted_ = true;
        cp.wake_.notify_one();
    }
    return SQLITE_OK;
}

void checkpointer::stop_blocking() {
    std::lock_guard join_lock{join_mutex_};
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

checkpoint_stats checkpointer::stats() const {
    std::lock_guard lock{mutex_};
    return stats_;
}

void checkpointer::run() {
    for (;;) {
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [this] { return stopping_ || wanted_; });
            if (stopping_) return;
            wanted_ = false;
            // Past restart_frames the writer's hook copies the tail; a background copy running at
            // that moment would hold the checkpoint lock and the WAL could never start again.
            if (stats_.wal_frames_last >= static_cast<std::uint64_t>(config_.restart_frames)) continue;
        }
        checkpoint_once();
    }
}

void checkpointer::checkpoint_once() {
    const int rc = sqlite3_wal_checkpoint_v2(conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        // Not fatal: the WAL keeps every committed page, so nothing is lost; it only grows until a
        // later checkpoint succeeds. Said at warn so a full disk shows up in the log.
        spdlog::warn("event=checkpoint_failed what=\"{}\"", sqlite3_errmsg(conn_->handle()));
        return;
    }
    std::lock_guard lock{mutex_};
    stats_.checkpoints += 1;
}

}  // namespace tamsu::storage
