#include "decode_test_util.hpp"

#include <boost/system/system_error.hpp>

#include <gtest/gtest.h>

#include <string>

namespace tamsu::protocol {
namespace {

using test::expect_error;
using test::expect_frame;
using test::repeat;
using test::student;

// ---- hello

TEST(DecodeStudent, HelloMinimal) {
    const auto f = expect_frame<hello>(student, R"({"type":"hello","v":1})");
    EXPECT_EQ(f.v, 1);
    EXPECT_FALSE(f.school.has_value());
    EXPECT_EQ(f.lang, "vi");
}

TEST(DecodeStudent, HelloWithSchoolAndLang) {
    const auto f = expect_frame<hello>(student, R"({"type":"hello","v":1,"school":"thpt-le-loi","lang":"en"})");
    EXPECT_EQ(f.school, "thpt-le-loi");
    EXPECT_EQ(f.lang, "en");
    EXPECT_EQ(expect_frame<hello>(student, R"({"type":"hello","v":1,"lang":"zh"})").lang, "zh");
}

TEST(DecodeStudent, HelloNullOptionalFieldsAreAbsent) {
    const auto f = expect_frame<hello>(student, R"({"type":"hello","v":1,"school":null,"lang":null})");
    EXPECT_FALSE(f.school.has_value());
    EXPECT_EQ(f.lang, "vi");
}

TEST(DecodeStudent, HelloVersionMustBeOne) {
    EXPECT_EQ(expect_error(student, R"({"type":"hello"})").code, errc::missing_field);
    EXPECT_EQ(expect_error(student, R"({"type":"hello","v":null})").code, errc::missing_field);
    for (const char* v : {"2", "0", "-1", "1.0", "1e0", "\"1\"", "true", "[1]", "18446744073709551617"}) {
        const auto e = expect_error(student, std::string(R"({"type":"hello","v":)") + v + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << v;
        EXPECT_NE(e.message.find("'v'"), std::string::npos) << e.message;
    }
}

TEST(DecodeStudent, HelloRejectsBadSchool) {
    for (const char* school : {R"("THPT")", R"("")", R"("a b")", R"("a.b")", "42", "{}", "[]"}) {
        const auto e = expect_error(student, std::string(R"({"type":"hello","v":1,"school":)") + school + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << school;
        EXPECT_NE(e.message.find("'school'"), std::string::npos) << e.message;
    }
    const auto too_long = std::string(R"({"type":"hello","v":1,"school":")") + std::string(33, 'a') + "\"}";
    EXPECT_EQ(expect_error(student, too_long).code, errc::invalid_field);
}

TEST(DecodeStudent, HelloRejectsBadLang) {
    for (const char* lang : {R"("fr")", R"("VI")", R"("")", "1"}) {
        const auto e = expect_error(student, std::string(R"({"type":"hello","v":1,"lang":)") + lang + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << lang;
        EXPECT_NE(e.message.find("'lang'"), std::string::npos) << e.message;
    }
}

// ---- resume

TEST(DecodeStudent, ResumeNormalisesCaseAndSecret) {
    const auto f = expect_frame<resume>(
        student, R"({"type":"resume","v":1,"case":"k7m4-qpx2","secret":"abcd-efgh-jkmn-pqrs","since":12})"
    );
    EXPECT_EQ(f.v, 1);
    EXPECT_EQ(f.case_code, "K7M4QPX2");
    EXPECT_EQ(f.secret.reveal(), "ABCDEFGHJKMNPQRS");
    EXPECT_EQ(f.since, 12U);
}

TEST(DecodeStudent, ResumeAcceptsCanonicalForms) {
    const auto f =
        expect_frame<resume>(student, R"({"type":"resume","v":1,"case":"K7M4QPX2","secret":"ABCDEFGHJKMNPQRS"})");
    EXPECT_EQ(f.case_code, "K7M4QPX2");
    EXPECT_EQ(f.secret.reveal(), "ABCDEFGHJKMNPQRS");
    EXPECT_EQ(f.since, 0U);  // absent since = from the start
}

TEST(DecodeStudent, ResumeSinceRange) {
    const std::string prefix = R"({"type":"resume","v":1,"case":"K7M4-QPX2","secret":"ABCD-EFGH-JKMN-PQRS","since":)";
    EXPECT_EQ(expect_frame<resume>(student, prefix + "0}").since, 0U);
    EXPECT_EQ(expect_frame<resume>(student, prefix + std::to_string(max_seq) + "}").since, max_seq);
    EXPECT_EQ(expect_frame<resume>(student, prefix + "null}").since, 0U);
    for (const std::string& bad : {
             std::to_string(max_seq + 1),
             std::string("18446744073709551615"),  // 2^64 - 1
             std::string("18446744073709551616"),  // 2^64: becomes a double
             std::string("99999999999999999999999999999"),
             std::string("1e400"),   // parses as infinity
             std::string("-1e400"),
             std::string("-1"),
             std::string("-9223372036854775808"),
             std::string("1.5"),
             std::string("3.0"),
             std::string("1e3"),
             std::string("\"5\""),
             std::string("true"),
             std::string("{}"),
         }) {
        const auto e = expect_error(student, prefix + bad + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << bad;
        EXPECT_NE(e.message.find("'since'"), std::string::npos) << e.message;
    }
}

TEST(DecodeStudent, ResumeRequiresCaseAndSecret) {
    EXPECT_EQ(
        expect_error(student, R"({"type":"resume","v":1,"secret":"ABCD-EFGH-JKMN-PQRS"})").code, errc::missing_field
    );
    EXPECT_EQ(expect_error(student, R"({"type":"resume","v":1,"case":"K7M4-QPX2"})").code, errc::missing_field);
    EXPECT_EQ(
        expect_error(student, R"({"type":"resume","case":"K7M4-QPX2","secret":"ABCD-EFGH-JKMN-PQRS"})").code,
        errc::missing_field
    );
}

TEST(DecodeStudent, ResumeRejectsMalformedCaseAndSecret) {
    const auto bad_case =
        expect_error(student, R"({"type":"resume","v":1,"case":"K7M4-QPXU","secret":"ABCD-EFGH-JKMN-PQRS"})");
    EXPECT_EQ(bad_case.code, errc::invalid_field);
    EXPECT_NE(bad_case.message.find("'case'"), std::string::npos);

    const auto bad_secret = expect_error(student, R"({"type":"resume","v":1,"case":"K7M4-QPX2","secret":"ZZZZ-UUUU"})");
    EXPECT_EQ(bad_secret.code, errc::invalid_field);
    EXPECT_NE(bad_secret.message.find("'secret'"), std::string::npos);
    // The message names the field but never echoes a secret.
    EXPECT_EQ(bad_secret.message.find("ZZZZ"), std::string::npos);

    EXPECT_EQ(
        expect_error(student, R"({"type":"resume","v":1,"case":12345678,"secret":"ABCD-EFGH-JKMN-PQRS"})").code,
        errc::invalid_field
    );
}

// ---- send

TEST(DecodeStudent, SendDecodes) {
    const auto f = expect_frame<send>(student, R"({"type":"send","id":"m-1","text":"Tôi không muốn đi học nữa"})");
    EXPECT_EQ(f.id, "m-1");
    EXPECT_EQ(f.text.reveal(), "Tôi không muốn đi học nữa");
}

TEST(DecodeStudent, SendUnescapesJsonStrings) {
    const auto f = expect_frame<send>(student, R"({"type":"send","id":"1","text":"a\"b\\c\n\u00e9\ud83d\ude22\u0000"})");
    EXPECT_EQ(f.text.reveal(), std::string("a\"b\\c\n\xC3\xA9\xF0\x9F\x98\xA2\0", 13));
}

TEST(DecodeStudent, SendIdRules) {
    auto e = expect_error(student, R"({"type":"send","text":"hi"})");
    EXPECT_EQ(e.code, errc::missing_field);
    EXPECT_EQ(e.re, "");
    EXPECT_EQ(e.message, "field 'id' is required");

    for (const char* id : {R"("")", R"("a b")", R"("a/b")", "7", "true", R"(["x"])"}) {
        e = expect_error(student, std::string(R"({"type":"send","text":"hi","id":)") + id + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << id;
        EXPECT_EQ(e.re, "") << id;  // an invalid id is never echoed
    }
    e = expect_error(student, R"({"type":"send","text":"hi","id":")" + std::string(max_client_id_bytes + 1, 'x') + "\"}");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_EQ(e.re, "");

    const std::string longest(max_client_id_bytes, 'x');
    EXPECT_EQ(expect_frame<send>(student, R"({"type":"send","text":"hi","id":")" + longest + "\"}").id, longest);
}

TEST(DecodeStudent, SendTextErrorsCarryTheId) {
    auto e = expect_error(student, R"({"type":"send","id":"m-7"})");
    EXPECT_EQ(e.code, errc::missing_field);
    EXPECT_EQ(e.re, "m-7");
    EXPECT_EQ(e.message, "field 'text' is required");

    e = expect_error(student, R"({"type":"send","id":"m-7","text":42})");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_EQ(e.re, "m-7");
    EXPECT_EQ(e.message, "field 'text' must be a string");

    e = expect_error(student, R"({"type":"send","id":"m-7","text":{"a":1}})");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_EQ(e.re, "m-7");
}

TEST(DecodeStudent, SendRejectsEmptyAndBlankText) {
    for (const char* text : {R"("")", R"(" ")", R"(" \n\t\r ")", R"("\u200b")", R"("\u00a0\u3000")", R"("\ufeff")"}) {
        const auto e = expect_error(student, std::string(R"({"type":"send","id":"b","text":)") + text + "}");
        EXPECT_EQ(e.code, errc::empty_text) << text;
        EXPECT_EQ(e.re, "b");
    }
    EXPECT_EQ(expect_frame<send>(student, R"({"type":"send","id":"b","text":" . "})").text.reveal(), " . ");
}

TEST(DecodeStudent, SendTextLengthCountsCodePointsNotBytes) {
    // "ồ" is 3 bytes: 4000 of them is 12000 bytes and still allowed.
    const std::string max_text = repeat("ồ", max_text_code_points);
    const auto ok = expect_frame<send>(student, R"({"type":"send","id":"l","text":")" + max_text + "\"}");
    EXPECT_EQ(ok.text.reveal(), max_text);

    const auto e = expect_error(student, R"({"type":"send","id":"l","text":")" + max_text + "a\"}");
    EXPECT_EQ(e.code, errc::text_too_long);
    EXPECT_EQ(e.re, "l");
    EXPECT_NE(e.message.find("4000"), std::string::npos);

    // Escapes count after decoding: 4001 "\u00e9" escapes are 4001 code points.
    const auto escaped = expect_error(student, R"({"type":"send","id":"l","text":")" + repeat("\\u00e9", 4001) + "\"}");
    EXPECT_EQ(escaped.code, errc::text_too_long);
}

TEST(DecodeStudent, LongBlankTextIsTooLong) {
    // Length is checked first: a flood of spaces is "too long", not "empty".
    const auto e = expect_error(student, R"({"type":"send","id":"s","text":")" + std::string(4001, ' ') + "\"}");
    EXPECT_EQ(e.code, errc::text_too_long);
}

