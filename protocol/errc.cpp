#include "protocol/errc.hpp"

#include <array>
#include <string>
#include <utility>

namespace tamsu::protocol {
namespace {

struct errc_info {
    errc code;
    std::string_view wire;
    const char* description;
};

// One table for both directions, so a new code cannot get a wire name without a description.
constexpr std::array<errc_info, 18> errc_table{{
    {errc::invalid_json, "invalid_json", "the frame is not a JSON object"},
    {errc::unknown_type, "unknown_type", "unknown frame type"},
    {errc::missing_field, "missing_field", "a required field is missing"},
    {errc::invalid_field, "invalid_field", "a field has an invalid value"},
    {errc::frame_too_large, "frame_too_large", "the frame is too large"},
    {errc::invalid_utf8, "invalid_utf8", "the frame is not valid UTF-8"},
    {errc::text_too_long, "text_too_long", "the text is too long"},
    {errc::rate_limited, "rate_limited", "too many requests, slow down"},
    {errc::unauthorized, "unauthorized", "not authorized"},
    {errc::protocol_violation, "protocol_violation", "frame not allowed here"},
    {errc::conflict, "conflict", "someone else holds this case"},
    {errc::not_found, "not_found", "not found"},
    {errc::forbidden, "forbidden", "not allowed"},
    {errc::internal, "internal", "internal server error"},
    {errc::unavailable, "unavailable", "the service is temporarily unavailable"},
    {errc::unknown_school, "unknown_school", "unknown school"},
    {errc::invalid_state, "invalid_state", "the case does not allow this now"},
    {errc::empty_text, "empty_text", "the text is empty"},
}};

const errc_info* find(errc code) noexcept {
    for (const auto& info : errc_table) {
        if (info.code == code) return &info;
    }
    return nullptr;
}

// Boost.System gives error_category a non-virtual (protected) destructor on purpose, so categories
// can be constexpr and outlive main; ours is a function-local static never deleted through a base
// pointer, so -Wnon-virtual-dtor is noise here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class protocol_category_impl final : public boost::system::error_category {
public:
    // A fixed id makes the category compare equal across shared-library copies (Boost.System docs).
    constexpr protocol_category_impl() noexcept : error_category(0x7a6d73755f707231ULL) {}

    const char* name() const noexcept override { return "tamsu.protocol"; }

    std::string message(int ev) const override {
        const auto* info = find(static_cast<errc>(ev));
        return info ? info->description : "unknown tamsu.protocol error " + std::to_string(ev);
    }
};
#pragma GCC diagnostic pop

}  // namespace

std::string_view wire_code(errc code) noexcept {
    const auto* info = find(code);
    // Defensive: only a cast from a bad integer gets here; "internal" is the honest answer.
    return info ? info->wire : std::string_view{"internal"};
}

std::optional<errc> parse_errc(std::string_view wire) noexcept {
    for (const auto& info : errc_table) {
        if (info.wire == wire) return info.code;
    }
    return std::nullopt;
}

bool closes_connection(errc code) noexcept {
    // contract §3: "unauthorized, protocol_violation close it"
    return code == errc::unauthorized || code == errc::protocol_violation;
}

const boost::system::error_category& protocol_category() noexcept {
    static const protocol_category_impl instance;
    return instance;
}

}  // namespace tamsu::protocol
