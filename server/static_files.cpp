#include "server/static_files.hpp"

#include <fstream>
#include <sstream>

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
        files_[url_prefix + rel] = file{std::string(content_type_for(it->path())), body.str()};
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