// ---- the envelope: size, UTF-8, JSON, type

TEST(DecodeStudent, RejectsNonJsonAndNonObjects) {
    for (const char* json :
         {"", " ", "not json", "{", "}", R"({"type":"hello","v":1)", R"({"type":"hello","v":1}x)",
          R"({"type":"hello","v":1,})", R"({"type":"hello",/*c*/"v":1})", "[]", R"(["type","hello"])", R"("hello")",
          "null", "42", "true", R"({'type':'hello'})", R"({type:"hello"})", "{\"type\":\"send\",\"text\":\"a\nb\"}"}) {
        const auto e = expect_error(student, json);
        EXPECT_EQ(e.code, errc::invalid_json) << json;
        EXPECT_EQ(e.re, "");
        EXPECT_FALSE(e.message.empty());
    }
}

TEST(DecodeStudent, RejectsInvalidUtf8Anywhere) {
    const std::string frames[] = {
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"\xC3\x28\"}",          // bad continuation
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"\xC0\xAF\"}",          // overlong
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"\xE0\x80\xAF\"}",      // overlong 3-byte
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"\xED\xA0\x80\"}",      // encoded surrogate
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"\xF4\x90\x80\x80\"}",  // above U+10FFFF
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"ok\xFF\"}",
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"\xE2\x82\"}",          // truncated
        "{\"type\":\"send\",\"id\":\"u\",\"t\xC3\x28\":1,\"text\":\"hi\"}",  // in an ignored key
        "{\"type\":\"send\",\"id\":\"u\",\"text\":\"hi\",\"x\":\"\x80\"}",   // in an ignored value
        "\xEF\xBB\xBF\xFF{}",
    };
    for (const auto& frame : frames) {
        const auto e = expect_error(student, frame);
        EXPECT_EQ(e.code, errc::invalid_utf8) << testing::PrintToString(frame);
        EXPECT_EQ(e.re, "");
    }
}

