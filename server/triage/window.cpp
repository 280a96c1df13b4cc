// The session window, incrementally (docs/triage.md "Speed"). engine::assess_send(texts) reads the
// whole window again at every send: tokenize() over each text with msg = 0, 1, ... into one
// `tokens`, match_all over it, then the rules. Here each send is tokenised once, alone, when it comes,
// and the window's matches are kept: a new send adds only the matches that end in it. The rules still
// read the whole window.
//
// Why the kept state gives the same answer:
// * tokenize() depends on the sends before only through the clause it continues from (the last
//   token's) and the offsets where it appends (forms, text); the rest is the send's own. So the
//   window's tokens are the sends' own tokens joined with those offsets added (append_send), and a
//   send's own tokens are what assess(text) reads for it alone. The joined tokens are kept and
//   shifted when the oldest sends leave (drop_oldest), not rebuilt at every send: rebuilding them
//   copied the whole window per send and was the largest single symbol on the server's I/O threads
//   (docs/performance.md §11).
// * A match depends only on the tokens it covers (their readings, and whether their clauses are
//   equal), so the matches of the earlier sends stay the same in a longer window. The matcher walks
//   the trie from each token; a walk that ended before the end of the window ends there in any longer
//   window too. So a new send only needs walks from its own tokens and from the earlier starts whose
//   walk met the end of the window (`open`, a few tokens at most), and only their matches that end
//   in the new send are new.
#include "server/triage/detail.hpp"
#include "server/triage/model.hpp"
#include "server/triage/normalize.hpp"

#include <algorithm>
#include <span>

