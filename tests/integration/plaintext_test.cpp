// contract §4: no message text, note or secret ever on disk unencrypted (database, WAL, journal,
// backups, logs), and no client IP address on disk or in the log. Every byte of every file the
// server wrote is searched for unique random markers.

#include "support/cli.hpp"
#include "support/clients.hpp"
#include "support/fixture.hpp"
#include "support/frames.hpp"
#include "support/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace tamsu::test {
namespace {

using namespace std::chrono_literals;

class PlaintextTest : public server_test {
protected:
    // Fails the test for every file under data_dir() or log_dir() that contains `needle`.
    void expect_nowhere(const std::string& needle, const std::string& what) {
        for (const auto& dir : {data_dir(), log_dir()}) {
            for (const auto& file : files_containing(dir, needle)) {
                ADD_FAILURE() << what << " found in clear in " << file.string();
            }
        }
    }
};

TEST_F(PlaintextTest, MessagesNotesAndSecretsNeverInClear) {
    const auto student_marker = "studentmarker" + random_hex(12);
    const auto reply_marker = "replymarker" + random_hex(12);
    const auto note_marker = "notemarker" + random_hex(12);
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("m1", "em muốn nói điều này: " + student_marker), 1);
    counselor_client c(port(), make_user_token("lan"));
    c.claim(s.case_code);
    ASSERT_GT(c.reply("r1", s.case_code, "cô trả lời: " + reply_marker), 1);
    // Notes are an extension (docs/protocol.md); the rule holds for them too.
    c.ws.send_json({{"type", "note"}, {"id", "n1"}, {"case", s.case_code}, {"text", "ghi chú " + note_marker}});
    (void)drain(c.ws, 500ms);

    // While running: the WAL holds the newest pages.
    expect_nowhere(student_marker, "student text");
    expect_nowhere(reply_marker, "counselor reply");
    expect_nowhere(note_marker, "note");
    expect_nowhere(s.secret, "case secret");
    expect_nowhere(normalize_code(s.secret), "case secret (no dashes)");

    ASSERT_EQ(server().terminate(), 0);
    // Sanity: the texts did reach the database (else the search below proves nothing).
    std::filesystem::path db;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir())) {
        if (entry.path().extension() == ".db") {
            db = entry.path();
        }
    }
    ASSERT_FALSE(db.empty()) << "no *.db file in the data dir";
    EXPECT_GE(std::stoi(sqlite3_query(db, "SELECT count(*) FROM messages;")), 2);
    expect_nowhere(student_marker, "student text");
    expect_nowhere(reply_marker, "counselor reply");
    expect_nowhere(note_marker, "note");
    expect_nowhere(s.secret, "case secret");
    expect_nowhere(normalize_code(s.secret), "case secret (no dashes)");
    expect_nowhere(password_for("lan"), "counselor password");
    if (!server().admin_password().empty()) {
        // Printed once on stdout by contract; it must not be in the database or the log.
        for (const auto& file : files_containing(data_dir(), server().admin_password())) {
            ADD_FAILURE() << "initial admin password in clear in " << file.string();
        }
        EXPECT_EQ(server().stderr_text().find(server().admin_password()), std::string::npos);
    }
}

// Contents of `text` with every occurrence of the server's own listen address removed: that one
// is printed by contract (`listening on 127.0.0.1:PORT`) and is not a client's address.
std::string without_listen_address(std::string text, unsigned short port) {
    const auto own = "127.0.0.1:" + std::to_string(port);
    for (auto pos = text.find(own); pos != std::string::npos; pos = text.find(own, pos)) {
        text.erase(pos, own.size());
    }
    return text;
}

TEST_F(PlaintextTest, ClientAddressNeverWritten) {
    const auto listen_port = port();
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("m1", "hello"), 1);
    student_client bad(port());
    (void)bad.resume(s.case_code, "0000-0000-0000-0000", 0);  // a failure worth logging
    counselor_client c(port(), make_user_token("lan"));
    c.claim(s.case_code);
    ASSERT_GT(c.reply("r1", s.case_code, "hi"), 1);
    (void)http_request(port(), "POST", "/api/v1/login", R"({"username":"lan","password":"wrong"})");
    (void)http_request(port(), "GET", "/no/such/page");
    (void)http_request(port(), "GET", "/healthz");
    ASSERT_EQ(server().terminate(), 0);

    for (const auto& dir : {data_dir(), log_dir()}) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
            if (!entry.is_regular_file()) {
                continue;
            }
            auto text = without_listen_address(read_file_bytes(entry.path()), listen_port);
            auto pos = text.find("127.0.0.1");
            EXPECT_EQ(pos, std::string::npos)
                << "client address in " << entry.path().string() << ": ..."
                << text.substr(pos == std::string::npos ? 0 : (pos > 80 ? pos - 80 : 0), 200) << "...";
        }
    }
}

}  // namespace
}  // namespace tamsu::test
