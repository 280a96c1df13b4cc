// Normalisation steps shared by the lexicon loader and the matcher (triage-lexicon §1).
#pragma once

#include "server/triage/detail.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::triage::detail {

enum class raw_kind : std::uint8_t { word, han, emoji, quote };

// A token after Unicode normalisation and splitting, before candidate readings are generated.
struct raw_token {
    std::uint32_t text_begin = 0, text_len = 0;  // into raw_tokens::chars
    std::uint32_t clause = 0;
    raw_kind kind = raw_kind::word;
    bool quoted = false;
    bool joinable = false;  // separated from the previous word by exactly one join character
};

// `clause` grows by 1 at clause punctuation (, ; : …) and by sentence_step at a sentence end (. ! ? 。
// newline): tokens compare clauses for equality, and two neighbours whose clauses differ by a
// sentence_step or more have a sentence end between them (the matcher's gaps never cross one).
inline constexpr std::uint32_t sentence_step = 16;

// The punctuation between two neighbouring tokens, from their clauses (token::brk).
inline std::uint8_t boundary_between(std::uint32_t prev_clause, std::uint32_t clause) {
    const auto d = clause - prev_clause;
    if (d == 0) return no_boundary;
    return d >= sentence_step ? sentence_boundary : clause_boundary;
}

// The tokens of one text. Their texts are written once, into one buffer, rather than one string
// each: they are valid until the next split_raw into the same object. Each text but a quote's (which
// is empty) is followed by one space, so `chars` is the tokens' texts space separated: tokenize()
// takes it whole as tokens::text.
struct raw_tokens {
    std::vector<raw_token> toks;
    std::string chars;

    std::string_view text(const raw_token& t) const { return std::string_view(chars).substr(t.text_begin, t.text_len); }
};

// Steps 1, 2 and 4 (NFKC + NFC, default-ignorable code points removed, full case folding) as code
// points. `text` must be valid UTF-8. Skips utf8proc for text in the common blocks (fast path).
void fold(std::string_view text, std::vector<char32_t>& out);

// The same pass with utf8proc alone: what fold() must always equal (the tests compare them).
void fold_reference(std::string_view text, std::vector<char32_t>& out);

// fold()'s fast path: false (and `out` unspecified) when `text` holds a code point it does not cover.
bool fold_fast(std::string_view text, std::vector<char32_t>& out);

// Steps 1-6 and 11: NFKC/NFC, invisible characters, case folding, Traditional -> Simplified
// (when `lex` is given), emoji as tokens, punctuation as clause boundaries, Han characters one token
// each. `text` must be valid UTF-8.
void split_raw(const lexicon* lex, std::string_view text, std::uint32_t clause_start, raw_tokens& out);
// The same for text that may not be valid UTF-8: false, and nothing split, when it is not. Judged on
// the way (the folds decode every byte anyway), so valid text is not read once more to check it.
bool split_raw_checked(const lexicon* lex, std::string_view text, std::uint32_t clause_start, raw_tokens& out);

void append_cp(std::string& out, char32_t c);

}  // namespace tamsu::triage::detail
