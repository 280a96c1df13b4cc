#pragma once
// The one place that configures logging (style rule 11). Log lines are events with key=value ids:
//   event=msg_stored case=K7M4QPX2 seq=3 level=critical
// Never a student's words, a note, a secret, a key or a client IP address (contract §4). The types that
// carry those (protocol::sensitive, storage::plaintext) have no formatter, so they cannot be logged.

#include <spdlog/spdlog.h>

#include <string>

namespace tamsu::server {

// Logs go to stderr: stdout carries only the lines the contract and scripts read
// ("initial admin password: …", "listening on HOST:PORT").
void setup_logging(const std::string& level);

}  // namespace tamsu::server
