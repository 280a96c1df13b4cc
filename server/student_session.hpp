#pragma once
// One student WebSocket (contract §3, /ws/student): hello or resume binds it to a case; send stores a
// message (triaged first, then encrypted) and acks only after the commit. Everything runs on the
// session's strand; storage callbacks come back to it through post.

#include "protocol/frames.hpp"
#include "server/triage/triage.hpp"
#include "server/ws_session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tamsu::server {

// The safety frame (contract §3) in the student's language; also sent when a counselor escalates.
std::shared_ptr<const std::string> make_safety_frame(const session_settings& s, const std::string& lang);

class student_session : public ws_session {
public:
    using ws_session::ws_session;

    // Thread-safe (the dispatcher calls them): live frames for this student's case. A message frame
    // carries its seq so a resume's replay and live pushes never show a message twice.
    void push_message(std::uint64_t seq, std::shared_ptr<const std::string> frame);
    void push(std::shared_ptr<const std::string> frame) { send(std::move(frame)); }
    // Set before the session is attached to the dispatcher and never changed after, so the
    // dispatcher's strand may read it.
    const std::string& lang() const { return lang_; }

private:
    void on_text(std::string text) override;
    void on_closed() override;

    void on_hello(protocol::hello h);
    void on_resume(std::string case_code, std::string secret, std::uint64_t since);
    void on_send(std::string id, std::string text);
    void bind(std::int64_t case_id, std::string code, std::string school);
    void finish_replay(std::uint64_t upto);
    void deliver(std::uint64_t seq, std::shared_ptr<const std::string> frame);

    std::shared_ptr<student_session> self() { return std::static_pointer_cast<student_session>(shared_from_this()); }

    enum class phase { unbound, binding, bound } phase_ = phase::unbound;
    std::int64_t case_id_ = 0;
    std::string case_code_;  // normalised
    std::string school_;
    std::string lang_ = "vi";
    // During a resume's replay, live pushes wait here so the student sees seq order.
    bool replaying_ = false;
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const std::string>>> held_;
    std::uint64_t sent_upto_ = 0;
    std::size_t in_flight_ = 0;
    // The session window of the triage (lexicon doc §1 step 0): this connection's recent sends, kept
    // tokenised so that each send is read once.
    triage::send_window window_;
    bool safety_sent_ = false;
    std::string remote_key_;  // the peer address, in memory only, for the resume limiter
};

}  // namespace tamsu::server
