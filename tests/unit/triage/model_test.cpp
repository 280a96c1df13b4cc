// The risk model (server/triage/model.hpp): its file, its features and the one thing it may do to a
// verdict (raise it to critical, never lower it, never against a rule that read a benign context).
#include "server/triage/detail.hpp"
#include "server/triage/model.hpp"

#include "tests/unit/triage/fixture.hpp"

#include <fstream>
#include <memory>

namespace tamsu::triage::test {
namespace {

std::vector<std::uint32_t> features_of(std::string_view text, unsigned bits = 18) {
    static const auto lex = detail::load_lexicon_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    detail::tokens t;
    detail::tokenize_repairing(*lex, text, 0, t);
    std::vector<std::uint32_t> ids;
    detail::risk_features(t, bits, ids);
    return ids;
}

class RiskModelFile : public LexiconCopy {
protected:
    void write_model(const std::string& body) { std::ofstream(dir_ / "model.tsv") << body; }
    std::string load_error() {
        try {
            detail::load_risk_model_blocking(dir_ / "model.tsv");
        } catch (const lexicon_error& e) {
            return e.what();
        }
        return "(loaded)";
    }
};

TEST_F(RiskModelFile, AMissingFileMeansNoModel) {
    EXPECT_EQ(detail::load_risk_model_blocking(dir_ / "model.tsv"), nullptr);
    EXPECT_FALSE(engine::load_blocking(dir_).has_risk_model());
}

TEST_F(RiskModelFile, ReadsBitsBiasThresholdAndWeights) {
    write_model("# comment\nbits\t8\nbias\t-1.5\nthreshold\t0.75\n3\t0.25\n255\t-2\n");
    const auto m = detail::load_risk_model_blocking(dir_ / "model.tsv");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->bits, 8u);
    EXPECT_FLOAT_EQ(m->bias, -1.5f);
    EXPECT_FLOAT_EQ(m->threshold, 0.75f);
    ASSERT_EQ(m->weights.size(), 256u);
    EXPECT_FLOAT_EQ(m->weights[3], 0.25f);
    EXPECT_FLOAT_EQ(m->weights[255], -2.0f);
    EXPECT_FLOAT_EQ(m->weights[4], 0.0f);
}

TEST_F(RiskModelFile, BadLinesNameFileAndLine) {
    write_model("bits\t8\nbias\t0\nthreshold\t0.7\n256\t1\n");
    EXPECT_EQ(load_error(), "model.tsv:4: feature id out of range");
    write_model("bits\t8\nbias\t0\nthreshold\t0.7\n3 1\n");
    EXPECT_EQ(load_error(), "model.tsv:4: expected two columns separated by one tab");
    write_model("3\t1\nbits\t8\n");
    EXPECT_EQ(load_error(), "model.tsv:1: a weight before the bits line");
    write_model("bits\t8\nbias\tx\n");
    EXPECT_EQ(load_error(), "model.tsv:2: bias must be a number");
    write_model("bits\t8\nbias\t0\nthreshold\t1.5\n");
    EXPECT_EQ(load_error(), "model.tsv:3: threshold must be in (0, 1]");
    write_model("bits\t8\nbias\t0\n");
    EXPECT_EQ(load_error(), "model.tsv:2: bits, bias and threshold are required");
    write_model("bits\t30\n");
    EXPECT_EQ(load_error(), "model.tsv:1: bits must be given once, 8 to 24");
    // The engine refuses it too: a server must not start with half a model.
    EXPECT_THROW(engine::load_blocking(dir_), lexicon_error);
}

TEST(RiskFeatures, DiacriticsCaseAndScriptDoNotChangeTheFeatures) {
    EXPECT_EQ(features_of("Em muốn chết"), features_of("em muon chet"));
    EXPECT_EQ(features_of("I WANT TO DIE"), features_of("i want to die"));
    EXPECT_EQ(features_of("我想自殺"), features_of("我想自杀"));  // Traditional read as Simplified
    EXPECT_NE(features_of("em muon chet"), features_of("chet muon em"));  // word pairs keep the order
}

TEST(RiskFeatures, EachWordAndEachNeighbourPairSortedWithoutRepeats) {
    const auto ids = features_of("stop stop stop", 20);
    EXPECT_EQ(ids.size(), 2u);  // "stop" and "stop stop"
    const auto three = features_of("one two three", 20);
    EXPECT_EQ(three.size(), 5u);
    EXPECT_TRUE(std::is_sorted(three.begin(), three.end()));
    for (const auto id : features_of("một hai ba bốn năm sáu", 8)) EXPECT_LT(id, 256u);
}

// A model that says critical to everything shows what the engine lets it do.
class RiskModelInEngine : public LexiconCopy {
protected:
    engine with_bias(double bias) {
        std::ofstream(dir_ / "model.tsv") << "bits\t8\nbias\t" << bias << "\nthreshold\t0.5\n";
        return engine::load_blocking(dir_);
    }
};

TEST_F(RiskModelInEngine, RaisesToCriticalAndSaysSo) {
    const auto eng = with_bias(10);
    ASSERT_TRUE(eng.has_risk_model());
    const auto a = eng.assess("hôm nay trời đẹp quá em đi học");
    EXPECT_EQ(a.lvl, level::critical);
    EXPECT_NE(std::find(a.rules.begin(), a.rules.end(), "risk_model"), a.rules.end());
}

TEST_F(RiskModelInEngine, NeverLowersAVerdict) {
    const auto eng = with_bias(-10);
    for (const char* text : {"tối nay em sẽ uống hết lọ thuốc ngủ để chết", "hôm nay trời đẹp quá em đi học", "my dad hits me"})
        EXPECT_EQ(eng.assess(text).lvl, lexicon_only_engine().assess(text).lvl) << text;
    EXPECT_EQ(eng.assess("tối nay em sẽ uống hết lọ thuốc ngủ để chết").lvl, level::critical);
}

TEST_F(RiskModelInEngine, LeavesShortTextsAndBenignContextsToTheRules) {
    const auto eng = with_bias(10);
    EXPECT_NE(eng.assess("我今晚").lvl, level::critical);  // three tokens: too little to go on
    // Rules that read an ordinary reason, a denial or a lapse keep their own level.
    EXPECT_NE(eng.assess("I gave my old clothes to charity and deleted my instagram because of spam.").lvl, level::critical);
    EXPECT_NE(eng.assess("i'm not going to kill myself").lvl, level::critical);
    EXPECT_NE(eng.assess("toi nay em lai cat tay sau 3 thang cai, chi xuoc thoi").lvl, level::critical);
    // A thought denied right after it (rule denied_after, fresh14/15 round).
    EXPECT_NE(eng.assess("sometimes i think about killing myself, but i would never actually do it").lvl, level::critical);
}

TEST_F(RiskModelInEngine, TheSessionWindowAsksTheModelToo) {
    const auto eng = with_bias(10);
    send_window w;
    const auto at = send_window::clock::time_point{};
    w.push(eng, "a", std::make_shared<const std::string>("hôm nay trời đẹp"), at);
    w.push(eng, "b", std::make_shared<const std::string>("em đi học về"), at);
    const auto a = eng.assess_send(w);
    EXPECT_EQ(a.lvl, level::critical);
    EXPECT_EQ(a.lvl, eng.assess_send(std::vector<std::string>{"hôm nay trời đẹp", "em đi học về"}).lvl);
}

// apply_risk_model skips the sort and the sum for a text whose positive weights cannot reach the
// threshold (risk_model::logit_floor); it must raise exactly the texts the full computation raises.
// Thresholds near the probabilities the texts get make the bound's margin matter.
TEST(RiskModelShipped, TheBoundNeverChangesWhatTheModelSays) {
    const auto shipped = detail::load_risk_model_blocking(std::filesystem::path(TAMSU_DEFAULT_LEXICON_DIR) / "model.tsv");
    ASSERT_NE(shipped, nullptr);
    const auto lex = detail::load_lexicon_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    std::vector<std::string> texts;
    for (const char* set : {"dev", "fresh", "benign"}) {
        std::ifstream in(std::string(TAMSU_TRIAGE_SETS) + "/" + set + ".tsv");
        std::string line;
        while (std::getline(in, line))
            if (!line.empty() && line[0] != '#' && !line.starts_with("id\t")) texts.push_back(line.substr(line.rfind('\t') + 1));
    }
    ASSERT_GT(texts.size(), 500u);
    std::vector<float> probabilities;
    detail::tokens t;
    for (const auto& text : texts) {
        t.clear();
        detail::tokenize_repairing(*lex, text, 0, t);
        probabilities.push_back(detail::risk_probability(*shipped, t));
    }
    std::size_t raised = 0;
    for (const float threshold : {shipped->threshold, 0.5f, 0.9f, 0.999f, probabilities[3], probabilities[7]}) {
        auto model = std::make_shared<detail::risk_model>(*shipped);
        model->threshold = threshold;
        model->logit_floor = detail::logit_floor(threshold);
        for (std::size_t i = 0; i < texts.size(); ++i) {
            t.clear();
            detail::tokenize_repairing(*lex, texts[i], 0, t);
            assessment a;
            detail::apply_risk_model(model.get(), t, a);
            const bool expected = t.toks.size() >= 4 && probabilities[i] >= threshold;
            EXPECT_EQ(a.lvl == level::critical, expected) << texts[i] << " at threshold " << threshold;
            raised += expected;
        }
    }
    EXPECT_GT(raised, 100u);  // the thresholds above do raise texts, so both sides of the bound are seen
}

TEST(RiskModelShipped, LoadsAndIsOn) {
    const auto m = detail::load_risk_model_blocking(std::filesystem::path(TAMSU_DEFAULT_LEXICON_DIR) / "model.tsv");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->bits, 18u);
    EXPECT_TRUE(shared_engine().has_risk_model());
}

}  // namespace
}  // namespace tamsu::triage::test
