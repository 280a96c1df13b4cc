// Normalisation internals: accent keys, stripping, tokenisation and candidate readings.
#include "server/triage/detail.hpp"
#include "server/triage/normalize.hpp"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <random>
#include <set>

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
    raw_tokens split;
    split_raw(nullptr, "CHẾT ｋｉｌｌ t\u200bự 我想 死", 0, split);
    std::vector<std::string> texts;
    for (const auto& r : split.toks) texts.emplace_back(split.text(r));
    EXPECT_EQ(texts, (std::vector<std::string>{"chết", "kill", "tự", "我", "想", "死"}));
}

TEST(TriageSplit, PunctuationStartsANewClauseAndEmojiAreTokens) {
    raw_tokens split;
    split_raw(nullptr, "rồi💊💊, không", 0, split);
    const auto& raw = split.toks;
    ASSERT_EQ(raw.size(), 4u);
    EXPECT_EQ(raw[1].kind, raw_kind::emoji);
    EXPECT_EQ(raw[0].clause, raw[2].clause);
    EXPECT_LT(raw[2].clause, raw[3].clause);
}

TEST(TriageSplit, ContractionsJoinAndLeetStaysInTheWord) {
    raw_tokens split;
    split_raw(nullptr, "don't k!ll", 0, split);
    const auto& raw = split.toks;
    ASSERT_EQ(raw.size(), 2u);
    EXPECT_EQ(split.text(raw[0]), "dont");
    EXPECT_EQ(split.text(raw[1]), "k!ll");
}

TEST(TriageSplit, AWordLongerThanOneEncodingRunStaysOneToken) {
    std::string word;
    for (int i = 0; i < 40; ++i) word += "ếa";  // 160 bytes: several runs of the word-character loop
    raw_tokens split;
    split_raw(nullptr, "x " + word + "!", 0, split);
    ASSERT_EQ(split.toks.size(), 2u);
    EXPECT_EQ(split.text(split.toks[1]), word);
}

TEST(TriageSplit, UnbalancedQuoteDoesNotHideTheRest) {
    raw_tokens split;
    split_raw(nullptr, "my friends' house, i want to die", 0, split);
    for (const auto& r : split.toks) EXPECT_FALSE(r.quoted) << split.text(r);
}

TEST(TriageUtf8, ValidatesAndRepairs) {
    EXPECT_TRUE(is_valid_utf8("tự tử 自杀 💊"));
    EXPECT_FALSE(is_valid_utf8("\xc3" "("));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a UTF-16 surrogate
    EXPECT_EQ(repair_utf8("a\xff" "b"), "a b");
    // The ASCII stride of eight bytes must not step over a bad byte at any offset.
    for (std::size_t at = 0; at < 20; ++at) {
        std::string s(20, 'a');
        s[at] = '\xff';
        EXPECT_FALSE(is_valid_utf8(s)) << at;
        s[at] = 'b';
        EXPECT_TRUE(is_valid_utf8(s + "tự")) << at;
    }
}

// split_raw_checked judges validity inside the folds instead of by is_valid_utf8 first: it must agree
// with is_valid_utf8 on every text, whichever fold the text takes (ASCII, the table, or utf8proc for a
// code point the table does not cover, here Hangul and a combining mark), and split valid text as
// split_raw does.
TEST(TriageUtf8, SplitRawCheckedAgreesWithIsValidUtf8) {
    const std::vector<std::string> bodies{"em muon chet", "tự tử 自杀 💊", "한국 e\u0301"};
    const std::vector<std::string> bad{"\xff", "\xc3", "\xe1\xbb", "\xed\xa0\x80", "\xc0\xaf", "\x80"};
    raw_tokens checked, plain;
    for (const auto& body : bodies) {
        ASSERT_TRUE(split_raw_checked(nullptr, body, 0, checked)) << body;
        split_raw(nullptr, body, 0, plain);
        ASSERT_EQ(checked.chars, plain.chars) << body;
        ASSERT_EQ(checked.toks.size(), plain.toks.size()) << body;
        for (const auto& b : bad)
            for (const std::size_t at : {std::size_t{0}, body.size() / 2, body.size()}) {
                const auto s = body.substr(0, at) + b + body.substr(at);
                EXPECT_EQ(split_raw_checked(nullptr, s, 0, checked), is_valid_utf8(s)) << body << " at " << at;
            }
    }
}

