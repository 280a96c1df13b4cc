// Candidate readings of each token (triage-lexicon §1 steps 6-10) and the trie matcher.
//
// Normalisation of student text is not solved (ViLexNorm: ~58 % error reduction at best), so a token
// is never rewritten once: it keeps its own reading and gains candidates (squashed, leet, Telex/VNI,
// old teencode letters, teencode table, joined letters). A candidate is kept only when it is a word
// of the lexicon, so candidates can add matches but never invent noise.
#include "server/triage/detail.hpp"
#include "server/triage/model.hpp"
#include "server/triage/normalize.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace tamsu::triage::detail {

namespace {

// Exactly one code point (a byte that starts a sequence, and no second one). Asked of every word of
// every message for letter joining, and most words answer at their second byte.
bool one_cp(std::string_view s) {
    std::size_t starts = 0;
    for (const char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++starts > 1) return false;
    return starts == 1;
}

// Splits UTF-8 into code point strings (cheap: tokens are short).
void cps_of(std::string_view s, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i + 1;
        while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
        out.push_back(s.substr(i, j - i));
        i = j;
    }
}

bool has_run3(std::string_view s) {
    // Byte-level is enough to detect a run of the same ASCII letter; multi-byte letters are checked
    // by squash() itself.
    thread_local std::vector<std::string_view> cps;
    cps_of(s, cps);
    for (std::size_t i = 2; i < cps.size(); ++i)
        if (cps[i] == cps[i - 1] && cps[i] == cps[i - 2]) return true;
    return false;
}

std::string squash(std::string_view s, std::size_t keep) {
    thread_local std::vector<std::string_view> cps;
    cps_of(s, cps);
    std::string out;
    std::size_t run = 0;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        run = (i > 0 && cps[i] == cps[i - 1]) ? run + 1 : 1;
        if (run <= keep) out.append(cps[i]);
    }
    return out;
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

// Telex typed with the input method off: "cheets" -> chết, "tuwj" -> tự, "ddau" -> đau, "khoong" -> không.
// Returns the accent key and the stripped form; empty when the word does not look like Telex.
bool telex_decode(std::string_view w, std::string& key, std::string& stripped) {
    if (w.size() < 2 || w.size() > 9) return false;
    int tone = 0;
    std::string_view body = w;
    const char last = w.back();
    const bool vowel_before = std::any_of(w.begin(), w.end() - 1, is_vowel);
    if (vowel_before) {
        switch (last) {
        case 's': tone = 1; break;
        case 'f': tone = 2; break;
        case 'r': tone = 3; break;
        case 'x': tone = 4; break;
        case 'j': tone = 5; break;
        default: break;
        }
    }
    std::string moved;
    if (tone != 0) {
        body.remove_suffix(1);
    } else if (vowel_before) {
        // Telex lets the tone key come before the final consonants: "muoosn" = muốn.
        const auto p = w.find_last_of("sfrxj");
        if (p != std::string_view::npos && p > 0 && p + 1 < w.size() &&
            std::none_of(w.begin() + static_cast<std::ptrdiff_t>(p) + 1, w.end(), is_vowel) &&
            std::any_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(p), is_vowel)) {
            const char k = w[p];
            tone = k == 's' ? 1 : k == 'f' ? 2 : k == 'r' ? 3 : k == 'x' ? 4 : 5;
            moved = std::string(w.substr(0, p)) + std::string(w.substr(p + 1));
            body = moved;
        }
    }
    key.clear();
    stripped.clear();
    bool changed = tone != 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        const char n = i + 1 < body.size() ? body[i + 1] : '\0';
        if (c == 'd' && n == 'd') {
            append_cp(key, 0x0111);
            stripped.push_back('d');
            ++i;
            changed = true;
        } else if ((c == 'a' || c == 'e' || c == 'o') && n == c) {
            append_cp(key, c == 'a' ? 0x00E2 : c == 'e' ? 0x00EA : 0x00F4);
            stripped.push_back(c);
            ++i;
            changed = true;
        } else if ((c == 'a' || c == 'o' || c == 'u') && n == 'w') {
            append_cp(key, c == 'a' ? 0x0103 : c == 'o' ? 0x01A1 : 0x01B0);
            stripped.push_back(c);
            ++i;
            changed = true;
        } else if (c == 'u' && n == 'o' && i + 2 < body.size() && body[i + 2] == 'w') {
            append_cp(key, 0x01B0);  // "uow" -> ươ
            append_cp(key, 0x01A1);
            stripped += "uo";
            i += 2;
            changed = true;
        } else if (c == 'w') {
            return false;  // a stray w: English, not Telex
        } else {
            key.push_back(c);
            stripped.push_back(c);
        }
    }
    if (!changed) return false;
    if (tone != 0) {
        key.push_back('\x01');
        key.push_back(static_cast<char>('0' + tone));
    }
    return true;
}

