#pragma once
// Protocol error codes. The number is stable forever: it is stored in logs and metrics, and the
// wire name (`wire_code`) is part of contract §3. Never renumber, never reuse a retired number;
// retire a code by leaving its number unused with a comment (style.md rule 6).

#include <boost/system/error_code.hpp>

#include <optional>
#include <string_view>
#include <type_traits>

namespace tamsu::protocol {

enum class errc {
    invalid_json = 1,        // not JSON, or not a JSON object
    unknown_type = 2,        // "type" names no frame of this endpoint
    missing_field = 3,       // a required field is absent (or null)
    invalid_field = 4,       // a field has the wrong JSON type, range or format
    frame_too_large = 5,     // more than max_frame_bytes
    invalid_utf8 = 6,        // the frame is not valid UTF-8
    text_too_long = 7,       // text or reason over its code point limit
    rate_limited = 8,        // server: too many frames or failed resumes
    unauthorized = 9,        // server: bad token, bad case/secret pair; closes the connection
    protocol_violation = 10, // server: frame not allowed in this state; closes the connection
    conflict = 11,           // server: case held by someone else
    not_found = 12,          // server: no such case / user / escalation
    forbidden = 13,          // server: not allowed for this role or school
    internal = 14,           // server: a bug or an infrastructure failure
    unavailable = 15,        // server: cannot store messages right now
    unknown_school = 16,     // server: hello named a school that does not exist (contract §5)
    invalid_state = 17,      // server: the case is not in a state that allows this
    empty_text = 18,         // text empty or only whitespace
};

// The machine code sent in an error frame's "code": the enumerator's name.
std::string_view wire_code(errc code) noexcept;

// Parses a wire code back (for clients and tests).
std::optional<errc> parse_errc(std::string_view wire) noexcept;

// contract §3: `unauthorized` and `protocol_violation` close the connection.
bool closes_connection(errc code) noexcept;

const boost::system::error_category& protocol_category() noexcept;

inline boost::system::error_code make_error_code(errc code) noexcept {
    return {static_cast<int>(code), protocol_category()};
}

}  // namespace tamsu::protocol

template <>
struct boost::system::is_error_code_enum<tamsu::protocol::errc> : std::true_type {};