// utf8proc's judgement, the reference: every code point decodes.
bool utf8proc_valid(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        utf8proc_int32_t c = 0;
        const auto n = utf8proc_iterate(
            reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i), static_cast<utf8proc_ssize_t>(s.size() - i), &c
        );
        if (n <= 0) return false;
        i += static_cast<std::size_t>(n);
    }
    return true;
}

TEST(TriageUtf8, AgreesWithUtf8procOnEverySequenceUpToThreeBytesAndEveryFourByteLead) {
    std::string s;
    for (unsigned a = 0; a < 256; ++a)
        for (unsigned b = 0; b < 256; ++b)
            for (unsigned c = 0; c < 256; ++c) {
                s = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
                ASSERT_EQ(is_valid_utf8(s), utf8proc_valid(s)) << a << ' ' << b << ' ' << c;
                s.pop_back();  // the truncated forms too
                if (c == 0) {
                    ASSERT_EQ(is_valid_utf8(s), utf8proc_valid(s)) << a << ' ' << b;
                }
            }
    for (unsigned a = 0xF0; a < 0x100; ++a)
        for (unsigned b = 0x70; b < 0xD0; ++b)
            for (unsigned d : {0x00u, 0x7Fu, 0x80u, 0xBFu, 0xC0u}) {
                s = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(0x80), static_cast<char>(d)};
                ASSERT_EQ(is_valid_utf8(s), utf8proc_valid(s)) << a << ' ' << b << ' ' << d;
                s = "abcdefgh" + s + "ijkl";  // behind the eight-byte ASCII stride
                ASSERT_EQ(is_valid_utf8(s), utf8proc_valid(s)) << a << ' ' << b << ' ' << d;
            }
}

std::string utf8(std::initializer_list<char32_t> cps) {
    std::string s;
    for (auto c : cps) append_cp(s, c);
    return s;
}

std::vector<char32_t> fast(std::string_view s) {
    std::vector<char32_t> out;
    EXPECT_TRUE(fold_fast(s, out)) << s;
    return out;
}

std::vector<char32_t> reference(std::string_view s) {
    std::vector<char32_t> out;
    fold_reference(s, out);
    return out;
}

bool assigned(char32_t c) {
    return (c < 0xD800 || c > 0xDFFF) &&
           utf8proc_category(static_cast<utf8proc_int32_t>(c)) != UTF8PROC_CATEGORY_CN;
}

// The fast path is sound only if no code point it covers folds to something that composes with, or
// reorders before, what precedes it. Canonical composition pairs are the decompositions read backwards,
// so the code points that can come second in a pair are the non-first code points of all decompositions.
TEST(TriageFold, NoCoveredCodePointFoldsToSomethingThatJoinsItsPredecessor) {
    std::set<char32_t> seconds;
    for (char32_t x = 0; x < 0x110000; ++x) {
        utf8proc_int32_t buf[8];
        int last = 0;
        const auto n = utf8proc_decompose_char(
            static_cast<utf8proc_int32_t>(x), buf, 8, static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE), &last
        );
        for (auto i = 1; i < n && i < 8; ++i) seconds.insert(static_cast<char32_t>(buf[i]));
    }
    std::size_t covered = 0;
    for (char32_t c = 0x80; c < 0x30000; ++c) {
        if (!assigned(c)) continue;
        std::vector<char32_t> out;
        if (!fold_fast(utf8({c}), out)) continue;
        ++covered;
        EXPECT_EQ(out, reference(utf8({c}))) << "U+" << std::hex << static_cast<std::uint32_t>(c);
        if (out.empty()) continue;
        EXPECT_EQ(seconds.count(out[0]), 0u) << "U+" << std::hex << static_cast<std::uint32_t>(c);
        EXPECT_EQ(utf8proc_get_property(static_cast<utf8proc_int32_t>(out[0]))->combining_class, 0)
            << "U+" << std::hex << static_cast<std::uint32_t>(c);
    }
    EXPECT_GT(covered, 30000u);  // Latin, punctuation, Han, emoji
}

