#include "server/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace tamsu::server {
namespace {

using namespace std::chrono_literals;
const auto t0 = std::chrono::steady_clock::time_point{} + 1000h;

TEST(TokenBucket, AllowsTheBurstThenRefillsAtTheRate) {
    token_bucket b(2.0, 3.0);
    EXPECT_TRUE(b.try_take(t0));
    EXPECT_TRUE(b.try_take(t0));
    EXPECT_TRUE(b.try_take(t0));
    EXPECT_FALSE(b.try_take(t0));
    EXPECT_TRUE(b.try_take(t0 + 500ms));
    EXPECT_FALSE(b.try_take(t0 + 500ms));
    EXPECT_TRUE(b.full(t0 + 10s));
}

TEST(KeyedLimiter, CountsFailuresOnlyAndPerKey) {
    keyed_limiter l(1.0 / 60, 3);
    for (int i = 0; i < 100; ++i)
        EXPECT_TRUE(l.allowed("ok-user", t0));  // asking costs nothing
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(l.allowed("bad", t0));
        l.charge("bad", t0);
    }
    EXPECT_FALSE(l.allowed("bad", t0));
    EXPECT_TRUE(l.allowed("other", t0));
    EXPECT_TRUE(l.allowed("bad", t0 + 61s));
}

TEST(KeyedLimiter, AFloodOfKeysDoesNotGrowWithoutBound) {
    keyed_limiter l(1.0, 1, 100);
    for (int i = 0; i < 10000; ++i)
        l.charge("k" + std::to_string(i), t0);
    EXPECT_TRUE(l.allowed("new", t0));
}

}  // namespace
}  // namespace tamsu::server
