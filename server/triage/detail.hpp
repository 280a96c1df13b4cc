// Internals of the triage engine: signal classes, the compiled lexicon, tokens and the matcher.
// Everything in a `lexicon` is written once by the loader and only read afterwards, so it may be
// shared between threads freely.
#pragma once

#include "server/triage/flat_map.hpp"
#include "server/triage/triage.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace tamsu::triage::detail {

// Signal classes (weights in docs/triage.md) followed by modifier cues (weight 0, never a level alone).
enum class sig : std::uint8_t {
    A, I, M, P, K, SH, J, S, V, W, T, O, C, X, H, D, N, L,
    NEG, NEGPOST, MIN, CON, PAST, TP, FRAME, IDENT, INT, HYP, FF, LAUGH, DES,
    count_
};
inline constexpr std::size_t sig_count = static_cast<std::size_t>(sig::count_);
std::string_view sig_name(sig s);
int default_weight(sig s);
inline bool is_cue(sig s) { return static_cast<std::size_t>(s) >= static_cast<std::size_t>(sig::NEG); }

// The languages the rules single out (language collisions, docs/triage.md "Modifiers" 1).
enum class lang_code : std::uint8_t { other, vi, en };

enum flag : std::uint32_t {
    f_hyp = 1u << 0,       // hyperbole-prone (kms, muốn chết): demoted by laughter or a school clause
    f_topic = 1u << 1,     // a bare topic word ("suicide", "tự tử"): weak frames zero it
    f_ctx = 1u << 2,       // stripped-form collision (tu tu = tự tử / từ từ): needs context
    f_strong = 1u << 3,    // FRAME: fiction/lyrics frame that zeroes any pattern in its clause
    f_consume = 1u << 4,   // drops risk patterns inside its span (idioms, false friends, directed insults)
    f_everyday = 1u << 5,  // N/L: an everyday event (exam, class); a time word beside it is not a plan
    f_accent = 1u << 6,    // only when typed with diacritics (từ từ must not swallow a stripped tu tu)
    f_recur = 1u << 7,     // O: a habit or recurrence ("every night"), not "right now"
    f_prep = 1u << 8,      // P sub-types: counted once each
    f_note = 1u << 9,
    f_farewell = 1u << 10,
    f_time = 1u << 11,
    f_place = 1u << 12,
    f_grave = 1u << 13,    // T: a threat to life or a deadline (sextortion); a time word makes it critical
    f_end = 1u << 14,      // matches only at the end of its clause ("đêm nay em đi", not "em đi học")
    f_routine = 1u << 15,  // an ordinary reason for an act (charity, spam, a school trip): not a preparation
    f_resolved = 1u << 16, // MIN: the trouble is over ("switched schools, better now"): history, not now
    f_lapse = 1u << 17,    // MIN: a slip after recovery or a surface injury: a time word says when, not danger
    f_secret = 1u << 18,   // X: a secrecy request; grooming beside abuse, a confidence beside self-harm
    f_unreachable = 1u << 19,  // O: someone cannot be reached (phone off, not answering): after a farewell or
                               // beside a means or ideation, silence is the last step of a plan
    f_meet = 1u << 20,  // O: a meeting or pickup set ("he'll pick me up", `hẹn em ra bến xe`, 接我): beside a
                        // grooming lure (X) the time word is not "later"; alone or beside anything else, nothing
};
inline constexpr std::uint32_t p_subtypes = f_prep | f_note | f_farewell | f_time | f_place;

struct entry {
    std::string pattern;  // as written in the file, for explain
    std::string category;
    std::string language;
    lang_code lang = lang_code::other;  // `language`, for the rules
    std::string file;
    int line = 0;
    sig cls = sig::L;
    int weight = 0;
    std::uint32_t flags = 0;
};

