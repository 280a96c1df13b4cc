#include "server/static_files.hpp"

#include "support/http_client.hpp"  // gunzip

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace tamsu::server {
namespace {

using test::gunzip;

TEST(StaticFiles, GzipIsRealGzipOfTheBytes) {
    std::string page;
    for (int i = 0; i < 200; ++i) page += "<p>Em có thể kể cho thầy cô nghe — ẩn danh.</p>\n";
    const auto gz = gzip_compress(page);
    ASSERT_GE(gz.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // RFC 1952 magic
    EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
    EXPECT_LT(gz.size(), page.size() / 4);
    EXPECT_EQ(gunzip(gz), page);
    EXPECT_EQ(gunzip(gzip_compress("")), "");
}

TEST(StaticFiles, LoadedFilesCarryTheirGzipAndETag) {
    const auto root = std::filesystem::temp_directory_path() / ("tamsu-static-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "web");
    std::string page(4000, 'a');
    std::string noise(4000, '\0');
    std::uint32_t x = 2463534242u;  // xorshift: bytes gzip cannot shrink
    for (auto& c : noise) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        c = static_cast<char>(x);
    }
    std::ofstream(root / "web" / "index.html", std::ios::binary) << page;
    std::ofstream(root / "web" / "noise.bin", std::ios::binary) << noise;
    const auto files = static_files::load_blocking(root);
    std::filesystem::remove_all(root);

    const auto* html = files->find("/");
    ASSERT_NE(html, nullptr);
    EXPECT_EQ(html->body, page);
    EXPECT_EQ(gunzip(html->gzipped), page);
    EXPECT_EQ(html->etag.size(), 34u);
    EXPECT_NE(html->etag, html->etag_gzip);
    const auto* bin = files->find("/noise.bin");
    ASSERT_NE(bin, nullptr);
    EXPECT_EQ(bin->body, noise);
    EXPECT_TRUE(bin->gzipped.empty());  // would not shrink by a tenth: sent as it is
    EXPECT_EQ(bin->etag.size(), 34u);
}

TEST(StaticFiles, AcceptEncodingFollowsRfc9110) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
    EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    EXPECT_TRUE(accepts_gzip("*"));
    EXPECT_TRUE(accepts_gzip(" deflate , x-gzip "));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("identity"));
    EXPECT_FALSE(accepts_gzip("br, deflate"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip; q=0.000, br"));
    EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));  // the explicit item wins over *
    EXPECT_FALSE(accepts_gzip("*;q=0"));
    EXPECT_TRUE(accepts_gzip("*;q=0, gzip"));
}

TEST(StaticFiles, IfNoneMatchComparesWeakly) {
    EXPECT_TRUE(none_match_hits("\"abc\"", "\"abc\""));
    EXPECT_TRUE(none_match_hits("\"x\", \"abc\"", "\"abc\""));
    EXPECT_TRUE(none_match_hits("W/\"abc\"", "\"abc\""));
    EXPECT_TRUE(none_match_hits("*", "\"abc\""));
    EXPECT_FALSE(none_match_hits("", "\"abc\""));
    EXPECT_FALSE(none_match_hits("\"abc-gz\"", "\"abc\""));
    EXPECT_FALSE(none_match_hits("abc", "\"abc\""));  // unquoted is not the same tag
}

}  // namespace
}  // namespace tamsu::server
