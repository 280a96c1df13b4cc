#include "protocol/time.hpp"

#include <cstdint>
#include <cstdio>

namespace tamsu::protocol {
namespace {

using namespace std::chrono;

// Reads exactly n digits at s[pos]; advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
    if (s.size() - pos < n) return std::nullopt;
    int value = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const char c = s[pos + k];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += n;
    return value;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::string rfc3339(system_clock::time_point tp) {
    const auto ms = floor<milliseconds>(tp);
    const auto day = floor<days>(ms);
    const year_month_day ymd{day};
    const hh_mm_ss hms{ms - day};
    char buf[40];
    const int n = std::snprintf(
        buf,
        sizeof buf,
        "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
        static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()),
        static_cast<unsigned>(ymd.day()),
        static_cast<int>(hms.hours().count()),
        static_cast<int>(hms.minutes().count()),
        static_cast<int>(hms.seconds().count()),
        static_cast<int>(hms.subseconds().count())
    );
    return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view s) {
    std::size_t pos = 0;
    const auto y = digits(s, pos, 4);
    if (!y || !expect(s, pos, '-')) return std::nullopt;
    const auto mo = digits(s, pos, 2);
    if (!mo || !expect(s, pos, '-')) return std::nullopt;
    const auto d = digits(s, pos, 2);
    if (!d) return std::nullopt;
    if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
    ++pos;
    const auto h = digits(s, pos, 2);
    if (!h || !expect(s, pos, ':')) return std::nullopt;
    const auto mi = digits(s, pos, 2);
    if (!mi || !expect(s, pos, ':')) return std::nullopt;
    const auto sec = digits(s, pos, 2);
    if (!sec) return std::nullopt;

    const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok() || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;

    // Fraction: keep up to 9 digits (nanoseconds), ignore the rest.
    std::int64_t frac_ns = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t n = 0;
        std::int64_t scale = 100'000'000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 9) {
                frac_ns += (s[pos] - '0') * scale;
                scale /= 10;
            }
            ++n;
            ++pos;
        }
        if (n == 0) return std::nullopt;
    }

    std::int64_t offset_s = 0;
    if (pos >= s.size()) return std::nullopt;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const bool negative = s[pos] == '-';
        ++pos;
        const auto oh = digits(s, pos, 2);
        if (!oh || !expect(s, pos, ':')) return std::nullopt;
        const auto om = digits(s, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset_s = (*oh * 3600 + *om * 60) * (negative ? -1 : 1);
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;

    // Whole seconds first, in 64-bit seconds (never overflows for years 0..9999), then check that
    // the clock's own duration (nanoseconds in libstdc++: about 1677..2262) can hold the result.
    const std::int64_t whole = sys_days{ymd}.time_since_epoch().count() * 86400LL + *h * 3600LL + *mi * 60LL +
                               *sec - offset_s;
    using dur = system_clock::duration;
    const auto max_s = duration_cast<seconds>(dur::max()).count() - 1;
    const auto min_s = duration_cast<seconds>(dur::min()).count() + 1;
    if (whole > max_s || whole < min_s) return std::nullopt;
    return system_clock::time_point{duration_cast<dur>(seconds{whole}) + duration_cast<dur>(nanoseconds{frac_ns})};
}

}  // namespace tamsu::protocol
