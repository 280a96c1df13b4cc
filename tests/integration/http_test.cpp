// contract §2: the HTTP surface besides login (which counselor_test.cpp covers).

#include "support/clients.hpp"
#include "support/fixture.hpp"
#include "support/frames.hpp"
#include "support/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <regex>
#include <sstream>
#include <string>

namespace tamsu::test {
namespace {

namespace json = boost::json;

class HttpTest : public server_test {};

TEST_F(HttpTest, HealthzIsOk) {
    auto res = http_request(port(), "GET", "/healthz");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(json::parse(res.body), json::parse(R"({"status":"ok"})")) << res.body;
}

TEST_F(HttpTest, MetricsArePrometheusText) {
    // Some traffic first, so the counters have something to count.
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("m1", "hello"), 1);
    auto res = http_request(port(), "GET", "/metrics");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.header("content-type").rfind("text/plain", 0), 0u) << res.header("content-type");
    // Every line is a comment (# HELP / # TYPE) or `name{labels} value`.
    static const std::regex sample_re(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+]?([0-9.]+([eE][-+]?[0-9]+)?|NaN|[-+]?Inf)( [0-9]+)?$)");
    std::istringstream lines(res.body);
    int samples = 0;
    int types = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) {
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            ++types;
            continue;
        }
        if (line.starts_with("#")) {
            continue;
        }
        EXPECT_TRUE(std::regex_match(line, sample_re)) << "not a Prometheus sample: " << line;
        ++samples;
    }
    EXPECT_GT(samples, 0);
    EXPECT_GT(types, 0);
    // contract §2 names what is measured: connections, messages, queue length per urgency.
    EXPECT_NE(res.body.find("connections"), std::string::npos);
    EXPECT_NE(res.body.find("messages"), std::string::npos);
    EXPECT_NE(res.body.find("urgency=\"critical\""), std::string::npos);
    // No case code in a label (the case of this test is the only one).
    EXPECT_EQ(res.body.find(s.case_code), std::string::npos);
}

TEST_F(HttpTest, StudentPageIsHtml) {
    auto res = http_request(port(), "GET", "/");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.header("content-type").rfind("text/html", 0), 0u) << res.header("content-type");
    EXPECT_FALSE(res.body.empty());
}

TEST_F(HttpTest, ConsolePageIsHtml) {
    auto res = http_request(port(), "GET", "/console/");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.header("content-type").rfind("text/html", 0), 0u) << res.header("content-type");
    EXPECT_FALSE(res.body.empty());
}

TEST_F(HttpTest, UnknownPathIs404) {
    EXPECT_EQ(http_request(port(), "GET", "/no/such/thing").status, 404);
    EXPECT_EQ(http_request(port(), "GET", "/api/v1/nothing").status, 404);
}

TEST_F(HttpTest, PathTraversalIsRefused) {
    auto res = http_request(port(), "GET", "/../../../../etc/passwd");
    EXPECT_NE(res.status, 200);
    EXPECT_EQ(res.body.find("root:"), std::string::npos);
    auto encoded = http_request(port(), "GET", "/console/%2e%2e/%2e%2e/%2e%2e/etc/passwd");
    EXPECT_EQ(encoded.body.find("root:"), std::string::npos);
}

TEST_F(HttpTest, WebSocketUpgradeOnUnknownPathIsRefused) {
    ws_client ws;
    EXPECT_TRUE(ws.try_connect(port(), "/ws/nothing")) << "upgrade on an unknown path was accepted";
}

TEST_F(HttpTest, OversizedBodyIsRefused) {
    // style.md rule 2: HTTP bodies are bounded. 4 MiB to the login endpoint is refused (a 4xx or a
    // dropped connection), and the server is unharmed.
    const std::string big(4 * 1024 * 1024, 'a');
    try {
        auto res = http_request(port(), "POST", "/api/v1/login", big);
        EXPECT_GE(res.status, 400);
        EXPECT_LT(res.status, 500);
    } catch (const std::runtime_error&) {
        SUCCEED();  // the connection was dropped
    }
    EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

TEST_F(HttpTest, MalformedLoginBodyIsNot200) {
    auto res = http_request(port(), "POST", "/api/v1/login", "{not json");
    EXPECT_GE(res.status, 400);
    EXPECT_LT(res.status, 500);
}

}  // namespace
}  // namespace tamsu::test