// What the rules read of an entry, for every hit of every message: an `entry` is ~180 bytes of strings,
// one cache line or more per hit, where these facts are eight bytes side by side (lexicon::facts).
struct entry_facts {
    enum : std::uint8_t { cat_none = 1, cat_service = 2, cat_suicide = 4 };  // category "-", "service", "suicide_self_harm"
    std::uint32_t flags = 0;
    std::int16_t weight = 0;
    sig cls = sig::L;
    lang_code lang = lang_code::other;
    std::uint8_t category = 0;  // cat_* bits
};

// Reserved token ids: 0 = not in the lexicon vocabulary, 1 = any number.
inline constexpr std::uint32_t unknown_id = 0;
inline constexpr std::uint32_t number_id = 1;

// One normalised token as the matcher sees it: its stripped id, its accented id and whether it was
// typed without diacritics (then only the stripped form is compared: triage-lexicon §1 "diacritic-aware").
struct sub {
    std::uint32_t sid = unknown_id;
    std::uint32_t aid = unknown_id;
    bool plain = true;
};

// One candidate reading of an input position (the token itself, squashed, leet, Telex, teencode...).
// A teencode expansion may be several tokens ("tn" -> "tối nay"); a joined spelling ("c.h.ế.t") spans
// several input positions.
struct form {
    std::array<sub, 3> subs{};
    std::uint8_t n = 0;
    std::uint8_t span = 1;
};

// Clause punctuation a pattern may match across: only where the pattern itself writes it
// ("goodbye, everyone"), since "dọa đánh, tui" is not "đánh tui".
enum boundary : std::uint8_t { no_boundary = 0, clause_boundary = 1, sentence_boundary = 2 };

struct token {
    // What the matcher and the language gate ask of a token's readings at nearly every step, kept with
    // the token by tokenize() as it copies the readings, instead of derived again by a pass over them:
    std::uint64_t first_sids = 0;  // bit sid % 64 of each reading's first word (an AND with a node's edge mask)
    std::uint32_t form_begin = 0;
    std::uint32_t form_count = 0;
    std::uint32_t clause = 0;  // grows at punctuation, by sentence_step at a sentence end (normalize.hpp)
    std::uint32_t msg = 0;     // index of the send inside the window
    std::uint32_t text_begin = 0, text_len = 0;  // into tokens::text, for explain
    bool quoted = false;
    bool han = false;
    bool vi_function_word = false;  // em, khong, la...: two of them show a Vietnamese message typed without marks
    bool marked = false;  // some reading is compared by its accent key (typed with diacritics)
    std::uint8_t brk = no_boundary;  // the punctuation before the token (none for the first of the tokens)
};

struct tokens {
    std::vector<token> toks;
    std::vector<form> forms;
    std::string text;  // normalised token texts, space separated
    // Per token: feature_hash() of its text, the risk model's word (model.hpp). Kept beside the tokens
    // because the reading cache holds it per word, where hashing every byte of every message again in
    // risk_features() cost ~20 instructions per byte.
    std::vector<std::uint64_t> feature_hashes;

    void clear() {  // keeps the memory, for reuse
        toks.clear();
        forms.clear();
        text.clear();
        feature_hashes.clear();
    }
};


// One step of a compiled pattern: a literal token or a gap of up to `gap` tokens.
struct step {
    std::uint32_t sid = unknown_id;
    std::uint32_t aid = unknown_id;
    std::uint8_t gap = 0;  // > 0: a `~N` gap step, sid/aid unused
    // The strongest boundary the pattern writes after this literal (before the next token) or inside
    // this gap; the matcher refuses any stronger one there.
    std::uint8_t brk = no_boundary;
};

// A gap edge's key byte: the gap's size and the boundary it may cross (gaps of one size but different
// boundaries are different edges).
inline constexpr std::uint8_t gap_key(std::uint8_t gap, std::uint8_t brk) { return static_cast<std::uint8_t>(gap | (brk << 4)); }
inline constexpr std::uint8_t gap_size(std::uint8_t key) { return key & 0x0F; }
inline constexpr std::uint8_t gap_boundary(std::uint8_t key) { return static_cast<std::uint8_t>(key >> 4); }

struct phrase {
    std::uint32_t entry = 0;
    std::uint32_t first_step = 0, step_count = 0;  // in lexicon::phrase_steps (one array, not one per phrase)
};

