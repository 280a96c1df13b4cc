// Loads and validates the lexicon files (format: docs/triage.md "Lexicon files") and compiles every
// pattern into the token trie. Errors name the file and line, because school IT edits these files.
#include "server/triage/detail.hpp"
#include "server/triage/normalize.hpp"

#include <algorithm>
#include <atomic>
#include <array>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <malloc.h>
#include <sstream>

namespace tamsu::triage::detail {

namespace {

constexpr std::array<std::string_view, sig_count> sig_names{
    "A", "I", "M", "P", "K", "SH", "J", "S", "V", "W", "T", "O", "C", "X", "H", "D", "N", "L",
    "NEG", "NEGPOST", "MIN", "CON", "PAST", "TP", "FRAME", "IDENT", "INT", "HYP", "FF", "LAUGH", "DES",
};

constexpr std::array<int, sig_count> sig_weights{
    10, 6, 5, 4, 4, 6, 4, 6, 6, 4, 5, 4, 5, 6, 6, 2, 2, 0,  // signal classes (triage-lexicon §3.1)
    0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                 // cues
};

// Stable category codes, aligned with Child Helpline International's reasons for contact.
constexpr std::array<std::string_view, 15> categories{
    "suicide_self_harm", "violence",  "sexual_abuse", "bullying",         "family",
    "mental_health",     "school",    "relationships", "substance",       "pregnancy",
    "runaway_homeless",  "exploitation", "service",    "eating_disorder", "-",
};

// The classes whose words get misspelling readings (add_typos): what raises a level, not cues or ordinary topics.
bool typo_class(sig c) {
    return c == sig::A || c == sig::I || c == sig::M || c == sig::P || c == sig::K || c == sig::SH || c == sig::J ||
           c == sig::S || c == sig::V || c == sig::W || c == sig::T || c == sig::C || c == sig::X || c == sig::H;
}

constexpr std::size_t max_expansions = 16384;  // a pattern that expands further is almost surely a typo
constexpr std::size_t max_steps = 24;         // keeps the matcher's walk bounded

// One item of a phrase: a word (its stripped and accent ids, interned when the pattern is read), a gap,
// <num>, or punctuation written in the pattern (no word, only `brk`).
struct pitem {
    enum class kind : std::uint8_t { word, gap, num, boundary };
    kind k = kind::word;
    std::uint8_t gap = 0;
    std::uint8_t brk = no_boundary;  // punctuation written after this item (step::brk)
    std::uint32_t sid = unknown_id;
    std::uint32_t aid = unknown_id;
};

// A pattern read into its structure: a sequence of parts, each either fixed items or a choice
// between sequences. Its phrases are enumerated from it one at a time (expand()) instead of built as
// lists of lists: a pattern of a few alternations expands into thousands of phrases, which share most
// of their items.
struct pseq;
struct ppart {
    std::vector<pitem> items;   // when alts is empty
    std::vector<pseq> alts;     // a choice, in the written order
    bool none_first = false;    // '[a|b]': the empty choice comes before the others
    bool none_last = false;     // '(a|b)?': after them
};
struct pseq {
    std::vector<ppart> parts;
};

std::uint32_t intern(vocab_map& v, const std::string& s) {
    auto [it, inserted] = v.try_emplace(s, static_cast<std::uint32_t>(v.size() + 2));
    return it->second;
}

[[noreturn]] void fail(const std::string& where, const std::string& why) { throw lexicon_error(where + ": " + why); }

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> cols;
    std::size_t b = 0;
    while (true) {
        const auto e = line.find('\t', b);
        cols.push_back(trim(std::string_view(line).substr(b, e == std::string::npos ? std::string::npos : e - b)));
        if (e == std::string::npos) break;
        b = e + 1;
    }
    return cols;
}

// How many phrases a sequence expands to, saturating just above max_expansions.
std::size_t phrase_count(const pseq& s) {
    std::size_t n = 1;
    for (const auto& part : s.parts) {
        if (part.alts.empty()) continue;
        std::size_t m = part.none_first || part.none_last ? 1 : 0;
        for (const auto& a : part.alts) m = std::min(m + phrase_count(a), max_expansions + 1);
        n = std::min(n * m, max_expansions + 1);
    }
    return n;
}

// The sequence expands to exactly one phrase with no item at all.
bool empty_sequence(const pseq& s) {
    return std::all_of(s.parts.begin(), s.parts.end(), [](const ppart& p) { return p.alts.empty() && p.items.empty(); });
}

// Calls emit(items) for every phrase of `s`, in the order of the written choices with the earlier
// choices varying slowest; `items` holds the phrase while emit runs.
class expander {
public:
    template <class F>
    static void expand(const pseq& s, std::vector<pitem>& items, F&& emit) {
        items.clear();
        walk(s, 0, nullptr, items, emit);
    }

private:
    struct rest {  // what follows the choice being expanded
        const pseq* seq;
        std::size_t part;
        const rest* next;
    };

