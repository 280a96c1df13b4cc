#include "storage/crypto.hpp"

#include "storage_test_support.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <vector>
#include <thread>
#include <string>
#include <set>

namespace tamsu::storage {
namespace {

using test::temp_dir;

// libsodium's own vector: test/default/aead_xchacha20poly1305.c and its .exp (first output block).
TEST(CryptoKnownAnswer, XChaCha20Poly1305MatchesLibsodiumVector) {
    crypto::init();
    const std::array<unsigned char, 32> key{0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
                                            0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
                                            0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f};
    // 24-byte nonce: the test gives the first 16 bytes, the rest are zero.
    const std::array<unsigned char, 24> nonce{0x07, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43,
                                              0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b};
    const std::array<unsigned char, 12> ad{0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7};
    const std::string message =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
        "would be it.";
    ASSERT_EQ(message.size(), 114U);
    const std::array<unsigned char, 130> expected{
        0x45, 0x3c, 0x06, 0x93, 0xa7, 0x40, 0x7f, 0x04, 0xff, 0x4c, 0x56, 0xae, 0xdb, 0x17, 0xa3, 0xc0, 0xa1,
        0xaf, 0xff, 0x01, 0x17, 0x49, 0x30, 0xfc, 0x22, 0x28, 0x7c, 0x33, 0xdb, 0xcf, 0x0a, 0xc8, 0xb8, 0x9a,
        0xd9, 0x29, 0x53, 0x0a, 0x1b, 0xb3, 0xab, 0x5e, 0x69, 0xf2, 0x4c, 0x7f, 0x60, 0x70, 0xc8, 0xf8, 0x40,
        0xc9, 0xab, 0xb4, 0xf6, 0x9f, 0xbf, 0xc8, 0xa7, 0xff, 0x51, 0x26, 0xfa, 0xee, 0xbb, 0xb5, 0x58, 0x05,
        0xee, 0x9c, 0x1c, 0xf2, 0xce, 0x5a, 0x57, 0x26, 0x32, 0x87, 0xae, 0xc5, 0x78, 0x0f, 0x04, 0xec, 0x32,
        0x4c, 0x35, 0x14, 0x12, 0x2c, 0xfc, 0x32, 0x31, 0xfc, 0x1a, 0x8b, 0x71, 0x8a, 0x62, 0x86, 0x37, 0x30,
        0xa2, 0x70, 0x2b, 0xb7, 0x63, 0x66, 0x11, 0x6b, 0xed, 0x09, 0xe0, 0xfd, 0x5c, 0x6d, 0x84, 0xb6, 0xb0,
        0xc1, 0xab, 0xaf, 0x24, 0x9d, 0x5d, 0xd0, 0xf7, 0xf5, 0xa7, 0xea};

    std::array<unsigned char, 130> out{};
    unsigned long long out_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out.data(),
        &out_len,
        reinterpret_cast<const unsigned char*>(message.data()),
        message.size(),
        ad.data(),
        ad.size(),
        nullptr,
        nonce.data(),
        key.data()
    );
    ASSERT_EQ(out_len, expected.size());
    EXPECT_EQ(out, expected);

    // The same vector through our open(): it must refuse it, because our AD binds a row and the
    // vector's AD is not one of ours; this is the "AD is checked" half of the known answer.
    crypto::key32 k;
    std::memcpy(k.data(), key.data(), key.size());
    std::vector<unsigned char> blob(nonce.begin(), nonce.end());
    blob.insert(blob.end(), expected.begin(), expected.end());
    EXPECT_FALSE(crypto::open(k, {.case_id = 1, .seq = 1, .sender = 1}, blob).has_value());
}

// Pins our blob layout and AD layout so a refactor cannot silently change what is on disk.
TEST(Crypto, SealLayoutIsNonceThenCiphertextWithRowBindingAd) {
    const auto key = crypto::key32::random();
    const crypto::row_binding row{
        .case_id = 0x0102030405060708, .seq = 0x1122334455667788, .sender = 2, .kind = crypto::record_kind::message};
    const std::string text = "xin chao";
    const auto blob = crypto::seal(key, row, text);
    ASSERT_EQ(blob.size(), crypto::nonce_bytes + text.size() + crypto::tag_bytes);

    const std::array<unsigned char, 18> ad{0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x88,
                                           0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x02, 0x01};
    std::string out(text.size(), '\0');
    unsigned long long out_len = 0;
    ASSERT_EQ(
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(out.data()),
            &out_len,
            nullptr,
            blob.data() + crypto::nonce_bytes,
            blob.size() - crypto::nonce_bytes,
            ad.data(),
            ad.size(),
            blob.data(),
            key.data()
        ),
        0
    );
    EXPECT_EQ(out, text);
}

