#include "storage/store.hpp"

#include "storage/case_cache.hpp"
#include "storage/checkpointer.hpp"
#include "storage/crypto.hpp"
#include "storage/db.hpp"
#include "storage/fault_injection.hpp"
#include "storage/migrations.hpp"
#include "storage/reader.hpp"
#include "storage/writer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace tamsu::storage {

namespace {

using namespace std::chrono_literals;

constexpr const char* db_file_name = "tamsu.db";
// The writer's page cache: holds the hot leaf pages of every active case (one insertion point per
// case in `messages` and its unique index) for a few thousand open cases; SQLite only fills it as
// pages are touched, so a small school's database never reaches it.
constexpr int writer_cache_kib = 64 * 1024;
constexpr const char* key_file_name = "master.key";
// contract §6: "deadline is 12 hours after opening" (Decree 56/2017, Art. 26).
constexpr auto escalation_deadline = 12h;
constexpr std::size_t escalation_id_chars = 12;
constexpr std::size_t initial_admin_password_chars = 20;  // 100 bits, typed once then changed
constexpr int code_attempts = 8;  // 40-bit codes: a second collision in a row means something is broken

// Thrown inside a request for an expected failure: the writer rolls the request's savepoint back,
// the store turns it into an error code. Never crosses the public API.
struct request_failure {
    errc code;
};

std::int64_t to_ms(sys_time t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
sys_time from_ms(std::int64_t ms) { return sys_time{std::chrono::duration_cast<sys_time::duration>(std::chrono::milliseconds{ms})}; }
std::optional<sys_time> from_opt_ms(std::optional<std::int64_t> ms) {
    if (!ms) return std::nullopt;
    return from_ms(*ms);
}

template <class T>
result<T> failed(errc code) {
    return result<T>{boost::system::in_place_error, make_error_code(code)};
}

// Maps whatever a request threw to an error code, logging infrastructure failures. No student
// text is ever in these messages: SQLite errors name tables and columns, never values.
errc classify(std::exception_ptr error, std::string_view op) {
    try {
        std::rethrow_exception(std::move(error));
    } catch (const request_failure& f) {
        return f.code;
    } catch (const db_error& e) {
        spdlog::error("event=storage_request_failed op={} sqlite_code={} what=\"{}\"", op, e.code(), e.what());
    } catch (const std::exception& e) {
        spdlog::error("event=storage_request_failed op={} what=\"{}\"", op, e.what());
    } catch (...) {
        spdlog::error("event=storage_request_failed op={}", op);
    }
    return errc::io_error;
}

template <class T>
void deliver(const callback<T>& cb, result<T> r, std::string_view op) noexcept {
    try {
        cb(std::move(r));
    } catch (const std::exception& e) {
        spdlog::error("event=storage_callback_threw op={} what=\"{}\"", op, e.what());
    } catch (...) {
        spdlog::error("event=storage_callback_threw op={}", op);
    }
}

// ---- rows ----

// last_seq is the case's highest message seq: one seek on the messages primary key (migration 0003).
constexpr const char* case_columns =
    "id, code, school, lang, state, urgency, categories, queued_at, assigned_to, "
    "coalesce((SELECT max(seq) FROM messages WHERE case_id = cases.id), 0), created_at";

case_summary read_case(const statement& st) {
    case_summary c;
    c.id = st.column_int64(0);
    c.code = st.column_text(1);
    c.school = st.column_text(2);
    c.lang = st.column_text(3);
    c.state = static_cast<case_state>(st.column_int64(4));
    c.level = static_cast<urgency>(st.column_int64(5));
    c.categories = st.column_text(6);
    c.queued_at = from_opt_ms(st.column_opt_int64(7));
    c.assigned_to = st.column_opt_text(8);
    c.last_seq = static_cast<std::uint64_t>(st.column_int64(9));
    c.created_at = from_ms(st.column_int64(10));
    return c;
}

std::optional<case_summary> find_case(db& conn, case_id id) {
    auto st = conn.query(std::string("SELECT ") + case_columns + " FROM cases WHERE id = ?1");
    st->bind(1, id);
    if (!st->step()) return std::nullopt;
    return read_case(*st);
}

std::optional<case_summary> find_case_by_code(db& conn, std::string_view code) {
    auto st = conn.query(std::string("SELECT ") + case_columns + " FROM cases WHERE code = ?1");
    st->bind(1, code);
    if (!st->step()) return std::nullopt;
    return read_case(*st);
}

bool school_exists(db& conn, std::string_view code) {
    auto st = conn.query("SELECT 1 FROM schools WHERE code = ?1");
    st->bind(1, code);
    return st->step();
}

// Union of two comma-separated category lists, first-seen order, no empties.
std::string merge_categories(std::string_view have, std::string_view add) {
    std::vector<std::string_view> items;
    auto collect = [&items](std::string_view list) {
        while (!list.empty()) {
            const auto comma = list.find(',');
            auto item = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            if (!item.empty() && std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
        }
    };
    collect(have);
    collect(add);
    std::string out;
    for (auto item : items) {
        if (!out.empty()) out += ',';
        out += item;
    }
    return out;
}

void add_event(
    db& conn, case_id id, sys_time now, std::string_view kind, std::string_view actor, std::string_view detail
) {
    auto st = conn.query("INSERT INTO case_events (case_id, at, kind, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    st->bind(1, id).bind(2, to_ms(now)).bind(3, kind).bind(4, actor).bind(5, detail);
    st->step();
}

bool valid_role(std::string_view role) { return role == "counselor" || role == "supervisor" || role == "admin"; }

user_info read_user(const statement& st) {
    return user_info{
        .id = st.column_int64(0),
        .username = st.column_text(1),
        .role = st.column_text(2),
        .display_name = st.column_text(3),
        .school = st.column_text(4),
    };
}

// The insert shared by the server's writer and the CLI's own connection. `password_hash` is
// computed by the caller, outside any transaction (Argon2id takes ~0.1 s).
user_info insert_user(
    db& conn,
    const std::string& username,
    const std::string& role,
    const std::string& display_name,
    const std::string& school,
    const std::string& password_hash,
    sys_time now
) {
    if (username.empty() || !valid_role(role)) throw request_failure{errc::invalid_argument};
    if (!school_exists(conn, school)) throw request_failure{errc::not_found};
    {
        auto st = conn.query("SELECT 1 FROM users WHERE username = ?1");
        st->bind(1, username);
        if (st->step()) throw request_failure{errc::conflict};
    }
    auto st = conn.query(
        "INSERT INTO users (username, role, display_name, school, password_hash, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    );
    st->bind(1, username).bind(2, role).bind(3, display_name).bind(4, school).bind(5, password_hash);
    st->bind(6, to_ms(now));
    st->step();
    return user_info{conn.last_insert_rowid(), username, role, display_name, school};
}

[[noreturn]] void throw_user_error(errc code, const std::string& username, const std::string& role, const std::string& school) {
    switch (code) {
    case errc::conflict: throw std::runtime_error("user '" + username + "' already exists");
    case errc::not_found: throw std::runtime_error("unknown school '" + school + "'");
    case errc::invalid_argument:
        if (username.empty()) throw std::runtime_error("the username must not be empty");
        throw std::runtime_error("unknown role '" + role + "' (expected counselor, supervisor or admin)");
    default: throw std::runtime_error("could not store the user: storage failure (see the log)");
    }
}

void ensure_data_dir(const std::filesystem::path& dir) {
    if (dir.empty()) throw std::runtime_error("no data directory configured");
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
        // 0700: even the names and sizes of the files say something about who asked for help.
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
            throw std::runtime_error("cannot create data directory " + dir.string() + ": " + std::strerror(errno));
        }
        spdlog::info("event=data_dir_created path={}", dir.string());
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        throw std::runtime_error("data directory " + dir.string() + " is not a directory");
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        spdlog::warn("event=data_dir_permissive path={} mode={:o} hint=\"chmod 700\"", dir.string(), st.st_mode & 07777);
    }
}

std::filesystem::path key_path(const settings& config) {
    return config.master_key_file.empty() ? config.data_dir / key_file_name : config.master_key_file;
}

void fsync_path(const std::filesystem::path& p, int flags) {
    int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

void backup_from(const std::filesystem::path& source, const std::filesystem::path& to) {
    const std::filesystem::path partial = to.string() + ".partial";
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    // Created 0600 before SQLite touches it: the copy holds the same metadata as the original.
    int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + partial.string() + ": " + std::strerror(errno));
    ::close(fd);

    db src{source, db_options{.read_only = true}};
    sqlite3* dest = nullptr;
    int rc = sqlite3_open_v2(partial.c_str(), &dest, SQLITE_OPEN_READWRITE, nullptr);
    std::string error;
    if (rc == SQLITE_OK) {
        sqlite3_backup* b = sqlite3_backup_init(dest, "main", src.handle(), "main");
        if (!b) {
            rc = sqlite3_errcode(dest);
            error = sqlite3_errmsg(dest);
        } else {
            // -1: all pages in one step, so the copy is one consistent snapshot of the source.
            rc = sqlite3_backup_step(b, -1);
            sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE) {
                rc = SQLITE_OK;
            } else {
                error = sqlite3_errstr(rc);
            }
        }
    } else {
        error = dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc);
    }
    sqlite3_close_v2(dest);
    if (rc != SQLITE_OK) {
        std::filesystem::remove(partial, ec);
        throw std::runtime_error("backup to " + to.string() + " failed: " + error);
    }
    fsync_path(partial, O_RDONLY);
    std::filesystem::rename(partial, to, ec);
    if (ec) throw std::runtime_error("backup: cannot rename " + partial.string() + " to " + to.string() + ": " + ec.message());
    fsync_path(to.has_parent_path() ? to.parent_path() : std::filesystem::path{"."}, O_RDONLY | O_DIRECTORY);
    spdlog::info("event=backup_written path={}", to.string());
}

}  // namespace

