// The incremental session window (send_window + engine::assess_send(window)) against the text path
// (engine::assess_send(texts)) it replaces: the same assessment, field by field, for every item of the
// evaluation sets and for sliding windows built from them (sends split mid-word and mid-character,
// more than ten sends, sends that age out).
#include "server/triage/detail.hpp"
#include "server/triage/triage.hpp"
#include "tests/unit/triage/fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace tamsu::triage {
namespace {

using test::shared_engine;
using clock = send_window::clock;
using namespace std::chrono_literals;

std::vector<std::string> item_texts() {
    std::vector<std::string> out;
    for (const char* set : {"dev", "fresh", "fresh2", "fresh3", "fresh4"}) {
        std::ifstream in(std::string(TAMSU_TRIAGE_SETS) + "/" + set + ".tsv");
        EXPECT_TRUE(in) << set;
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#' || line.starts_with("id\t")) continue;
            out.push_back(line.substr(line.rfind('\t') + 1));
        }
    }
    return out;
}

std::vector<std::string> split_sends(const std::string& item) {
    std::vector<std::string> out;
    std::size_t b = 0;
    while (true) {
        const auto e = item.find(" // ", b);
        out.push_back(item.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos) return out;
        b = e + 4;
    }
}

std::string describe(const std::vector<std::string>& texts) {
    std::string s;
    for (const auto& t : texts) s += "[" + t + "] ";
    return s;
}

void expect_same(const assessment& got, const assessment& want, const std::vector<std::string>& texts) {
    const auto where = describe(texts);
    EXPECT_EQ(to_string(got.lvl), to_string(want.lvl)) << where;
    EXPECT_EQ(got.score, want.score) << where;
    EXPECT_EQ(got.categories, want.categories) << where;
    EXPECT_EQ(got.rules, want.rules) << where;
    EXPECT_EQ(got.third_party, want.third_party) << where;
    ASSERT_EQ(got.matches.size(), want.matches.size()) << where;
    for (std::size_t i = 0; i < got.matches.size(); ++i) {
        const auto &g = got.matches[i], &w = want.matches[i];
        EXPECT_EQ(g.term, w.term) << where;
        EXPECT_EQ(g.text, w.text) << where;
        EXPECT_EQ(g.category, w.category) << where;
        EXPECT_EQ(g.signal_class, w.signal_class) << where;
        EXPECT_EQ(g.weight, w.weight) << where;
        EXPECT_EQ(g.language, w.language) << where;
        EXPECT_EQ(g.negated, w.negated) << where;
    }
}

// A session: the window under test beside the deque student_session kept before it (the model).
class session {
public:
    explicit session(const engine& eng = shared_engine()) : eng_(eng) {}

    // Pushes, then checks the window's texts against the model and both verdicts against the text path.
    assessment send(const std::string& text, clock::duration after = 1s, const std::string& id = {}) {
        now_ += after;
        const bool added = window_.push(eng_, id, std::make_shared<const std::string>(text), now_);
        EXPECT_TRUE(added);
        model_.emplace_back(now_, text);
        while (model_.size() > 10 || (!model_.empty() && now_ - model_.front().first > 15min)) model_.pop_front();
        std::vector<std::string> texts;
        for (const auto& [at, t] : model_) texts.push_back(t);
        std::vector<std::string> kept;
        for (const auto& p : window_.texts()) kept.push_back(*p);
        EXPECT_EQ(kept, texts);
        auto got = eng_.assess_send(window_, true);
        expect_same(got, eng_.assess_send(std::span<const std::string>(texts), true), texts);
        expect_same(eng_.assess_send(window_, false), eng_.assess_send(std::span<const std::string>(texts), false), texts);
        return got;
    }

    send_window& window() { return window_; }

private:
    const engine& eng_;
    send_window window_;
    clock::time_point now_{};
    std::deque<std::pair<clock::time_point, std::string>> model_;
};

// Cuts `text` into `parts` pieces at random bytes: inside words, and with `any_byte` inside UTF-8
// sequences too (each piece is then invalid UTF-8 and read repaired, on both paths).
std::vector<std::string> random_cut(const std::string& text, std::size_t parts, bool any_byte, std::mt19937& rng) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < parts && text.size() > 1; ++i) {
        auto c = std::uniform_int_distribution<std::size_t>(1, text.size() - 1)(rng);
        if (!any_byte)
            while (c > 0 && (static_cast<unsigned char>(text[c]) & 0xC0) == 0x80) --c;
        cuts.push_back(c);
    }
    std::sort(cuts.begin(), cuts.end());
    std::vector<std::string> out;
    std::size_t b = 0;
    for (auto c : cuts) {
        out.push_back(text.substr(b, c - b));
        b = c;
    }
    out.push_back(text.substr(b));
    return out;
}

