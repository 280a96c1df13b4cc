#include "decode_test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tamsu::protocol {
namespace {

using test::counselor;
using test::expect_error;
using test::expect_frame;
using test::repeat;
using test::student;

TEST(DecodeCounselor, Auth) {
    const auto f = expect_frame<auth>(counselor, R"({"type":"auth","token":"tok.abc-123"})");
    EXPECT_EQ(f.token.reveal(), "tok.abc-123");
}

TEST(DecodeCounselor, AuthTokenRules) {
    EXPECT_EQ(expect_error(counselor, R"({"type":"auth"})").code, errc::missing_field);
    EXPECT_EQ(expect_error(counselor, R"({"type":"auth","token":""})").code, errc::invalid_field);
    EXPECT_EQ(expect_error(counselor, R"({"type":"auth","token":123})").code, errc::invalid_field);
    const std::string longest(max_token_bytes, 't');
    EXPECT_EQ(
        expect_frame<auth>(counselor, R"({"type":"auth","token":")" + longest + "\"}").token.reveal(), longest
    );
    const auto e = expect_error(counselor, R"({"type":"auth","token":")" + longest + "t\"}");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_EQ(e.message.find("ttt"), std::string::npos);  // never echoes the token
}

TEST(DecodeCounselor, Duty) {
    EXPECT_TRUE(expect_frame<duty>(counselor, R"({"type":"duty","on":true})").on);
    EXPECT_FALSE(expect_frame<duty>(counselor, R"({"type":"duty","on":false})").on);
    EXPECT_EQ(expect_error(counselor, R"({"type":"duty"})").code, errc::missing_field);
    for (const char* on : {"1", "0", R"("true")", "[]"}) {
        const auto e = expect_error(counselor, std::string(R"({"type":"duty","on":)") + on + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << on;
        EXPECT_EQ(e.message, "field 'on' must be true or false");
    }
}

TEST(DecodeCounselor, CaseOnlyFramesNormaliseTheCase) {
    EXPECT_EQ(expect_frame<claim>(counselor, R"({"type":"claim","case":"k7m4-qpx2"})").case_code, "K7M4QPX2");
    EXPECT_EQ(expect_frame<release>(counselor, R"({"type":"release","case":"K7M4QPX2"})").case_code, "K7M4QPX2");
    EXPECT_EQ(expect_frame<close>(counselor, R"({"type":"close","case":"K7M4 QPX2"})").case_code, "K7M4QPX2");
    for (const char* type : {"claim", "release", "close"}) {
        auto e = expect_error(counselor, std::string(R"({"type":")") + type + R"("})");
        EXPECT_EQ(e.code, errc::missing_field) << type;
        EXPECT_EQ(e.message, "field 'case' is required");
        e = expect_error(counselor, std::string(R"({"type":")") + type + R"(","case":"K7M4-QPX")" + "}");
        EXPECT_EQ(e.code, errc::invalid_field) << type;
        e = expect_error(counselor, std::string(R"({"type":")") + type + R"(","case":["K7M4-QPX2"]})");
        EXPECT_EQ(e.code, errc::invalid_field) << type;
    }
}

TEST(DecodeCounselor, Reply) {
    const auto f = expect_frame<reply>(counselor, R"({"type":"reply","id":"r-1","case":"K7M4-QPX2","text":"Cô ở đây."})");
    EXPECT_EQ(f.id, "r-1");
    EXPECT_EQ(f.case_code, "K7M4QPX2");
    EXPECT_EQ(f.text.reveal(), "Cô ở đây.");
}

TEST(DecodeCounselor, ReplyErrorsCarryTheId) {
    auto e = expect_error(counselor, R"({"type":"reply","id":"r-2","text":"hi"})");
    EXPECT_EQ(e.code, errc::missing_field);
    EXPECT_EQ(e.re, "r-2");
    e = expect_error(counselor, R"({"type":"reply","id":"r-3","case":"K7M4-QPX2","text":"\t"})");
    EXPECT_EQ(e.code, errc::empty_text);
    EXPECT_EQ(e.re, "r-3");
    e = expect_error(
        counselor, R"({"type":"reply","id":"r-4","case":"K7M4-QPX2","text":")" + std::string(4001, 'x') + "\"}"
    );
    EXPECT_EQ(e.code, errc::text_too_long);
    EXPECT_EQ(e.re, "r-4");
    e = expect_error(counselor, R"({"type":"reply","case":"K7M4-QPX2","text":"hi"})");
    EXPECT_EQ(e.code, errc::missing_field);
    EXPECT_EQ(e.re, "");
}

TEST(DecodeCounselor, EscalateReasonIsOptional) {
    auto f = expect_frame<escalate>(counselor, R"({"type":"escalate","case":"K7M4-QPX2"})");
    EXPECT_EQ(f.case_code, "K7M4QPX2");
    EXPECT_TRUE(f.reason.empty());
    f = expect_frame<escalate>(counselor, R"({"type":"escalate","case":"K7M4-QPX2","reason":null})");
    EXPECT_TRUE(f.reason.empty());
    f = expect_frame<escalate>(counselor, R"({"type":"escalate","case":"K7M4-QPX2","reason":"nguy cơ tự hại"})");
    EXPECT_EQ(f.reason.reveal(), "nguy cơ tự hại");
}

TEST(DecodeCounselor, EscalateReasonLimit) {
    const std::string max_reason = repeat("ơ", max_reason_code_points);
    EXPECT_EQ(
        expect_frame<escalate>(counselor, R"({"type":"escalate","case":"K7M4-QPX2","reason":")" + max_reason + "\"}")
            .reason.reveal(),
        max_reason
    );
    const auto e =
        expect_error(counselor, R"({"type":"escalate","case":"K7M4-QPX2","reason":")" + max_reason + "!\"}");
    EXPECT_EQ(e.code, errc::text_too_long);
    EXPECT_NE(e.message.find("'reason'"), std::string::npos);
    EXPECT_EQ(expect_error(counselor, R"({"type":"escalate","case":"K7M4-QPX2","reason":5})").code, errc::invalid_field);
}

TEST(DecodeCounselor, TakeNextHasNoFields) {
    (void)expect_frame<take_next>(counselor, R"({"type":"take_next"})");
    (void)expect_frame<take_next>(counselor, R"({"type":"take_next","case":"junk","id":"??"})");
}

TEST(DecodeCounselor, Note) {
    const auto f = expect_frame<note>(counselor, R"({"type":"note","id":"n1","case":"K7M4-QPX2","text":"gọi lại sau"})");
    EXPECT_EQ(f.id, "n1");
    EXPECT_EQ(f.case_code, "K7M4QPX2");
    EXPECT_EQ(f.text.reveal(), "gọi lại sau");
    const auto e = expect_error(counselor, R"({"type":"note","id":"n2","case":"K7M4-QPX2","text":""})");
    EXPECT_EQ(e.code, errc::empty_text);
    EXPECT_EQ(e.re, "n2");
}

TEST(DecodeCounselor, SetLevel) {
    for (const auto& [name, level] : {
             std::pair{"low", urgency::low},
             std::pair{"normal", urgency::normal},
             std::pair{"high", urgency::high},
             std::pair{"critical", urgency::critical},
         }) {
        const auto f = expect_frame<set_level>(
            counselor, std::string(R"({"type":"set_level","case":"K7M4-QPX2","level":")") + name + R"("})"
        );
        EXPECT_EQ(f.level, level);
        EXPECT_EQ(f.case_code, "K7M4QPX2");
        EXPECT_TRUE(f.reason.empty());
    }
    const auto f =
        expect_frame<set_level>(counselor, R"({"type":"set_level","case":"K7M4-QPX2","level":"high","reason":"x"})");
    EXPECT_EQ(f.reason.reveal(), "x");
}

TEST(DecodeCounselor, SetLevelRejectsUnknownLevels) {
    EXPECT_EQ(expect_error(counselor, R"({"type":"set_level","case":"K7M4-QPX2"})").code, errc::missing_field);
    for (const char* level : {R"("urgent")", R"("CRITICAL")", R"("")", "3", "null"}) {
        const auto e =
            expect_error(counselor, std::string(R"({"type":"set_level","case":"K7M4-QPX2","level":)") + level + "}");
        EXPECT_EQ(e.code, std::string(level) == "null" ? errc::missing_field : errc::invalid_field) << level;
    }
    const auto e = expect_error(
        counselor,
        R"({"type":"set_level","case":"K7M4-QPX2","level":"low","reason":")" + std::string(1001, 'r') + "\"}"
    );
    EXPECT_EQ(e.code, errc::text_too_long);
}

TEST(DecodeCounselor, Transfer) {
    const auto f = expect_frame<transfer>(counselor, R"({"type":"transfer","case":"K7M4-QPX2","to":"co.lan"})");
    EXPECT_EQ(f.case_code, "K7M4QPX2");
    EXPECT_EQ(f.to, "co.lan");
    EXPECT_EQ(expect_error(counselor, R"({"type":"transfer","case":"K7M4-QPX2"})").code, errc::missing_field);
    EXPECT_EQ(expect_error(counselor, R"({"type":"transfer","case":"K7M4-QPX2","to":""})").code, errc::invalid_field);
    EXPECT_EQ(
        expect_error(counselor, R"({"type":"transfer","case":"K7M4-QPX2","to":"a\nb"})").code, errc::invalid_field
    );
    EXPECT_EQ(
        expect_error(counselor, R"({"type":"transfer","case":"K7M4-QPX2","to":")" + std::string(65, 'a') + "\"}").code,
        errc::invalid_field
    );
}

