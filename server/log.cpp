#include "server/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace tamsu::server {

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("tamsu");
    // UTC with milliseconds: log lines from several schools' servers must line up in one place.
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace tamsu::server
