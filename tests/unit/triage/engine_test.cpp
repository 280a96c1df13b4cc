// Decision rules: the unit-test table of triage-lexicon §3.4, each combination rule of §3.2.4 and
// every modifier of §3.3, in the three languages.
#include "server/triage/triage.hpp"
#include "tests/unit/triage/fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace tamsu::triage {
namespace {

using test::level_of;
using test::shared_engine;

using test::example;
using test::expect_all;

TEST(TriageSpecTable, EveryExampleOfSection34) {
    expect_all({
        {"tớ chán sống lắm rồi", level::high},
        {"tớ chán sống, tối nay sẽ làm", level::critical},
        {"mệt muốn chết vì học thêm", level::normal},
        {"chết cười với meme này", level::low},
        {"tớ làm gì có ý định tự sát, chỉ hơi mệt thôi", level::normal},
        {"sống không nổi nữa, đã gom đủ thuốc hạ sốt", level::critical},
        {"hồi lớp 7 tớ từng tự tử", level::high},
        {"i won't act on it, but dying is all i think about lately", level::high},
        {"lol kms this quiz", level::normal},
        {"i'm serious, i'm going to kms tonight", level::critical},
        {"my friend says she will jump off the bridge tonight", level::critical},
        {"a guy in my class wrote 'kys' on my desk", level::high},
        {"we're making a presentation about suicide statistics", level::low},
        {"我不会做傻事的，只是心情不好", level::normal},
        {"💊 vĩnh biệt", level::critical},
        {"cutting class tomorrow lol", level::low},
    });
}

TEST(TriageCombination, IdeationWithMeansPlanOrCapabilityIsCritical) {
    expect_all({
        {"i want to die, i have the pills", level::critical},
        {"i want to die tonight", level::critical},
        {"i want to die and i'm not afraid anymore", level::critical},
        {"em muốn chết, có thuốc ngủ đây rồi", level::critical},
        {"我不想活了，今晚", level::critical},
    });
}

TEST(TriageCombination, IdeationAloneIsHigh) {
    expect_all({
        {"i wish i was dead", level::high},
        {"em không muốn sống nữa", level::high},
        {"活着没意思", level::high},
    });
}

TEST(TriageCombination, MeansPlusPlanIsCritical) {
    expect_all({{"bought a rope, tonight", level::critical}, {"sleeping pills, goodbye everyone", level::critical}});
}

TEST(TriageCombination, MeansAloneIsNotCritical) {
    EXPECT_LT(level_of("the pharmacy sells sleeping pills"), level::critical);
}

TEST(TriageCombination, AbuseWithPresentDangerIsCritical) {
    expect_all({
        {"bố đang đánh mẹ bằng gậy", level::critical},
        {"my dad is hitting me right now", level::critical},
        {"he grabbed a knife and is hitting my mom", level::critical},
        {"chú lại sờ vào người em, đêm nào cũng vậy", level::critical},
    });
}

TEST(TriageCombination, AbuseHabitWithoutDangerNowIsHigh) {
    expect_all({{"my dad hits me when he's drunk", level::high}, {"我爸经常打我", level::high}});
}

TEST(TriageModifier, HyperboleIdiomsDoNotEscalate) {
    expect_all({
        {"this exam is killing me", level::normal},
        {"笑死我了", level::low},
        {"đói muốn chết luôn", level::normal},
        {"im dead 💀", level::low},
    });
}

TEST(TriageModifier, IntensifierAndPlanCancelHyperbole) {
    EXPECT_EQ(level_of("not joking, kms tonight, i have the pills"), level::critical);
}

TEST(TriageModifier, PseudoNegationIsRisk) {
    expect_all({{"i don't want to live anymore", level::high}, {"不想活了", level::high}, {"không muốn sống", level::high}});
}

TEST(TriageModifier, BareDenialStaysHigh) {
    EXPECT_EQ(level_of("i'm not going to kill myself"), level::high);
}

TEST(TriageModifier, DenialWithOrdinaryTopicIsNormal) {
    EXPECT_EQ(level_of("not suicidal or anything, just stressed about exams"), level::normal);
}

TEST(TriageModifier, DenialOverriddenByPlan) {
    EXPECT_EQ(level_of("i'm not going to kill myself, i'll just take all the pills tonight"), level::critical);
}

TEST(TriageModifier, PastAttemptIsHighButRecurrenceIsCritical) {
    EXPECT_EQ(level_of("i tried to kill myself last year"), level::high);
    EXPECT_EQ(level_of("i tried to kill myself last year and i'm going to try again tonight"), level::critical);
}

TEST(TriageModifier, FramesZeroQuotedOrFictionalRisk) {
    expect_all({
        {"what song has the lyrics i want to die", level::low},
        {"bài hát này có câu muốn chết đi cho xong", level::low},
    });
}

TEST(TriageModifier, HomeworkFrameDoesNotHideAFirstPersonStatement) {
    EXPECT_EQ(level_of("i want to kill myself because of this project"), level::critical);
}

TEST(TriageModifier, ThirdPartyKeepsTheLevelAndSetsTheFlag) {
    const auto a = shared_engine().assess("bạn em nói tối nay sẽ nhảy lầu");
    EXPECT_EQ(a.lvl, level::critical);
    EXPECT_TRUE(a.third_party);
}

TEST(TriageModifier, DirectedInsultIsBullyingNotIdeation) {
    const auto a = shared_engine().assess("tụi nó nhắn bảo em đi chết đi");
    EXPECT_EQ(a.lvl, level::high);
    ASSERT_FALSE(a.categories.empty());
    EXPECT_EQ(a.categories.front(), "bullying");
}

TEST(TriageNormalisation, DiacriticsTeencodeTelexLeetAndRepeatsAllMatch) {
    expect_all({
        {"e muon tu tu", level::critical},
        {"em muoons tuwj tuwr", level::critical},
        {"i w4nt to k!ll mys3lf", level::critical},
        {"e muon chetttt, toi nay e se uong thuoc chuot", level::critical},
        {"s-u-i-c-i-d-e plan tonight", level::critical},
        {"ｉ　ｗａｎｔ　ｔｏ　ｋｉｌｌ　ｍｙｓｅｌｆ", level::critical},
        {"我想自殺", level::critical},
        {"t\u200bự tử", level::critical},
        {"te\xcc\x82\xcc\x81t", level::low},  // NFD input is composed, not rejected
    });
}

TEST(TriageNormalisation, StrippedCollisionsNeedContext) {
    expect_all({
        {"em cứ từ từ mà làm", level::low},
        {"em cu tu tu ma lam", level::low},
        {"cả lớp treo cờ tổ quốc", level::low},
        {"em muon tu tu", level::critical},
    });
    // A time word is no context for a collision ("wait, i'll call back in a bit"); a wish still is.
    expect_all(
        {
            {"tu tu da, ti nua e goi lai nha", level::low},
            {"dien thoai nhay lau qua, mai e mang di sua", level::low},
            {"e muon tu tu toi nay", level::critical},
            {"mai e se nhay lau", level::critical},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageNormalisation, NeverTruncatesLongMessages) {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "hôm nay đi học bình thường. ";
    text += "tối nay em sẽ tự tử";
    EXPECT_EQ(level_of(text), level::critical);
}

TEST(TriageWindow, SplitSentenceTriagesLikeTheWhole) {
    const std::vector<std::string> sends{"i want to", "kill", "myself"};
    EXPECT_EQ(shared_engine().assess_window(sends).lvl, level::critical);
    const std::vector<std::string> vi{"em mệt quá", "không muốn sống nữa", "tối nay em sẽ làm"};
    EXPECT_EQ(shared_engine().assess_window(vi).lvl, level::critical);
}

TEST(TriageWindow, CriticalStaysWhileInTheWindow) {
    const std::vector<std::string> sends{"i'm going to overdose tonight", "jk", "never mind lol"};
    EXPECT_EQ(shared_engine().assess_window(sends).lvl, level::critical);
}

TEST(TriageWindow, NegationDoesNotCrossASend) {
    const std::vector<std::string> sends{"i'm not", "going to kill myself tonight"};
    EXPECT_EQ(shared_engine().assess_window(sends).lvl, level::critical);
}

TEST(TriageWindow, OnlyTheLastTenMessagesCount) {
    std::vector<std::string> sends{"i want to kill myself"};
    for (int i = 0; i < 10; ++i) sends.emplace_back("hello");
    EXPECT_EQ(shared_engine().assess_window(sends).lvl, level::low);
}

TEST(TriageFailUpward, InvalidUtf8IsAtLeastHigh) {
    const auto a = shared_engine().assess("hello \xff\xfe there");
    EXPECT_EQ(a.lvl, level::high);
    EXPECT_NE(std::find(a.rules.begin(), a.rules.end(), "invalid_utf8"), a.rules.end());
    EXPECT_EQ(shared_engine().assess("i want to kill myself \xc3").lvl, level::critical);
}

TEST(TriageFailUpward, EmptyAndGarbageNeverCrash) {
    EXPECT_EQ(level_of(""), level::low);
    std::string junk;
    for (int i = 1; i < 256; ++i) junk.push_back(static_cast<char>(i));
    EXPECT_GE(level_of(junk), level::high);  // contains invalid UTF-8
    EXPECT_NO_THROW(level_of(std::string(100000, '!')));
    EXPECT_NO_THROW(level_of(std::string(5000, 'a')));
}

TEST(TriageExplain, MatchesAndRulesAreReported) {
    const auto a = shared_engine().assess("tớ chán sống, tối nay sẽ làm");
    ASSERT_GE(a.matches.size(), 2u);
    EXPECT_EQ(a.matches.front().signal_class, "I");
    EXPECT_EQ(a.matches.front().language, "vi");
    EXPECT_NE(std::find(a.rules.begin(), a.rules.end(), "ideation_plus_means_or_plan"), a.rules.end());
    EXPECT_EQ(a.categories, std::vector<std::string>{"suicide_self_harm"});
}

TEST(TriageEngine, ConcurrentUseGivesTheSameAnswers) {
    const auto& eng = shared_engine();
    const std::vector<std::string> texts{"em muốn tự tử", "hello", "this exam is killing me", "我想自杀"};
    std::vector<level> expected;
    for (const auto& t : texts) expected.push_back(eng.assess(t).lvl);
    std::vector<std::thread> threads;
    std::vector<int> wrong(4, 0);
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([&, k] {
            for (int i = 0; i < 200; ++i)
                for (std::size_t j = 0; j < texts.size(); ++j)
                    if (eng.assess(texts[j]).lvl != expected[j]) ++wrong[static_cast<std::size_t>(k)];
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace tamsu::triage