    template <class F>
    static void walk(const pseq& s, std::size_t part, const rest* next, std::vector<pitem>& items, F& emit) {
        if (part == s.parts.size()) {
            if (next != nullptr) return walk(*next->seq, next->part, next->next, items, emit);
            return emit(items);
        }
        const auto& p = s.parts[part];
        if (p.alts.empty()) {
            const auto size = items.size();
            items.insert(items.end(), p.items.begin(), p.items.end());
            walk(s, part + 1, next, items, emit);
            items.resize(size);
            return;
        }
        if (p.none_first) walk(s, part + 1, next, items, emit);
        const rest after{&s, part + 1, next};
        for (const auto& a : p.alts) walk(a, 0, &after, items, emit);
        if (p.none_last) walk(s, part + 1, next, items, emit);
    }
};

class pattern_parser {
public:
    pattern_parser(lexicon& lex, std::string where, std::string_view text) : lex_(lex), where_(std::move(where)), s_(text) {}

    pseq parse() {
        auto out = parse_seq('\0');
        if (i_ != s_.size()) fail(where_, "unexpected '" + std::string(1, s_[i_]) + "' in pattern");
        if (phrase_count(out) > max_expansions)
            fail(where_, "pattern expands to more than " + std::to_string(max_expansions) + " phrases");
        return out;
    }

private:
    lexicon& lex_;
    std::string where_;
    std::string_view s_;
    std::size_t i_ = 0;
    std::string acc_, str_;

    static bool special(char c) {
        return c == ' ' || c == '(' || c == ')' || c == '[' || c == ']' || c == '|' || c == '~' || c == '<' || c == '?';
    }

    // The words of a literal, and the clause punctuation written before, between or after them as
    // boundary items (no word, only `brk`): insert() hands each to the step before it, so a phrase runs
    // across punctuation only where the pattern writes it, also in an optional group ("对不起[，]妈妈").
    void literal(std::string_view text, std::vector<pitem>& out) {
        raw_tokens raw;
        // A sentinel word after the text shows punctuation at its end ("goodbye," before an alternation).
        split_raw(&lex_, std::string(text) + " x", 0, raw);
        std::uint32_t clause = 0;
        for (std::size_t i = 0; i < raw.toks.size(); ++i) {
            const auto& r = raw.toks[i];
            if (r.kind == raw_kind::quote) continue;
            if (r.clause != clause) {
                pitem b;
                b.k = pitem::kind::boundary;
                b.brk = r.clause - clause >= sentence_step ? sentence_boundary : clause_boundary;
                out.push_back(b);
                clause = r.clause;
            }
            if (i + 1 == raw.toks.size()) break;  // the sentinel
            accent_and_strip(raw.text(r), acc_, str_);
            pitem w;
            if (str_.empty()) {  // nothing left to match: no step
                w.k = pitem::kind::boundary;
            } else {
                w.sid = intern(lex_.stripped_vocab, str_);
                w.aid = intern(lex_.accent_vocab, acc_);
            }
            out.push_back(w);
        }
    }

    // Appends fixed items to the sequence, merging them with fixed items before.
    static std::vector<pitem>& fixed(pseq& s) {
        if (s.parts.empty() || !s.parts.back().alts.empty()) s.parts.emplace_back();
        return s.parts.back().items;
    }

