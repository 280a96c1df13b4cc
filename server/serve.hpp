#pragma once
#include "server/config.hpp"

namespace tamsu::server {
// `tamsu serve`: runs until SIGTERM/SIGINT, then stops gracefully (contract §1). Returns the exit code.
int run_serve(const serve_config& config);
}  // namespace tamsu::server
