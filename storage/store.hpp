// store: the domain facade over the database, the only storage header the server needs.
//
// Threads: writes go to one writer thread (the only read-write connection) and are group-committed;
// reads go to a small pool of read-only connections. Every callback runs on one of those storage
// threads, never on the caller's thread, and a write's callback runs only after its COMMIT
// (contract §3: "ack ... sent only after the message is durably stored"). The server re-posts
// callbacks to its strands. All public member functions may be called from any thread.
#pragma once

#include "storage/plaintext.hpp"
#include "storage/types.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tamsu::storage {

struct fault_injection;  // storage/fault_injection.hpp, for tests

class store {
public:
    // Creates the data dir (0700), the master key (0600) and the database, runs migrations, starts
    // the threads. Throws std::runtime_error with a message fit for an operator's terminal.
    static std::shared_ptr<store> open_blocking(const settings& config);

    store(const store&) = delete;
    store& operator=(const store&) = delete;
    ~store();  // stop_blocking()

    // Drain: every accepted write is committed and its callback called, queued reads are answered,
    // then the threads join. Later requests fail at once with errc::io_error (on the caller's thread:
    // there is no storage thread left to run them on). Idempotent.
    void stop_blocking();

    // ---- writes: writer thread, group commit; the callback runs after COMMIT ----
    void create_case(std::string school, std::string lang, sys_time now, callback<new_case> cb);
    // Idempotent on (case, sender, client_id): a retry returns the ORIGINAL seq/at with
    // duplicate=true and stores nothing (an empty client_id disables the check).
    // Student on a closed case: reopens it (queued, queued_at=now, reopened=true).
    // The first student message sets queued_at. A student message whose level is above the case's
    // raises cases.urgency (and urgency_since). Counselor on a closed case: errc::closed_case.
    void append_message(
        case_id id,
        sender from,
        std::string client_id,
        std::string author,
        plaintext text,
        std::optional<urgency> level,
        std::string categories,
        sys_time now,
        callback<append_result> cb
    );
    // queued: assigned_to cleared, queued_at=now (release / reopen).
    // assigned: needs assigned_to; errc::conflict if someone else holds it, errc::closed_case if closed;
    //           claiming a case one already holds succeeds.
    // closed: closed_at=now; closing a closed case succeeds and changes nothing.
    // Each change writes a case_events row (claim / release / reopen / close).
    void set_state(
        case_id id,
        case_state state,
        std::optional<std::string> assigned_to,
        std::string actor,
        sys_time now,
        callback<done> cb
    );
    // Sets the case level (either direction); case_events row kind 'level' with the reason sealed.
    void set_urgency(case_id id, urgency level, std::string actor, plaintext reason, sys_time now, callback<done> cb);
    // Idempotent on (case, author, client_id); returns the note's time (the original one on a retry).
    void add_note(case_id id, std::string client_id, std::string author, plaintext text, sys_time now, callback<sys_time> cb);
    // Returns the escalation id; the same id while the case has one that is not 'closed'.
    // Deadline = now + 12 h (contract §6, Decree 56/2017 Art. 26). The reason is sealed.
    void open_escalation(case_id id, std::string by, plaintext reason, sys_time now, callback<std::string> cb);
    // 32 random bytes, base64url without padding; the database keeps only crypto_generichash(token).
    // errc::not_found for an unknown user.
    void create_token(std::int64_t user_id, sys_time expires_at, callback<token_grant> cb);

    // ---- reads: reader pool ----
    // errc::unauthorized for an unknown code OR a wrong secret (same error, similar cost).
    // The code must already be normalised (8 chars, upper case, no dash).
    void verify_resume(std::string case_code, plaintext secret, callback<case_summary> cb);
    void case_by_code(std::string case_code, callback<case_summary> cb);  // errc::not_found
    void case_by_id(case_id id, callback<case_summary> cb);               // errc::not_found
    // Messages with seq > since, in seq order, decrypted. errc::not_found for an unknown case.
    void messages_since(case_id id, std::uint64_t since, callback<std::vector<stored_message>> cb);
    // Notes in id order; stored_message.seq is the note id, from = counselor, author = who wrote it.
    void notes_of(case_id id, callback<std::vector<stored_message>> cb);
    // errc::unauthorized if the token is unknown, expired (expires_at <= now) or its user disabled.
    void check_token(std::string token, sys_time now, callback<user_info> cb);
    // Argon2id verify on a reader thread. errc::unauthorized for a bad pair or a disabled user; an
    // unknown username costs the same verify so timing does not reveal which usernames exist.
    void verify_login(std::string username, plaintext password, callback<user_info> cb);

    // ---- blocking (start-up, CLI, tests): never call these on an I/O thread ----
    std::vector<case_summary> open_cases_blocking();  // state queued or assigned, by id
    std::optional<case_summary> case_by_code_blocking(std::string code);
    // Throws std::runtime_error with a clear message: username taken, unknown school, bad role.
    user_info add_user_blocking(
        std::string username, std::string role, std::string display_name, std::string school, plaintext password
    );
    // If no user exists: creates 'admin' (role admin, school 'default') with a random password and
    // returns the password, once. Otherwise nullopt.
    std::optional<std::string> ensure_initial_admin_blocking();
    bool school_exists_blocking(std::string code);
    // sqlite3_backup from a read connection: a consistent online copy, still encrypted. Written to
    // `to`.partial, fsynced, mode 0600, then renamed over `to`.
    void backup_blocking(const std::filesystem::path& to);

    // False after the last COMMIT failed (healthz → 503); true again after one succeeds.
    bool writable() const;
    writer_stats stats() const;

    // Tests only: fail the n-th SQLite step / COMMIT of the writer connection.
    fault_injection& faults_for_tests();

private:
    struct impl;
    explicit store(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

// For the CLI (`tamsu user add`, `tamsu backup`) while a server runs on the same data dir: a
// short-lived connection of their own with a busy timeout, no threads. add_user creates the data dir
// and database if missing (not the key). Throw std::runtime_error with a clear message.
user_info add_user_offline_blocking(
    const settings& config,
    std::string username,
    std::string role,
    std::string display_name,
    std::string school,
    plaintext password
);
void backup_offline_blocking(const settings& config, const std::filesystem::path& to);

}  // namespace tamsu::storage
