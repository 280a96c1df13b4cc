#include "server/static_files.hpp"

#include <sodium.h>
#include <zlib.h>

#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace tamsu::server {

std::string_view content_type_for(const std::filesystem::path& p) {
    auto ext = p.extension().string();
    if (ext == ".html")
        return "text/html; charset=utf-8";
    if (ext == ".css")
        return "text/css; charset=utf-8";
    if (ext == ".js" || ext == ".mjs")
        return "text/javascript; charset=utf-8";
    if (ext == ".json")
        return "application/json";
    if (ext == ".webmanifest")
        return "application/manifest+json";
    if (ext == ".svg")
        return "image/svg+xml";
    if (ext == ".png")
        return "image/png";
    if (ext == ".ico")
        return "image/x-icon";
    if (ext == ".txt")
        return "text/plain; charset=utf-8";
    if (ext == ".woff2")
        return "font/woff2";
    if (ext == ".wav")
        return "audio/wav";
    if (ext == ".mp3")
        return "audio/mpeg";
    return "application/octet-stream";
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

// Calls f(item) for each comma-separated item of a header list, trimmed.
template <class F>
void for_each_item(std::string_view list, F f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        f(trim(list.substr(0, comma)));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
}

// A strong validator of the bytes: the first 16 bytes of BLAKE2b, in hex (unquoted).
std::string digest_hex(std::string_view bytes) {
    std::array<unsigned char, 16> hash{};
    crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
    std::array<char, 33> hex{};
    sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
    return hex.data();
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
    // An explicit gzip item decides; otherwise a * item does.
    std::optional<bool> gzip, any;
    for_each_item(accept_encoding, [&](std::string_view item) {
        const auto semi = item.find(';');
        const auto coding = trim(item.substr(0, semi));
        bool refused = false;  // q=0, 0.0, 0.000
        if (semi != std::string_view::npos) {
            const auto param = trim(item.substr(semi + 1));
            const auto eq = param.find('=');
            if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "q")) {
                const auto q = trim(param.substr(eq + 1));
                refused = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
            }
        }
        if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
            gzip = !refused;
        else if (coding == "*")
            any = !refused;
    });
    return gzip.value_or(any.value_or(false));
}

bool none_match_hits(std::string_view if_none_match, std::string_view etag) {
    bool hit = false;
    for_each_item(if_none_match, [&](std::string_view item) {
        if (item.starts_with("W/"))
            item.remove_prefix(2);  // weak comparison, as §13.1.2 asks for If-None-Match
        hit = hit || item == "*" || item == etag;
    });
    return hit;
}

std::string gzip_compress(std::string_view data) {
    z_stream z{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    const auto written = out.size() - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        throw std::runtime_error("gzip: deflate did not finish");
    out.resize(written);
    return out;
}

std::shared_ptr<const static_files> static_files::load_blocking(const std::filesystem::path& web_root) {
    auto sf = std::make_shared<static_files>();
    sf->add_tree(web_root / "web", "/");
    sf->add_tree(web_root / "console", "/console/");
    return sf;
}

void static_files::add_tree(const std::filesystem::path& dir, const std::string& url_prefix) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file())
            continue;
        auto rel = std::filesystem::relative(it->path(), dir).generic_string();
        if (rel.empty() || rel[0] == '.')
            continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::ostringstream body;
        body << in.rdbuf();
        file f{std::string(content_type_for(it->path())), body.str(), {}, {}, {}};
        const auto digest = digest_hex(f.body);
        f.etag = "\"" + digest + "\"";
        if (auto gz = gzip_compress(f.body); gz.size() * 10 < f.body.size() * 9) {
            f.gzipped = std::move(gz);
            f.etag_gzip = "\"" + digest + "-gz\"";
        }
        files_[url_prefix + rel] = std::move(f);
    }
}

const static_files::file* static_files::find(std::string_view target) const {
    std::string key(target);
    if (!key.empty() && key.back() == '/')
        key += "index.html";
    auto it = files_.find(key);
    return it == files_.end() ? nullptr : &it->second;
}

}  // namespace tamsu::server
