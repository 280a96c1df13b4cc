#include "storage/crypto.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace tamsu::storage::crypto {

namespace {

constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view key_id_context = "tamsu-key-id";
constexpr std::string_view case_key_ad_prefix = "tamsu/case-key/v1|";
constexpr char secret_kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "tamsusec";
constexpr std::uint64_t secret_subkey_id = 1;
static_assert(sizeof(secret_kdf_context) == crypto_kdf_CONTEXTBYTES + 1);

constexpr std::size_t ad_bytes = 8 + 8 + 1 + 1;

std::array<unsigned char, ad_bytes> make_ad(const row_binding& row) {
    std::array<unsigned char, ad_bytes> ad{};
    auto id = static_cast<std::uint64_t>(row.case_id);
    for (std::size_t i = 0; i < 8; ++i) {
        ad[i] = static_cast<unsigned char>(id >> (8 * i));
        ad[8 + i] = static_cast<unsigned char>(row.seq >> (8 * i));
    }
    ad[16] = row.sender;
    ad[17] = static_cast<unsigned char>(row.kind);
    return ad;
}

std::string case_key_ad(std::string_view case_code, std::string_view master_id) {
    std::string ad{case_key_ad_prefix};
    ad += case_code;
    ad += '|';
    ad += master_id;
    return ad;
}

// Random nonces, read from the system's CSPRNG 170 at a time: randombytes_buf is a getrandom()
// system call each time, ~5 % of the writer thread's CPU when it took one per message
// (docs/performance.md §9). A nonce needs only to be unique, not secret (it is stored in clear in
// front of its ciphertext), so holding the next ones in ordinary memory gives nothing away; 192
// random bits make a repeat as unlikely as before. Per thread: no lock, and two threads never hand
// out the same bytes. (tamsu does not fork; a forked child would repeat its parent's pool.)
void next_nonce(unsigned char* out) {
    struct pool {
        std::array<unsigned char, 170 * nonce_bytes> bytes{};
        std::size_t used = 170 * nonce_bytes;  // empty: filled on first use
    };
    thread_local pool p;
    if (p.used == p.bytes.size()) {
        randombytes_buf(p.bytes.data(), p.bytes.size());
        p.used = 0;
    }
    std::memcpy(out, p.bytes.data() + p.used, nonce_bytes);
    sodium_memzero(p.bytes.data() + p.used, nonce_bytes);  // each nonce handed out once
    p.used += nonce_bytes;
}

std::vector<unsigned char> aead_seal(
    key_view key, std::span<const unsigned char> ad, const unsigned char* message, std::size_t size
) {
    std::vector<unsigned char> blob(nonce_bytes + size + tag_bytes);
    next_nonce(blob.data());
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        blob.data() + nonce_bytes, &written, message, size, ad.data(), ad.size(), nullptr, blob.data(), key.data()
    );
    blob.resize(nonce_bytes + static_cast<std::size_t>(written));
    return blob;
}

[[noreturn]] void key_file_error(const std::filesystem::path& file, const std::string& why) {
    throw std::runtime_error("master key file " + file.string() + ": " + why);
}

struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