TEST(TriageSendWindow, EveryEvaluationItemAsItsOwnSession) {
    const auto items = item_texts();
    ASSERT_GT(items.size(), 700u);
    for (const auto& item : items) {
        session s;
        for (const auto& text : split_sends(item)) s.send(text);
    }
}

TEST(TriageSendWindow, AllItemsBackToBackInOneSlidingWindow) {
    session s;
    for (const auto& item : item_texts())
        for (const auto& text : split_sends(item)) s.send(text);
    EXPECT_EQ(s.window().size(), 10u);
}

TEST(TriageSendWindow, ItemsCutIntoRandomSendsMidWordAndMidCharacter) {
    std::mt19937 rng(20261123);
    const auto items = item_texts();
    session s;
    for (std::size_t k = 0; k < items.size(); ++k) {
        const auto parts = std::uniform_int_distribution<std::size_t>(1, 5)(rng);
        for (const auto& piece : random_cut(items[k], parts, k % 7 == 0, rng)) s.send(piece);
    }
}

TEST(TriageSendWindow, SendsAgeOutAfterFifteenMinutes) {
    std::mt19937 rng(7);
    const auto items = item_texts();
    session s;
    // Gaps of 0 s to 8 min: windows of every size, sometimes several sends expiring at once, and the
    // boundary (exactly 15 min is still in the window).
    for (std::size_t k = 0; k < 300; ++k) {
        const auto gap = std::chrono::seconds(std::uniform_int_distribution<int>(0, 480)(rng));
        for (const auto& text : split_sends(items[(k * 37) % items.size()])) s.send(text, gap);
    }
    session t;
    t.send("i want to kill myself", 0s);
    t.send("ok", 15min);
    EXPECT_EQ(t.window().size(), 2u);
    EXPECT_EQ(t.send("hello", 1s).lvl, level::low);  // the first send is now 15 min + 1 s old
    EXPECT_EQ(t.window().size(), 2u);
}

TEST(TriageSendWindow, PhrasesAcrossSendBoundaries) {
    const std::vector<std::vector<std::string>> cases{
        {"i want to", "kill", "myself"},
        {"i want to ki", "ll myself"},                      // a word split by the send
        {"i took", "some bleach"},                           // a ~3 gap that crosses the send
        {"i want", "to die"},                                // ~1 gap, hyperbole-prone
        {"i want to k.i.l.l", "myself"},                     // joined letters just before the send
        {"i want to", "k i l l myself"},                     // joined letters just after it
        // The lexicon's longest phrase (23 tokens with every gap full), its last word alone in the
        // new send.
        {"người lạ xa xb xc làm quen xa xb trên xa xb facebook xa xb xc xd xe xf xg xh cho", "tiền"},
        // The same phrase over six sends: a walk that stays open from send to send.
        {"người lạ xa xb", "xc làm quen", "xa xb trên xa", "xb facebook xa xb xc xd", "xe xf xg xh cho", "tiền"},
        {"i took", "some", "bleach"},                        // a gap alone in a send
        // Gaps and spelled-out words: the match starts 24 tokens before the send.
        {"e v e r y b o d y  x x x  b e t t e r  o f f  y y y", "without me"},
        {"em muốn", "tự", "tử"},
        {"toi nay em se", "tu tu"},
        {"我想", "自杀"},
        {"i'm not", "going to kill myself tonight"},         // negation does not cross a send
        {"...", "", "i want to", "!!!", "kill myself"},      // sends without tokens
        {"\xff i want to", "kill myself \xfe"},              // invalid UTF-8 on both sides
    };
    for (const auto& sends : cases) {
        session s;
        assessment last;
        for (const auto& text : sends) last = s.send(text);
        // Only equality is asked of a word cut in two: the engine reads "ki" and "ll" as two words.
        if (sends.front() != "i want to ki") {
            EXPECT_GE(last.lvl, level::high) << describe(sends);
        }
    }
    session s;
    s.send("i took");
    EXPECT_EQ(s.send("some bleach").lvl, level::critical);
}

TEST(TriageSendWindow, LongSendsAreJudgedInSlicesAlone) {
    std::string filler;
    for (int i = 0; i < 700; ++i) filler += "hôm nay đi học bình thường. ";
    session s;
    s.send("i want to");
    s.send(filler + "tối nay em sẽ tự tử");
    s.send("kill myself " + filler);
}