TEST(DecodeStudent, RejectsUnpairedSurrogateEscapes) {
    for (const char* text : {R"("\ud800")", R"("\udc00")", R"("\ud83dx")", R"("\ud83d\u0041")"}) {
        const auto e = expect_error(student, std::string(R"({"type":"send","id":"s","text":)") + text + "}");
        EXPECT_EQ(e.code, errc::invalid_utf8) << text;
    }
    // An escaped backslash followed by "ud800" is just text.
    EXPECT_EQ(
        expect_frame<send>(student, R"({"type":"send","id":"s","text":"\\ud800"})").text.reveal(), "\\ud800"
    );
    EXPECT_EQ(expect_error(student, R"({"type":"send","id":"s","text":"\\ud800)").code, errc::invalid_json);
}

TEST(DecodeStudent, FrameSizeLimit) {
    // Pad an otherwise valid frame with an ignored field to exactly the limit, then one byte over.
    const std::string head = R"({"type":"send","id":"big","text":"hi","pad":")";
    const std::string tail = "\"}";
    const std::string exact = head + std::string(max_frame_bytes - head.size() - tail.size(), 'x') + tail;
    ASSERT_EQ(exact.size(), max_frame_bytes);
    EXPECT_EQ(expect_frame<send>(student, exact).id, "big");

    const std::string over = head + std::string(max_frame_bytes + 1 - head.size() - tail.size(), 'x') + tail;
    ASSERT_EQ(over.size(), max_frame_bytes + 1);
    const auto e = expect_error(student, over);
    EXPECT_EQ(e.code, errc::frame_too_large);
    EXPECT_EQ(e.re, "");  // not parsed, so no id
}