// VNI typed with the input method off: "che6t1" -> chết (6 = circumflex, 7 = horn, 8 = breve,
// 9 = đ, 1-5 = tones sắc, huyền, hỏi, ngã, nặng).
bool vni_decode(std::string_view w, std::string& key, std::string& stripped) {
    if (w.size() < 2 || w.size() > 12) return false;
    if (std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    key.clear();
    stripped.clear();
    int tone = 0;
    bool changed = false;
    std::string letters;  // work on a small buffer of (letter, mark)
    for (std::size_t i = 0; i < w.size(); ++i) {
        const char c = w[i];
        if (c >= '1' && c <= '9') {
            if (i == 0) return false;
            changed = true;
            if (c <= '5') {
                tone = c - '0';
                continue;
            }
            // A quality mark applies to the last matching letter.
            auto pos = std::string::npos;
            for (std::size_t j = letters.size(); j-- > 0;) {
                const char l = letters[j];
                if ((c == '6' && (l == 'a' || l == 'e' || l == 'o')) || (c == '7' && (l == 'o' || l == 'u')) ||
                    (c == '8' && l == 'a') || (c == '9' && l == 'd')) {
                    pos = j;
                    break;
                }
            }
            if (pos == std::string::npos) return false;
            // The mark is stored as a control byte (0x16..0x19) right after its letter.
            letters.insert(pos + 1, 1, static_cast<char>(c - '0' + 0x10));
            continue;
        }
        if (!(c >= 'a' && c <= 'z')) return false;
        letters.push_back(c);
    }
    if (!changed) return false;
    for (std::size_t i = 0; i < letters.size(); ++i) {
        const char l = letters[i];
        if (l < 0x20) continue;
        const char m = i + 1 < letters.size() && letters[i + 1] < 0x20 ? static_cast<char>(letters[i + 1] - 0x10) : 0;
        stripped.push_back(l);
        char32_t out = static_cast<unsigned char>(l);
        if (m == 6) out = l == 'a' ? 0x00E2 : l == 'e' ? 0x00EA : 0x00F4;
        if (m == 7) out = l == 'o' ? 0x01A1 : 0x01B0;
        if (m == 8) out = 0x0103;
        if (m == 9) out = 0x0111;
        append_cp(key, out);
    }
    if (tone != 0) {
        key.push_back('\x01');
        key.push_back(static_cast<char>('0' + tone));
    }
    return true;
}

std::string leet(std::string_view w) {
    std::string out(w);
    for (auto& c : out) {
        switch (c) {
        case '0': c = 'o'; break;
        case '1': c = 'i'; break;
        case '3': c = 'e'; break;
        case '4': c = 'a'; break;
        case '5': c = 's'; break;
        case '7': c = 't'; break;
        case '@': c = 'a'; break;
        case '$': c = 's'; break;
        case '!': c = 'i'; break;
        default: break;
        }
    }
    return out;
}

bool looks_leet(std::string_view w) {
    bool letter = false, sym = false;
    for (char c : w) {
        if (c >= 'a' && c <= 'z') letter = true;
        if (c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '7' || c == '@' || c == '$' || c == '!')
            sym = true;
    }
    return letter && sym;
}

bool is_number_like(std::string_view w) {
    if (w.empty() || !(w[0] >= '0' && w[0] <= '9')) return false;
    std::size_t i = 0;
    while (i < w.size() && w[i] >= '0' && w[i] <= '9') ++i;
    return w.size() - i <= 4;  // "20", "800mg", "5tr", "12h", "15t"
}

// Older teencode letter substitutions (ck -> ch, nk -> nh, j -> gi, w -> qu, f -> ph, z -> d/gi/v,
// k -> c before a/o/u).
void old_teencode(std::string_view w, std::vector<std::string>& out) {
    out.clear();
    if (w.find_first_of("kjwfz") == std::string_view::npos) return;
    std::string a;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const char c = w[i];
        const char n = i + 1 < w.size() ? w[i + 1] : '\0';
        if (c == 'c' && n == 'k') {
            a += "ch";
            ++i;
        } else if (c == 'n' && n == 'k') {
            a += "nh";
            ++i;
        } else if (c == 'k' && (n == 'a' || n == 'o' || n == 'u')) {
            a += 'c';
        } else if (c == 'j' && i == 0) {
            a += "gi";
        } else if (c == 'j') {
            a += 'i';
        } else if (c == 'w' && i == 0) {
            a += "qu";
        } else if (c == 'f') {
            a += "ph";
        } else if (c == 'z' && i == 0) {
            a += 'd';
        } else {
            a += c;
        }
    }
    if (a != w) out.push_back(a);
    if (w[0] == 'z' && w.size() > 1) {
        out.push_back("v" + a.substr(1));
        out.push_back("gi" + a.substr(1));
    }
}

