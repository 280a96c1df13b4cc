// Shared engine for the triage tests: the real lexicon files, loaded once.
#pragma once

#include "server/triage/triage.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>

namespace tamsu::triage::test {

inline const engine& shared_engine() {
    static const engine eng = engine::load_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    return eng;
}

// The shipped lexicon files, without the risk model, copied into a fresh folder under /tmp.
inline std::filesystem::path copy_shipped_lexicon() {
    std::random_device rd;
    const auto dir = std::filesystem::temp_directory_path() / ("tamsu-lexicon-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    for (const char* f : {"vi.tsv", "en.tsv", "zh.tsv", "emoji.tsv", "teencode.tsv", "t2s.tsv"})
        std::filesystem::copy_file(std::filesystem::path(TAMSU_DEFAULT_LEXICON_DIR) / f, dir / f);
    return dir;
}

// The shipped lexicon without the risk model (model.tsv): for tests of one rule's own answer, which
// the model may raise to critical on its own evidence (docs/triage.md "The risk model").
inline const engine& lexicon_only_engine() {
    static const engine eng = [] {
        const auto dir = copy_shipped_lexicon();
        auto e = engine::load_blocking(dir);
        std::filesystem::remove_all(dir);
        return e;
    }();
    return eng;
}

inline level level_of(std::string_view text, const engine& eng = shared_engine()) { return eng.assess(text).lvl; }

// A table of texts and the level each must get: one failure line per wrong text.
struct example {
    const char* text;
    level expected;
};

inline void expect_all(std::initializer_list<example> examples, const engine& eng = shared_engine()) {
    for (const auto& e : examples)
        EXPECT_EQ(to_string(level_of(e.text, eng)), to_string(e.expected)) << "text: " << e.text;
}

// A private copy of the shipped lexicon folder, to append test patterns or broken lines to.
class LexiconCopy : public ::testing::Test {
protected:
    void SetUp() override { dir_ = copy_shipped_lexicon(); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void append(const char* file, const std::string& line) {
        std::ofstream out(dir_ / file, std::ios::app);
        out << line << '\n';
    }
    std::filesystem::path dir_;
};

}  // namespace tamsu::triage::test
