// JSON → inbound frames. Every check a client can fail ends in a decode_error with a stable errc,
// the frame's "id" as "re" when it has a valid one, and a message that names the field but never
// repeats its value (values may be student text or a secret; style.md rule 10).

#include "protocol/frames.hpp"

#include "protocol/utf8.hpp"

#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <utility>

namespace tamsu::protocol {
namespace {

namespace json = boost::json;

std::string quoted(std::string_view name) {
    std::string out = "field '";
    out.append(name);
    out += '\'';
    return out;
}

// Reads the fields of one JSON object. The first failure is kept and every later read returns
// nullopt, so a decoder reads its fields in order and checks failed() once at the end.
class field_reader {
public:
    field_reader(const json::object& obj, std::string re) : obj_(obj), re_(std::move(re)) {}

    bool failed() const noexcept { return error_.has_value(); }
    decode_error take_error() && { return std::move(*error_); }

    void fail(errc code, std::string message) {
        if (!error_) error_ = decode_error{code, re_, std::move(message)};
    }

    // The field's value, or nullptr when it is absent or null (contract: null means "not given").
    const json::value* find(std::string_view name) const {
        const json::value* v = obj_.if_contains(name);
        return (v != nullptr && !v->is_null()) ? v : nullptr;
    }

    // A string field. Absent optional fields and failures both return nullopt; check failed().
    std::optional<std::string_view> string(std::string_view name, bool required) {
        if (failed()) return std::nullopt;
        const json::value* v = find(name);
        if (v == nullptr) {
            if (required) fail(errc::missing_field, quoted(name) + " is required");
            return std::nullopt;
        }
        if (!v->is_string()) {
            fail(errc::invalid_field, quoted(name) + " must be a string");
            return std::nullopt;
        }
        const json::string& s = v->get_string();
        // Defensive: the raw frame was checked and Boost.JSON rejects lone surrogate escapes, so
        // a decoded string cannot be invalid UTF-8; keep the guarantee local anyway.
        if (!valid_utf8({s.data(), s.size()})) {
            fail(errc::invalid_utf8, quoted(name) + " is not valid UTF-8");
            return std::nullopt;
        }
        return std::string_view{s.data(), s.size()};
    }

    // A non-negative integer no larger than max. Floats (even 1.0), negatives and integers beyond
    // max are refused: JSON numbers beyond 2^53 are not exact in JavaScript clients.
    std::optional<std::uint64_t> integer(std::string_view name, bool required, std::uint64_t max) {
        if (failed()) return std::nullopt;
        const json::value* v = find(name);
        if (v == nullptr) {
            if (required) fail(errc::missing_field, quoted(name) + " is required");
            return std::nullopt;
        }
        std::optional<std::uint64_t> n;
        if (v->is_uint64()) {
            n = v->get_uint64();
        } else if (v->is_int64() && v->get_int64() >= 0) {
            n = static_cast<std::uint64_t>(v->get_int64());
        }
        if (!n || *n > max) {
            fail(errc::invalid_field, quoted(name) + " must be an integer from 0 to " + std::to_string(max));
            return std::nullopt;
        }
        return n;
    }

    std::optional<bool> boolean(std::string_view name) {
        if (failed()) return std::nullopt;
        const json::value* v = find(name);
        if (v == nullptr) {
            fail(errc::missing_field, quoted(name) + " is required");
            return std::nullopt;
        }
        if (!v->is_bool()) {
            fail(errc::invalid_field, quoted(name) + " must be true or false");
            return std::nullopt;
        }
        return v->get_bool();
    }

    // "v": required, and 1 is the only version there is (1.0 and "1" are refused like 2).
    int version() {
        if (failed()) return 1;
        const json::value* v = find("v");
        if (v == nullptr) {
            fail(errc::missing_field, "field 'v' is required");
        } else if (!((v->is_int64() && v->get_int64() == 1) || (v->is_uint64() && v->get_uint64() == 1))) {
            fail(errc::invalid_field, "field 'v' must be 1 (the only protocol version)");
        }
        return 1;
    }

    std::string client_id() {
        const auto id = string("id", true);
        if (id && !is_valid_client_id(*id)) {
            fail(errc::invalid_field, "field 'id' must be 1 to 64 characters of A-Z a-z 0-9 . _ : -");
        }
        return id ? std::string(*id) : std::string();
    }

    std::string case_code() {
        const auto raw = string("case", true);
        if (!raw) return {};
        auto normalized = normalize_case_code(*raw);
        if (!normalized) {
            fail(errc::invalid_field, "field 'case' must be a case code like K7M4-QPX2");
            return {};
        }
        return std::move(*normalized);
    }

