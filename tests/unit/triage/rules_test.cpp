// The decision rules of docs/triage.md that the lexicon cannot express: clause punctuation in phrases,
// frames over a whole message, self-harm habits, threats with a time word, implicit plans, and the
// resolve/leaving and overdose-effect families. Each rule in every language it concerns.
#include "server/triage/triage.hpp"
#include "tests/unit/triage/fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

namespace tamsu::triage {
namespace {

using test::level_of;
using test::shared_engine;

using test::example;
using test::expect_all;

// The matched text of every alive match of class `cls` (tokens joined by spaces).
std::vector<std::string> texts_of(const engine& eng, std::string_view message, std::string_view cls) {
    std::vector<std::string> out;
    for (const auto& m : eng.assess(message).matches)
        if (m.signal_class == cls) out.push_back(m.text);
    return out;
}

bool has_text(const std::vector<std::string>& v, std::string_view t) { return std::find(v.begin(), v.end(), t) != v.end(); }

// A copy of the shipped lexicon with test patterns appended.
class ExtraPatterns : public test::LexiconCopy {};

// --- 1. Clause punctuation -------------------------------------------------------------------------

TEST(TriageClauseBoundary, ContiguousPhraseDoesNotRunAcrossAComma) {
    const auto& eng = shared_engine();
    // vi: "dọa đánh, tui nó ..." is a threat, not "đánh tui" (beating me); with or without diacritics.
    EXPECT_FALSE(has_text(texts_of(eng, "nó dọa đánh, tui nó còn bảo thứ hai sẽ xử em", "V"), "đánh tui"));
    EXPECT_FALSE(has_text(texts_of(eng, "e bi tui no doa danh, tui no bao thu 2 se xu e", "V"), "danh tui"));
    EXPECT_TRUE(has_text(texts_of(eng, "bố đánh tui", "V"), "đánh tui"));
    // en: "hang, myself and two friends" is not "hang myself".
    EXPECT_EQ(texts_of(eng, "we'll hang, myself and two friends, at the mall", "A").size(), 0u);
    EXPECT_LT(level_of("we'll hang, myself and two friends, at the mall"), level::high);
    EXPECT_EQ(level_of("i'm going to hang myself"), level::critical);
    // zh: "跳，楼上…" is not 跳楼.
    EXPECT_FALSE(has_text(texts_of(eng, "我在操场上跳，楼上的同学在看", "M"), "跳 楼"));
}

TEST(TriageClauseBoundary, APhraseThatWritesTheCommaMayRunAcrossIt) {
    const auto& eng = shared_engine();
    EXPECT_TRUE(has_text(texts_of(eng, "goodbye, sorry for everything", "P"), "goodbye sorry for everything"));
    EXPECT_TRUE(has_text(texts_of(eng, "goodbye sorry for everything", "P"), "goodbye sorry for everything"));
    EXPECT_TRUE(has_text(texts_of(eng, "tạm biệt, mọi người", "P"), "tạm biệt mọi người"));
    EXPECT_TRUE(has_text(texts_of(eng, "tam biet, moi nguoi", "P"), "tam biet moi nguoi"));
    EXPECT_TRUE(has_text(texts_of(eng, "对不起，妈妈", "P"), "对 不 起 妈 妈"));
    // A written comma is not a sentence end.
    EXPECT_FALSE(has_text(texts_of(eng, "we said goodbye. everyone went home", "P"), "goodbye everyone"));
}

TEST_F(ExtraPatterns, PunctuationInAPatternAllowsThatBoundaryAndNoStrongerOne) {
    append("en.tsv", "zorp blick\tN\tschool");
    append("en.tsv", "frob, quux\tN\tfamily");
    append("en.tsv", "wibble. wobble\tN\trelationships");
    append("zh.tsv", "甲乙[，]丙丁\tN\tschool");
    const auto eng = engine::load_blocking(dir_);
    EXPECT_EQ(texts_of(eng, "zorp blick", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "zorp, blick", "N").size(), 0u);
    EXPECT_EQ(texts_of(eng, "frob quux", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "frob, quux", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "frob; quux", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "frob. quux", "N").size(), 0u);
    EXPECT_EQ(texts_of(eng, "wibble. wobble", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "wibble, wobble", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "甲乙，丙丁", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "甲乙丙丁", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "甲乙。丙丁", "N").size(), 0u);
}

TEST_F(ExtraPatterns, AGapCrossesACommaOnlyWhereThePatternWritesOneAndNeverASentenceEnd) {
    append("en.tsv", "zorp ~3 blick\tN\tschool");
    append("en.tsv", "frob, ~3 quux\tN\tfamily");
    append("vi.tsv", "xạo ~3, lụi\tN\tschool");
    const auto eng = engine::load_blocking(dir_);
    EXPECT_EQ(texts_of(eng, "zorp a b blick", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "zorp a, b blick", "N").size(), 0u);
    EXPECT_EQ(texts_of(eng, "frob a, b quux", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "frob, quux", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "frob a. b quux", "N").size(), 0u);
    EXPECT_EQ(texts_of(eng, "xạo a, b lụi", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "xao a, b lui", "N").size(), 1u);
    EXPECT_EQ(texts_of(eng, "xạo a! b lụi", "N").size(), 0u);
}

// --- 2. Frames over a whole message ---------------------------------------------------------------

TEST(TriageFrame, AStrongFrameCoversTheMessageWhenNoRiskClauseIsFirstPerson) {
    expect_all({
        {"trong truyện Chí Phèo, sau khi đâm chết Bá Kiến thì Chí tự sát, em nên viết kết bài sao ạ", level::low},
        {"trong truyen Chi Pheo, sau khi dam chet Ba Kien thi Chi tu sat, em nen viet ket bai sao a", level::low},
        {"in the novel we read, after everything falls apart, the main character kills himself", level::low},
        {"这部小说里，最后主角自杀了，我该怎么写读后感", level::low},
    });
}

TEST(TriageFrame, AWeakFrameCoversABareTopicWordElsewhereInTheMessage) {
    expect_all({
        {"i'm writing an essay on the bell jar, how should i talk about esther's suicide attempt", level::low},
        {"bài thuyết trình của nhóm em, phần cuối nói về tự tử ở tuổi học đường", level::low},
    });
}

TEST(TriageFrame, AFirstPersonRiskStatementIsNeverHiddenByAFrameElsewhere) {
    expect_all({
        {"like in the song, i really want to die tonight", level::critical},
        {"giống trong bài hát, em thật sự muốn chết, tối nay em sẽ làm", level::critical},
        {"giong trong bai hat, em that su muon chet, toi nay em se lam", level::critical},
        {"就像那首歌里唱的，我今晚真的想死", level::critical},
        // The frame's own clause is still zeroed, the student's statement is not.
        {"trong phim, cô ấy tự tử. em cũng muốn tự tử", level::critical},
    });
}

TEST(TriageFrame, ARealPersonCloseToTheStudentKeepsTheFrameToItsClause) {
    // "bạn em" / "my friend": a report about a real child, even in a message that names a film.
    EXPECT_EQ(level_of("em vừa xem phim xong, bạn em nhắn là tối nay bạn ấy sẽ nhảy cầu"), level::critical);
    EXPECT_EQ(level_of("we watched a movie, then my friend texted that she took all her pills"), level::critical);
}

// --- 3. Self-harm habit with a means elsewhere -------------------------------------------------------

TEST(TriageSelfHarmHabit, AHabitWithAMeansWordIsHighNotCritical) {
    expect_all({
        {"i cut myself sometimes, razor in my drawer", level::high},
        {"em thỉnh thoảng cắt tay, dao lam để trong hộp bút", level::high},
        {"em thinh thoang cat tay, dao lam de trong hop but", level::high},
        {"我有时候会割手，刀片藏在抽屉里", level::high},
        {"我经常用刀片划手臂", level::high},
    });
}

TEST(TriageSelfHarmHabit, APlanTimeOrIntentNowMakesItCritical) {
    expect_all({
        {"i cut myself sometimes, razor in my drawer, tonight i'll go deeper", level::critical},
        {"i cut myself sometimes and i want to die, the razor is in my drawer", level::critical},
        {"em hay cắt tay, tối nay em sẽ dùng dao lam rạch thật sâu", level::critical},
        {"我经常割手，今晚要用刀片割腕", level::critical},
    });
}

// --- 4. Threats and time words -----------------------------------------------------------------------

TEST(TriageThreat, ABullyingThreatForALaterDayIsHigh) {
    expect_all({
        {"he'll beat me up tomorrow", level::high},
        {"they said they will beat me up after school tomorrow", level::high},
        {"tụi nó dọa mai đánh em", level::high},
        {"tui no doa mai danh e", level::high},
        {"他们说明天放学要打我", level::high},
    });
}

TEST(TriageThreat, ADeadlineOrAThreatToLifeWithATimeIsCritical) {
    expect_all({
        {"he said he will post my pics tonight if i don't send more", level::critical},
        {"he said he'll kill me tonight", level::critical},
        {"anh ta dọa tối nay tung clip của em", level::critical},
        {"thang do doa neu toi nay e ko ra gap thi no tung clip cua e", level::critical},
        {"nó bảo tối nay sẽ giết em", level::critical},
        {"他说今晚不发照片就发到网上", level::critical},
    });
}

TEST(TriageThreat, PresentDangerStillRaisesAnyThreat) {
    expect_all({
        {"there's a man who has been following me home and he's standing outside our building right now", level::critical},
        {"có người lạ đang đứng ngoài cửa nhà em, hắn dọa đánh em", level::critical},
    });
}

// --- 5. Two plan sub-types -----------------------------------------------------------------------------

TEST(TriageImplicitPlan, TwoPlanSubTypesAreCriticalWithoutDistress) {
    expect_all({
        {"em viết thư cho bố mẹ rồi, tạm biệt mọi người", level::critical},
        {"em viet thu cho bo me roi, tam biet moi nguoi", level::critical},
        {"i wrote letters to my family, goodbye everyone", level::critical},
        {"我写好了信给爸妈，对不起大家", level::critical},
        {"em đang ngồi ở bờ sông, tối nay", level::critical},
        {"i'm sitting by the river tonight", level::critical},
    });
}

TEST(TriageImplicitPlan, ResolveWithAPreparationOrAPlaceIsCriticalButNotWithAFarewellAlone) {
    expect_all({
        {"i've made up my mind, i'm sitting by the river", level::critical},
        {"em quyết rồi, đang ngồi ở bờ sông", level::critical},
        {"我想好了，我现在在江边", level::critical},
        {"im done lol, bye everyone", level::high},
    });
}

TEST(TriageImplicitPlan, OnePlanSubTypeAloneIsNotCritical) {
    expect_all({
        {"tạm biệt mọi người", level::low},
        {"goodbye everyone", level::low},
        {"我今晚", level::low},
    });
}

// --- 6. Resolve + leaving; means taken + effects -------------------------------------------------------

TEST(TriageLeaving, ResolveTimeAndLeavingAreCritical) {
    expect_all({
        {"em quyết rồi, đêm nay em đi", level::critical},
        {"em quyet roi, dem nay em di", level::critical},
        {"mình quyết định rồi, tối nay mình ra đi", level::critical},
        {"i've made up my mind, i'm leaving tonight", level::critical},
        {"我决定了，今晚我就走", level::critical},
    });
}

TEST(TriageLeaving, AnErrandOrATripIsNotALeaving) {
    expect_all({
        {"em quyết rồi, mai em đi học thêm", level::normal},
        {"em quyet roi, mai em di hoc them", level::normal},
        {"tối nay em đi chơi với bạn", level::low},
    });
    // Resolve with a time but no leaving may be high, never critical.
    EXPECT_LT(level_of("i've decided, i'm leaving for school early tomorrow"), level::critical);
    EXPECT_LT(level_of("我决定了，明天我就走去学校"), level::critical);
    EXPECT_LT(level_of("mai em đi"), level::high);
    EXPECT_LT(level_of("我走了，拜拜"), level::high);
}

TEST(TriageOverdoseEffects, MeansTakenAndTheirEffectsAreCritical) {
    expect_all({
        {"药已经吃下去了，好困", level::critical},
        {"那瓶安眠药都吃了，眼睛睁不开", level::critical},
        {"em nuốt hết rồi, giờ mắt díp lại", level::critical},
        {"em nuot het roi, gio mat dip lai", level::critical},
        {"thuốc ngủ em uống vào rồi, buồn ngủ quá", level::critical},
        {"i already took all of them, so sleepy now", level::critical},
        {"i took the pills, now i can't keep my eyes open", level::critical},
    });
}

TEST(TriageOverdoseEffects, OrdinaryMedicineAndTirednessAreNot) {
    expect_all({
        {"i took my allergy pills, so sleepy", level::low},
    });
    EXPECT_LT(level_of("作业写完了，好困"), level::high);
    EXPECT_LT(level_of("em uống thuốc cảm rồi, buồn ngủ quá"), level::critical);
    EXPECT_LT(level_of("em uống hết cốc trà sữa, buồn ngủ quá"), level::critical);
}

}  // namespace
}  // namespace tamsu::triage