std::optional<key32> try_load(const std::filesystem::path& file) {
    fd_guard f{::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (f.fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        key_file_error(file, std::string("cannot open: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) key_file_error(file, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) key_file_error(file, "not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        key_file_error(
            file,
            std::string("group or others can access it (mode ") + mode + "); refusing to use it. Run: chmod 600 " +
                file.string()
        );
    }
    // Read into a buffer we wipe: the hex form is as secret as the key.
    char buf[2 * key_bytes + 16];
    std::size_t got = 0;
    while (got < sizeof buf) {
        ssize_t n = ::read(f.fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            sodium_memzero(buf, sizeof buf);
            key_file_error(file, std::string("cannot read: ") + std::strerror(errno));
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' ')) --got;
    key32 key;
    std::size_t bin_len = 0;
    const bool ok = got == 2 * key_bytes &&
                    sodium_hex2bin(key.data(), key_bytes, buf, got, nullptr, &bin_len, nullptr) == 0 &&
                    bin_len == key_bytes;
    sodium_memzero(buf, sizeof buf);
    if (!ok) key_file_error(file, "expected 64 hexadecimal characters (32 bytes)");
    return key;
}

void fsync_dir(const std::filesystem::path& dir) {
    fd_guard d{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd >= 0) ::fsync(d.fd);
}

bool try_create(const std::filesystem::path& file) {
    // O_EXCL: never overwrite a key someone else just made (a second process starting at once).
    fd_guard f{::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (f.fd < 0) {
        if (errno == EEXIST) return false;
        key_file_error(file, std::string("cannot create: ") + std::strerror(errno));
    }
    ::fchmod(f.fd, 0600);  // the umask can only have removed bits; be explicit anyway
    key32 key = key32::random();
    char hex[2 * key_bytes + 2];
    sodium_bin2hex(hex, sizeof hex - 1, key.data(), key_bytes);
    hex[2 * key_bytes] = '\n';
    const char* p = hex;
    std::size_t left = 2 * key_bytes + 1;
    bool ok = true;
    while (left > 0) {
        ssize_t n = ::write(f.fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    sodium_memzero(hex, sizeof hex);
    if (!ok || ::fsync(f.fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(file.c_str());
        key_file_error(file, "cannot write: " + why);
    }
    fsync_dir(file.parent_path());
    return true;
}

}  // namespace

void init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise (no entropy source?)");
    });
}

// ---- key32 ----

namespace {

// Where key32s live. One sodium_malloc'd, mlock'ed slab of slots, handed out and taken back under a
// mutex, instead of one sodium_malloc per key: sodium_malloc/sodium_free is an mmap + mprotect +
// munmap each time, and the TLB shootdowns those trigger cost up to ~1 ms on a small VM — per
// message, since every append unwraps its case key (docs/performance.md measured the writer capped
// at ~1,300 msgs/s by exactly this). The slab keeps libsodium's guard pages around the whole block;
// a released slot is zeroed at once. When every slot is taken (never in practice: a few keys per
// storage thread), keys fall back to their own sodium_malloc.
//
// Threads: take()/give_back() from any thread (writer, readers, tests).
class key_slab {
public:
    static constexpr std::size_t slots = 256;  // 8 KiB: two pages of mlock budget

    key_slab() {
        base_ = static_cast<unsigned char*>(sodium_malloc(slots * key_bytes));
        if (!base_) throw std::bad_alloc();
        sodium_mlock(base_, slots * key_bytes);  // best effort, as for single keys
        sodium_memzero(base_, slots * key_bytes);
        free_.reserve(slots);
        for (std::size_t i = slots; i > 0; --i) free_.push_back(i - 1);
    }

    unsigned char* take() {
        std::lock_guard lock{mutex_};
        if (free_.empty()) return nullptr;
        const auto i = free_.back();
        free_.pop_back();
        return base_ + i * key_bytes;
    }

    // False if `p` is not one of ours (a fallback key).
    bool give_back(unsigned char* p) {
        if (p < base_ || p >= base_ + slots * key_bytes) return false;
        sodium_memzero(p, key_bytes);
        std::lock_guard lock{mutex_};
        free_.push_back(static_cast<std::size_t>(p - base_) / key_bytes);
        return true;
    }

private:
    unsigned char* base_ = nullptr;
    std::mutex mutex_;
    std::vector<std::size_t> free_;
};

key_slab& slab() {
    // Never destroyed: a key32 in static storage may outlive any other static. Its slots are
    // zeroed on release, so nothing secret is left in it at exit.
    static key_slab* const instance = new key_slab();
    return *instance;
}

}  // namespace

key32::key32() {
    init();
    bytes_ = slab().take();
    if (!bytes_) {
        bytes_ = static_cast<unsigned char*>(sodium_malloc(key_bytes));
        if (!bytes_) throw std::bad_alloc();
        sodium_mlock(bytes_, key_bytes);
    }
    sodium_memzero(bytes_, key_bytes);
}

key32::key32(key32&& other) noexcept : bytes_(other.bytes_) { other.bytes_ = nullptr; }

key32& key32::operator=(key32&& other) noexcept {
    if (this != &other) {
        key32 dying{std::move(*this)};
        bytes_ = other.bytes_;
        other.bytes_ = nullptr;
    }
    return *this;
}

key32::~key32() {
    if (!bytes_) return;
    if (!slab().give_back(bytes_)) {
        sodium_munlock(bytes_, key_bytes);  // also zeroes
        sodium_free(bytes_);                // and so does this
    }
    bytes_ = nullptr;
}

key32 key32::random() {
    key32 key;
    crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
    return key;
}

// ---- key_slots ----

key_slots::key_slots(std::size_t count) : count_(count == 0 ? 1 : count) {
    init();
    base_ = static_cast<unsigned char*>(sodium_malloc(count_ * key_bytes));
    if (!base_) throw std::bad_alloc();
    sodium_mlock(base_, count_ * key_bytes);  // best effort, as for key32 (RLIMIT_MEMLOCK)
    sodium_memzero(base_, count_ * key_bytes);
}

key_slots::~key_slots() {
    sodium_munlock(base_, count_ * key_bytes);  // also zeroes
    sodium_free(base_);                         // and so does this
}

void key_slots::wipe(std::size_t i) noexcept { sodium_memzero(base_ + i * key_bytes, key_bytes); }

// ---- master key ----

key32 load_or_create_master_key(const std::filesystem::path& file) {
    init();
    // Two rounds cover the race where another process creates the file between our two calls.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (auto key = try_load(file)) return std::move(*key);
        if (try_create(file)) {
            if (auto key = try_load(file)) return std::move(*key);
            key_file_error(file, "vanished right after it was created");
        }
    }
    key_file_error(file, "could neither read nor create it");
}

std::string key_id(const key32& key) {
    std::array<unsigned char, crypto_generichash_BYTES> h{};
    crypto_generichash(
        h.data(),
        h.size(),
        reinterpret_cast<const unsigned char*>(key_id_context.data()),
        key_id_context.size(),
        key.data(),
        key_bytes
    );
    return to_hex(std::span(h).first(8));
}

std::vector<unsigned char> wrap_case_key(
    const key32& master, std::string_view master_id, std::string_view case_code, const key32& case_key
) {
    const std::string ad = case_key_ad(case_code, master_id);
    return aead_seal(
        master.view(),
        std::span(reinterpret_cast<const unsigned char*>(ad.data()), ad.size()),
        case_key.data(),
        key_bytes
    );
}

std::optional<key32> unwrap_case_key(
    const key32& master, std::string_view master_id, std::string_view case_code, std::span<const unsigned char> blob
) {
    key32 out;
    if (!unwrap_case_key_into(master, master_id, case_code, blob, std::span<unsigned char, key_bytes>{out.data(), key_bytes})) {
        return std::nullopt;  // `out` is wiped by its destructor
    }
    return out;
}

bool unwrap_case_key_into(
    const key32& master,
    std::string_view master_id,
    std::string_view case_code,
    std::span<const unsigned char> blob,
    std::span<unsigned char, key_bytes> out
) {
    if (blob.size() != nonce_bytes + key_bytes + tag_bytes) {
        sodium_memzero(out.data(), key_bytes);
        return false;
    }
    const std::string ad = case_key_ad(case_code, master_id);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out.data(),
            &written,
            nullptr,
            blob.data() + nonce_bytes,
            blob.size() - nonce_bytes,
            reinterpret_cast<const unsigned char*>(ad.data()),
            ad.size(),
            blob.data(),
            master.data()
        ) != 0) {
        sodium_memzero(out.data(), key_bytes);  // libsodium leaves it undefined on failure
        return false;
    }
    return true;
}

