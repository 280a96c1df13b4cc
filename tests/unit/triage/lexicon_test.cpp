// Loader validation: every error names the file and the line, so school IT can fix it.
#include "server/triage/triage.hpp"
#include "tests/unit/triage/fixture.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace tamsu::triage {
namespace {

class LexiconDir : public test::LexiconCopy {
protected:
    std::string load_error() {
        try {
            engine::load_blocking(dir_);
        } catch (const lexicon_error& e) {
            return e.what();
        }
        return "";
    }

    struct check_result {
        int code;
        std::string out, err;
    };
    check_result check() {
        std::ostringstream out, err;
        const int code = run_check_blocking(dir_, out, err);
        return {code, out.str(), err.str()};
    }

    int lines(const char* file) {
        std::ifstream in(dir_ / file);
        int n = 0;
        std::string l;
        while (std::getline(in, l)) ++n;
        return n;
    }
};

TEST_F(LexiconDir, ShippedFilesLoad) {
    const auto eng = engine::load_blocking(dir_);
    EXPECT_GT(eng.entry_count(), 300u);
}

TEST_F(LexiconDir, UnknownCategoryNamesFileAndLine) {
    append("vi.tsv", "buồn tênh\tN\tweather");
    EXPECT_EQ(load_error(), "vi.tsv:" + std::to_string(lines("vi.tsv")) + ": unknown category 'weather'");
}

TEST_F(LexiconDir, UnknownClass) {
    append("en.tsv", "sad\tQ\tmental_health");
    EXPECT_NE(load_error().find("en.tsv:" + std::to_string(lines("en.tsv")) + ": unknown class 'Q'"), std::string::npos);
}

TEST_F(LexiconDir, BadWeight) {
    append("en.tsv", "sad\tN\tmental_health\tlots");
    EXPECT_NE(load_error().find("weight must be an integer"), std::string::npos);
}

TEST_F(LexiconDir, UnbalancedParenthesis) {
    append("en.tsv", "(sad|blue\tN\tmental_health");
    EXPECT_NE(load_error().find("missing ')'"), std::string::npos);
}

TEST_F(LexiconDir, PlanNeedsASubType) {
    append("en.tsv", "at dawn\tP\tsuicide_self_harm");
    EXPECT_NE(load_error().find("sub-type"), std::string::npos);
}

TEST_F(LexiconDir, RuleFlagsOnlyOnTheClassesThatReadThem) {
    append("en.tsv", "all good now\tN\tmental_health\t-\tresolved");
    EXPECT_NE(load_error().find("resolved and lapse belong on a MIN cue"), std::string::npos);
}

TEST_F(LexiconDir, SecretOnlyOnAnExploitationPattern) {
    append("en.tsv", "keep quiet\tT\tviolence\t-\tsecret");
    EXPECT_NE(load_error().find("secret belongs on an X pattern"), std::string::npos);
}

TEST_F(LexiconDir, RoutineOnlyOnAnOrdinaryTopic) {
    append("en.tsv", "charity\tP\tsuicide_self_harm\t-\tprep,routine");
    EXPECT_NE(load_error().find("routine belongs on an N or L pattern"), std::string::npos);
}

TEST_F(LexiconDir, SingleDeathCharacterIsRefused) {
    append("zh.tsv", "死\tI\tsuicide_self_harm");
    EXPECT_NE(load_error().find("never a keyword"), std::string::npos);
}

TEST_F(LexiconDir, UnknownMacro) {
    append("vi.tsv", "{NOPE} buồn\tN\tmental_health");
    EXPECT_NE(load_error().find("unknown macro '{NOPE}'"), std::string::npos);
}

TEST_F(LexiconDir, MissingFile) {
    std::filesystem::remove(dir_ / "zh.tsv");
    EXPECT_NE(load_error().find("zh.tsv: cannot open"), std::string::npos);
}

TEST_F(LexiconDir, InvalidUtf8InAFile) {
    append("vi.tsv", "bu\xff\tN\tmental_health");
    EXPECT_NE(load_error().find("not valid UTF-8"), std::string::npos);
}

TEST_F(LexiconDir, AnAddedTermIsMatchedWithoutDiacriticsToo) {
    append("vi.tsv", "ngồi thiền\tN\tmental_health");
    const auto eng = engine::load_blocking(dir_);
    EXPECT_EQ(eng.assess("em hay ngoi thien").lvl, level::normal);
}

// The loader reads a pattern's structure and enumerates its phrases from it (lexicon.cpp, expander):
// every written choice, the empty one of [..] and (..)? included, and nothing else.
TEST_F(LexiconDir, AlternativesExpandToEveryWrittenPhraseAndNoOther) {
    const auto phrases_of_en = [&] {
        const auto out = check().out;
        const auto at = out.find("  en: ");
        const auto comma = out.find(" patterns, ", at);
        return std::stoul(out.substr(comma + 11));
    };
    const auto before = phrases_of_en();
    append("en.tsv", "zorbly (glim|glam) [frob|frab] wuzzle (now|soon)?\tN\tmental_health");
    EXPECT_EQ(phrases_of_en(), before + 2 * 3 * 3);
    const auto eng = engine::load_blocking(dir_);
    for (const char* said : {"zorbly glim wuzzle", "zorbly glam frob wuzzle", "zorbly glim frab wuzzle soon",
                             "zorbly glam wuzzle now"})
        EXPECT_EQ(eng.assess(said).lvl, level::normal) << said;
    for (const char* said : {"zorbly wuzzle", "zorbly frob wuzzle", "glim frab wuzzle", "zorbly glim glam wuzzle"})
        EXPECT_EQ(eng.assess(said).lvl, level::low) << said;
}

TEST_F(LexiconDir, APatternThatExpandsTooFarIsRefused) {
    append("en.tsv", "(a|b|c|d) (a|b|c|d) (a|b|c|d) (a|b|c|d) (a|b|c|d) (a|b|c|d) (a|b|c|d) (a|b|c|d)\tN\tmental_health");
    EXPECT_NE(load_error().find("en.tsv:" + std::to_string(lines("en.tsv")) + ": pattern expands to more than 16384 phrases"),
              std::string::npos);
}

TEST_F(LexiconDir, AnEmptyAlternativeIsRefused) {
    append("en.tsv", "(sad| )\tN\tmental_health");
    EXPECT_NE(load_error().find("empty alternative in pattern"), std::string::npos);
}

// tamsu triage --check (docs/triage.md "Checking a lexicon edit").

TEST_F(LexiconDir, CheckPassesOnTheShippedFiles) {
    const auto r = check();
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("patterns: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  vi: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("suicide_self_harm "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tables: teencode "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("canaries: 4 of 4 critical\nOK\n"), std::string::npos) << r.out;
}

TEST_F(LexiconDir, CheckReportsEveryBrokenLineWithFileAndLine) {
    append("vi.tsv", "buồn tênh\tN\tweather");
    const auto vi_bad = lines("vi.tsv");
    append("vi.tsv", "ngồi thiền\tN\tmental_health");  // a good line between two bad ones
    append("vi.tsv", "(buồn|chán\tN\tmental_health");
    append("en.tsv", "sad\tQ\tmental_health");
    const auto r = check();
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");  // no summary of a lexicon the server would refuse
    EXPECT_NE(r.err.find("vi.tsv:" + std::to_string(vi_bad) + ": unknown category 'weather'\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("vi.tsv:" + std::to_string(vi_bad + 2) + ": missing ')' in pattern\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("en.tsv:" + std::to_string(lines("en.tsv")) + ": unknown class 'Q'\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("3 errors"), std::string::npos) << r.err;
    // The server still stops at the first one, with the same message.
    EXPECT_EQ(load_error(), "vi.tsv:" + std::to_string(vi_bad) + ": unknown category 'weather'");
}

TEST_F(LexiconDir, CheckReportsAMissingFile) {
    std::filesystem::remove(dir_ / "t2s.tsv");
    const auto r = check();
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("t2s.tsv: cannot open"), std::string::npos) << r.err;
}

TEST_F(LexiconDir, CheckFailsWhenACorePhraseIsGone) {
    // A school that deletes the English patterns by mistake: the file is still valid, the canary is not.
    std::ofstream(dir_ / "en.tsv", std::ios::trunc) << "# emptied by mistake\n";
    const auto r = check();
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("canary (English)"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("canary (Chinese)"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("canaries: 3 of 4 critical"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("OK\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tamsu::triage