// ---- impl ----

struct store::impl {
    settings config;
    std::filesystem::path db_path;
    std::unique_ptr<crypto::key32> master;  // read-only after open: shared by every storage thread
    std::string master_id;
    std::unique_ptr<checkpointer> cp;  // before w: it must outlive the writer's connection
    // Writer thread only; before w: it is the writer's observer and must outlive it.
    case_cache cases;
    std::unique_ptr<writer> w;
    std::unique_ptr<reader> r;

    std::once_flag dummy_once;
    std::string dummy_hash;  // for unknown usernames, so they cost the same Argon2id verify

    crypto::key32 case_key(std::string_view code, const std::optional<std::vector<unsigned char>>& wrapped) const {
        // A purged case (v1.1 crypto-shredding) has no key: treat it as gone.
        if (!wrapped) throw request_failure{errc::not_found};
        auto key = crypto::unwrap_case_key(*master, master_id, code, *wrapped);
        if (!key) throw std::runtime_error("a case key does not unwrap under the current master key");
        return std::move(*key);
    }

    // The case fields append_message needs, and its key: from the writer's cache, or read and
    // unwrapped once and cached (case_cache.hpp). Writer thread only.
    case_cache::fields& hot_case(db& conn, case_id id) {
        if (auto* hit = cases.find(id)) return *hit;
        std::string code;
        std::optional<std::vector<unsigned char>> wrapped;
        case_cache::fields row;
        {
            auto st = conn.query(
                "SELECT code, state, urgency, coalesce((SELECT max(seq) FROM messages WHERE case_id = ?1), 0), "
                "queued_at IS NOT NULL, wrapped_key, categories FROM cases WHERE id = ?1"
            );
            st->bind(1, id);
            if (!st->step()) throw request_failure{errc::not_found};
            code = st->column_text(0);
            row.state = static_cast<case_state>(st->column_int64(1));
            row.level = static_cast<urgency>(st->column_int64(2));
            row.last_seq = static_cast<std::uint64_t>(st->column_int64(3));
            row.queued = st->column_int64(4) != 0;
            if (!st->is_null(5)) wrapped = st->column_blob(5);
            row.categories = st->column_text(6);
        }
        // A purged case (v1.1 crypto-shredding) has no key: treat it as gone (and cache nothing).
        if (!wrapped) throw request_failure{errc::not_found};
        auto* entry = cases.insert(id, std::move(row), [&](std::span<unsigned char, crypto::key_bytes> slot) {
            return crypto::unwrap_case_key_into(*master, master_id, code, *wrapped, slot);
        });
        if (!entry) throw std::runtime_error("a case key does not unwrap under the current master key");
        return *entry;
    }

