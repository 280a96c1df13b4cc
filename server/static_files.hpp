#pragma once
// The pages (clients/web at /, clients/console at /console/), read once at start-up into memory: a
// request never touches the disk on an I/O thread (style rule 7), and the pages are small. Each file is
// also gzipped once there (a student on slow 3G loads a third of the bytes) and given an ETag (a phone
// that has the page gets 304 instead of the page again).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace tamsu::server {

class static_files {
public:
    struct file {
        std::string content_type;
        std::string body;
        std::string gzipped;  // empty when gzip would not make it smaller by a tenth (images)
        std::string etag;     // quoted, of body; the gzipped body's is etag_gzip
        std::string etag_gzip;
    };
    // web_root holds web/ and console/. Missing folders give an empty set (the API still works).
    static std::shared_ptr<const static_files> load_blocking(const std::filesystem::path& web_root);

    // target without the query; "/" → /index.html, "/console/" → /console/index.html
    const file* find(std::string_view target) const;
    std::size_t count() const { return files_.size(); }

private:
    void add_tree(const std::filesystem::path& dir, const std::string& url_prefix);
    std::unordered_map<std::string, file> files_;
};

std::string_view content_type_for(const std::filesystem::path& p);

// RFC 9110 §12.5.3: true when the Accept-Encoding value lists gzip (or *) without q=0.
bool accepts_gzip(std::string_view accept_encoding);
// RFC 9110 §13.1.2: true when the If-None-Match value names `etag` or is *.
bool none_match_hits(std::string_view if_none_match, std::string_view etag);

// gzip (RFC 1952) of `data` at the best compression, with zlib. Throws std::runtime_error.
std::string gzip_compress(std::string_view data);

}  // namespace tamsu::server
