#pragma once
// The server's one door to the triage engine: a verdict in protocol terms. When in doubt, fail
// upward (lexicon doc §3.2 rule 6): no engine, or an engine error, gives `high`, never `low`.

#include "protocol/frames.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::triage {
class engine;
class send_window;
}  // namespace tamsu::triage

namespace tamsu::server {

struct verdict {
    protocol::urgency level = protocol::urgency::normal;
    std::vector<std::string> categories;
    std::string explain_json;  // {"matches":[...],"rules":[...]} for the console; may be empty
};

// texts: the session window, oldest first, the newest send last. explain=false leaves explain_json
// empty and skips building the match list: the hot path only needs the level.
verdict assess_window(const triage::engine* engine, const std::vector<std::string>& texts, bool explain);

// The live path, without the explanation: `text` joins the session's window and the verdict is the
// one assess_window() gives for the window's texts, but only the new text is read. A retried `id`
// still in the window is not added again; its verdict is then the window's as it stands.
verdict assess_send(
    const triage::engine* engine,
    triage::send_window& window,
    std::string_view id,
    std::shared_ptr<const std::string> text,
    std::chrono::steady_clock::time_point at
);

std::string join_categories(const std::vector<std::string>& categories);
std::vector<std::string> split_categories(const std::string& joined);

}  // namespace tamsu::server
