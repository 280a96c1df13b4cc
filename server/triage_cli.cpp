#include "server/triage_cli.hpp"

#include "server/triage/triage.hpp"
#include "server/triage_loader.hpp"

#include <iostream>

namespace tamsu::server {

int run_triage_command(const triage_config& config) {
    auto engine = load_triage_blocking(config.lexicon_dir);
    std::ios::sync_with_stdio(false);
    return triage::run_cli(std::cin, std::cout, std::cerr, *engine, config.explain);
}

}  // namespace tamsu::server
