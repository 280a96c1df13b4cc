#include "server/write_queue.hpp"

#include <gtest/gtest.h>

namespace tamsu::server {
namespace {

std::shared_ptr<const std::string> frame(std::size_t n) { return std::make_shared<const std::string>(n, 'x'); }

TEST(WriteQueue, RefusesPastTheByteLimit) {
    write_queue q({.max_bytes = 100, .max_frames = 10});
    EXPECT_TRUE(q.push(frame(60)));
    EXPECT_TRUE(q.push(frame(40)));
    EXPECT_FALSE(q.push(frame(1)));
    EXPECT_EQ(q.bytes(), 100u);
    q.pop();
    EXPECT_EQ(q.bytes(), 40u);
    EXPECT_TRUE(q.push(frame(60)));
}

TEST(WriteQueue, RefusesPastTheFrameLimit) {
    write_queue q({.max_bytes = 1000, .max_frames = 2});
    EXPECT_TRUE(q.push(frame(1)));
    EXPECT_TRUE(q.push(frame(1)));
    EXPECT_FALSE(q.push(frame(1)));
    EXPECT_EQ(q.size(), 2u);
}

TEST(WriteQueue, KeepsFifoOrder) {
    write_queue q({});
    ASSERT_TRUE(q.push(std::make_shared<const std::string>("a")));
    ASSERT_TRUE(q.push(std::make_shared<const std::string>("b")));
    EXPECT_EQ(q.front(), "a");
    q.pop();
    EXPECT_EQ(q.front(), "b");
}

}  // namespace
}  // namespace tamsu::server