TEST(DecodeStudent, DeepNestingIsRefusedNotRecursed) {
    const std::string deep = R"({"type":"send","id":"d","text":"hi","x":)" + std::string(20000, '[') +
                             std::string(20000, ']') + "}";
    EXPECT_EQ(expect_error(student, deep).code, errc::invalid_json);

    const std::string shallow = R"({"type":"send","id":"d","text":"hi","x":)" + std::string(20, '[') +
                                std::string(20, ']') + "}";
    EXPECT_EQ(expect_frame<send>(student, shallow).id, "d");
}

TEST(DecodeStudent, NestedGarbageInUnknownFieldsIsIgnored) {
    const auto f = expect_frame<send>(
        student,
        R"({"x":{"a":[1,2.5,-3e99,{"b":null,"c":[true,false,"\u00e9"]}]},"type":"send","id":"n",)"
        R"("text":"hi","v":99,"case":"garbage","since":-1,"TEXT":5,"type2":"resume"})"
    );
    EXPECT_EQ(f.id, "n");
    EXPECT_EQ(f.text.reveal(), "hi");
}

TEST(DecodeStudent, DuplicateKeysLastOneWins) {
    // Boost.JSON keeps the last of duplicate keys; pinned here so a Boost upgrade that changes it
    // is noticed.
    const auto f = expect_frame<send>(student, R"({"type":"hello","type":"send","id":"a","id":"b","text":"x"})");
    EXPECT_EQ(f.id, "b");
}

