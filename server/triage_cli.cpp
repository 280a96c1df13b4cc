#include "server/triage_cli.hpp"

#include <iostream>

namespace tamsu::server {

int run_triage_command(const triage_config&) {
    // Wired to the triage engine by the triage issue.
    std::cerr << "tamsu: error: the triage engine is not built yet\n";
    return 1;
}

}  // namespace tamsu::server