// A token trie over stripped ids; gap steps are edges of their own. Matching walks it from each
// position, so the cost per token is bounded by the longest pattern, not by the lexicon size.
struct trie_node {
    std::vector<std::uint32_t> phrases;                         // phrases ending here
    std::vector<std::pair<std::uint8_t, std::uint32_t>> gaps;  // (gap_key, child)
    std::uint8_t brk = no_boundary;  // the strongest boundary any phrase through here writes after this word
};

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using vocab_map = std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>>;

struct lexicon {
    std::vector<entry> entries;
    std::vector<entry_facts> facts;  // entries[i]'s, built by finish()
    // The loader's structures, from which finish() builds the flat read-only copies below;
    // drop_loader_structures() then frees them (about 90 MB, two thirds of a loaded lexicon's memory).
    std::vector<phrase> phrases;
    std::vector<step> phrase_steps;
    std::span<const step> steps(const phrase& ph) const { return {phrase_steps.data() + ph.first_step, ph.step_count}; }
    std::vector<trie_node> nodes;  // nodes[0] is the root
    flat_u64_map edges;  // (node << 32 | sid) -> child
    vocab_map stripped_vocab;  // stripped token -> sid
    vocab_map accent_vocab;    // accent key (tone-placement free) -> aid
    std::unordered_map<std::string, std::vector<std::vector<std::string>>, string_hash, std::equal_to<>>
        teencode;  // raw token -> expansions, each a list of tokens (already normalised)
    // Misspellings of the English risk words (a transposition or a dropped letter: "wnat", "kil",
    // "myslef", "knfie"), generated by the loader; each is read as the word(s) it may stand for.
    std::unordered_map<std::string, std::vector<std::string>, string_hash, std::equal_to<>> typos;
    // Traditional -> Simplified, sorted by the traditional character, looked up for every Han
    // character of every message. Most characters have no entry: one bit per BMP code point (8 KB)
    // says so without a search.
    std::vector<std::pair<char32_t, char32_t>> t2s;
    std::vector<bool> t2s_bmp;  // set_t2s() builds both
    void set_t2s(std::vector<std::pair<char32_t, char32_t>> sorted_pairs) {
        t2s = std::move(sorted_pairs);
        t2s_bmp.assign(0x10000, false);
        for (const auto& [from, to] : t2s)
            if (from < 0x10000) t2s_bmp[from] = true;
    }
    char32_t simplified(char32_t c) const {
        if (c < 0x10000 && !t2s_bmp[c]) return c;
        const auto it = std::lower_bound(t2s.begin(), t2s.end(), c, [](const auto& p, char32_t v) { return p.first < v; });
        return it != t2s.end() && it->first == c ? it->second : c;
    }
    std::vector<char> vi_sids;  // stripped ids used by Vietnamese patterns (index = sid)

