// `tamsu triage` body (contract §1): one JSON line per input line, bounded memory, fail upward.
#include "server/triage/triage.hpp"
#include "tests/unit/triage/fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sstream>

namespace tamsu::triage {
namespace {

std::vector<boost::json::object> run(const std::string& input, bool explain) {
    std::istringstream in(input);
    std::ostringstream out, err;
    EXPECT_EQ(run_cli(in, out, err, test::shared_engine(), explain), 0);
    std::vector<boost::json::object> lines;
    std::istringstream res(out.str());
    std::string l;
    while (std::getline(res, l)) lines.push_back(boost::json::parse(l).as_object());
    return lines;
}

TEST(TriageCli, OneObjectPerLineInTheContractShape) {
    const auto out = run("em muốn tự tử\nxin chào\n\nthis exam is killing me", false);
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].at("level").as_string(), "critical");
    EXPECT_TRUE(out[0].at("score").is_int64());
    EXPECT_EQ(out[0].at("categories").as_array().at(0).as_string(), "suicide_self_harm");
    EXPECT_EQ(out[1].at("level").as_string(), "low");
    EXPECT_EQ(out[2].at("level").as_string(), "low");
    EXPECT_EQ(out[3].at("level").as_string(), "normal");
    EXPECT_FALSE(out[0].contains("matches"));
}

TEST(TriageCli, ExplainAddsMatchesAndRules) {
    const auto out = run("tớ chán sống, tối nay sẽ làm\r\n", true);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].at("matches").as_array().empty());
    EXPECT_EQ(out[0].at("matches").as_array()[0].as_object().at("term").as_string(), "chán sống");
    EXPECT_FALSE(out[0].at("rules").as_array().empty());
}

TEST(TriageCli, InvalidUtf8LineIsHighAndTheStreamGoesOn) {
    const auto out = run("ok\n\xff\xfe\nhello\n", true);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[1].at("level").as_string(), "high");
    EXPECT_EQ(out[2].at("level").as_string(), "low");
}

TEST(TriageCli, HugeLineIsChunkedAndTheRiskAtTheEndIsFound) {
    std::string line;
    while (line.size() < 3'000'000) line += "đi học bình thường, ăn cơm, ngủ. ";
    line += "tối nay em sẽ tự tử\nhello\n";
    const auto out = run(line, false);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].at("level").as_string(), "critical");
}

TEST(TriageCli, PhraseAcrossAChunkBorderIsStillSeen) {
    std::string line(256 * 1024 - 8, 'a');  // pushes the phrase over the first chunk limit
    line += " i want to kill myself\n";
    const auto out = run(line, false);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].at("level").as_string(), "critical");
}

}  // namespace
}  // namespace tamsu::triage
