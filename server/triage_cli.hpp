#pragma once
#include "server/config.hpp"

namespace tamsu::server {
// `tamsu triage [--explain]` (contract §1): the same engine and lexicon files as the server.
int run_triage_command(const triage_config& config);
}  // namespace tamsu::server
