// contract §3, student endpoint: hello/welcome, send/ack, idempotent retries, resume, wrong
// secrets, and every kind of bad input. Each test has its own server and data dir.

#include "support/clients.hpp"
#include "support/fixture.hpp"
#include "support/frames.hpp"
#include "support/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace tamsu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// Seq numbers count the messages of both sides (contract §3), and the server may add one of its
// own at any time (contract §5: a `system` message when nobody is on duty). So tests check that a
// student's acks increase and that the replay holds the student's texts in order; the tests that
// pin exact numbers first put a counselor on duty, which keeps the system message away.
class StudentTest : public server_test {
protected:
    void keep_someone_on_duty() {
        on_duty_ = std::make_unique<counselor_client>(port(), make_user_token("duty"));
        on_duty_->duty_on();
    }

    std::unique_ptr<counselor_client> on_duty_;
};

// Crockford base32: digits and letters without I, L, O, U.
const std::regex case_code_re("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$");
const std::regex secret_re("^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$");

// After a resume's welcome: reads the replayed message frames, which must be seq since+1 .. last
// in order (other frames are kept in ws.seen()).
std::vector<json::object> read_replay(ws_client& ws, std::int64_t since, std::int64_t last) {
    std::vector<json::object> out;
    for (auto seq = since + 1; seq <= last; ++seq) {
        out.push_back(ws.read_until_type("message"));
        EXPECT_EQ(get_int(out.back(), "seq"), seq) << to_json(out.back());
    }
    return out;
}

// The texts of the student's own messages among `messages`, in order.
std::vector<std::string> student_texts(const std::vector<json::object>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) {
        if (get_string(m, "from") == "student") {
            out.push_back(get_string(m, "text"));
        }
    }
    return out;
}

TEST_F(StudentTest, HelloGetsWelcomeWithNewCase) {
    student_client s(port());
    auto welcome = s.hello();
    EXPECT_EQ(get_int(welcome, "v"), 1) << to_json(welcome);
    EXPECT_EQ(get_int(welcome, "seq"), 0) << to_json(welcome);
    EXPECT_TRUE(std::regex_match(s.case_code, case_code_re)) << s.case_code;
    // 16 Crockford characters carry 80 bits: more than the contract's 60.
    EXPECT_TRUE(std::regex_match(s.secret, secret_re)) << s.secret;
}

TEST_F(StudentTest, EachHelloGetsADifferentCaseAndSecret) {
    student_client a(port());
    student_client b(port());
    a.hello();
    b.hello();
    EXPECT_NE(a.case_code, b.case_code);
    EXPECT_NE(a.secret, b.secret);
}

TEST_F(StudentTest, SendIsAckedWithIncreasingSeq) {
    student_client s(port());
    s.hello();
    auto first = s.send("m1", "Em chào thầy cô, em muốn hỏi một chuyện");
    EXPECT_EQ(first, 1);
    auto second = s.send("m2", "second message");
    EXPECT_GT(second, first);
    EXPECT_GT(s.send("m3", "third message"), second);
}

TEST_F(StudentTest, SendIsAckedWithSeq123WhileSomeoneIsOnDuty) {
    keep_someone_on_duty();
    student_client s(port());
    s.hello();
    EXPECT_EQ(s.send("m1", "Em chào thầy cô, em muốn hỏi một chuyện"), 1);
    EXPECT_EQ(s.send("m2", "second message"), 2);
    EXPECT_EQ(s.send("m3", "third message"), 3);
}

TEST_F(StudentTest, SendBeforeHelloIsInvalidState) {
    student_client s(port());
    s.ws.send_json({{"type", "send"}, {"id", "early"}, {"text", "hi"}});
    auto answer = s.ws.read_frame();
    EXPECT_NO_THROW(expect_error(answer, "invalid_state")) << to_json(answer);
    // A non-closing error: the same connection can still say hello.
    EXPECT_NO_THROW(s.hello());
}