// ---- seal / open ----

std::vector<unsigned char> seal(const key32& case_key, const row_binding& row, std::string_view text) {
    return seal(case_key.view(), row, text);
}

std::vector<unsigned char> seal(key_view case_key, const row_binding& row, std::string_view text) {
    const auto ad = make_ad(row);
    return aead_seal(case_key, ad, reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

std::optional<plaintext> open(const key32& case_key, const row_binding& row, std::span<const unsigned char> blob) {
    if (blob.size() < nonce_bytes + tag_bytes) return std::nullopt;
    const auto ad = make_ad(row);
    std::string buffer(blob.size() - nonce_bytes - tag_bytes, '\0');
    unsigned long long written = 0;
    const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        reinterpret_cast<unsigned char*>(buffer.data()),
        &written,
        nullptr,
        blob.data() + nonce_bytes,
        blob.size() - nonce_bytes,
        ad.data(),
        ad.size(),
        blob.data(),
        case_key.data()
    );
    // Wrapped at once so the buffer is wiped on both paths; on failure nothing of it is returned.
    plaintext result{std::move(buffer)};
    if (rc != 0) return std::nullopt;
    return result;
}

// ---- case secret ----

std::array<unsigned char, 32> secret_hash(const key32& case_key, std::string_view secret) {
    key32 subkey;
    crypto_kdf_derive_from_key(subkey.data(), key_bytes, secret_subkey_id, secret_kdf_context, case_key.data());
    std::array<unsigned char, 32> h{};
    crypto_generichash(
        h.data(),
        h.size(),
        reinterpret_cast<const unsigned char*>(secret.data()),
        secret.size(),
        subkey.data(),
        key_bytes
    );
    return h;
}

bool secret_matches(const key32& case_key, std::string_view secret, std::span<const unsigned char> stored) {
    const auto h = secret_hash(case_key, secret);
    // Length is not secret (always 32 for our rows); the bytes are compared in constant time.
    return stored.size() == h.size() && sodium_memcmp(h.data(), stored.data(), h.size()) == 0;
}

// ---- passwords ----

std::string hash_password(std::string_view password) {
    init();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(
            out,
            password.data(),
            password.size(),
            crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE
        ) != 0) {
        throw std::runtime_error("password hashing ran out of memory");
    }
    return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
    init();
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// ---- random strings ----

std::string random_base32(std::size_t chars) {
    init();
    std::string out(chars, '0');
    for (auto& c : out) c = crockford[randombytes_uniform(static_cast<std::uint32_t>(crockford.size()))];
    return out;
}

std::string random_token() {
    init();
    std::array<unsigned char, 32> raw{};
    randombytes_buf(raw.data(), raw.size());
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_ENCODED_LEN(raw.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), variant);
    out.resize(std::strlen(out.c_str()));
    sodium_memzero(raw.data(), raw.size());
    return out;
}

std::array<unsigned char, 32> token_hash(std::string_view token) {
    std::array<unsigned char, 32> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
    return h;
}

std::string to_hex(std::span<const unsigned char> bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

}  // namespace tamsu::storage::crypto
