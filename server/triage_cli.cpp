#include "server/triage_cli.hpp"

#include "server/triage/triage.hpp"
#include "server/triage_loader.hpp"

#include <iostream>

namespace tamsu::server {

int run_triage_command(const triage_config& config) {
    if (config.check) {
        // The folder the server would read; the same validation, every error reported.
        const auto dir = config.lexicon_dir.empty() ? std::filesystem::path(TAMSU_DEFAULT_LEXICON_DIR) : config.lexicon_dir;
        return triage::run_check_blocking(dir, std::cout, std::cerr);
    }
    auto engine = load_triage_blocking(config.lexicon_dir);
    std::ios::sync_with_stdio(false);
    return triage::run_cli(std::cin, std::cout, std::cerr, *engine, config.explain);
}

}  // namespace tamsu::server