TEST(DecodeCounselor, FieldsAreCheckedInOrder) {
    // Both case and text are wrong: the case, listed first, is reported.
    const auto e = expect_error(counselor, R"({"type":"reply","id":"o","case":"bad","text":""})");
    EXPECT_EQ(e.code, errc::invalid_field);
    EXPECT_NE(e.message.find("'case'"), std::string::npos);
}

TEST(DecodeCounselor, EndpointsDoNotShareFrames) {
    for (const char* type : {"hello", "resume", "send", "bogus"}) {
        const auto e = expect_error(counselor, std::string(R"({"type":")") + type + R"(","id":"x","v":1})");
        EXPECT_EQ(e.code, errc::unknown_type) << type;
        EXPECT_EQ(e.re, "x");
    }
    for (const char* type : {"auth", "duty", "claim", "reply", "escalate", "release", "close", "take_next", "note",
                             "set_level", "transfer"}) {
        EXPECT_EQ(expect_error(student, std::string(R"({"type":")") + type + R"("})").code, errc::unknown_type)
            << type;
    }
}

TEST(DecodeCounselor, EnvelopeChecksApply) {
    EXPECT_EQ(expect_error(counselor, "[1]").code, errc::invalid_json);
    EXPECT_EQ(expect_error(counselor, "{\"type\":\"auth\",\"token\":\"\xED\xA0\x80\"}").code, errc::invalid_utf8);
    EXPECT_EQ(expect_error(counselor, std::string(max_frame_bytes + 1, 'x')).code, errc::frame_too_large);
    EXPECT_EQ(expect_error(counselor, R"({"id":"q"})").code, errc::missing_field);
}

TEST(DecodeCounselor, UnknownFieldsAreIgnored) {
    const auto f = expect_frame<claim>(
        counselor, R"({"type":"claim","case":"K7M4-QPX2","priority":[1,{"x":null}],"note":"ignored","on":"?"})"
    );
    EXPECT_EQ(f.case_code, "K7M4QPX2");
}

TEST(DecodeCounselor, FrameTypeNames) {
    EXPECT_EQ(frame_type(counselor_frame{auth{}}), "auth");
    EXPECT_EQ(frame_type(counselor_frame{duty{}}), "duty");
    EXPECT_EQ(frame_type(counselor_frame{claim{}}), "claim");
    EXPECT_EQ(frame_type(counselor_frame{reply{}}), "reply");
    EXPECT_EQ(frame_type(counselor_frame{escalate{}}), "escalate");
    EXPECT_EQ(frame_type(counselor_frame{release{}}), "release");
    EXPECT_EQ(frame_type(counselor_frame{close{}}), "close");
    EXPECT_EQ(frame_type(counselor_frame{take_next{}}), "take_next");
    EXPECT_EQ(frame_type(counselor_frame{note{}}), "note");
    EXPECT_EQ(frame_type(counselor_frame{set_level{}}), "set_level");
    EXPECT_EQ(frame_type(counselor_frame{transfer{}}), "transfer");
}

}  // namespace
}  // namespace tamsu::protocol
