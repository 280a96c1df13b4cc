// Normalisation and tokenisation: triage-lexicon §1 steps 1-12, shared by the lexicon loader (so
// patterns and messages go through exactly the same rules) and by the matcher.
#include "server/triage/normalize.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tamsu::triage::detail {

namespace {

// Writes c as UTF-8 at p (room for 4 bytes); returns the number of bytes.
inline int encode_utf8(char* p, char32_t c) {
    if (c < 0x80) {
        p[0] = static_cast<char>(c);
        return 1;
    }
    if (c < 0x800) {
        p[0] = static_cast<char>(0xC0 | (c >> 6));
        p[1] = static_cast<char>(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        p[0] = static_cast<char>(0xE0 | (c >> 12));
        p[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        p[2] = static_cast<char>(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = static_cast<char>(0xF0 | (c >> 18));
    p[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    p[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    p[3] = static_cast<char>(0x80 | (c & 0x3F));
    return 4;
}

inline void append_utf8(std::string& out, char32_t c) {
    char buf[4];
    out.append(buf, static_cast<std::size_t>(encode_utf8(buf, c)));
}

// Decodes valid UTF-8 (the caller validated it); a malformed byte becomes U+FFFD defensively.
void decode(std::string_view s, std::vector<char32_t>& out) {
    out.clear();
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
    utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
    while (left > 0) {
        if (*p < 0x80) {
            out.push_back(*p);
            ++p;
            --left;
            continue;
        }
        utf8proc_int32_t c = 0;
        auto n = utf8proc_iterate(p, left, &c);
        if (n <= 0) {  // defensive: input is validated before it gets here
            out.push_back(0xFFFD);
            n = 1;
        } else {
            out.push_back(static_cast<char32_t>(c));
        }
        p += n;
        left -= n;
    }
}

// Vietnamese tone marks (combining) and their tone numbers; the quality marks (circumflex, breve,
// horn) stay part of the letter. Numbers: 1 sắc, 2 huyền, 3 hỏi, 4 ngã, 5 nặng.
int tone_of_mark(char32_t m) {
    switch (m) {
    case 0x0301: return 1;
    case 0x0300: return 2;
    case 0x0309: return 3;
    case 0x0303: return 4;
    case 0x0323: return 5;
    default: return 0;
    }
}

struct cp_info {
    char32_t accent = 0;  // the letter without its tone mark
    std::uint8_t tone = 0;
    char strip = 0;  // ASCII base letter, 0 if none
};

// Latin-1 supplement, Latin Extended-A/B and Latin Extended Additional (all Vietnamese letters).
struct cp_table {
    std::array<cp_info, 0x250> low{};
    std::array<cp_info, 0x100> ext{};  // U+1E00..U+1EFF

    cp_table() {
        for (char32_t c = 0x80; c < 0x250; ++c) low[c] = compute(c);
        for (char32_t c = 0; c < 0x100; ++c) ext[c] = compute(0x1E00 + c);
    }

    static cp_info compute(char32_t c) {
        cp_info info{c, 0, 0};
        if (c == 0x0111 || c == 0x0110 || c == 0x00F0 || c == 0x00D0) {  // đ Đ ð Ð (look-alike, §1 step 3)
            info.accent = 0x0111;
            info.strip = 'd';
            return info;
        }
        utf8proc_int32_t buf[8];
        int last = 0;
        auto n = utf8proc_decompose_char(
            static_cast<utf8proc_int32_t>(c), buf, 8, static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE), &last
        );
        if (n <= 1) return info;
        std::string rest;
        append_utf8(rest, static_cast<char32_t>(buf[0]));
        bool has_quality = false;
        for (int i = 1; i < n; ++i) {
            const auto m = static_cast<char32_t>(buf[i]);
            if (int t = tone_of_mark(m); t != 0) {
                info.tone = static_cast<std::uint8_t>(t);
            } else {
                append_utf8(rest, m);
                has_quality = true;
            }
        }
        if (has_quality) {
            std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> composed(
                utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(rest.c_str())), &std::free
            );
            std::vector<char32_t> cps;
            decode(reinterpret_cast<const char*>(composed.get()), cps);
            info.accent = cps.empty() ? c : cps[0];
        } else {
            info.accent = static_cast<char32_t>(buf[0]);
        }
        if (buf[0] < 0x80) info.strip = static_cast<char>(buf[0]);
        return info;
    }

    const cp_info* find(char32_t c) const {
        if (c >= 0x80 && c < 0x250) return &low[c];
        if (c >= 0x1E00 && c < 0x1F00) return &ext[c - 0x1E00];
        return nullptr;
    }
};

const cp_table& table() {
    static const cp_table t;  // thread-safe initialisation (C++11 magic statics)
    return t;
}

// Steps 1, 2 and 4 in one utf8proc pass: NFKC + NFC, default-ignorable code points removed, full
// case folding.
constexpr auto fold_options = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE
);

// The blocks students type in (besides ASCII): Vietnamese and other Latin letters, general and CJK
// punctuation, symbols, Han, full-width forms, variation selectors and emoji.
constexpr std::array<std::pair<char32_t, char32_t>, 14> fold_blocks{{
    {0x0080, 0x0250},   {0x1E00, 0x1F00},   {0x2000, 0x2070}, {0x20A0, 0x20D0}, {0x2100, 0x2150},
    {0x2190, 0x2200},   {0x2460, 0x27C0},   {0x2B00, 0x2C00}, {0x3000, 0x3040}, {0x3400, 0x4DC0},
    {0x4E00, 0xA000},   {0xFE00, 0xFE10},   {0xFF00, 0xFFF0}, {0x1F000, 0x1FB00},
}};

bool in_fold_blocks(char32_t c) {
    if (c < 0x80) return true;
    return std::any_of(fold_blocks.begin(), fold_blocks.end(), [&](const auto& r) { return c >= r.first && c < r.second; });
}

// utf8proc's pass decomposes every code point, then reorders combining marks and composes across
// neighbours. For a code point whose folded form is empty (an invisible) or starts with a starter that
// never composes with what precedes it, nothing crosses the border with its neighbours: the pass over a
// text made only of such code points is the concatenation of their folded forms. This table holds those
// forms, computed by utf8proc itself, for the blocks above (no block there holds a combining mark or a
// code point that composes with its predecessor; normalize_test.cpp checks it against utf8proc's
// own decompositions). Any other code point sends the whole text through utf8proc.
class fold_table {
public:
    fold_table() {
        pool_.push_back(0);  // offset 0 is never used, so a pool entry is never 0 or 1
        for (const auto& [lo, hi] : fold_blocks)
            for (char32_t c = lo; c < hi; ++c) add(c);
        share_identical_pages();
    }

    // Appends the folded form of c; false when c is not in the table.
    bool append(char32_t c, std::vector<char32_t>& out) const {
        if (c >= limit) return false;
        const auto page = page_[c >> 8];
        if (page == 0) return false;
        const auto e = pages_[page - 1][c & 0xFF];
        if (e == itself) {
            out.push_back(c);
            return true;
        }
        if (e == absent) return false;
        const auto* f = pool_.data() + (e >> 8);
        out.insert(out.end(), f, f + (e & 0xFF));
        return true;
    }

private:
    static constexpr char32_t limit = 0x20000;
    static constexpr std::uint32_t absent = 0;
    static constexpr std::uint32_t itself = 1;
    std::array<std::uint16_t, limit / 256> page_{};     // 1-based index into pages_, 0 = none
    std::vector<std::array<std::uint32_t, 256>> pages_;  // absent, itself, or pool offset << 8 | length
    std::vector<char32_t> pool_;

    void add(char32_t c) {
        std::string in;
        append_utf8(in, c);
        std::vector<char32_t> folded;
        try {
            fold_reference(in, folded);
        } catch (const std::exception&) {
            return;  // defensive: utf8proc refuses it (unassigned), the slow path will too
        }
        if (!folded.empty()) {
            const auto first = folded.front();
            if (!in_fold_blocks(first) ||
                utf8proc_get_property(static_cast<utf8proc_int32_t>(first))->combining_class != 0)
                return;
        }
        if (folded.size() > 0xFF) return;  // defensive: no code point folds that far
        auto& page = page_[c >> 8];
        if (page == 0) {
            pages_.emplace_back();
            pages_.back().fill(absent);
            page = static_cast<std::uint16_t>(pages_.size());
        }
        auto& e = pages_[page - 1][c & 0xFF];
        if (folded.size() == 1 && folded[0] == c) {
            e = itself;
            return;
        }
        e = static_cast<std::uint32_t>(pool_.size() << 8 | folded.size());
        pool_.insert(pool_.end(), folded.begin(), folded.end());
    }

    // Han pages are all "itself": one shared copy keeps Chinese text in a few cache lines.
    void share_identical_pages() {
        std::vector<std::array<std::uint32_t, 256>> unique;
        for (auto& page : page_) {
            if (page == 0) continue;
            const auto& content = pages_[page - 1];
            auto it = std::find(unique.begin(), unique.end(), content);
            if (it == unique.end()) it = unique.insert(unique.end(), content);
            page = static_cast<std::uint16_t>(it - unique.begin() + 1);
        }
        pages_ = std::move(unique);
    }
};

const fold_table& folds() {
    static const fold_table t;  // thread-safe initialisation (C++11 magic statics)
    return t;
}

// Decodes one multi-byte UTF-8 sequence at p (*p >= 0x80); returns its length, or 0 when it is not
// well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), the same
// judgement as utf8proc_iterate (normalize_test.cpp compares them).
inline int decode_valid(const unsigned char* p, const unsigned char* end, char32_t& c) {
    const auto cont = [&](int i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
    if (p[0] >= 0xC2 && p[0] < 0xE0 && cont(1)) {
        c = (char32_t{p[0]} & 0x1F) << 6 | (p[1] & 0x3F);
        return 2;
    }
    if (p[0] >= 0xE0 && p[0] < 0xF0 && cont(1) && cont(2)) {
        c = (char32_t{p[0]} & 0x0F) << 12 | (char32_t{p[1]} & 0x3F) << 6 | (p[2] & 0x3F);
        return c >= 0x800 && (c < 0xD800 || c > 0xDFFF) ? 3 : 0;
    }
    if (p[0] >= 0xF0 && p[0] < 0xF5 && cont(1) && cont(2) && cont(3)) {
        c = (char32_t{p[0]} & 0x07) << 18 | (char32_t{p[1]} & 0x3F) << 12 | (char32_t{p[2]} & 0x3F) << 6 | (p[3] & 0x3F);
        return c >= 0x10000 && c <= 0x10FFFF ? 4 : 0;
    }
    return 0;
}

bool is_han(char32_t c) {
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x2FFFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF);
}

bool is_emoji(char32_t c) {
    return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || (c >= 0x2B00 && c <= 0x2BFF) ||
           c == 0x2620 || c == 0x2764;
}

bool is_skin_tone(char32_t c) { return c >= 0x1F3FB && c <= 0x1F3FF; }

bool is_word_char_by_category(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (is_han(c) || is_emoji(c)) return false;
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ND: return true;
    default: return false;
    }
}

// Latin (all of Vietnamese) and the other alphabets below U+2000 are looked up, not asked of utf8proc,
// once per character of every message. Built during static initialisation (utf8proc's tables are
// plain data), so a lookup needs no guard.
constexpr char32_t word_table_end = 0x2000;
const std::array<bool, word_table_end> word_table = [] {
    std::array<bool, word_table_end> t{};
    for (char32_t x = 0; x < word_table_end; ++x) t[x] = is_word_char_by_category(x);
    return t;
}();

inline bool is_word_char(char32_t c) { return c < word_table_end ? word_table[c] : is_word_char_by_category(c); }

bool is_letter(char32_t c) { return is_word_char(c) && !(c >= '0' && c <= '9'); }

bool is_boundary(char32_t c) {
    switch (c) {
    case ',': case ';': case '!': case '?': case ':': case '.': case '\n': case '\r': case '\t':
    case '(': case ')': case '[': case ']': case 0x2026: case 0x3002: case 0xFF0C: case 0x3001:
    case 0xFF1B: case 0xFF01: case 0xFF1F: case 0xFF1A: case 0xFF0E:
        return true;
    default: return false;
    }
}

// The boundaries that end a sentence, not only a clause: a phrase never crosses them unless it writes
// one itself (docs/triage.md "Pattern syntax").
bool is_sentence_end(char32_t c) {
    switch (c) {
    case '!': case '?': case '.': case '\n': case '\r': case 0x2026: case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF0E:
        return true;
    default: return false;
    }
}

bool is_quote(char32_t c) {
    switch (c) {
    case '"': case 0x201C: case 0x201D: case 0x201E: case 0x300C: case 0x300D: case 0x300E: case 0x300F:
    case 0x00AB: case 0x00BB: case 0x2018: case '\'': case 0x2019: case 0x02BC: case '`':
        return true;
    default: return false;
    }
}

bool is_apostrophe(char32_t c) { return c == '\'' || c == 0x2019 || c == 0x02BC || c == '`'; }

bool is_join_sep(char32_t c) {
    return c == '-' || c == '_' || c == '*' || c == 0x00B7 || c == '/' || c == '.' || c == ' ' || c == '~' ||
           c == '+' || c == '|' || c == 0x2010 || c == 0x2013 || c == 0x2014;
}

}  // namespace

void append_cp(std::string& out, char32_t c) { append_utf8(out, c); }

void accent_and_strip(std::string_view word, std::string& accent_key, std::string& stripped) {
    accent_key.clear();
    stripped.clear();
    int tone = 0;
    const auto& tab = table();
    std::size_t i = 0;
    while (i < word.size()) {
        const auto b = static_cast<unsigned char>(word[i]);
        if (b < 0x80) {
            accent_key.push_back(static_cast<char>(b));
            stripped.push_back(static_cast<char>(b));
            ++i;
            continue;
        }
        utf8proc_int32_t c = 0;
        auto n = utf8proc_iterate(
            reinterpret_cast<const utf8proc_uint8_t*>(word.data() + i), static_cast<utf8proc_ssize_t>(word.size() - i), &c
        );
        if (n <= 0) {  // defensive: callers pass validated text
            ++i;
            continue;
        }
        i += static_cast<std::size_t>(n);
        if (const auto* info = tab.find(static_cast<char32_t>(c))) {
            append_utf8(accent_key, info->accent);
            if (info->tone != 0) tone = info->tone;
            if (info->strip != 0) {
                stripped.push_back(info->strip);
            } else {
                append_utf8(stripped, static_cast<char32_t>(c));
            }
        } else if (tone_of_mark(static_cast<char32_t>(c)) != 0) {  // a stray combining tone mark
            tone = tone_of_mark(static_cast<char32_t>(c));
        } else if (c >= 0x0300 && c <= 0x036F) {
            append_utf8(accent_key, static_cast<char32_t>(c));
        } else {
            append_utf8(accent_key, static_cast<char32_t>(c));
            append_utf8(stripped, static_cast<char32_t>(c));
        }
    }
    if (tone != 0) {
        // Tone kept as a suffix, so the key is the same whatever vowel the mark sits on (hoà == hòa).
        accent_key.push_back('\x01');
        accent_key.push_back(static_cast<char>('0' + tone));
    }
}

bool is_valid_utf8(std::string_view s) {
    // Eight bytes at a time while they are all ASCII: most of a message is, even in Vietnamese.
    const auto ascii8 = [&](std::size_t i) {
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + i, sizeof w);
        return (w & 0x8080808080808080ULL) == 0;
    };
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 8 <= s.size() && ascii8(i)) {
            i += 8;
            continue;
        }
        const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
        if (*p < 0x80) {
            ++i;
            continue;
        }
        char32_t c = 0;
        const int n = decode_valid(p, p + (s.size() - i), c);
        if (n == 0) return false;
        i += static_cast<std::size_t>(n);
    }
    return true;
}

