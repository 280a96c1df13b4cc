#include "server/dispatcher/dispatcher.hpp"

#include "protocol/time.hpp"
#include "server/context.hpp"
#include "server/counselor_session.hpp"
#include "server/student_session.hpp"
#include "server/triage_adapter.hpp"
#include "storage/store.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace tamsu::server {

namespace net = boost::asio;
using protocol::errc;

namespace {

std::shared_ptr<const std::string> frame_of(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

bool supervises(const dispatch::viewer& v) { return v.role == "supervisor" || v.role == "admin"; }

}  // namespace

dispatcher::dispatcher(net::any_io_executor ex, context& ctx) : strand_(net::make_strand(ex)), ctx_(ctx) {}

template <class F>
void dispatcher::on_strand(F&& f) {
    net::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
}

void dispatcher::load_blocking(const std::vector<storage::case_summary>& open_cases, std::set<std::string> schools) {
    {
        std::lock_guard lock(schools_mutex_);
        schools_ = std::move(schools);
    }
    for (const auto& s : open_cases) {
        dispatch::live_case c;
        c.id = s.id;
        c.code = s.code;
        c.school = s.school;
        c.state = static_cast<protocol::case_state>(s.state);
        c.level = static_cast<protocol::urgency>(s.level);
        c.categories = split_categories(s.categories);
        c.queued_at = s.queued_at;
        c.assigned_to = s.assigned_to;
        c.has_student_message = s.last_seq > 0;
        by_code_[c.code] = c.id;
        cases_.emplace(c.id, std::move(c));
    }
    update_queue_metrics();
}

bool dispatcher::school_known(const std::string& code) const {
    std::lock_guard lock(schools_mutex_);
    return schools_.count(code) != 0;
}

dispatch::live_case* dispatcher::find(const std::string& code) {
    auto normal = protocol::normalize_case_code(code);
    if (!normal)
        return nullptr;
    auto it = by_code_.find(*normal);
    if (it == by_code_.end())
        return nullptr;
    auto c = cases_.find(it->second);
    return c == cases_.end() ? nullptr : &c->second;
}

dispatcher::counselor_entry* dispatcher::entry_of(const counselor_session* s) {
    auto it = counselors_.find(s);
    return it == counselors_.end() ? nullptr : &it->second;
}

std::vector<const dispatch::live_case*> dispatcher::all_cases() const {
    std::vector<const dispatch::live_case*> out;
    out.reserve(cases_.size());
    for (const auto& [id, c] : cases_)
        out.push_back(&c);
    return out;
}

std::pair<dispatcher::counselor_entry*, dispatch::live_case*>
dispatcher::resolve(const std::shared_ptr<counselor_session>& s, const std::string& code, const std::string& re) {
    auto* e = entry_of(s.get());
    if (!e)
        return {nullptr, nullptr};  // the session left meanwhile: nobody to answer
    auto* c = find(code);
    // Another school's case does not exist for this counselor.
    if (!c || !dispatch::can_see(e->who, *c)) {
        s->send_error(errc::not_found, re, "no open case " + code);
        return {e, nullptr};
    }
    return {e, c};
}

bool dispatcher::may_act(const counselor_entry& e, const dispatch::live_case& c, bool holder_only) const {
    if (!dispatch::can_see(e.who, c))
        return false;
    if (c.assigned_to && *c.assigned_to == e.who.username)
        return true;
    return !holder_only || supervises(e.who);
}

// ---------------------------------------------------------------- students

void dispatcher::attach_student(std::int64_t case_id, std::shared_ptr<student_session> s) {
    on_strand([this, case_id, s = std::move(s)] { students_.emplace(case_id, s); });
}

void dispatcher::detach_student(std::int64_t case_id, const student_session* s) {
    on_strand([this, case_id, s] {
        auto [b, e] = students_.equal_range(case_id);
        for (auto it = b; it != e;) {
            auto live = it->second.lock();
            it = (!live || live.get() == s) ? students_.erase(it) : std::next(it);
        }
    });
}

void dispatcher::to_students(std::int64_t case_id, std::shared_ptr<const std::string> frame) {
    auto [b, e] = students_.equal_range(case_id);
    for (auto it = b; it != e; ++it)
        if (auto s = it->second.lock())
            s->push(frame);
}

void dispatcher::to_students_message(std::int64_t case_id, std::uint64_t seq, std::shared_ptr<const std::string> frame) {
    auto [b, e] = students_.equal_range(case_id);
    for (auto it = b; it != e; ++it)
        if (auto s = it->second.lock())
            s->push_message(seq, frame);
}

void dispatcher::status_to_students(const dispatch::live_case& c) {
    to_students(c.id, frame_of(protocol::encode(protocol::status{c.state})));
}

void dispatcher::student_message(student_msg m) {
    on_strand([this, m = std::move(m)]() mutable {
        auto it = cases_.find(m.case_id);
        if (it == cases_.end()) {
            dispatch::live_case c;
            c.id = m.case_id;
            c.code = m.code;
            c.school = m.school;
            c.level = m.level;
            by_code_[c.code] = c.id;
            it = cases_.emplace(c.id, std::move(c)).first;
        }
        auto& c = it->second;
        bool changed = !c.has_student_message || m.reopened || c.state == protocol::case_state::closed;
        c.has_student_message = true;
        if (m.reopened || c.state == protocol::case_state::closed) {
            c.state = protocol::case_state::queued;
            c.assigned_to.reset();
            c.queued_at = m.at;
        }
        if (!c.queued_at)
            c.queued_at = m.at;
        // design.md: a case's urgency is the highest of its recent messages.
        if (static_cast<int>(m.level) > static_cast<int>(c.level)) {
            c.level = m.level;
            changed = true;
        }
        for (auto& cat : m.categories)
            if (std::find(c.categories.begin(), c.categories.end(), cat) == c.categories.end()) {
                c.categories.push_back(cat);
                changed = true;
            }
        if (c.assigned_to) {
            std::string explain;
            if (!m.window.empty()) {
                std::vector<std::string> texts;
                texts.reserve(m.window.size());
                for (const auto& t : m.window)
                    texts.push_back(*t);
                explain = assess_window(ctx_.triage.get(), texts, true).explain_json;
            }
            protocol::counselor_message f{
                .case_code = protocol::display_case_code(c.code),
                .seq = m.seq,
                .from = protocol::sender::student,
                .text = *m.text,
                .level = m.level,
                .at = protocol::rfc3339(m.at),
                .author = {},
                .categories = m.categories,
                .explain_json = explain,
            };
            deliver_to_holders(c, m.seq, frame_of(protocol::encode(f)));
        }
        if (changed)
            queue_changed(c.school);
        if (!c.assigned_to && !c.told_no_one_on_duty && !anyone_on_duty(c.school)) {
            c.told_no_one_on_duty = true;
            tell_no_one_on_duty(c.id, m.lang);
        }
    });
}

bool dispatcher::anyone_on_duty(const std::string& school) const {
    for (const auto& [key, e] : counselors_)
        if (e.on_duty && (e.who.school == school || e.who.role == "admin") && !e.session.expired())
            return true;
    return false;
}

// contract v1.1 §5: a student whose case waits while nobody is on duty is told so honestly, once per
// case (the fixed client id makes the stored system message idempotent), with the 111 hotline.
void dispatcher::tell_no_one_on_duty(std::int64_t case_id, const std::string& lang) {
    std::string text;
    if (lang == "en")
        text = "No counselor is on duty right now. Your message is saved and a counselor will read it when they "
               "are back. If you are in danger now, call 111 (free, 24/7).";
    else if (lang == "zh")
        text = "现在没有辅导员值班。你的消息已保存，辅导员回来后会阅读。如果你现在有危险，请拨打111（免费，24小时）。";
    else
        text = "Hiện chưa có thầy cô tư vấn trực. Tin nhắn của bạn đã được lưu và thầy cô sẽ đọc khi quay lại. Nếu "
               "bạn đang gặp nguy hiểm, hãy gọi ngay 111 (miễn phí, 24/7).";
    auto copy = std::make_shared<const std::string>(text);
    ctx_.store->append_message(
        case_id,
        storage::sender::system,
        "system:no_one_on_duty",
        "",
        storage::plaintext(std::move(text)),
        std::nullopt,
        "",
        ctx_.now(),
        [this, self = shared_from_this(), case_id, copy](storage::result<storage::append_result> r) {
            if (!r) {
                // Not stored: let the next message of the case try again.
                on_strand([this, case_id] {
                    if (auto it = cases_.find(case_id); it != cases_.end())
                        it->second.told_no_one_on_duty = false;
                });
                return;
            }
            if (r->duplicate)
                return;
            on_strand([this, case_id, copy, seq = r->seq, at = r->at] {
                to_students_message(
                    case_id,
                    seq,
                    frame_of(protocol::encode(protocol::student_message{
                        .seq = seq,
                        .from = protocol::sender::system,
                        .text = *copy,
                        .at = protocol::rfc3339(at),
                    }))
                );
            });
        }
    );
}

// ---------------------------------------------------------------- counselors

void dispatcher::attach_counselor(std::shared_ptr<counselor_session> s, dispatch::viewer v) {
    on_strand([this, s = std::move(s), v = std::move(v)]() mutable {
        const auto* key = s.get();
        counselors_[key] = counselor_entry{s, std::move(v), false};
    });
}

void dispatcher::detach_counselor(const counselor_session* s) {
    on_strand([this, s] {
        counselors_.erase(s);
        for (auto it = replays_.begin(); it != replays_.end();)
            it = it->first.first == s ? replays_.erase(it) : std::next(it);
    });
}

void dispatcher::set_duty(std::shared_ptr<counselor_session> s, bool on) {
    on_strand([this, s = std::move(s), on] {
        auto* e = entry_of(s.get());
        if (!e)
            return;
        e->on_duty = on;
        spdlog::info("event=duty user={} on={}", e->who.username, on);
        s->send(frame_of(protocol::encode(protocol::duty_state{on})));
        if (on)
            send_queue_to(*e);  // contract §3: a queue frame now, and a new one on every change
    });
}

void dispatcher::claim(std::shared_ptr<counselor_session> s, std::string code) {
    on_strand([this, s = std::move(s), code = std::move(code)]() mutable {
        auto* e = entry_of(s.get());
        if (!e)
            return;
        auto* c = find(code);
        switch (dispatch::decide_claim(c, e->who)) {
        case dispatch::claim_outcome::not_found:
            s->send_error(errc::not_found, "", "no open case " + code);
            return;
        case dispatch::claim_outcome::closed:
            s->send_error(errc::invalid_state, "", "case " + code + " is closed");
            return;
        case dispatch::claim_outcome::forbidden:
            s->send_error(errc::forbidden, "", "not allowed");
            return;
        case dispatch::claim_outcome::conflict:
            s->send_error(errc::conflict, "", "case " + code + " is held by " + c->assigned_to.value_or("someone else"));
            return;
        case dispatch::claim_outcome::already_yours:
            s->send(frame_of(protocol::encode(protocol::claimed{protocol::display_case_code(c->code)})));
            start_replay(s, *c);
            return;
        case dispatch::claim_outcome::ok:
            do_claim(std::move(s), *c);
            return;
        }
    });
}

void dispatcher::take_next(std::shared_ptr<counselor_session> s) {
    on_strand([this, s = std::move(s)]() mutable {
        auto* e = entry_of(s.get());
        if (!e)
            return;
        const auto* next = dispatch::next_for(e->who, all_cases());
        if (!next) {
            s->send_error(errc::not_found, "", "no case is waiting");
            return;
        }
        do_claim(std::move(s), cases_.at(next->id));
    });
}

void dispatcher::do_claim(std::shared_ptr<counselor_session> s, dispatch::live_case& c) {
    auto* e = entry_of(s.get());
    if (e && c.queued_at) {
        std::chrono::duration<double> waited = ctx_.now() - *c.queued_at;
        ctx_.stats.observe_wait(std::max(0.0, waited.count()));
    }
    assign(std::move(s), c, e ? e->who.username : std::string(), "claim");
}

// The case changes hands in memory at once, so a second claim racing this one gets `conflict`; the
// counselor hears `claimed` only after the commit, and a failed commit puts the case back.
void dispatcher::assign(std::shared_ptr<counselor_session> by, dispatch::live_case& c, std::string to, const char* why) {
    auto before_state = c.state;
    auto before_holder = c.assigned_to;
    c.state = protocol::case_state::assigned;
    c.assigned_to = to;
    auto* e = entry_of(by.get());
    std::string actor = e ? e->who.username : to;
    ctx_.store->set_state(
        c.id,
        storage::case_state::assigned,
        to,
        actor,
        ctx_.now(),
        [this, self = shared_from_this(), by, id = c.id, to, before_state, before_holder, why](storage::result<std::monostate> r) mutable {
            on_strand([this, by = std::move(by), id, to = std::move(to), before_state, before_holder = std::move(before_holder), why, r = std::move(r)]() mutable {
                auto it = cases_.find(id);
                if (it == cases_.end())
                    return;
                auto& live = it->second;
                if (!r) {
                    spdlog::error("event=assign_failed case={} error={}", live.code, r.error().message());
                    if (live.assigned_to == to) {
                        live.state = before_state;
                        live.assigned_to = before_holder;
                    }
                    by->send_error(errc::unavailable, "", "could not take the case now; try again");
                    queue_changed(live.school);
                    return;
                }
                spdlog::info("event=case_assigned case={} to={} via={}", live.code, to, why);
                auto claimed = frame_of(protocol::encode(protocol::claimed{protocol::display_case_code(live.code)}));
                for (auto& [key, entry] : counselors_) {
                    if (entry.who.username != to)
                        continue;
                    if (auto s = entry.session.lock()) {
                        s->send(claimed);
                        start_replay(s, live);
                    }
                }
                status_to_students(live);
                queue_changed(live.school);
            });
        }
    );
    queue_changed(c.school);
}

void dispatcher::start_replay(const std::shared_ptr<counselor_session>& s, const dispatch::live_case& c) {
    replay_key key{s.get(), c.id};
    replays_[key] = replay_state{};
    auto code = protocol::display_case_code(c.code);
    auto level = c.level;
    ctx_.store->messages_since(
        c.id,
        0,
        [this, self = shared_from_this(), s, key, code, level](storage::result<std::vector<storage::stored_message>> r) mutable {
            // Encode on the storage thread: the plaintext never has to wait in a queue.
            std::vector<std::pair<std::uint64_t, std::shared_ptr<const std::string>>> frames;
            bool ok = static_cast<bool>(r);
            std::vector<std::string> window;
            if (ok)
                for (auto& m : *r) {
                    // The explanation is not stored (it quotes the student); recompute it here, over
                    // the same kind of window the live triage used.
                    std::string explain;
                    if (m.from == storage::sender::student) {
                        window.emplace_back(m.text.reveal());
                        if (window.size() > 10)
                            window.erase(window.begin());
                        explain = assess_window(ctx_.triage.get(), window, true).explain_json;
                    }
                    frames.emplace_back(
                        m.seq,
                        frame_of(protocol::encode(protocol::counselor_message{
                            .case_code = code,
                            .seq = m.seq,
                            .from = static_cast<protocol::sender>(m.from),
                            .text = m.text.reveal(),
                            .level = m.level ? static_cast<protocol::urgency>(*m.level) : level,
                            .at = protocol::rfc3339(m.at),
                            .author = m.author,
                            .categories = split_categories(m.categories),
                            .explain_json = explain,
                        }))
                    );
                }
            on_strand([this, s = std::move(s), key, ok, frames = std::move(frames)]() mutable {
                auto it = replays_.find(key);
                if (it == replays_.end())
                    return;  // the counselor left meanwhile
                if (!ok)
                    s->send_error(errc::unavailable, "", "could not load the conversation; claim it again");
                auto& st = it->second;
                for (auto& [seq, f] : frames) {
                    s->send(f);
                    st.sent_upto = std::max(st.sent_upto, seq);
                }
                std::sort(st.held.begin(), st.held.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
                for (auto& [seq, f] : st.held)
                    if (seq > st.sent_upto) {
                        s->send(f);
                        st.sent_upto = seq;
                    }
                st.held.clear();
                st.replaying = false;
            });
        }
    );
    ctx_.store->notes_of(c.id, [s, code](storage::result<std::vector<storage::stored_message>> r) {
        if (!r)
            return;
        for (auto& n : *r)
            s->send(frame_of(protocol::encode(protocol::note_frame{
                .case_code = code,
                .author = n.author,
                .text = n.text.reveal(),
                .at = protocol::rfc3339(n.at),
            })));
    });
}

// Nobody is opening this case's history any more (released, closed, handed on).
void dispatcher::forget_replays(std::int64_t case_id) {
    for (auto it = replays_.begin(); it != replays_.end();)
        it = it->first.second == case_id ? replays_.erase(it) : std::next(it);
}

void dispatcher::deliver_to_holders(const dispatch::live_case& c, std::uint64_t seq, std::shared_ptr<const std::string> frame) {
    if (!c.assigned_to)
        return;
    for (auto& [key, e] : counselors_) {
        if (e.who.username != *c.assigned_to)
            continue;
        auto s = e.session.lock();
        if (!s)
            continue;
        auto r = replays_.find({key, c.id});
        if (r == replays_.end())
            continue;  // this session has not opened the case (claim it to see it)
        auto& st = r->second;
        if (st.replaying) {
            st.held.emplace_back(seq, frame);
        } else if (seq > st.sent_upto) {
            st.sent_upto = seq;
            s->send(frame);
        }
    }
}

void dispatcher::release(std::shared_ptr<counselor_session> s, std::string code) {
    on_strand([this, s = std::move(s), code = std::move(code)]() mutable {
        auto [e, c] = resolve(s, code, "");
        if (!c)
            return;
        if (c->state != protocol::case_state::assigned || !may_act(*e, *c, true)) {
            s->send_error(errc::forbidden, "", "you do not hold case " + code);
            return;
        }
        auto id = c->id;
        auto actor = e->who.username;
        ctx_.store->set_state(id, storage::case_state::queued, std::nullopt, actor, ctx_.now(), [this, self = shared_from_this(), s, id, actor](storage::result<std::monostate> r) mutable {
            on_strand([this, s = std::move(s), id, actor, r = std::move(r)] {
                auto it = cases_.find(id);
                if (it == cases_.end())
                    return;
                auto& live = it->second;
                if (!r) {
                    s->send_error(errc::unavailable, "", "could not release the case now; try again");
                    return;
                }
                live.state = protocol::case_state::queued;
                live.assigned_to.reset();
                live.queued_at = ctx_.now();
                forget_replays(id);
                spdlog::info("event=case_released case={} by={}", live.code, actor);
                s->send(frame_of(protocol::encode(protocol::released{protocol::display_case_code(live.code)})));
                status_to_students(live);
                queue_changed(live.school);
            });
        });
    });
}

void dispatcher::close_case(std::shared_ptr<counselor_session> s, std::string code) {
    on_strand([this, s = std::move(s), code = std::move(code)]() mutable {
        auto [e, c] = resolve(s, code, "");
        if (!c)
            return;
        // A case nobody holds may be closed by a supervisor (spam, a test message); a held case only by
        // its holder or a supervisor.
        bool held_by_me = c->assigned_to && *c->assigned_to == e->who.username;
        if (!held_by_me && !supervises(e->who)) {
            s->send_error(errc::forbidden, "", "claim case " + code + " before closing it");
            return;
        }
        auto id = c->id;
        auto actor = e->who.username;
        ctx_.store->set_state(id, storage::case_state::closed, std::nullopt, actor, ctx_.now(), [this, self = shared_from_this(), s, id, actor](storage::result<std::monostate> r) mutable {
            on_strand([this, s = std::move(s), id, actor, r = std::move(r)] {
                auto it = cases_.find(id);
                if (it == cases_.end())
                    return;
                if (!r) {
                    s->send_error(errc::unavailable, "", "could not close the case now; try again");
                    return;
                }
                auto live = std::move(it->second);
                live.state = protocol::case_state::closed;
                live.assigned_to.reset();
                cases_.erase(it);
                by_code_.erase(live.code);
                forget_replays(id);
                spdlog::info("event=case_closed case={} by={}", live.code, actor);
                s->send(frame_of(protocol::encode(protocol::closed{protocol::display_case_code(live.code)})));
                status_to_students(live);
                queue_changed(live.school);
            });
        });
    });
}

void dispatcher::transfer(std::shared_ptr<counselor_session> s, std::string code, std::string to) {
    on_strand([this, s = std::move(s), code = std::move(code), to = std::move(to)]() mutable {
        auto [e, c] = resolve(s, code, "");
        if (!c)
            return;
        if (!may_act(*e, *c, true)) {
            s->send_error(errc::forbidden, "", "you do not hold case " + code);
            return;
        }
        // The receiver must be connected and allowed to see the case: a case handed to someone who is
        // not there would wait unseen.
        bool present = false;
        for (auto& [k, other] : counselors_)
            if (other.who.username == to && dispatch::can_see(other.who, *c) && !other.session.expired())
                present = true;
        if (!present) {
            s->send_error(errc::not_found, "", to + " is not connected to this school's console");
            return;
        }
        if (e->who.username != to)
            s->send(frame_of(protocol::encode(protocol::released{protocol::display_case_code(c->code)})));
        forget_replays(c->id);
        // Storage refuses to hand a held case to someone else (that is what stops two claims). A
        // transfer releases first; the one writer runs both requests in this order, and if the
        // release fails the assignment fails with it and is reverted in assign().
        ctx_.store->set_state(c->id, storage::case_state::queued, std::nullopt, e->who.username, ctx_.now(), [](storage::result<std::monostate>) {});
        assign(s, *c, to, "transfer");
    });
}

void dispatcher::reply(std::shared_ptr<counselor_session> s, std::string id, std::string code, std::string text) {
    on_strand([this, s = std::move(s), id = std::move(id), code = std::move(code), text = std::move(text)]() mutable {
        auto [e, c] = resolve(s, code, id);
        if (!c)
            return;
        if (!c->assigned_to || *c->assigned_to != e->who.username) {
            s->send_error(errc::forbidden, id, "claim case " + code + " before replying");
            return;
        }
        auto case_id = c->id;
        auto author = e->who.username;
        auto copy = std::make_shared<const std::string>(text);
        ctx_.store->append_message(
            case_id,
            storage::sender::counselor,
            id,
            author,
            storage::plaintext(std::move(text)),
            std::nullopt,
            "",
            ctx_.now(),
            [this, self = shared_from_this(), s, id, case_id, author, copy](storage::result<storage::append_result> r) mutable {
                on_strand([this, s = std::move(s), id = std::move(id), case_id, author = std::move(author), copy = std::move(copy), r = std::move(r)] {
                    if (!r) {
                        spdlog::error("event=reply_store_failed error={}", r.error().message());
                        s->send_error(errc::unavailable, id, "reply not stored; send it again");
                        return;
                    }
                    s->send(frame_of(protocol::encode(protocol::ack{.re = id, .seq = r->seq})));
                    if (r->duplicate)
                        return;
                    ctx_.stats.messages_counselor.fetch_add(1, std::memory_order_relaxed);
                    auto at = protocol::rfc3339(r->at);
                    // contract §3: the student gets it as a `message`, pushed as it happens.
                    to_students_message(
                        case_id,
                        r->seq,
                        frame_of(protocol::encode(protocol::student_message{
                            .seq = r->seq,
                            .from = protocol::sender::counselor,
                            .text = *copy,
                            .at = at,
                        }))
                    );
                    auto it = cases_.find(case_id);
                    if (it == cases_.end())
                        return;
                    spdlog::info("event=msg_stored case={} seq={} from=counselor by={}", it->second.code, r->seq, author);
                    deliver_to_holders(
                        it->second,
                        r->seq,
                        frame_of(protocol::encode(protocol::counselor_message{
                            .case_code = protocol::display_case_code(it->second.code),
                            .seq = r->seq,
                            .from = protocol::sender::counselor,
                            .text = *copy,
                            .level = it->second.level,
                            .at = at,
                            .author = author,
                            .categories = {},
                            .explain_json = {},
                        }))
                    );
                });
            }
        );
    });
}

void dispatcher::note(std::shared_ptr<counselor_session> s, std::string id, std::string code, std::string text) {
    on_strand([this, s = std::move(s), id = std::move(id), code = std::move(code), text = std::move(text)]() mutable {
        auto* e = entry_of(s.get());
        auto* c = find(code);
        if (!e)
            return;
        if (!c || !may_act(*e, *c, true)) {
            s->send_error(c ? errc::forbidden : errc::not_found, id, "claim case " + code + " before writing notes");
            return;
        }
        auto display = protocol::display_case_code(c->code);
        auto author = e->who.username;
        auto copy = std::make_shared<const std::string>(text);
        ctx_.store->add_note(c->id, id, author, storage::plaintext(std::move(text)), ctx_.now(), [s, id, display, author, copy](storage::result<storage::sys_time> r) {
            if (!r) {
                s->send_error(errc::unavailable, id, "note not stored; try again");
                return;
            }
            s->send(frame_of(protocol::encode(protocol::ack{.re = id, .seq = 0})));
            s->send(frame_of(protocol::encode(protocol::note_frame{
                .case_code = display,
                .author = author,
                .text = *copy,
                .at = protocol::rfc3339(*r),
            })));
        });
    });
}

void dispatcher::set_level(std::shared_ptr<counselor_session> s, std::string code, protocol::urgency level, std::string reason) {
    on_strand([this, s = std::move(s), code = std::move(code), level, reason = std::move(reason)]() mutable {
        auto [e, c] = resolve(s, code, "");
        if (!c)
            return;
        auto id = c->id;
        auto actor = e->who.username;
        ctx_.store->set_urgency(id, static_cast<storage::urgency>(level), actor, storage::plaintext(std::move(reason)), ctx_.now(), [this, self = shared_from_this(), s, id, level, actor](storage::result<std::monostate> r) mutable {
            on_strand([this, s = std::move(s), id, level, actor, r = std::move(r)] {
                auto it = cases_.find(id);
                if (it == cases_.end())
                    return;
                if (!r) {
                    s->send_error(errc::unavailable, "", "level not changed; try again");
                    return;
                }
                auto& live = it->second;
                live.level = level;
                spdlog::info("event=level_changed case={} level={} by={}", live.code, protocol::to_string(level), actor);
                auto f = frame_of(protocol::encode(protocol::level_changed{protocol::display_case_code(live.code), level, actor}));
                for (auto& [k, other] : counselors_)
                    if (dispatch::can_see(other.who, live))
                        if (auto os = other.session.lock())
                            os->send(f);
                queue_changed(live.school);
            });
        });
    });
}

void dispatcher::escalate(std::shared_ptr<counselor_session> s, std::string code, std::string reason) {
    on_strand([this, s = std::move(s), code = std::move(code), reason = std::move(reason)]() mutable {
        auto [e, c] = resolve(s, code, "");
        if (!c)
            return;
        auto id = c->id;
        auto actor = e->who.username;
        ctx_.store->open_escalation(id, actor, storage::plaintext(std::move(reason)), ctx_.now(), [this, self = shared_from_this(), s, id, actor](storage::result<std::string> r) mutable {
            on_strand([this, s = std::move(s), id, actor, r = std::move(r)] {
                auto it = cases_.find(id);
                if (it == cases_.end())
                    return;
                auto& live = it->second;
                if (!r) {
                    spdlog::error("event=escalation_failed case={} error={}", live.code, r.error().message());
                    s->send_error(errc::unavailable, "", "escalation not recorded; try again, and call 111 now if the child is in danger");
                    return;
                }
                ctx_.stats.escalations.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("event=escalation_opened case={} escalation={} by={}", live.code, *r, actor);
                s->send(frame_of(protocol::encode(protocol::escalated{protocol::display_case_code(live.code), *r})));
                // contract v1.1 §6: the student sees the hotlines at once.
                auto [b, en] = students_.equal_range(id);
                for (auto sit = b; sit != en; ++sit)
                    if (auto st = sit->second.lock())
                        st->push(make_safety_frame(ctx_.settings, st->lang()));
            });
        });
    });
}

// ---------------------------------------------------------------- queue frames

void dispatcher::queue_changed(const std::string& school) {
    dirty_schools_.insert(school);
    if (flush_posted_)
        return;
    // Coalesce: many changes in one burst (a restart, a class writing at once) send one snapshot.
    flush_posted_ = true;
    net::post(strand_, [self = shared_from_this()] { self->flush_queues(); });
}

void dispatcher::flush_queues() {
    flush_posted_ = false;
    auto dirty = std::move(dirty_schools_);
    dirty_schools_.clear();
    update_queue_metrics();
    for (auto& [key, e] : counselors_)
        if (e.on_duty && (e.who.role == "admin" || dirty.count(e.who.school)))
            send_queue_to(e);
}

void dispatcher::send_queue_to(counselor_entry& e) {
    auto s = e.session.lock();
    if (!s)
        return;
    auto ordered = dispatch::queue_for(e.who, all_cases());
    s->send(frame_of(protocol::encode(dispatch::queue_frame(ordered, ctx_.now()))));
}

void dispatcher::update_queue_metrics() {
    std::array<std::int64_t, 4> counts{};
    for (const auto& [id, c] : cases_)
        if (dispatch::in_queue(c) && c.state == protocol::case_state::queued)
            ++counts[static_cast<std::size_t>(c.level) & 3];
    for (std::size_t i = 0; i < counts.size(); ++i)
        ctx_.stats.queue_length[i].store(counts[i], std::memory_order_relaxed);
}

}  // namespace tamsu::server
