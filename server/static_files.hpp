#pragma once
// The pages (clients/web at /, clients/console at /console/), read once at start-up into memory: a
// request never touches the disk on an I/O thread (style rule 7), and the pages are small.

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

}  // namespace tamsu::server