std::string repair_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            out.push_back(s[i++]);
            continue;
        }
        utf8proc_int32_t c = 0;
        auto n = utf8proc_iterate(
            reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i), static_cast<utf8proc_ssize_t>(s.size() - i), &c
        );
        if (n <= 0) {
            out.push_back(' ');  // a bad byte separates words; the rest is still triaged
            ++i;
        } else {
            out.append(s.substr(i, static_cast<std::size_t>(n)));
            i += static_cast<std::size_t>(n);
        }
    }
    return out;
}

void fold_reference(std::string_view text, std::vector<char32_t>& out) {
    utf8proc_uint8_t* mapped = nullptr;
    const auto n = utf8proc_map(
        reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()), &mapped, fold_options
    );
    if (n < 0) throw std::runtime_error("utf8proc_map failed");
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    decode(std::string_view(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n)), out);
}

bool fold_fast(std::string_view text, std::vector<char32_t>& out) {
    out.clear();
    out.reserve(text.size());
    const auto& tab = folds();
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    while (p < end) {
        const unsigned char b = *p;
        if (b < 0x80) {
            out.push_back(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
            ++p;
            continue;
        }
        char32_t c = 0;
        const int len = decode_valid(p, end, c);
        if (len == 0 || !tab.append(c, out)) return false;
        p += len;
    }
    return true;
}

void fold(std::string_view text, std::vector<char32_t>& out) {
    if (!fold_fast(text, out)) fold_reference(text, out);
}

namespace {

// fold() of text made only of ASCII, which is most messages (English, Vietnamese typed without marks):
// only A-Z change, so the folded text is the bytes lowercased, eight at a time. False at the first
// byte of another block (`out` unspecified).
bool fold_ascii(std::string_view text, std::string& out) {
    out.resize(text.size());
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, text.data() + i, sizeof w);
        if (w & highs) return false;
        // Per byte (all below 0x80, so no carry crosses a byte): high bit of the first sum when the
        // byte is above 'Z', of the second when it is 'A' or above.
        const std::uint64_t above_z = w + ones * (0x7F - 'Z'), from_a = w + ones * (0x80 - 'A');
        w |= ((from_a & ~above_z) & highs) >> 2;  // 0x20: the lowercase bit
        std::memcpy(out.data() + i, &w, sizeof w);
    }
    for (; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b >= 0x80) return false;
        out[i] = static_cast<char>(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
    }
    return true;
}