    pseq parse_seq(char closing) {
        pseq cur;
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (c == ' ') {
                ++i_;
            } else if (c == '|' || c == ')' || c == ']') {
                if (closing == '\0') fail(where_, "unbalanced '" + std::string(1, c) + "' in pattern");
                return cur;
            } else if (c == '(' || c == '[') {
                ++i_;
                const char close = c == '(' ? ')' : ']';
                ppart choice;
                choice.none_first = c == '[';
                while (true) {
                    auto part = parse_seq(close);
                    if (empty_sequence(part)) fail(where_, "empty alternative in pattern");
                    choice.alts.push_back(std::move(part));
                    if (i_ >= s_.size()) fail(where_, std::string("missing '") + close + "' in pattern");
                    if (s_[i_] == '|') {
                        ++i_;
                        continue;
                    }
                    if (s_[i_] != close) fail(where_, std::string("expected '") + close + "' in pattern");
                    ++i_;
                    if (i_ < s_.size() && s_[i_] == '?') {  // (a|b)? is the same as [a|b]
                        ++i_;
                        if (c == '(') choice.none_last = true;
                    }
                    break;
                }
                cur.parts.push_back(std::move(choice));
            } else if (c == '~') {
                ++i_;
                int n = 0;
                const auto* b = s_.data() + i_;
                auto [p, ec] = std::from_chars(b, s_.data() + s_.size(), n);
                if (ec != std::errc{} || n < 1 || n > 8) fail(where_, "a gap is written ~N with N from 1 to 8");
                i_ += static_cast<std::size_t>(p - b);
                pitem g;
                g.k = pitem::kind::gap;
                g.gap = static_cast<std::uint8_t>(n);
                fixed(cur).push_back(g);
            } else if (c == '?') {
                fail(where_, "'?' must follow a closing parenthesis");
            } else if (c == '<') {
                if (s_.substr(i_, 5) != "<num>") fail(where_, "unknown placeholder (only <num> exists)");
                i_ += 5;
                pitem n;
                n.k = pitem::kind::num;
                n.sid = number_id;
                fixed(cur).push_back(n);
            } else {
                // A backslash makes the next character literal: "\:\)\)" is the laughter emoticon.
                std::string lit;
                while (i_ < s_.size() && !special(s_[i_])) {
                    if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
                    lit.push_back(s_[i_++]);
                }
                literal(lit, fixed(cur));
            }
        }
        if (closing != '\0') fail(where_, std::string("missing '") + closing + "' in pattern");
        return cur;
    }
};

class loader {
public:
    // errors == nullptr: stop at the first invalid line (lexicon_error), as the server does at start-up.
    // Otherwise record each invalid line's error there and go on with the next line, so that
    // `tamsu triage --check` shows every mistake at once; the validation is the same.
    loader(lexicon& lex, std::vector<std::string>* errors) : lex_(lex), errors_(errors) {
        lex_.nodes.emplace_back();  // root
    }

    // Runs f, recording its lexicon_error when collecting.
    template <class F>
    void guarded(F&& f) {
        if (errors_ == nullptr) return f();
        try {
            f();
        } catch (const lexicon_error& e) {
            errors_->emplace_back(e.what());
        }
    }

    void load_t2s(const std::filesystem::path& file) {
        std::map<char32_t, char32_t> pairs;  // a character listed twice: the last line wins
        for_lines(file, [&](const std::string& where, const std::string& line) {
            auto cols = split_tabs(line);
            if (cols.size() < 2) fail(where, "expected 'traditional<TAB>simplified'");
            auto a = single_cp(where, cols[0]);
            auto b = single_cp(where, cols[1]);
            pairs[a] = b;
        });
        lex_.set_t2s({pairs.begin(), pairs.end()});
    }

    void load_entries(const std::filesystem::path& file) {
        std::string language = file.stem().string();
        std::vector<std::pair<std::string, std::string>> macros;
        for_lines(file, [&](const std::string& where, const std::string& line) {
            if (line.starts_with("@")) {
                directive(where, line, language, macros);
                return;
            }
            auto cols = split_tabs(line);
            if (cols.size() < 3) fail(where, "expected at least 3 columns: pattern<TAB>class<TAB>category");
            if (cols.size() > 5) fail(where, "too many columns (pattern, class, category, weight, flags)");
            entry e;
            e.pattern = cols[0];
            e.language = language;
            e.lang = language == "vi" ? lang_code::vi : language == "en" ? lang_code::en : lang_code::other;
            e.file = file.filename().string();
            e.line = line_;
            e.cls = parse_class(where, cols[1]);
            e.category = cols[2];
            if (std::find(categories.begin(), categories.end(), e.category) == categories.end())
                fail(where, "unknown category '" + e.category + "'");
            if (is_cue(e.cls) != (e.category == "-") && e.cls != sig::HYP && e.cls != sig::FF)
                fail(where, is_cue(e.cls) ? "a cue class takes category '-'" : "a signal class needs a category");
            e.weight = default_weight(e.cls);
            if (cols.size() > 3 && !cols[3].empty() && cols[3] != "-") {
                int w = 0;
                auto [p, ec] = std::from_chars(cols[3].data(), cols[3].data() + cols[3].size(), w);
                if (ec != std::errc{} || p != cols[3].data() + cols[3].size() || w < 0 || w > 20)
                    fail(where, "weight must be an integer from 0 to 20, got '" + cols[3] + "'");
                e.weight = w;
            }
            if (cols.size() > 4) e.flags = parse_flags(where, cols[4]);
            if (e.cls == sig::P && std::popcount(e.flags & p_subtypes) != 1)
                fail(where, "a P pattern needs exactly one sub-type flag: prep, note, farewell, time or place");
            // The rules read these flags only on these classes; elsewhere they would silently do nothing.
            if ((e.flags & (f_resolved | f_lapse)) && e.cls != sig::MIN)
                fail(where, "the flags resolved and lapse belong on a MIN cue");
            if ((e.flags & f_secret) && e.cls != sig::X) fail(where, "the flag secret belongs on an X pattern");
            if ((e.flags & f_unreachable) && e.cls != sig::O) fail(where, "the flag unreachable belongs on an O cue");
            if ((e.flags & f_meet) && e.cls != sig::O) fail(where, "the flag meet belongs on an O cue");
            if ((e.flags & f_routine) && e.cls != sig::N && e.cls != sig::L)
                fail(where, "the flag routine belongs on an N or L pattern");
            if (e.pattern.empty()) fail(where, "empty pattern");
            std::string text = expand_macros(where, e.pattern, macros);
            const auto pattern = pattern_parser(lex_, where, text).parse();
            const auto id = static_cast<std::uint32_t>(lex_.entries.size());
            lex_.entries.push_back(std::move(e));
            expander::expand(pattern, phrase_items_, [&](const std::vector<pitem>& x) { insert(where, id, x); });
        });
    }

