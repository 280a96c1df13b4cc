// The matcher's flat trie layout (detail::lexicon::child) against the loader's edge map it is built from.
// (The server and the CLI free the loader's structures once the flat copies exist: see
// LoaderStructuresAreFreedAndTheSummaryStillCounts.)
#include "server/triage/detail.hpp"

#include <gtest/gtest.h>

namespace tamsu::triage::detail {
namespace {

const lexicon& lex() {
    static const auto l = load_lexicon_with_loader_structures_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    return *l;
}

TEST(TriageTrie, EveryEdgeIsFound) {
    for (const auto& [key, child] : lex().edges) {
        const auto node = static_cast<std::uint32_t>(key >> 32);
        const auto sid = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
        ASSERT_EQ(lex().child(lex().fast_id[node], sid), lex().fast_id[child]) << "node " << node << " sid " << sid;
    }
}

TEST(TriageTrie, NoEdgeIsInvented) {
    const auto vocab = static_cast<std::uint32_t>(lex().stripped_vocab.size() + 2);
    std::size_t checked = 0;
    for (std::uint32_t node = 0; node < lex().nodes.size(); ++node) {
        // Every sid on the wide nodes (binary search), a spread of sids elsewhere (linear scan, mask).
        const auto& n = lex().fast_nodes[lex().fast_id[node]];
        const std::uint32_t step = node == 0 || n.edge_count > 8 ? 1 : 97;
        for (std::uint32_t sid = node % step; sid < vocab + 64; sid += step) {
            const auto it = lex().edges.find((static_cast<std::uint64_t>(node) << 32) | sid);
            ASSERT_EQ(lex().child(lex().fast_id[node], sid), it == lex().edges.end() ? 0u : lex().fast_id[it->second])
                << "node " << node << " sid " << sid;
            ++checked;
        }
    }
    EXPECT_GT(checked, lex().nodes.size());
}

TEST(TriageTrie, RootChildrenAndLeavesAreFlagged) {
    std::size_t leaves = 0;
    for (std::uint32_t node = 0; node < lex().nodes.size(); ++node) {
        const auto& n = lex().fast_nodes[lex().fast_id[node]];
        EXPECT_EQ((n.bits & lexicon::node_phrases) != 0, !lex().nodes[node].phrases.empty());
        EXPECT_EQ((n.bits & lexicon::node_gaps) != 0, !lex().nodes[node].gaps.empty());
        EXPECT_EQ((n.bits & lexicon::node_words) != 0, n.edge_count > 0);
        leaves += n.edge_count == 0;
    }
    EXPECT_GT(leaves, 0u);
}

TEST(TriageTrie, NumberingIsBreadthFirstAndOneToOne) {
    const auto& l = lex();
    std::vector<char> seen(l.nodes.size(), 0);
    for (const auto id : l.fast_id) {
        ASSERT_LT(id, seen.size());
        EXPECT_FALSE(seen[id]);
        seen[id] = 1;
    }
    EXPECT_EQ(l.fast_id[0], 0u);
    // Every child of the root comes before every grandchild.
    std::uint32_t last_child = 0;
    for (const auto c : l.root_child) last_child = std::max(last_child, c);
    for (const auto& [key, child] : l.edges)
        if ((key >> 32) != 0) {
            EXPECT_GT(l.fast_id[child], last_child);
        }
}

TEST(TriageTrie, FlatPhrasesAndGapsAreTheLoadersOnes) {
    const auto& l = lex();
    for (std::uint32_t node = 0; node < l.nodes.size(); ++node) {
        const auto& ends = l.fast_ends[l.fast_id[node]];
        ASSERT_EQ(ends.phrase_count, l.nodes[node].phrases.size());
        for (std::size_t k = 0; k < ends.phrase_count; ++k) {
            const auto& flat = l.fast_phrases[ends.phrases_begin + k];
            const auto& ph = l.phrases[l.nodes[node].phrases[k]];
            ASSERT_EQ(flat.entry, ph.entry);
            ASSERT_EQ(flat.step_count, ph.steps.size());
            for (std::size_t i = 0; i < ph.steps.size(); ++i) {
                const auto& a = l.fast_steps[flat.steps_begin + i];
                EXPECT_TRUE(a.sid == ph.steps[i].sid && a.aid == ph.steps[i].aid && a.gap == ph.steps[i].gap);
            }
        }
        ASSERT_EQ(ends.gap_count, l.nodes[node].gaps.size());
        for (std::size_t k = 0; k < ends.gap_count; ++k) {
            EXPECT_EQ(l.fast_gaps[ends.gaps_begin + k].gap, l.nodes[node].gaps[k].first);
            EXPECT_EQ(l.fast_gaps[ends.gaps_begin + k].child, l.fast_id[l.nodes[node].gaps[k].second]);
        }
    }
}

TEST(TriageTrie, LoaderStructuresAreFreedAndTheSummaryStillCounts) {
    const auto l = load_lexicon_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    EXPECT_TRUE(l->phrases.empty() && l->nodes.empty() && l->edges.empty() && l->fast_id.empty());
    EXPECT_TRUE(l->stripped_vocab.empty() && l->accent_vocab.empty());
    EXPECT_EQ(l->fast_phrases.size(), lex().phrases.size());
    EXPECT_EQ(l->fast_nodes.size(), lex().nodes.size());
}

TEST(TriageT2s, EveryListedCharacterIsSimplifiedAndNoOtherIs) {
    const auto& l = lex();
    ASSERT_FALSE(l.t2s.empty());
    for (const auto& [from, to] : l.t2s) EXPECT_EQ(l.simplified(from), to);
    std::size_t unchanged = 0;
    for (char32_t c = 0x3400; c < 0xA000; ++c) {
        const bool listed = std::binary_search(
            l.t2s.begin(), l.t2s.end(), std::pair<char32_t, char32_t>{c, 0},
            [](const auto& a, const auto& b) { return a.first < b.first; }
        );
        if (!listed) {
            EXPECT_EQ(l.simplified(c), c);
            ++unchanged;
        }
    }
    EXPECT_GT(unchanged, 20000u);
    EXPECT_EQ(l.simplified(0x20000), 0x20000u);  // beyond the BMP: the search, not the bitmap
}

}  // namespace
}  // namespace tamsu::triage::detail
