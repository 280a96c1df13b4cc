#pragma once
// UTF-8 checks written by hand rather than pulled from utf8proc or ICU: they are a few lines, run
// on every frame (hot), and keep tamsu_protocol free of any dependency beyond Boost.JSON.
// Unicode normalisation (NFC, case folding) belongs to triage, which does use utf8proc.

#include <cstddef>
#include <string_view>

namespace tamsu::protocol {

// Strict UTF-8 (RFC 3629): rejects stray continuation bytes, truncated sequences, overlong forms,
// UTF-16 surrogates (U+D800..U+DFFF) and anything above U+10FFFF.
bool valid_utf8(std::string_view s) noexcept;

// Number of code points. Precondition: valid_utf8(s); on invalid input it counts lead bytes.
std::size_t count_code_points(std::string_view s) noexcept;

// True when s is empty or holds only Unicode White_Space and invisible format characters
// (zero-width space/joiners, word joiner, BOM). A message like "\u200B" says nothing, so it is
// refused as empty rather than queued for a counselor. Precondition: valid_utf8(s).
bool is_blank(std::string_view s) noexcept;

}  // namespace tamsu::protocol
