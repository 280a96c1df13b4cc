#include "server/triage_adapter.hpp"

namespace tamsu::server {

verdict assess_window(const triage::engine* engine, const std::vector<std::string>& /*texts*/) {
    // Until the triage engine is wired in, every case is `normal` (the foundation issue says so).
    (void)engine;
    return verdict{};
}

std::string join_categories(const std::vector<std::string>& categories) {
    std::string out;
    for (const auto& c : categories) {
        if (!out.empty())
            out += ',';
        out += c;
    }
    return out;
}

std::vector<std::string> split_categories(const std::string& joined) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < joined.size()) {
        auto comma = joined.find(',', start);
        if (comma == std::string::npos)
            comma = joined.size();
        if (comma > start)
            out.push_back(joined.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

}  // namespace tamsu::server