    void load_teencode(const std::filesystem::path& file) {
        for_lines(file, [&](const std::string& where, const std::string& line) {
            auto cols = split_tabs(line);
            if (cols.size() < 2) fail(where, "expected 'token<TAB>expansion|expansion...'");
            auto key = words(where, cols[0]);
            if (key.size() != 1) fail(where, "the teencode token must be one word");
            auto& list = lex_.teencode[key[0]];
            std::size_t b = 0;
            while (b <= cols[1].size()) {
                auto e = cols[1].find('|', b);
                if (e == std::string::npos) e = cols[1].size();
                auto ws = words(where, std::string_view(cols[1]).substr(b, e - b));
                if (ws.empty() || ws.size() > 3) fail(where, "an expansion has 1 to 3 words");
                list.push_back(std::move(ws));
                b = e + 1;
            }
        });
    }

    // Typing fast, children misspell the very words that matter ("i wnat to kil myslef tonite"). Each
    // English word of four letters or more in a risk pattern (or a high topic: "pregant") gets its single-slip spellings as extra
    // readings, the way teencode works: two neighbouring letters swapped, or one letter dropped. The first
    // letter is kept (slips there are rare, and moving it makes most real-word collisions), and a spelling
    // that is itself a lexicon word or a teencode token is never taken for another word ("pill" is not a
    // slip of "pills"). A doubled letter ("kiill") needs nothing: repeated letters are squashed already.
    void add_typos() {
        std::vector<std::string> variants;
        for (const auto& word : risk_words()) {
            variants.clear();
            for (std::size_t i = 1; i + 1 < word.size(); ++i) {
                if (word[i] == word[i + 1]) continue;
                std::string v = word;
                std::swap(v[i], v[i + 1]);
                variants.push_back(std::move(v));
            }
            // A four-letter word less a letter is a three-letter word too often ("meth" -> "meh"), so short
            // words only lose one of a doubled letter ("kill" -> "kil") or a vowel that leaves none ("ths").
            for (std::size_t i = 1; i < word.size(); ++i) {
                auto v = word.substr(0, i) + word.substr(i + 1);
                if (word.size() >= 5 || word[i] == word[i - 1] || v.find_first_of("aeiouy") == std::string::npos)
                    variants.push_back(std::move(v));
            }
            for (auto& v : variants) {
                if (lex_.stripped_vocab.contains(v) || lex_.teencode.contains(v)) continue;
                auto& list = lex_.typos[v];
                if (std::find(list.begin(), list.end(), word) == list.end()) list.push_back(word);
            }
        }
    }

private:
    lexicon& lex_;
    std::vector<std::string>* errors_;
    int line_ = 0;
    std::vector<char> risk_sids_;  // add_typos(): stripped ids of the words of English risk patterns
    std::vector<pitem> phrase_items_, merged_;  // insert()'s input and its merged items, reused

    bool is_word(const pitem& it, std::string_view text) const {
        const auto f = lex_.stripped_vocab.find(text);
        return it.k == pitem::kind::word && f != lex_.stripped_vocab.end() && f->second == it.sid;
    }