// split_raw() on folded text: `Ch` is unsigned char for ASCII text (fold_ascii), whose bytes are their
// own UTF-8 and never Han, emoji or a non-ASCII mark, so that instance needs no decoding or encoding;
// char32_t for any other text.
template <class Ch>
void split_folded(const lexicon* lex, const Ch* cps, std::size_t n, std::uint32_t clause_start, raw_tokens& raw) {
    auto& out = raw.toks;
    auto& chars = raw.chars;
    std::uint32_t clause = clause_start;
    // The word being read is chars[word_begin..): tokens are written once, into one buffer.
    std::size_t word_begin = 0;
    const auto word_empty = [&] { return chars.size() == word_begin; };
    bool quoted = false;
    // Step 6 letter joining needs to know what separated two words: exactly one join character
    // ("c.h.e.t", "s-u-i", "k i l l") makes the next word joinable with the previous one.
    int seps = 0;
    bool hard = true;
    bool word_joinable = false;

    const auto push = [&](raw_kind kind, bool joinable) {
        raw_token t;
        t.text_begin = static_cast<std::uint32_t>(word_begin);
        t.text_len = static_cast<std::uint32_t>(chars.size() - word_begin);
        t.clause = clause;
        t.quoted = quoted;
        t.kind = kind;
        t.joinable = joinable;
        out.push_back(t);
        chars.push_back(' ');  // raw_tokens: the texts space separated
        word_begin = chars.size();
    };
    auto flush = [&] {
        if (word_empty()) return;
        push(raw_kind::word, word_joinable);
        seps = 0;
        hard = false;
    };
    auto emit_single = [&](std::string_view s, raw_kind kind) {
        flush();
        chars.append(s);
        push(kind, false);
        hard = true;
    };
    auto emit_cp = [&](char32_t c, raw_kind kind) {
        flush();
        append_utf8(chars, c);
        push(kind, false);
        hard = true;
    };

    for (std::size_t i = 0; i < n; ++i) {
        char32_t c = cps[i];
        const char32_t next = i + 1 < n ? cps[i + 1] : 0;
        const char32_t prev = i > 0 ? cps[i - 1] : 0;
        if (is_word_char(c)) {
            if (word_empty()) word_joinable = !hard && seps == 1;
            // The rest of a run of word characters only appends (nothing else applies to them), so
            // the run is encoded into one append rather than one per byte.
            if constexpr (sizeof(Ch) == 1) {
                const std::size_t from = i;
                while (i + 1 < n && is_word_char(cps[i + 1])) ++i;
                chars.append(reinterpret_cast<const char*>(cps + from), i + 1 - from);
            } else {
                char buf[64];
                std::size_t len = 0;
                while (true) {
                    len += static_cast<std::size_t>(encode_utf8(buf + len, cps[i]));
                    if (i + 1 >= n || !is_word_char(cps[i + 1]) || len > sizeof buf - 4) break;
                    ++i;
                }
                chars.append(buf, len);
            }
            continue;
        }
        if (c == ' ') {  // the commonest separator, first: the same as is_join_sep below
            flush();
            ++seps;
            continue;
        }
        if (c == 0x200D || is_skin_tone(c) || c == 0xFE0F || c == 0xFE0E) continue;  // keep emoji whole
        if (is_apostrophe(c) && !word_empty() && is_letter(next)) continue;           // don't -> dont
        if (c == '!' && !word_empty() && is_letter(prev) && is_letter(next)) {
            chars.push_back('!');  // leetspeak: k!ll (a '!' between two letters only, §1 step 7)
            continue;
        }
        if ((c == '@' || c == '$') && (!word_empty() || is_letter(next))) {
            if (word_empty()) word_joinable = !hard && seps == 1;
            chars.push_back(static_cast<char>(c));  // leetspeak: @, $ inside a word
            continue;
        }
        if ((c == ':' || c == '=' || c == ';') &&
            (next == ')' || next == '(' || (next == 'd' && !is_letter(i + 2 < n ? cps[i + 2] : 0)))) {
            // Emoticons: ":)", "=)))" (Vietnamese laughter), ":(" -> one token each.
            // ":)" alone is often a bitter smile; ":))" and longer is laughter.
            const std::size_t from = i + 1;
            ++i;
            while (i + 1 < n && cps[i + 1] == next) ++i;
            const bool many = i > from;
            emit_single(next == '(' ? ":(" : (many ? ":))" : ":)"), raw_kind::emoji);
            continue;
        }
        if (is_han(c)) {
            const char32_t h = lex != nullptr ? lex->simplified(c) : c;
            std::string enc;  // at most 4 bytes: no allocation
            append_utf8(enc, h);
            // Step 8 for Chinese: an identical Han character repeated 3+ times counts once.
            if (word_empty() && out.size() >= 2) {
                const auto& a = out[out.size() - 1];
                const auto& b = out[out.size() - 2];
                if (a.kind == raw_kind::han && b.kind == raw_kind::han && same_bytes(raw.text(a), enc) &&
                    same_bytes(raw.text(b), enc))
                    continue;
            }
            emit_single(enc, raw_kind::han);
            continue;
        }
        if (is_emoji(c)) {
            emit_cp(c, raw_kind::emoji);
            continue;
        }
        if (is_quote(c)) {
            flush();
            raw_token t;
            t.kind = raw_kind::quote;
            t.clause = clause;
            t.text_begin = static_cast<std::uint32_t>(chars.size());
            out.push_back(t);
            quoted = !quoted;
            hard = true;
            continue;
        }
        if (c == '.' && is_word_char(prev) && is_word_char(next)) {
            flush();  // "c.h.ế.t", "e.g": a separator inside letters, not the end of a sentence
            ++seps;
            continue;
        }
        if (is_boundary(c)) {
            flush();
            clause += is_sentence_end(c) ? sentence_step : 1;
            hard = true;
            continue;
        }
        if (is_join_sep(c)) {
            flush();
            ++seps;
            continue;
        }
        flush();  // any other symbol separates words
        hard = true;
    }
    flush();

    // An unmatched quote mark (an apostrophe, a typo) must not hide the rest of the message.
    if (quoted) {
        for (auto it = out.rbegin(); it != out.rend(); ++it) {
            if (it->kind == raw_kind::quote) break;
            it->quoted = false;
        }
    }
}

}  // namespace

bool split_raw_checked(const lexicon* lex, std::string_view text, std::uint32_t clause_start, raw_tokens& raw) {
    raw.toks.clear();
    raw.chars.clear();
    thread_local std::string ascii;
    if (fold_ascii(text, ascii)) {  // only ASCII: valid
        split_folded(lex, reinterpret_cast<const unsigned char*>(ascii.data()), ascii.size(), clause_start, raw);
        return true;
    }
    // Steps 1, 2 and 4; the common blocks without a call into utf8proc (see fold_table). fold_fast
    // decodes every sequence as is_valid_utf8 does, so text it folds is valid; when it stops, the text
    // holds a code point the table does not cover, or is not valid UTF-8, which utf8proc must not see.
    thread_local std::vector<char32_t> cps;
    if (!fold_fast(text, cps)) {
        if (!is_valid_utf8(text)) return false;
        fold_reference(text, cps);
    }
    split_folded(lex, cps.data(), cps.size(), clause_start, raw);
    return true;
}

void split_raw(const lexicon* lex, std::string_view text, std::uint32_t clause_start, raw_tokens& raw) {
    split_raw_checked(lex, text, clause_start, raw);  // valid, as the caller promises
}

}  // namespace tamsu::triage::detail
