#pragma once
// The live queue, who is on duty, who holds which case (design.md "Dispatcher"). All state lives on one
// strand (style rule 3); the public functions are thread-safe because each only posts to it. Sessions
// are held by weak_ptr and reached through their thread-safe send(). Decisions come from the pure core
// in queue_core.hpp; this file is the shell that talks to storage and sessions.

#include "protocol/frames.hpp"
#include "server/dispatcher/queue_core.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace tamsu::storage {
struct case_summary;
}

namespace tamsu::server {

struct context;
class student_session;
class counselor_session;

class dispatcher : public std::enable_shared_from_this<dispatcher> {
public:
    struct student_msg {
        std::int64_t case_id = 0;
        std::string code;
        std::string school;
        std::uint64_t seq = 0;
        dispatch::sys_time at;
        protocol::urgency level = protocol::urgency::normal;
        std::vector<std::string> categories;
        // The triage window of this send: the explanation is built from it only if a counselor holds
        // the case (it costs more than the level and quotes the student, so never ahead of need).
        std::vector<std::shared_ptr<const std::string>> window;
        std::shared_ptr<const std::string> text;  // the student's words, for the counselor who holds the case
        protocol::case_state state = protocol::case_state::queued;
        bool reopened = false;
        std::string lang = "vi";
    };

    // ctx outlives the dispatcher (both belong to the running server).
    dispatcher(boost::asio::any_io_executor ex, context& ctx);

    // Start-up, before the listener accepts: rebuild the queue from the database (contract: the
    // queue survives a restart).
    void load_blocking(const std::vector<storage::case_summary>& open_cases, std::set<std::string> schools);
    bool school_known(const std::string& code) const;  // thread-safe

    // students
    void attach_student(std::int64_t case_id, std::shared_ptr<student_session> s);
    void detach_student(std::int64_t case_id, const student_session* s);
    void student_message(student_msg m);  // after its commit

    // counselors: every call answers on the session (a frame or an error)
    void attach_counselor(std::shared_ptr<counselor_session> s, dispatch::viewer v);
    void detach_counselor(const counselor_session* s);
    void set_duty(std::shared_ptr<counselor_session> s, bool on);
    void claim(std::shared_ptr<counselor_session> s, std::string code);
    void take_next(std::shared_ptr<counselor_session> s);
    void release(std::shared_ptr<counselor_session> s, std::string code);
    void close_case(std::shared_ptr<counselor_session> s, std::string code);
    void transfer(std::shared_ptr<counselor_session> s, std::string code, std::string to);
    void reply(std::shared_ptr<counselor_session> s, std::string id, std::string code, std::string text);
    void note(std::shared_ptr<counselor_session> s, std::string id, std::string code, std::string text);
    void set_level(std::shared_ptr<counselor_session> s, std::string code, protocol::urgency level, std::string reason);
    void escalate(std::shared_ptr<counselor_session> s, std::string code, std::string reason);

private:
    struct counselor_entry {
        std::weak_ptr<counselor_session> session;
        dispatch::viewer who;
        bool on_duty = false;
    };
    // While a claim's history is being read, live messages for that counselor wait here, so the
    // conversation arrives in seq order and once.
    struct replay_state {
        std::uint64_t sent_upto = 0;
        bool replaying = true;
        std::vector<std::pair<std::uint64_t, std::shared_ptr<const std::string>>> held;
    };
    using replay_key = std::pair<const counselor_session*, std::int64_t>;

    template <class F>
    void on_strand(F&& f);

    dispatch::live_case* find(const std::string& code);
    counselor_entry* entry_of(const counselor_session* s);
    // The counselor's entry and the case they name; the case is null (and not_found answered) when
    // it does not exist or is not theirs to see.
    std::pair<counselor_entry*, dispatch::live_case*>
    resolve(const std::shared_ptr<counselor_session>& s, const std::string& code, const std::string& re);
    std::vector<const dispatch::live_case*> all_cases() const;
    bool may_act(const counselor_entry& e, const dispatch::live_case& c, bool holder_only) const;

    void do_claim(std::shared_ptr<counselor_session> s, dispatch::live_case& c);
    void assign(std::shared_ptr<counselor_session> by, dispatch::live_case& c, std::string to, const char* why);
    void forget_replays(std::int64_t case_id);
    void start_replay(const std::shared_ptr<counselor_session>& s, const dispatch::live_case& c);
    void deliver_to_holders(const dispatch::live_case& c, std::uint64_t seq, std::shared_ptr<const std::string> frame);
    void to_students(std::int64_t case_id, std::shared_ptr<const std::string> frame);
    void to_students_message(std::int64_t case_id, std::uint64_t seq, std::shared_ptr<const std::string> frame);
    void status_to_students(const dispatch::live_case& c);
    void queue_changed(const std::string& school);
    void flush_queues();
    void send_queue_to(counselor_entry& e);
    void update_queue_metrics();
    bool anyone_on_duty(const std::string& school) const;
    void tell_no_one_on_duty(std::int64_t case_id, const std::string& lang);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    context& ctx_;

    mutable std::mutex schools_mutex_;  // schools_ is read from every I/O thread
    std::set<std::string> schools_;

    // Everything below: on strand_ only.
    std::unordered_map<std::int64_t, dispatch::live_case> cases_;
    std::unordered_map<std::string, std::int64_t> by_code_;
    std::unordered_multimap<std::int64_t, std::weak_ptr<student_session>> students_;
    std::unordered_map<const counselor_session*, counselor_entry> counselors_;
    std::map<replay_key, replay_state> replays_;
    std::set<std::string> dirty_schools_;
    bool flush_posted_ = false;
};

}  // namespace tamsu::server
