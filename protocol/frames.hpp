#pragma once
// One struct per WebSocket frame of contract §3 (plus tamsu's console extensions, documented in
// docs/protocol.md), the enums they carry, and the JSON codec: decode_student / decode_counselor
// for what clients send, encode() for what the server sends. No I/O, no storage.
//
// Case codes: frames hold them canonical (8 chars, no dash, see validate.hpp); decoders accept the
// display form "K7M4-QPX2" and the canonical form; encoders always write the display form.
// Thread safety: everything here is a pure function or a plain value.

#include "protocol/errc.hpp"
#include "protocol/limits.hpp"
#include "protocol/sensitive.hpp"
#include "protocol/validate.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tamsu::protocol {

// ---------------------------------------------------------------------------------------------
// Enums. The numbers are stable (stored in the database, compared in SQL); the strings are the
// wire names of contract §3.

// Ordered so that a larger number is more urgent; the queue sorts on it.
enum class urgency : std::uint8_t { low = 0, normal = 1, high = 2, critical = 3 };
enum class sender : std::uint8_t { student = 1, counselor = 2, system = 3 };
enum class case_state : std::uint8_t { queued = 1, assigned = 2, closed = 3 };

std::string_view to_string(urgency u) noexcept;
std::string_view to_string(sender s) noexcept;
std::string_view to_string(case_state s) noexcept;
std::optional<urgency> parse_urgency(std::string_view s) noexcept;
std::optional<sender> parse_sender(std::string_view s) noexcept;
std::optional<case_state> parse_case_state(std::string_view s) noexcept;

// ---------------------------------------------------------------------------------------------
// Inbound: student endpoint (/ws/student)

struct hello {
    int v = 1;
    std::optional<std::string> school;  // [a-z0-9_-]{1,32}; existence is the server's check
    std::string lang = "vi";            // vi | en | zh
};

struct resume {
    int v = 1;
    std::string case_code;  // canonical
    secret_string secret;   // canonical (16 chars, no dashes)
    std::uint64_t since = 0;
};

struct send {
    std::string id;  // client id, echoed as ack.re
    sensitive_text text;
};

using student_frame = std::variant<hello, resume, send>;

// ---------------------------------------------------------------------------------------------
// Inbound: counselor endpoint (/ws/counselor)

struct auth {
    secret_string token;
};
struct duty {
    bool on = false;
};
struct claim {
    std::string case_code;
};
struct reply {
    std::string id;
    std::string case_code;
    sensitive_text text;
};
struct escalate {
    std::string case_code;
    sensitive_text reason;  // optional on the wire; empty when absent
};
struct release {
    std::string case_code;
};
struct close {
    std::string case_code;
};
// tamsu extension: claim the first case of the queue (what a counselor wants most of the time).
struct take_next {};
// tamsu extension: a private counselor note on a case; never shown to the student.
struct note {
    std::string id;
    std::string case_code;
    sensitive_text text;
};
// tamsu extension: a counselor overrides triage's urgency.
struct set_level {
    std::string case_code;
    urgency level = urgency::normal;
    sensitive_text reason;  // optional on the wire
};
// tamsu extension: hand a held case to another counselor.
struct transfer {
    std::string case_code;
    std::string to;  // username
};

using counselor_frame =
    std::variant<auth, duty, claim, reply, escalate, release, close, take_next, note, set_level, transfer>;

// ---------------------------------------------------------------------------------------------
// Decoding

struct decode_error {
    errc code = errc::internal;
    std::string re;       // the frame's "id" when present and valid (contract §3 "re":<id if any>)
    std::string message;  // English for the client's developer; never contains field values
};

// boost::system::result calls this when value() is used on an error; found by ADL.
[[noreturn]] void throw_exception_from_error(const decode_error& e, const boost::source_location& loc);

// Decode one text frame of the student / counselor endpoint. Checks, in order: size, UTF-8,
// JSON object, "type", then the fields of that type in the order the struct lists them; the first
// failure is returned. Unknown fields are ignored (contract §3); null counts as absent.
boost::system::result<student_frame, decode_error> decode_student(std::string_view json);
boost::system::result<counselor_frame, decode_error> decode_counselor(std::string_view json);