    const std::string& dummy_password_hash() {
        std::call_once(dummy_once, [this] { dummy_hash = crypto::hash_password("tamsu: no such user"); });
        return dummy_hash;
    }

    // A write: `f(db&) -> T` on the writer thread inside its savepoint; `cb` after COMMIT.
    template <class T, class F>
    void write(std::string_view op, F f, callback<T> cb) {
        auto out = std::make_shared<std::optional<T>>();
        w->submit(
            [out, f = std::move(f)](db& conn) mutable { out->emplace(f(conn)); },
            [out, cb = std::move(cb), op](std::exception_ptr error) {
                if (!error && *out) {
                    deliver(cb, result<T>{std::move(**out)}, op);
                } else {
                    const errc code = error ? classify(error, op) : errc::io_error;
                    deliver(cb, failed<T>(code), op);
                }
            }
        );
    }

    // A read: `f(db&) -> T` on a reader thread, in one read transaction (a consistent snapshot).
    template <class T, class F>
    void read(std::string_view op, F f, callback<T> cb) {
        auto shared_cb = std::make_shared<callback<T>>(std::move(cb));
        const bool accepted = r->submit([f = std::move(f), shared_cb, op](db& conn) mutable {
            std::optional<result<T>> out;
            try {
                transaction tx{conn, transaction::kind::deferred};
                out.emplace(f(conn));
                tx.commit();
            } catch (...) {
                out.emplace(failed<T>(classify(std::current_exception(), op)));
            }
            deliver(*shared_cb, std::move(*out), op);
        });
        // Defensive: only after stop_blocking. No storage thread left to answer on.
        if (!accepted) deliver(*shared_cb, failed<T>(errc::io_error), op);
    }

    template <class T, class F>
    T write_blocking(std::string_view op, F f) {
        std::promise<result<T>> done;
        auto fut = done.get_future();
        write<T>(op, std::move(f), [&done](result<T> r) { done.set_value(std::move(r)); });
        auto r = fut.get();
        if (!r) throw std::system_error(r.error());
        return std::move(*r);
    }

    template <class T, class F>
    T read_blocking(std::string_view op, F f) {
        std::promise<result<T>> done;
        auto fut = done.get_future();
        read<T>(op, std::move(f), [&done](result<T> r) { done.set_value(std::move(r)); });
        auto r = fut.get();
        if (!r) throw std::system_error(r.error());
        return std::move(*r);
    }
};

store::store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

store::~store() { stop_blocking(); }

std::shared_ptr<store> store::open_blocking(const settings& config) {
    crypto::init();
    ensure_data_dir(config.data_dir);
    auto p = std::make_unique<impl>();
    p->config = config;
    p->db_path = config.data_dir / db_file_name;
    const auto key_file = key_path(config);
    p->master = std::make_unique<crypto::key32>(crypto::load_or_create_master_key(key_file));
    p->master_id = crypto::key_id(*p->master);

    std::int64_t version = 0;
    try {
        auto conn = std::make_unique<db>(
            p->db_path,
            db_options{
                .create = true,
                .synchronous_full = config.synchronous_full,
                .cache_kib = writer_cache_kib,
                .buffer_wal = true,
            }
        );
        version = detail::migrate_blocking(*conn);
        {
            // A replaced or lost key file would make every case unreadable: say so at start-up,
            // not at the first resume.
            auto any = conn->query("SELECT count(*) FROM cases WHERE wrapped_key IS NOT NULL");
            any->step();
            const auto cases = any->column_int64(0);
            auto ours = conn->query("SELECT EXISTS (SELECT 1 FROM cases WHERE key_id = ?1)");
            ours->bind(1, p->master_id);
            ours->step();
            if (cases > 0 && ours->column_int64(0) == 0) {
                throw std::runtime_error(
                    "the master key in " + key_file.string() + " (key id " + p->master_id +
                    ") is not the key this database was written with; restore the right key file"
                );
            }
        }
        p->cp = std::make_unique<checkpointer>(
            p->db_path, checkpointer::settings{.synchronous_full = config.synchronous_full}
        );
        p->cp->attach(*conn);
        p->w = std::make_unique<writer>(
            std::move(conn),
            writer::settings{.max_batch = config.max_batch, .sync_after_commit = config.synchronous_full},
            &p->cases
        );
        p->r = std::make_unique<reader>(p->db_path, config.reader_connections);
    } catch (const db_error& e) {
        throw std::runtime_error("cannot open database " + p->db_path.string() + ": " + e.what());
    }
    spdlog::info(
        "event=db_opened path={} user_version={} key_id={} readers={}",
        p->db_path.string(),
        version,
        p->master_id,
        config.reader_connections
    );
    return std::shared_ptr<store>(new store(std::move(p)));
}

