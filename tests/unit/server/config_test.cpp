#include "server/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace tamsu::server {
namespace {

serve_config serve(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), "serve");
    return std::get<serve_config>(parse_command_line(args, env));
}

TEST(Config, ServeDefaultsMatchTheContract) {
    auto c = serve({});
    EXPECT_EQ(c.data.data_dir, "data");
    EXPECT_EQ(c.listen_host, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_GE(c.threads, 1u);
    EXPECT_EQ(c.max_frame_rate, 20u);
}

TEST(Config, TheFrameRateLimitIsAnOption) {
    EXPECT_EQ(serve({"--max-frame-rate", "500"}).max_frame_rate, 500u);
    EXPECT_EQ(serve({}, {"TAMSU_MAX_FRAME_RATE=300"}).max_frame_rate, 300u);
    EXPECT_THROW(serve({"--max-frame-rate", "0"}), usage_error);
    EXPECT_THROW(serve({"--max-frame-rate", "fast"}), usage_error);
}

TEST(Config, CommandLineBeatsEnvironmentBeatsFile) {
    auto file = std::filesystem::temp_directory_path() / ("tamsu-config-test-" + std::to_string(::getpid()) + ".conf");
    {
        std::ofstream out(file);
        out << "# a comment\ndata-dir = /from/file\nlisten = 127.0.0.1:7001\nlog-level = debug\n";
    }
    auto c = serve({"--config", file.string()});
    EXPECT_EQ(c.data.data_dir, "/from/file");
    EXPECT_EQ(c.listen_port, 7001);
    EXPECT_EQ(c.log_level, "debug");

    c = serve({"--config", file.string()}, {"TAMSU_DATA_DIR=/from/env", "TAMSU_JOBS=2", "PATH=/bin"});
    EXPECT_EQ(c.data.data_dir, "/from/env");
    EXPECT_EQ(c.listen_port, 7001);

    c = serve({"--config", file.string(), "--data-dir", "/from/cli"}, {"TAMSU_DATA_DIR=/from/env"});
    EXPECT_EQ(c.data.data_dir, "/from/cli");

    c = serve({}, {"TAMSU_CONFIG=" + file.string()});
    EXPECT_EQ(c.data.data_dir, "/from/file");
    std::filesystem::remove(file);
}

TEST(Config, BadArgumentsAreUsageErrors) {
    auto bad = [](std::vector<std::string> args) {
        EXPECT_THROW(parse_command_line(args, {}), usage_error) << args.size();
    };
    bad({});
    bad({"frobnicate"});
    bad({"serve", "--no-such-option"});
    bad({"serve", "--listen", "nonsense"});
    bad({"serve", "--listen", "127.0.0.1:99999"});
    bad({"serve", "--threads", "many"});
    bad({"serve", "--log-level", "loud"});
    bad({"serve", "--token-ttl", "-5"});
    bad({"serve", "--config", "/no/such/file"});
    bad({"user", "add", "--data-dir", "d", "--username", "x"});
    bad({"user", "add", "--data-dir", "d", "--username", "bad name", "--role", "admin"});
    bad({"user", "remove"});
    bad({"backup", "--data-dir", "d"});
}

TEST(Config, HelpAndVersionAreText) {
    EXPECT_TRUE(std::holds_alternative<show_text>(parse_command_line({"--version"}, {})));
    EXPECT_TRUE(std::holds_alternative<show_text>(parse_command_line({"--help"}, {})));
    EXPECT_TRUE(std::holds_alternative<show_text>(parse_command_line({"serve", "--help"}, {})));
    EXPECT_TRUE(std::holds_alternative<show_text>(parse_command_line({"user", "add", "--help"}, {})));
}

TEST(Config, LocalHotlinesAddUp) {
    auto c = serve({"--hotline", "1800 1567=Tu van tam ly", "--hotline", "18001567=Other"});
    ASSERT_EQ(c.hotlines.size(), 2u);
    EXPECT_EQ(c.hotlines[0].first, "1800 1567");
    EXPECT_EQ(c.hotlines[0].second, "Tu van tam ly");
    EXPECT_THROW(serve({"--hotline", "no-equals"}), usage_error);
    EXPECT_THROW(serve({"--hotline", "abc=Name"}), usage_error);
}

TEST(Config, ListenAcceptsIpv6InBrackets) {
    auto [host, port] = parse_listen("[::1]:9000");
    EXPECT_EQ(host, "::1");
    EXPECT_EQ(port, 9000);
}

TEST(Config, UserAddTakesItsOptions) {
    auto c = std::get<user_add_config>(parse_command_line(
        {"user", "add", "--data-dir", "d", "--username", "lan", "--role", "counselor", "--school", "thcs-a"}, {}
    ));
    EXPECT_EQ(c.username, "lan");
    EXPECT_EQ(c.display_name, "lan");
    EXPECT_EQ(c.school, "thcs-a");
}

// A bare word used to be dropped without a word: `tamsu backup /srv/copy.db` then failed on a
// missing --to, and `tamsu user add lan` on a missing --username, neither naming what was wrong.
TEST(Config, ABareWordIsNamedWithTheOptionItMostLikelyMeant) {
    const auto message = [](std::vector<std::string> args) -> std::string {
        try {
            parse_command_line(args, {});
        } catch (const usage_error& e) {
            return e.what();
        }
        return "(accepted)";
    };
    EXPECT_EQ(
        message({"user", "add", "lan", "--role", "counselor"}),
        "unexpected argument 'lan'; did you mean --username lan?"
    );
    EXPECT_EQ(message({"backup", "--data-dir", "d", "/srv/copy.db"}), "unexpected argument '/srv/copy.db'; did you mean --to /srv/copy.db?");
    EXPECT_EQ(message({"serve", "extra"}), "unexpected argument 'extra'");
    EXPECT_EQ(message({"triage", "--explain", "file.txt"}), "unexpected argument 'file.txt'");
    // Values of options are not bare words.
    EXPECT_EQ(message({"backup", "--data-dir", "d", "--to", "/srv/copy.db"}), "(accepted)");
}

}  // namespace
}  // namespace tamsu::server