TEST(DecodeStudent, TypeRules) {
    auto e = expect_error(student, R"({"v":1})");
    EXPECT_EQ(e.code, errc::missing_field);
    EXPECT_EQ(e.message, "field 'type' is required");

    e = expect_error(student, R"({"type":null,"id":"t1"})");
    EXPECT_EQ(e.code, errc::missing_field);
    EXPECT_EQ(e.re, "t1");

    e = expect_error(student, R"({"type":7,"id":"t2"})");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_EQ(e.re, "t2");

    for (const char* type : {"bogus", "HELLO", "Hello", "", "auth", "reply", "message", "welcome"}) {
        e = expect_error(student, std::string(R"({"type":")") + type + R"(","id":"t3","v":1})");
        EXPECT_EQ(e.code, errc::unknown_type) << type;
        EXPECT_EQ(e.re, "t3");
    }
}

TEST(DecodeStudent, ReIsTakenFromAnyFrameWithAValidId) {
    // hello has no id of its own, but a client may tag any frame to correlate the error.
    const auto e = expect_error(student, R"({"type":"hello","id":"h-1","v":2})");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_EQ(e.re, "h-1");
}

// Every code the decoder can produce, each with the right "re".
TEST(DecodeStudent, EveryDecoderCodeIsReachable) {
    struct row {
        std::string json;
        errc code;
        const char* re;
    };
    const row rows[] = {
        {"nope", errc::invalid_json, ""},
        {R"({"type":"x","id":"r1"})", errc::unknown_type, "r1"},
        {R"({"type":"send","id":"r2"})", errc::missing_field, "r2"},
        {R"({"type":"send","id":"r3","text":1})", errc::invalid_field, "r3"},
        {std::string(max_frame_bytes + 1, ' '), errc::frame_too_large, ""},
        {"{\"type\":\"send\",\"id\":\"r4\",\"text\":\"\xC3\x28\"}", errc::invalid_utf8, ""},
        {R"({"type":"send","id":"r5","text":")" + std::string(max_text_code_points + 1, 'a') + "\"}",
         errc::text_too_long,
         "r5"},
        {R"({"type":"send","id":"r6","text":"  "})", errc::empty_text, "r6"},
    };
    for (const auto& r : rows) {
        const auto e = expect_error(student, r.json);
        EXPECT_EQ(e.code, r.code) << wire_code(r.code);
        EXPECT_EQ(e.re, r.re) << wire_code(r.code);
        EXPECT_FALSE(e.message.empty());
    }
}

TEST(DecodeStudent, ErrorMessagesNeverRepeatText) {
    const std::string words = "toi muon chet";
    const auto e = expect_error(student, R"({"type":"send","id":"p","text":")" + repeat(words + " ", 400) + "\"}");
    EXPECT_EQ(e.code, errc::text_too_long);
    EXPECT_EQ(e.message.find("muon"), std::string::npos);
}

TEST(DecodeStudent, ValueOnErrorThrowsSystemError) {
    const auto r = decode_student("nope");
    ASSERT_FALSE(r);
    try {
        (void)r.value();
        FAIL() << "value() did not throw";
    } catch (const boost::system::system_error& ex) {
        EXPECT_EQ(ex.code(), make_error_code(errc::invalid_json));
    }
}

TEST(DecodeStudent, FrameTypeNames) {
    EXPECT_EQ(frame_type(student_frame{hello{}}), "hello");
    EXPECT_EQ(frame_type(student_frame{resume{}}), "resume");
    EXPECT_EQ(frame_type(student_frame{send{}}), "send");
}

}  // namespace
}  // namespace tamsu::protocol
