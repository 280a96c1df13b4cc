#include "server/triage_adapter.hpp"

#include "server/triage/triage.hpp"

#include <boost/json.hpp>

namespace tamsu::server {

namespace {

// The counselor's "why this level". Built for the console only; it holds matched words, so it is
// never stored in clear or logged (the server recomputes it from the decrypted text when needed).
std::string explain_of(const triage::assessment& a) {
    boost::json::array matches;
    for (const auto& m : a.matches) {
        if (m.category == "-" && m.weight == 0 && m.signal_class.empty())
            continue;
        matches.push_back(boost::json::object{
            {"term", m.term},
            {"text", m.text},
            {"category", m.category},
            {"class", m.signal_class},
            {"weight", m.weight},
            {"negated", m.negated},
        });
    }
    boost::json::array rules;
    for (const auto& r : a.rules)
        rules.push_back(boost::json::string(r));
    return boost::json::serialize(boost::json::object{
        {"score", a.score},
        {"matches", std::move(matches)},
        {"rules", std::move(rules)},
        {"third_party", a.third_party},
    });
}

verdict to_verdict(const triage::assessment& a, bool explain) {
    return verdict{
        .level = static_cast<protocol::urgency>(a.lvl),
        .categories = a.categories,
        .explain_json = explain ? explain_of(a) : std::string(),
    };
}

}  // namespace

verdict assess_window(const triage::engine* engine, const std::vector<std::string>& texts, bool explain) {
    // Fail upward (lexicon doc §3.2 rule 6): without an engine a message is `high`, never `low`.
    if (!engine)
        return verdict{.level = protocol::urgency::high, .categories = {}, .explain_json = {}};
    return to_verdict(engine->assess_send(std::span<const std::string>(texts), explain), explain);
}

verdict assess_send(
    const triage::engine* engine,
    triage::send_window& window,
    std::string_view id,
    std::shared_ptr<const std::string> text,
    std::chrono::steady_clock::time_point at
) {
    if (!engine)
        return verdict{.level = protocol::urgency::high, .categories = {}, .explain_json = {}};
    window.push(*engine, id, std::move(text), at);
    return to_verdict(engine->assess_send(window, false), false);
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
