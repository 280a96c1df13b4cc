// Shared engine for the triage tests: the real lexicon files, loaded once.
#pragma once

#include "server/triage/triage.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace tamsu::triage::test {

inline const engine& shared_engine() {
    static const engine eng = engine::load_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    return eng;
}

inline level level_of(std::string_view text) { return shared_engine().assess(text).lvl; }

// A table of texts and the level each must get: one failure line per wrong text.
struct example {
    const char* text;
    level expected;
};

inline void expect_all(std::initializer_list<example> examples) {
    for (const auto& e : examples)
        EXPECT_EQ(to_string(level_of(e.text)), to_string(e.expected)) << "text: " << e.text;
}

}  // namespace tamsu::triage::test
