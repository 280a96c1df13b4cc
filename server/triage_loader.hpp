#pragma once
#include <filesystem>
#include <memory>

namespace tamsu::triage {
class engine;
}

namespace tamsu::server {
// Loads the lexicons at start-up (empty dir = the built-in default). Throws with file:line on a bad
// lexicon: a server that cannot triage must not start pretending it can.
std::shared_ptr<const triage::engine> load_triage_blocking(const std::filesystem::path& lexicon_dir);
}  // namespace tamsu::server
