#include "protocol/validate.hpp"

#include "protocol/limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tamsu::protocol {
namespace {

struct code_row {
    const char* input;
    const char* expected;  // nullptr: refused
};

TEST(CaseCode, NormalisationTable) {
    const code_row rows[] = {
        {"K7M4QPX2", "K7M4QPX2"},
        {"K7M4-QPX2", "K7M4QPX2"},
        {"k7m4-qpx2", "K7M4QPX2"},
        {"K7M4 QPX2", "K7M4QPX2"},
        {" K7M4 - QPX2 ", "K7M4QPX2"},
        {"K-7-M-4-Q-P-X-2", "K7M4QPX2"},
        {"IL0O-ilo0", "11001100"},  // I/L → 1, O → 0, either case
        {"0000-0000", "00000000"},
        {"ZZZZ-ZZZZ", "ZZZZZZZZ"},
        {"", nullptr},
        {"----", nullptr},
        {"K7M4-QPX", nullptr},     // 7 chars
        {"K7M4-QPX22", nullptr},   // 9 chars
        {"K7M4-QPXU", nullptr},    // U is not Crockford
        {"K7M4_QPX2", nullptr},    // only '-' and space are separators
        {"K7M4\tQPX2", nullptr},
        {"K7M4-QPX\xC3\xA9", nullptr},
        {"K7M4-QP*2", nullptr},
    };
    for (const auto& row : rows) {
        const auto got = normalize_case_code(row.input);
        if (row.expected == nullptr) {
            EXPECT_FALSE(got.has_value()) << row.input;
        } else {
            ASSERT_TRUE(got.has_value()) << row.input;
            EXPECT_EQ(*got, row.expected) << row.input;
        }
    }
}

TEST(CaseCode, NormalisationIsIdempotent) {
    const auto once = normalize_case_code("k7m4-qpxl");
    ASSERT_TRUE(once);
    EXPECT_EQ(normalize_case_code(*once), once);
}

TEST(CaseCode, EveryAlphabetCharacterSurvives) {
    for (const char c : crockford_alphabet) {
        const std::string code(8, c);
        EXPECT_EQ(normalize_case_code(code), code);
    }
}

TEST(CaseCode, VeryLongInputIsRefused) {
    EXPECT_FALSE(normalize_case_code(std::string(100000, 'A')).has_value());
}

TEST(CaseCode, DisplayForm) {
    EXPECT_EQ(display_case_code("K7M4QPX2"), "K7M4-QPX2");
    EXPECT_EQ(display_case_code("K7M4-QPX2"), "K7M4-QPX2");
    EXPECT_EQ(display_case_code("k7m4qpx2"), "K7M4-QPX2");
    EXPECT_EQ(display_case_code("esc-17"), "esc-17");  // defensive: passed through
}

TEST(Secret, NormalisationTable) {
    const code_row rows[] = {
        {"ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS"},
        {"abcdefghjkmnpqrs", "ABCDEFGHJKMNPQRS"},
        {"abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS"},
        {"OOOO-IIII-LLLL-0000", "0000111111110000"},
        {"ABCD-EFGH-JKMN-PQR", nullptr},
        {"ABCD-EFGH-JKMN-PQRST", nullptr},
        {"ABCD-EFGH-JKMN-PQRU", nullptr},
        {"K7M4-QPX2", nullptr},
    };
    for (const auto& row : rows) {
        const auto got = normalize_secret(row.input);
        if (row.expected == nullptr) {
            EXPECT_FALSE(got.has_value()) << row.input;
        } else {
            ASSERT_TRUE(got.has_value()) << row.input;
            EXPECT_EQ(*got, row.expected) << row.input;
        }
    }
}

TEST(Secret, DisplayForm) {
    EXPECT_EQ(display_secret("ABCDEFGHJKMNPQRS"), "ABCD-EFGH-JKMN-PQRS");
    EXPECT_EQ(display_secret("ABCD-EFGH-JKMN-PQRS"), "ABCD-EFGH-JKMN-PQRS");
}

TEST(ClientId, Rule) {
    EXPECT_TRUE(is_valid_client_id("a"));
    EXPECT_TRUE(is_valid_client_id("m-1700000000.42:x_y"));
    EXPECT_TRUE(is_valid_client_id("123e4567-e89b-12d3-a456-426614174000"));
    EXPECT_TRUE(is_valid_client_id(std::string(max_client_id_bytes, 'x')));
    EXPECT_FALSE(is_valid_client_id(""));
    EXPECT_FALSE(is_valid_client_id(std::string(max_client_id_bytes + 1, 'x')));
    EXPECT_FALSE(is_valid_client_id("a b"));
    EXPECT_FALSE(is_valid_client_id("a/b"));
    EXPECT_FALSE(is_valid_client_id("\"x\""));
    EXPECT_FALSE(is_valid_client_id("caf\xC3\xA9"));
}

TEST(SchoolCode, Rule) {
    EXPECT_TRUE(is_valid_school_code("default"));
    EXPECT_TRUE(is_valid_school_code("thpt-le-loi_2"));
    EXPECT_TRUE(is_valid_school_code(std::string(32, 'a')));
    EXPECT_FALSE(is_valid_school_code(std::string(33, 'a')));
    EXPECT_FALSE(is_valid_school_code(""));
    EXPECT_FALSE(is_valid_school_code("THPT"));
    EXPECT_FALSE(is_valid_school_code("a.b"));
    EXPECT_FALSE(is_valid_school_code("a b"));
}

TEST(Lang, Rule) {
    EXPECT_TRUE(is_valid_lang("vi"));
    EXPECT_TRUE(is_valid_lang("en"));
    EXPECT_TRUE(is_valid_lang("zh"));
    EXPECT_FALSE(is_valid_lang("VI"));
    EXPECT_FALSE(is_valid_lang("fr"));
    EXPECT_FALSE(is_valid_lang(""));
}

TEST(Username, Rule) {
    EXPECT_TRUE(is_valid_username("co.lan"));
    EXPECT_TRUE(is_valid_username("Nguyễn Lan"));
    EXPECT_FALSE(is_valid_username(""));
    EXPECT_FALSE(is_valid_username(std::string(max_username_bytes + 1, 'a')));
    EXPECT_FALSE(is_valid_username("a\nb"));
    EXPECT_FALSE(is_valid_username(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace tamsu::protocol
