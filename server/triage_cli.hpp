#pragma once
#include "server/config.hpp"

namespace tamsu::server {
// `tamsu triage [--explain]` (contract §1): the same engine and lexicon files as the server.
// `tamsu triage --check`: validate those files and run the canaries; 0 = good, 1 = the server would
// refuse them or a canary is no longer critical.
int run_triage_command(const triage_config& config);
}  // namespace tamsu::server