namespace tamsu::triage {

namespace detail {

struct window_send {
    std::shared_ptr<const std::string> text;
    std::string id;
    send_window::clock::time_point at;
    // The send's share of window_state::joined.
    std::uint32_t toks = 0, forms = 0, bytes = 0;
    bool repaired = false;     // invalid UTF-8, read as repair_utf8() gives it (tokenize_repairing)
    send_features features;    // the risk model's, of the send's own tokens (empty without a model)
};

struct window_state {
    std::vector<window_send> sends;  // oldest first
    // What tokenize() gives for the sends' texts read one after another, msg = 0, 1, ..., into one
    // `tokens`; without feature_hashes, since the window's model features are united from its sends'.
    tokens joined;
    std::vector<hit> hits;           // match_all(joined), in its order
    std::vector<std::uint32_t> open;  // starts whose walk met the end of joined (see match_tail)
    std::uint64_t serial = 0;        // the lexicon (and its engine's risk model) the tokens, hits and features were read with
    bool broken = false;             // an exception left the tokens or hits behind `sends`
};

}  // namespace detail

namespace {

using detail::hit;
using detail::tokens;
using detail::window_send;
using detail::window_state;

// Appends a send's own tokens to the window's, as tokenize() reading it after the others would:
// msg `msg`, clauses continued from the last token's, form and text offsets past the ones there.
void append_send(const tokens& own, std::uint32_t msg, tokens& t) {
    // Kept for the session's life: grown by an eighth rather than doubled, since the window's size
    // stays about the same from one send to the next while a doubled vector could hold twice it.
    const auto reserve_for = [](auto& v, std::size_t extra) {
        if (v.size() + extra > v.capacity()) v.reserve(v.size() + extra + (v.size() + extra) / 8);
    };
    reserve_for(t.toks, own.toks.size());
    reserve_for(t.forms, own.forms.size());
    reserve_for(t.text, own.text.size());
    const auto forms = static_cast<std::uint32_t>(t.forms.size());
    const auto bytes = static_cast<std::uint32_t>(t.text.size());
    const std::uint32_t clause = t.toks.empty() ? 0 : t.toks.back().clause;
    const auto first = t.toks.size();
    for (auto tok : own.toks) {
        tok.form_begin += forms;
        tok.text_begin += bytes;
        tok.clause += clause;
        tok.msg = msg;
        t.toks.push_back(tok);
    }
    // A send's first token had nothing before it alone; joined, it has the previous send's last.
    if (first > 0 && first < t.toks.size())
        t.toks[first].brk = detail::boundary_between(t.toks[first - 1].clause, t.toks[first].clause);
    t.forms.insert(t.forms.end(), own.forms.begin(), own.forms.end());
    t.text += own.text;
}

// What append_send added for the sends before `toks`, taken off: their form and text offsets, the
// clause they ended on and their count. `toks` then read as the tokens of the sends after them would
// alone (their first token with nothing before it).
void take_off_earlier(std::span<detail::token> toks, std::uint32_t forms, std::uint32_t bytes, std::uint32_t clause,
                      std::uint32_t sends) {
    for (auto& tok : toks) {
        tok.form_begin -= forms;
        tok.text_begin -= bytes;
        tok.clause -= clause;
        tok.msg -= sends;
    }
    if (!toks.empty()) toks.front().brk = detail::no_boundary;
}

// Tokenises the last send of `s`, adds the matches that end in it and keeps its model features.
void read_newest(const detail::lexicon& lex, const detail::risk_model* model, window_state& s) {
    auto& send = s.sends.back();
    thread_local tokens one;
    one.clear();
    send.repaired = detail::tokenize_repairing(lex, *send.text, 0, one);
    // The window's model features are united from its sends' (window_features), so the joined tokens
    // keep no per-token hashes.
    if (model != nullptr) {
        // Hashed into a reused vector and copied: one allocation of the right size per send, where
        // growing the kept vector took several and held up to twice the bytes.
        thread_local detail::send_features scratch;
        detail::risk_features(one, model->bits, scratch);
        send.features = scratch;
    }

    auto& t = s.joined;
    const auto ns = static_cast<std::uint32_t>(t.toks.size());
    append_send(one, static_cast<std::uint32_t>(s.sends.size() - 1), t);
    send.toks = static_cast<std::uint32_t>(one.toks.size());
    send.forms = static_cast<std::uint32_t>(one.forms.size());
    send.bytes = static_cast<std::uint32_t>(one.text.size());
    thread_local std::vector<hit> fresh, merged;
    thread_local std::vector<std::uint32_t> earlier;
    earlier.assign(s.open.begin(), s.open.end());
    detail::match_tail(lex, t, earlier, ns, fresh, s.open);
    // Kept matches end at or before ns, new ones after it: no span is in both, so merging the two
    // sorted lists gives match_all's list.
    merged.clear();
    std::merge(s.hits.begin(), s.hits.end(), fresh.begin(), fresh.end(), std::back_inserter(merged), detail::hit_before);
    s.hits.assign(merged.begin(), merged.end());
}

// The joined tokens of the remaining sends become what append_send would have built from them
// alone: the offsets, clauses and send numbers of the dropped ones are taken off.
void drop_oldest(window_state& s, std::size_t k) {
    if (k == 0) return;
    std::uint32_t toks = 0, forms = 0, bytes = 0;
    for (std::size_t i = 0; i < k; ++i) {
        toks += s.sends[i].toks;
        forms += s.sends[i].forms;
        bytes += s.sends[i].bytes;
    }
    auto& t = s.joined;
    const std::uint32_t clause = toks == 0 ? 0 : t.toks[toks - 1].clause;
    t.toks.erase(t.toks.begin(), t.toks.begin() + toks);
    take_off_earlier(t.toks, forms, bytes, clause, static_cast<std::uint32_t>(k));
    t.forms.erase(t.forms.begin(), t.forms.begin() + forms);
    t.text.erase(0, bytes);
    s.sends.erase(s.sends.begin(), s.sends.begin() + static_cast<std::ptrdiff_t>(k));
    std::erase_if(s.hits, [&](const hit& h) { return h.begin < toks; });
    for (auto& h : s.hits) {
        h.begin -= toks;
        h.end -= toks;
    }
    std::erase_if(s.open, [&](std::uint32_t start) { return start < toks; });
    for (auto& start : s.open) start -= toks;
}

// Reads every send again (another lexicon, or an error left the state behind).
void reread(const detail::lexicon& lex, const detail::risk_model* model, window_state& s) {
    s.broken = true;
    s.hits.clear();
    s.open.clear();
    s.joined.clear();
    s.serial = lex.serial;
    auto sends = std::move(s.sends);
    s.sends.clear();
    s.sends.reserve(send_window::max_sends);
    for (auto& send : sends) {
        s.sends.push_back(std::move(send));
        read_newest(lex, model, s);
    }
    s.broken = false;
}

// assess(text) of the newest send, from its own tokens and its share of the window's matches. Its
// own tokens are its share of the joined ones with append_send undone (a few dozen tokens: cheaper
// than keeping a second copy in every session).
assessment assess_newest(const detail::lexicon& lex, const window_state& s, bool with_matches) {
    thread_local std::vector<hit> own_hits;
    thread_local tokens own;
    const auto& send = s.sends.back();
    const auto& t = s.joined;
    const auto ns = static_cast<std::uint32_t>(t.toks.size() - send.toks);
    const auto forms = static_cast<std::uint32_t>(t.forms.size() - send.forms);
    const auto bytes = static_cast<std::uint32_t>(t.text.size() - send.bytes);
    const std::uint32_t clause = ns == 0 ? 0 : t.toks[ns - 1].clause;
    own.clear();
    own.toks.assign(t.toks.begin() + ns, t.toks.end());
    take_off_earlier(own.toks, forms, bytes, clause, static_cast<std::uint32_t>(s.sends.size() - 1));
    own.forms.assign(t.forms.begin() + forms, t.forms.end());
    own.text.assign(t.text, bytes);
    own_hits.clear();
    for (const auto& h : s.hits)
        if (h.begin >= ns) own_hits.push_back(hit{h.entry, h.begin - ns, h.end - ns, h.stripped_only, h.first_sid});
    auto a = detail::analyse_matched(lex, own, own_hits, with_matches);
    if (send.repaired) detail::floor_unreadable(a);
    return a;
}

}  // namespace

send_window::send_window() = default;
send_window::send_window(send_window&&) noexcept = default;
send_window& send_window::operator=(send_window&&) noexcept = default;
send_window::~send_window() = default;

bool send_window::push(const engine& eng, std::string_view id, std::shared_ptr<const std::string> text, clock::time_point at) {
    try {
        if (!s_) {
            s_ = std::make_unique<window_state>();
            s_->sends.reserve(max_sends);
        }
        failed_ = false;
    } catch (...) {
        failed_ = true;
        return true;
    }
    auto& s = *s_;
    const auto& lex = *eng.lex_;
    try {
        std::size_t old = 0;
        while (old < s.sends.size() && at - s.sends[old].at > max_age) ++old;
        if (s.broken || s.serial != lex.serial) {
            s.sends.erase(s.sends.begin(), s.sends.begin() + static_cast<std::ptrdiff_t>(old));
            reread(lex, eng.model_.get(), s);
        } else {
            drop_oldest(s, old);
        }
        if (!id.empty() && std::any_of(s.sends.begin(), s.sends.end(), [&](const window_send& w) { return w.id == id; }))
            return false;
        if (s.sends.size() >= max_sends) drop_oldest(s, s.sends.size() - max_sends + 1);
        s.broken = true;  // until the send is read
        s.sends.push_back(window_send{std::move(text), std::string(id), at, 0, 0, 0, false, {}});
        read_newest(lex, eng.model_.get(), s);
        s.broken = false;
    } catch (...) {
        s.broken = true;
    }
    return true;
}

std::size_t send_window::size() const { return s_ ? s_->sends.size() : 0; }

std::vector<std::shared_ptr<const std::string>> send_window::texts() const {
    std::vector<std::shared_ptr<const std::string>> out;
    if (!s_) return out;
    out.reserve(s_->sends.size());
    for (const auto& send : s_->sends) out.push_back(send.text);
    return out;
}

std::size_t send_window::memory_bytes() const {
    if (!s_) return 0;
    const auto& s = *s_;
    const auto heap_string = [](const std::string& x) { return x.capacity() > std::string().capacity() ? x.capacity() + 1 : 0; };
    const auto tokens_bytes = [&](const tokens& t) {
        return t.toks.capacity() * sizeof(detail::token) + t.forms.capacity() * sizeof(detail::form) + heap_string(t.text) +
               t.feature_hashes.capacity() * sizeof(std::uint64_t);
    };
    std::size_t n = sizeof(window_state) + s.sends.capacity() * sizeof(window_send) + s.hits.capacity() * sizeof(hit) +
                    s.open.capacity() * sizeof(std::uint32_t) + tokens_bytes(s.joined);
    for (const auto& send : s.sends) {
        n += heap_string(send.id) + send.features.ids.capacity() * sizeof(std::uint32_t);
        if (send.text) n += sizeof(std::string) + heap_string(*send.text);
    }
    return n;
}

void send_window::clear() {
    s_.reset();
    failed_ = false;
}

assessment engine::assess_send(const send_window& window, bool with_matches) const {
    const auto* s = window.s_.get();
    if (window.failed_ || (s && s->broken)) return detail::fail_high("engine_error");
    if (!s || s->sends.empty()) return assess("", with_matches);
    if (s->serial != lex_->serial) {
        // Pushed with another engine's lexicon: its tokens mean nothing here. Not the server's case.
        std::vector<std::string> texts;
        for (const auto& send : s->sends) texts.push_back(*send.text);
        return assess_send(std::span<const std::string>(texts), with_matches);
    }
    // As assess_send(texts): the newest send alone, then the window if it holds more.
    const auto& newest = *s->sends.back().text;
    assessment best;
    if (newest.size() > detail::slice_bytes + detail::slice_overlap) {
        best = assess(newest, with_matches);  // in slices, which the window's tokens are not
    } else {
        try {
            best = assess_newest(*lex_, *s, with_matches);
            const auto& newest_send = s->sends.back();
            if (detail::risk_model_may_raise(model_.get(), newest_send.toks, best))
                detail::raise_by_risk_model(*model_, newest_send.features.ids, best);
        } catch (...) {
            best = detail::fail_high("engine_error");
        }
    }
    if (s->sends.size() < 2) return best;
    try {
        const bool repaired = std::any_of(s->sends.begin(), s->sends.end(), [](const window_send& x) { return x.repaired; });
        const auto& t = s->joined;
        thread_local std::vector<const detail::send_features*> parts;
        thread_local std::vector<std::uint32_t> ids;
        bool have_ids = false;
        const auto window_ids = [&]() -> const std::vector<std::uint32_t>& {
            if (!have_ids) {
                parts.clear();
                for (const auto& send : s->sends) parts.push_back(&send.features);
                detail::window_features(parts, model_->bits, ids);
                have_ids = true;
            }
            return ids;
        };
        // The window read together only counts where it is higher than the newest send alone
        // (fold_window). Most windows hold no hit that could make it so, and then, unless the model
        // would speak on them, the rules need not read ten sends again at every send (three quarters
        // of the server's triage, docs/performance.md §12).
        if (!repaired && detail::level_bound(*lex_, s->hits) <= best.lvl) {
            const bool model_may_speak = detail::risk_model_may_raise(model_.get(), t.toks.size(), assessment{}) &&
                                         detail::risk_model_says_critical(*model_, window_ids());
            if (!model_may_speak) return best;
        }
        auto together = detail::analyse_matched(*lex_, t, s->hits, with_matches);
        if (detail::risk_model_may_raise(model_.get(), t.toks.size(), together))
            detail::raise_by_risk_model(*model_, window_ids(), together);
        detail::fold_window(best, std::move(together), repaired);
    } catch (...) {
        if (best.lvl < level::high) return detail::fail_high("engine_error");
    }
    return best;
}

}  // namespace tamsu::triage