void store::stop_blocking() {
    if (!impl_) return;
    // Writer first: its callbacks may still submit reads, which the readers then answer.
    if (impl_->w) impl_->w->stop_blocking();
    if (impl_->cp) impl_->cp->stop_blocking();
    if (impl_->r) impl_->r->stop_blocking();
}

bool store::writable() const { return impl_->w->writable(); }
writer_stats store::stats() const {
    auto out = impl_->w->stats();
    const auto cp = impl_->cp->stats();
    out.checkpoints = cp.checkpoints;
    out.wal_frames = cp.wal_frames_last;
    return out;
}
fault_injection& store::faults_for_tests() { return impl_->w->faults(); }

// ---- writes ----

void store::create_case(std::string school, std::string lang, sys_time now, callback<new_case> cb) {
    impl* self = impl_.get();
    impl_->write<new_case>(
        "create_case",
        [self, school = std::move(school), lang = std::move(lang), now](db& conn) {
            if (!school_exists(conn, school)) throw request_failure{errc::invalid_argument};
            std::string code;
            for (int attempt = 0;; ++attempt) {
                if (attempt == code_attempts) throw std::runtime_error("could not find a free case code");
                code = crypto::random_base32(crypto::case_code_chars);
                if (!find_case_by_code(conn, code)) break;
            }
            auto key = crypto::key32::random();
            plaintext secret{crypto::random_base32(crypto::case_secret_chars)};
            const auto wrapped = crypto::wrap_case_key(*self->master, self->master_id, code, key);
            const auto hash = crypto::secret_hash(key, secret.reveal());
            auto st = conn.query(
                "INSERT INTO cases (code, school, lang, state, urgency, urgency_since, created_at, key_id, "
                "wrapped_key, secret_hash) VALUES (?1, ?2, ?3, 1, 1, ?4, ?4, ?5, ?6, ?7)"
            );
            st->bind(1, code).bind(2, school).bind(3, lang).bind(4, to_ms(now)).bind(5, self->master_id);
            st->bind_blob(6, wrapped).bind_blob(7, hash);
            st->step();
            return new_case{conn.last_insert_rowid(), std::move(code), std::move(secret), now};
        },
        std::move(cb)
    );
}

void store::append_message(
    case_id id,
    sender from,
    std::string client_id,
    std::string author,
    plaintext text,
    std::optional<urgency> level,
    std::string categories,
    sys_time now,
    callback<append_result> cb
) {
    impl* self = impl_.get();
    auto words = std::make_shared<plaintext>(std::move(text));  // std::function needs copyable captures
    impl_->write<append_result>(
        "append_message",
        [self, id, from, client_id = std::move(client_id), author = std::move(author), words, level,
         categories = std::move(categories), now](db& conn) {
            // Read from the writer's cache (case_cache.hpp); every change below goes to both.
            const case_cache::fields& c = self->hot_case(conn, id);
            const case_state state = c.state;
            const std::uint64_t seq = c.last_seq + 1;
            const auto body = crypto::seal(
                self->cases.key(id),
                {.case_id = id, .seq = seq, .sender = static_cast<std::uint8_t>(from), .kind = crypto::record_kind::message},
                words->reveal()
            );
            {
                // contract §3: a retried send stores nothing new and gets the same ack. The unique
                // index finds the retry during the insert itself; no separate lookup first.
                auto st = conn.query(
                    "INSERT INTO messages (case_id, seq, sender, client_id, author, body, at, urgency, categories) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                    "ON CONFLICT (case_id, sender, client_id) DO NOTHING"
                );
                st->bind(1, id).bind(2, static_cast<std::int64_t>(seq)).bind(3, static_cast<std::int64_t>(from));
                if (client_id.empty()) {
                    st->bind_null(4);
                } else {
                    st->bind(4, client_id);
                }
                if (author.empty()) {
                    st->bind_null(5);
                } else {
                    st->bind(5, author);
                }
                st->bind_blob(6, body).bind(7, to_ms(now));
                if (level) {
                    st->bind(8, static_cast<std::int64_t>(*level));
                } else {
                    st->bind_null(8);
                }
                if (categories.empty()) {
                    st->bind_null(9);
                } else {
                    st->bind(9, categories);
                }
                st->step();
            }
            if (conn.changes() == 0) {
                // A retry: answer with the stored message's ack.
                auto st = conn.query(
                    "SELECT seq, at FROM messages WHERE case_id = ?1 AND sender = ?2 AND client_id = ?3"
                );
                st->bind(1, id).bind(2, static_cast<std::int64_t>(from)).bind(3, client_id);
                if (!st->step()) throw std::runtime_error("append_message: conflicting row not found");
                return append_result{
                    .seq = static_cast<std::uint64_t>(st->column_int64(0)),
                    .at = from_ms(st->column_int64(1)),
                    .duplicate = true,
                    .state = state,
                };
            }
            // After the insert, so a retry of a reply acked before the close still gets its ack; the
            // request's savepoint takes the refused row back out.
            if (from == sender::counselor && state == case_state::closed) throw request_failure{errc::closed_case};
            // No UPDATE of the case for the seq: the row just inserted is the case's highest seq
            // (migration 0003), and the cache below carries it to the next message.
            append_result out{.seq = seq, .at = now, .duplicate = false, .state = state};
            // The new row for the cache, applied once every statement below has succeeded.
            case_cache::fields next = c;
            next.last_seq = seq;
            if (from == sender::student) {
                if (state == case_state::closed) {
                    auto st = conn.query(
                        "UPDATE cases SET state = 1, assigned_to = NULL, queued_at = ?2, closed_at = NULL "
                        "WHERE id = ?1"
                    );
                    st->bind(1, id).bind(2, to_ms(now));
                    st->step();
                    add_event(conn, id, now, "reopen", "", "student message");
                    out.reopened = true;
                    out.state = case_state::queued;
                    next.state = case_state::queued;
                    next.queued = true;
                } else if (!c.queued) {
                    auto st = conn.query("UPDATE cases SET queued_at = ?2 WHERE id = ?1");
                    st->bind(1, id).bind(2, to_ms(now));
                    st->step();
                    next.queued = true;
                }
                out.first_student_message = !c.queued;
                // The case level is the highest of its messages: only ever raised here.
                if (level && *level > c.level) {
                    auto st = conn.query("UPDATE cases SET urgency = ?2, urgency_since = ?3 WHERE id = ?1");
                    st->bind(1, id).bind(2, static_cast<std::int64_t>(*level)).bind(3, to_ms(now));
                    st->step();
                    next.level = *level;
                }
                if (!categories.empty()) {
                    auto merged = merge_categories(c.categories, categories);
                    if (merged != c.categories) {
                        auto st = conn.query("UPDATE cases SET categories = ?2 WHERE id = ?1");
                        st->bind(1, id).bind(2, merged);
                        st->step();
                        next.categories = std::move(merged);
                    }
                }
            }
            self->cases.touch(id);  // undone with the request or the transaction (case_cache.hpp)
            if (auto* cached = self->cases.find(id)) *cached = std::move(next);
            return out;
        },
        std::move(cb)
    );
}

