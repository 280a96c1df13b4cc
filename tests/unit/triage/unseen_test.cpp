// Issue 4, quality on unseen text: the mechanisms the fresh7 blind batch showed missing, each as a
// general rule with its hard negatives (docs/triage.md, "fresh7 round"). Sentences here are new
// phrasings, not fresh7 items, so they test the rule and not a memorised line.
#include "server/triage/triage.hpp"
#include "tests/unit/triage/fixture.hpp"

#include <gtest/gtest.h>

namespace tamsu::triage {
namespace {

using test::example;
using test::expect_all;
using test::level_of;

// Risk words typed with one slip (two letters swapped, one dropped) are read as the word.
TEST(TriageTypos, OneSlipInARiskWordIsStillRead) {
    expect_all({
        {"i wnat to kil myslef tonite", level::critical},
        {"gonna klil myself tonight", level::critical},
        {"im going to kll myslef", level::critical},
        {"i have a knfie and i want to die", level::critical},
        {"thinkin about sucide a lot", level::high},
        {"i think im pregant and i'm 15", level::high},
    });
}

// The first letter is never moved and a slip that is itself a lexicon word is not reread, so ordinary
// words stay what they are.
TEST(TriageTypos, OrdinaryWordsAreNotTakenForSlips) {
    expect_all({
        {"meh, today was boring", level::low},
        {"i want to eat pizza tonight", level::low},
        {"ill see you tomorrow at the mall", level::low},
        {"the knight killed the dragon in chapter 3", level::low},
    });
}


// A denied joke insists: the laughter or negation inside "not kidding" / `别以为我在开玩笑` / `không phải
// nói chơi` no longer makes a death wish hyperbole or a denial.
TEST(TriageJokeDenied, ANegatedJokeIsAnIntensifier) {
    expect_all({
        {"not kidding, i want to die", level::high},
        {"not kidding, i want to die, the pills are next to me", level::critical},
        {"我不是开玩笑，我想死", level::high},
        {"别以为我在开玩笑，我真的想死，药就在手边", level::critical},
        {"không phải nói chơi đâu, em muốn chết, lưỡi lam ở ngay đây", level::critical},
        {"khong phai noi choi dau, em muon chet", level::high},
    });
}

TEST(TriageJokeDenied, LaughterAndOrdinaryInsistenceStayWhatTheyWere) {
    expect_all({
        {"lol i want to die jk", level::normal},
        {"i'm not joking, this movie is the best", level::low},
        {"我不是开玩笑，这道题真的好难", level::low},
    });
}

// Chinese has no spaces: 过去 at the end of 昏过去 (fainted) is not the past marker.
TEST(TriagePastInsideWord, APastMarkerInsideALongerWordIsNotThePast) {
    expect_all({
        {"继父刚刚把弟弟打到头流血昏过去了", level::critical},
        {"爸爸把我打到晕过去了", level::critical},
        {"过去爸爸把我打到流血", level::high},
    });
}

// Silence after a goodbye, or beside a means, is the last step of a plan; a phone that is off alone is
// nothing.
TEST(TriageUnreachable, AFarewellOrAMeansThenSilenceIsCritical) {
    expect_all({
        {"my friend texted 'goodbye, thanks for everything' and now she won't answer her phone", level::critical},
        {"bạn em nhắn 'tạm biệt mọi người' rồi gọi không nghe máy", level::critical},
        {"ban em nhan 'tam biet moi nguoi' roi goi ko nghe may", level::critical},
        {"朋友发了再见，然后电话一直关机", level::critical},
        {"bạn em đăng ảnh lọ thuốc ngủ, gọi không nghe máy", level::critical},
    });
}

TEST(TriageUnreachable, SilenceAloneIsNotAPlan) {
    expect_all({
        {"my phone is off, battery died lol", level::low},
        {"bạn em đi du lịch, gọi không nghe máy", level::low},
        {"he didn't answer my question in class", level::normal},
        {"朋友电话关机了，可能没电了", level::normal},
    });
}

// "Someone" / "có người" / 有人 with a weapon at the door is a stranger: a threat to life now.
TEST(TriageArmedStranger, SomeoneArmedAtTheDoorIsCritical) {
    expect_all({
        {"someone with a knife is banging on my door right now", level::critical},
        {"có người cầm dao đứng trước cửa nhà em", level::critical},
        {"co nguoi cam dao dung truoc cua nha em", level::critical},
        {"有人拿着刀在门口砸门", level::critical},
        {"có người cầm dao gọt táo", level::low},
    });
}

// A beating with a serious injury (a fracture, unconsciousness) is critical in every language; an
// accident or an adult hurting an adult in front of the student is not.
TEST(TriageInjury, ABeatingWithASeriousInjuryIsCritical) {
    expect_all({
        {"my mom twisted my arm and i heard something crack", level::critical},
        {"bố đánh em đến bất tỉnh", level::critical},
        {"我割得太深了，血一直止不住", level::critical},
        {"i twisted my ankle at soccer, it's fractured", level::low},
        {"last night my dad pushed my mom down the stairs, today everyone acts normal", level::high},
    });
}

// Resolve plus a chosen date is a plan without a suicide word; a date for a party is not.
TEST(TriageResolveAndDate, ResolveWithAChosenDateIsCritical) {
    expect_all({
        {"not afraid of dying anymore, picked the date", level::critical},
        {"i picked the date for my birthday party, friday", level::low},
        {"em chọn ngày rồi, thứ 6 đi chơi", level::low},
    });
}

// fresh10 round (docs/triage.md): the mechanisms that batch showed missing, in new phrasings.
TEST(TriageChosenDay, TheDaySetAfterResolveIsAPlanInEveryOrder) {
    expect_all({
        {"我已经不怕死了，日期也定好了", level::critical},
        {"ngay da chot roi, em khong con so chet nua", level::critical},
        {"我们班去春游的日子定好了，下周三", level::low},
        {"lớp em chốt rồi ngày đi dã ngoại", level::low},
    });
}

TEST(TriageNightVisits, SomeoneCloseComingIntoTheRoomEveryNightIsAbuse) {
    expect_all({
        {"dượng vào phòng em mỗi đêm, em sợ lắm mà không dám nói", level::critical},
        {"bố vào phòng con ban đêm để đắp chăn cho con", level::normal},
    });
}

// The lexicon's own answer: the risk model trained with fresh11 reads the last line as critical (a
// false critical of the model, noted in docs/triage.md).
TEST(TriageQuietFarewells, AMessageToPassOnPeaceMadeAndAbsenceForetoldAreAPlan) {
    expect_all(
        {
            {"please tell my sister i'm sorry. i've made my peace with it. if i'm not around tomorrow don't worry", level::critical},
            {"tell mr lee i'm sorry i missed class today", level::normal},
            {"if i'm not online tonight don't worry, my phone is charging", level::low},
        },
        test::lexicon_only_engine()
    );
}

// "Ago" is the past only for days and longer: pills taken ten minutes ago are an overdose now.
TEST(TriagePast, MinutesAgoIsNowYearsAgoIsHistory) {
    expect_all({
        {"em vừa uống hết nửa lọ paracetamol cách đây 15 phút, giờ đau bụng lắm", level::critical},
        {"cách đây 2 năm em từng uống thuốc tự tử", level::high},
    });
}

// Cantonese colloquial characters are read as the Mandarin ones (t2s.tsv), on the patterns and the text:
// 食咗 is 吃了, 喺 is 在, 唔 is 不; and the Cantonese time words (而家, 聽日, 聽晚) are time words.
TEST(TriageCantonese, ColloquialCharactersReadAsMandarin) {
    expect_all(
        {
            {"我啱啱食咗成排安眠藥，而家好眼瞓", level::critical},
            {"聽晚我會喺天台跳落去", level::critical},
            {"佢哋將我關喺廁所成晚，唔俾我出去", level::high},
            {"我今日食咗好多嘢，好飽", level::low},
            {"我諗住聽日就唔返學喇，好攰", level::low},
        },
        test::lexicon_only_engine()
    );
}

}  // namespace
}  // namespace tamsu::triage
