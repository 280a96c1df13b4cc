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

}  // namespace
}  // namespace tamsu::triage
