#include "storage/db.hpp"

#include "storage/fault_injection.hpp"
#include "storage/wal_buffer_vfs.hpp"

#include <sqlite3.h>

#include <mutex>
#include <string>

namespace tamsu::storage {

namespace {

// Process-wide SQLite settings, before SQLite initialises (sqlite3_config refuses them after).
// MEMSTATUS off: with it on (SQLite's default) every sqlite3_malloc and sqlite3_free takes a global
// mutex to keep allocation statistics nobody here reads; the writer makes about 20 of each per
// message (docs/performance.md §9).
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

std::string describe(int code, std::string_view during, const char* message) {
    std::string out{during};
    out += ": ";
    out += message ? message : sqlite3_errstr(code);
    out += " (sqlite code ";
    out += std::to_string(code);
    out += ')';
    return out;
}

}  // namespace

// ---- statement ----

statement::statement(db& owner, std::string_view sql) : owner_(owner) {
    int rc = sqlite3_prepare_v3(
        owner_.handle(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr
    );
    if (rc != SQLITE_OK) owner_.fail(rc, "prepare");
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::int64_t value) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) owner_.fail(rc, "bind");
    return *this;
}

statement& statement::bind(int index, std::string_view text) {
    int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) owner_.fail(rc, "bind");
    return *this;
}

statement& statement::bind_blob(int index, std::span<const unsigned char> bytes) {
    // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
    static const unsigned char empty = 0;
    int rc = sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) owner_.fail(rc, "bind");
    return *this;
}

statement& statement::bind_null(int index) {
    int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) owner_.fail(rc, "bind");
    return *this;
}

bool statement::step() {
    if (auto* faults = owner_.faults(); faults && fault_injection::hit(faults->fail_step_at)) {
        throw db_error(SQLITE_IOERR, "step: injected fault (sqlite code 10)");
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Message first, reset after: reset would overwrite the connection's error (rule 8).
    std::string what = describe(rc, "step", sqlite3_errmsg(owner_.handle()));
    sqlite3_reset(stmt_);
    throw db_error(rc, what);
}

void statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t statement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string statement::column_text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string{};
}

std::vector<unsigned char> statement::column_blob(int column) const {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::vector<unsigned char>(p, p + n) : std::vector<unsigned char>{};
}

std::optional<std::int64_t> statement::column_opt_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_int64(column);
}

std::optional<std::string> statement::column_opt_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_text(column);
}

// ---- db ----

db::db(const std::filesystem::path& file, const db_options& options) : path_(file) {
    configure_sqlite_once();
    int flags = SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX;
    flags |= options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(file.c_str(), &conn_, flags, options.buffer_wal ? wal_buffer_vfs_name() : nullptr);
    if (rc != SQLITE_OK) {
        // The handle exists even on failure (unless out of memory): read its message, then close.
        std::string what = describe(rc, "open " + file.string(), conn_ ? sqlite3_errmsg(conn_) : nullptr);
        sqlite3_close_v2(conn_);
        conn_ = nullptr;
        throw db_error(rc, what);
    }
    sqlite3_extended_result_codes(conn_, 1);
    try {
        sqlite3_busy_timeout(conn_, options.busy_timeout_ms);
        exec("PRAGMA foreign_keys = ON");
        // Temporary tables and sort spills stay in memory: no stray temp files next to the data.
        exec("PRAGMA temp_store = MEMORY");
        if (options.cache_kib > 0) {
            exec(("PRAGMA cache_size = -" + std::to_string(options.cache_kib)).c_str());
        }
        if (!options.read_only) {
            exec("PRAGMA journal_mode = WAL");
            exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        }
    } catch (...) {
        sqlite3_close_v2(conn_);
        conn_ = nullptr;
        throw;
    }
}

db::~db() {
    cache_.clear();  // finalize every statement before closing
    sqlite3_close_v2(conn_);
}

void db::fail(int code, std::string_view during) const { throw db_error(code, describe(code, during, sqlite3_errmsg(conn_))); }

void db::exec(const char* sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(conn_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string what = describe(rc, "exec", message);
        sqlite3_free(message);
        throw db_error(rc, what);
    }
}

statement_lease db::query(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        it = cache_.emplace(std::string{sql}, std::make_unique<statement>(*this, sql)).first;
    }
    return statement_lease{*it->second};
}

void db::run(std::string_view sql) {
    auto st = query(sql);
    int rc = sqlite3_step(st->handle());
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) fail(rc, "run");
}

std::int64_t db::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(conn_); }

int db::changes() const noexcept { return sqlite3_changes(conn_); }

bool db::in_transaction() const noexcept { return sqlite3_get_autocommit(conn_) == 0; }

std::int64_t db::user_version() {
    auto st = query("PRAGMA user_version");
    st->step();
    return st->column_int64(0);
}

// ---- transaction ----

transaction::transaction(db& conn, kind k) : conn_(conn) {
    conn_.exec(k == kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

transaction::~transaction() {
    if (!done_ && conn_.in_transaction()) {
        // Nothing useful to do with a failed rollback here; SQLite rolls back on close anyway.
        sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void transaction::rollback() {
    done_ = true;
    if (conn_.in_transaction()) conn_.exec("ROLLBACK");
}

void transaction::commit() {
    conn_.exec("COMMIT");
    done_ = true;
}

}  // namespace tamsu::storage