TEST_F(StudentTest, SameIdTwiceGetsSameAckAndStoresOnce) {
    student_client s(port());
    s.hello();
    auto first = s.send("dup-1", "only once please");
    EXPECT_EQ(s.send("dup-1", "only once please"), first);
    EXPECT_GT(s.send("next-2", "the next one"), first);

    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    auto messages = read_replay(r.ws, 0, get_int(welcome, "seq"));
    EXPECT_EQ(student_texts(messages), (std::vector<std::string>{"only once please", "the next one"}));
    EXPECT_EQ(count_type(drain(r.ws), "message"), 0u) << "more messages than the welcome's seq";
}

TEST_F(StudentTest, RetryOnNewConnectionGetsSameAck) {
    std::string code;
    std::string secret;
    std::int64_t first = 0;
    {
        student_client s(port());
        s.hello();
        first = s.send("retry-1", "sent before the connection was lost");
        code = s.case_code;
        secret = s.secret;
        s.ws.drop();  // the ack "was lost": the client retries on a new connection
    }
    student_client again(port());
    auto welcome = again.resume(code, secret, first);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_EQ(again.send("retry-1", "sent before the connection was lost"), first);
    EXPECT_GT(again.send("retry-2", "and a new one"), first);
}

TEST_F(StudentTest, ResumeSinceZeroReplaysAll) {
    student_client s(port());
    s.hello();
    const std::vector<std::string> texts{"một", "two 🙂", "three"};
    std::int64_t last_ack = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        auto seq = s.send("id-" + std::to_string(i), texts[i]);
        EXPECT_GT(seq, last_ack);
        last_ack = seq;
    }
    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_EQ(get_int(welcome, "v"), 1);
    EXPECT_EQ(normalize_code(get_string(welcome, "case")), normalize_code(s.case_code));
    EXPECT_GE(get_int(welcome, "seq"), last_ack);
    // contract: the secret is shown once, at hello.
    EXPECT_FALSE(welcome.contains("secret")) << to_json(welcome);
    auto messages = read_replay(r.ws, 0, get_int(welcome, "seq"));
    EXPECT_EQ(student_texts(messages), texts);
    for (const auto& m : messages) {
        EXPECT_TRUE(std::regex_match(get_string(m, "from"), std::regex("^(student|system)$"))) << to_json(m);
        EXPECT_FALSE(get_string(m, "at").empty());
    }
}

TEST_F(StudentTest, ResumeSinceNReplaysTheRest) {
    student_client s(port());
    s.hello();
    std::vector<std::int64_t> acks;
    for (int i = 1; i <= 5; ++i) {
        acks.push_back(s.send("n" + std::to_string(i), "message " + std::to_string(i)));
    }
    student_client r(port());
    const auto since = acks[1];
    auto welcome = r.resume(s.case_code, s.secret, since);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_GE(get_int(welcome, "seq"), acks.back());
    auto messages = read_replay(r.ws, since, get_int(welcome, "seq"));
    EXPECT_EQ(student_texts(messages), (std::vector<std::string>{"message 3", "message 4", "message 5"}));
    EXPECT_EQ(count_type(drain(r.ws), "message"), 0u);
    // A resumed connection can send: the next seq follows.
    EXPECT_GT(r.send("n6", "message 6"), get_int(welcome, "seq"));
}

TEST_F(StudentTest, ResumeSinceLastSeqReplaysNothing) {
    keep_someone_on_duty();
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("a", "one"), 1);
    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 1);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_EQ(get_int(welcome, "seq"), 1);
    EXPECT_EQ(count_type(drain(r.ws), "message"), 0u);
}