void store::set_state(
    case_id id,
    case_state state,
    std::optional<std::string> assigned_to,
    std::string actor,
    sys_time now,
    callback<done> cb
) {
    impl* self = impl_.get();
    impl_->write<done>(
        "set_state",
        [self, id, state, assigned_to = std::move(assigned_to), actor = std::move(actor), now](db& conn) {
            self->cases.drop(id);  // state, queued_at change below: the writer's copy must go (case_cache.hpp)
            const auto c = find_case(conn, id);
            if (!c) throw request_failure{errc::not_found};
            switch (state) {
            case case_state::assigned: {
                if (!assigned_to || assigned_to->empty()) throw request_failure{errc::invalid_argument};
                if (c->state == case_state::closed) throw request_failure{errc::closed_case};
                if (c->state == case_state::assigned) {
                    if (c->assigned_to == assigned_to) return done{};  // a repeated claim
                    throw request_failure{errc::conflict};
                }
                auto st = conn.query("UPDATE cases SET state = 2, assigned_to = ?2 WHERE id = ?1");
                st->bind(1, id).bind(2, *assigned_to);
                st->step();
                add_event(conn, id, now, "claim", actor, *assigned_to);
                break;
            }
            case case_state::queued: {
                auto st = conn.query(
                    "UPDATE cases SET state = 1, assigned_to = NULL, queued_at = ?2, closed_at = NULL WHERE id = ?1"
                );
                st->bind(1, id).bind(2, to_ms(now));
                st->step();
                add_event(conn, id, now, c->state == case_state::closed ? "reopen" : "release", actor, "");
                break;
            }
            case case_state::closed: {
                if (c->state == case_state::closed) return done{};
                auto st = conn.query("UPDATE cases SET state = 3, closed_at = ?2 WHERE id = ?1");
                st->bind(1, id).bind(2, to_ms(now));
                st->step();
                add_event(conn, id, now, "close", actor, "");
                break;
            }
            default: throw request_failure{errc::invalid_argument};
            }
            return done{};
        },
        std::move(cb)
    );
}

void store::set_urgency(case_id id, urgency level, std::string actor, plaintext reason, sys_time now, callback<done> cb) {
    impl* self = impl_.get();
    auto words = std::make_shared<plaintext>(std::move(reason));
    impl_->write<done>(
        "set_urgency",
        [self, id, level, actor = std::move(actor), words, now](db& conn) {
            self->cases.drop(id);  // the level changes below: the writer's copy must go (case_cache.hpp)
            std::string code;
            std::optional<std::vector<unsigned char>> wrapped;
            {
                auto st = conn.query("SELECT code, wrapped_key FROM cases WHERE id = ?1");
                st->bind(1, id);
                if (!st->step()) throw request_failure{errc::not_found};
                code = st->column_text(0);
                if (!st->is_null(1)) wrapped = st->column_blob(1);
            }
            {
                auto st = conn.query("UPDATE cases SET urgency = ?2, urgency_since = ?3 WHERE id = ?1");
                st->bind(1, id).bind(2, static_cast<std::int64_t>(level)).bind(3, to_ms(now));
                st->step();
            }
            add_event(conn, id, now, "level", actor, to_string(level));
            if (!words->empty()) {
                // Sealed under the event's own id: the reason is a counselor's words about a student.
                const auto event_id = conn.last_insert_rowid();
                const auto key = self->case_key(code, wrapped);
                const auto sealed = crypto::seal(
                    key,
                    {.case_id = id,
                     .seq = static_cast<std::uint64_t>(event_id),
                     .sender = static_cast<std::uint8_t>(sender::counselor),
                     .kind = crypto::record_kind::event_reason},
                    words->reveal()
                );
                auto st = conn.query("UPDATE case_events SET sealed = ?2 WHERE id = ?1");
                st->bind(1, event_id).bind_blob(2, sealed);
                st->step();
            }
            return done{};
        },
        std::move(cb)
    );
}

