#pragma once
// The server's one door to the triage engine: a verdict in protocol terms. When in doubt, fail
// upward (lexicon doc §3.2 rule 6): no engine, or an engine error, gives `high`, never `low`.

#include "protocol/frames.hpp"

#include <string>
#include <vector>

namespace tamsu::triage {
class engine;
}

namespace tamsu::server {

struct verdict {
    protocol::urgency level = protocol::urgency::normal;
    std::vector<std::string> categories;
    std::string explain_json;  // {"matches":[...],"rules":[...]} for the console; may be empty
};

// texts: the session window, oldest first, the newest send last. explain=false leaves explain_json
// empty and skips building the match list: the hot path only needs the level.
verdict assess_window(const triage::engine* engine, const std::vector<std::string>& texts, bool explain);

std::string join_categories(const std::vector<std::string>& categories);
std::vector<std::string> split_categories(const std::string& joined);

}  // namespace tamsu::server