TEST_F(StudentTest, ResumeAcceptsCodesWithoutDashesInAnyCase) {
    student_client s(port());
    s.hello();
    auto seq = s.send("a", "one");
    auto lower = [](std::string v) {
        std::string out;
        for (char c : v) {
            if (c != '-') {
                out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
            }
        }
        return out;
    };
    student_client r(port());
    auto welcome = r.resume(lower(s.case_code), lower(s.secret), 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_GE(get_int(welcome, "seq"), seq);
}

TEST_F(StudentTest, SameIdOnTwoConnectionsAtOnceIsStoredOnce) {
    student_client s(port());
    s.hello();
    auto first = s.send("m1", "first");
    student_client other(port());
    ASSERT_EQ(type_of(other.resume(s.case_code, s.secret, first)), "welcome");
    // The same retry on both connections, both on the wire before either ack is read.
    s.ws.send_json({{"type", "send"}, {"id", "race"}, {"text", "sent twice at once"}});
    other.ws.send_json({{"type", "send"}, {"id", "race"}, {"text", "sent twice at once"}});
    auto a = s.ws.read_until_type("ack");
    auto b = other.ws.read_until_type("ack");
    EXPECT_EQ(get_int(a, "seq"), get_int(b, "seq")) << to_json(a) << " / " << to_json(b);

    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    auto texts = student_texts(read_replay(r.ws, 0, get_int(welcome, "seq")));
    EXPECT_EQ(texts, (std::vector<std::string>{"first", "sent twice at once"}));
}

TEST_F(StudentTest, SecondHelloOnOneConnectionIsRefused) {
    student_client s(port());
    s.hello();
    s.ws.send_json({{"type", "hello"}, {"v", 1}});
    auto answer = s.ws.read_frame();
    // A connection speaks for one case; a second hello must not silently switch it.
    EXPECT_EQ(type_of(answer), "error") << to_json(answer);
}

TEST_F(StudentTest, WrongSecretIsUnauthorizedAndCloses) {
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("a", "one"), 1);
    // Same shape as a real secret, one character different.
    std::string wrong = s.secret;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    student_client r(port());
    auto answer = r.resume(s.case_code, wrong, 0);
    EXPECT_NO_THROW(expect_error(answer, "unauthorized")) << to_json(answer);
    EXPECT_GT(r.ws.expect_closed(5s), 0);
    EXPECT_TRUE(r.ws.seen_of_type("message").empty()) << "messages leaked to a wrong secret";
}