void store::add_note(case_id id, std::string client_id, std::string author, plaintext text, sys_time now, callback<sys_time> cb) {
    impl* self = impl_.get();
    auto words = std::make_shared<plaintext>(std::move(text));
    impl_->write<sys_time>(
        "add_note",
        [self, id, client_id = std::move(client_id), author = std::move(author), words, now](db& conn) {
            std::string code;
            std::optional<std::vector<unsigned char>> wrapped;
            {
                auto st = conn.query("SELECT code, wrapped_key FROM cases WHERE id = ?1");
                st->bind(1, id);
                if (!st->step()) throw request_failure{errc::not_found};
                code = st->column_text(0);
                if (!st->is_null(1)) wrapped = st->column_blob(1);
            }
            if (!client_id.empty()) {
                auto st = conn.query("SELECT at FROM notes WHERE case_id = ?1 AND author = ?2 AND client_id = ?3");
                st->bind(1, id).bind(2, author).bind(3, client_id);
                if (st->step()) return from_ms(st->column_int64(0));
            }
            const auto key = self->case_key(code, wrapped);
            {
                // Inserted first with an empty body: the sealed text is bound to the note's id.
                auto st = conn.query(
                    "INSERT INTO notes (case_id, client_id, author, body, at) VALUES (?1, ?2, ?3, X'', ?4)"
                );
                st->bind(1, id);
                if (client_id.empty()) {
                    st->bind_null(2);
                } else {
                    st->bind(2, client_id);
                }
                st->bind(3, author).bind(4, to_ms(now));
                st->step();
            }
            const auto note_id = conn.last_insert_rowid();
            const auto sealed = crypto::seal(
                key,
                {.case_id = id,
                 .seq = static_cast<std::uint64_t>(note_id),
                 .sender = static_cast<std::uint8_t>(sender::counselor),
                 .kind = crypto::record_kind::note},
                words->reveal()
            );
            auto st = conn.query("UPDATE notes SET body = ?2 WHERE id = ?1");
            st->bind(1, note_id).bind_blob(2, sealed);
            st->step();
            return now;
        },
        std::move(cb)
    );
}

void store::open_escalation(case_id id, std::string by, plaintext reason, sys_time now, callback<std::string> cb) {
    impl* self = impl_.get();
    auto words = std::make_shared<plaintext>(std::move(reason));
    impl_->write<std::string>(
        "open_escalation",
        [self, id, by = std::move(by), words, now](db& conn) {
            std::string code;
            std::optional<std::vector<unsigned char>> wrapped;
            {
                auto st = conn.query("SELECT code, wrapped_key FROM cases WHERE id = ?1");
                st->bind(1, id);
                if (!st->step()) throw request_failure{errc::not_found};
                code = st->column_text(0);
                if (!st->is_null(1)) wrapped = st->column_blob(1);
            }
            {
                // contract §6: escalating a case with an open escalation returns the same id.
                auto st = conn.query(
                    "SELECT id FROM escalations WHERE case_id = ?1 AND state <> 'closed' ORDER BY opened_at LIMIT 1"
                );
                st->bind(1, id);
                if (st->step()) return st->column_text(0);
            }
            const auto key = self->case_key(code, wrapped);
            std::string esc_id;
            for (int attempt = 0;; ++attempt) {
                if (attempt == code_attempts) throw std::runtime_error("could not find a free escalation id");
                esc_id = crypto::random_base32(escalation_id_chars);
                auto st = conn.query("SELECT 1 FROM escalations WHERE id = ?1");
                st->bind(1, esc_id);
                if (!st->step()) break;
            }
            {
                auto st = conn.query(
                    "INSERT INTO escalations (id, case_id, state, opened_by, opened_at, deadline) "
                    "VALUES (?1, ?2, 'opened', ?3, ?4, ?5)"
                );
                st->bind(1, esc_id).bind(2, id).bind(3, by).bind(4, to_ms(now)).bind(5, to_ms(now + escalation_deadline));
                st->step();
            }
            const auto row = conn.last_insert_rowid();
            if (!words->empty()) {
                const auto sealed = crypto::seal(
                    key,
                    {.case_id = id,
                     .seq = static_cast<std::uint64_t>(row),
                     .sender = static_cast<std::uint8_t>(sender::counselor),
                     .kind = crypto::record_kind::escalation_reason},
                    words->reveal()
                );
                auto st = conn.query("UPDATE escalations SET reason = ?2 WHERE rowid = ?1");
                st->bind(1, row).bind_blob(2, sealed);
                st->step();
            }
            add_event(conn, id, now, "escalate", by, esc_id);
            return esc_id;
        },
        std::move(cb)
    );
}

void store::create_token(std::int64_t user_id, sys_time expires_at, callback<token_grant> cb) {
    impl_->write<token_grant>(
        "create_token",
        [user_id, expires_at](db& conn) {
            {
                auto st = conn.query("SELECT 1 FROM users WHERE id = ?1 AND disabled = 0");
                st->bind(1, user_id);
                if (!st->step()) throw request_failure{errc::not_found};
            }
            auto token = crypto::random_token();
            const auto hash = crypto::token_hash(token);
            auto st = conn.query(
                "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)"
            );
            // created_at is audit only; no decision depends on it, so the wall clock is fine here.
            st->bind_blob(1, hash).bind(2, user_id).bind(3, to_ms(std::chrono::system_clock::now()));
            st->bind(4, to_ms(expires_at));
            st->step();
            return token_grant{std::move(token), expires_at};
        },
        std::move(cb)
    );
}

// ---- reads ----