    // The English risk words of four letters or more (add_typos), in sorted order.
    std::set<std::string> risk_words() const {
        std::set<std::string> out;
        for (const auto& [word, sid] : lex_.stripped_vocab)
            if (sid < risk_sids_.size() && risk_sids_[sid] && word.size() >= 4 &&
                std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
                out.insert(word);
        return out;
    }

    template <class F>
    void for_lines(const std::filesystem::path& file, F&& f) {
        std::ifstream in(file, std::ios::binary);
        const auto name = file.filename().string();
        if (!in) {
            guarded([&] { fail(name, "cannot open " + file.string()); });
            return;
        }
        std::string line;
        line_ = 0;
        while (std::getline(in, line)) {
            ++line_;
            const auto where = name + ":" + std::to_string(line_);
            guarded([&] {
                if (!is_valid_utf8(line)) fail(where, "not valid UTF-8");
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // BOM from Windows editors
                const auto t = trim(line);
                if (t.empty() || t.starts_with("#")) return;
                f(where, line);
            });
        }
    }

    char32_t single_cp(const std::string& where, const std::string& s) {
        raw_tokens raw;
        split_raw(nullptr, s, 0, raw);
        if (raw.toks.size() != 1 || raw.toks[0].kind != raw_kind::han)
            fail(where, "expected one Chinese character, got '" + s + "'");
        const auto t = raw.text(raw.toks[0]);
        // Decode the single code point.
        char32_t c = 0;
        const auto b0 = static_cast<unsigned char>(t[0]);
        if (t.size() == 3) c = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(t[1]) & 0x3Fu) << 6) | (static_cast<unsigned char>(t[2]) & 0x3Fu);
        else if (t.size() == 4)
            c = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(t[1]) & 0x3Fu) << 12) |
                ((static_cast<unsigned char>(t[2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(t[3]) & 0x3Fu);
        else fail(where, "unsupported character '" + s + "'");
        return c;
    }

    std::vector<std::string> words(const std::string& where, std::string_view s) {
        raw_tokens raw;
        split_raw(&lex_, s, 0, raw);
        std::vector<std::string> out;
        for (const auto& r : raw.toks) {
            if (r.kind == raw_kind::quote) fail(where, "quotes are not allowed here");
            out.emplace_back(raw.text(r));
        }
        return out;
    }

    sig parse_class(const std::string& where, const std::string& s) {
        for (std::size_t i = 0; i < sig_names.size(); ++i)
            if (sig_names[i] == s) return static_cast<sig>(i);
        fail(where, "unknown class '" + s + "'");
    }

    std::uint32_t parse_flags(const std::string& where, const std::string& s) {
        std::uint32_t flags = 0;
        std::stringstream ss(s);
        std::string f;
        while (std::getline(ss, f, ',')) {
            f = trim(f);
            if (f.empty() || f == "-") continue;
            if (f == "hyp") flags |= f_hyp;
            else if (f == "topic") flags |= f_topic;
            else if (f == "ctx") flags |= f_ctx;
            else if (f == "strong") flags |= f_strong;
            else if (f == "consume") flags |= f_consume;
            else if (f == "everyday") flags |= f_everyday;
            else if (f == "accent") flags |= f_accent;
            else if (f == "recur") flags |= f_recur;
            else if (f == "prep") flags |= f_prep;
            else if (f == "note") flags |= f_note;
            else if (f == "farewell") flags |= f_farewell;
            else if (f == "time") flags |= f_time;
            else if (f == "place") flags |= f_place;
            else if (f == "grave") flags |= f_grave;
            else if (f == "end") flags |= f_end;
            else if (f == "routine") flags |= f_routine;
            else if (f == "resolved") flags |= f_resolved;
            else if (f == "lapse") flags |= f_lapse;
            else if (f == "secret") flags |= f_secret;
            else if (f == "unreachable") flags |= f_unreachable;
            else if (f == "meet") flags |= f_meet;
            else fail(where, "unknown flag '" + f + "'");
        }
        return flags;
    }

    void directive(
        const std::string& where, const std::string& line, std::string& language,
        std::vector<std::pair<std::string, std::string>>& macros
    ) {
        auto cols = split_tabs(line);
        std::stringstream ss(cols[0]);
        std::string word, name;
        ss >> word;
        if (word == "@language") {
            ss >> language;
            if (language.empty()) fail(where, "@language needs a code");
            return;
        }
        if (word == "@define") {
            ss >> name;
            std::string rest;
            std::getline(ss, rest);
            if (cols.size() > 1) rest = cols[1];
            rest = trim(rest);
            if (name.empty() || rest.empty()) fail(where, "expected '@define NAME<TAB>alternatives'");
            macros.emplace_back("{" + name + "}", "(" + rest + ")");
            return;
        }
        fail(where, "unknown directive '" + word + "'");
    }

    std::string expand_macros(
        const std::string& where, std::string text, const std::vector<std::pair<std::string, std::string>>& macros
    ) {
        for (int round = 0; round < 4; ++round) {
            for (const auto& [k, v] : macros) {
                std::size_t p = 0;
                while ((p = text.find(k, p)) != std::string::npos) {
                    text.replace(p, k.size(), v);
                    p += v.size();
                }
            }
        }
        if (auto p = text.find('{'); p != std::string::npos) {
            const auto e = text.find('}', p);
            fail(where, "unknown macro '" + text.substr(p, e == std::string::npos ? std::string::npos : e - p + 1) + "'");
        }
        return text;
    }

    void insert(const std::string& where, std::uint32_t entry_id, const std::vector<pitem>& x) {
        // Merge adjacent gaps, refuse gaps at the ends.
        auto& items = merged_;
        items.clear();
        for (const auto& it : x) {
            if (it.k == pitem::kind::boundary) {  // punctuation written in the pattern: allowed after the item before it
                if (!items.empty()) items.back().brk = std::max(items.back().brk, it.brk);
                continue;
            }
            if (it.gap != 0 && !items.empty() && items.back().gap != 0) {
                items.back().gap = static_cast<std::uint8_t>(std::min(8, items.back().gap + it.gap));
                items.back().brk = std::max(items.back().brk, it.brk);
                continue;
            }
            items.push_back(it);
        }
        if (items.empty()) fail(where, "pattern has no words after normalisation");
        if (items.front().gap != 0 || items.back().gap != 0) fail(where, "a pattern cannot start or end with a gap");
        if (items.size() > max_steps) fail(where, "pattern is too long");
        const auto& e = lex_.entries[entry_id];
        if (items.size() == 1 && !is_cue(e.cls) && (e.cls == sig::A || e.cls == sig::I) &&
            (is_word(items[0], "\xE6\xAD\xBB") || is_word(items[0], "\xE6\x9D\x80")))
            fail(where, "a single character such as 死 or 杀 is never a keyword (too many harmless compounds)");
        phrase ph;
        ph.entry = entry_id;
        ph.first_step = static_cast<std::uint32_t>(lex_.phrase_steps.size());
        ph.step_count = static_cast<std::uint32_t>(items.size());
        std::uint32_t node = 0;
        for (std::size_t k = 0; k < items.size(); ++k) {
            const auto& it = items[k];
            step st;
            if (it.gap != 0) {
                st.gap = it.gap;
                // "a, ~3 b" and "a ~3, b" both let the gap run across a comma.
                st.brk = std::max(it.brk, items[k - 1].brk);
                const auto key = gap_key(it.gap, st.brk);
                auto& gaps = lex_.nodes[node].gaps;
                auto g = std::find_if(gaps.begin(), gaps.end(), [&](const auto& p) { return p.first == key; });
                if (g != gaps.end()) {
                    node = g->second;
                } else {
                    const auto child = static_cast<std::uint32_t>(lex_.nodes.size());
                    lex_.nodes[node].gaps.emplace_back(key, child);
                    lex_.nodes.emplace_back();
                    node = child;
                }
            } else {
                st.sid = it.sid;
                st.aid = it.aid;
                if (e.lang == lang_code::vi) {
                    if (lex_.vi_sids.size() <= st.sid) lex_.vi_sids.resize(st.sid + 1, 0);
                    lex_.vi_sids[st.sid] = 1;
                }
                if (e.lang == lang_code::en && typo_class(e.cls) && it.k == pitem::kind::word) {
                    if (risk_sids_.size() <= st.sid) risk_sids_.resize(st.sid + 1, 0);
                    risk_sids_[st.sid] = 1;
                }
                const auto key = (static_cast<std::uint64_t>(node) << 32) | st.sid;
                auto [edge, inserted] = lex_.edges.try_emplace(key, static_cast<std::uint32_t>(lex_.nodes.size()));
                if (inserted) lex_.nodes.emplace_back();
                node = edge->second;
                // Punctuation after a word that a gap follows belongs to the gap.
                st.brk = k + 1 < items.size() && items[k + 1].gap == 0 ? it.brk : std::uint8_t{no_boundary};
                lex_.nodes[node].brk = std::max(lex_.nodes[node].brk, st.brk);
            }
            lex_.phrase_steps.push_back(st);
        }
        const auto pid = static_cast<std::uint32_t>(lex_.phrases.size());
        lex_.phrases.push_back(std::move(ph));
        lex_.nodes[node].phrases.push_back(pid);
    }
};

}  // namespace