TEST_F(StudentTest, UnknownCaseIsUnauthorizedAndCloses) {
    student_client r(port());
    auto answer = r.resume("ZZZZ-ZZZZ", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", 0);
    // contract: the same answer as a wrong secret, so codes cannot be probed.
    EXPECT_NO_THROW(expect_error(answer, "unauthorized")) << to_json(answer);
    EXPECT_GT(r.ws.expect_closed(5s), 0);
}

TEST_F(StudentTest, RepeatedWrongSecretsAreLimitedAndServerStillAnswers) {
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("a", "one"), 1);
    std::string wrong = s.secret;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    std::multiset<std::string> codes;
    for (int i = 0; i < 40; ++i) {
        student_client r(port());
        auto answer = r.resume(s.case_code, wrong, 0);
        std::string code;
        EXPECT_NO_THROW(code = expect_error(answer, "unauthorized|rate_limited")) << to_json(answer);
        codes.insert(code);
        ASSERT_FALSE(::testing::Test::HasFailure());
    }
    // contract §3: "repeated failures are rate limited". How soon is the server's choice, but 40
    // guesses in a row on one case must hit the limit.
    EXPECT_GT(codes.count("rate_limited"), 0u) << "40 wrong secrets, never rate_limited";
    // The server keeps serving everybody else.
    student_client other(port());
    EXPECT_NO_THROW(other.hello());
    EXPECT_NO_THROW(other.send("x", "still here"));
    EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

struct bad_frame {
    const char* name;
    std::string frame;
    const char* codes;     // accepted error codes, '|'-separated
    const char* re;        // expected "re", or nullptr if not checked
};

std::string long_text(std::size_t code_points, const std::string& unit) {
    std::string out;
    out.reserve(code_points * unit.size());
    for (std::size_t i = 0; i < code_points; ++i) {
        out += unit;
    }
    return out;
}

// Every bad frame gets an error with the right code and leaves the connection usable: after each
// one, a good send is acked with the next seq.
TEST_F(StudentTest, BadFramesGetErrorsAndConnectionStaysUsable) {
    const std::vector<bad_frame> table{
        {"not JSON", "this is not json", "invalid_json", nullptr},
        {"truncated JSON", R"({"type":"send","id":"t1","text":"hi")", "invalid_json", nullptr},
        {"JSON array", R"([1,2,3])", "invalid_json", nullptr},
        {"JSON string", R"("hello")", "invalid_json", nullptr},
        {"unknown type", R"({"type":"fly","id":"u1"})", "unknown_type", nullptr},
        {"no type", R"({"id":"u2","text":"hi"})", "missing_field", nullptr},
        {"type not a string", R"({"type":5})", "invalid_field|unknown_type", nullptr},
        {"send without text", R"({"type":"send","id":"b1"})", "missing_field", "b1"},
        {"send without id", R"({"type":"send","text":"hi"})", "missing_field", nullptr},
        {"text is a number", R"({"type":"send","id":"b2","text":5})", "invalid_field", "b2"},
        {"text is an object", R"({"type":"send","id":"b3","text":{"a":1}})", "invalid_field", "b3"},
        {"text is null", R"({"type":"send","id":"b4","text":null})", "missing_field|invalid_field", "b4"},
        {"id is a number", R"({"type":"send","id":7,"text":"hi"})", "invalid_field", nullptr},
        {"empty text", R"({"type":"send","id":"b5","text":""})", "empty_text", "b5"},
        {"lone surrogate escape", R"({"type":"send","id":"b6","text":"\udc00"})",
         "invalid_json|invalid_utf8|invalid_field", nullptr},
        {"4001 code points",
         json::serialize(json::object{{"type", "send"}, {"id", "b7"}, {"text", long_text(4001, "ă")}}),
         "text_too_long", "b7"},
        {"4001 ASCII characters",
         json::serialize(json::object{{"type", "send"}, {"id", "b8"}, {"text", long_text(4001, "a")}}),
         "text_too_long", "b8"},
    };
    student_client s(port());
    s.hello();
    std::int64_t seq = 0;
    std::int64_t acks = 0;
    int index = 0;
    for (const auto& bad : table) {
        SCOPED_TRACE(bad.name);
        s.ws.send_text(bad.frame);
        json::object answer;
        // The server may push a frame of its own at any moment (the out-of-hours `message` is stored
        // right after the first send): the answer is the next frame that is not a pushed message.
        do {
            ASSERT_NO_THROW(answer = s.ws.read_frame()) << "no answer to: " << bad.frame.substr(0, 200);
        } while (answer.contains("type") && answer.at("type") == "message");
        EXPECT_NO_THROW(expect_error(answer, bad.codes)) << "sent: " << bad.frame.substr(0, 200);
        if (bad.re != nullptr) {
            EXPECT_TRUE(answer.contains("re") && answer.at("re").is_string() && answer.at("re").get_string() == bad.re)
                << to_json(answer);
        }
        EXPECT_TRUE(answer.contains("message") && answer.at("message").is_string()) << to_json(answer);
        std::int64_t next = 0;
        ASSERT_NO_THROW(next = s.send("good-" + std::to_string(index++), "ok")) << "connection unusable after: " << bad.name;
        EXPECT_GT(next, seq);
        seq = next;
        ++acks;
    }
    // Nothing bad was stored: the replay holds exactly the good sends.
    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    auto stored = student_texts(read_replay(r.ws, 0, get_int(welcome, "seq")));
    EXPECT_EQ(stored, std::vector<std::string>(static_cast<std::size_t>(acks), "ok"));
}

TEST_F(StudentTest, TextOfExactly4000CodePointsIsAccepted) {
    student_client s(port());
    s.hello();
    // 4000 four-byte characters: 16000 bytes, the largest text the contract allows.
    auto first = s.send("max", long_text(4000, "😢"));
    EXPECT_GT(s.send("max-ascii", long_text(4000, "a")), first);
}

TEST_F(StudentTest, HugeOrNegativeSinceIsRejected) {
    student_client s(port());
    s.hello();
    ASSERT_GE(s.send("a", "one"), 1);
    const std::vector<std::string> sinces{"-1", "1.5", "\"3\"", "1e300", "18446744073709551616",
                                          "99999999999999999999999999"};
    student_client r(port());
    for (const auto& since : sinces) {
        SCOPED_TRACE("since=" + since);
        std::string frame = R"({"type":"resume","v":1,"case":")" + s.case_code + R"(","secret":")" + s.secret +
                            R"(","since":)" + since + "}";
        r.ws.send_text(frame);
        json::object answer;
        ASSERT_NO_THROW(answer = r.ws.read_frame());
        EXPECT_NO_THROW(expect_error(answer, "invalid_field|invalid_json|missing_field")) << to_json(answer);
    }
    // Still usable: a correct resume works on the same connection.
    auto welcome = r.resume(s.case_code, s.secret, 0);
    EXPECT_EQ(type_of(welcome), "welcome") << to_json(welcome);
}