void store::verify_resume(std::string case_code, plaintext secret, callback<case_summary> cb) {
    impl* self = impl_.get();
    auto words = std::make_shared<plaintext>(std::move(secret));
    impl_->read<case_summary>(
        "verify_resume",
        [self, case_code = std::move(case_code), words](db& conn) {
            std::optional<std::vector<unsigned char>> wrapped, stored;
            {
                auto st = conn.query("SELECT wrapped_key, secret_hash FROM cases WHERE code = ?1");
                st->bind(1, case_code);
                if (st->step()) {
                    if (!st->is_null(0)) wrapped = st->column_blob(0);
                    if (!st->is_null(1)) stored = st->column_blob(1);
                }
            }
            if (!wrapped || !stored) {
                // Unknown (or purged) code: do the same key derivation and hash on a throwaway key
                // so the answer takes about as long as a wrong secret's.
                const auto throwaway = crypto::key32::random();
                (void)crypto::secret_matches(throwaway, words->reveal(), std::span<const unsigned char>{});
                throw request_failure{errc::unauthorized};
            }
            const auto key = self->case_key(case_code, wrapped);
            if (!crypto::secret_matches(key, words->reveal(), *stored)) throw request_failure{errc::unauthorized};
            auto c = find_case_by_code(conn, case_code);
            if (!c) throw request_failure{errc::unauthorized};  // defensive: same snapshot, cannot vanish
            return std::move(*c);
        },
        std::move(cb)
    );
}

void store::case_by_code(std::string case_code, callback<case_summary> cb) {
    impl_->read<case_summary>(
        "case_by_code",
        [case_code = std::move(case_code)](db& conn) {
            auto c = find_case_by_code(conn, case_code);
            if (!c) throw request_failure{errc::not_found};
            return std::move(*c);
        },
        std::move(cb)
    );
}

void store::case_by_id(case_id id, callback<case_summary> cb) {
    impl_->read<case_summary>(
        "case_by_id",
        [id](db& conn) {
            auto c = find_case(conn, id);
            if (!c) throw request_failure{errc::not_found};
            return std::move(*c);
        },
        std::move(cb)
    );
}

void store::messages_since(case_id id, std::uint64_t since, callback<std::vector<stored_message>> cb) {
    impl* self = impl_.get();
    impl_->read<std::vector<stored_message>>(
        "messages_since",
        [self, id, since](db& conn) {
            std::string code;
            std::optional<std::vector<unsigned char>> wrapped;
            {
                auto st = conn.query("SELECT code, wrapped_key FROM cases WHERE id = ?1");
                st->bind(1, id);
                if (!st->step()) throw request_failure{errc::not_found};
                code = st->column_text(0);
                if (!st->is_null(1)) wrapped = st->column_blob(1);
            }
            const auto key = self->case_key(code, wrapped);
            std::vector<stored_message> out;
            auto st = conn.query(
                "SELECT seq, sender, body, at, urgency, categories, author FROM messages "
                "WHERE case_id = ?1 AND seq > ?2 ORDER BY seq"
            );
            st->bind(1, id).bind(2, static_cast<std::int64_t>(since));
            while (st->step()) {
                stored_message m;
                m.seq = static_cast<std::uint64_t>(st->column_int64(0));
                m.from = static_cast<sender>(st->column_int64(1));
                auto text = crypto::open(
                    key,
                    {.case_id = id, .seq = m.seq, .sender = static_cast<std::uint8_t>(m.from), .kind = crypto::record_kind::message},
                    st->column_blob(2)
                );
                if (!text) {
                    spdlog::error("event=message_undecryptable case_id={} seq={}", id, m.seq);
                    throw std::runtime_error("a stored message does not decrypt");
                }
                m.text = std::move(*text);
                m.at = from_ms(st->column_int64(3));
                if (auto lv = st->column_opt_int64(4)) m.level = static_cast<urgency>(*lv);
                m.categories = st->column_text(5);
                m.author = st->column_text(6);
                out.push_back(std::move(m));
            }
            return out;
        },
        std::move(cb)
    );
}

void store::notes_of(case_id id, callback<std::vector<stored_message>> cb) {
    impl* self = impl_.get();
    impl_->read<std::vector<stored_message>>(
        "notes_of",
        [self, id](db& conn) {
            std::string code;
            std::optional<std::vector<unsigned char>> wrapped;
            {
                auto st = conn.query("SELECT code, wrapped_key FROM cases WHERE id = ?1");
                st->bind(1, id);
                if (!st->step()) throw request_failure{errc::not_found};
                code = st->column_text(0);
                if (!st->is_null(1)) wrapped = st->column_blob(1);
            }
            const auto key = self->case_key(code, wrapped);
            std::vector<stored_message> out;
            auto st = conn.query("SELECT id, author, body, at FROM notes WHERE case_id = ?1 ORDER BY id");
            st->bind(1, id);
            while (st->step()) {
                stored_message m;
                m.seq = static_cast<std::uint64_t>(st->column_int64(0));
                m.from = sender::counselor;
                m.author = st->column_text(1);
                auto text = crypto::open(
                    key,
                    {.case_id = id,
                     .seq = m.seq,
                     .sender = static_cast<std::uint8_t>(sender::counselor),
                     .kind = crypto::record_kind::note},
                    st->column_blob(2)
                );
                if (!text) {
                    spdlog::error("event=note_undecryptable case_id={} note={}", id, m.seq);
                    throw std::runtime_error("a stored note does not decrypt");
                }
                m.text = std::move(*text);
                m.at = from_ms(st->column_int64(3));
                out.push_back(std::move(m));
            }
            return out;
        },
        std::move(cb)
    );
}

void store::check_token(std::string token, sys_time now, callback<user_info> cb) {
    impl_->read<user_info>(
        "check_token",
        [token = std::move(token), now](db& conn) {
            const auto hash = crypto::token_hash(token);
            auto st = conn.query(
                "SELECT u.id, u.username, u.role, u.display_name, u.school FROM tokens t "
                "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1 AND t.expires_at > ?2 AND u.disabled = 0"
            );
            st->bind_blob(1, hash).bind(2, to_ms(now));
            if (!st->step()) throw request_failure{errc::unauthorized};
            return read_user(*st);
        },
        std::move(cb)
    );
}

