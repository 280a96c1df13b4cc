#include "protocol/sensitive.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

namespace tamsu::protocol {
namespace {

// style.md rule 10: a type that cannot be logged. These fail to compile if someone adds a
// formatter, a stream operator or an implicit conversion.
static_assert(!fmt::is_formattable<sensitive_text>::value);
static_assert(!fmt::is_formattable<secret_string>::value);
static_assert(!std::is_convertible_v<sensitive_text, std::string>);
static_assert(!std::is_convertible_v<sensitive_text, std::string_view>);
static_assert(!std::is_convertible_v<std::string, sensitive_text>);
static_assert(!std::is_convertible_v<sensitive_text, secret_string>);
template <class T>
concept streamable = requires(std::ostream& os, const T& t) { os << t; };
static_assert(streamable<std::string>);  // the probe itself works
static_assert(!streamable<sensitive_text>);
static_assert(!streamable<secret_string>);

TEST(Sensitive, RevealsWhatItHolds) {
    const sensitive_text t{"tôi buồn"};
    EXPECT_EQ(t.reveal(), "tôi buồn");
    EXPECT_EQ(t.size(), std::string("tôi buồn").size());
    EXPECT_FALSE(t.empty());
}

TEST(Sensitive, DefaultIsEmpty) {
    const secret_string s;
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.size(), 0U);
}

TEST(Sensitive, TakeMovesTheString) {
    sensitive_text t{"hello"};
    const std::string out = std::move(t).take();
    EXPECT_EQ(out, "hello");
}

TEST(Sensitive, ComparesByValue) {
    EXPECT_EQ(sensitive_text{"a"}, sensitive_text{"a"});
    EXPECT_NE(sensitive_text{"a"}, sensitive_text{"b"});
}

}  // namespace
}  // namespace tamsu::protocol