    // Read-only flat copy of the trie for the hot path (built by finish()). The matcher's cost is cache
    // misses, one or more per visited node, so each node is one variable-length record in one array of
    // 32-bit words, everything the walk reads there side by side (usually one or two cache lines), in
    // breadth-first order with each node's leaf children right after it. Separate arrays for nodes, ends,
    // phrases and steps cost up to four misses per node, and the steps (12 bytes each, with the stripped
    // id the walk has just followed) were 20 MB of the 35.
    //
    // A record, at its offset in `trie`:
    //   header: bits (8) | gap count (8) << 8 | phrase count (16) << 16
    //   when node_words: edge count, then the edge mask (bit sid % 64: skips most searches) as two
    //     words, then the edges as (sid, child offset) pairs, sorted by sid
    //   the gaps as (gap_key, child offset) pairs
    //   the phrases ending here, each a head word (entry | end_only << 31) and then one word per step
    //     (accent id | brk << 30). All phrases of a node have as many steps as the node is deep; a step's
    //     stripped id is the edge the walk followed, and a gap step is a gap edge, so neither is kept.
    // The root's record has no edges: root_child holds them (most lookups start there).
    // node_cross_clause / node_cross_sentence: some phrase through this node writes that punctuation after
    // its word, so the walk may go on across it (report() then checks each phrase).
    static constexpr std::uint8_t node_phrases = 1, node_gaps = 2, node_words = 4, node_cross_clause = 8,
                                  node_cross_sentence = 16;
    static constexpr std::uint32_t phrase_end_only = 1u << 31;  // the entry is flagged `end` (the matcher drops
                                                                // it where it cannot end a clause)
    static constexpr std::uint32_t step_aid_mask = (1u << 30) - 1;
    static constexpr unsigned step_brk_shift = 30;
    struct node_view {
        const std::uint32_t* p;
        std::uint8_t bits() const { return static_cast<std::uint8_t>(p[0]); }
        std::uint32_t gap_count() const { return (p[0] >> 8) & 0xFF; }
        std::uint32_t phrase_count() const { return p[0] >> 16; }
        std::uint32_t edge_count() const { return (p[0] & node_words) ? p[1] : 0; }
        const std::uint32_t* edges() const { return p + 4; }  // only with node_words
        const std::uint32_t* gaps() const { return (p[0] & node_words) ? p + 4 + 2 * p[1] : p + 1; }
        const std::uint32_t* phrases() const { return gaps() + 2 * gap_count(); }
        bool may_have(std::uint32_t sid) const { return (p[2 + ((sid >> 5) & 1)] >> (sid & 31)) & 1; }
        std::uint64_t edge_mask() const { return p[2] | std::uint64_t{p[3]} << 32; }  // bit sid % 64; only with node_words
    };
    node_view node_at(std::uint32_t offset) const { return node_view{trie.data() + offset}; }
    std::vector<std::uint32_t> trie;
    std::vector<std::uint32_t> root_child;  // sid -> offset of the child of the root (0 = none)
    std::vector<bool> time_start;           // sid -> some P time pattern starts with it (an `end` pattern may precede it)
    std::vector<std::uint32_t> entry_phrases;  // entry -> the phrases it expanded to (for the summary)
    std::size_t node_count = 0, phrase_count = 0;
    flat_string_map fast_stripped;
    flat_string_map fast_accent;
    std::vector<std::uint32_t> fast_id;     // nodes index -> offset in trie
    std::uint64_t serial = 0;  // unique per loaded lexicon: keys the per-thread word cache
    void finish();
    void drop_loader_structures();

    // The child of the node at `offset` on stripped id `sid`, 0 when there is none (the root is nobody's child).
    std::uint32_t child(std::uint32_t offset, std::uint32_t sid) const {
        if (offset == 0) return sid < root_child.size() ? root_child[sid] : 0;
        return child(node_at(offset), sid);
    }
    std::uint32_t child(node_view n, std::uint32_t sid) const {
        if (!(n.bits() & node_words) || !n.may_have(sid)) return 0;
        const auto count = n.p[1];
        const auto* first = n.edges();
        if (count <= 8) {
            for (std::uint32_t i = 0; i < count; ++i)
                if (first[2 * i] == sid) return first[2 * i + 1];
            return 0;
        }
        std::uint32_t lo = 0, hi = count;  // binary search over the pairs' sids
        while (lo < hi) {
            const auto mid = (lo + hi) / 2;
            if (first[2 * mid] < sid) lo = mid + 1;
            else hi = mid;
        }
        return lo < count && first[2 * lo] == sid ? first[2 * lo + 1] : 0;
    }
};

struct hit {
    std::uint32_t entry = 0;
    std::uint32_t begin = 0, end = 0;  // token positions [begin, end)
    bool stripped_only = true;         // no token of the match was typed with diacritics
    std::uint32_t first_sid = 0;       // stripped id of the first word, for language collisions
};

// match_all's order. Every field takes part, so which of two hits on one span is kept never depends
// on the sort's order of equal elements: the session window finds hits in pieces and keeps the same.
inline bool hit_before(const hit& a, const hit& b) {
    return std::tie(a.entry, a.begin, a.end, a.stripped_only, a.first_sid) <
           std::tie(b.entry, b.begin, b.end, b.stripped_only, b.first_sid);
}