TEST(TriageSendWindow, ARetriedSendIsNotCountedTwice) {
    const auto& eng = shared_engine();
    send_window w;
    const auto at = clock::time_point{} + 1h;
    const auto text = std::make_shared<const std::string>("i want to kill myself");
    EXPECT_TRUE(w.push(eng, "m1", text, at));
    EXPECT_FALSE(w.push(eng, "m1", text, at + 1s));
    EXPECT_EQ(w.size(), 1u);
    EXPECT_TRUE(w.push(eng, "m2", std::make_shared<const std::string>("ok"), at + 2s));
    EXPECT_FALSE(w.push(eng, "m1", text, at + 3s));
    EXPECT_EQ(w.size(), 2u);
    EXPECT_TRUE(w.push(eng, "", std::make_shared<const std::string>("ok"), at + 4s));  // no id: always a new send
    EXPECT_TRUE(w.push(eng, "", std::make_shared<const std::string>("ok"), at + 5s));
    EXPECT_EQ(w.size(), 4u);
    EXPECT_EQ(eng.assess_send(w).lvl, level::critical);
}

TEST(TriageSendWindow, AnotherLexiconReadsTheTextsAgain) {
    const auto other = engine::load_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    send_window w;
    std::vector<std::string> texts{"i want to", "kill", "myself", "tối nay em sẽ", "tự tử"};
    auto at = clock::time_point{};
    for (const auto& t : texts) w.push(other, {}, std::make_shared<const std::string>(t), at += 1s);
    // Assessed with an engine the window was not read with: the text path.
    expect_same(shared_engine().assess_send(w, true), shared_engine().assess_send(std::span<const std::string>(texts), true), texts);
    // Pushed with it: every send is read again with its lexicon.
    texts.emplace_back("ok");
    w.push(shared_engine(), {}, std::make_shared<const std::string>("ok"), at += 1s);
    expect_same(shared_engine().assess_send(w, true), shared_engine().assess_send(std::span<const std::string>(texts), true), texts);
}

TEST(TriageSendWindow, EmptyWindowIsLikeNoText) {
    send_window w;
    expect_same(shared_engine().assess_send(w, true), shared_engine().assess_send(std::span<const std::string>(), true), {});
    EXPECT_EQ(w.memory_bytes(), 0u);
}

TEST(TriageSendWindow, MemoryIsSmallAndFreed) {
    const auto& eng = shared_engine();
    send_window w;
    auto at = clock::time_point{};
    for (int i = 0; i < 40; ++i)
        w.push(eng, "id-" + std::to_string(i), std::make_shared<const std::string>("hôm nay em đi học về muộn vì xe buýt bị hỏng giữa đường"), at += 1s);
    EXPECT_EQ(w.size(), 10u);
    // About 1 KB per send of 60 bytes (tokens, readings, matches, the text); the test allows twice that.
    EXPECT_LT(w.memory_bytes(), 20'000u) << w.memory_bytes();
    w.clear();
    EXPECT_EQ(w.size(), 0u);
    EXPECT_EQ(w.memory_bytes(), 0u);
}

// engine::assess_send(window) skips reading the window together when level_bound says it cannot
// beat the newest send's own verdict; the bound must hold for the rules as they are. Every set's
// sends, in sliding windows of one to ten sends: the rules never judge a window above its bound.
TEST(TriageLevelBound, TheRulesNeverJudgeAWindowAboveItsBound) {
    const auto lex = detail::load_lexicon_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    std::vector<std::string> sends;
    for (const auto& f : std::filesystem::directory_iterator(TAMSU_TRIAGE_SETS)) {
        if (f.path().extension() != ".tsv") continue;
        std::ifstream in(f.path());
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#' || line.starts_with("id\t")) continue;
            for (auto& send : split_sends(line.substr(line.rfind('\t') + 1))) sends.push_back(std::move(send));
        }
    }
    ASSERT_GT(sends.size(), 5000u);
    detail::tokens t;
    std::vector<detail::hit> hits;
    std::size_t bounded = 0, tight = 0;
    for (std::size_t i = 0; i < sends.size(); ++i) {
        t.clear();
        const std::size_t k = 1 + i % 10;
        std::vector<std::string> window;
        for (std::size_t j = 0; j < k && i + j < sends.size(); ++j) {
            window.push_back(sends[i + j]);
            detail::tokenize_repairing(*lex, sends[i + j], static_cast<std::uint32_t>(j), t);
        }
        detail::match_all(*lex, t, hits);
        const auto bound = detail::level_bound(*lex, hits);
        const auto got = detail::analyse_matched(*lex, t, hits, false);
        EXPECT_LE(static_cast<int>(got.lvl), static_cast<int>(bound)) << describe(window);
        bounded += bound < level::critical;
        tight += bound < level::critical && got.lvl == bound;
    }
    // The bound does leave most ordinary windows out, and is often exact there.
    EXPECT_GT(bounded, sends.size() / 10);
    EXPECT_GT(tight, bounded / 2);
}

}  // namespace
}  // namespace tamsu::triage