void lexicon::finish() {
    static std::atomic<std::uint64_t> counter{0};
    serial = ++counter;
    facts.clear();
    facts.reserve(entries.size());
    for (const auto& e : entries) {
        entry_facts f;
        f.flags = e.flags;
        f.weight = static_cast<std::int16_t>(e.weight);  // 0-20, checked when read
        f.cls = e.cls;
        f.lang = e.lang;
        f.category = static_cast<std::uint8_t>(
            (e.category == "-" ? entry_facts::cat_none : 0) | (e.category == "service" ? entry_facts::cat_service : 0) |
            (e.category == "suicide_self_harm" ? entry_facts::cat_suicide : 0)
        );
        facts.push_back(f);
    }
    struct word_edge {
        std::uint32_t sid = 0;
        std::uint32_t child = 0;  // loader node
    };
    // Each node's edges, sorted by sid, side by side in one array (first[n] .. first[n + 1]).
    std::vector<std::uint32_t> first(nodes.size() + 1, 0);
    for (const auto& [k, child] : edges) ++first[static_cast<std::size_t>(k >> 32) + 1];
    for (std::size_t n = 0; n < nodes.size(); ++n) first[n + 1] += first[n];
    std::vector<word_edge> all_edges(edges.size());
    {
        auto fill = first;
        for (const auto& [k, child] : edges)
            all_edges[fill[static_cast<std::size_t>(k >> 32)]++] = word_edge{static_cast<std::uint32_t>(k & 0xFFFFFFFFu), child};
    }
    for (std::size_t n = 0; n < nodes.size(); ++n)
        std::sort(all_edges.begin() + first[n], all_edges.begin() + first[n + 1], [](const word_edge& a, const word_edge& b) {
            return a.sid < b.sid;
        });
    const auto out = [&](std::uint32_t n) {
        return std::span<const word_edge>(all_edges.data() + first[n], first[n + 1] - first[n]);
    };

    // Breadth-first numbering: the nodes one or two words from the root, which nearly every position
    // of every message visits, sit together in a few hundred KB instead of scattered in insertion order.
    constexpr auto unnumbered = ~std::uint32_t{0};
    std::vector<std::uint32_t> bfs_id(nodes.size(), unnumbered);
    std::vector<std::uint32_t> order{0};
    bfs_id[0] = 0;
    const auto number = [&](std::uint32_t old) {
        if (bfs_id[old] != unnumbered) return;
        bfs_id[old] = static_cast<std::uint32_t>(order.size());
        order.push_back(old);
    };
    for (std::size_t k = 0; k < order.size(); ++k) {
        for (const auto& e : out(order[k])) number(e.child);
        for (const auto& g : nodes[order[k]].gaps) number(g.second);
    }
    // Defensive: every node is reached from the root (the loader only adds nodes below it).
    if (order.size() != nodes.size()) throw lexicon_error("lexicon: trie node not reachable from the root");

    root_child.assign(stripped_vocab.size() + 2, 0);
    time_start.assign(stripped_vocab.size() + 2, false);
    entry_phrases.assign(entries.size(), 0);
    for (const auto& ph : phrases) {
        ++entry_phrases[ph.entry];
        if (entries[ph.entry].cls == sig::P && (entries[ph.entry].flags & f_time) && ph.step_count != 0)
            time_start[steps(ph).front().sid] = true;
    }
    node_count = nodes.size();
    phrase_count = phrases.size();

    // Placement: breadth-first, and each node's leaf children (the most visited kind of node: two
    // thirds of all) right after it, so the record the walk reads next is often in a line it has.
    // The root keeps no edges of its own (root_child).
    const auto is_leaf = [&](std::uint32_t old) { return out(old).empty() && nodes[old].gaps.empty(); };
    const auto record_words = [&](std::uint32_t old) {
        const auto& node = nodes[old];
        const std::size_t depth = node.phrases.empty() ? 0 : phrases[node.phrases.front()].step_count;
        const std::size_t edge_words = out(old).empty() ? 0 : 3 + (old == 0 ? 0 : 2 * out(old).size());
        return 1 + edge_words + 2 * node.gaps.size() + node.phrases.size() * (1 + depth);
    };
    std::vector<std::uint32_t> placement;
    placement.reserve(nodes.size());
    std::size_t words = 0;
    const auto place = [&](std::uint32_t old) {
        if (fast_id[old] != unnumbered) return;
        // Defensive: 2^32 words would be a lexicon a hundred times today's.
        if (words > 0xFFFFFFFFu - record_words(old)) throw lexicon_error("lexicon: trie too large");
        fast_id[old] = static_cast<std::uint32_t>(words);
        words += record_words(old);
        placement.push_back(old);
    };
    fast_id.assign(nodes.size(), unnumbered);
    for (const auto old : order) {
        place(old);
        for (const auto& e : out(old))
            if (is_leaf(e.child)) place(e.child);
        for (const auto& g : nodes[old].gaps)
            if (is_leaf(g.second)) place(g.second);
    }
    for (const auto& e : out(0)) root_child[e.sid] = fast_id[e.child];

    trie.assign(words, 0);
    for (const auto old : placement) {
        const auto& node = nodes[old];
        const auto list = out(old);
        // Defensive: a prefix followed by more than 65,535 different words would need a vocabulary
        // a hundred times today's; the same for the patterns ending at, or gaps leaving, one node.
        if (list.size() > 0xFFFF || node.phrases.size() > 0xFFFF || node.gaps.size() > 0xFF)
            throw lexicon_error("lexicon: too many patterns share one prefix");
        auto* w = trie.data() + fast_id[old];
        w[0] = static_cast<std::uint32_t>(
                   (node.phrases.empty() ? 0 : node_phrases) | (node.gaps.empty() ? 0 : node_gaps) |
                   (list.empty() ? 0 : node_words) | (node.brk >= clause_boundary ? node_cross_clause : 0) |
                   (node.brk >= sentence_boundary ? node_cross_sentence : 0)
               ) |
               static_cast<std::uint32_t>(node.gaps.size() << 8) | static_cast<std::uint32_t>(node.phrases.size() << 16);
        ++w;
        if (!list.empty()) {
            const bool root = old == 0;
            w[0] = root ? 0 : static_cast<std::uint32_t>(list.size());
            std::uint64_t mask = 0;
            for (const auto& e : list) mask |= std::uint64_t{1} << (e.sid & 63);
            w[1] = root ? 0 : static_cast<std::uint32_t>(mask);
            w[2] = root ? 0 : static_cast<std::uint32_t>(mask >> 32);
            w += 3;
            if (!root)
                for (const auto& e : list) {
                    *w++ = e.sid;
                    *w++ = fast_id[e.child];
                }
        }
        for (const auto& [gap, child] : node.gaps) {
            *w++ = gap;
            *w++ = fast_id[child];
        }
        const std::size_t depth = node.phrases.empty() ? 0 : phrases[node.phrases.front()].step_count;
        for (const auto pid : node.phrases) {
            const auto& ph = phrases[pid];
            // Defensive: the trie path is the phrase, one edge per step, so every phrase ending at a node
            // has the node's depth; the ids are far below the bits kept for them.
            if (ph.step_count != depth || ph.entry >= phrase_end_only)
                throw lexicon_error("lexicon: inconsistent trie");
            *w++ = ph.entry | ((entries[ph.entry].flags & f_end) ? phrase_end_only : 0);
            for (const auto& st : steps(ph)) {
                if (st.aid > step_aid_mask) throw lexicon_error("lexicon: too many distinct words");
                *w++ = st.aid | static_cast<std::uint32_t>(st.brk) << step_brk_shift;
            }
        }
    }
    fast_stripped.build(stripped_vocab);
    fast_accent.build(accent_vocab);
}

