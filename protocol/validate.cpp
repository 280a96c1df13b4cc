#include "protocol/validate.hpp"

#include "protocol/limits.hpp"

#include <cstddef>

namespace tamsu::protocol {
namespace {

constexpr bool is_ascii_alnum(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Crockford base32 decoding of one typed character into its canonical form, or '\0'.
constexpr char crockford_canonical(char c) noexcept {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    switch (c) {
    case 'I':
    case 'L':
        return '1';
    case 'O':
        return '0';
    case 'U':
        return '\0';  // Crockford leaves U out so codes cannot spell common obscenities
    default:
        return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) ? c : '\0';
    }
}

std::optional<std::string> normalize_crockford(std::string_view input, std::size_t length) {
    std::string out;
    out.reserve(length);
    for (const char c : input) {
        if (c == '-' || c == ' ') continue;
        const char canonical = crockford_canonical(c);
        // Stop early on garbage or overlength: input may be up to a whole frame long.
        if (canonical == '\0' || out.size() == length) return std::nullopt;
        out.push_back(canonical);
    }
    if (out.size() != length) return std::nullopt;
    return out;
}

std::string group_by_four(const std::string& canonical) {
    std::string out;
    out.reserve(canonical.size() + canonical.size() / 4);
    for (std::size_t i = 0; i < canonical.size(); ++i) {
        if (i != 0 && i % 4 == 0) out.push_back('-');
        out.push_back(canonical[i]);
    }
    return out;
}

constexpr std::size_t case_code_chars = 8;
constexpr std::size_t secret_chars = 16;
constexpr std::size_t max_school_code_bytes = 32;

}  // namespace

bool is_valid_client_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > max_client_id_bytes) return false;
    for (const char c : id) {
        if (!is_ascii_alnum(c) && c != '.' && c != '_' && c != ':' && c != '-') return false;
    }
    return true;
}

bool is_valid_school_code(std::string_view code) noexcept {
    if (code.empty() || code.size() > max_school_code_bytes) return false;
    for (const char c : code) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool is_valid_lang(std::string_view lang) noexcept { return lang == "vi" || lang == "en" || lang == "zh"; }

bool is_valid_username(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_username_bytes) return false;
    for (const char c : name) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F) return false;
    }
    return true;
}

std::optional<std::string> normalize_case_code(std::string_view input) {
    return normalize_crockford(input, case_code_chars);
}

std::optional<std::string> normalize_secret(std::string_view input) { return normalize_crockford(input, secret_chars); }

std::string display_case_code(std::string_view normalized) {
    const auto canonical = normalize_case_code(normalized);
    return canonical ? group_by_four(*canonical) : std::string(normalized);
}

std::string display_secret(std::string_view normalized) {
    const auto canonical = normalize_secret(normalized);
    return canonical ? group_by_four(*canonical) : std::string(normalized);
}

}  // namespace tamsu::protocol
