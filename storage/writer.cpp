#include "storage/writer.hpp"

#include "storage/db.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace tamsu::storage {

namespace {

void call_done(const writer::done_fn& done, std::exception_ptr error) noexcept {
    try {
        done(std::move(error));
    } catch (const std::exception& e) {
        // A throwing callback must not take the writer (and every later ack) down with it.
        spdlog::error("event=storage_callback_threw thread=writer what=\"{}\"", e.what());
    } catch (...) {
        spdlog::error("event=storage_callback_threw thread=writer");
    }
}

}  // namespace

writer::writer(std::unique_ptr<db> conn, settings config, writer_observer* observer)
    : conn_(std::move(conn)), config_(config), observer_(observer) {
    if (config_.max_batch == 0) config_.max_batch = 1;
    conn_->set_fault_injection(&faults_);
    if (config_.sync_after_commit) {
        const char* wal = sqlite3_filename_wal(sqlite3_db_filename(conn_->handle(), "main"));
        if (wal == nullptr || *wal == '\0') throw std::invalid_argument("writer: sync_after_commit needs a file database");
        wal_path_ = wal;
        dir_path_ = std::filesystem::path(wal_path_).parent_path().string();
        if (dir_path_.empty()) dir_path_ = ".";
        // The syncer makes each COMMIT durable before its callbacks; the COMMIT itself need not wait.
        conn_->exec("PRAGMA synchronous = NORMAL");
        syncer_ = std::thread([this] { run_syncer(); });
    }
    thread_ = std::thread([this] { run(); });
}

writer::~writer() {
    stop_blocking();
    if (wal_fd_ >= 0) ::close(wal_fd_);
}