// The language gate's sign of Vietnamese typed without marks (engine.cpp): two of these common
// function words in one message.
bool is_vi_function_word(std::string_view w) {
    static constexpr std::array<std::string_view, 34> words{
        "em",  "minh", "mk", "khong", "ko", "la",  "cua", "nhung", "roi", "nay", "lam", "vi",
        "voi", "thi",  "duoc", "dc",  "toi", "ban", "hoc", "oi",   "nhe", "nha", "qua", "bi",
        "cung", "cx",  "gi",  "ve",   "nua", "ai",  "thay", "muon", "chi", "anh"};
    return std::find(words.begin(), words.end(), w) != words.end();
}

struct form_builder {
    const lexicon& lex;
    tokens& out;
    std::string acc, str;

    sub make_sub(std::string_view w) {
        accent_and_strip(w, acc, str);
        sub s;
        s.sid = lex.fast_stripped.find(str);
        s.plain = str == w;
        if (!s.plain) {
            if (const auto aid = lex.fast_accent.find(acc); aid != unknown_id) {
                s.aid = aid;
            } else {
                // An accented spelling no lexicon word has (a tone typo, a half-typed word): compare
                // it stripped, like a word typed without diacritics. Fail upward.
                s.plain = true;
            }
        }
        return s;
    }

    void add(const form& f, std::uint32_t first) {
        for (std::uint32_t i = first; i < out.forms.size(); ++i) {
            const auto& g = out.forms[i];
            if (g.n == f.n && g.span == f.span &&
                std::equal(g.subs.begin(), g.subs.begin() + g.n, f.subs.begin(), [](const sub& x, const sub& y) {
                    return x.sid == y.sid && x.aid == y.aid && x.plain == y.plain;
                }))
                return;
        }
        out.forms.push_back(f);
    }

    void add_word(std::string_view w, std::uint32_t first, bool base) {
        form f;
        f.n = 1;
        f.subs[0] = make_sub(w);
        if (base || f.subs[0].sid != unknown_id) add(f, first);
    }

    void add_teencode(std::string_view w, std::uint32_t first) {
        auto it = lex.teencode.find(w);
        if (it == lex.teencode.end()) return;
        for (const auto& exp : it->second) {
            form f;
            f.n = static_cast<std::uint8_t>(std::min<std::size_t>(exp.size(), 3));
            for (std::size_t i = 0; i < f.n; ++i) f.subs[i] = make_sub(exp[i]);
            add(f, first);
        }
    }

    void add_decoded(const std::string& key, const std::string& stripped, std::uint32_t first) {
        const auto a = lex.fast_accent.find(key);
        if (a == unknown_id) return;
        const auto s = lex.fast_stripped.find(stripped);
        if (s == unknown_id) return;
        form f;
        f.n = 1;
        f.subs[0] = sub{s, a, false};
        add(f, first);
    }