TEST(TriageFold, FastPathCoversWhatStudentsType) {
    EXPECT_EQ(fast("HÔM NAY Em Buồn"), reference("HÔM NAY Em Buồn"));
    EXPECT_EQ(fast("我不想活了，真的！"), reference("我不想活了，真的！"));
    EXPECT_EQ(fast("ｋｉｌｌ ＭＥ… ok 😭👍🏽❤️"), reference("ｋｉｌｌ ＭＥ… ok 😭👍🏽❤️"));
    EXPECT_EQ(fast("t\u200bự Straße Ǆ K"), reference("t\u200bự Straße Ǆ K"));
    std::vector<char32_t> out;
    EXPECT_FALSE(fold_fast("tu\u0301 tu\u031b", out));  // combining marks: only utf8proc composes them
    EXPECT_FALSE(fold_fast("\xea\xb0\x80", out));       // Hangul
}

TEST(TriageFold, EqualsUtf8procOnEveryCoveredCodePointBesideItsNeighbours) {
    // Predecessors and successors that end or start with what could interact: letters that are
    // composition firsts, folds ending in a combining mark (¨, İ), invisibles, Han, emoji, a combining mark.
    const std::vector<char32_t> around{'a', 'E', 0x01B0, 0x00EA, 0x00DF, 0x00A8, 0x0130, 0x200B, 0xFE0F,
                                       0x6211, 0xFF2B, 0x1F62D, 0x0301, 0x3099, 0x1100};
    for (char32_t c = 0x80; c < 0x20000; ++c) {
        if (!assigned(c)) continue;
        std::vector<char32_t> out;
        if (!fold_fast(utf8({c}), out)) continue;
        for (auto x : around) {
            for (const auto& s : {utf8({x, c}), utf8({c, x}), utf8({x, c, x})}) {
                std::vector<char32_t> got;
                fold(s, got);
                ASSERT_EQ(got, reference(s)) << "U+" << std::hex << static_cast<std::uint32_t>(c) << " beside U+"
                                             << static_cast<std::uint32_t>(x);
            }
        }
    }
}

TEST(TriageFold, EqualsUtf8procOnRandomMixedText) {
    std::vector<char32_t> pool;
    for (char32_t c = 0; c < 0x250; ++c) pool.push_back(c);
    for (char32_t c : {0x0300, 0x0301, 0x0303, 0x0309, 0x0323, 0x031B, 0x0306, 0x0302, 0x0308, 0x0307, 0x200B,
                       0x200D, 0x00AD, 0xFE0F, 0x2026, 0x3002, 0xFF0C, 0xFF01, 0x1F3FD, 0x1F62D, 0x2764, 0x6B7B,
                       0x6740, 0x570B, 0xF900, 0x2160, 0x212A, 0x2126, 0xFB01, 0x1100, 0x1161, 0xAC00, 0x3099})
        pool.push_back(c);
    for (char32_t c = 0x1E00; c < 0x1F00; ++c) pool.push_back(c);
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1), len(1, 24);
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        for (auto n = len(rng); n > 0; --n) append_cp(s, pool[pick(rng)]);
        std::vector<char32_t> got;
        fold(s, got);
        ASSERT_EQ(got, reference(s)) << s;
    }
}

}  // namespace
}  // namespace tamsu::triage::detail