// Raw bytes C0 AF (an overlong '/') inside a text frame. RFC 6455 §8.1 says fail the connection with
// 1007; contract §3 has the invalid_utf8 code for it. Either is accepted; storing it is not.
TEST_F(StudentTest, InvalidUtf8ClosesWith1007OrGetsAnError) {
    student_client s(port());
    s.hello();
    s.ws.send_text(std::string("{\"type\":\"send\",\"id\":\"u1\",\"text\":\"\xc0\xaf\"}"));
    int close_code = 0;
    std::optional<json::object> frame;
    try {
        frame = s.ws.try_read_frame(5s);
    } catch (const ws_error&) {
        close_code = s.ws.expect_closed(1s);
    }
    if (frame.has_value()) {
        EXPECT_NO_THROW(expect_error(*frame, "invalid_utf8")) << to_json(*frame);
    } else {
        EXPECT_EQ(close_code, 1007);
    }
    // Nothing was stored: a fresh resume sees seq 0.
    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_EQ(get_int(welcome, "seq"), 0);
}

TEST_F(StudentTest, FrameOver64KiBClosesWith1009) {
    student_client s(port());
    s.hello();
    std::string frame = json::serialize(json::object{{"type", "send"}, {"id", "big"}, {"text", long_text(70 * 1024, "a")}});
    auto write_ec = s.ws.try_send_text(frame);  // the server may close while we are still writing
    EXPECT_EQ(s.ws.expect_closed(10s), 1009) << "write: " << write_ec.message() << "; close: " << s.ws.close_reason();
    // Only that connection is gone.
    student_client other(port());
    EXPECT_NO_THROW(other.hello());
}

TEST_F(StudentTest, BinaryFrameIsRefused) {
    student_client s(port());
    s.hello();
    (void)s.ws.try_send_binary(R"({"type":"send","id":"bin","text":"hi"})");
    // Either an error frame or a close; never an ack.
    try {
        auto frame = s.ws.read_frame(5s);
        EXPECT_EQ(type_of(frame), "error") << to_json(frame);
    } catch (const ws_error&) {
        SUCCEED();
    }
}

TEST_F(StudentTest, UnknownFieldsAreIgnored) {
    student_client s(port());
    s.hello(json::object{{"colour", "blue"}, {"lang", "vi"}});
    s.ws.send_json({{"type", "send"}, {"id", "x1"}, {"text", "hi"}, {"mood", 3}});
    auto ack = s.ws.read_until_type("ack");
    EXPECT_EQ(get_int(ack, "seq"), 1);
}

}  // namespace
}  // namespace tamsu::test
