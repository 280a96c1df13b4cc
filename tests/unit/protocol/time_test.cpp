#include "protocol/time.hpp"

#include <gtest/gtest.h>

namespace tamsu::protocol {
namespace {

using namespace std::chrono;

system_clock::time_point at(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
    return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
    EXPECT_EQ(rfc3339(at(2026, 11, 23, 11, 15, 36, 123)), "2026-11-23T11:15:36.123Z");
    EXPECT_EQ(rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(rfc3339(at(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
}

TEST(Rfc3339, TruncatesBelowMilliseconds) {
    EXPECT_EQ(rfc3339(at(2026, 1, 1, 0, 0, 0, 5) + microseconds{999}), "2026-01-01T00:00:00.005Z");
}

TEST(Rfc3339, FormatsTimesBeforeTheEpoch) {
    EXPECT_EQ(rfc3339(at(1969, 12, 31, 23, 59, 59, 500)), "1969-12-31T23:59:59.500Z");
}

TEST(Rfc3339, RoundTrips) {
    for (const auto tp : {at(2026, 11, 23, 11, 15, 36, 123), at(2000, 1, 1, 0, 0, 0), at(2099, 12, 31, 23, 59, 59, 1)}) {
        const auto parsed = parse_rfc3339(rfc3339(tp));
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(*parsed, tp);
    }
}

TEST(Rfc3339, ParsesOffsetsAndFractions) {
    const auto base = at(2026, 11, 23, 4, 15, 36);
    EXPECT_EQ(parse_rfc3339("2026-11-23T04:15:36Z"), base);
    EXPECT_EQ(parse_rfc3339("2026-11-23t04:15:36z"), base);
    EXPECT_EQ(parse_rfc3339("2026-11-23T11:15:36+07:00"), base);
    EXPECT_EQ(parse_rfc3339("2026-11-22T23:45:36-04:30"), base);
    EXPECT_EQ(parse_rfc3339("2026-11-23T04:15:36.5Z"), base + milliseconds{500});
    EXPECT_EQ(parse_rfc3339("2026-11-23T04:15:36.123456789Z"), base + nanoseconds{123456789});
    EXPECT_EQ(parse_rfc3339("2026-11-23T04:15:36.1234567891234Z"), base + nanoseconds{123456789});
}

TEST(Rfc3339, RejectsMalformed) {
    const char* const bad[] = {
        "",
        "2026-11-23",
        "2026-11-23T04:15:36",        // no zone
        "2026-11-23 04:15:36Z",       // space separator
        "2026-11-23T04:15Z",          // no seconds
        "2026-13-01T00:00:00Z",       // month 13
        "2026-02-29T00:00:00Z",       // not a leap year
        "2026-04-31T00:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T23:60:00Z",
        "2026-11-23T23:59:60Z",       // leap second
        "2026-11-23T04:15:36.Z",      // empty fraction
        "2026-11-23T04:15:36+7:00",
        "2026-11-23T04:15:36+24:00",
        "2026-11-23T04:15:36Zjunk",
        "26-11-23T04:15:36Z",
        "2026-1a-23T04:15:36Z",
        "9999-12-31T23:59:59Z",       // beyond what a nanosecond system_clock holds
        "0001-01-01T00:00:00Z",
    };
    for (const char* s : bad) EXPECT_FALSE(parse_rfc3339(s).has_value()) << s;
}

}  // namespace
}  // namespace tamsu::protocol
