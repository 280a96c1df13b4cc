#include "server/dispatcher/queue_core.hpp"

#include <gtest/gtest.h>

namespace tamsu::server::dispatch {
namespace {

using protocol::case_state;
using protocol::urgency;
using namespace std::chrono_literals;

const sys_time t0 = sys_time{} + 1000h;

live_case make(std::int64_t id, urgency level, sys_time queued, std::string school = "default") {
    live_case c;
    c.id = id;
    c.code = "CASE000" + std::to_string(id);
    c.school = std::move(school);
    c.level = level;
    c.queued_at = queued;
    c.has_student_message = true;
    return c;
}

std::vector<std::int64_t> ids(const std::vector<const live_case*>& v) {
    std::vector<std::int64_t> out;
    for (const auto* c : v)
        out.push_back(c->id);
    return out;
}

const viewer counselor{"lan", "counselor", "default"};

TEST(QueueCore, OrdersByUrgencyThenLongestWaiting) {
    std::vector<live_case> cases = {
        make(1, urgency::low, t0),
        make(2, urgency::normal, t0 + 5s),
        make(3, urgency::critical, t0 + 60s),
        make(4, urgency::high, t0 + 1s),
        make(5, urgency::normal, t0 + 1s),
        make(6, urgency::critical, t0 + 30s),
        make(7, urgency::high, t0),
    };
    std::vector<const live_case*> all;
    for (auto& c : cases)
        all.push_back(&c);
    EXPECT_EQ(ids(queue_for(counselor, all)), (std::vector<std::int64_t>{6, 3, 7, 4, 5, 2, 1}));
}

TEST(QueueCore, EqualTimesAreOrderedByIdSoSnapshotsAreStable) {
    std::vector<live_case> cases = {make(9, urgency::normal, t0), make(2, urgency::normal, t0)};
    std::vector<const live_case*> all{&cases[0], &cases[1]};
    EXPECT_EQ(ids(queue_for(counselor, all)), (std::vector<std::int64_t>{2, 9}));
}

TEST(QueueCore, LeavesOutCasesWithoutMessagesClosedCasesAndOtherSchools) {
    std::vector<live_case> cases = {
        make(1, urgency::normal, t0),
        make(2, urgency::critical, t0, "other"),
        make(3, urgency::normal, t0),
        make(4, urgency::high, t0),
    };
    cases[2].has_student_message = false;
    cases[3].state = case_state::closed;
    std::vector<const live_case*> all;
    for (auto& c : cases)
        all.push_back(&c);
    EXPECT_EQ(ids(queue_for(counselor, all)), (std::vector<std::int64_t>{1}));
    viewer admin{"root", "admin", "default"};
    EXPECT_EQ(ids(queue_for(admin, all)), (std::vector<std::int64_t>{2, 1}));
}

TEST(QueueCore, AssignedCasesStayInTheQueueWithTheirHolder) {
    std::vector<live_case> cases = {make(1, urgency::normal, t0), make(2, urgency::high, t0 + 10s)};
    cases[1].state = case_state::assigned;
    cases[1].assigned_to = "lan";
    std::vector<const live_case*> all{&cases[0], &cases[1]};
    auto frame = queue_frame(queue_for(counselor, all), t0 + 70s);
    ASSERT_EQ(frame.cases.size(), 2u);
    EXPECT_EQ(frame.cases[0].state, case_state::assigned);
    EXPECT_EQ(frame.cases[0].assigned_to, std::optional<std::string>("lan"));
    EXPECT_EQ(frame.cases[0].waiting_s, 60);
    EXPECT_EQ(frame.cases[1].waiting_s, 70);
    EXPECT_EQ(frame.cases[1].case_code, "CASE-0001");
}

TEST(QueueCore, WaitingIsNeverNegative) {
    auto c = make(1, urgency::normal, t0 + 10s);
    EXPECT_EQ(waiting_seconds(c, t0), 0);
    c.queued_at.reset();
    EXPECT_EQ(waiting_seconds(c, t0), 0);
}

TEST(QueueCore, ClaimDecisions) {
    auto c = make(1, urgency::normal, t0);
    EXPECT_EQ(decide_claim(nullptr, counselor), claim_outcome::not_found);
    EXPECT_EQ(decide_claim(&c, counselor), claim_outcome::ok);
    c.state = case_state::assigned;
    c.assigned_to = "lan";
    EXPECT_EQ(decide_claim(&c, counselor), claim_outcome::already_yours);
    EXPECT_EQ(decide_claim(&c, viewer{"minh", "counselor", "default"}), claim_outcome::conflict);
    c.state = case_state::closed;
    EXPECT_EQ(decide_claim(&c, counselor), claim_outcome::closed);
    auto other = make(2, urgency::critical, t0, "other");
    EXPECT_EQ(decide_claim(&other, counselor), claim_outcome::not_found);
}

TEST(QueueCore, TakeNextSkipsAssignedCases) {
    std::vector<live_case> cases = {make(1, urgency::critical, t0), make(2, urgency::high, t0)};
    cases[0].state = case_state::assigned;
    cases[0].assigned_to = "minh";
    std::vector<const live_case*> all{&cases[0], &cases[1]};
    const auto* next = next_for(counselor, all);
    ASSERT_NE(next, nullptr);
    EXPECT_EQ(next->id, 2);
    cases[1].state = case_state::assigned;
    EXPECT_EQ(next_for(counselor, all), nullptr);
}

}  // namespace
}  // namespace tamsu::server::dispatch
