#include "protocol/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tamsu::protocol {
namespace {

TEST(Utf8, AcceptsValidText) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("hello"));
    EXPECT_TRUE(valid_utf8("Tôi không muốn đi học nữa"));
    EXPECT_TRUE(valid_utf8("我很难过"));
    EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\xA2"));  // U+1F622 crying face
    EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
    EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));      // U+FFFF (a noncharacter, but valid UTF-8)
    EXPECT_TRUE(valid_utf8(std::string("a\0b", 3)));
}

TEST(Utf8, RejectsMalformedSequences) {
    const char* const bad[] = {
        "\xC3\x28",          // 2-byte lead, bad continuation
        "\xA0\xA1",          // stray continuation bytes
        "\x80",              // lone continuation
        "\xC3",              // truncated 2-byte
        "\xE2\x82",          // truncated 3-byte
        "\xF0\x9F\x98",      // truncated 4-byte
        "\xC0\xAF",          // overlong '/'
        "\xC1\xBF",          // overlong
        "\xE0\x80\xAF",      // overlong 3-byte
        "\xF0\x80\x80\xAF",  // overlong 4-byte
        "\xED\xA0\x80",      // U+D800 high surrogate
        "\xED\xBF\xBF",      // U+DFFF low surrogate
        "\xED\xA0\xBD\xED\xB8\x8A",  // CESU-8 surrogate pair
        "\xF4\x90\x80\x80",  // U+110000
        "\xF5\x80\x80\x80",  // lead byte beyond range
        "\xFE",
        "\xFF",
        "ok\xE2\x28\xA1",    // bad in the middle
    };
    for (const char* s : bad) EXPECT_FALSE(valid_utf8(s)) << testing::PrintToString(std::string(s));
}

TEST(Utf8, CountsCodePoints) {
    EXPECT_EQ(count_code_points(""), 0U);
    EXPECT_EQ(count_code_points("abc"), 3U);
    EXPECT_EQ(count_code_points("buồn"), 4U);
    EXPECT_EQ(count_code_points("我很难过"), 4U);
    EXPECT_EQ(count_code_points("\xF0\x9F\x98\xA2!"), 2U);
    // Decomposed "ồ" (o + combining circumflex + combining grave) is three code points.
    EXPECT_EQ(count_code_points("o\xCC\x82\xCC\x80"), 3U);
}

TEST(Utf8, BlankMeansOnlyWhitespaceOrInvisible) {
    EXPECT_TRUE(is_blank(""));
    EXPECT_TRUE(is_blank(" "));
    EXPECT_TRUE(is_blank(" \t\r\n\v\f"));
    EXPECT_TRUE(is_blank("\xC2\xA0"));          // no-break space
    EXPECT_TRUE(is_blank("\xE3\x80\x80"));      // ideographic space
    EXPECT_TRUE(is_blank("\xE2\x80\x8B"));      // zero-width space
    EXPECT_TRUE(is_blank("\xEF\xBB\xBF \xE2\x80\x83"));  // BOM, space, em space
    EXPECT_FALSE(is_blank("a"));
    EXPECT_FALSE(is_blank("  .  "));
    EXPECT_FALSE(is_blank("\xE2\x80\x8B" "k"));
    EXPECT_FALSE(is_blank("\xF0\x9F\x98\xA2"));  // an emoji says something
}

}  // namespace
}  // namespace tamsu::protocol