    void word_forms(std::string_view w, std::uint32_t first) {
        add_word(w, first, true);
        std::string squashed1, squashed2;
        const bool run3 = has_run3(w);
        if (run3) {
            squashed1 = squash(w, 1);
            squashed2 = squash(w, 2);
            add_word(squashed1, first, false);
            add_word(squashed2, first, false);
        }
        const bool ascii = is_ascii(w);
        if (ascii && looks_leet(w)) {
            add_word(leet(w), first, false);
            if (run3) add_word(leet(squashed2), first, false);
        }
        if (ascii) {
            std::string key, stripped;
            if (telex_decode(w, key, stripped)) add_decoded(key, stripped, first);
            if (run3 && telex_decode(squashed2, key, stripped)) add_decoded(key, stripped, first);
            if (vni_decode(w, key, stripped)) add_decoded(key, stripped, first);
            thread_local std::vector<std::string> subs;
            subs.clear();
            if (!lex.teencode.contains(w)) old_teencode(w, subs);
            for (const auto& s : subs) add_word(s, first, false);
        }
        add_teencode(w, first);
        if (run3) add_teencode(squashed1, first);
        if (auto it = lex.typos.find(w); it != lex.typos.end())
            for (const auto& s : it->second) add_word(s, first, false);
        if (is_number_like(w)) {
            form f;
            f.n = 1;
            f.subs[0] = sub{number_id, unknown_id, true};
            add(f, first);
        }
    }
};

// Candidate readings depend only on the token and the lexicon, and tokens repeat (Zipf), so each thread
// keeps them: one open-addressing table over two pools (key bytes, readings), so a warm lookup costs a
// hash and one probe and allocates nothing. Bounded: emptied when it holds `limit` tokens or when
// another lexicon is in use. Emptying changes nothing but speed: readings are recomputed the same.
class reading_cache {
public:
    // 32 bytes; an empty slot has key_len 0 (tokens are never empty).
    struct slot {
        std::uint64_t feature_hash = 0;  // of the token (model.hpp), which depends only on its text and kind
        std::uint64_t first_sids = 0;    // token::first_sids of the readings
        std::uint32_t hash = 0;
        std::uint32_t key_begin = 0;
        std::uint32_t forms_begin = 0;
        std::uint8_t key_len = 0;  // at most max_key
        std::uint8_t forms_count = 0;
        raw_kind kind = raw_kind::word;
        bool vi_function_word : 1 = false;
        bool marked : 1 = false;  // token::marked of the readings
    };
    static_assert(sizeof(slot) == 32);
    // Longer tokens are rare and not worth a place (they are read each time).
    static constexpr std::size_t max_key = 64;
    static constexpr std::size_t max_forms = 0xFF;

    void use(std::uint64_t lexicon_serial) {
        if (lexicon_serial == serial_ && count_ < limit) return;
        slots_.assign(initial_slots, slot{});
        keys_.clear();
        forms_.clear();
        count_ = 0;
        serial_ = lexicon_serial;
    }

    const slot* find(std::string_view key, raw_kind kind, std::uint64_t h) const {
        const auto mask = slots_.size() - 1;
        const auto h32 = static_cast<std::uint32_t>(h);
        for (auto i = h & mask; slots_[i].key_len != 0; i = (i + 1) & mask) {
            const auto& s = slots_[i];
            if (s.hash == h32 && s.kind == kind && same_bytes(std::string_view(keys_).substr(s.key_begin, s.key_len), key))
                return &s;
        }
        return nullptr;
    }

    // `t`: the token whose readings `forms` are (its vi_function_word, first_sids and marked are kept).
    void insert(std::string_view key, raw_kind kind, std::uint64_t h, std::span<const form> forms, const token& t, std::uint64_t feature_hash) {
        if (key.empty() || key.size() > max_key || forms.size() > max_forms) return;
        if ((count_ + 1) * 2 > slots_.size()) grow();
        slot s;
        s.hash = static_cast<std::uint32_t>(h);
        s.key_begin = static_cast<std::uint32_t>(keys_.size());
        s.key_len = static_cast<std::uint8_t>(key.size());
        s.forms_begin = static_cast<std::uint32_t>(forms_.size());
        s.forms_count = static_cast<std::uint8_t>(forms.size());
        s.kind = kind;
        s.vi_function_word = t.vi_function_word;
        s.first_sids = t.first_sids;
        s.marked = t.marked;
        s.feature_hash = feature_hash;
        keys_.append(key);
        forms_.insert(forms_.end(), forms.begin(), forms.end());
        place(s);
        ++count_;
    }

