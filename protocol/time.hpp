#pragma once
// RFC 3339 timestamps as used on the wire (contract §3: "Timestamps are RFC 3339 UTC strings").
// Pure functions: the caller supplies the time point (style.md rule 13).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tamsu::protocol {

// "2026-11-23T11:15:36.123Z": always UTC, always milliseconds (truncated, never rounded up, so a
// formatted time is never later than the event), fixed width so strings sort like times.
std::string rfc3339(std::chrono::system_clock::time_point tp);

// Accepts RFC 3339 section 5.6 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)", with
// 't'/'z' in either case. Fractions beyond the clock's precision are truncated. Rejects invalid
// dates (Feb 30), leap seconds (:60; we have no use for them) and times the clock cannot hold.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

}  // namespace tamsu::protocol