void store::verify_login(std::string username, plaintext password, callback<user_info> cb) {
    impl* self = impl_.get();
    auto words = std::make_shared<plaintext>(std::move(password));
    impl_->read<user_info>(
        "verify_login",
        [self, username = std::move(username), words](db& conn) {
            std::optional<user_info> user;
            std::string hash;
            bool disabled = false;
            {
                auto st = conn.query(
                    "SELECT id, username, role, display_name, school, password_hash, disabled FROM users "
                    "WHERE username = ?1"
                );
                st->bind(1, username);
                if (st->step()) {
                    user = read_user(*st);
                    hash = st->column_text(5);
                    disabled = st->column_int64(6) != 0;
                }
            }
            if (!user) {
                // Same Argon2id cost as a real check: timing must not tell which usernames exist.
                (void)crypto::verify_password(self->dummy_password_hash(), words->reveal());
                throw request_failure{errc::unauthorized};
            }
            const bool ok = crypto::verify_password(hash, words->reveal());
            if (!ok || disabled) throw request_failure{errc::unauthorized};
            return std::move(*user);
        },
        std::move(cb)
    );
}

// ---- blocking ----

std::vector<case_summary> store::open_cases_blocking() {
    return impl_->read_blocking<std::vector<case_summary>>("open_cases", [](db& conn) {
        std::vector<case_summary> out;
        auto st = conn.query(std::string("SELECT ") + case_columns + " FROM cases WHERE state IN (1, 2) ORDER BY id");
        while (st->step()) out.push_back(read_case(*st));
        return out;
    });
}

std::optional<case_summary> store::case_by_code_blocking(std::string code) {
    return impl_->read_blocking<std::optional<case_summary>>("case_by_code", [code = std::move(code)](db& conn) {
        return find_case_by_code(conn, code);
    });
}

user_info store::add_user_blocking(
    std::string username, std::string role, std::string display_name, std::string school, plaintext password
) {
    if (username.empty() || !valid_role(role)) throw_user_error(errc::invalid_argument, username, role, school);
    auto hash = crypto::hash_password(password.reveal());  // before queueing: Argon2id must not hold up the writer
    std::promise<result<user_info>> promise;
    auto fut = promise.get_future();
    impl_->write<user_info>(
        "add_user",
        [username, role, display_name, school, hash = std::move(hash)](db& conn) {
            return insert_user(conn, username, role, display_name, school, hash, std::chrono::system_clock::now());
        },
        [&promise](result<user_info> r) { promise.set_value(std::move(r)); }
    );
    auto r = fut.get();
    if (!r) throw_user_error(static_cast<errc>(r.error().value()), username, role, school);
    spdlog::info("event=user_added username={} role={} school={}", r->username, r->role, r->school);
    return std::move(*r);
}

std::optional<std::string> store::ensure_initial_admin_blocking() {
    {
        const bool any = impl_->read_blocking<bool>("count_users", [](db& conn) {
            auto st = conn.query("SELECT EXISTS (SELECT 1 FROM users)");
            st->step();
            return st->column_int64(0) != 0;
        });
        if (any) return std::nullopt;
    }
    std::string password = crypto::random_base32(initial_admin_password_chars);
    auto hash = crypto::hash_password(password);
    const bool created = impl_->write_blocking<bool>("initial_admin", [hash = std::move(hash)](db& conn) {
        // Checked again inside the write: a CLI `user add` may have won the race.
        auto st = conn.query("SELECT EXISTS (SELECT 1 FROM users)");
        st->step();
        if (st->column_int64(0) != 0) return false;
        insert_user(conn, "admin", "admin", "Administrator", "default", hash, std::chrono::system_clock::now());
        return true;
    });
    if (!created) return std::nullopt;
    spdlog::info("event=initial_admin_created username=admin");
    return password;
}

bool store::school_exists_blocking(std::string code) {
    return impl_->read_blocking<bool>("school_exists", [code = std::move(code)](db& conn) {
        return school_exists(conn, code);
    });
}

void store::backup_blocking(const std::filesystem::path& to) { backup_from(impl_->db_path, to); }

// ---- offline (CLI next to a running server) ----

user_info add_user_offline_blocking(
    const settings& config,
    std::string username,
    std::string role,
    std::string display_name,
    std::string school,
    plaintext password
) {
    if (username.empty() || !valid_role(role)) throw_user_error(errc::invalid_argument, username, role, school);
    ensure_data_dir(config.data_dir);
    const auto hash = crypto::hash_password(password.reveal());
    const auto path = config.data_dir / db_file_name;
    try {
        // busy_timeout (db_options default) waits out the server's writer between its batches.
        db conn{path, db_options{.create = true, .synchronous_full = config.synchronous_full}};
        detail::migrate_blocking(conn);
        transaction tx{conn, transaction::kind::immediate};
        auto user = insert_user(conn, username, role, display_name, school, hash, std::chrono::system_clock::now());
        tx.commit();
        spdlog::info("event=user_added username={} role={} school={}", user.username, user.role, user.school);
        return user;
    } catch (const request_failure& f) {
        throw_user_error(f.code, username, role, school);
    } catch (const db_error& e) {
        throw std::runtime_error("cannot add the user to " + path.string() + ": " + e.what());
    }
}

void backup_offline_blocking(const settings& config, const std::filesystem::path& to) {
    const auto path = config.data_dir / db_file_name;
    if (!std::filesystem::exists(path)) throw std::runtime_error("no database at " + path.string());
    try {
        backup_from(path, to);
    } catch (const db_error& e) {
        throw std::runtime_error("backup of " + path.string() + " failed: " + e.what());
    }
}

}  // namespace tamsu::storage