TEST(Crypto, SealOpenRoundTripsAndUsesFreshNonces) {
    const auto key = crypto::key32::random();
    const crypto::row_binding row{.case_id = 7, .seq = 3, .sender = 1};
    const auto a = crypto::seal(key, row, "em buon qua");
    const auto b = crypto::seal(key, row, "em buon qua");
    EXPECT_NE(a, b);
    auto opened = crypto::open(key, row, a);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->reveal(), "em buon qua");
    auto empty = crypto::open(key, row, crypto::seal(key, row, ""));
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->empty());
}

// Nonces come from a per-thread pool refilled from the CSPRNG every 170 seals: across several
// refills, and on two threads at once, no nonce repeats and none is all zero.
TEST(Crypto, NoncesNeverRepeatAcrossPoolRefillsAndThreads) {
    const auto key = crypto::key32::random();
    const crypto::row_binding row{.case_id = 7, .seq = 3, .sender = 1};
    auto collect = [&](std::vector<std::string>& out) {
        for (int i = 0; i < 1000; ++i) {
            const auto blob = crypto::seal(key, row, "x");
            out.emplace_back(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(crypto::nonce_bytes));
        }
    };
    std::vector<std::string> here, there;
    std::thread other([&] { collect(there); });
    collect(here);
    other.join();
    std::set<std::string> all(here.begin(), here.end());
    all.insert(there.begin(), there.end());
    EXPECT_EQ(all.size(), 2000U);
    EXPECT_EQ(all.count(std::string(crypto::nonce_bytes, '\0')), 0U);
}

TEST(Crypto, FlippedByteInNonceCiphertextOrTagIsRefused) {
    const auto key = crypto::key32::random();
    const crypto::row_binding row{.case_id = 7, .seq = 3, .sender = 1};
    const auto blob = crypto::seal(key, row, "mot tin nhan");
    for (std::size_t i = 0; i < blob.size(); ++i) {
        auto tampered = blob;
        tampered[i] ^= 0x01;
        EXPECT_FALSE(crypto::open(key, row, tampered).has_value()) << "byte " << i;
    }
    auto truncated = blob;
    truncated.pop_back();
    EXPECT_FALSE(crypto::open(key, row, truncated).has_value());
    EXPECT_FALSE(crypto::open(key, row, std::vector<unsigned char>(10)).has_value());
}

TEST(Crypto, CiphertextOfAnotherRowIsRefused) {
    const auto key = crypto::key32::random();
    const crypto::row_binding row{.case_id = 7, .seq = 3, .sender = 1, .kind = crypto::record_kind::message};
    const auto blob = crypto::seal(key, row, "mot tin nhan");
    auto other = row;
    other.seq = 4;
    EXPECT_FALSE(crypto::open(key, other, blob).has_value());
    other = row;
    other.case_id = 8;
    EXPECT_FALSE(crypto::open(key, other, blob).has_value());
    other = row;
    other.sender = 2;
    EXPECT_FALSE(crypto::open(key, other, blob).has_value());
    other = row;
    other.kind = crypto::record_kind::note;  // a message can never be read as a note, nor back
    EXPECT_FALSE(crypto::open(key, other, blob).has_value());
    EXPECT_FALSE(crypto::open(crypto::key32::random(), row, blob).has_value());
    EXPECT_TRUE(crypto::open(key, row, blob).has_value());
}

