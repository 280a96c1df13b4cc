#include "protocol/utf8.hpp"

#include <cstdint>

namespace tamsu::protocol {
namespace {

constexpr char32_t invalid_code_point = 0xFFFFFFFF;

// Decodes one code point at s[i], advances i. Returns invalid_code_point on any malformed input
// (and advances by one byte, so a caller that keeps going cannot loop forever).
char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {  // 0xC0, 0xC1 could only start overlong 2-byte forms
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {  // above 0xF4 is beyond U+10FFFF
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        ++i;
        return invalid_code_point;
    }
    if (s.size() - i < len) {
        ++i;
        return invalid_code_point;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return invalid_code_point;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return invalid_code_point;
    }
    i += len;
    return cp;
}

constexpr bool is_blank_code_point(char32_t cp) noexcept {
    switch (cp) {
    // Unicode White_Space
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    // invisible: Mongolian vowel separator, zero-width space/non-joiner/joiner, word joiner, BOM
    case 0x180E: case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;  // en quad .. hair space
    }
}

}  // namespace

bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        // ASCII fast path: most frames are mostly ASCII keys and punctuation.
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        if (next_code_point(s, i) == invalid_code_point) return false;
    }
    return true;
}

std::size_t count_code_points(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

bool is_blank(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const char32_t cp = next_code_point(s, i);
        if (cp == invalid_code_point || !is_blank_code_point(cp)) return false;
    }
    return true;
}

}  // namespace tamsu::protocol
