// Shared engine for the triage tests: the real lexicon files, loaded once.
#pragma once

#include "server/triage/triage.hpp"

namespace tamsu::triage::test {

inline const engine& shared_engine() {
    static const engine eng = engine::load_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    return eng;
}

inline level level_of(std::string_view text) { return shared_engine().assess(text).lvl; }

}  // namespace tamsu::triage::test
