// contract §1: the executable's subcommands, exit codes and option sources.

#include "support/cli.hpp"
#include "support/clients.hpp"
#include "support/fixture.hpp"
#include "support/frames.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace tamsu::test {
namespace {

namespace json = boost::json;

std::size_t line_count(const std::string& text) {
    auto n = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    return n + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

TEST(Cli, VersionExitsZero) {
    auto r = run_tamsu({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("tamsu"), std::string::npos) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\d+\.\d+\.\d+)"))) << r.out;
}

TEST(Cli, HelpExitsZero) {
    for (const std::vector<std::string>& args : {
             std::vector<std::string>{"--help"},
             {"serve", "--help"},
             {"user", "add", "--help"},
             {"backup", "--help"},
             {"triage", "--help"},
         }) {
        auto r = run_tamsu(args);
        EXPECT_EQ(r.exit_code, 0) << args.front() << ": " << r.err;
        EXPECT_FALSE(r.out.empty()) << args.front();
    }
}

TEST(Cli, BadArgumentsExit2WithOneLineOnStderr) {
    temp_dir dir;
    const auto data = dir.file("data").string();
    for (const std::vector<std::string>& args : {
             std::vector<std::string>{},
             {"--no-such-option"},
             {"frobnicate"},
             {"serve", "--no-such-option"},
             {"serve", "--listen"},
             {"serve", "--listen", "not-an-address"},
             {"user", "add", "--data-dir", data},
             {"user", "add", "--data-dir", data, "--username", "x", "--role", "janitor"},
             {"backup", "--data-dir", data},
             {"triage", "--bogus"},
         }) {
        std::string joined;
        for (const auto& a : args) {
            joined += a + " ";
        }
        SCOPED_TRACE("tamsu " + joined);
        run_options options;
        options.stdin_text = "password-on-stdin\n";
        options.timeout = std::chrono::seconds(10);
        auto r = run_tamsu(args, options);
        EXPECT_EQ(r.exit_code, 2) << "stderr: " << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << "stderr: " << r.err;
    }
}

// School IT runs `tamsu triage --check` after editing a lexicon, before restarting the server.
TEST(Cli, TriageCheckPassesTheShippedLexiconAndNamesTheLineOfABrokenOne) {
    auto good = run_tamsu({"triage", "--check", "--lexicon-dir", TAMSU_SHIPPED_LEXICON_DIR});
    EXPECT_EQ(good.exit_code, 0) << good.err;
    EXPECT_FALSE(good.out.empty());

    temp_dir dir;
    const auto edited = dir.file("lexicon");
    std::filesystem::copy(TAMSU_SHIPPED_LEXICON_DIR, edited);
    const auto vi = edited / "vi.tsv";
    const auto lines_before = line_count(read_file_bytes(vi));
    {
        std::ofstream out(vi, std::ios::app);
        out << "\nmột cụm từ\tno-such-level\n";  // a typo an editor could make
    }
    auto bad = run_tamsu({"triage", "--check", "--lexicon-dir", edited.string()});
    EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
    EXPECT_NE(bad.err.find("vi.tsv:" + std::to_string(lines_before + 2)), std::string::npos) << bad.err;

    // serve refuses the same folder rather than pretend to triage.
    auto serve = run_tamsu(
        {"serve", "--data-dir", dir.file("data").string(), "--listen", "127.0.0.1:0", "--lexicon-dir", edited.string()}
    );
    EXPECT_NE(serve.exit_code, 0);
    EXPECT_NE(serve.err.find("vi.tsv:"), std::string::npos) << serve.err;
}

TEST(Cli, TriageWritesOneJsonObjectPerLine) {
    run_options options;
    options.stdin_text = "hôm nay em đi học vui lắm\nI want to kill myself\nbài tập toán khó quá\n";
    auto r = run_tamsu({"triage"}, options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::vector<json::object> results;
    for (std::string line; std::getline(lines, line);) {
        auto v = json::parse(line);
        ASSERT_TRUE(v.is_object()) << line;
        results.push_back(v.as_object());
    }
    ASSERT_EQ(results.size(), 3u) << r.out;
    static const std::regex level_re("^(critical|high|normal|low)$");
    for (const auto& o : results) {
        EXPECT_TRUE(std::regex_match(get_string(o, "level"), level_re)) << to_json(o);
        EXPECT_TRUE(o.contains("score") && o.at("score").is_number()) << to_json(o);
        EXPECT_NO_THROW(get_array(o, "categories")) << to_json(o);
    }
    EXPECT_EQ(get_string(results[1], "level"), "critical") << to_json(results[1]);
}

class CliWithServerTest : public server_test {};

TEST_F(CliWithServerTest, DataDirIsPrivate) {
    struct stat st {};
    ASSERT_EQ(::stat(data_dir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << std::oct << (st.st_mode & 0777);
    // contract §1: the master key file is 0600; whatever its name, no file is readable by others.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir())) {
        if (entry.is_regular_file() && entry.path().filename().string().find("key") != std::string::npos) {
            ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
            EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path() << " " << std::oct << (st.st_mode & 0777);
        }
    }
}

TEST_F(CliWithServerTest, UserAddWorksWhileServing) {
    auto r = add_user(data_dir(), {"lan", password_for("lan"), "supervisor", "Cô Lan", {}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NO_THROW(login(port(), "lan", password_for("lan")));
    // The password came from stdin's first line only.
    EXPECT_THROW(login(port(), "lan", password_for("lan") + "\n"), std::runtime_error);
}

TEST_F(CliWithServerTest, UserAddTwiceFails) {
    ASSERT_EQ(add_user(data_dir(), {"lan", password_for("lan"), "counselor", {}, {}}).exit_code, 0);
    auto again = add_user(data_dir(), {"lan", "another-password-123", "counselor", {}, {}});
    EXPECT_NE(again.exit_code, 0);
    EXPECT_NO_THROW(login(port(), "lan", password_for("lan")));
}

TEST_F(CliWithServerTest, BackupWhileServingIsCompleteAndEncrypted) {
    const auto marker = "backupmarker" + random_hex(12);
    student_client s(port());
    s.hello();
    std::int64_t last = 0;
    for (int i = 1; i <= 10; ++i) {
        auto seq = s.send("m" + std::to_string(i), "tin nhắn " + std::to_string(i) + " " + marker);
        ASSERT_GT(seq, last);
        last = seq;
    }
    // How many messages the case holds (a system message may have joined the student's ten).
    student_client reader(port());
    auto welcome = reader.resume(s.case_code, s.secret, last);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    const auto stored = get_int(welcome, "seq");
    const auto backup = dir_.file("backup.db");
    auto r = run_tamsu({"backup", "--data-dir", data_dir().string(), "--to", backup.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(std::filesystem::exists(backup));
    EXPECT_EQ(sqlite3_query(backup, "PRAGMA integrity_check;"), "ok");
    EXPECT_EQ(sqlite3_query(backup, "SELECT count(*) FROM messages;"), std::to_string(stored));
    EXPECT_EQ(read_file_bytes(backup).find(marker), std::string::npos) << "message text in clear in the backup";
    // The server is still fine after the backup.
    EXPECT_GT(s.send("m11", "after the backup"), stored);
}

TEST_F(CliWithServerTest, EnvironmentSuppliesOptionsAndCommandLineWins) {
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("m1", "hello"), 1);
    // TAMSU_DATA_DIR alone.
    run_options from_env;
    from_env.env = {{"TAMSU_DATA_DIR", data_dir().string()}};
    auto a = run_tamsu({"backup", "--to", dir_.file("env.db").string()}, from_env);
    EXPECT_EQ(a.exit_code, 0) << a.err;
    EXPECT_GE(std::stoi(sqlite3_query(dir_.file("env.db"), "SELECT count(*) FROM messages;")), 1);
    // The command line wins over a wrong environment.
    run_options wrong_env;
    wrong_env.env = {{"TAMSU_DATA_DIR", dir_.file("does-not-exist").string()}};
    auto b = run_tamsu({"backup", "--data-dir", data_dir().string(), "--to", dir_.file("cli.db").string()}, wrong_env);
    EXPECT_EQ(b.exit_code, 0) << b.err;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("does-not-exist")));
}

}  // namespace
}  // namespace tamsu::test
