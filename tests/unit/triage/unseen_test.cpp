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

// fresh13 round (docs/triage.md): the families that batch showed missing, each in new phrasings and in
// the three languages where it applies, with hard negatives. The lexicon's own answers (no risk model).

// A friend's farewell and then a phone switched off or a call nobody picks up is the last step of a plan.
TEST(TriageFresh13Silence, AFarewellThenAPhoneSwitchedOffIsCritical) {
    expect_all(
        {
            {"bạn em nhắn \"cảm ơn mày vì tất cả, kiếp sau gặp lại\" rồi tắt máy, gọi mãi không được", level::critical},
            {"ban em nhan \"kiep sau gap lai nhe\" xong tat may luon, goi ko duoc", level::critical},
            {"my friend texted me \"see you in the next life\" and then her phone was switched off", level::critical},
            {"朋友给我发了\"下辈子再见\"，然后就关机了", level::critical},
            {"em tắt máy đi ngủ đây, mai nói tiếp nha", level::low},
            {"my mom switched her phone off during the movie lol", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// A man waiting outside the home or the gate for hours, with the student alone, is a stalker now; a
// parent at the gate or a delivery is not.
TEST(TriageFresh13Stalker, AStrangerWaitingOutsideWhileTheStudentIsAloneIsCritical) {
    expect_all(
        {
            {"có một gã lạ đứng trước cổng nhà em từ sáng tới giờ, nhà em không ai", level::critical},
            {"co 1 thg cha dung ngoai cong nha e tu chieu, nha e ko ai", level::critical},
            {"some guy has been waiting outside my house for an hour and my parents won't be home until midnight",
             level::critical},
            {"有个陌生男人在我家楼下站了一晚上，家里没人", level::critical},
            {"bố em đang đứng trước cổng đợi đón em", level::normal},
            {"the delivery guy is waiting outside, brb", level::low},
        },
        test::lexicon_only_engine()
    );
}

// The rope already tied to a beam or a ceiling fan, and "only the chair left", is a plan under way.
TEST(TriageFresh13Rope, TheRopeTiedAndOnlyTheChairLeftIsCritical) {
    expect_all(
        {
            {"em buộc sẵn dây lên quạt trần rồi, chỉ cần bước lên ghế nữa thôi", level::critical},
            {"e buoc san day len quat tran r, chi can buoc len ghe nua thoi", level::critical},
            {"the rope is up, all i need to do is kick the chair", level::critical},
            {"绳子挂好了，只差踢开凳子", level::critical},
            {"em buộc dây lên cây để phơi quần áo", level::low},
        },
        test::lexicon_only_engine()
    );
}

// "If anyone asks, it was nobody's fault" is what a note says; consoling a friend is not.
TEST(TriageFresh13NobodysFault, IfAnyoneAsksItWasNobodysFaultIsANote) {
    expect_all(
        {
            {"ok i'm better now. if anyone asks, it was nobody's fault. goodnight", level::critical},
            {"nếu mọi người hỏi thì không phải lỗi của ai hết", level::critical},
            {"neu moi nguoi hoi thi ko phai loi cua ai het", level::critical},
            {"如果有人问起，不是任何人的错", level::critical},
            {"it's not your fault you failed the test, don't beat yourself up", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// Choosing the moment nobody is watching ("while everyone is in class") is a timing, and the class it
// names is not the student's everyday event; going down from a high floor is a method.
TEST(TriageFresh13Moment, WhileEveryoneIsInClassIsATimeNotAnErrand) {
    expect_all(
        {
            {"我不是想不开，我只是想明白了。等大家午休的时候，我从宿舍六楼下去", level::critical},
            {"mai trong lúc cả lớp đang học em sẽ lên sân thượng nhảy xuống", level::critical},
            {"明天上课的时候记得带作业", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// Someone who brought a weapon to school and says they will use it today is a threat to life now,
// whoever the victim is; an errand with a fruit knife is not.
TEST(TriageFresh13ArmedAtSchool, AWeaponAtSchoolAndAnAnnouncedAttackIsCritical) {
    expect_all(
        {
            {"bạn cùng bàn em mang dao vào lớp, bảo chiều nay tan học sẽ đâm thằng kia", level::critical},
            {"a boy in my class brought a gun to school and said he is going to shoot people after lunch",
             level::critical},
            {"我们班有人带了刀，扬言放学要砍死那个人", level::critical},
            {"chiều nay tan học em đi mua dao gọt hoa quả cho mẹ", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// An attempt survived ("found me in time", `được cứu kịp`, 被救回来) is history, high, with or without a
// suicide word; thoughts that come back sometimes keep it high, not low.
TEST(TriageFresh13Survived, AnAttemptSurvivedIsHistoryAndHigh) {
    expect_all(
        {
            {"hồi lớp 8 em uống thuốc nhưng được cứu kịp, giờ đôi khi vẫn nghĩ lại", level::high},
            {"i overdosed in 9th grade but they found me in time. i still think about it sometimes", level::high},
            {"初三的时候我割腕被救回来了，有时候还会想起", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Not existing, indifference to living, no point in being alive: passive ideation (high), even after
// "not like die" or a denial with "just".
TEST(TriageFresh13NotExisting, WishingNotToExistIsPassiveIdeation) {
    expect_all(
        {
            {"i dont want to die or anything, i just wish i could stop existing for a while", level::high},
            {"i just dont see the point in living anymore", level::high},
            {"em không muốn chết đâu, chỉ là chết cũng chẳng sao", level::high},
            {"e chang quan tam chuyen song chet nua", level::high},
            {"我不是想死，只是觉得消失了会好一点", level::high},
            {"活着还是死都无所谓了", level::high},
        },
        test::lexicon_only_engine()
    );
}

// An abuser who is away today is violence without present danger (high, rule time_inside_resolution);
// the time word names his absence. An abuser at home now, or coming back tonight, stays critical.
TEST(TriageFresh13AbuserAway, AnAbuserAwayTodayIsHighAndBackTonightIsCritical) {
    expect_all(
        {
            {"bố em hay đánh em lúc say, hôm nay bố đi công tác rồi", level::high},
            {"my dad punches me when he's angry. he's away on a business trip this week", level::high},
            {"爸爸经常打我，这几天他去外地出差了", level::high},
            {"my dad punches me when he's angry and he's home right now", level::critical},
            {"爸爸经常打我，他今晚回来", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Bullying by edited photos, private group chats and polls about the student is high in every language.
TEST(TriageFresh13Bullying, EditedPhotosPollsAndPrivateGroupsAreBullying) {
    expect_all(
        {
            {"tụi nó ghép mặt em vào ảnh con khỉ rồi đăng lên nhóm lớp", level::high},
            {"tui no lap group rieng de chui e, ca lop vao cmt", level::high},
            {"someone made a poll \"fattest girl in 8th grade\" and put my name in it", level::high},
            {"they photoshopped my face onto a pig and sent it to everyone", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Algospeak weighs as the word it hides: thinking about "sewer slide" is ideation (high), and a
// preparation beside it makes it critical. A wished accident with its day inside the wish is passive
// ideation (high), not a plan for that day.
TEST(TriageFresh13Algospeak, AlgospeakIsIdeationAndAWishedAccidentIsNoPlan) {
    expect_all(
        {
            {"ive been thinking about sewer slide lately but i have no plan", level::high},
            {"ive been thinking about sewer slide and i already bought the stuff", level::critical},
            {"i finally bought the stuff for my science project", level::normal},
            {"要是哪天出车祸就好了，就不用上学了", level::high},
            {"giá mà mai em bị xe tông, khỏi phải đi học nữa", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives of this round: counselling (`tư vấn`, typed without diacritics it is `tự vẫn`), being
// dumped (`đá em`), a parent's exam threat with laughter, a message "sent out", a denied threat, a
// hypothetical friend in a class question.
TEST(TriageFresh13FalseFriends, CounsellingBreakUpsExamThreatsAndClassQuestionsAreNotRisk) {
    expect_all(
        {
            {"tong dai co tu van mien phi ko a", level::low},
            {"tổng đài có tư vấn cho học sinh miễn phí không ạ", level::low},
            {"ny đá em rồi, buồn ghê", level::normal},
            {"考砸了，我爸看到成绩肯定打死我哈哈", level::normal},
            {"电脑死机了，作业发出去没有？", level::low},
            {"my ex posted my nudes but nobody is threatening me", level::high},
            {"for psychology class: how can you tell if a friend is suicidal?", level::low},
            {"我吃了两片退烧药，好多了", level::low},
            {"我吞了一整瓶安眠药", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Purging after eating is an eating disorder (high).
TEST(TriageFresh13Purging, ThrowingUpAfterEatingIsHigh) {
    expect_all(
        {
            {"我一吃多就去抠喉咙", level::high},
            {"ăn xong là em đi móc họng", level::high},
            {"i make myself throw up after i eat", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Phrasings written after the families were in (a small blind check of them, then fixed as families):
// the noun first (`dây em treo lên xà`), a parent as the one who will ask, a posted goodbye across its
// quote, a stranger sitting in a car, staring at the window, an armed boy waiting at the school gate.
TEST(TriageFresh13Stalker, OtherPhrasingsOfTheWatcherOutside) {
    expect_all(
        {
            {"có người đàn ông lạ ngồi trên xe máy trước cửa nhà em mấy tiếng rồi, bố mẹ em đi làm chưa về", level::critical},
            {"a creepy old man has been sitting in a car outside our apartment all evening and im by myself", level::critical},
            {"楼下有个男的一直盯着我家窗户，已经两个小时了，我一个人在家", level::critical},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh13Rope, TheNounFirstAndTheParentWhoWillAsk) {
    expect_all(
        {
            {"dây em treo lên xà rồi, giờ chỉ cần đạp ghế", level::critical},
            {"if my mom asks, tell her it wasn't her fault. bye", level::critical},
            {"my cousin posted \"sorry everyone, goodbye\" and now her phone goes straight to voicemail", level::critical},
            {"i wrote letters to my family, goodbye everyone", level::critical},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh13ArmedAtSchool, AnArmedBoyWaitingAtTheGate) {
    expect_all(
        {
            {"thằng lớp bên cầm dao đứng ở cổng trường, bảo đợi thằng kia ra là đâm", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// "Now I sometimes still think of it" after a survived attempt is a memory, not a time for a plan.
TEST(TriageFresh13Survived, PulledOutOfTheRiverAndAMemoryNow) {
    expect_all(
        {
            {"năm ngoái em nhảy sông nhưng được người ta vớt lên, giờ thỉnh thoảng vẫn mơ thấy", level::high},
            {"去年我吃了一瓶药被送去洗胃，现在偶尔还会想起来", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Families the untuned blind sets (fresh11, fresh12) still miss in the lexicon, in new phrasings: a count
// of pills already swallowed (a dose of two is not), medicine stockpiled with the noun first, "tonight's
// the night", "nobody is finding me in time", the last day of being a bother, a threat at the door
// ("if I don't come down he'll come up").
TEST(TriageFresh13Untuned, SwallowedCountsStockpilesAndTheNight) {
    expect_all(
        {
            {"em nuốt 25 viên rồi, giờ chóng mặt quá", level::critical},
            {"e uong 20 vien panadol, h buon ngu lam", level::critical},
            {"我刚刚吞了三十颗安眠药", level::critical},
            {"thuốc ngủ em tích đủ rồi, em chán sống lắm", level::critical},
            {"tonight's the night, i can't do this anymore", level::critical},
            {"i tried last year. this time nobody is finding me in time, i don't want to live", level::critical},
            {"ngày mai là ngày cuối cùng em làm phiền mọi người, cảm ơn và tạm biệt", level::critical},
            {"em uống 2 viên thuốc hạ sốt rồi, đỡ sốt rồi", level::normal},
            {"tonight's the night of the school dance!!", level::normal},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh13Untuned, AThreatAtTheDoorIfIDontComeDown) {
    expect_all(
        {
            {"nó nhắn nếu em không xuống thì nó lên phá cửa, nó đang đứng dưới nhà", level::critical},
            {"my ex is downstairs and says if i don't come down he'll break the door", level::critical},
            {"前男友在楼下，说带了刀，我不下去他就冲上来", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// fresh14/15 round. A negator covers the risk phrase after it, and the next one only when no new
// first-person statement starts between them: denying death and then wishing to be gone is a wish.
TEST(TriageFresh15NegationScope, ANewStatementAfterADenialIsNotNegated) {
    expect_all(
        {
            {"i don't want to die, i guess i just want to vanish for a bit", level::high},
            {"i dont wanna die i honestly just wanna not exist for a while", level::high},
            {"em không muốn chết em chỉ muốn biến mất một thời gian thôi", level::high},
            {"我不想死 我只是想消失一阵子", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: one negator over two joined phrases still denies both; a denial with a minimiser
// and nothing after it stays a minimised denial.
TEST(TriageFresh15NegationScope, OneNegatorOverJoinedPhrasesStillDeniesBoth) {
    expect_all(
        {
            {"i'm not going to hurt myself or kill myself, promise", level::high},
            {"not suicidal at all, just stressed about finals", level::normal},
            {"em không muốn chết đâu, chỉ mệt vì thi thôi", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// A meeting or pickup set for today or tonight (O `meet`) beside a grooming lure (X) is not a lure for
// later (rule `lure_meeting_set`); a pickup by a parent, or a meeting for another day, is not raised.
TEST(TriageFresh15LureMeeting, AnOnlineContactPickingTheStudentUpTonightIsCritical) {
    expect_all(
        {
            {"a guy i met on discord is picking me up at 10 tonight, he said not to tell my parents", level::critical},
            {"this 22 year old dude from fortnite wants to meet at a hotel tonight. mom thinks im at a sleepover", level::critical},
            {"a guy ive been chatting with online is picking me up from school today, he told me not to tell anyone", level::critical},
            {"anh quen qua facebook hẹn tối nay 10 giờ ra bến xe, dặn em đừng nói với bố mẹ", level::critical},
            {"anh quen qua facebook hen toi nay 10 gio ra ben xe, dan em dung noi voi bo me", level::critical},
            {"网上认识的叔叔说今晚来接我，叫我别告诉爸妈", level::critical},
            {"網上認識的叔叔說今晚來接我，叫我別告訴爸媽", level::critical},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh15LureMeeting, NoLureOrNoMeetingSetStaysBelowCritical) {
    expect_all(
        {
            {"a guy i met on discord keeps asking to meet up and says not to tell my parents", level::high},
            {"anh quen qua zalo hay rủ em đi chơi, dặn đừng kể với ai", level::high},
            {"có anh quen qua zalo hẹn chủ nhật tuần sau qua đón em đi chơi, dặn đừng nói với ai", level::high},
            {"my mom is picking me up at 10 tonight after the concert", level::normal},
            {"mẹ em tối nay qua đón em lúc 9 giờ", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// A stranger who says a parent sent him, an online contact at the door, a job far away with the fare
// paid, a loan shark who will take the student for the debt (a grave threat: a deadline makes it critical).
TEST(TriageFresh15Trafficking, ImpostorPickupsJobLuresAndDebtDeadlines) {
    expect_all(
        {
            {"the man said my dad sent him to pick me up, he's telling me to get in his car now", level::critical},
            {"có ông lạ bảo mẹ em nhờ chú qua đón em, ông ấy đang đứng ngoài cổng trường", level::critical},
            {"anh quen trên game 25 tuổi, đòi đưa em sang Campuchia làm việc lương cao", level::high},
            {"chủ nợ của bố nói nếu mai không trả thì bắt em đi tiếp khách trừ nợ, mai là hạn chót rồi", level::critical},
            {"the loan shark said if my dad doesnt pay by tomorrow they'll take me to work off the debt", level::critical},
            {"放高利贷的说明天不还钱就把我带走抵债", level::critical},
            {"放高利贷的人说以后见到我就把我带走抵债", level::high},
            {"爸爸喝醉了会打我，今天他去外地上班了", level::high},
        },
        test::lexicon_only_engine()
    );
}

// A driver off route (O) with the car doors locked (C) is confinement now; a detour alone is nothing.
TEST(TriageFresh15Driver, OffRouteWithTheDoorsLockedIsCritical) {
    expect_all(
        {
            {"the uber driver isnt following the map anymore and he locked the car doors, my phone is at 5%", level::critical},
            {"tài xế grab không đi theo bản đồ, chạy vào đường vắng, khóa hết cửa xe rồi", level::critical},
            {"滴滴司机不按导航走，一直往郊外开，还把车门锁了", level::critical},
            {"the bus driver took a different way today because of roadworks lol", level::low},
        },
        test::lexicon_only_engine()
    );
}

// Small children alone for days (C) with the food gone or the power cut (O), a child locked in a hot
// car, a sibling who does not wake: neglect now. A power cut alone is nothing.
TEST(TriageFresh15Neglect, SmallChildrenAloneForDaysWithNoFoodAreCritical) {
    expect_all(
        {
            {"dad's been gone since monday and hasn't come back, me and my little brother (5) ran out of food and the power got cut off", level::critical},
            {"bố mẹ đi làm ăn xa, em với em trai ở nhà một mình 4 ngày rồi, hết gạo, em trai sốt cao gọi không dậy", level::critical},
            {"爸妈好几天没回来了，我跟妹妹在家四天了，饭都吃完了，妹妹叫不醒", level::critical},
            {"my baby sister is locked in the car in the sun and my dad is passed out drunk", level::critical},
            {"em trai em 3 tuổi bị khóa trong xe hơi ngoài nắng, bố say không dậy", level::critical},
            {"the power got cut off during the storm lol, reading by candlelight", level::low},
        },
        test::lexicon_only_engine()
    );
}

// A knife in hand is a means now, whatever laughter came before it.
TEST(TriageFresh15KnifeInHand, AKnifeInHandAfterALaughIsCritical) {
    expect_all(
        {
            {"lol jk jk... actually no, the knife is already in my hand", level::critical},
            {"哈哈哈 开玩笑的 不对 我说真的 刀现在在我手里", level::critical},
            {"haha đùa thôi, mà thật đấy, con dao đang trên tay em rồi", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Reassurance, then possessions handed on, an absence foretold, thanks for the years: a farewell.
TEST(TriageFresh15ReassuredFarewell, ReassuranceThenALeavingIsCritical) {
    expect_all(
        {
            {"im totally ok dont worry about me. my cousin can have my ps5 and my clothes. sorry for being a burden", level::critical},
            {"em ổn mà, đừng lo cho em. Cái máy tính em để lại cho em gái nhé. Tạm biệt mọi người", level::critical},
            {"我没事，别担心。我的游戏账号全部送给表弟了，以后不用等我上线了", level::critical},
            {"all good here! just wanted to say you guys were always so kind to me. wont be online after tonight", level::critical},
            {"e ko sao đâu, từ mai e sẽ không nhắn nữa, cảm ơn vì đã ở bên e suốt mấy năm", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Denials that carry a plan: the place named, "not yet", the rope tied and the time chosen, "enough".
TEST(TriageFresh15DenialWithPlan, ADenialBesideAPlanIsCritical) {
    expect_all(
        {
            {"not suicidal or anything, im just heading to the train tracks after school", level::critical},
            {"im on the roof of my building. not jumping yet, just sitting", level::critical},
            {"ko đùa đâu, dây em chuẩn bị rồi, buộc sẵn ở xà nhà kho, đợi bố mẹ đi vắng", level::critical},
            {"em không sao, nhờ chị nhắn cô giùm là em xin lỗi, lọ thuốc ngủ chắc là đủ", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Resolve, "don't anyone stop me", then a goodbye in the next sentence; "don't stop me" about a hobby
// with no goodbye is nothing.
TEST(TriageFresh15DontStopMe, ResolveDontStopMeAndGoodbyeIsCritical) {
    expect_all(
        {
            {"em quyết rồi, đừng ai cản em nữa. tạm biệt", level::critical},
            {"i've decided. don't anyone try to stop me. goodbye", level::critical},
            {"我想好了，别拦我了。再见", level::critical},
            {"don't stop me, i've decided to quit piano", level::low},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: knives in a cooking class, medicine taken and feeling better, "until now".
TEST(TriageFresh15FalseFriends, CookingKnivesMedicineThatHelpedAndUntilNow) {
    expect_all(
        {
            {"we brought our knives to cooking class today", level::low},
            {"hôm nay lớp em mang dao đi giờ nấu ăn", level::low},
            {"今天烹饪课要带刀，老师说小心", level::normal},
            {"我吃了药，好多了", level::low},
            {"我昨天感冒了，吃了药好多了", level::low},
            {"took my meds this morning and feeling way better", level::normal},
            {"初二的时候割过手，到现在都没人知道", level::high},
            {"以前割过手，现在又想割了，刀就在手边", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Someone close in the student's room at night, again; a man circling the house, parked with the
// lights off, in the yard at the windows (with present danger: critical).
TEST(TriageFresh15Intruder, SomeoneInTheRoomOrAroundTheHouseNowIsCritical) {
    expect_all(
        {
            {"my uncle is in my room again rn, pretending to sleep", level::critical},
            {"there's a guy in our backyard looking in the windows right now and i'm home alone", level::critical},
            {"a van keeps driving past my house and now it's parked across the street with the lights off, parents out till midnight", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hurt and kept from care, beaten or burned now, a friend lying still: violence now. A threat for
// another day stays high.
TEST(TriageFresh15HurtNow, InjuriesKeptFromCareAndBeatingsNowAreCritical) {
    expect_all(
        {
            {"mẹ kế đánh em gãy tay, sưng to không cử động được mà không cho em đi viện", level::critical},
            {"我爸刚刚打得我的手动不了，肿得很大，不准我去医院", level::critical},
            {"bọn nó đang đánh hội đồng bạn em ở sau trường, bạn em nằm im không động đậy nữa", level::critical},
            {"那几个人现在把我关在厕所里，用打火机烧我头发", level::critical},
            {"几个高年级的说下周放学堵我，不给钱就打断我的腿", level::high},
            {"em đang đánh răng rồi đi ngủ", level::low},
        },
        test::lexicon_only_engine()
    );
}

// "This time": the place chosen, enough bought, nobody will find out: a plan, whatever the past says.
TEST(TriageFresh15ThisTime, APastAttemptAndAPlanForThisTimeIsCritical) {
    expect_all(
        {
            {"năm ngoái em thử một lần rồi, lần này em chọn được chỗ rồi, em mua đủ rồi", level::critical},
            {"去年试过一次，这次地方我选好了，就今晚", level::critical},
            {"em mua đủ đồ cho chuyến cắm trại rồi", level::low},
        },
        test::lexicon_only_engine()
    );
}

// A group goodbye said as a farewell beside a time; a frame word inside an act is its object (rule
// frame_inside_act), while a film in a plan for the evening stays a film.
TEST(TriageFresh15Farewells, AGroupFarewellTonightAndComicsGivenAway) {
    expect_all(
        {
            {"🌉 今晚 再见了大家", level::critical},
            {"Chủ nhật này là sinh nhật em, cũng là ngày cuối luôn. Em cho hết sách với truyện tranh cho bạn rồi", level::critical},
            {"大家拜拜，明天见", level::low},
            {"tối nay em đi xem phim với đám bạn, tổng đài có làm không ạ", level::low},
            {"có anh trên mạng hẹn cuối tuần đưa em đi khách sạn chơi, dặn đừng kể với ai", level::high},
        },
        test::lexicon_only_engine()
    );
}

// A friend's last message ("don't look for me", "thanks for being my friend", a single "help"),
// then silence: a farewell and an unreachable friend. "I'll head off first" is no farewell.
TEST(TriageFresh15FriendsLastMessage, ALastMessageThenSilenceIsCritical) {
    expect_all(
        {
            {"my friend texted me \"help\" an hour ago and now her phone goes straight to voicemail", level::critical},
            {"nó nhắn \"đừng tìm tớ nữa\" rồi tắt máy luôn, gọi mãi không được", level::critical},
            {"she texted me help with the math homework pls", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// Married off by the family (a grave threat: with a day, critical; alone, high).
TEST(TriageFresh15ForcedMarriage, AMarriageSetForADayIsCritical) {
    expect_all(
        {
            {"bố mẹ nhận tiền sính lễ rồi, tuần sau họ đến bắt em về làm vợ", level::critical},
            {"my uncle says they will marry me off tomorrow to a man twice my age", level::critical},
            {"爸爸说明天就把我嫁给一个四十岁的人", level::critical},
            {"họ hàng cứ ép em lấy chồng sớm", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Violence heard or seen now: a parent choked, a crash then silence; "just let go and it's over" on a roof.
TEST(TriageFresh15ViolenceNow, ViolenceHappeningNowAndTheLastStepAreCritical) {
    expect_all(
        {
            {"i heard a loud crash and screaming from my parents room and now it's quiet, mom isn't answering", level::critical},
            {"my stepdad is choking my mom right now", level::critical},
            {"em đang đứng trên mái tôn, chỉ cần buông tay là xong", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Homework about the set texts' characters is framed by the character's name; identifying with the
// character is not.
TEST(TriageFresh15SetTexts, ACharactersDeathInHomeworkIsNotRisk) {
    expect_all(
        {
            {"cho em hỏi trong \"Lão Hạc\" vì sao lão lại chọn cái chết, mai em kiểm tra", level::normal},
            {"老师问孔乙己最后是怎么死的", level::normal},
            {"em thấy mình giống Lão Hạc, em muốn tự tử tối nay", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Ideation with "but I'd never do it" after it is a denial (high, rule denied_after); wondering what a
// jump would feel like is an intrusive thought (high); a stutterer afraid to open the mouth is no
// groping (a stripped collision), and a flag raised before class is no hanging.
TEST(TriageFresh15DeniedAfter, AThoughtDeniedRightAfterItIsHigh) {
    expect_all(
        {
            {"有时候会想从天台跳下去是什么感觉，但我不会的", level::high},
            {"我常常想到死，但我知道我不会去做的", level::high},
            {"sometimes i think about killing myself, but i would never actually do it", level::high},
            {"em hay nghĩ đến chuyện tự tử, nhưng em biết em sẽ không làm đâu", level::high},
            {"我常常想到自杀，今晚就去做", level::critical},
            {"e noi lap nen so mo mieng truoc lop", level::low},
            {"sáng thứ 2 lớp em treo cờ xong mới vào lớp", level::low},
        },
        test::lexicon_only_engine()
    );
}

// Someone close coming into the room again, with the mother away tonight; the means held in hand;
// the river bank reached with a message of thanks.
TEST(TriageFresh15AgainTonight, ARepeatedNightVisitAndTheMeansInHandAreCritical) {
    expect_all(
        {
            {"dượng lại vào phòng em tối qua, tối nay mẹ lại đi làm ca đêm, em sợ lắm", level::critical},
            {"继父昨晚又来我房间了，今晚妈妈上夜班，我好怕", level::critical},
            {"không đùa đâu, em đang cầm lưỡi lam trong tay", level::critical},
            {"im holding the pills in my hand right now, i'm done", level::critical},
            {"em ra tới bờ sông rồi, nhắn để cảm ơn mọi người thôi", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives that keep history and habits high: the abuser acting as if nothing happened or gone
// to work (resolved), a swelling gone down, "no plan at all", thrown out (not a beating), a cut told as
// nothing deep (a lapse).
TEST(TriageFresh15AfterTheFact, AftermathsDenialsOfAPlanAndLapsesStayHigh) {
    expect_all(
        {
            {"my dad slammed me against the door last night, bruise on my arm. he's acting like nothing happened today", level::high},
            {"爸爸昨晚打了我妈，今天早上他出门上班了", level::high},
            {"vết muỗi cắn hết sưng rồi ạ", level::low},
            {"dạo này em hay nghĩ đến cái chết, nhưng không có kế hoạch gì đâu", level::high},
            {"my parents kicked me out for now, staying at a friend's", level::high},
            {"cut again tonight, nothing deep, i cleaned it", level::high},
        },
        test::lexicon_only_engine()
    );
}

// High families (class H, or X/I/V alone): a parent's "you were a mistake", a burden to the family, a
// wished crash, drinking to sleep, "candy" and weed, starving, image abuse and doxxing, a cousin's
// "our secret", a kneeling punishment. Each stays below critical; the hard negatives stay low.
TEST(TriageFresh15HighFamilies, AbuseBurdensHabitsAndImageAbuseAreHigh) {
    expect_all(
        {
            {"mẹ em bảo đẻ ra em là sai lầm, nuôi em chỉ phí cơm", level::high},
            {"em thấy mình là cái gánh của cả nhà", level::high},
            {"mấy tuần nay tối nào em cũng uống rượu tới say", level::high},
            {"tuần trước em thử kẹo ở quán bar, giờ thèm lắm", level::high},
            {"con bé lớp bên 3 ngày chỉ uống nước, còn 35 kg mà vẫn thấy mình béo", level::high},
            {"tụi nó tung ảnh em gần như khỏa thân lên nhóm lớp", level::high},
            {"có người lộ số điện thoại và địa chỉ nhà em lên mạng", level::high},
            {"my dad always tells me i'm a mistake", level::high},
            {"sometimes when mom drives i think if we crashed it wouldnt be the worst thing", level::high},
            {"i only eat like 500 calories a day and hide it", level::high},
            {"someone made a deepfake nude of me", level::high},
            {"我妈总说生我是个错误", level::high},
            {"我活着只会拖累爸妈", level::high},
            {"要是那场车祸死的是我就好了", level::high},
            {"我每晚都要偷喝我爸的酒才能睡着", level::high},
            {"他们每天放学把我堵在楼梯间要钱", level::high},
            {"我怕怀孕了，怎么办", level::high},
            {"我活着只会拖累爸妈，今晚就结束吧", level::critical},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh15HighFamilies, LookalikesOfTheHighFamiliesStayLow) {
    expect_all(
        {
            {"cái xe đạp bị tông vào cột điện lol", level::low},
            {"em thích ăn kẹo dẻo lắm", level::low},
            {"e dung keo dan lai cai hop but roi", level::low},
            {"e thich 1 ban lop ben ma ko dam noi, a chi dung ke ai nha", level::low},
            {"i fell asleep in the car on the way home lol", level::low},
            {"我今天喝了一杯酒，睡得很好", level::low},
        },
        test::lexicon_only_engine()
    );
}

// The round's Chinese families read in Traditional characters too (t2s.tsv regenerated with
// tests/triage/gen_t2s.py for the characters the new patterns use), and a child locked in a car with
// the heat after a comma.
TEST(TriageFresh15Traditional, TheFamiliesReadInTraditionalCharacters) {
    expect_all(
        {
            {"計程車司機不按導航走，一直往郊外開，還把車門鎖了", level::critical},
            {"放高利貸的說明天不還錢就把我帶走抵債", level::critical},
            {"我媽總說生我是個錯誤", level::high},
            {"今天烹飪課要帶刀，我好期待", level::low},
            {"我弟弟三歲被鎖在車裡，太陽好曬，出不來", level::critical},
            {"my little brother is locked in the car, it's so hot and he's crying", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Identity questions, sleeplessness, not belonging, living with a disability: ordinary topics, so
// normal rather than low (rubric §5).
TEST(TriageFresh15OrdinaryTopics, IdentitySleepAndBelongingAreNormal) {
    expect_all(
        {
            {"em nghĩ em có thể là người đồng tính, nói với bố mẹ thế nào ạ", level::normal},
            {"dạo này em mất ngủ, toàn nghĩ linh tinh", level::normal},
            {"i can't fall asleep before 3 most nights", level::normal},
            {"i'm autistic and the cafeteria noise is too much", level::normal},
            {"我覺得自己可能鍾意女仔，唔知點同屋企人講", level::normal},
            {"最近总是失眠", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// --- fresh16 round: families, not sentences (docs/triage.md "The fresh16 round"). Phrasings are not
// fresh16's.

// A pickup set by its weekday or its journey (O `meet,time`: "driving down on saturday", tickets bought,
// `sáng mai chú qua đón`, `车票买好了`) beside a grooming lure is a meeting set (rule `lure_meeting_set`).
TEST(TriageFresh16MeetingSet, APickupSetByItsDayOrJourneyIsCritical) {
    expect_all(
        {
            {"a man i talk to on roblox is driving down on saturday to get me, he says dont tell my mom", level::critical},
            {"this guy i met online booked a motel room for us and said not to tell anyone", level::critical},
            {"anh quen qua zalo hẹn sáng thứ bảy này qua đón em ở cổng trường, dặn em đừng nói với ai", level::critical},
            {"anh quen qua zalo hen sang thu bay nay qua don em o cong truong, dan em dung noi voi ai", level::critical},
            {"游戏里认识的一个哥哥说星期六来学校接我，叫我别告诉爸妈", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: the same day and the same journey with a parent or a teacher, and a pickup next week.
TEST(TriageFresh16MeetingSet, APickupWithNoLureIsNotRaised) {
    expect_all(
        {
            {"my aunt is driving down on saturday to get me for the holidays", level::low},
            {"dad booked a hotel for the swim meet", level::normal},
            {"sáng thứ bảy này bố qua đón em về quê", level::low},
            {"có anh quen qua zalo hẹn chủ nhật tuần sau qua đón em đi chơi, dặn đừng nói với ai", level::high},
        },
        test::lexicon_only_engine()
    );
}

// A plan timed by an event instead of a clock: when everyone is asleep, when the exams end; the means
// counted (a P prep) or the place named nearby (a P place).
TEST(TriageFresh16EventTimedPlan, AnEventForATimeAndTheMeansCountedAreAPlan) {
    expect_all(
        {
            {"pills are in my pencil case, counted them twice. finals end friday", level::critical},
            {"thuốc ngủ em đếm đủ rồi, chờ mẹ đi làm là xong", level::critical},
            {"thuoc ngu em dem du roi, cho me di lam la xong", level::critical},
            {"đợi thi hết là em thả mình xuống hồ sau trường", level::critical},
            {"等爸妈睡了我就去，水库就在家后面", level::critical},
            {"安眠药攒够了。等考完就吃", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: the same events with nothing dangerous after them.
TEST(TriageFresh16EventTimedPlan, AnEventAloneIsNotAPlan) {
    expect_all(
        {
            {"finals end friday and then we're going to the beach", level::low},
            {"đợi mẹ ngủ là em lén chơi game", level::low},
            {"等奶奶睡着我就去打游戏", level::low},
        },
        test::lexicon_only_engine()
    );
}

// A loan shark at the door: petrol poured now, a deadline in days, a child to be taken for the debt.
TEST(TriageFresh16LoanShark, PetrolADeadlineOrTakingAChildIsCritical) {
    expect_all(
        {
            {"bọn cho vay nặng lãi tạt xăng vào cổng nhà em, bảo 2 ngày nữa không trả thì đốt nhà", level::critical},
            {"bon cho vay tat xang vao cong nha em, bao 2 ngay nua ko tra thi dot nha", level::critical},
            {"the loan guys said if my mum doesnt pay by friday they'll take my little sister instead", level::critical},
            {"放高利贷的说再不还钱就把我妹带走，今天还在我家门口泼了汽油", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: a debt without a threat is family worry, not danger.
TEST(TriageFresh16LoanShark, ADebtAloneIsNotCritical) {
    expect_all(
        {
            {"nhà em đang nợ tiền, bố mẹ cãi nhau suốt", level::normal},
            {"my parents are stressed because they cant pay the rent", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// Children left alone for days, the food gone, a sibling with a high fever.
TEST(TriageFresh16Neglect, ChildrenAloneForDaysWithNothingToEatAreCritical) {
    expect_all(
        {
            {"mẹ không về 3 ngày rồi, nhà không còn gì ăn, em trai em sốt cao", level::critical},
            {"me ko ve 3 ngay r, nha ko con gi an, em trai e sot cao", level::critical},
            {"me and my sister have been alone since saturday and theres only one box of cereal left", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// A neighbour's abuse under the pretext of a film, ongoing; "it's been happening since" as a habit.
TEST(TriageFresh16OngoingAbuse, APretextAndAHabitDoNotHideAbuse) {
    expect_all(
        {
            {"ông hàng xóm hay gọi em qua nhà coi phim rồi sờ mó em, hôm nay ông lại gọi", level::critical},
            {"my uncle touches me when we're alone, it's been happening since last year", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// "Will kill me" beside a real injury from the last time is not hyperbole.
TEST(TriageFresh16ParentThreat, AKillThreatAfterABrokenArmIsCritical) {
    expect_all(
        {
            {"bố mà biết em trượt là bố giết em thật, năm ngoái bố đánh em gãy chân", level::critical},
            {"my dad will kill me for real, last time he broke my wrist", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: the exam idioms with laughter, rat poison as a joke, a grandmother who died in an
// essay, a punch in the toilets typed without accents (not `dâm ô`).
TEST(TriageFresh16Precision, JokesEssaysAndStrippedCollisionsStayBelowCritical) {
    expect_all(
        {
            {"mẹ biết điểm này chắc mẹ giết em thật 😂", level::normal},
            {"bai tap nhieu qua, chac uong thuoc sau cho nhanh 😂", level::normal},
            {"e dang viet van ta nguoi ba da mat, giup e voi", level::low},
            {"tui no doi tien, ko dua la bi danh o nha ve sinh", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Vietnamese typed without accents: `danh tinh` (identity) is not `đánh`, `co nen … ko` (should I) is not
// `cô nện`, `treo co quanh san truong` hangs a flag, `xuat khau lao dong` is work abroad, `ko sau lam` (not
// deep) is not an injury.
TEST(TriageFresh16StrippedCollisions, EverydayWordsTypedWithoutAccentsAreNotViolence) {
    expect_all(
        {
            {"nhan tin o day thi co ai biet danh tinh cua minh khong a", level::low},
            {"ban trai che minh map, minh co nen an kieng ko", level::normal},
            {"sang thu hai lop e phai treo co quanh san truong", level::low},
            {"ba me e di xuat khau lao dong o han, e o voi ong ba", level::normal},
            {"em hay cao tay bang compa moi khi bi diem kem, ko sau lam", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Self-harm kept up for months is a habit (high), the blade beside it is not an attempt now; the abuser
// asleep now says the danger stopped; a kitchen question is not self-harm; a deadline makes "kms" hyperbole.
TEST(TriageFresh16HabitAndContext, HabitsPausesAndSchoolWorkStayBelowCritical) {
    expect_all(
        {
            {"been scratching my legs with a razor blade for a few weeks, nobody has noticed", level::high},
            {"my dad smashed a glass at me when he was drunk tonight, he's passed out now", level::high},
            {"any tips to avoid cutting my fingers when chopping carrots in food tech tomorrow", level::low},
            {"kms the group assignment is due tomorrow and nobody has started", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// Not minding living or dying, rather not existing, thinking about how and then denying it: high.
TEST(TriageFresh16PassiveIdeation, IndifferenceAndDeniedThoughtsAreHigh) {
    expect_all(
        {
            {"dạo này em thấy sống cũng được chết cũng chẳng sao", level::high},
            {"honestly id rather not be alive most days", level::high},
            {"i think about how i'd do it sometimes, like the train station, but i won't", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Lures and bullying told without the usual words: a model job with photos first, a talent scout abroad,
// a stranger asking what the student wears, a photo edited into a funeral portrait, a slur.
TEST(TriageFresh16Lures, ModelJobsScoutsAndEditedPortraitsAreHigh) {
    expect_all(
        {
            {"có chị trên facebook rủ em làm mẫu ảnh ở hà nội, bao ăn ở, bảo gửi trước vài tấm đồ lót", level::high},
            {"a scout on tiktok says she can get me modelling work overseas and will pay for the flight", level::high},
            {"有个网友老是问我晚上睡觉穿什么", level::high},
            {"他们把我的照片P成遗照发到班群", level::high},
            {"tụi nó suốt ngày gọi em là bê đê", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Held and unable to leave: the phone or papers taken, the gate locked, a door locked from outside, a
// borrowed phone in secret; a child sent off to be married; someone told where the rope is; "end it" in
// a Vietnamese sentence.
TEST(TriageFresh16Held, TakenPapersAndLockedDoorsAreCritical) {
    expect_all(
        {
            {"bà chủ quán thu hết căn cước, không cho em về quê, em phải mượn máy người khác gọi lén", level::critical},
            {"ba chu quan thu het can cuoc, ko cho e ve que, e phai muon may nguoi khac goi len", level::critical},
            {"the agency kept our passports and the gate is locked from outside, i don't know what city this is", level::critical},
            {"到了工厂护照就被收走了，每天关在宿舍里不让出去", level::critical},
            {"my parents are sending my sister off to marry a man twice her age, she is begging me right now", level::critical},
            {"i just want one person to know where the pills are. not doing anything yet", level::critical},
            {"em tính end it thật, tối nay", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: papers kept for a visa or a school file, a phone borrowed for homework.
TEST(TriageFresh16Held, OrdinaryPapersAndDoorsStayLow) {
    expect_all(
        {
            {"my passport is at the embassy for the visa, will it be back before the trip", level::low},
            {"trường giữ giấy khai sinh của em để làm hồ sơ thi", level::normal},
            {"我借别人的手机查作业", level::low},
        },
        test::lexicon_only_engine()
    );
}

// Walking into the water is a method (M): with letters written it is a plan; a walk on the beach is not.
TEST(TriageFresh16WaterMethod, WalkingIntoTheWaterWithLettersIsCritical) {
    expect_all(
        {
            {"i wrote letters to my mum and my brother. sunday i walk into the sea", level::critical},
            {"给妈妈的信写好了，周日我就走进海里", level::critical},
            {"we walked into the sea at sunset on holiday, so pretty", level::low},
        },
        test::lexicon_only_engine()
    );
}

// fresh17 round. A goodbye split over short sends with the train's time, or sitting by the tracks
// waiting for a train: a farewell and a time (or a place) are a plan with no risk word.
level window_level(std::vector<std::string> sends) {
    return test::lexicon_only_engine().assess_send(sends).lvl;
}

TEST(TriageFresh17TrainGoodbye, AGoodbyeWithTheTrainsTimeIsCritical) {
    EXPECT_EQ(window_level({"hi", "nvm", "i just want to say goodbye", "last train passes at 12", "everyone here was kind to me"}),
              level::critical);
    EXPECT_EQ(window_level({"chào", "em chỉ muốn chào tạm biệt mọi người", "tàu chạy qua lúc 11 giờ"}), level::critical);
    EXPECT_EQ(window_level({"chao", "em chi muon chao tam biet moi nguoi", "tau chay qua luc 11 gio"}), level::critical);
    EXPECT_EQ(window_level({"在吗", "我就是想跟大家说再见", "火车十二点到"}), level::critical);
    expect_all(
        {
            {"mình đang ngồi sát đường ray sau nhà, đợi tàu 9 giờ. xin lỗi bố mẹ", level::critical},
            {"minh dang ngoi sat duong ray sau nha, doi tau 9 gio. xin loi bo me", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// Hard negatives: a trip home said goodbye to in the same sentence, a train time alone, a station.
TEST(TriageFresh17TrainGoodbye, ATripHomeOrATimetableIsNotAPlan) {
    expect_all(
        {
            {"just wanted to say bye, going home for the holidays and the train comes at 6", level::low},
            {"what time does the train arrive at 7 or 8", level::low},
            {"em đợi chuyến 10h về quê ăn tết, vui quá", level::low},
            {"火车十点到，放假回家真开心", level::low},
        },
        test::lexicon_only_engine()
    );
}

// The abuser who comes in at night while mum works nights (S with an O habit); checking the phone is not.
TEST(TriageFresh17NightVisits, HeComesInAtNightWhenMumWorksIsCritical) {
    EXPECT_EQ(window_level({"idk how to say this", "my stepdad sneaks into my room every night", "mom's night shift begins at 9"}),
              level::critical);
    expect_all(
        {
            {"叔叔每天晚上都溜进我房间，妈妈上夜班", level::critical},
            {"my dad comes in at night to take my phone, so annoying", level::low},
        },
        test::lexicon_only_engine()
    );
}

// A job abroad from someone met online (X) with a car set for a day: critical; the job alone is high.
TEST(TriageFresh17JobAbroad, AnOnlineJobAbroadWithTheCarSetIsCritical) {
    expect_all(
        {
            {"có anh quen qua zalo giới thiệu em làm ở Myanmar lương cao, mai anh ấy cho xe đón", level::critical},
            {"co anh quen qua zalo gioi thieu em lam o Myanmar luong cao, mai anh ay cho xe don", level::critical},
            {"a man i met on discord is picking me up from school on thursday, said not to tell anyone", level::critical},
            {"my mom is picking me up from school on thursday for the dentist", level::normal},
            {"a woman i met online has a restaurant job for me in cambodia, a van will pick me up tomorrow night", level::critical},
            {"网上认识的姐姐说带我去缅甸打工，明晚派车", level::critical},
            {"có chị quen trên facebook rủ em sang Thái Lan làm, em chưa trả lời", level::high},
            {"mai công ty cho xe đón bố em ra sân bay", level::normal},
        },
        test::lexicon_only_engine()
    );
}

// Married off with the money taken, on a set day: grave T plus a time.
TEST(TriageFresh17MarriedOff, AChildMarriedOffOnASetDayIsCritical) {
    expect_all(
        {
            {"bố bắt em nghỉ học để lấy một người bên kia biên giới, nhà trai nhận tiền rồi, chủ nhật này cưới", level::critical},
            {"bo bat em nghi hoc de lay mot nguoi ben kia bien gioi, nha trai nhan tien roi, chu nhat nay cuoi", level::critical},
            {"my parents are marrying me off to an old man this sunday, they already took the money. im 13", level::critical},
            {"chị họ em cưới chủ nhật này, em làm phù dâu", level::low},
        },
        test::lexicon_only_engine()
    );
}

// A weapon or petrol brought to school against classmates with its day: critical; a cooking knife is not.
TEST(TriageFresh17WeaponToSchool, AWeaponForClassmatesWithADayIsCritical) {
    expect_all(
        {
            {"this friday im bringing a hatchet to school, those kids will see", level::critical},
            {"thứ hai nó bảo sẽ mang can xăng đến trường để đốt mấy đứa bắt nạt nó", level::critical},
            {"他说明天要带砍刀去学校砍那几个人", level::critical},
            {"tomorrow im bringing a knife to school for cooking class, we make salad", level::low},
        },
        test::lexicon_only_engine()
    );
}

// A long diary whose last lines are the plan: the letter written and hidden is a note (P), not a topic
// word a homework frame can zero; "that's the day" is its time. A homework text of the same name is not.
TEST(TriageFresh17DiaryPlan, TheLastLinesOfADiaryAreThePlan) {
    expect_all(
        {
            {"最近作业很多，考试也多，数学又没考好。我已经把遗书写好放在抽屉里了，周六爸妈出门，就那天吧。", level::critical},
            {"school is fine i guess, lots of homework. the letter is already written and tucked inside my diary. "
             "sunday everyone goes to grandmas, ill stay home. thats the day",
             level::critical},
            {"语文作业：读《遗书》这篇课文，写读后感，我把作业写好放在桌上了", level::low},
            {"my essay is already written and tucked in my folder, thats the day i hand it in", level::low},
        },
        test::lexicon_only_engine()
    );
}

// The abuser gone for now, said with relief (MIN resolved, the time inside it says when it stopped): high,
// not critical; an abuser coming back tonight stays critical. A past told by its school year (PAST), or
// "better now" (`现在好一点了`), keeps an old attempt from reading as one now.
TEST(TriageFresh17AbuserGone, TheAbuserGoneForNowIsHigh) {
    expect_all(
        {
            {"bố đánh em bằng dây lưng, lưng còn lằn, tối nay bố ra ngoài rồi nên em được yên", level::high},
            {"bo danh em bang day lung, lung con lan, toi nay bo ra ngoai roi nen em duoc yen", level::high},
            {"my mom hit me with a hanger, big bruise. she left for work so im ok", level::high},
            {"继父用皮带抽我，腿上都是印子。他今天出门了，我暂时安全了", level::high},
            {"bố đánh em bằng dây lưng, tối nay bố lại về", level::critical},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh17AbuserGone, AnOldAttemptToldByItsYearIsHigh) {
    expect_all(
        {
            {"i took a whole bottle of pills in year 9, my mum found me. it's on my mind again lately", level::high},
            {"初三那年我吞过安眠药，被送去洗胃。现在好点了，但最近又常常想起", level::high},
        },
        test::lexicon_only_engine()
    );
}

// Exact accuracy: high topics told without a risk word, each with an ordinary neighbour that stays low
// or normal.
TEST(TriageFresh17HighTopics, HighTopicsWithoutARiskWordAreHigh) {
    expect_all(
        {
            {"my cousin makes herself throw up after every meal and hides it", level::high},
            {"im sneaking vodka into my water bottle most days now", level::high},
            {"a boy shared a photo of me in my underwear to the whole grade", level::high},
            {"ive been sh'ing on and off, nothing that needs stitches", level::high},
            {"tụi nó quay clip em bị đẩy ngã rồi up lên nhóm lớp", level::high},
            {"tui no quay clip em bi day nga roi up len nhom lop", level::high},
            {"mấy anh khối trên hẹn em chiều nay ra sau nhà xe nói chuyện", level::high},
            {"dạo này em cứ ngứa ngáy muốn rạch tay, em giấu dao rồi", level::high},
            {"cảm giác em là gánh nặng của cả nhà", level::high},
            {"她每次吃完饭就去催吐，瘦得很厉害", level::high},
            {"同学把我的照片P成丑八怪发到年级群", level::high},
            {"催债的说要把我的照片发到网上", level::high},
            {"昨天晚上爸妈又打起来了，我躲在房间里", level::high},
        },
        test::lexicon_only_engine()
    );
}

TEST(TriageFresh17HighTopics, OrdinaryNeighboursStayLowOrNormal) {
    expect_all(
        {
            {"i get carsick and throw up after every long bus ride", level::low},
            {"we're singing at the school concert on friday", level::normal},
            {"em quay clip em tập nhảy để nộp cho câu lạc bộ", level::low},
            {"我把我的照片P成卡通头像了，好看吗", level::low},
        },
        test::lexicon_only_engine()
    );
}

// Medication taken as prescribed and a kitchen cut are not an overdose or self-harm now (FF); the same
// medicine swallowed all at once, or a cut made on purpose, stays critical.
TEST(TriageFresh17Prescribed, MedicationAsPrescribedIsNotAnOverdose) {
    expect_all(
        {
            {"em đang uống thuốc ngủ theo đơn, mỗi tối nửa viên, uống với sữa được không ạ", level::low},
            {"em dang uong thuoc ngu theo don, moi toi nua vien, uong voi sua duoc khong a", level::low},
            {"hôm nay dao thái cứa vào ngón tay lúc băm thịt, chảy máu ít", level::low},
            {"im taking my meds as prescribed, can i drink coffee with them", level::low},
            {"医生开的抗抑郁药能和奶茶一起喝吗", level::low},
            {"em vừa uống hết cả vỉ thuốc chống trầm cảm rồi", level::critical},
            {"i just took all my antidepressants at once", level::critical},
        },
        test::lexicon_only_engine()
    );
}

// A thought denied after it in zh with "really" or "never" in between (`但我不会真的去做`) is high, like the
// other `denied_after` lines; with a place and a time after the denial it stays critical.
TEST(TriageFresh17DeniedAfter, AThoughtDeniedWithReallyIsHigh) {
    expect_all(
        {
            {"我想过割腕，可是我绝对不会去做", level::high},
            {"我偶尔会想到跳楼，但是肯定不会做", level::high},
            {"我想过自杀，但我不会真的去做，今晚就去天台", level::critical},
        },
        test::lexicon_only_engine()
    );
}

}  // namespace
}  // namespace tamsu::triage
