// contract §1 and §3: "ack ... sent only after the message is durably stored", and a clean stop on
// SIGTERM/SIGINT that drains in-flight writes. A crash (SIGKILL) at any moment must not lose a
// message the server has acked (style.md rule 14: re-check every ack after a crash).

#include "support/cli.hpp"
#include "support/clients.hpp"
#include "support/fixture.hpp"
#include "support/frames.hpp"
#include "support/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tamsu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class PersistenceTest : public server_test {};

// One student connection sending numbered messages without waiting for acks.
struct pipelined_student {
    explicit pipelined_student(unsigned short port, int index) : client(port), index(index) { client.hello(); }

    std::string text_of(int n) const { return "case " + std::to_string(index) + " message " + std::to_string(n) + " " + salt; }
    std::string id_of(int n) const { return "c" + std::to_string(index) + "-" + std::to_string(n); }

    // Sends message n (1-based); false if the connection is gone.
    bool send(int n) {
        auto frame = json::serialize(json::object{{"type", "send"}, {"id", id_of(n)}, {"text", text_of(n)}});
        return !client.ws.try_send_text(frame, 2s);
    }

    // Reads what has arrived (until quiet for `quiet`), recording acks. Stops at a close.
    void collect(std::chrono::milliseconds quiet) {
        for (auto& f : drain(client.ws, quiet)) {
            if (type_of(f) == "ack") {
                acks[get_string(f, "re")] = get_int(f, "seq");
            } else if (type_of(f) == "error") {
                errors.push_back(to_json(f));
            }
        }
    }

    student_client client;
    int index;
    std::string salt = random_hex(4);
    std::map<std::string, std::int64_t> acks;  // id -> seq
    std::vector<std::string> errors;
};

// After a restart: resumes the case and checks that seqs are 1..N without gaps, that N covers every
// ack, that each acked seq holds exactly the text sent with that id, and that the student's
// messages are stored in the order sent. Returns how many student messages are stored.
std::int64_t verify_case(unsigned short port, const pipelined_student& s) {
    student_client r(port);
    auto welcome = r.resume(s.client.case_code, s.client.secret, 0);
    EXPECT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    if (type_of(welcome) != "welcome") {
        return -1;
    }
    const auto last = get_int(welcome, "seq");
    std::map<std::int64_t, json::object> stored;
    for (std::int64_t i = 1; i <= last; ++i) {
        auto m = r.ws.read_until_type("message");
        EXPECT_EQ(get_int(m, "seq"), i) << "gap or disorder in case " << s.index << ": " << to_json(m);
        stored[get_int(m, "seq")] = m;
    }
    for (const auto& [id, seq] : s.acks) {
        auto it = stored.find(seq);
        EXPECT_NE(it, stored.end()) << "acked " << id << " seq " << seq << " lost (last seq " << last << ")";
        if (it != stored.end()) {
            const int n = std::stoi(id.substr(id.find('-') + 1));
            EXPECT_EQ(get_string(it->second, "text"), s.text_of(n)) << "acked " << id << " seq " << seq;
            EXPECT_EQ(get_string(it->second, "from"), "student");
        }
    }
    std::int64_t student_messages = 0;
    for (const auto& [seq, m] : stored) {
        if (get_string(m, "from") == "student") {
            ++student_messages;
            // Message n of this connection is the n-th student message stored.
            EXPECT_EQ(get_string(m, "text"), s.text_of(static_cast<int>(student_messages))) << "seq " << seq;
        }
    }
    return student_messages;
}

// The crash loop: 8 connections pipeline 25 sends each (200 in flight, no waiting for acks); as
// soon as the server has acked `kill_at` of them it is SIGKILLed, so it dies mid-stream with
// commits in progress. It restarts on the same data dir, and every ack it sent before dying is
// checked against what it stored. Repeated for early, middle and late kill points.
TEST_F(PersistenceTest, EveryAckSurvivesKill9) {
    constexpr int connections = 8;
    constexpr int per_connection = 25;  // + hello: under the per-connection burst limit (40)
    std::size_t total_acked = 0;
    for (std::size_t kill_at : {1u, 50u, 120u, 190u}) {
        SCOPED_TRACE("kill after " + std::to_string(kill_at) + " acks");
        std::vector<std::unique_ptr<pipelined_student>> students;
        for (int i = 0; i < connections; ++i) {
            students.push_back(std::make_unique<pipelined_student>(port(), i));
        }
        for (int n = 1; n <= per_connection; ++n) {
            for (auto& s : students) {
                ASSERT_TRUE(s->send(n));
            }
        }
        std::size_t acked = 0;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (acked < kill_at && std::chrono::steady_clock::now() < deadline) {
            acked = 0;
            for (auto& s : students) {
                s->collect(1ms);
                acked += s->acks.size();
            }
        }
        server().kill9();
        acked = 0;
        for (auto& s : students) {
            s->collect(500ms);  // acks already in our socket buffers count too
            acked += s->acks.size();
            EXPECT_TRUE(s->errors.empty()) << s->errors.front();
        }
        EXPECT_GE(acked, kill_at);
        total_acked += acked;
        server().start();
        for (auto& s : students) {
            SCOPED_TRACE("case " + std::to_string(s->index));
            EXPECT_GE(verify_case(port(), *s), static_cast<std::int64_t>(s->acks.size()));
        }
        if (HasFailure()) {
            break;
        }
    }
    RecordProperty("acked_before_kill", static_cast<int>(total_acked));
}

