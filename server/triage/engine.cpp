// Scoring and decision rules (triage-lexicon §3): modifiers, conditional classes, levels.
#include "server/triage/detail.hpp"
#include "server/triage/model.hpp"
#include "server/triage/normalize.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>

namespace tamsu::triage {

std::string_view to_string(level lvl) {
    switch (lvl) {
    case level::critical: return "critical";
    case level::high: return "high";
    case level::normal: return "normal";
    case level::low: return "low";
    }
    return "high";  // defensive: an unknown value fails upward
}

namespace detail {
namespace {

// The weight from which a P prep/note/farewell is an act of its own (the weak leavings weigh 1).
constexpr int act_weight = 4;

// s is one of set (a fold expression: inlined, unlike a search of an initializer_list).
template <class... Sigs>
bool in(sig s, Sigs... set) {
    return ((s == set) || ...);
}

// Where a class ranks when ordering categories and matches: most urgent first.
constexpr std::array<int, sig_count> ranks = [] {
    constexpr std::array<sig, 18> order{sig::A, sig::I, sig::SH, sig::S, sig::V, sig::T, sig::C, sig::X, sig::M,
                                        sig::P, sig::K, sig::J,  sig::W, sig::O, sig::H, sig::D, sig::N, sig::L};
    std::array<int, sig_count> r{};
    r.fill(100);
    for (std::size_t i = 0; i < order.size(); ++i) r[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
    return r;
}();
int rank(sig s) { return ranks[static_cast<std::size_t>(s)]; }

struct effect {
    sig cls = sig::L;
    int weight = 0;
    bool alive = true;
    bool negated = false;
    bool negation_candidate = false;  // in a negation scope; decided once the overrides are known
};

// What the rules read of a hit, side by side: the rules compare hits pairwise, and reading these through
// the large, scattered entries cost a cache miss per comparison.
struct hit_facts {
    sig cls = sig::L;  // the entry's class (effect::cls is the class after modifiers)
    lang_code lang = lang_code::other;
    std::uint32_t flags = 0;
    std::uint32_t msg = 0;
    std::uint32_t clause = 0;  // after contrast words split clauses (split_clauses)
    std::uint8_t category = 0;  // entry_facts::cat_* bits
};

// One thread's working memory for analyses, reused from message to message instead of allocated.
// An analysis runs to its end before the next starts on the same thread, so one set is enough.
struct analysis_buffers {
    std::vector<hit> hits;
    std::vector<effect> fx;
    std::vector<hit_facts> facts;
    std::vector<std::uint32_t> clause;
    std::vector<std::uint32_t> starts;
    std::vector<bool> vi_msg;  // not char: a char store may alias anything, and the compiler then reloads every vector
    std::vector<std::uint8_t> msg_frame;  // frame_* bits per send (message_frames); only filled when a frame is seen
    std::vector<int> vi_count;
    std::vector<std::size_t> order;
    std::vector<std::uint32_t> by_begin;  // hit indices by start (then index), for the containment scans
    std::vector<std::string_view> rules;
};

class analysis {
public:
    // `matched`: match_all(lex, t) when the caller has it already (the session window keeps each send's hits).
    analysis(const lexicon& lex, const tokens& t, bool with_matches, analysis_buffers& buf,
             const std::vector<hit>* matched = nullptr)
        : lex_(lex), t_(t), with_matches_(with_matches), buf_(buf), hits_(buf.hits), fx_(buf.fx), facts_(buf.facts),
          clause_(buf.clause), rules_(buf.rules) {
        if (matched)
            hits_.assign(matched->begin(), matched->end());
        else
            match_all(lex, t, hits_);
        n_ = hits_.size();
        fx_.assign(n_, effect{});
        facts_.resize(n_);
        rules_.clear();
        for (std::size_t i = 0; i < n_; ++i) {
            const auto& e = lex_.facts[hits_[i].entry];
            facts_[i] = hit_facts{e.cls, e.lang, e.flags, t_.toks[hits_[i].begin].msg, 0, e.category};
            fx_[i].cls = e.cls;
            fx_[i].weight = e.weight;
            // An exhaustion or exam idiom ("mệt muốn chết") still says the student is struggling: N.
            if (fx_[i].cls == sig::HYP && fx_[i].weight > 0) fx_[i].cls = sig::N;
            // Accent-only patterns (từ từ, treo cờ) are not read from a stripped spelling.
            if ((flags(i) & f_accent) && hits_[i].stripped_only) fx_[i].alive = false;
            max_len_ = std::max(max_len_, hits_[i].end - hits_[i].begin);
        }
        // A window of ten sends holds a hundred hits or more; the rules that ask "which hits contain this
        // one" would compare every pair of them at every send (docs/performance.md §9).
        // A CLI line has about five hits, where scanning them all costs less than building the index.
        indexed_ = n_ > index_from;
        if (!indexed_) return;
        auto& by = buf_.by_begin;
        by.resize(n_);
        for (std::uint32_t i = 0; i < n_; ++i) by[i] = i;
        std::sort(by.begin(), by.end(), [&](std::uint32_t a, std::uint32_t b) {
            return std::tie(hits_[a].begin, a) < std::tie(hits_[b].begin, b);
        });
    }

    assessment run() {
        clause_end();
        language_gate();
        collision_context();
        consume();
        containment();
        cues_inside_words();
        split_clauses();
        note_classes();
        message_frames();
        modifiers();
        resolved_history();
        time_inside_resolution();
        everyday_time();
        routine_acts();
        return decide();
    }

private:
    const lexicon& lex_;
    const tokens& t_;
    bool with_matches_;
    analysis_buffers& buf_;
    std::vector<hit>& hits_;
    std::vector<effect>& fx_;
    std::vector<hit_facts>& facts_;
    std::vector<std::uint32_t>& clause_;  // clause per token after contrast words split clauses
    std::vector<std::string_view>& rules_;  // rule names are string literals
    std::uint64_t classes_ = 0;             // bit per class of an alive hit (note_classes)
    std::uint32_t flags_seen_ = 0;          // union of the alive hits' flags (note_classes)
    bool drop_means_ = false;               // decide(): a self-harm habit's means carry no weight
    bool drop_time_ = false;                // decide(): a later threat's time word carries no weight
    bool drop_secret_ = false;              // decide(): a secrecy request beside self-harm carries no weight
    std::size_t n_ = 0;                     // hits_.size(), fixed once matched
    std::uint32_t max_len_ = 0;             // the longest hit, in tokens
    // Whether buf_.by_begin is built. Without it the scans below read every hit: the same answers, as
    // they only ask whether some hit passes a test.
    bool indexed_ = false;
    static constexpr std::size_t index_from = 16;  // more hits than this: the index pays

    const entry& ent(std::size_t i) const { return lex_.entries[hits_[i].entry]; }
    // Punctuation, a send boundary or the end of the text follows the token before `end`.
    bool at_clause_end(std::uint32_t end) const {
        return end >= t_.toks.size() || t_.toks[end].clause != t_.toks[end - 1].clause ||
               t_.toks[end].msg != t_.toks[end - 1].msg;
    }
    sig orig(std::size_t i) const { return facts_[i].cls; }
    std::uint32_t flags(std::size_t i) const { return facts_[i].flags; }
    std::uint32_t msg(std::size_t i) const { return facts_[i].msg; }
    std::uint32_t clause(std::size_t i) const { return facts_[i].clause; }
    // One pattern's words inside the other's: two readings of one act ("posted goodbye" and "goodbye,
    // sorry for everything" share a word but are two acts).
    bool nested(std::size_t a, std::size_t b) const { return contains(a, b) || contains(b, a); }
    bool contains(std::size_t outer, std::size_t inner) const {
        return hits_[inner].begin >= hits_[outer].begin && hits_[inner].end <= hits_[outer].end;
    }
    // Whether pred(o) holds for some other hit o whose span contains r's. Only the hits that start at
    // most max_len_ tokens before r's end can; the answer does not depend on the order they are asked in.
    template <class P>
    bool any_covering(std::size_t r, P pred) const {
        const auto b = hits_[r].begin, e = hits_[r].end;
        if (!indexed_) {
            for (std::size_t o = 0; o < n_; ++o)
                if (o != r && hits_[o].begin <= b && hits_[o].end >= e && pred(o)) return true;
            return false;
        }
        const auto& by = buf_.by_begin;
        const std::uint32_t from = e > max_len_ ? e - max_len_ : 0;
        auto it = std::lower_bound(by.begin(), by.end(), from, [&](std::uint32_t i, std::uint32_t v) { return hits_[i].begin < v; });
        for (; it != by.end() && hits_[*it].begin <= b; ++it)
            if (*it != r && hits_[*it].end >= e && pred(*it)) return true;
        return false;
    }
    void rule(std::string_view r) {
        if (std::find(rules_.begin(), rules_.end(), r) == rules_.end()) rules_.push_back(r);
    }

    template <class P>
    bool any(P pred) const {
        for (std::size_t i = 0; i < n_; ++i)
            if (fx_[i].alive && pred(i)) return true;
        return false;
    }
    bool any_cue(sig s) const {
        return any([&](std::size_t i) { return orig(i) == s; });
    }

    // "đêm nay em đi" / "em đi đêm nay" is a leaving, "em đi học thêm" an errand: a pattern flagged `end`
    // must end its clause, or be followed only by a time word ("i'm leaving tonight").
    void clause_end() {
        for (std::size_t i = 0; i < n_; ++i) {
            if (!(flags(i) & f_end) || at_clause_end(hits_[i].end)) continue;
            const bool time_follows = std::any_of(hits_.begin(), hits_.begin() + static_cast<std::ptrdiff_t>(n_), [&](const hit& h) {
                const auto& e = lex_.facts[h.entry];
                return h.begin == hits_[i].end && e.cls == sig::P && (e.flags & f_time) && at_clause_end(h.end);
            });
            if (!time_follows) fx_[i].alive = false;
        }
    }

    // Stripped Vietnamese syllables collide with English words (me = mẹ, to = tớ, he = hè). A
    // one-word Vietnamese pattern read without diacritics counts only when the message shows
    // Vietnamese elsewhere: a word typed with diacritics or a Vietnamese phrase of two words or more.
    void language_gate() {
        auto& vi_msg = buf_.vi_msg;
        vi_msg.assign(t_.toks.empty() ? 0 : t_.toks.back().msg + 1, false);
        for (const auto& tok : t_.toks)
            if (tok.marked) vi_msg[tok.msg] = true;  // some reading typed with marks
        for (std::size_t i = 0; i < n_; ++i)
            if (facts_[i].lang == lang_code::vi && hits_[i].end - hits_[i].begin >= 2 && !is_cue(orig(i))) vi_msg[msg(i)] = true;
        // Two common Vietnamese function words typed without marks also show the language.
        auto& vi_count = buf_.vi_count;
        vi_count.assign(vi_msg.size(), 0);
        for (const auto& tok : t_.toks)
            if (tok.vi_function_word && ++vi_count[tok.msg] >= 2) vi_msg[tok.msg] = true;
        for (std::size_t i = 0; i < n_; ++i) {
            const bool one_word = hits_[i].end - hits_[i].begin == 1;
            if (facts_[i].lang == lang_code::vi && hits_[i].stripped_only && one_word && !vi_msg[msg(i)])
                fx_[i].alive = false;
            // ...and the other way: "song" is sông/sống in a Vietnamese message, not a song.
            const auto sid = hits_[i].first_sid;
            if (facts_[i].lang == lang_code::en && one_word && vi_msg[msg(i)] && sid < lex_.vi_sids.size() &&
                lex_.vi_sids[sid])
                fx_[i].alive = false;
        }
    }

    // §4.1.10: a stripped collision (tu tu, treo co, nhay lau) needs a desire/intent/past word just
    // before it, or a method or ideation word in the same message.
    void collision_context() {
        for (std::size_t i = 0; i < n_; ++i) {
            if (!(flags(i) & f_ctx) || !hits_[i].stripped_only) continue;
            const bool ok = any([&](std::size_t j) {
                if (j == i) return false;
                if (orig(j) == sig::DES)
                    return hits_[j].end <= hits_[i].begin && hits_[i].begin - hits_[j].end <= 1 &&
                           t_.toks[hits_[j].begin].clause == t_.toks[hits_[i].begin].clause;
                // A time word is no context: "từ từ đã, tí nữa em nhắn" (wait, in a bit) is everyday talk.
                return msg(j) == msg(i) && in(orig(j), sig::M, sig::I, sig::SH, sig::A, sig::P, sig::K) &&
                       !(flags(j) & f_ctx) && !(orig(j) == sig::P && (flags(j) & f_time));
            });
            if (!ok) {
                fx_[i].alive = false;
                rule("collision_without_context");
            }
        }
    }

    // §3.3.2 and §3.3.7: idioms, false friends and directed insults consume the risk words inside
    // them. An intensifier plus a means/plan/capability cancels hyperbole idioms.
    void consume() {
        const bool cancel = any_cue(sig::INT) && any([&](std::size_t i) {
                                return in(orig(i), sig::M, sig::P, sig::K);
                            });
        for (std::size_t c = 0; c < n_; ++c) {
            const sig cc = orig(c);
            const bool consumer = cc == sig::HYP || cc == sig::FF || (flags(c) & f_consume);
            if (!consumer || !fx_[c].alive) continue;
            if (cc == sig::HYP && cancel) {
                fx_[c].alive = false;
                rule("hyperbole_cancelled");
                continue;
            }
            for (std::size_t r = 0; r < n_; ++r) {
                if (r == c || !fx_[r].alive || !contains(c, r)) continue;
                const sig rc = orig(r);
                const bool r_consumer = rc == sig::HYP || rc == sig::FF || (flags(r) & f_consume);
                if (r_consumer && !(hits_[r].end - hits_[r].begin < hits_[c].end - hits_[c].begin)) continue;
                // "Never hide a clear critical phrase": only a false friend may swallow an anchor.
                // A directed insult ("they tell me to kill myself") quotes the anchor; it may consume it.
                if (rc == sig::A && cc == sig::HYP) continue;
                if (in(rc, sig::TP, sig::PAST, sig::O, sig::INT, sig::LAUGH, sig::FRAME)) continue;
                fx_[r].alive = false;
                // A consuming H about the student's own suicide is a denial told after the thought ("i
                // think about it, but i'd never do it", `但我不会去做的`: fresh14/15 round); the rest are
                // directed insults.
                const bool denial = cc == sig::H && (facts_[c].category & entry_facts::cat_suicide);
                rule(cc == sig::FF ? "false_friend" : cc == sig::HYP ? "hyperbole" : denial ? "denied_after" : "directed_insult");
            }
        }
    }

    // A pattern inside a longer risk pattern adds nothing (tự tử inside muốn tự tử); a negator or a
    // minimiser inside a risk phrase is part of it (pseudo-negation: không muốn sống, 不想活了).
    void containment() {
        for (std::size_t r = 0; r < n_; ++r) {
            if (!fx_[r].alive) continue;
            const sig rc = orig(r);
            const bool negator = in(rc, sig::NEG, sig::NEGPOST, sig::MIN, sig::CON);
            if (is_cue(rc) && !negator) continue;  // no covering hit can change it: skip the scan
            const auto len_r = hits_[r].end - hits_[r].begin;
            if (!negator && len_r >= max_len_) continue;  // only a longer hit could subsume it: none is
            // Only the same class (or an anchor) subsumes: a place phrase must not hide its means.
            // A time word inside another phrase is part of it (mai in biến mất mãi mãi).
            const bool inner_time = (rc == sig::P && (flags(r) & f_time)) || rc == sig::N || rc == sig::D || rc == sig::L;
            const bool dies = any_covering(r, [&](std::size_t o) {
                if (!fx_[o].alive || is_cue(orig(o))) return false;
                if (negator) return true;
                const auto len_o = hits_[o].end - hits_[o].begin;
                return !is_cue(rc) && len_r < len_o && (orig(o) == rc || orig(o) == sig::A || inner_time);
            });
            if (!dies) continue;
            fx_[r].alive = false;
            if (negator && rc == sig::NEG) rule("pseudo_negation");
        }
    }

    // Two cues that the words around them undo. A joke or negation cue inside a longer intensifier is
    // part of it: "not kidding", `别以为我在开玩笑`, `không phải nói chơi` insist, they do not joke or deny
    // (without this, "kidding" read as laughter made "not kidding, i want to die" hyperbole). And Chinese
    // has no spaces, so a past marker can be the tail of a longer word the lexicon knows: 过去 in 昏过去
    // (fainted) or 晕过去 is not "in the past".
    void cues_inside_words() {
        for (std::size_t r = 0; r < n_; ++r) {
            if (!fx_[r].alive) continue;
            const sig rc = orig(r);
            const bool joke = in(rc, sig::LAUGH, sig::MIN, sig::NEG, sig::NEGPOST, sig::HYP);
            const bool han_past = rc == sig::PAST && t_.toks[hits_[r].begin].han;
            if (!joke && !han_past) continue;
            const auto len_r = hits_[r].end - hits_[r].begin;
            if (len_r >= max_len_) continue;  // only a longer hit could undo it: none is
            // One class cannot be both, so which covering hit is found first does not change the rule.
            const bool dies = any_covering(r, [&](std::size_t o) {
                if (!fx_[o].alive || hits_[o].end - hits_[o].begin <= len_r) return false;
                return joke ? orig(o) == sig::INT : !is_cue(orig(o));
            });
            if (!dies) continue;
            fx_[r].alive = false;
            rule(joke ? "joke_denied" : "past_inside_word");
        }
    }

    // Contrast words (but, nhưng, 但是) end a negation scope like punctuation does.
    void split_clauses() {
        auto& starts = buf_.starts;
        starts.clear();
        for (std::size_t i = 0; i < n_; ++i)
            if (fx_[i].alive && orig(i) == sig::CON) starts.push_back(hits_[i].begin);
        std::sort(starts.begin(), starts.end());
        clause_.resize(t_.toks.size());
        if (starts.empty() && (t_.toks.empty() || t_.toks.front().msg == t_.toks.back().msg)) {
            // One send and no contrast word (nearly every CLI line): the clauses as they are.
            for (std::uint32_t i = 0; i < t_.toks.size(); ++i) clause_[i] = t_.toks[i].clause;
            for (std::size_t i = 0; i < n_; ++i) facts_[i].clause = clause_[hits_[i].begin];
            return;
        }
        std::uint32_t bump = 0;
        std::size_t s = 0;
        for (std::uint32_t i = 0; i < t_.toks.size(); ++i) {
            while (s < starts.size() && starts[s] <= i) {
                ++bump;
                ++s;
            }
            if (i > 0 && t_.toks[i].msg != t_.toks[i - 1].msg) ++bump;  // negation never crosses a send
            // Both parts only grow along the text, so equal sums mean the same clause.
            clause_[i] = t_.toks[i].clause + bump;
        }
        for (std::size_t i = 0; i < n_; ++i) facts_[i].clause = clause_[hits_[i].begin];
    }

    bool ends_clause(std::size_t j) const {
        const auto e = hits_[j].end;
        return e >= t_.toks.size() || clause_[e] != clause_[e - 1];
    }

    // From here on no hit dies or comes back, and most rules ask "is there an X in this clause" for a
    // class X that is in no hit at all: one bit per class answers those without a scan.
    void note_classes() {
        classes_ = 0;
        flags_seen_ = 0;
        for (std::size_t i = 0; i < n_; ++i)
            if (fx_[i].alive) {
                classes_ |= class_bit(orig(i));
                flags_seen_ |= flags(i);
            }
    }
    static std::uint64_t class_bit(sig s) {
        static_assert(sig_count <= 64, "one bit per class");
        return std::uint64_t{1} << static_cast<unsigned>(s);
    }

    // any() over the alive hits of class s (valid after note_classes()).
    template <class P>
    bool any_of_class(sig s, P pred) const {
        if (!(classes_ & class_bit(s))) return false;
        return any([&](std::size_t j) { return orig(j) == s && pred(j); });
    }
    bool has_class(sig s) const { return (classes_ & class_bit(s)) != 0; }
    // any() over the alive hits that start in clause `cl` (after split_clauses()), or in send `m`.
    // Clauses and sends only grow along the text, so their hits are one run of by_begin: a full window
    // asks these for each of its hits, and a scan of every hit each time was quadratic.
    template <class K, class P>
    bool any_in_run(K key, std::uint32_t value, P pred) const {
        if (!indexed_) return any([&](std::size_t i) { return key(i) == value && pred(i); });
        const auto& by = buf_.by_begin;
        auto it = std::lower_bound(by.begin(), by.end(), value, [&](std::uint32_t i, std::uint32_t v) { return key(i) < v; });
        for (; it != by.end() && key(*it) == value; ++it)
            if (fx_[*it].alive && pred(*it)) return true;
        return false;
    }
    template <class P>
    bool any_in_clause(std::uint32_t cl, P pred) const {
        return any_in_run([&](std::size_t i) { return clause(i); }, cl, pred);
    }
    template <class P>
    bool any_in_msg(std::uint32_t m, P pred) const {
        return any_in_run([&](std::size_t i) { return msg(i); }, m, pred);
    }
    template <class P>
    bool class_in_clause(sig s, std::uint32_t cl, P pred) const {
        return has_class(s) && any_in_clause(cl, [&](std::size_t j) { return orig(j) == s && pred(j); });
    }
    template <class P>
    bool class_in_msg(sig s, std::uint32_t m, P pred) const {
        return has_class(s) && any_in_msg(m, [&](std::size_t j) { return orig(j) == s && pred(j); });
    }
    bool cue_in_clause(sig s, std::uint32_t cl) const {
        return class_in_clause(s, cl, [](std::size_t) { return true; });
    }
    bool cue_in_msg(sig s, std::uint32_t m) const {
        return class_in_msg(s, m, [](std::size_t) { return true; });
    }

    // The student's own voice: I/me/my, em/mình/tôi/tao/tớ…, 我. Read from the token text (after case
    // folding), not from the lexicon: only messages with a frame ask, so no pattern hit is added to every
    // message. Ambiguous words (tôi/tối, con) count: a wrong "first person" only keeps a frame from
    // spreading, which fails upward.
    bool first_person(std::uint32_t pos) const {
        static constexpr auto words = std::to_array<std::string_view>(
            {"i", "me", "my", "myself", "im", "ive", "id", "mine", "em", "e", "mình", "minh", "mk", "mik", "mjk", "tôi",
             "toi", "tui", "tao", "tớ", "con", "cháu", "我", "俺", "咱"});
        const auto& tk = t_.toks[pos];
        if (tk.text_len > 6) return false;  // longer than any of them ("myself", "mình")
        const std::string_view txt(t_.text.data() + tk.text_begin, tk.text_len);
        return std::find(words.begin(), words.end(), txt) != words.end();
    }

    // Negation scope (fresh14/15 round, rule `negation_scope_ended`): a negator covers the risk phrase
    // right after it, and the next one only when no new first-person statement starts between them.
    // "i dont wanna die i just wanna not be here" denies dying and then says something else: the second
    // wish is not negated. "i'm not going to hurt myself or kill myself" keeps both under the "not".
    bool new_statement_between(std::size_t neg, std::size_t i) {
        for (std::size_t k = 0; k < n_; ++k) {
            if (k == i || !in(orig(k), sig::A, sig::I, sig::SH, sig::S, sig::V)) continue;
            if (hits_[k].begin < hits_[neg].end || hits_[k].end > hits_[i].begin) continue;
            for (auto p = hits_[k].end; p < hits_[i].begin; ++p)
                if (first_person(p)) {
                    rule("negation_scope_ended");
                    return true;
                }
        }
        return false;
    }

    // A first-person word in the risk statement: inside the phrase or anywhere in its clause; for a bare
    // topic word ("suicide attempt") only right before it ("my suicide attempt"), since "how should I
    // write about her suicide attempt" is about the topic.
    bool first_person_risk(std::size_t i) const {
        const auto b = hits_[i].begin, e = hits_[i].end;
        if (flags(i) & f_topic) {
            for (auto p = b >= 2 ? b - 2 : 0; p < e; ++p)
                if (clause_[p] == clause_[b] && first_person(p)) return true;
            return false;
        }
        for (auto p = b; p > 0 && clause_[p - 1] == clause_[b]; --p)
            if (first_person(p - 1)) return true;
        for (auto p = b; p < t_.toks.size() && clause_[p] == clause_[b]; ++p)
            if (first_person(p)) return true;
        return false;
    }

    static constexpr std::uint8_t frame_strong = 1, frame_any = 2, frame_blocked = 4, frame_checked = 8;
    // What a frame may hide (the classes the clause rule zeroes, and a high topic word).
    bool frameable(std::size_t i) const {
        const sig c = orig(i);
        return !is_cue(c) && c != sig::L && c != sig::N && (c != sig::H || (flags(i) & f_topic));
    }

    // A fiction, lyrics or homework frame covers its whole send when nothing in the send is the student's
    // own risk statement: "in the novel X, …, Chí tự sát" or "an essay on the bell jar, … her suicide
    // attempt". A first-person risk clause, or a real person close to the student ("my friend", "bạn em":
    // a third-party cue holding a first-person word), keeps the frame to its own clause.
    void message_frames() {
        if (!has_class(sig::FRAME)) return;
        auto& mf = buf_.msg_frame;
        mf.assign(t_.toks.back().msg + 1, 0);
        for (std::size_t i = 0; i < n_; ++i)
            if (fx_[i].alive && orig(i) == sig::FRAME) mf[msg(i)] |= frame_any | ((flags(i) & f_strong) ? frame_strong : 0);
    }

    // Asked only for a risk pattern its own clause's frame did not cover, so the first-person scan runs
    // once per framed send that needs it, not for every frame.
    bool message_framed(std::size_t i) {
        if (!has_class(sig::FRAME)) return false;
        auto& f = buf_.msg_frame[msg(i)];
        if (!(f & frame_any) || (!(f & frame_strong) && !(flags(i) & f_topic))) return false;
        if (!(f & frame_checked)) {
            f |= frame_checked;
            for (std::size_t j = 0; j < n_ && !(f & frame_blocked); ++j) {
                if (!fx_[j].alive || msg(j) != msg(i)) continue;
                if (orig(j) == sig::TP) {
                    for (auto p = hits_[j].begin; p < hits_[j].end; ++p)
                        if (first_person(p)) f |= frame_blocked;
                } else if (frameable(j) && first_person_risk(j)) {
                    f |= frame_blocked;
                }
            }
        }
        return !(f & frame_blocked);
    }

    void modifiers() {
        const bool ident = has_class(sig::IDENT);
        const bool cancel_hyp = has_class(sig::INT) && (has_class(sig::M) || has_class(sig::P) || has_class(sig::K));
        for (std::size_t i = 0; i < n_; ++i) {
            auto& f = fx_[i];
            if (!f.alive || is_cue(orig(i))) continue;
            const sig c = orig(i);
            const auto cl = clause(i);
            const auto m = msg(i);
            // 1. Quotes and frames: a song, a novel, a presentation about suicide statistics.
            if (frameable(i)) {
                const bool framed =
                    // A frame word inside a preparation or farewell act is its object, not a frame ("gave
                    // all my comics away", `cho hết truyện tranh`: fresh14/15 round, rule `frame_inside_act`).
                    // Only P acts, and sexual abuse whose pattern holds the frame word as its pretext
                    // ("gọi em sang nhà xem phim rồi sờ soạng": fresh16 round); a stripped collision such as
                    // `di xem phim voi dam` (V) stays framed.
                    (c != sig::H && class_in_clause(sig::FRAME, cl, [&](std::size_t j) {
                         const bool frames = (flags(j) & f_strong) || (flags(i) & f_topic);
                         if (frames && (c == sig::P || c == sig::S) && contains(i, j)) {
                             rule("frame_inside_act");
                             return false;
                         }
                         return frames;
                     })) ||
                    (c != sig::H && t_.toks[hits_[i].begin].quoted && cue_in_msg(sig::FRAME, m)) || message_framed(i);
                if (framed && !ident) {
                    f.weight = 0;
                    rule("frame");
                    continue;
                }
            }
            // 2. Hyperbole-prone words (kms, muốn chết, 想死) next to laughter or a school worry.
            if ((flags(i) & f_hyp) && !cancel_hyp) {
                const bool joking =
                    cue_in_msg(sig::LAUGH, m) || cue_in_clause(sig::HYP, cl) ||
                    class_in_clause(sig::N, cl, [&](std::size_t j) { return (flags(j) & f_everyday) != 0; });
                if (joking) {
                    f.cls = sig::N;
                    f.weight = 2;
                    rule("hyperbole");
                    continue;
                }
            }
            // 5. Past / history: a past attempt is high, not critical, unless it is happening again.
            // A meeting cue ("he picked me up") says nothing about now.
            const auto o_now_cue = [&](std::size_t j) { return !(flags(j) & f_meet); };
            const bool recurring_now =
                class_in_clause(sig::O, cl, o_now_cue) ||
                (class_in_msg(sig::O, m, o_now_cue) && any_of_class(sig::P, [&](std::size_t j) { return clause(j) != cl; }));
            if (in(c, sig::A, sig::I, sig::SH, sig::S, sig::V, sig::M) && cue_in_clause(sig::PAST, cl) && !recurring_now) {
                if (c == sig::M) {
                    f.weight = 0;
                } else {
                    f.cls = sig::H;
                    f.weight = 6;
                }
                rule("past");
                continue;
            }
            // 4. Negation (NegEx-style scope), decided after the overrides below are known.
            if (in(c, sig::A, sig::I, sig::SH, sig::S, sig::V)) {
                const bool negated =
                    class_in_clause(sig::NEG, cl, [&](std::size_t j) {
                        // A negator may share a token with the phrase (làm gì có + có ý định tự sát).
                        if (hits_[j].begin >= hits_[i].begin) return false;
                        const auto dist = hits_[j].end >= hits_[i].begin ? 0u : hits_[i].begin - hits_[j].end;
                        return dist <= (t_.toks[hits_[i].begin].han ? 6u : 5u) && !new_statement_between(j, i);
                    }) ||
                    class_in_clause(sig::NEGPOST, cl, [&](std::size_t j) {
                        return hits_[j].begin >= hits_[i].end && ends_clause(j);
                    });
                if (negated) f.negation_candidate = true;
            }
        }
        // Overrides (§3.3.4): capability, or an un-negated means/plan/anchor anywhere in the window,
        // means the denial is not believed.
        const auto believed = [&](std::size_t j) {
            return !fx_[j].negation_candidate && fx_[j].weight > 0 && fx_[j].cls == orig(j);
        };
        const bool override_neg = has_class(sig::K) || any_of_class(sig::M, believed) ||
                                  any_of_class(sig::P, believed) || any_of_class(sig::A, believed);
        for (std::size_t i = 0; i < n_; ++i) {
            if (!fx_[i].negation_candidate) continue;
            if (override_neg) {
                rule("negation_overridden");
                continue;
            }
            auto& f = fx_[i];
            f.negated = true;
            const sig c = orig(i);
            if (c == sig::A || c == sig::I) {
                const auto m = msg(i);
                const bool minimised =
                    cue_in_msg(sig::MIN, m) || class_in_msg(sig::N, m, [&](std::size_t j) { return fx_[j].weight > 0; });
                if (minimised) {
                    f.cls = sig::N;
                    f.weight = 2;
                    rule("denial_minimised");
                } else {
                    // Denials of intent are not reliable evidence (Zaher et al. 2016): stay high.
                    f.cls = sig::H;
                    f.weight = 6;
                    rule("denial");
                }
            } else {
                f.weight = 0;
                rule("negated");
            }
        }
    }

    // Two tokens of one send are in one sentence when less than a sentence end apart (normalize.hpp:
    // `clause` grows by sentence_step at a sentence end; sixteen commas in a row split it too, which
    // only makes the routine rule below fire less).
    bool same_sentence(std::size_t i, std::size_t j) const {
        const auto a = t_.toks[hits_[i].begin].clause, b = t_.toks[hits_[j].begin].clause;
        return msg(i) == msg(j) && (a > b ? a - b : b - a) < sentence_step;
    }

    // A high topic told as history and then as over ("last year I was bullied, I switched schools and
    // it's fine now", `去年被欺负过，后来转学就好了`) is an ordinary worry now, as the rubric labels it. Past
    // self-harm and attempts stay high whatever follows (rubric §5), and so do past abuse and violence
    // (the past rule made them H; their own class is S or V). Present danger in the clause keeps it.
    void resolved_history() {
        if (!(flags_seen_ & f_resolved) || !has_class(sig::PAST)) return;
        for (std::size_t i = 0; i < n_; ++i) {
            auto& f = fx_[i];
            if (!f.alive || orig(i) != sig::H || f.cls != sig::H || f.weight == 0) continue;
            if (facts_[i].category & entry_facts::cat_suicide) continue;
            const auto cl = clause(i), m = msg(i);
            if (!cue_in_clause(sig::PAST, cl)) continue;
            const auto resolving = [&](std::size_t j) { return msg(j) == m && (flags(j) & f_resolved); };
            if (!any_of_class(sig::MIN, resolving)) continue;
            const bool now = class_in_clause(sig::O, cl, [&](std::size_t j) {
                return !(flags(j) & (f_recur | f_time | f_meet)) &&
                       !any_of_class(sig::MIN, [&](std::size_t r) { return resolving(r) && contains(r, j); });
            });
            if (now) continue;
            f.cls = sig::N;
            f.weight = 2;
            rule("resolved_history");
        }
    }

    // Giving old clothes to charity, deleting an account because of spam, saying goodbye before a school
    // trip, thanking a teacher at the end of the year: an act with an ordinary reason in its sentence is not
    // a preparation, unless the sentence also holds an anchor, ideation, a means or resolve.
    void routine_acts() {
        if (!(flags_seen_ & f_routine) || !has_class(sig::P)) return;
        for (std::size_t i = 0; i < n_; ++i) {
            if (!fx_[i].alive || orig(i) != sig::P || fx_[i].weight == 0) continue;
            if (!(flags(i) & (f_prep | f_note | f_farewell))) continue;
            const bool reason = any([&](std::size_t j) { return (flags(j) & f_routine) && same_sentence(i, j); });
            if (!reason) continue;
            const bool risk = any([&](std::size_t j) {
                return fx_[j].weight > 0 && in(fx_[j].cls, sig::A, sig::I, sig::M, sig::SH, sig::K) && same_sentence(i, j);
            });
            if (risk) continue;
            fx_[i].weight = 0;
            rule("routine_act");
        }
    }

    // fresh13 round: a time or present-danger word inside a `resolved` cue says when the trouble stopped,
    // not that danger is now: "he's not home rn, on a work trip" / `今天他去外地上班了` / `hôm nay bố đi công tác`
    // beside a beating is high (violence, not now), as the rubric labels an abuser who is away. A time word
    // outside the cue ("…, but he's back tonight") still counts.
    void time_inside_resolution() {
        if (!(flags_seen_ & f_resolved)) return;
        for (std::size_t i = 0; i < n_; ++i) {
            const auto c = orig(i);
            if (!fx_[i].alive || fx_[i].weight == 0) continue;
            if (c != sig::O && !(c == sig::P && (flags(i) & f_time))) continue;
            if (!any_covering(i, [&](std::size_t r) { return orig(r) == sig::MIN && (flags(r) & f_resolved); })) continue;
            fx_[i].weight = 0;
            rule("time_inside_resolution");
        }
    }

    // §3.1: a time word attached to an everyday event (mai thi, tomorrow's test) is not a plan. A grave
    // threat in the clause keeps it (fresh13 round: "brought a knife, says he'll stab him after school").
    void everyday_time() {
        for (std::size_t i = 0; i < n_; ++i) {
            if (!fx_[i].alive || orig(i) != sig::P || !(flags(i) & f_time) || fx_[i].weight == 0) continue;
            const auto cl = clause(i);
            const bool everyday = any_in_clause(cl, [&](std::size_t j) { return (flags(j) & f_everyday) != 0; });
            const bool risk = any_in_clause(cl, [&](std::size_t j) {
                return fx_[j].weight > 0 && (in(fx_[j].cls, sig::A, sig::I, sig::M, sig::SH) ||
                                             (fx_[j].cls == sig::T && (flags(j) & f_grave)));
            });
            // A pickup "from school today" beside a grooming lure is the meeting set, not an errand.
            const bool lure_meeting = has_class(sig::X) && any_in_clause(cl, [&](std::size_t j) {
                return orig(j) == sig::O && (flags(j) & f_meet);
            });
            if (everyday && !risk && !lure_meeting) {
                fx_[i].weight = 0;
                rule("everyday_time");
            }
        }
    }

    assessment decide() {
        std::array<int, sig_count> cmax{};
        auto w = [&](sig s) -> int& { return cmax[static_cast<std::size_t>(s)]; };
        std::uint32_t psubs = 0;
        std::array<int, 5> pw{};  // strongest weight per P sub-type (prep, note, farewell, time, place)
        bool o_now = false, o_recur = false, o_time = false, meeting_set = false;
        bool grave_threat = false;
        int second_farewell = 0;
        std::size_t farewell_hit = n_;  // the strongest farewell so far
        // Preparation and farewell acts told apart (different patterns over different words): giving a
        // guitar away and deleting every account are two acts, though both are `prep`. Three are enough
        // to decide, so no more are kept.
        std::array<std::size_t, 3> acts{};
        std::size_t nacts = 0, deeds = 0;  // deeds: acts that are a preparation or a note, not words
        int acts_weight = 0;
        int secret = 0;  // the strongest secrecy request (X `secret`), decided once the other classes are known
        bool unreachable = false;  // O `unreachable`: weighed once the farewells and means are known
        bool meeting = false;      // O `meet`: a meeting or pickup set; read only beside a grooming lure
        for (std::size_t i = 0; i < n_; ++i) {
            const auto& f = fx_[i];
            if (!f.alive || f.weight <= 0 || is_cue(f.cls)) continue;
            if (f.cls == sig::X && (flags(i) & f_secret)) {
                secret = std::max(secret, f.weight);
                continue;
            }
            if (f.cls == sig::P) {
                const auto st = flags(i) & p_subtypes;
                psubs |= st;
                // The weak leavings (weight 1, "em đi đây") are not acts of their own.
                if ((st & (f_prep | f_note | f_farewell)) && f.weight >= act_weight && nacts < acts.size()) {
                    const bool distinct = std::none_of(acts.begin(), acts.begin() + static_cast<std::ptrdiff_t>(nacts), [&](std::size_t j) {
                        return hits_[j].entry == hits_[i].entry || nested(i, j);
                    });
                    if (distinct) {
                        acts[nacts++] = i;
                        acts_weight += f.weight;
                        if (st != f_farewell) ++deeds;
                    }
                }
                const auto idx =
                    static_cast<std::size_t>(std::countr_zero(st) - std::countr_zero(static_cast<std::uint32_t>(f_prep)));
                if (idx >= pw.size()) continue;  // defensive: the loader requires exactly one sub-type
                if (st == f_farewell && pw[idx] > 0 && farewell_hit < n_ && hits_[farewell_hit].entry != hits_[i].entry &&
                    !nested(farewell_hit, i)) {
                    // Several different farewells ("xin lỗi bố mẹ", "đừng tìm con") are an implicit
                    // goodbye: the second one counts like another sub-type. Two patterns over the same
                    // words are one farewell.
                    second_farewell = std::max(second_farewell, std::min(pw[idx], f.weight));
                }
                if (f.weight > pw[idx]) {
                    if (st == f_farewell) farewell_hit = i;
                    pw[idx] = f.weight;
                }
                continue;
            }
            if (f.cls == sig::O && (flags(i) & f_unreachable)) {
                unreachable = true;
                continue;
            }
            if (f.cls == sig::O && (flags(i) & f_meet)) {
                // A meeting set with its day or its journey in the same words ("flying in on friday",
                // `mai 6h sáng chú tới đón em`, `车票都买好了`; flags `meet time`, fresh16 round) is set,
                // not later, as a meeting beside a time of day is. It reads only beside a lure (X).
                meeting = true;
                if (flags(i) & f_time) meeting_set = true;
                continue;
            }
            if (f.cls == sig::O) ((flags(i) & f_recur) ? o_recur : (flags(i) & f_time) ? o_time : o_now) = true;
            if (f.cls == sig::T && (flags(i) & f_grave)) grave_threat = true;
            auto& slot = cmax[static_cast<std::size_t>(f.cls)];
            slot = std::max(slot, f.weight);
        }
        // A secrecy request is grooming beside abuse or exploitation ("he touches me, says don't tell
        // anyone"), and a worry of its own when alone. Beside self-harm or ideation with no abuser it is the
        // confidence of the one who hurts (a friend: "she cuts, made me swear not to tell"; or the student's
        // own "don't tell my parents"): the self-harm decides, the secret adds nothing.
        if (secret) {
            const bool abuse = w(sig::S) || w(sig::V) || w(sig::C) || w(sig::T) || w(sig::X);
            if (!abuse && (w(sig::A) || w(sig::I) || w(sig::SH))) {
                drop_secret_ = true;
                rule("confided_secret");
            } else {
                w(sig::X) = std::max(w(sig::X), secret);
            }
        }
        const bool core = w(sig::A) || w(sig::I) || w(sig::M) || w(sig::SH) || w(sig::S) || w(sig::V) ||
                          w(sig::T) || w(sig::C) || w(sig::X);
        const auto drop_time = [&](std::string_view why) {
            psubs &= ~static_cast<std::uint32_t>(f_time);
            pw[static_cast<std::size_t>(std::countr_zero(static_cast<std::uint32_t>(f_time)) -
                                        std::countr_zero(static_cast<std::uint32_t>(f_prep)))] = 0;
            drop_time_ = true;
            rule(why);
        };
        // A threat for a later day ("he'll beat me up tomorrow", bullying) is high; a time word makes a
        // threat critical only when it is a deadline (sextortion: "send more by tonight") or a threat to
        // life. Present danger ("outside my door", "right now") still raises any threat.
        const bool later_threat = w(sig::T) && !grave_threat && !(w(sig::A) || w(sig::I) || w(sig::M) || w(sig::SH) ||
                                                                 w(sig::S) || w(sig::V) || w(sig::C) || w(sig::X));
        if (later_threat && (psubs & f_time)) drop_time("threat_for_later");
        // Violence announced for a later day ("they'll beat me up on monday", `mai lại thế`) is the same:
        // high, unless a weapon, present danger or a time of day (O: tonight, now) says it is close.
        const bool later_violence = w(sig::V) && !w(sig::W) && !o_now && !o_time &&
                                    !(w(sig::A) || w(sig::I) || w(sig::M) || w(sig::SH) || w(sig::S) || w(sig::T) ||
                                      w(sig::C) || w(sig::X) || w(sig::K));
        if (later_violence && (psubs & f_time)) drop_time("violence_for_later");
        // The same for a grooming lure: gifts, secrecy and "this weekend, just the two of us" are high
        // (grooming, rubric §5); a meeting now or a deadline (O: "he's outside", "by midnight") is not later,
        // nor is a meeting or pickup set for today or tonight (O `meet` and an O time of day: "he'll pick me
        // up at 11 tonight", `hẹn em 9h tối nay ra bến xe`, `今晚在校门口接我`; fresh14/15 round, rule
        // `lure_meeting_set`). A meeting set for the weekend or tomorrow is still a lure for later (high).
        const bool lure_alone = w(sig::X) && !grave_threat && !o_now &&
                                !(w(sig::A) || w(sig::I) || w(sig::M) || w(sig::SH) || w(sig::S) || w(sig::V) || w(sig::C));
        const bool set = meeting && (o_time || meeting_set);
        const bool later_lure = lure_alone && !set;
        if (later_lure && (psubs & f_time)) drop_time("lure_for_later");
        if (lure_alone && set && (psubs & f_time)) rule("lure_meeting_set");
        // Self-harm told as a slip after a clean period or as a surface injury ("relapsed tonight after 60
        // days clean, just scratches", `cai được 4 tháng rồi mà hôm nay lại…`): the time word says when it
        // happened, not that danger goes on. High, as self-harm is, unless anything else raises it.
        const bool lapse = (flags_seen_ & f_lapse) && w(sig::SH) && !o_now && !(psubs & ~static_cast<std::uint32_t>(f_time)) &&
                           !(w(sig::A) || w(sig::I) || w(sig::M) || w(sig::K) || w(sig::J) || w(sig::W) || w(sig::S) ||
                             w(sig::V) || w(sig::T) || w(sig::C) || w(sig::X));
        if (lapse && ((psubs & f_time) || o_time)) {
            o_time = false;
            if (psubs & f_time) drop_time("self_harm_lapse");
            else rule("self_harm_lapse");
        }
        // Silence after a goodbye or beside a means or a death wish ("texted 'thank you for everything,
        // goodbye' and now her phone's off", `đăng ảnh lọ thuốc ngủ, gọi không nghe máy`) is the step a
        // plan ends with: it counts as one more plan sub-type. A phone that is off alone is nothing.
        const auto farewell_idx = static_cast<std::size_t>(std::countr_zero(static_cast<std::uint32_t>(f_farewell)) -
                                                           std::countr_zero(static_cast<std::uint32_t>(f_prep)));
        const bool silence = unreachable && (pw[farewell_idx] >= act_weight || w(sig::M) || w(sig::I) || w(sig::A));
        if (silence) rule("unreachable_after_farewell");
        const int nsub = std::popcount(psubs) + (second_farewell > 0 ? 1 : 0) + (silence ? 1 : 0);
        // Implicit preparation (C-SSRS counts preparatory behaviour as behaviour): two distinct acts of
        // which one is a deed (giving things away, deleting accounts, letters), or three acts of any kind
        // (thanks "for everything" + "my last time here" + goodbye), with no suicide word at all. Two
        // farewells alone stay high ("ok bye, i love you mom").
        const bool implicit_prep = nacts >= 3 || (nacts >= 2 && deeds >= 1);
        // P and K need another risk signal, or each other: capability plus a plan is critical.
        const bool conditional_ok = core || nsub >= 2 || (w(sig::K) > 0 && nsub >= 1) || implicit_prep;
        int p = second_farewell + (silence ? default_weight(sig::P) : 0);
        for (int x : pw) p += x;
        if (implicit_prep) p = std::max(p, acts_weight);
        if (!conditional_ok) {
            p = 0;
            w(sig::K) = 0;
        }
        // Present danger ("right now", "he is home") raises any abuse; a time of day ("tonight", O with
        // `time`) raises abuse and a grave threat but not a later threat; a habit ("every night") raises
        // sexual abuse and confinement (ongoing abuse) but not a self-harm habit or past beatings.
        const bool abuse = w(sig::S) || w(sig::V) || w(sig::SH) || w(sig::C);
        const bool o_counts = (o_now && (abuse || w(sig::T))) || (o_time && (abuse || (w(sig::T) && !later_threat))) ||
                              (o_recur && (w(sig::S) || w(sig::C)));
        if (!o_counts) w(sig::O) = 0;
        // A self-harm habit ("I cut myself sometimes") next to a means ("razor in my drawer") is ongoing
        // self-harm (high), not an attempt now, unless something says now: an anchor, ideation, a plan,
        // resolve, an injury or present danger.
        const bool sh_habit = w(sig::SH) && o_recur && !o_now && !o_time && !w(sig::A) && !w(sig::I) && !p &&
                              !w(sig::K) && !w(sig::J) && !(w(sig::S) || w(sig::V) || w(sig::T) || w(sig::C) || w(sig::X));
        if (sh_habit && (w(sig::M) || w(sig::W))) {
            w(sig::M) = 0;
            w(sig::W) = 0;
            drop_means_ = true;
            rule("self_harm_habit");
        }
        if (!core) {
            w(sig::W) = 0;
            w(sig::J) = 0;
        }
        // Conditional classes that did not count carry no weight (nor category) in the answer.
        for (std::size_t i = 0; i < n_; ++i) {
            auto& f = fx_[i];
            if ((f.cls == sig::P || f.cls == sig::K) && !conditional_ok) f.weight = 0;
            if (f.cls == sig::O && w(sig::O) == 0) f.weight = 0;
            if ((f.cls == sig::W || f.cls == sig::J) && !core) f.weight = 0;
            if ((f.cls == sig::M || f.cls == sig::W) && drop_means_) f.weight = 0;
            if (f.cls == sig::P && (flags(i) & f_time) && drop_time_) f.weight = 0;
            if (f.cls == sig::X && (flags(i) & f_secret) && drop_secret_) f.weight = 0;
        }
        int risk = p;
        for (sig s : {sig::A, sig::I, sig::M, sig::K, sig::SH, sig::J, sig::S, sig::V, sig::W, sig::T, sig::O, sig::C,
                      sig::X})
            risk += w(s);
        const int crit = risk + (w(sig::D) > 0 ? 2 : 0);
        // Two kinds of plan are a plan: a farewell with a note, a time or a preparation, presence at a
        // lethal place at a set time... (two P sub-types of full weight, without needing distress). So is
        // resolve with a preparation, a note or presence at a place ("I've decided" + "I'm on the
        // bridge"); resolve with a time or a farewell alone stays high ("I'm done, bye everyone").
        const int distinct = std::popcount(psubs) + (silence ? 1 : 0);
        const bool implicit_plan = conditional_ok && ((distinct >= 2 && p >= 8) || implicit_prep ||
                                                      (w(sig::K) > 0 && (psubs & (f_prep | f_note | f_place))));

        assessment a;
        a.score = risk + w(sig::D) + w(sig::N) + w(sig::H);
        if (w(sig::A) > 0) {
            a.lvl = level::critical;
            rule("critical_anchor");
        } else if (crit >= 9 || implicit_plan) {
            a.lvl = level::critical;
            if (w(sig::I) && (w(sig::M) || p || w(sig::K))) rule("ideation_plus_means_or_plan");
            else if (w(sig::M) && p) rule("means_plus_plan");
            else if (implicit_prep) rule("implicit_preparation");
            else if (implicit_plan && crit < 9) rule("implicit_plan");
            else if (nsub >= 2) rule("preparation_and_farewell");
            else if ((w(sig::S) || w(sig::V) || w(sig::T) || w(sig::C) || w(sig::SH)) && w(sig::O)) rule("ongoing_abuse");
            else rule("score_critical");
        } else if (w(sig::I) || w(sig::SH) || w(sig::S) || w(sig::V) || w(sig::T) || w(sig::C) || w(sig::X) ||
                   w(sig::H) || crit >= 6) {
            a.lvl = level::high;
        } else if (w(sig::D) || w(sig::N) || a.score >= 2) {
            a.lvl = level::normal;
        } else {
            a.lvl = level::low;
        }

        // Categories and matches, most urgent first.
        // Without matches only the categories need the order; a hit that adds none is read for the
        // service and third-party flags, which no order changes, so only the others are sorted (a
        // subset sorted by the same total order keeps its members' relative order).
        bool service = false;
        auto& order = buf_.order;
        order.clear();
        for (std::size_t i = 0; i < n_; ++i) {
            if (!fx_[i].alive) continue;
            const auto cat = facts_[i].category;
            if (!with_matches_ && !(fx_[i].weight > 0 && !(cat & entry_facts::cat_none))) {
                if (cat & entry_facts::cat_service) service = true;
                if (orig(i) == sig::TP) a.third_party = true;
                continue;
            }
            order.push_back(i);
        }
        // Stable (ties keep the hits' order) without std::stable_sort's allocation: the index breaks ties.
        // A session window holds a hundred hits, too many for the insertion sort this once was.
        const auto before = [&](std::size_t x, std::size_t y) {
            const bool cx = is_cue(fx_[x].cls), cy = is_cue(fx_[y].cls);
            if (cx != cy) return cy;
            if (fx_[x].weight != fx_[y].weight) return fx_[x].weight > fx_[y].weight;
            if (rank(fx_[x].cls) != rank(fx_[y].cls)) return rank(fx_[x].cls) < rank(fx_[y].cls);
            return x < y;
        };
        std::sort(order.begin(), order.end(), before);
        if (!with_matches_) a.categories.reserve(order.size());  // at most one each: no regrowth
        for (auto i : order) {
            const auto& f = fx_[i];
            const auto cat = facts_[i].category;
            if (f.weight > 0 && !(cat & entry_facts::cat_none)) {
                const auto& category = ent(i).category;
                if (std::find(a.categories.begin(), a.categories.end(), category) == a.categories.end())
                    a.categories.push_back(category);
            }
            if (cat & entry_facts::cat_service) service = true;
            if (orig(i) == sig::TP) a.third_party = true;
            if (!with_matches_) continue;
            const auto& e = ent(i);
            match mt;
            mt.term = e.pattern;
            for (auto k = hits_[i].begin; k < hits_[i].end; ++k) {
                if (!mt.text.empty()) mt.text.push_back(' ');
                mt.text.append(t_.text, t_.toks[k].text_begin, t_.toks[k].text_len);
            }
            mt.category = e.category;
            mt.signal_class = std::string(sig_name(f.cls));
            mt.weight = f.weight;
            mt.language = e.language;
            mt.negated = f.negated;
            a.matches.push_back(std::move(mt));
        }
        if (a.categories.empty() && service) a.categories.push_back("service");
        if (a.third_party) rule("third_party");
        a.rules.assign(rules_.begin(), rules_.end());
        return a;
    }
};

thread_local analysis_buffers buffers;

assessment analyse(const lexicon& lex, const tokens& t, bool with_matches = true) {
    return analysis(lex, t, with_matches, buffers).run();
}

}  // namespace

assessment analyse_matched(const lexicon& lex, const tokens& t, const std::vector<hit>& hits, bool with_matches) {
    return analysis(lex, t, with_matches, buffers, &hits).run();
}

// decide() gives critical or high only through the classes that are not cues, N, D, L, O or a plan
// word that is only a time word: a time word counts only beside a core class or another plan sub-type,
// present danger (O) only beside abuse, a threat or a farewell, all of them in this list. The rules
// before decide() never raise a hit: they drop it, zero its weight, or make it N (2) or H (6) from
// a class that is itself in the list (past, denial). So without such a hit the verdict is normal at
// most, with a distress or topic word (N, D, or a hyperbole idiom read as N), else low. The O cues that
// only feed a rule (`unreachable` after a farewell, `meet` or `meet,time` beside a lure) need a P act or an
// X, both in the list, to count.
// tests/unit/triage/window_test.cpp checks the bound against the rules on every evaluation window.
level level_bound(const lexicon& lex, std::span<const hit> hits) {
    level bound = level::low;
    for (const auto& h : hits) {
        const auto& e = lex.facts[h.entry];
        switch (e.cls) {
        case sig::N:
        case sig::D:
            bound = level::normal;
            break;
        case sig::HYP:
            if (e.weight > 0) bound = level::normal;
            break;
        case sig::P:
            if ((e.flags & p_subtypes) != f_time) return level::critical;
            break;
        case sig::O:
        case sig::L:
            break;
        default:
            if (!is_cue(e.cls)) return level::critical;
        }
    }
    return bound;
}

assessment fail_high(std::string why) {
    assessment a;
    a.lvl = level::high;
    a.score = 6;
    a.rules.push_back(std::move(why));
    return a;
}

}  // namespace detail

engine::engine(std::shared_ptr<const detail::lexicon> lex, std::shared_ptr<const detail::risk_model> model)
    : lex_(std::move(lex)), model_(std::move(model)) {}

engine engine::load_blocking(const std::filesystem::path& lexicon_dir) {
    auto lex = detail::load_lexicon_blocking(lexicon_dir);
    return engine(std::move(lex), detail::load_risk_model_blocking(lexicon_dir / detail::risk_model_file));
}

std::size_t engine::entry_count() const { return lex_->entries.size(); }

assessment engine::assess(std::string_view text) const { return assess(text, true); }

namespace {

// Rules compare matches pairwise, so a very long message is assessed in overlapping slices: the
// cost stays linear in the length, the overlap keeps any phrase whole in one slice, and the highest
// slice wins. Never truncated: risk is often at the end of a long message.
using detail::slice_bytes;
using detail::slice_overlap;
constexpr std::size_t slice_lookback = 2048;

// One thread's token buffers, reused from message to message. assess() and assess_send() each take
// them once per analysis and never while the other holds them (assess_send's own assess() call
// returns before it takes them).
detail::tokens& scratch_tokens() {
    thread_local detail::tokens t;
    t.clear();
    return t;
}

}  // namespace

namespace detail {

std::size_t cut_point(std::string_view s, std::size_t limit, std::size_t lookback) {
    const std::size_t floor = limit > lookback ? limit - lookback : 0;
    for (std::size_t i = limit; i > floor; --i)
        if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t') return i;
    std::size_t i = limit;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;  // not inside a UTF-8 sequence
    return i == 0 ? limit : i;
}

void fold_piece(assessment& best, assessment piece) {
    if (piece.lvl > best.lvl || (piece.lvl == best.lvl && piece.score > best.score)) std::swap(piece, best);
    for (auto& c : piece.categories)
        if (std::find(best.categories.begin(), best.categories.end(), c) == best.categories.end())
            best.categories.push_back(std::move(c));
    for (auto& r : piece.rules)
        if (std::find(best.rules.begin(), best.rules.end(), r) == best.rules.end()) best.rules.push_back(std::move(r));
    best.third_party = best.third_party || piece.third_party;
}

bool tokenize_repairing(const lexicon& lex, std::string_view text, std::uint32_t msg, tokens& out) {
    // tokenize() tells valid UTF-8 as it reads it, so valid text (nearly all) is not checked separately.
    if (tokenize(lex, text, msg, out, false)) return false;
    if (!tokenize(lex, repair_utf8(text), msg, out, false))
        throw std::logic_error("repair_utf8 left invalid UTF-8");  // defensive: the tests rule it out
    return true;
}

void floor_unreadable(assessment& a) {
    if (a.lvl < level::high) a.lvl = level::high;
    a.rules.push_back("invalid_utf8");
}

void fold_window(assessment& best, assessment window, bool invalid_utf8) {
    if (invalid_utf8 && window.lvl < level::high) window.lvl = level::high;
    if (window.lvl > best.lvl) {
        window.rules.push_back("multi_send_window");
        best = std::move(window);
    }
}

}  // namespace detail

assessment engine::assess(std::string_view text, bool with_matches) const {
    if (text.size() > slice_bytes + slice_overlap) {
        assessment best;
        std::size_t begin = 0;
        bool first = true;
        while (begin < text.size()) {
            std::size_t end = text.size();
            if (end - begin > slice_bytes + slice_overlap) end = begin + detail::cut_point(text.substr(begin), slice_bytes, slice_lookback);
            auto a = assess(text.substr(begin, end - begin), with_matches);
            if (first) {
                best = std::move(a);
                first = false;
            } else {
                detail::fold_piece(best, std::move(a));
            }
            if (end >= text.size()) break;
            std::size_t next = end > slice_overlap ? end - slice_overlap : end;
            while (next < end && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
            begin = next > begin ? next : end;
        }
        return best;
    }
    try {
        auto& t = scratch_tokens();
        const bool repaired = detail::tokenize_repairing(*lex_, text, 0, t);
        auto a = detail::analyse(*lex_, t, with_matches);
        if (repaired) detail::floor_unreadable(a);
        detail::apply_risk_model(model_.get(), t, a);
        return a;
    } catch (...) {
        // Fail closed (§3.2.6): an engine error makes the message high, never low.
        return detail::fail_high("engine_error");
    }
}

assessment engine::assess_window(std::span<const std::string> recent_texts) const {
    if (recent_texts.size() > window_messages) recent_texts = recent_texts.last(window_messages);
    if (recent_texts.empty()) return assess("");
    assessment best;
    bool have = false;
    for (const auto& text : recent_texts.first(recent_texts.size() - 1)) {
        auto a = assess(text);
        if (!have || a.lvl >= best.lvl) {  // ties: the newest message explains the level
            best = std::move(a);
            have = true;
        }
    }
    auto newest = assess_send(recent_texts);
    if (!have || newest.lvl >= best.lvl) best = std::move(newest);
    return best;
}

assessment engine::assess_send(std::span<const std::string> recent_texts, bool with_matches) const {
    if (recent_texts.size() > window_messages) recent_texts = recent_texts.last(window_messages);
    if (recent_texts.empty()) return assess("", with_matches);
    assessment best = assess(recent_texts.back(), with_matches);
    if (recent_texts.size() < 2) return best;
    try {
        // Sends split mid-sentence are read together; negation never crosses a send (§1 step 0).
        auto& t = scratch_tokens();
        bool invalid = false;
        for (std::size_t i = 0; i < recent_texts.size(); ++i)
            invalid |= detail::tokenize_repairing(*lex_, recent_texts[i], static_cast<std::uint32_t>(i), t);
        auto window = detail::analyse(*lex_, t, with_matches);
        detail::apply_risk_model(model_.get(), t, window);
        detail::fold_window(best, std::move(window), invalid);
    } catch (...) {
        if (best.lvl < level::high) return detail::fail_high("engine_error");
    }
    return best;
}

}  // namespace tamsu::triage