// The "type" string of an inbound frame (for logs and metrics; never the content).
std::string_view frame_type(const student_frame& f) noexcept;
std::string_view frame_type(const counselor_frame& f) noexcept;

// ---------------------------------------------------------------------------------------------
// Outbound frames. encode() writes compact JSON with the exact field names of contract §3.

// {"type":"welcome","v":1,"case":..,"secret":.. (new cases only),"seq":N}
struct welcome {
    std::string case_code;
    std::optional<std::string> secret;
    std::uint64_t seq = 0;
};
// {"type":"ack","re":..,"seq":N}
struct ack {
    std::string re;
    std::uint64_t seq = 0;
};
// Student side: {"type":"message","seq":N,"from":..,"text":..,"at":..}
struct student_message {
    std::uint64_t seq = 0;
    sender from = sender::counselor;
    std::string_view text;  // borrowed: the decrypted text lives only as long as the send
    std::string at;         // rfc3339()
};
struct hotline {
    std::string number;
    std::string name;
};
// {"type":"safety","hotlines":[{"number":..,"name":..}],"text":..}
struct safety {
    std::vector<hotline> hotlines;
    std::string text;
};
// {"type":"status","state":..}
struct status {
    case_state state = case_state::queued;
};
// {"type":"error","re":.. (omitted when empty),"code":..,"message":..}
struct error_frame {
    std::string re;
    errc code = errc::internal;
    std::string message;
};
// {"type":"ready","user":{"username":..,"role":..,"display_name":..,"school":..}}
struct ready {
    std::string username;
    std::string role;
    std::string display_name;
    std::string school;
};
struct queue_entry {
    std::string case_code;
    urgency level = urgency::normal;
    case_state state = case_state::queued;
    std::int64_t waiting_s = 0;
    std::optional<std::string> assigned_to;
    std::vector<std::string> categories;
};
// {"type":"queue","cases":[{"case","urgency","state","waiting_s","assigned_to":null|..,"categories"}]}
struct queue {
    std::vector<queue_entry> cases;
};
// {"type":"claimed","case":..}
struct claimed {
    std::string case_code;
};
// Counselor side: {"type":"message","case","seq","from","text","urgency","at","author" (omitted when
// empty),"categories"}
struct counselor_message {
    std::string case_code;
    std::uint64_t seq = 0;
    sender from = sender::student;
    std::string_view text;  // borrowed, as in student_message
    urgency level = urgency::normal;
    std::string at;
    std::string author;
    std::vector<std::string> categories;
    // The triage explanation as a JSON object ({"score","matches","rules","third_party"}), sent as
    // "explain"; empty = omitted. It holds matched words, so it exists only on the wire.
    std::string_view explain_json;
};
// {"type":"escalated","case":..,"escalation":..}
struct escalated {
    std::string case_code;
    std::string escalation;
};
// {"type":"released","case":..}
struct released {
    std::string case_code;
};
// {"type":"closed","case":..}
struct closed {
    std::string case_code;
};
// {"type":"duty","on":..}
struct duty_state {
    bool on = false;
};
// {"type":"note","case":..,"author":..,"text":..,"at":..}
struct note_frame {
    std::string case_code;
    std::string author;
    std::string_view text;  // borrowed
    std::string at;
};
// {"type":"level_changed","case":..,"urgency":..,"by":..}
struct level_changed {
    std::string case_code;
    urgency level = urgency::normal;
    std::string by;
};

std::string encode(const welcome& f);
std::string encode(const ack& f);
std::string encode(const student_message& f);
std::string encode(const safety& f);
std::string encode(const status& f);
std::string encode(const error_frame& f);
std::string encode(const ready& f);
std::string encode(const queue& f);
std::string encode(const claimed& f);
std::string encode(const counselor_message& f);
std::string encode(const escalated& f);
std::string encode(const released& f);
std::string encode(const closed& f);
std::string encode(const duty_state& f);
std::string encode(const note_frame& f);
std::string encode(const level_changed& f);

// The error frame answering a frame that failed to decode.
inline error_frame to_error_frame(const decode_error& e) { return {e.re, e.code, e.message}; }

}  // namespace tamsu::protocol