// Normalisation + tokenisation (triage-lexicon §1 steps 1-12), appended to `out`; false, and `out`
// unchanged, when `text` is not valid UTF-8 (tokenize_repairing). `for_lexicon` turns candidate
// generation off (patterns are written in standard spelling).
bool tokenize(const lexicon& lex, std::string_view text, std::uint32_t msg, tokens& out, bool for_lexicon);

// The key that compares Vietnamese syllables whatever the tone placement ("hoà" == "hòa"), and the
// fully stripped form (đ -> d, no marks).
void accent_and_strip(std::string_view word, std::string& accent_key, std::string& stripped);

std::vector<hit> match_all(const lexicon& lex, const tokens& t);
void match_all(const lexicon& lex, const tokens& t, std::vector<hit>& out);  // reuses out's memory
// For a token sequence that grew at its end (the session window, window.cpp): the hits of
// match_all(lex, t) that end after token `after`, in its order. Walks from every token from `after` on
// and from the starts in `earlier` (before `after`): the `open` starts of the previous call, whose
// walks met the end of the tokens then; no other earlier walk can reach past it. `open` receives the
// walked starts whose walk met the end of t.
void match_tail(
    const lexicon& lex, const tokens& t, std::span<const std::uint32_t> earlier, std::uint32_t after,
    std::vector<hit>& out, std::vector<std::uint32_t>& open
);

// The rules (engine.cpp) on tokens whose hits are already known: `hits` must be match_all(lex, t).
assessment analyse_matched(const lexicon& lex, const tokens& t, const std::vector<hit>& hits, bool with_matches);
// The highest level analyse_matched can give any tokens whose hits are `hits`, from the hits'
// classes alone (critical when it cannot tell). Cheap: one look per hit.
level level_bound(const lexicon& lex, std::span<const hit> hits);
// Fail upward (§3.2.6): what an engine error makes of a message.
assessment fail_high(std::string why);

std::shared_ptr<const lexicon> load_lexicon_blocking(const std::filesystem::path& dir);
// The same, keeping the loader's structures (for tests that compare the flat copies with them).
std::shared_ptr<const lexicon> load_lexicon_with_loader_structures_blocking(const std::filesystem::path& dir);

// The same loading and validation, but every invalid line is reported ("file:line: reason", in file
// order) instead of only the first; nullptr when there was any.
std::shared_ptr<const lexicon> check_lexicon_blocking(const std::filesystem::path& dir, std::vector<std::string>& errors);

bool is_valid_utf8(std::string_view s);
std::string repair_utf8(std::string_view s);
// tokenize() of `text`, or of repair_utf8(text) when it is not valid UTF-8; true when it repaired.
// Every path that reads a student's text goes through it, and a repaired text is at least high:
bool tokenize_repairing(const lexicon& lex, std::string_view text, std::uint32_t msg, tokens& out);
// fail upward (§3.2.6) for a message read from repaired UTF-8: at least high, rule "invalid_utf8".
void floor_unreadable(assessment& a);

// Long text is judged in overlapping pieces: engine::assess slices a long message (one longer than
// slice_bytes + slice_overlap), run_cli chunks a huge input line while streaming it.
inline constexpr std::size_t slice_bytes = 8 * 1024;
inline constexpr std::size_t slice_overlap = 512;
// Both cut and merge the same way:
// a cut at or before `limit` that splits no UTF-8 sequence, at white space if there is some in the
// last `lookback` bytes;
std::size_t cut_point(std::string_view s, std::size_t limit, std::size_t lookback);
// and the piece judged highest (level, then score) wins, keeping every piece's categories and rules.
void fold_piece(assessment& best, assessment piece);
// The session window read together (engine::assess_send, both paths) wins over the newest send alone
// only when it is higher; a window holding invalid UTF-8 is at least high (fail upward).
void fold_window(assessment& best, assessment window, bool invalid_utf8);

}  // namespace tamsu::triage::detail