    std::span<const form> forms(const slot& s) const { return {forms_.data() + s.forms_begin, s.forms_count}; }

private:
    static constexpr std::size_t limit = 1u << 16;
    static constexpr std::size_t initial_slots = 1u << 12;
    std::vector<slot> slots_ = std::vector<slot>(initial_slots);  // a power of two, at most half full
    std::string keys_;
    std::vector<form> forms_;
    std::size_t count_ = 0;
    std::uint64_t serial_ = 0;

    // Probing starts from the full 64-bit hash in find(); the slot keeps its low 32 bits, which are
    // all the mask ever uses (the table stays far below 2^32 slots).
    void place(const slot& s) {
        const auto mask = slots_.size() - 1;
        auto i = s.hash & mask;
        while (slots_[i].key_len != 0) i = (i + 1) & mask;
        slots_[i] = s;
    }

    void grow() {
        std::vector<slot> old(slots_.size() * 2);
        old.swap(slots_);
        for (const auto& s : old)
            if (s.key_len != 0) place(s);
    }
};

// What the token keeps of each of its readings (token::first_sids, token::marked).
void note_reading(token& t, const form& f) {
    if (f.subs[0].sid != unknown_id) t.first_sids |= std::uint64_t{1} << (f.subs[0].sid & 63);
    if (f.n > 0 && !f.subs[0].plain) t.marked = true;
}

}  // namespace

