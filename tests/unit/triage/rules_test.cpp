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
using test::lexicon_only_engine;

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

TEST(TriageThreat, ViolenceForALaterDayIsHigh) {
    const auto& eng = lexicon_only_engine();
    expect_all(
        {
            {"bố hay đập phá đồ khi say, cuối tuần này bố lại về, em sợ lắm", level::high},
            {"bo hay dap pha do khi say, cuoi tuan nay bo lai ve, e so lam", level::high},
        },
        eng
    );
    EXPECT_TRUE(std::ranges::count(eng.assess("bố hay đập phá đồ khi say, cuối tuần này bố lại về, em sợ lắm").rules, "violence_for_later"));
}

TEST(TriageThreat, ViolenceTonightNowOrWithAWeaponStaysCritical) {
    expect_all(
        {
            {"bố hay đập phá đồ khi say, tối nay bố lại về, em sợ lắm", level::critical},
            {"bo hay dap pha do khi say, toi nay bo ve, e so lam", level::critical},
            {"bố say rồi, bố đang đập phá đồ đạc, mai em phải đi học mà sợ quá", level::critical},
            {"my dad smashes things when he's drunk and he's coming home this weekend with a knife", level::critical},
        },
        lexicon_only_engine()
    );
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


// --- Issue 4: structure over listed phrases ----------------------------------------------------------
// Blind batches stayed near 0.75 critical recall because preparation without a suicide word added up to
// `normal`; and five fresh5 labels needed rules, not phrases (docs/triage.md "Known limits").

// Two distinct acts, one of them a deed (giving a thing away, deleting accounts, letters), are critical
// without an ideation word.
TEST(TriageImplicitPreparation, TwoDistinctActsOneADeedAreCritical) {
    expect_all({
        {"I gave my guitar to my brother and deleted all my accounts.", level::critical},
        {"em cho em gái cây đàn, xóa hết facebook rồi", level::critical},
        {"em cho em gai cay dan, xoa het facebook roi", level::critical},
        {"把吉他送给了弟弟，删掉了所有账号", level::critical},
    });
}

TEST(TriageImplicitPreparation, ThreeFarewellActsAreCriticalTwoAreNot) {
    expect_all({
        {"谢谢你们一直陪我聊天。这是我最后一次来这里了。再见🥀", level::critical},
        {"ok bye, i love you mom", level::high},
    });
}

// Two patterns over the same words are one act, not two (a farewell read by two lines of the lexicon).
// The rules' own answer: the risk model, which has read this farewell in many critical stories, may
// raise it on its own evidence.
TEST(TriageImplicitPreparation, OneActReadTwiceIsOneAct) {
    expect_all(
        {
            {"cảm ơn mọi người vì tất cả", level::low},
            {"cam on moi nguoi vi tat ca", level::low},
        },
        lexicon_only_engine()
    );
}

// One act alone stays conditional.
TEST(TriageImplicitPreparation, OneActAloneIsNotCritical) {
    expect_all({
        {"I gave my guitar to my brother", level::low},
        {"em cho em gái cây đàn", level::low},
        {"em cho em gai cay dan", level::low},
        {"把吉他送给了弟弟", level::low},
    });
}

// Hard negatives: the same acts with an ordinary reason in their sentence.
TEST(TriageImplicitPreparation, ActsWithAnOrdinaryReasonAreNotAPreparation) {
    expect_all({
        {"I gave my old clothes to charity and deleted my instagram because of spam.", level::low},
        {"em đem quần áo cũ đi từ thiện, xóa hết facebook vì bị hack", level::low},
        {"em dem quan ao cu di tu thien, xoa het facebook vi bi hack", level::low},
        {"把旧衣服捐给了慈善，删掉了所有账号因为被盗号", level::low},
        {"goodbye everyone, see you after the school trip! thank you for everything", level::low},
        {"tạm biệt mọi người, hẹn gặp lại sau chuyến dã ngoại. cảm ơn mọi người vì tất cả", level::low},
        {"cảm ơn cô vì tất cả, hôm nay tổng kết năm học rồi, tạm biệt cô", level::low},
        {"tam biet moi nguoi, hen gap lai sau chuyen da ngoai. cam on moi nguoi vi tat ca", level::low},
        {"谢谢老师这一年的照顾，毕业典礼后再见", level::low},
    });
}

// An ordinary reason does not hide an anchor, ideation, a means or resolve in the same sentence.
TEST(TriageImplicitPreparation, AnOrdinaryReasonDoesNotHideRiskInItsSentence) {
    expect_all({
        {"i gave all my stuff to charity, i want to die", level::critical},
        {"em cho hết đồ đạc đi từ thiện rồi, em muốn chết", level::critical},
        {"em cho het do dac di tu thien roi, em muon chet", level::critical},
        {"我把旧衣服都捐了，我想死", level::high},
    });
}

// A burden statement, a place and a time: the place and the time are a plan, the burden its reason.
TEST(TriageImplicitPreparation, BurdenPlaceAndTimeAreCritical) {
    expect_all({
        {"em không muốn làm phiền ai nữa. chủ nhật này em ra con sông sau nhà rồi đi luôn", level::critical},
        {"e ko muon lam phien ai nua. chu nhat nay e ra con song sau nha roi di luon", level::critical},
        {"I won't be a burden to anyone much longer. I'm sitting by the river tonight", level::critical},
        {"我不想再麻烦任何人了。今晚我在江边", level::critical},
        // The burden alone, or a trip to the river at the weekend, is not.
        {"chủ nhật này em ra sông câu cá với bố", level::normal},
    });
}

// A friend's self-harm told in confidence is high (the self-harm), not grooming secrecy.
TEST(TriageSecrecy, AFriendsSelfHarmInConfidenceIsHigh) {
    expect_all({
        {"Bạn thân em kể với em là nó hay cắt tay, nó bắt em thề không được nói với ai, em rối lắm", level::high},
        {"Ban than em ke voi em la no hay cat tay, no bat em the khong duoc noi voi ai, em roi lam", level::high},
        {"我朋友跟我说她经常割自己，让我别告诉老师", level::high},
        {"she cuts herself and made me promise not to tell anyone. keep it a secret she said", level::high},
    });
}

TEST(TriageSecrecy, SecrecyBesideAbuseIsStillCritical) {
    expect_all({
        {"he touches me and says keep it a secret, don't tell anyone", level::critical},
        {"chú hàng xóm sờ người em, bảo em không được nói với ai", level::critical},
    });
}

// A grooming lure with a later day is high; a meeting now is not later.
TEST(TriageLure, ALureForALaterDayIsHighAMeetingNowIsCritical) {
    expect_all({
        {"co chu hang xom hay cho em tien, mua qua, dan dung ke voi ai, gio chu bao cuoi tuan chi chu voi em di choi rieng",
         level::high},
        {"the man from the game says don't tell your parents, meet me this weekend", level::high},
        {"the man from the game says don't tell your parents, he's outside my house right now", level::critical},
    });
}

// Self-harm told as a slip after a clean period or as scratches: high, not critical, but never lower.
TEST(TriageSelfHarmLapse, ALapseWithATimeWordIsHigh) {
    expect_all({
        {"relapsed tonight after 60 days clean. just scratches but i'm so mad at myself", level::high},
        {"tối nay em lại cắt tay sau 3 tháng cai, chỉ xước thôi", level::high},
        {"toi nay em lai cat tay sau 3 thang cai, chi xuoc thoi", level::high},
        {"今晚又自残了，戒了半年，只是划了几道", level::high},
    });
}

TEST(TriageSelfHarmLapse, WithoutALapseCueOrWithIdeationItStaysCritical) {
    expect_all({
        {"i cut myself tonight", level::critical},
        {"tối nay em lại cắt tay", level::critical},
        {"今晚又自残了", level::critical},
        {"relapsed tonight, just scratches, and i want to die", level::critical},
    });
}

// Bullying that is over is an ordinary worry; still happening, or a past attempt, stays high.
TEST(TriageResolvedHistory, PastBullyingThatIsOverIsNormal) {
    expect_all({
        {"last year i got bullied a lot but i switched schools and it's way better now. just nervous about making friends",
         level::normal},
        {"Năm ngoái em từng bị bắt nạt nhưng chuyển trường rồi, giờ ổn. Em chỉ muốn hỏi làm sao bớt ngại khi làm quen bạn mới",
         level::normal},
        {"Nam ngoai em tung bi bat nat nhung chuyen truong roi, gio on. Em chi muon hoi lam sao bot ngai khi lam quen ban moi",
         level::normal},
        {"去年被欺负过，后来转学就好了，现在就是有点不敢交朋友", level::normal},
    });
}

TEST(TriageResolvedHistory, OngoingBullyingOrAPastAttemptStaysHigh) {
    expect_all({
        {"last year i was bullied and it's still happening now", level::high},
        {"năm ngoái em bị bắt nạt, giờ vẫn bị", level::high},
        {"năm ngoái em từng tự tử, giờ ổn rồi", level::high},
    });
}
}  // namespace
}  // namespace tamsu::triage
