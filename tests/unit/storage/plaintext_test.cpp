#include "storage/plaintext.hpp"

#include <gtest/gtest.h>
#include <spdlog/fmt/fmt.h>

#include <ostream>
#include <type_traits>

namespace tamsu::storage {
namespace {

// style rule 10: student words cannot reach a log line by accident.
template <class T>
concept streamable = requires(std::ostream& os, const T& t) { os << t; };
static_assert(!fmt::is_formattable<plaintext>::value, "plaintext must have no fmt::formatter");
static_assert(!streamable<plaintext>, "plaintext must have no operator<<");
static_assert(!std::is_convertible_v<plaintext, std::string>, "no implicit conversion out");
static_assert(!std::is_convertible_v<plaintext, std::string_view>, "no implicit conversion out");
static_assert(!std::is_convertible_v<std::string, plaintext>, "construction is explicit");
static_assert(!std::is_copy_constructible_v<plaintext>, "one owner of the words");

TEST(Plaintext, RevealTakeAndMove) {
    plaintext p{std::string("mat khau")};
    EXPECT_EQ(p.reveal(), "mat khau");
    EXPECT_EQ(p.size(), 8U);
    plaintext q = std::move(p);
    EXPECT_TRUE(p.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty and wiped
    EXPECT_EQ(q.reveal(), "mat khau");
    std::string out = std::move(q).take();
    EXPECT_EQ(out, "mat khau");
    EXPECT_TRUE(q.empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace tamsu::storage
