#pragma once
// The dispatcher's pure core (style rule 4): which cases a counselor sees, in what order, and what a
// claim does. No sockets, no clock: `now` comes in. Exhaustively unit-tested in
// tests/unit/server/queue_core_test.cpp.

#include "protocol/frames.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tamsu::server::dispatch {

using sys_time = std::chrono::system_clock::time_point;

struct live_case {
    std::int64_t id = 0;
    std::string code;  // normalised (no dash)
    std::string school;
    protocol::case_state state = protocol::case_state::queued;
    protocol::urgency level = protocol::urgency::normal;
    std::vector<std::string> categories;
    // When the case last entered the queue (first student message, release, reopen); the
    // "longest waiting" of contract §3 counts from here.
    std::optional<sys_time> queued_at;
    std::optional<std::string> assigned_to;
    bool has_student_message = false;
    // The out-of-hours notice is stored once per case (idempotent by its client id); remembering it
    // here spares the writer a duplicate write for every later message of a night.
    bool told_no_one_on_duty = false;
};

struct viewer {
    std::string username;
    std::string role;  // counselor | supervisor | admin
    std::string school;
};

// contract v1.1 §5: an admin sees every school; everyone else only their own.
bool can_see(const viewer& v, const live_case& c);

// A case is in the queue once a student has written and until it is closed.
bool in_queue(const live_case& c);

// contract §3: urgency first (critical, high, normal, low), then longest waiting. Ties by case id so
// the order is stable between two snapshots.
bool queue_before(const live_case& a, const live_case& b);

std::int64_t waiting_seconds(const live_case& c, sys_time now);

// The cases v sees, ordered.
std::vector<const live_case*> queue_for(const viewer& v, const std::vector<const live_case*>& all);

protocol::queue queue_frame(const std::vector<const live_case*>& ordered, sys_time now);

enum class claim_outcome { ok, already_yours, conflict, not_found, closed, forbidden };
claim_outcome decide_claim(const live_case* c, const viewer& v);

// "take next": the first unassigned case of v's queue.
const live_case* next_for(const viewer& v, const std::vector<const live_case*>& all);

}  // namespace tamsu::server::dispatch
