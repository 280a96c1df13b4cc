#include "protocol/frames.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include <array>
#include <type_traits>

namespace tamsu::protocol {
namespace {

template <class E>
struct enum_name {
    E value;
    std::string_view name;
};

constexpr std::array<enum_name<urgency>, 4> urgency_names{{
    {urgency::low, "low"},
    {urgency::normal, "normal"},
    {urgency::high, "high"},
    {urgency::critical, "critical"},
}};
constexpr std::array<enum_name<sender>, 3> sender_names{{
    {sender::student, "student"},
    {sender::counselor, "counselor"},
    {sender::system, "system"},
}};
constexpr std::array<enum_name<case_state>, 3> case_state_names{{
    {case_state::queued, "queued"},
    {case_state::assigned, "assigned"},
    {case_state::closed, "closed"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<enum_name<E>, N>& table, E value) noexcept {
    for (const auto& entry : table) {
        if (entry.value == value) return entry.name;
    }
    return "unknown";  // defensive: only a cast from a bad integer gets here
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<enum_name<E>, N>& table, std::string_view name) noexcept {
    for (const auto& entry : table) {
        if (entry.name == name) return entry.value;
    }
    return std::nullopt;
}

// The wire "type" of each inbound struct, in variant order.
constexpr std::array<std::string_view, std::variant_size_v<student_frame>> student_types{"hello", "resume", "send"};
constexpr std::array<std::string_view, std::variant_size_v<counselor_frame>> counselor_types{
    "auth", "duty", "claim", "reply", "escalate", "release", "close", "take_next", "note", "set_level", "transfer"};

}  // namespace

std::string_view to_string(urgency u) noexcept { return name_of(urgency_names, u); }
std::string_view to_string(sender s) noexcept { return name_of(sender_names, s); }
std::string_view to_string(case_state s) noexcept { return name_of(case_state_names, s); }
std::optional<urgency> parse_urgency(std::string_view s) noexcept { return value_of(urgency_names, s); }
std::optional<sender> parse_sender(std::string_view s) noexcept { return value_of(sender_names, s); }
std::optional<case_state> parse_case_state(std::string_view s) noexcept { return value_of(case_state_names, s); }

void throw_exception_from_error(const decode_error& e, const boost::source_location& loc) {
    boost::throw_exception(boost::system::system_error(make_error_code(e.code), e.message), loc);
}

std::string_view frame_type(const student_frame& f) noexcept { return student_types[f.index()]; }
std::string_view frame_type(const counselor_frame& f) noexcept { return counselor_types[f.index()]; }

}  // namespace tamsu::protocol
