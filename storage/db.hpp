// RAII wrappers over sqlite3: connection, statement (+ per-connection cache), transaction.
//
// Threads: a db and its statements belong to one thread at a time (the writer thread, or one reader
// thread). SQLite is built serialized, but sharing a connection would also share its transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace tamsu::storage {

struct fault_injection;

// Infrastructure failure (disk full, corrupt file, lock timeout). Carries the SQLite result code.
class db_error : public std::runtime_error {
public:
    db_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

class db;

class statement {
public:
    statement(db& owner, std::string_view sql);
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement();

    statement& bind(int index, std::int64_t value);
    statement& bind(int index, std::string_view text);
    statement& bind_blob(int index, std::span<const unsigned char> bytes);
    statement& bind_null(int index);
    template <class T>
    statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // True while there is a row. Throws db_error (also on an injected fault).
    bool step();
    // Back to the start, bindings cleared. Ends the statement's implicit read snapshot.
    void reset() noexcept;

    bool is_null(int column) const;
    std::int64_t column_int64(int column) const;
    std::string column_text(int column) const;
    std::vector<unsigned char> column_blob(int column) const;
    std::optional<std::int64_t> column_opt_int64(int column) const;
    std::optional<std::string> column_opt_text(int column) const;

    sqlite3_stmt* handle() const noexcept { return stmt_; }

private:
    db& owner_;
    sqlite3_stmt* stmt_ = nullptr;
};

// A cached statement in use; resets it when it goes out of scope, so a half-read result never keeps
// a read snapshot open (which would make the next query on a reader see stale data).
class statement_lease {
public:
    explicit statement_lease(statement& s) noexcept : s_(&s) {}
    statement_lease(const statement_lease&) = delete;
    statement_lease& operator=(const statement_lease&) = delete;
    ~statement_lease() { s_->reset(); }
    statement* operator->() const noexcept { return s_; }
    statement& operator*() const noexcept { return *s_; }

private:
    statement* s_;
};

struct db_options {
    bool read_only = false;
    bool create = false;
    bool synchronous_full = true;
    // Long enough to ride out a checkpoint or a CLI `user add`; short enough to fail a request
    // rather than hang the writer forever.
    int busy_timeout_ms = 5000;
    // SQLite page cache in KiB; 0 keeps SQLite's default (2 MB). The writer's inserts land on one
    // leaf page per active case, so a cache smaller than that working set turns into a pread per
    // insert (measured: docs/performance.md §5).
    int cache_kib = 0;
    // Gather this connection's WAL appends into large writes (wal_buffer_vfs.hpp): for the writer,
    // the only connection that appends to the WAL.
    bool buffer_wal = false;
};

class db {
public:
    // Opens and applies the pragmas (WAL, foreign_keys, busy_timeout, synchronous).
    db(const std::filesystem::path& file, const db_options& options);
    db(const db&) = delete;
    db& operator=(const db&) = delete;
    ~db();

    void exec(const char* sql);
    // One statement without parameters or rows (SAVEPOINT, RELEASE, ...), prepared once and reused:
    // sqlite3_exec would parse the text again on every call. Not subject to fault injection.
    void run(std::string_view sql);
    // Prepared once per connection and SQL text, then reused.
    statement_lease query(std::string_view sql);
    std::int64_t last_insert_rowid() const noexcept;
    int changes() const noexcept;
    bool in_transaction() const noexcept;  // false once SQLite rolled back on its own (IOERR, FULL)
    std::int64_t user_version();

    sqlite3* handle() const noexcept { return conn_; }
    const std::filesystem::path& path() const noexcept { return path_; }

    // Writer connection only; null elsewhere.
    void set_fault_injection(fault_injection* faults) noexcept { faults_ = faults; }
    fault_injection* faults() const noexcept { return faults_; }

    // Builds a db_error from the connection's current error. Call before any cleanup (rule 8).
    [[noreturn]] void fail(int code, std::string_view during) const;

private:
    std::filesystem::path path_;
    sqlite3* conn_ = nullptr;
    fault_injection* faults_ = nullptr;
    // Transparent hashing: looking up a cached statement by string_view allocates nothing.
    struct sql_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept { return std::hash<std::string_view>{}(sql); }
    };
    std::unordered_map<std::string, std::unique_ptr<statement>, sql_hash, std::equal_to<>> cache_;
};

class transaction {
public:
    enum class kind { deferred, immediate };
    transaction(db& conn, kind k);
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction();  // rolls back unless committed
    void commit();
    // Rolls back now (if SQLite has not already); the destructor then does nothing.
    void rollback();

private:
    db& conn_;
    bool done_ = false;
};

}  // namespace tamsu::storage
