// Value types of the storage API. No SQLite, no libsodium, no Boost.Asio: the server includes this.
#pragma once

#include "storage/plaintext.hpp"

#include <boost/system/result.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>

namespace tamsu::storage {

using sys_time = std::chrono::system_clock::time_point;
using case_id = std::int64_t;

// Stored as these numbers in the database: never renumber.
enum class sender : std::uint8_t { student = 1, counselor = 2, system = 3 };
enum class case_state : std::uint8_t { queued = 1, assigned = 2, closed = 3 };
enum class urgency : std::uint8_t { low = 0, normal = 1, high = 2, critical = 3 };

// Expected, per-request failures (style rule 5). Infrastructure failures inside an async request
// arrive as io_error; numbers are never reused.
enum class errc {
    not_found = 1,         // no such case / user
    unauthorized = 2,      // wrong or unknown case code/secret, token, password (one error for all)
    conflict = 3,          // case held by someone else, username taken
    invalid_argument = 4,  // bad role, unknown school, missing assignee
    io_error = 5,          // SQLite failed (disk full, corrupt, commit failed) or the store is stopped
    closed_case = 6,       // a counselor wrote to / claimed a closed case
};

// We use std::error_code (not boost::system::error_code): storage needs nothing else from Boost, and
// boost::system::error_code converts from it when the server wants one.
const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

template <class T>
using result = boost::system::result<T, std::error_code>;
// Callbacks run on a storage thread (writer or reader), never on the caller's thread.
template <class T>
using callback = std::function<void(result<T>)>;
// The value of a write that has nothing to return but "it is committed".
using done = std::monostate;

struct settings {
    // Holds tamsu.db (+ -wal, -shm) and, by default, master.key. Created 0700 if missing: the
    // directory name list alone says how many people asked for help.
    std::filesystem::path data_dir{};
    // Empty → data_dir / "master.key". Created 0600 if missing; a group/world readable file is refused.
    std::filesystem::path master_key_file{};
    // Two: one reader can run a slow Argon2id verify (about 0.1 s) while the other keeps serving
    // resume/history reads; more buys little on the 2-core boxes schools run us on.
    int reader_connections = 2;
    // FULL: an ack must survive power loss (contract: ack after durable store); group commit
    // amortises the fsync across every request in the batch. NORMAL only for benchmarks.
    bool synchronous_full = true;
    // Upper bound on requests per transaction so one batch cannot hold the write lock for long.
    std::size_t max_batch = 1024;
};

struct case_summary {
    case_id id = 0;
    std::string code{};  // 8 Crockford base32 chars, no dash
    std::string school{};
    std::string lang{};
    case_state state = case_state::queued;
    urgency level = urgency::normal;
    std::string categories{};
    std::optional<sys_time> queued_at{};  // unset until the first student message
    std::optional<std::string> assigned_to{};
    std::uint64_t last_seq = 0;
    sys_time created_at{};
};

struct stored_message {
    std::uint64_t seq = 0;  // for notes: the note's id
    sender from = sender::student;
    plaintext text{};
    sys_time at{};
    std::optional<urgency> level{};
    std::string categories{};
    std::string author{};  // username of a counselor; empty for student/system
};

struct new_case {
    case_id id = 0;
    std::string code{};
    plaintext secret{};  // exists only here, once: the database keeps a keyed hash
    sys_time created_at{};
};

struct append_result {
    std::uint64_t seq = 0;
    sys_time at{};
    bool duplicate = false;  // a retry of an already stored client id: seq/at are the original ones
    case_state state = case_state::queued;  // the case's state after this append
    bool reopened = false;                  // a student message reopened a closed case
    bool first_student_message = false;     // this message set queued_at for the first time
};

struct user_info {
    std::int64_t id = 0;
    std::string username{};
    std::string role{};  // counselor | supervisor | admin
    std::string display_name{};
    std::string school{};
};

struct token_grant {
    std::string token{};  // give to the client once; the database keeps only its hash
    sys_time expires_at{};
};

struct writer_stats {
    std::uint64_t batches = 0;
    std::uint64_t requests = 0;
    std::uint64_t max_batch = 0;
    // batch_size_pow2[i] counts batches of size in [2^i, 2^(i+1)); the last bucket takes the rest.
    std::array<std::uint64_t, 12> batch_size_pow2{};
    bool last_commit_ok = true;
    // fdatasyncs of the WAL by the writer's syncer (each makes one or more batches durable).
    std::uint64_t syncs = 0;
    // From the checkpointer (storage/checkpointer.hpp).
    std::uint64_t checkpoints = 0;
    std::uint64_t wal_frames = 0;
};

// Stable names for logs, metrics and the wire.
std::string_view to_string(case_state s) noexcept;
std::string_view to_string(urgency u) noexcept;
std::string_view to_string(sender s) noexcept;

}  // namespace tamsu::storage

template <>
struct std::is_error_code_enum<tamsu::storage::errc> : std::true_type {};
