#pragma once
// Field formats shared by the decoder and the server: client ids, school codes, languages, case
// codes and case secrets. Pure functions; no allocation beyond the returned strings.

#include <optional>
#include <string>
#include <string_view>

namespace tamsu::protocol {

// Client ids ("id" of send/reply/note; echoed as "re"): 1..max_client_id_bytes of [A-Za-z0-9._:-].
bool is_valid_client_id(std::string_view id) noexcept;

// School codes ("school" of hello, `tamsu school add --code`): 1..32 of [a-z0-9_-].
bool is_valid_school_code(std::string_view code) noexcept;

// Student languages: "vi", "en" or "zh" (one lexicon each).
bool is_valid_lang(std::string_view lang) noexcept;

// Usernames named in frames (transfer.to): 1..max_username_bytes, no control characters. The exact
// rule for names is storage's (`tamsu user add`); this only bounds what we pass along.
bool is_valid_username(std::string_view name) noexcept;

// Case codes are 8 Crockford base32 characters (40 bits), shown as "K7M4-QPX2". Students copy them
// by hand from a phone screen, so we forgive what Crockford forgives: lowercase, '-' and spaces
// anywhere, I/L read as 1 and O as 0. Returns the canonical form (8 chars, uppercase, no dash) or
// nullopt. Idempotent: normalising a canonical code returns it unchanged.
std::optional<std::string> normalize_case_code(std::string_view input);

// Case secrets: 16 Crockford base32 characters (80 bits), shown as "XXXX-XXXX-XXXX-XXXX"; the same
// forgiving rules as case codes. Returns the canonical 16-char form or nullopt.
std::optional<std::string> normalize_secret(std::string_view input);

// Canonical → display form: "K7M4QPX2" → "K7M4-QPX2". Accepts any form normalize_case_code accepts
// (so display of display is stable); input that is not a case code at all is returned unchanged
// (defensive: the encoder never invents a code).
std::string display_case_code(std::string_view normalized);

// Canonical → display form "XXXX-XXXX-XXXX-XXXX"; same rules as display_case_code.
std::string display_secret(std::string_view normalized);

// The Crockford base32 alphabet the server draws codes and secrets from (no I, L, O, U).
inline constexpr std::string_view crockford_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace tamsu::protocol
