// Normalisation internals: accent keys, stripping, tokenisation and candidate readings.
#include "server/triage/detail.hpp"
#include "server/triage/normalize.hpp"

#include <gtest/gtest.h>

namespace tamsu::triage::detail {
namespace {

std::pair<std::string, std::string> keys(std::string_view w) {
    std::string a, s;
    accent_and_strip(w, a, s);
    return {a, s};
}

TEST(TriageAccentKey, ToneSuffixIgnoresTonePlacement) {
    EXPECT_EQ(keys("hoà").first, keys("hòa").first);
    EXPECT_EQ(keys("thuý").first, keys("thúy").first);
    EXPECT_EQ(keys("lựơng").first, keys("lượng").first);
}

TEST(TriageAccentKey, CollisionsDifferAccentedAndMeetStripped) {
    EXPECT_NE(keys("tự").first, keys("từ").first);
    EXPECT_EQ(keys("tự").second, "tu");
    EXPECT_EQ(keys("từ").second, "tu");
    EXPECT_EQ(keys("đau").second, "dau");
}

TEST(TriageSplit, FoldsCaseWidthInvisiblesAndSplitsHan) {
    std::vector<raw_token> raw;
    split_raw(nullptr, "CHẾT ｋｉｌｌ t\u200bự 我想 死", 0, raw);
    std::vector<std::string> texts;
    for (const auto& r : raw) texts.push_back(r.text);
    EXPECT_EQ(texts, (std::vector<std::string>{"chết", "kill", "tự", "我", "想", "死"}));
}

TEST(TriageSplit, PunctuationStartsANewClauseAndEmojiAreTokens) {
    std::vector<raw_token> raw;
    split_raw(nullptr, "rồi💊💊, không", 0, raw);
    ASSERT_EQ(raw.size(), 4u);
    EXPECT_EQ(raw[1].kind, raw_kind::emoji);
    EXPECT_EQ(raw[0].clause, raw[2].clause);
    EXPECT_LT(raw[2].clause, raw[3].clause);
}

TEST(TriageSplit, ContractionsJoinAndLeetStaysInTheWord) {
    std::vector<raw_token> raw;
    split_raw(nullptr, "don't k!ll", 0, raw);
    ASSERT_EQ(raw.size(), 2u);
    EXPECT_EQ(raw[0].text, "dont");
    EXPECT_EQ(raw[1].text, "k!ll");
}

TEST(TriageSplit, UnbalancedQuoteDoesNotHideTheRest) {
    std::vector<raw_token> raw;
    split_raw(nullptr, "my friends' house, i want to die", 0, raw);
    for (const auto& r : raw) EXPECT_FALSE(r.quoted) << r.text;
}

TEST(TriageUtf8, ValidatesAndRepairs) {
    EXPECT_TRUE(is_valid_utf8("tự tử 自杀 💊"));
    EXPECT_FALSE(is_valid_utf8("\xc3" "("));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a UTF-16 surrogate
    EXPECT_EQ(repair_utf8("a\xff" "b"), "a b");
}

}  // namespace
}  // namespace tamsu::triage::detail
