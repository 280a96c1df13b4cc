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
        const auto n = lex().node_at(lex().fast_id[node]);
        const std::uint32_t step = node == 0 || n.edge_count() > 8 ? 1 : 97;
        for (std::uint32_t sid = node % step; sid < vocab + 64; sid += step) {
            const auto it = lex().edges.find((static_cast<std::uint64_t>(node) << 32) | sid);
            ASSERT_EQ(lex().child(lex().fast_id[node], sid), it == lex().edges.end() ? 0u : lex().fast_id[it->second])
                << "node " << node << " sid " << sid;
            ++checked;
        }
    }
    EXPECT_GT(checked, lex().nodes.size());
}

// How many word edges leave each loader node.
std::vector<std::size_t> edge_counts(const lexicon& l) {
    std::vector<std::size_t> n(l.nodes.size(), 0);
    for (const auto& [key, child] : l.edges) ++n[static_cast<std::size_t>(key >> 32)];
    return n;
}

TEST(TriageTrie, RootChildrenAndLeavesAreFlagged) {
    const auto edges = edge_counts(lex());
    std::size_t leaves = 0;
    for (std::uint32_t node = 0; node < lex().nodes.size(); ++node) {
        const auto n = lex().node_at(lex().fast_id[node]);
        EXPECT_EQ((n.bits() & lexicon::node_phrases) != 0, !lex().nodes[node].phrases.empty());
        EXPECT_EQ((n.bits() & lexicon::node_gaps) != 0, !lex().nodes[node].gaps.empty());
        EXPECT_EQ((n.bits() & lexicon::node_words) != 0, edges[node] > 0);
        // The root's edges live in root_child.
        EXPECT_EQ(n.edge_count(), node == 0 ? 0 : edges[node]);
        leaves += edges[node] == 0;
    }
    EXPECT_GT(leaves, 0u);
}

// Records in breadth-first order, except that a leaf (no word edge, no gap) sits right after its
// parent's record or its leaf siblings'; no two records overlap.
TEST(TriageTrie, RecordsAreBreadthFirstWithLeavesBesideTheirParent) {
    const auto& l = lex();
    const auto edges = edge_counts(l);
    std::vector<std::uint32_t> parent(l.nodes.size(), 0);
    std::vector<std::vector<std::uint32_t>> children(l.nodes.size());
    for (const auto& [key, child] : l.edges) children[static_cast<std::size_t>(key >> 32)].push_back(child);
    for (std::uint32_t node = 0; node < l.nodes.size(); ++node)
        for (const auto& g : l.nodes[node].gaps) children[node].push_back(g.second);
    for (std::uint32_t node = 0; node < l.nodes.size(); ++node)
        for (const auto c : children[node]) parent[c] = node;
    const auto leaf = [&](std::uint32_t node) { return edges[node] == 0 && l.nodes[node].gaps.empty(); };
    // Breadth-first levels, children by their loader number within a parent (the order of the offsets of
    // one level is not fixed, only that a level comes after the one above it).
    std::vector<std::uint32_t> level(l.nodes.size(), 0);
    std::vector<std::uint32_t> queue{0};
    for (std::size_t k = 0; k < queue.size(); ++k)
        for (const auto c : children[queue[k]]) {
            level[c] = level[queue[k]] + 1;
            queue.push_back(c);
        }
    ASSERT_EQ(queue.size(), l.nodes.size());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_offset;  // (offset, node)
    for (std::uint32_t node = 0; node < l.nodes.size(); ++node) by_offset.emplace_back(l.fast_id[node], node);
    std::sort(by_offset.begin(), by_offset.end());
    EXPECT_EQ(by_offset.front(), (std::pair<std::uint32_t, std::uint32_t>{0, 0}));
    std::uint32_t last_inner = 0, last_level = 0;
    for (std::size_t k = 0; k < by_offset.size(); ++k) {
        const auto [offset, node] = by_offset[k];
        if (k > 0) {
            ASSERT_LT(by_offset[k - 1].first, offset) << "two records at one offset";
        }
        if (leaf(node)) {
            EXPECT_EQ(parent[node], last_inner) << "leaf " << node << " away from its parent";
        } else {
            EXPECT_GE(level[node], last_level) << "node " << node << " out of breadth-first order";
            last_inner = node;
            last_level = level[node];
        }
    }
}

TEST(TriageTrie, FlatPhrasesAndGapsAreTheLoadersOnes) {
    const auto& l = lex();
    for (std::uint32_t node = 0; node < l.nodes.size(); ++node) {
        const auto n = l.node_at(l.fast_id[node]);
        ASSERT_EQ(n.phrase_count(), l.nodes[node].phrases.size());
        const auto* flat = n.phrases();
        for (std::size_t k = 0; k < n.phrase_count(); ++k) {
            const auto& ph = l.phrases[l.nodes[node].phrases[k]];
            ASSERT_EQ(flat[0] & ~lexicon::phrase_end_only, ph.entry);
            ASSERT_EQ((flat[0] & lexicon::phrase_end_only) != 0, (l.entries[ph.entry].flags & f_end) != 0);
            const auto steps = l.steps(ph);
            for (std::size_t i = 0; i < steps.size(); ++i) {
                const auto w = flat[1 + i];
                EXPECT_EQ(w & lexicon::step_aid_mask, steps[i].aid);
                EXPECT_EQ(w >> lexicon::step_brk_shift, steps[i].brk);
            }
            flat += 1 + steps.size();
        }
        ASSERT_EQ(n.gap_count(), l.nodes[node].gaps.size());
        for (std::size_t k = 0; k < n.gap_count(); ++k) {
            EXPECT_EQ(n.gaps()[2 * k], l.nodes[node].gaps[k].first);
            EXPECT_EQ(n.gaps()[2 * k + 1], l.fast_id[l.nodes[node].gaps[k].second]);
        }
    }
}

TEST(TriageTrie, LoaderStructuresAreFreedAndTheSummaryStillCounts) {
    const auto l = load_lexicon_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    EXPECT_TRUE(l->phrases.empty() && l->phrase_steps.empty() && l->nodes.empty() && l->edges.empty() && l->fast_id.empty());
    EXPECT_TRUE(l->stripped_vocab.empty() && l->accent_vocab.empty());
    EXPECT_EQ(l->phrase_count, lex().phrases.size());
    EXPECT_EQ(l->node_count, lex().nodes.size());
    std::size_t expanded = 0;
    for (const auto n : l->entry_phrases) expanded += n;
    EXPECT_EQ(expanded, lex().phrases.size());
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
