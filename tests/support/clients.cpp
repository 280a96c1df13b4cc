#include "support/clients.hpp"

#include "support/frames.hpp"

#include <stdexcept>

namespace tamsu::test {

namespace {

// Reads until a frame of `type` or an error frame, whichever first; an error throws.
boost::json::object answer_of(ws_client& ws, std::string_view type, std::string_view what) {
    for (;;) {
        auto frame = ws.read_frame();
        auto t = type_of(frame);
        if (t == type) {
            return frame;
        }
        if (t == "error") {
            throw std::runtime_error(std::string(what) + ": expected " + std::string(type) + ", got " + to_json(frame));
        }
        ws.seen().push_back(std::move(frame));
    }
}

}  // namespace

std::vector<boost::json::object> drain(ws_client& ws, std::chrono::milliseconds quiet) {
    std::vector<boost::json::object> out;
    try {
        while (auto f = ws.try_read_frame(quiet)) {
            out.push_back(std::move(*f));
        }
    } catch (const ws_error&) {  // closed: what arrived before is the answer
    }
    return out;
}

std::size_t count_type(const std::vector<boost::json::object>& frames, std::string_view type) {
    std::size_t n = 0;
    for (const auto& f : frames) {
        n += type_of(f) == type ? 1 : 0;
    }
    return n;
}

student_client::student_client(unsigned short port) { ws.connect(port, "/ws/student"); }

boost::json::object student_client::hello(boost::json::object extra) {
    extra["type"] = "hello";
    extra["v"] = 1;
    ws.send_json(extra);
    auto welcome = answer_of(ws, "welcome", "hello");
    case_code = get_string(welcome, "case");
    secret = get_string(welcome, "secret");
    return welcome;
}

boost::json::object student_client::resume(std::string_view code, std::string_view sec, std::int64_t since) {
    ws.send_json({{"type", "resume"}, {"v", 1}, {"case", code}, {"secret", sec}, {"since", since}});
    auto answer = ws.read_frame();
    if (type_of(answer) == "welcome") {
        case_code = std::string(code);
        secret = std::string(sec);
    }
    return answer;
}

std::int64_t student_client::send(std::string_view id, std::string_view text) {
    ws.send_json({{"type", "send"}, {"id", id}, {"text", text}});
    auto ack = answer_of(ws, "ack", "send");
    if (get_string(ack, "re") != id) {
        throw std::runtime_error("ack for another id: " + to_json(ack));
    }
    return get_int(ack, "seq");
}

counselor_client::counselor_client(unsigned short port, std::nullptr_t) { ws.connect(port, "/ws/counselor"); }

counselor_client::counselor_client(unsigned short port, std::string_view token) : counselor_client(port, nullptr) {
    ws.send_json({{"type", "auth"}, {"token", token}});
    ready = answer_of(ws, "ready", "auth");
}

boost::json::object counselor_client::duty_on() {
    ws.send_json({{"type", "duty"}, {"on", true}});
    return answer_of(ws, "queue", "duty");
}

boost::json::object counselor_client::claim(std::string_view code) {
    ws.send_json({{"type", "claim"}, {"case", code}});
    return answer_of(ws, "claimed", "claim");
}

std::int64_t counselor_client::reply(std::string_view id, std::string_view code, std::string_view text) {
    ws.send_json({{"type", "reply"}, {"id", id}, {"case", code}, {"text", text}});
    auto ack = answer_of(ws, "ack", "reply");
    if (get_string(ack, "re") != id) {
        throw std::runtime_error("ack for another id: " + to_json(ack));
    }
    return get_int(ack, "seq");
}

}  // namespace tamsu::test
