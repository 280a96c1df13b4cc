// The matcher's flat trie layout (detail::lexicon::child) against the loader's edge map it is built from.
#include "server/triage/detail.hpp"

#include <gtest/gtest.h>

namespace tamsu::triage::detail {
namespace {

const lexicon& lex() {
    static const auto l = load_lexicon_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    return *l;
}

TEST(TriageTrie, EveryEdgeIsFound) {
    for (const auto& [key, child] : lex().edges) {
        const auto node = static_cast<std::uint32_t>(key >> 32);
        const auto sid = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
        ASSERT_EQ(lex().child(node, sid), child) << "node " << node << " sid " << sid;
    }
}

TEST(TriageTrie, NoEdgeIsInvented) {
    const auto vocab = static_cast<std::uint32_t>(lex().stripped_vocab.size() + 2);
    std::size_t checked = 0;
    for (std::uint32_t node = 0; node < lex().nodes.size(); ++node) {
        // Every sid on the wide nodes (binary search), a spread of sids elsewhere (linear scan, mask).
        const auto& n = lex().fast_nodes[node];
        const std::uint32_t step = node == 0 || n.edge_count > 8 ? 1 : 97;
        for (std::uint32_t sid = node % step; sid < vocab + 64; sid += step) {
            const auto it = lex().edges.find((static_cast<std::uint64_t>(node) << 32) | sid);
            ASSERT_EQ(lex().child(node, sid), it == lex().edges.end() ? 0u : it->second) << "node " << node << " sid " << sid;
            ++checked;
        }
    }
    EXPECT_GT(checked, lex().nodes.size());
}

TEST(TriageTrie, RootChildrenAndLeavesAreFlagged) {
    std::size_t leaves = 0;
    for (std::uint32_t node = 0; node < lex().nodes.size(); ++node) {
        const auto& n = lex().fast_nodes[node];
        EXPECT_EQ((n.bits & lexicon::node_phrases) != 0, !lex().nodes[node].phrases.empty());
        EXPECT_EQ((n.bits & lexicon::node_gaps) != 0, !lex().nodes[node].gaps.empty());
        EXPECT_EQ((n.bits & lexicon::node_words) != 0, n.edge_count > 0);
        leaves += n.edge_count == 0;
    }
    EXPECT_GT(leaves, 0u);
}

}  // namespace
}  // namespace tamsu::triage::detail