TEST(Crypto, CaseKeyWrapsAndUnwrapsOnlyForItsCaseAndMasterKey) {
    const auto master = crypto::key32::random();
    const auto id = crypto::key_id(master);
    const auto case_key = crypto::key32::random();
    const auto wrapped = crypto::wrap_case_key(master, id, "ABCD1234", case_key);
    EXPECT_EQ(wrapped.size(), crypto::nonce_bytes + crypto::key_bytes + crypto::tag_bytes);

    auto back = crypto::unwrap_case_key(master, id, "ABCD1234", wrapped);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(std::memcmp(back->data(), case_key.data(), crypto::key_bytes), 0);

    EXPECT_FALSE(crypto::unwrap_case_key(master, id, "ABCD1235", wrapped).has_value());
    EXPECT_FALSE(crypto::unwrap_case_key(master, "0000000000000000", "ABCD1234", wrapped).has_value());
    EXPECT_FALSE(crypto::unwrap_case_key(crypto::key32::random(), id, "ABCD1234", wrapped).has_value());
    auto tampered = wrapped;
    tampered.back() ^= 0x80;
    EXPECT_FALSE(crypto::unwrap_case_key(master, id, "ABCD1234", tampered).has_value());
}

// The case cache unwraps into its own guarded slots (crypto::key_slots) and seals with a key_view.
TEST(Crypto, CaseKeyUnwrapsIntoASlotAndSealsFromIt) {
    const auto master = crypto::key32::random();
    const auto id = crypto::key_id(master);
    const auto case_key = crypto::key32::random();
    const auto wrapped = crypto::wrap_case_key(master, id, "ABCD1234", case_key);
    crypto::key_slots slots{4};
    for (std::size_t i = 0; i < slots.count(); ++i) {
        EXPECT_TRUE(std::all_of(slots.view(i).begin(), slots.view(i).end(), [](unsigned char b) { return b == 0; }));
    }
    ASSERT_TRUE(crypto::unwrap_case_key_into(master, id, "ABCD1234", wrapped, slots.at(2)));
    EXPECT_EQ(std::memcmp(slots.view(2).data(), case_key.data(), crypto::key_bytes), 0);

    const crypto::row_binding row{.case_id = 7, .seq = 3, .sender = 1, .kind = crypto::record_kind::message};
    const auto sealed = crypto::seal(slots.view(2), row, "xin chao");
    auto opened = crypto::open(case_key, row, sealed);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->reveal(), "xin chao");

    slots.wipe(2);
    EXPECT_TRUE(std::all_of(slots.view(2).begin(), slots.view(2).end(), [](unsigned char b) { return b == 0; }));

    // A blob that does not open leaves the slot wiped, not half-written.
    auto tampered = wrapped;
    tampered.back() ^= 0x80;
    std::fill(slots.at(1).begin(), slots.at(1).end(), 0x5a);
    EXPECT_FALSE(crypto::unwrap_case_key_into(master, id, "ABCD1234", tampered, slots.at(1)));
    EXPECT_TRUE(std::all_of(slots.view(1).begin(), slots.view(1).end(), [](unsigned char b) { return b == 0; }));
    std::fill(slots.at(1).begin(), slots.at(1).end(), 0x5a);
    EXPECT_FALSE(crypto::unwrap_case_key_into(master, id, "ABCD1234", std::span(wrapped).first(10), slots.at(1)));
    EXPECT_TRUE(std::all_of(slots.view(1).begin(), slots.view(1).end(), [](unsigned char b) { return b == 0; }));
}

TEST(Crypto, KeyIdIsStableSixteenHexChars) {
    const auto a = crypto::key32::random();
    const auto b = crypto::key32::random();
    EXPECT_EQ(crypto::key_id(a).size(), 16U);
    EXPECT_EQ(crypto::key_id(a), crypto::key_id(a));
    EXPECT_NE(crypto::key_id(a), crypto::key_id(b));
}

TEST(Crypto, SecretHashVerifiesOnlyTheRightSecretUnderTheRightKey) {
    const auto key = crypto::key32::random();
    const auto stored = crypto::secret_hash(key, "0123456789ABCDEF");
    EXPECT_TRUE(crypto::secret_matches(key, "0123456789ABCDEF", stored));
    EXPECT_FALSE(crypto::secret_matches(key, "0123456789ABCDEG", stored));
    EXPECT_FALSE(crypto::secret_matches(crypto::key32::random(), "0123456789ABCDEF", stored));
    EXPECT_FALSE(crypto::secret_matches(key, "0123456789ABCDEF", std::span(stored).first(16)));
    // Keyed: the hash is not the plain generichash of the secret.
    std::array<unsigned char, 32> plain{};
    crypto_generichash(plain.data(), plain.size(), reinterpret_cast<const unsigned char*>("0123456789ABCDEF"), 16, nullptr, 0);
    EXPECT_NE(plain, stored);
}