TEST_F(PersistenceTest, EveryAckSurvivesKill9AfterAllAcks) {
    constexpr int connections = 8;
    constexpr int per_connection = 25;
    std::vector<std::unique_ptr<pipelined_student>> students;
    for (int i = 0; i < connections; ++i) {
        students.push_back(std::make_unique<pipelined_student>(port(), i));
    }
    for (int n = 1; n <= per_connection; ++n) {
        for (auto& s : students) {
            ASSERT_TRUE(s->send(n));
        }
    }
    // Wait for all 200 acks, then kill at once: nothing acked may be missing afterwards.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::size_t acked = 0;
    while (acked < connections * per_connection && std::chrono::steady_clock::now() < deadline) {
        acked = 0;
        for (auto& s : students) {
            s->collect(5ms);
            acked += s->acks.size();
        }
    }
    ASSERT_EQ(acked, static_cast<std::size_t>(connections * per_connection));
    server().kill9();

    server().start();
    for (auto& s : students) {
        SCOPED_TRACE("case " + std::to_string(s->index));
        EXPECT_EQ(verify_case(port(), *s), per_connection);
    }
}

TEST_F(PersistenceTest, SigtermExitsZeroAndKeepsEveryAck) {
    constexpr int connections = 4;
    constexpr int per_connection = 25;
    std::vector<std::unique_ptr<pipelined_student>> students;
    for (int i = 0; i < connections; ++i) {
        students.push_back(std::make_unique<pipelined_student>(port(), i));
    }
    for (int n = 1; n <= per_connection; ++n) {
        for (auto& s : students) {
            if (!s->send(n)) {
                break;
            }
        }
        if (n == 10) {
            server().signal(SIGTERM);  // the rest race the shutdown
        }
    }
    for (auto& s : students) {
        s->collect(3s);
    }
    EXPECT_EQ(server().wait(30s), 0) << "tamsu serve did not exit 0 on SIGTERM";
    server().start();
    for (auto& s : students) {
        SCOPED_TRACE("case " + std::to_string(s->index));
        verify_case(port(), *s);
    }
}

TEST_F(PersistenceTest, SigintExitsZero) {
    student_client s(port());
    s.hello();
    ASSERT_EQ(s.send("a", "before the stop"), 1);
    server().signal(SIGINT);
    EXPECT_EQ(server().wait(30s), 0);
    server().start();
    student_client r(port());
    auto welcome = r.resume(s.case_code, s.secret, 0);
    ASSERT_EQ(type_of(welcome), "welcome") << to_json(welcome);
    EXPECT_GE(get_int(welcome, "seq"), 1);
    auto first = r.ws.read_until_type("message");
    EXPECT_EQ(get_int(first, "seq"), 1);
    EXPECT_EQ(get_string(first, "text"), "before the stop");
}

TEST_F(PersistenceTest, QueueIsRebuiltAfterRestart) {
    ASSERT_EQ(add_user(data_dir(), {"lan", password_for("lan"), "counselor", {}, {}}).exit_code, 0);
    student_client waiting(port());
    waiting.hello();
    ASSERT_EQ(waiting.send("a", "hello, is anyone there?"), 1);
    server().kill9();
    server().start();

    counselor_client c(port(), login(port(), "lan", password_for("lan")));
    auto queue = c.duty_on();
    bool found = false;
    for (const auto& entry : get_array(queue, "cases")) {
        const auto& e = entry.as_object();
        if (normalize_code(get_string(e, "case")) == normalize_code(waiting.case_code)) {
            found = true;
            EXPECT_EQ(get_string(e, "state"), "queued") << to_json(e);
        }
    }
    EXPECT_TRUE(found) << "queued case missing after restart: " << to_json(queue);
    // And it can be claimed and answered, with its history intact.
    c.claim(waiting.case_code);
    EXPECT_EQ(get_string(c.ws.read_until_type("message"), "text"), "hello, is anyone there?");
}

TEST_F(PersistenceTest, SecondStartPrintsNoAdminPassword) {
    const auto first = server().admin_password();
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(server().terminate(), 0);
    server().start();
    // contract §1: printed once, on the first start only.
    EXPECT_EQ(server().stdout_text().find("initial admin password"), std::string::npos) << server().stdout_text();
    // The first password still works.
    EXPECT_NO_THROW(login(port(), "admin", first));
}

}  // namespace
}  // namespace tamsu::test