void lexicon::drop_loader_structures() {
    // Nothing reads them after finish(). Freed with swap, not clear(), so their memory goes;
    // malloc_trim hands the small blocks (a vector per node) back to the system.
    std::vector<phrase>().swap(phrases);
    std::vector<step>().swap(phrase_steps);
    std::vector<std::uint32_t>().swap(fast_id);
    std::vector<trie_node>().swap(nodes);
    edges = flat_u64_map{};
    vocab_map().swap(stripped_vocab);
    vocab_map().swap(accent_vocab);
    malloc_trim(0);
}

std::string_view sig_name(sig s) { return sig_names[static_cast<std::size_t>(s)]; }
int default_weight(sig s) { return sig_weights[static_cast<std::size_t>(s)]; }

namespace {

std::shared_ptr<const lexicon> load(const std::filesystem::path& dir, std::vector<std::string>* errors, bool keep_loader = false) {
    auto lex = std::make_shared<lexicon>();
    loader l(*lex, errors);
    // t2s first: the other files' Chinese is converted with it; teencode last: its expansions are
    // looked up in the vocabulary the patterns built.
    l.load_t2s(dir / "t2s.tsv");
    for (const char* f : {"vi.tsv", "en.tsv", "zh.tsv", "emoji.tsv"}) l.load_entries(dir / f);
    l.load_teencode(dir / "teencode.tsv");
    l.add_typos();
    l.guarded([&] { lex->finish(); });
    if (!keep_loader) lex->drop_loader_structures();
    return lex;
}

}  // namespace

std::shared_ptr<const lexicon> load_lexicon_blocking(const std::filesystem::path& dir) { return load(dir, nullptr); }

std::shared_ptr<const lexicon> load_lexicon_with_loader_structures_blocking(const std::filesystem::path& dir) {
    return load(dir, nullptr, true);
}

std::shared_ptr<const lexicon> check_lexicon_blocking(const std::filesystem::path& dir, std::vector<std::string>& errors) {
    errors.clear();
    auto lex = load(dir, &errors);
    return errors.empty() ? lex : nullptr;
}

}  // namespace tamsu::triage::detail