TEST(Crypto, PasswordHashIsArgon2idAndVerifies) {
    const auto hash = crypto::hash_password("correct horse");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0U);
    EXPECT_TRUE(crypto::verify_password(hash, "correct horse"));
    EXPECT_FALSE(crypto::verify_password(hash, "correct horsf"));
    EXPECT_FALSE(crypto::verify_password("not a hash", "correct horse"));
}

TEST(Crypto, RandomBase32UsesCrockfordAlphabet) {
    const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::string seen;
    for (int i = 0; i < 200; ++i) {
        const auto s = crypto::random_base32(crypto::case_secret_chars);
        ASSERT_EQ(s.size(), 16U);
        for (char c : s) {
            ASSERT_NE(alphabet.find(c), std::string::npos) << c;
            if (seen.find(c) == std::string::npos) seen += c;
        }
    }
    EXPECT_EQ(seen.size(), alphabet.size());  // 3200 draws: every symbol shows up
}

TEST(Crypto, TokenIsBase64UrlOf32BytesAndHashesStably) {
    const auto t = crypto::random_token();
    EXPECT_EQ(t.size(), 43U);
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
    EXPECT_NE(t, crypto::random_token());
    EXPECT_EQ(crypto::token_hash(t), crypto::token_hash(t));
}

// ---- master key file ----

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

TEST(MasterKeyFile, IsCreatedWithMode0600AndReloadsTheSameKey) {
    temp_dir dir;
    const auto file = dir.path() / "master.key";
    const auto first = crypto::load_or_create_master_key(file);
    EXPECT_EQ(mode_of(file), 0600U);
    const auto text = test::read_all_bytes(file);
    EXPECT_EQ(text.size(), 65U);  // 64 hex + newline
    const auto again = crypto::load_or_create_master_key(file);
    EXPECT_EQ(crypto::key_id(first), crypto::key_id(again));
}

TEST(MasterKeyFile, GroupOrWorldReadableFileIsRefusedWithAClearError) {
    temp_dir dir;
    const auto file = dir.path() / "master.key";
    (void)crypto::load_or_create_master_key(file);
    for (mode_t mode : {0644, 0640, 0604}) {
        ::chmod(file.c_str(), mode);
        try {
            (void)crypto::load_or_create_master_key(file);
            ADD_FAILURE() << "mode " << std::oct << mode << " accepted";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
        }
    }
    ::chmod(file.c_str(), 0400);  // read-only for the owner is fine (a mounted container secret)
    EXPECT_NO_THROW((void)crypto::load_or_create_master_key(file));
}

TEST(MasterKeyFile, MalformedFileIsRefused) {
    temp_dir dir;
    const auto file = dir.path() / "master.key";
    {
        std::ofstream out(file);
        out << "not hex at all\n";
    }
    ::chmod(file.c_str(), 0600);
    EXPECT_THROW((void)crypto::load_or_create_master_key(file), std::runtime_error);
}

}  // namespace
}  // namespace tamsu::storage

namespace tamsu::storage {
namespace {

// Keys come from a fixed slab of slots; more live keys than slots must still work (fallback), and
// released slots must be zeroed and reusable.
TEST(Crypto, ManyLiveKeysBeyondTheSlabStillWorkAndSlotsAreReused) {
    std::vector<crypto::key32> keys;
    for (int i = 0; i < 600; ++i) keys.push_back(crypto::key32::random());
    const crypto::row_binding row{.case_id = 1, .seq = 1, .sender = 1};
    for (const auto& k : {std::cref(keys.front()), std::cref(keys.back())}) {
        auto opened = crypto::open(k.get(), row, crypto::seal(k.get(), row, "ok"));
        ASSERT_TRUE(opened.has_value());
    }
    keys.clear();
    for (int i = 0; i < 10'000; ++i) {
        crypto::key32 k;
        const std::array<unsigned char, 32> zero{};
        ASSERT_EQ(std::memcmp(k.data(), zero.data(), zero.size()), 0) << "a reused slot was not wiped";
        randombytes_buf(k.data(), k.size());
    }
}

}  // namespace
}  // namespace tamsu::storage