bool tokenize(const lexicon& lex, std::string_view text, std::uint32_t msg, tokens& out, bool /*for_lexicon*/) {
    thread_local raw_tokens split;
    const auto& raw = split.toks;
    // A sentence split over several sends is matched as one (the engine still ends negation scope at
    // each send), so the clause continues from the previous send.
    const std::uint32_t clause0 = out.toks.empty() ? 0 : out.toks.back().clause;
    if (!split_raw_checked(&lex, text, clause0, split)) return false;
    thread_local reading_cache cache;
    cache.use(lex.serial);
    form_builder fb{lex, out, {}, {}};
    const std::size_t first_tok = out.toks.size();
    // The split wrote the token texts as tokens::text keeps them (each followed by a space; quotes
    // write nothing), so they are copied at once rather than token by token.
    const auto text_base = static_cast<std::uint32_t>(out.text.size());
    out.text += split.chars;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto& r = raw[i];
        if (r.kind == raw_kind::quote) continue;
        const auto word = split.text(r);
        token t;
        t.clause = r.clause;
        t.msg = msg;
        t.quoted = r.quoted;
        t.han = r.kind == raw_kind::han;
        t.text_begin = text_base + r.text_begin;
        t.text_len = r.text_len;
        const auto first = static_cast<std::uint32_t>(out.forms.size());
        t.form_begin = first;
        const auto h = hash_bytes(word);
        if (const auto* hit = cache.find(word, r.kind, h)) {
            for (const auto& f : cache.forms(*hit)) out.forms.push_back(f);  // mostly one: no range insert
            t.first_sids = hit->first_sids;
            t.marked = hit->marked;
            t.vi_function_word = hit->vi_function_word;
            out.feature_hashes.push_back(hit->feature_hash);
        } else {
            if (r.kind == raw_kind::word) {
                fb.word_forms(word, first);
            } else {
                fb.add_word(word, first, true);
            }
            t.vi_function_word = is_vi_function_word(word);
            out.feature_hashes.push_back(feature_hash(word, t.han));
            for (auto f = first; f < out.forms.size(); ++f) note_reading(t, out.forms[f]);
            cache.insert(word, r.kind, h, std::span<const form>(out.forms).subspan(first), t, out.feature_hashes.back());
        }
        const auto cached_end = out.forms.size();
        if (r.kind == raw_kind::word) {
            // Step 6: letters split by single separators ("c.h.ế.t", "s-u-i-c-i-d-e", "k i l l") are
            // also read joined, at the first letter, spanning the whole run.
            if (one_cp(word) && !(i > 0 && raw[i].joinable && raw[i - 1].kind == raw_kind::word &&
                                  one_cp(split.text(raw[i - 1])))) {
                std::size_t j = i + 1;
                std::string joined(word);
                while (j < raw.size() && raw[j].kind == raw_kind::word && raw[j].joinable && one_cp(split.text(raw[j]))) {
                    joined += split.text(raw[j]);
                    ++j;
                }
                if (j - i >= 3) {
                    form f;
                    f.n = 1;
                    f.span = static_cast<std::uint8_t>(std::min<std::size_t>(j - i, 255));
                    f.subs[0] = fb.make_sub(joined);
                    if (f.subs[0].sid != unknown_id) fb.add(f, first);
                    if (auto it = lex.teencode.find(std::string_view(joined)); it != lex.teencode.end()) {
                        for (const auto& exp : it->second) {  // "t.u t.u" -> tutu -> tự tử
                            form g;
                            g.span = f.span;
                            g.n = static_cast<std::uint8_t>(std::min<std::size_t>(exp.size(), 3));
                            for (std::size_t k = 0; k < g.n; ++k) g.subs[k] = fb.make_sub(exp[k]);
                            fb.add(g, first);
                        }
                    }
                }
            }
        }
        for (auto f = cached_end; f < out.forms.size(); ++f) note_reading(t, out.forms[f]);  // joined spellings
        t.form_count = static_cast<std::uint32_t>(out.forms.size()) - first;
        t.brk = out.toks.empty() ? std::uint8_t{no_boundary} : boundary_between(out.toks.back().clause, t.clause);
        out.toks.push_back(t);
    }
    // A student who types diacritics types them everywhere: in such a message a bare "so" is "so"
    // (compare), not "sờ". Its plain words are then compared by their exact accent key. Messages with
    // few accented words (English, or Vietnamese typed without marks) keep stripped matching.
    std::size_t words = 0, accented = 0;
    for (std::size_t i = first_tok; i < out.toks.size(); ++i) {
        const auto& tk = out.toks[i];
        if (tk.han || tk.form_count == 0) continue;
        const auto& base = out.forms[tk.form_begin];
        const std::string_view txt(out.text.data() + tk.text_begin, tk.text_len);
        if (txt.empty() || !((txt[0] >= 'a' && txt[0] <= 'z') || static_cast<unsigned char>(txt[0]) >= 0xC0)) continue;
        ++words;
        if (!base.subs[0].plain) ++accented;
    }
    if (accented >= 2 && accented * 2 >= words) {
        for (std::size_t i = first_tok; i < out.toks.size(); ++i) {
            auto& tk = out.toks[i];
            const std::string_view txt(out.text.data() + tk.text_begin, tk.text_len);
            if (tk.han || txt.size() < 2 || !std::all_of(txt.begin(), txt.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
                continue;
            auto& s = out.forms[tk.form_begin].subs[0];
            if (!s.plain) continue;
            // Letters a-z only: the word is its own accent key (accent_and_strip would copy it).
            const auto aid = lex.fast_accent.find(txt);
            s.plain = false;
            s.aid = aid == unknown_id ? ~std::uint32_t{0} : aid;
            tk.marked = true;
        }
    }
    return true;
}

namespace {

struct walker {
    // A constructor rather than aggregate initialisation, which would zero `stack` and `at`.
    walker(const lexicon& l, const tokens& tk, std::vector<hit>& out) : lex(l), t(tk), hits(out) {}

    const lexicon& lex;
    const tokens& t;
    std::vector<hit>& hits;
    const token* wt = t.toks.data();  // the tokens, read at every step without going through the vector
    // t.toks.size(), asked at every step: the vector's size() divides by the 28-byte record each time.
    std::uint32_t n_toks = static_cast<std::uint32_t>(t.toks.size());
    // The arrays the walk reads at every step, without going through the lexicon and the tokens.
    const std::uint32_t* trie = lex.trie.data();
    const std::uint32_t* root_child = lex.root_child.data();
    std::uint32_t root_size = static_cast<std::uint32_t>(lex.root_child.size());
    const form* forms = t.forms.data();
    std::uint32_t start = 0;
    // One per step, written before read (follow, walk_gaps), so not zeroed: clearing the two arrays
    // (768 bytes) for every message cost ~2.6 instructions per byte.
    std::array<const sub*, 64> stack;  // nullptr for a gap step
    std::array<std::uint32_t, 64> at;  // the position of each literal step's token
    std::size_t depth = 0;
    bool open = false;  // the walk met the end of the tokens: more tokens could extend it (match_tail)
    std::uint32_t crossed = 0;  // clause punctuation crossed between literal steps on the current path

    // The punctuation between the tokens at pos - 1 and pos (pos < t.toks.size()).
    std::uint8_t boundary_before(std::uint32_t pos) const { return wt[pos].brk; }

    // Where a pattern flagged `end` may stop: at punctuation, a send boundary or the end, or before a
    // word that starts a time pattern (the engine then checks that the time ends the clause).
    bool may_end(std::uint32_t pos) const {
        if (pos >= n_toks || boundary_before(pos) != no_boundary || t.toks[pos].msg != t.toks[pos - 1].msg)
            return true;
        for (auto f = wt[pos].form_begin; f < wt[pos].form_begin + wt[pos].form_count; ++f) {
            const auto sid = forms[f].subs[0].sid;
            if (sid < lex.time_start.size() && lex.time_start[sid]) return true;
        }
        return false;
    }

    void report(lexicon::node_view n, std::uint32_t pos) {
        // Each phrase is a head word and one word per step (detail.hpp); the node's depth is ours.
        const auto* ph = n.phrases();
        for (std::uint32_t p = 0; p < n.phrase_count(); ++p, ph += 1 + depth) {
            if ((ph[0] & lexicon::phrase_end_only) && !may_end(pos)) continue;
            const auto* steps = ph + 1;
            bool ok = true;
            bool stripped_only = true;
            for (std::size_t i = 0; i < depth && ok; ++i) {
                const sub* s = stack[i];
                if (s == nullptr || s->sid == number_id) continue;
                if (!s->plain) {
                    stripped_only = false;
                    ok = s->aid == (steps[i] & lexicon::step_aid_mask);
                }
            }
            // The walk crossed punctuation because some phrase through the node writes it; this one
            // must write it too, at that place.
            for (std::size_t i = 0; crossed > 0 && i + 1 < depth && ok; ++i) {
                if (stack[i] == nullptr || stack[i + 1] == nullptr || at[i + 1] == at[i]) continue;
                ok = boundary_before(at[i + 1]) <= (steps[i] >> lexicon::step_brk_shift);
            }
            if (ok) hits.push_back(hit{ph[0] & ~lexicon::phrase_end_only, start, pos, stripped_only, stack[0]->sid});
        }
    }

    lexicon::node_view node_at(std::uint32_t offset) const { return lexicon::node_view{trie + offset}; }

    // A walk from the token at `pos`: each of its readings from the root. The root's children are a
    // direct array (lexicon::root_child), and no boundary applies before a phrase's first word.
    void walk_from(std::uint32_t pos) {
        start = pos;
        depth = 0;
        const auto form_end = wt[pos].form_begin + wt[pos].form_count;
        for (std::uint32_t f = wt[pos].form_begin; f < form_end; ++f) {
            const auto sid = forms[f].subs[0].sid;
            const auto first = sid != unknown_id && sid < root_size ? root_child[sid] : 0;
            if (first != 0) follow(forms[f], first, pos);
        }
    }

    void walk(std::uint32_t node, std::uint32_t pos) {
        const auto n = node_at(node);
        const auto bits = n.bits();
        if (bits & lexicon::node_phrases) report(n, pos);
        if (depth + 4 >= stack.size()) return;  // defensive: patterns are far shorter
        if (bits & lexicon::node_gaps) walk_gaps(n, pos);
        if (!(bits & lexicon::node_words)) return;  // a leaf: no search
        if (pos >= n_toks) {
            open = true;  // the walk met the end of the tokens: more tokens could extend it (match_tail)
            return;
        }
        walk_tokens(n, pos, false);
    }

    void walk_gaps(lexicon::node_view n, std::uint32_t pos) {
        const auto* g = n.gaps();
        for (std::uint32_t j = 0; j < n.gap_count(); ++j, g += 2) {
            const auto key = static_cast<std::uint8_t>(g[0]);
            const auto gap = gap_size(key), brk = gap_boundary(key);
            // `a ~N b`: skip up to N tokens, inside the clause of the token before the gap unless the
            // pattern writes punctuation there ("a, ~3 b"); never across a stronger boundary.
            stack[depth++] = nullptr;
            // Half of all the walk's steps are tried after a gap, and most find no edge: the gap
            // child's mask rules those out here, without the search.
            const auto after = node_at(g[1]);
            std::uint32_t k = 0;
            for (; k <= gap && pos + k < n_toks; ++k) {
                if (boundary_before(pos + k) > brk) break;
                if (may_step(after, pos + k)) walk_tokens(after, pos + k, true);
            }
            if (k <= gap && pos + k >= n_toks) open = true;
            --depth;
        }
    }

    // False when no reading of the token at `pos` can follow an edge of `n` (walk_tokens would find none).
    bool may_step(lexicon::node_view n, std::uint32_t pos) const {
        return (n.bits() & lexicon::node_words) && (n.edge_mask() & wt[pos].first_sids) != 0;
    }

    // Follows literal edges from the inner node `n` (one with edges) with each candidate reading of the
    // token at `pos` (< n_toks). A phrase goes on across punctuation only when some phrase through `n`
    // writes it (after_gap: the gap checked).
    void walk_tokens(lexicon::node_view n, std::uint32_t pos, bool after_gap) {
        // Most visited nodes have no edge for any reading here: one AND instead of a search per reading.
        // (Every reading has a first word: the loader rejects an empty teencode expansion.)
        if ((n.edge_mask() & wt[pos].first_sids) == 0) return;
        bool crossing = false;
        if (!after_gap) {
            if (const auto b = boundary_before(pos); b != no_boundary) {
                if (!(n.bits() & (b == sentence_boundary ? lexicon::node_cross_sentence : lexicon::node_cross_clause)))
                    return;
                crossing = true;
            }
        }
        crossed += crossing;
        const auto form_end = wt[pos].form_begin + wt[pos].form_count;
        for (std::uint32_t f = wt[pos].form_begin; f < form_end; ++f) {
            const auto sid = forms[f].subs[0].sid;
            const auto first = sid == unknown_id ? 0 : lex.child(n, sid);
            if (first != 0) follow(forms[f], first, pos);
        }
        crossed -= crossing;
    }

    // Steps along the rest of the reading `fm` of the token at `pos` from `first` (the child of its
    // first word), then walks on after it.
    void follow(const form& fm, std::uint32_t first, std::uint32_t pos) {
        std::uint32_t cur = first;
        at[depth] = pos;
        stack[depth] = &fm.subs[0];
        for (std::uint8_t i = 1; i < fm.n; ++i) {
            cur = fm.subs[i].sid == unknown_id ? 0 : lex.child(node_at(cur), fm.subs[i].sid);
            if (cur == 0) return;
            at[depth + i] = pos;
            stack[depth + i] = &fm.subs[i];
        }
        depth += fm.n;
        walk(cur, pos + fm.span);
        depth -= fm.n;
    }
};

}  // namespace

std::vector<hit> match_all(const lexicon& lex, const tokens& t) {
    std::vector<hit> hits;
    match_all(lex, t, hits);
    return hits;
}

namespace {

// The same entry can be reached through several readings of a token: keep one hit per span.
void sort_unique(std::vector<hit>& hits) {
    // Through a lambda, not the function's address, so that the comparison is inlined into the sort.
    std::sort(hits.begin(), hits.end(), [](const hit& a, const hit& b) { return hit_before(a, b); });
    hits.erase(
        std::unique(
            hits.begin(), hits.end(),
            [](const hit& a, const hit& b) { return a.entry == b.entry && a.begin == b.begin && a.end == b.end; }
        ),
        hits.end()
    );
}

}  // namespace

void match_all(const lexicon& lex, const tokens& t, std::vector<hit>& hits) {
    hits.clear();
    walker w{lex, t, hits};
    for (std::uint32_t i = 0; i < w.n_toks; ++i) w.walk_from(i);
    sort_unique(hits);
}

void match_tail(
    const lexicon& lex, const tokens& t, std::span<const std::uint32_t> earlier, std::uint32_t after,
    std::vector<hit>& hits, std::vector<std::uint32_t>& open
) {
    hits.clear();
    open.clear();
    walker w{lex, t, hits};
    const auto walk_noting_open = [&](std::uint32_t i) {
        w.open = false;
        w.walk_from(i);
        if (w.open) open.push_back(i);
    };
    for (const auto i : earlier) walk_noting_open(i);
    for (auto i = after; i < w.n_toks; ++i) walk_noting_open(i);
    // The earlier walks find again the hits that end before `after`, which the caller has.
    if (!earlier.empty()) std::erase_if(hits, [&](const hit& h) { return h.end <= after; });
    sort_unique(hits);
}

}  // namespace tamsu::triage::detail
