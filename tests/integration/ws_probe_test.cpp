// The outsider RFC 6455 robustness probe (shared/tools/ws_probe.py, outside this repository) run
// against the student endpoint. Built only where the probe exists (see CMakeLists.txt).

#include "support/fixture.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tamsu::test {
namespace {

class WsProbeTest : public server_test {};

TEST_F(WsProbeTest, StudentEndpointPassesRfc6455Probe) {
    run_options options;
    options.timeout = std::chrono::seconds(110);
    auto r = run_process(
        {
            "/usr/bin/python3",
            TAMSU_WS_PROBE,
            "--url",
            "ws://127.0.0.1:" + std::to_string(port()) + "/ws/student",
            "--message",
            R"({"type":"hello","v":1})",
            "--max-ok",
            "65536",
            "--budget",
            "100",
        },
        options
    );
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    // The server survived all of it.
    EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace tamsu::test