    // Student or counselor text: required, at most max_text_code_points, not blank.
    sensitive_text text(std::string_view name) {
        const auto raw = string(name, true);
        if (!raw) return sensitive_text{};
        if (count_code_points(*raw) > max_text_code_points) {
            fail(
                errc::text_too_long,
                quoted(name) + " is longer than " + std::to_string(max_text_code_points) + " characters"
            );
        } else if (is_blank(*raw)) {
            fail(errc::empty_text, quoted(name) + " is empty");
        }
        return sensitive_text{std::string(*raw)};
    }

    // Optional reason: absent → empty; at most max_reason_code_points.
    sensitive_text reason() {
        const auto raw = string("reason", false);
        if (!raw) return sensitive_text{};
        if (count_code_points(*raw) > max_reason_code_points) {
            fail(
                errc::text_too_long,
                "field 'reason' is longer than " + std::to_string(max_reason_code_points) + " characters"
            );
        }
        return sensitive_text{std::string(*raw)};
    }

private:
    const json::object& obj_;
    std::string re_;
    std::optional<decode_error> error_;
};

// ---- student frames

hello read_hello(field_reader& r) {
    hello f;
    f.v = r.version();
    if (const auto school = r.string("school", false)) {
        if (is_valid_school_code(*school)) {
            f.school = std::string(*school);
        } else {
            r.fail(errc::invalid_field, "field 'school' must be 1 to 32 characters of a-z 0-9 _ -");
        }
    }
    if (const auto lang = r.string("lang", false)) {
        if (is_valid_lang(*lang)) {
            f.lang = std::string(*lang);
        } else {
            r.fail(errc::invalid_field, "field 'lang' must be one of vi, en, zh");
        }
    }
    return f;
}

resume read_resume(field_reader& r) {
    resume f;
    f.v = r.version();
    f.case_code = r.case_code();
    if (const auto raw = r.string("secret", true)) {
        if (auto secret = normalize_secret(*raw)) {
            f.secret = secret_string{std::move(*secret)};
        } else {
            r.fail(errc::invalid_field, "field 'secret' must be a secret like XXXX-XXXX-XXXX-XXXX");
        }
    }
    f.since = r.integer("since", false, max_seq).value_or(0);
    return f;
}

send read_send(field_reader& r) {
    send f;
    f.id = r.client_id();
    f.text = r.text("text");
    return f;
}

// ---- counselor frames

auth read_auth(field_reader& r) {
    auth f;
    if (const auto token = r.string("token", true)) {
        if (token->empty() || token->size() > max_token_bytes) {
            r.fail(errc::invalid_field, "field 'token' must be 1 to " + std::to_string(max_token_bytes) + " bytes");
        } else {
            f.token = secret_string{std::string(*token)};
        }
    }
    return f;
}

duty read_duty(field_reader& r) { return duty{r.boolean("on").value_or(false)}; }

template <class Frame>
Frame read_case_only(field_reader& r) {
    Frame f;
    f.case_code = r.case_code();
    return f;
}

reply read_reply(field_reader& r) {
    reply f;
    f.id = r.client_id();
    f.case_code = r.case_code();
    f.text = r.text("text");
    return f;
}

escalate read_escalate(field_reader& r) {
    escalate f;
    f.case_code = r.case_code();
    f.reason = r.reason();
    return f;
}

note read_note(field_reader& r) {
    note f;
    f.id = r.client_id();
    f.case_code = r.case_code();
    f.text = r.text("text");
    return f;
}

set_level read_set_level(field_reader& r) {
    set_level f;
    f.case_code = r.case_code();
    if (const auto level = r.string("level", true)) {
        if (const auto u = parse_urgency(*level)) {
            f.level = *u;
        } else {
            r.fail(errc::invalid_field, "field 'level' must be one of low, normal, high, critical");
        }
    }
    f.reason = r.reason();
    return f;
}

transfer read_transfer(field_reader& r) {
    transfer f;
    f.case_code = r.case_code();
    if (const auto to = r.string("to", true)) {
        if (is_valid_username(*to)) {
            f.to = std::string(*to);
        } else {
            r.fail(errc::invalid_field, "field 'to' must be a username");
        }
    }
    return f;
}

// ---- the common envelope

// Boost.JSON 1.81 reports a high surrogate escape (\uD800-\uDBFF) that is not followed by another
// \u escape as a plain syntax error, but a lone low surrogate as illegal_trailing_surrogate. On the
// error path only, we look for the first case ourselves so that both get invalid_utf8.
bool has_unpaired_high_surrogate_escape(std::string_view text) {
    const auto is_hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != '\\') continue;
        if (text[i + 1] != 'u' || i + 6 > text.size()) {
            ++i;  // skip the escaped character: an escaped backslash followed by "ud800" is plain text
            continue;
        }
        const std::string_view hex = text.substr(i + 2, 4);
        const bool high = (hex[0] == 'd' || hex[0] == 'D') && (hex[1] == '8' || hex[1] == '9' || hex[1] == 'a' ||
                                                               hex[1] == 'A' || hex[1] == 'b' || hex[1] == 'B');
        if (high && is_hex(hex[2]) && is_hex(hex[3]) && text.substr(i + 6, 2) != "\\u") return true;
        i += 5;
    }
    return false;
}

