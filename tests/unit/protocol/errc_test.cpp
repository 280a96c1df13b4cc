#include "protocol/errc.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tamsu::protocol {
namespace {

struct errc_row {
    errc code;
    int number;
    const char* wire;
};

// The numbers and names are part of the contract: this table is the test that they never move.
constexpr errc_row all_codes[] = {
    {errc::invalid_json, 1, "invalid_json"},
    {errc::unknown_type, 2, "unknown_type"},
    {errc::missing_field, 3, "missing_field"},
    {errc::invalid_field, 4, "invalid_field"},
    {errc::frame_too_large, 5, "frame_too_large"},
    {errc::invalid_utf8, 6, "invalid_utf8"},
    {errc::text_too_long, 7, "text_too_long"},
    {errc::rate_limited, 8, "rate_limited"},
    {errc::unauthorized, 9, "unauthorized"},
    {errc::protocol_violation, 10, "protocol_violation"},
    {errc::conflict, 11, "conflict"},
    {errc::not_found, 12, "not_found"},
    {errc::forbidden, 13, "forbidden"},
    {errc::internal, 14, "internal"},
    {errc::unavailable, 15, "unavailable"},
    {errc::unknown_school, 16, "unknown_school"},
    {errc::invalid_state, 17, "invalid_state"},
    {errc::empty_text, 18, "empty_text"},
};

TEST(Errc, NumbersAndWireCodesAreStable) {
    for (const auto& row : all_codes) {
        EXPECT_EQ(static_cast<int>(row.code), row.number) << row.wire;
        EXPECT_EQ(wire_code(row.code), row.wire);
        EXPECT_EQ(parse_errc(row.wire), row.code);
    }
}

TEST(Errc, WireCodesAreUnique) {
    std::set<std::string> seen;
    for (const auto& row : all_codes) EXPECT_TRUE(seen.insert(std::string(wire_code(row.code))).second);
}

TEST(Errc, UnknownWireCodeDoesNotParse) {
    EXPECT_FALSE(parse_errc("nope").has_value());
    EXPECT_FALSE(parse_errc("").has_value());
}

TEST(Errc, OnlyUnauthorizedAndProtocolViolationClose) {
    for (const auto& row : all_codes) {
        const bool expected = row.code == errc::unauthorized || row.code == errc::protocol_violation;
        EXPECT_EQ(closes_connection(row.code), expected) << row.wire;
    }
}

TEST(Errc, MakesBoostErrorCodes) {
    const boost::system::error_code ec = errc::conflict;  // via is_error_code_enum
    EXPECT_EQ(ec.value(), 11);
    EXPECT_EQ(&ec.category(), &protocol_category());
    EXPECT_STREQ(ec.category().name(), "tamsu.protocol");
    EXPECT_FALSE(ec.message().empty());
    EXPECT_EQ(ec, make_error_code(errc::conflict));
    EXPECT_NE(ec, make_error_code(errc::not_found));
}

TEST(Errc, EveryCodeHasAMessage) {
    for (const auto& row : all_codes) {
        const auto message = make_error_code(row.code).message();
        EXPECT_FALSE(message.empty());
        EXPECT_EQ(message.find("tamsu.protocol error"), std::string::npos) << row.wire;
    }
    EXPECT_NE(protocol_category().message(999).find("999"), std::string::npos);
}

TEST(Errc, OutOfRangeWireCodeIsInternal) { EXPECT_EQ(wire_code(static_cast<errc>(0)), "internal"); }

}  // namespace
}  // namespace tamsu::protocol
