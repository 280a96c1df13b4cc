#include "server/triage_loader.hpp"

#include "server/triage/triage.hpp"

#include <spdlog/spdlog.h>

namespace tamsu::server {

std::shared_ptr<const triage::engine> load_triage_blocking(const std::filesystem::path& lexicon_dir) {
    auto dir = lexicon_dir.empty() ? std::filesystem::path(TAMSU_DEFAULT_LEXICON_DIR) : lexicon_dir;
    try {
        auto engine = std::make_shared<const triage::engine>(triage::engine::load_blocking(dir));
        spdlog::info(
            "event=lexicon_loaded dir={} entries={} risk_model={}", dir.string(), engine->entry_count(), engine->has_risk_model() ? "on" : "off"
        );
        return engine;
    } catch (const triage::lexicon_error& e) {
        throw std::runtime_error(std::string("triage lexicon: ") + e.what());
    }
}

}  // namespace tamsu::server