void writer::submit(work_fn work, done_fn done) {
    {
        std::lock_guard lock{mutex_};
        if (!stopping_) {
            queue_.push_back({std::move(work), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    call_done(done, std::make_exception_ptr(std::runtime_error("storage writer is stopped")));
}

void writer::stop_blocking() {
    std::lock_guard join_lock{join_mutex_};
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
        std::lock_guard lock{sync_mutex_};
        syncer_stopping_ = true;
    }
    sync_wake_.notify_all();
    if (syncer_.joinable()) syncer_.join();
}

writer_stats writer::stats() const {
    std::lock_guard lock{mutex_};
    return stats_;
}

bool writer::writable() const {
    std::lock_guard lock{mutex_};
    return stats_.last_commit_ok && last_sync_ok_;
}

void writer::record_batch(std::size_t size, bool commit_ok) {
    std::lock_guard lock{mutex_};
    stats_.batches += 1;
    stats_.requests += size;
    stats_.max_batch = std::max<std::uint64_t>(stats_.max_batch, size);
    const auto bucket = std::min<std::size_t>(std::bit_width(size) - 1, stats_.batch_size_pow2.size() - 1);
    stats_.batch_size_pow2[bucket] += 1;
    stats_.last_commit_ok = commit_ok;
}

void writer::run() {
    // Named so a profiler or /proc/PID/task/*/comm can tell it from the I/O threads (15 chars max).
    ::pthread_setname_np(::pthread_self(), "tamsu-writer");
    for (;;) {
        std::deque<request> batch;
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            // Everything waiting, up to max_batch: this is the group commit.
            while (!queue_.empty() && batch.size() < config_.max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        run_batch(batch);
    }
}

void writer::run_batch(std::deque<request>& batch) {
    db& conn = *conn_;
    // Outcome per request: null = its work succeeded (pending commit).
    std::vector<std::exception_ptr> outcome(batch.size());
    // Requests whose writes are part of the transaction now open; if SQLite rolls the whole
    // transaction back on its own, these lose their writes and must fail too.
    std::vector<std::size_t> in_tx;
    std::vector<bool> durable(batch.size(), false);
    std::exception_ptr batch_error;
    bool committed = false;

    try {
        std::size_t next = 0;
        // Per-request savepoints cost about a third of the writer's work per message (SQLite copies
        // every page a request touches first into the savepoint's sub-journal, then truncates it at
        // RELEASE; docs/performance.md §9). Requests rarely fail, so a transaction first runs without
        // them; if a request does fail, that transaction is rolled back whole and its requests run
        // again, each in its own savepoint, so the failing one fails alone.
        bool guarded = false;
        while (next < batch.size()) {
            transaction tx{conn, transaction::kind::immediate};
            const std::size_t first = next;
            in_tx.clear();
            bool lost_tx = false;
            bool run_again_guarded = false;
            for (; next < batch.size(); ++next) {
                if (observer_) observer_->request_begun();
                if (guarded) conn.run("SAVEPOINT request");
                try {
                    batch[next].work(conn);
                    if (guarded) conn.run("RELEASE request");
                    in_tx.push_back(next);
                } catch (...) {
                    if (!guarded) {
                        // Nothing of this transaction is reported yet: undo all of it, then again.
                        tx.rollback();
                        if (observer_) observer_->rolled_back();
                        next = first;
                        guarded = true;
                        run_again_guarded = true;
                        break;
                    }
                    outcome[next] = std::current_exception();
                    if (!conn.in_transaction()) {
                        // SQLite already rolled back everything (IOERR, FULL, NOMEM): the requests
                        // run before this one in the transaction lost their writes as well.
                        if (observer_) observer_->rolled_back();
                        for (auto i : in_tx) outcome[i] = outcome[next];
                        in_tx.clear();
                        ++next;
                        lost_tx = true;
                        break;
                    }
                    conn.run("ROLLBACK TO request");
                    conn.run("RELEASE request");
                    if (observer_) observer_->request_rolled_back();
                }
            }
            if (run_again_guarded || lost_tx) continue;  // a fresh transaction for the rest
            if (fault_injection::hit(faults_.fail_commit_at)) {
                throw db_error(SQLITE_IOERR, "commit: injected fault (sqlite code 10)");
            }
            tx.commit();
            if (observer_) observer_->committed();
            for (auto i : in_tx) durable[i] = true;
            in_tx.clear();
        }
        committed = true;
    } catch (...) {
        batch_error = std::current_exception();
    }

    if (!committed) {
        // BEGIN, SAVEPOINT or COMMIT failed: nothing of the open transaction is durable (the
        // transaction's destructor rolled it back), so every request not yet failed or committed
        // (after a restart below, an earlier transaction of this batch may have) fails now.
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (!durable[i] && !outcome[i]) outcome[i] = batch_error;
        }
        if (observer_) observer_->rolled_back();
        try {
            std::rethrow_exception(batch_error);
        } catch (const std::exception& e) {
            spdlog::error("event=db_commit_failed requests={} what=\"{}\"", batch.size(), e.what());
        } catch (...) {
            spdlog::error("event=db_commit_failed requests={}", batch.size());
        }
    }
    record_batch(batch.size(), committed);

    if (config_.sync_after_commit) {
        {
            std::lock_guard lock{sync_mutex_};
            sync_queue_.push_back(finished{std::move(batch), std::move(outcome)});
        }
        sync_wake_.notify_one();
        return;
    }
    // contract §3: every done() runs after the COMMIT that made its request durable.
    for (std::size_t i = 0; i < batch.size(); ++i) call_done(batch[i].done, outcome[i]);
}

void writer::run_syncer() {
    ::pthread_setname_np(::pthread_self(), "tamsu-syncer");
    for (;;) {
        std::deque<finished> ready;
        {
            std::unique_lock lock{sync_mutex_};
            sync_wake_.wait(lock, [this] { return syncer_stopping_ || !sync_queue_.empty(); });
            if (sync_queue_.empty()) return;  // stopping, and the writer (joined first) has handed over everything
            ready.swap(sync_queue_);
        }
        // One fdatasync for every batch committed so far: it covers every frame written before it.
        // A request's outcome stays null only when its transaction committed.
        const bool any = std::any_of(ready.begin(), ready.end(), [](const finished& f) {
            return std::any_of(f.outcome.begin(), f.outcome.end(), [](const std::exception_ptr& e) { return !e; });
        });
        const std::exception_ptr sync_error = any ? sync_wal() : nullptr;
        if (any) {
            std::lock_guard lock{mutex_};
            last_sync_ok_ = !sync_error;
            if (!sync_error) stats_.syncs += 1;
        }
        // contract §3: every done() runs after the sync that made its request durable. A request whose
        // COMMIT succeeded but whose sync failed may or may not be on disk: it fails, and a retry of the
        // same send finds the stored row (or stores it again) and gets the ack then.
        for (auto& f : ready)
            for (std::size_t i = 0; i < f.batch.size(); ++i)
                call_done(f.batch[i].done, f.outcome[i] ? f.outcome[i] : sync_error);
    }
}

std::exception_ptr writer::sync_wal() {
    const auto failed = [&](const char* what, int err) {
        spdlog::error("event=db_sync_failed what=\"{}: {}\"", what, std::strerror(err));
        return std::make_exception_ptr(db_error(SQLITE_IOERR, std::string("sync: ") + what + ": " + std::strerror(err)));
    };
    if (fault_injection::hit(faults_.fail_sync_at)) return failed("injected fault", EIO);
    // SQLite keeps the WAL file while the writer's connection is open; should it ever be replaced,
    // the descriptor would sync the old file, so it is checked against the path each time.
    struct stat by_fd{}, by_path{};
    if (wal_fd_ >= 0 && (::fstat(wal_fd_, &by_fd) != 0 || ::stat(wal_path_.c_str(), &by_path) != 0 ||
                         by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev)) {
        ::close(wal_fd_);
        wal_fd_ = -1;
    }
    if (wal_fd_ < 0) {
        const int wal = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (wal < 0) return failed("open of the WAL", errno);
        // A new file's directory entry must be durable too (SQLite syncs the directory at a file's
        // first sync in FULL mode; here the writer's connection never syncs the WAL itself).
        const int dir = ::open(dir_path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const int rc = dir < 0 ? -1 : ::fsync(dir);
        const int err = errno;
        if (dir >= 0) ::close(dir);
        if (rc != 0) {
            ::close(wal);
            return failed("fsync of the data directory", err);
        }
        wal_fd_ = wal;
    }
    if (::fdatasync(wal_fd_) != 0) return failed("fdatasync of the WAL", errno);
    return nullptr;
}

}  // namespace tamsu::storage