decode_error envelope_error(errc code, std::string message, std::string re = {}) {
    return decode_error{code, std::move(re), std::move(message)};
}

// Size, UTF-8, JSON, object, "type": shared by both endpoints. On success calls
// dispatch(type, reader) which returns the frame or nullopt for an unknown type.
template <class Frame, class Dispatch>
boost::system::result<Frame, decode_error> decode_frame(std::string_view text, Dispatch dispatch) {
    using result = boost::system::result<Frame, decode_error>;
    if (text.size() > max_frame_bytes) {
        return result(
            boost::system::in_place_error,
            envelope_error(errc::frame_too_large, "frame is larger than " + std::to_string(max_frame_bytes) + " bytes")
        );
    }
    // Checked on the raw bytes before parsing, so invalid UTF-8 anywhere (keys, ignored fields)
    // gets its own code instead of a generic syntax error.
    if (!valid_utf8(text)) {
        return result(boost::system::in_place_error, envelope_error(errc::invalid_utf8, "frame is not valid UTF-8"));
    }

    // Small frames parse without touching the heap; larger ones spill over into it.
    unsigned char buffer[4096];
    json::monotonic_resource resource(buffer, sizeof buffer);
    boost::system::error_code ec;
    const json::value root = json::parse(text, ec, &resource);
    if (ec) {
        if (ec == json::error::illegal_leading_surrogate || ec == json::error::illegal_trailing_surrogate ||
            ec == json::error::expected_utf16_escape || has_unpaired_high_surrogate_escape(text)) {
            return result(
                boost::system::in_place_error,
                envelope_error(errc::invalid_utf8, "frame contains an unpaired UTF-16 surrogate escape")
            );
        }
        return result(boost::system::in_place_error, envelope_error(errc::invalid_json, "frame is not valid JSON"));
    }
    if (!root.is_object()) {
        return result(
            boost::system::in_place_error, envelope_error(errc::invalid_json, "frame must be a JSON object")
        );
    }
    const json::object& obj = root.get_object();

    // contract §3: "re":<id if any> — any frame may carry an id, whether or not its type uses one.
    std::string re;
    if (const json::value* id = obj.if_contains("id"); id != nullptr && id->is_string()) {
        const std::string_view sv{id->get_string().data(), id->get_string().size()};
        if (is_valid_client_id(sv)) re = std::string(sv);
    }

    field_reader reader(obj, re);
    const auto type = reader.string("type", true);
    if (!type) return result(boost::system::in_place_error, std::move(reader).take_error());

    std::optional<Frame> frame = dispatch(*type, reader);
    if (reader.failed()) return result(boost::system::in_place_error, std::move(reader).take_error());
    if (!frame) {
        return result(
            boost::system::in_place_error, envelope_error(errc::unknown_type, "unknown frame type", std::move(re))
        );
    }
    return result(boost::system::in_place_value, std::move(*frame));
}

}  // namespace

boost::system::result<student_frame, decode_error> decode_student(std::string_view json) {
    return decode_frame<student_frame>(json, [](std::string_view type, field_reader& r) -> std::optional<student_frame> {
        if (type == "hello") return read_hello(r);
        if (type == "resume") return read_resume(r);
        if (type == "send") return read_send(r);
        return std::nullopt;
    });
}

boost::system::result<counselor_frame, decode_error> decode_counselor(std::string_view json) {
    return decode_frame<counselor_frame>(
        json,
        [](std::string_view type, field_reader& r) -> std::optional<counselor_frame> {
            if (type == "auth") return read_auth(r);
            if (type == "duty") return read_duty(r);
            if (type == "claim") return read_case_only<claim>(r);
            if (type == "reply") return read_reply(r);
            if (type == "escalate") return read_escalate(r);
            if (type == "release") return read_case_only<release>(r);
            if (type == "close") return read_case_only<close>(r);
            if (type == "take_next") return take_next{};
            if (type == "note") return read_note(r);
            if (type == "set_level") return read_set_level(r);
            if (type == "transfer") return read_transfer(r);
            return std::nullopt;
        }
    );
}

}  // namespace tamsu::protocol
