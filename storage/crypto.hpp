// libsodium, in libsodium's shape (style rule 9): fixed-size keys in guarded memory, checked open,
// associated data binding every ciphertext to its row. Internal to storage/.
//
// Threads: everything here is safe to call from any thread; a key32 is read-only once made and may
// be shared (the master key is read by the writer and every reader).
#pragma once

#include "storage/plaintext.hpp"

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::storage::crypto {

// sodium_init exactly once per process; throws if libsodium cannot start (no entropy source).
void init();

inline constexpr std::size_t key_bytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
inline constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
inline constexpr std::size_t tag_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(key_bytes == 32);
static_assert(crypto_kdf_KEYBYTES == key_bytes);

// A key that lives elsewhere in guarded memory (a key32, or a slot of key_slots); not owned.
using key_view = std::span<const unsigned char, key_bytes>;

// 32 key bytes in sodium_malloc'd memory: guard pages, mlock'ed (not swapped out), zeroed on
// destruction. Move-only, like the secret it holds. Keys share one pre-allocated slab (see
// crypto.cpp: a sodium_malloc per key costs up to ~1 ms on a small VM), falling back to their own
// sodium_malloc if it is full.
class key32 {
public:
    key32();  // zero-filled
    key32(const key32&) = delete;
    key32& operator=(const key32&) = delete;
    key32(key32&& other) noexcept;
    key32& operator=(key32&& other) noexcept;
    ~key32();

    static key32 random();
    unsigned char* data() noexcept { return bytes_; }
    const unsigned char* data() const noexcept { return bytes_; }
    key_view view() const noexcept { return key_view{bytes_, key_bytes}; }
    static constexpr std::size_t size() noexcept { return key_bytes; }

private:
    unsigned char* bytes_ = nullptr;
};

// `count` key-sized slots in one sodium_malloc'd block (guard pages around it, mlock'ed where the
// limit allows, zeroed at first): for a cache of unwrapped keys, which would need one key32 each —
// more than key32's shared slab holds. A slot is wiped with wipe() when its key leaves the cache,
// and the whole block on destruction.
//
// Threads: one owner thread (the writer's case cache).
class key_slots {
public:
    explicit key_slots(std::size_t count);
    key_slots(const key_slots&) = delete;
    key_slots& operator=(const key_slots&) = delete;
    ~key_slots();

    std::size_t count() const noexcept { return count_; }
    std::span<unsigned char, key_bytes> at(std::size_t i) noexcept {
        return std::span<unsigned char, key_bytes>{base_ + i * key_bytes, key_bytes};
    }
    key_view view(std::size_t i) const noexcept { return key_view{base_ + i * key_bytes, key_bytes}; }
    void wipe(std::size_t i) noexcept;

private:
    unsigned char* base_ = nullptr;
    std::size_t count_ = 0;
};

// Loads the master key file (64 hex chars), or creates it (32 random bytes, O_EXCL, mode 0600) when
// it does not exist. Refuses a file that group or others can access. Throws std::runtime_error with
// an operator-facing message.
key32 load_or_create_master_key(const std::filesystem::path& file);

// First 8 bytes (hex) of crypto_generichash(key, context "tamsu-key-id"): names a key in the
// database without revealing it.
std::string key_id(const key32& key);

// Case key wrapped by the master key. AD = "tamsu/case-key/v1|" + case code + "|" + master key id,
// so a wrapped key cannot be moved to another case or read under another master key.
std::vector<unsigned char> wrap_case_key(
    const key32& master, std::string_view master_id, std::string_view case_code, const key32& case_key
);
[[nodiscard]] std::optional<key32> unwrap_case_key(
    const key32& master, std::string_view master_id, std::string_view case_code, std::span<const unsigned char> blob
);
// The same, into guarded memory the caller owns (a key_slots slot). False, with `out` wiped, if the
// blob does not open.
[[nodiscard]] bool unwrap_case_key_into(
    const key32& master,
    std::string_view master_id,
    std::string_view case_code,
    std::span<const unsigned char> blob,
    std::span<unsigned char, key_bytes> out
);

// Which kind of row a sealed text belongs to: part of the AD, so a note can never be opened as a
// message (or an escalation reason as either) even with equal numbers.
enum class record_kind : std::uint8_t { message = 1, note = 2, escalation_reason = 3, event_reason = 4 };

// The row a ciphertext belongs to. AD = case_id (8 bytes LE) || seq (8 bytes LE) || sender || kind.
// For notes, escalations and events, `seq` is the row's id.
struct row_binding {
    std::int64_t case_id = 0;
    std::uint64_t seq = 0;
    std::uint8_t sender = 0;
    record_kind kind = record_kind::message;
};

// nonce(24, random) || XChaCha20-Poly1305-IETF ciphertext+tag.
std::vector<unsigned char> seal(const key32& case_key, const row_binding& row, std::string_view text);
std::vector<unsigned char> seal(key_view case_key, const row_binding& row, std::string_view text);
// nullopt if the blob was tampered with, belongs to another row, or the key is wrong. No bytes of a
// failed decryption escape.
[[nodiscard]] std::optional<plaintext> open(
    const key32& case_key, const row_binding& row, std::span<const unsigned char> blob
);

// crypto_generichash(secret) keyed by crypto_kdf_derive_from_key(case key, 1, "tamsusec"): a stolen
// database alone cannot be brute-forced, and purging the case key ends the secret too.
std::array<unsigned char, 32> secret_hash(const key32& case_key, std::string_view secret);
// Constant-time compare (sodium_memcmp).
[[nodiscard]] bool secret_matches(const key32& case_key, std::string_view secret, std::span<const unsigned char> stored);

// Argon2id, OPSLIMIT/MEMLIMIT_INTERACTIVE (about 0.1 s of a core: call off the I/O threads).
std::string hash_password(std::string_view password);
[[nodiscard]] bool verify_password(const std::string& hash, std::string_view password);

// Random string over Crockford base32 (0-9 A-Z without I L O U), each char from randombytes_uniform.
std::string random_base32(std::size_t chars);
inline constexpr std::size_t case_code_chars = 8;     // 40 bits, unique-checked in the database
inline constexpr std::size_t case_secret_chars = 16;  // 80 bits (contract: at least 60)

// 32 random bytes, base64url without padding.
std::string random_token();
std::array<unsigned char, 32> token_hash(std::string_view token);

std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace tamsu::storage::crypto
