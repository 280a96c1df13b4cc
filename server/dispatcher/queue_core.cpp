#include "server/dispatcher/queue_core.hpp"

#include <algorithm>

namespace tamsu::server::dispatch {

bool can_see(const viewer& v, const live_case& c) { return v.role == "admin" || v.school == c.school; }

bool in_queue(const live_case& c) { return c.has_student_message && c.state != protocol::case_state::closed; }

bool queue_before(const live_case& a, const live_case& b) {
    if (a.level != b.level)
        return static_cast<int>(a.level) > static_cast<int>(b.level);
    // A case without a queue time has not waited at all: it sorts after every waiting case.
    auto qa = a.queued_at.value_or(sys_time::max());
    auto qb = b.queued_at.value_or(sys_time::max());
    if (qa != qb)
        return qa < qb;
    return a.id < b.id;
}

std::int64_t waiting_seconds(const live_case& c, sys_time now) {
    if (!c.queued_at || now <= *c.queued_at)
        return 0;
    return std::chrono::duration_cast<std::chrono::seconds>(now - *c.queued_at).count();
}

std::vector<const live_case*> queue_for(const viewer& v, const std::vector<const live_case*>& all) {
    std::vector<const live_case*> out;
    for (const auto* c : all)
        if (in_queue(*c) && can_see(v, *c))
            out.push_back(c);
    std::sort(out.begin(), out.end(), [](const live_case* a, const live_case* b) { return queue_before(*a, *b); });
    return out;
}

protocol::queue queue_frame(const std::vector<const live_case*>& ordered, sys_time now) {
    protocol::queue q;
    q.cases.reserve(ordered.size());
    for (const auto* c : ordered) {
        q.cases.push_back(protocol::queue_entry{
            .case_code = protocol::display_case_code(c->code),
            .level = c->level,
            .state = c->state,
            .waiting_s = waiting_seconds(*c, now),
            .assigned_to = c->assigned_to,
            .categories = c->categories,
        });
    }
    return q;
}

claim_outcome decide_claim(const live_case* c, const viewer& v) {
    if (c == nullptr)
        return claim_outcome::not_found;
    if (!can_see(v, *c))
        return claim_outcome::not_found;  // another school's case does not exist for this viewer
    if (c->state == protocol::case_state::closed)
        return claim_outcome::closed;
    if (c->state == protocol::case_state::assigned) {
        if (c->assigned_to && *c->assigned_to == v.username)
            return claim_outcome::already_yours;
        return claim_outcome::conflict;
    }
    return claim_outcome::ok;
}

const live_case* next_for(const viewer& v, const std::vector<const live_case*>& all) {
    for (const auto* c : queue_for(v, all))
        if (c->state == protocol::case_state::queued)
            return c;
    return nullptr;
}

}  // namespace tamsu::server::dispatch
