#pragma once
// The two kinds of WebSocket client from contract §3, as thin wrappers over ws_client that know
// the happy-path frame sequences. Anything unusual is done on `.ws` directly.
//
// Every helper throws (ws_error or std::runtime_error, showing the frames) when the server does
// not answer as the contract says; GoogleTest reports that as a failure of the calling test.

#include "support/ws_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::test {

// Every frame that arrives until the connection has been quiet for `quiet` (or closes).
std::vector<boost::json::object> drain(ws_client& ws, std::chrono::milliseconds quiet = std::chrono::milliseconds(300));

// How many of `frames` have this "type".
std::size_t count_type(const std::vector<boost::json::object>& frames, std::string_view type);

class student_client {
public:
    // Connects to /ws/student without saying hello.
    explicit student_client(unsigned short port);

    // Sends hello (plus `extra` fields) and expects welcome; fills case_code/secret. Returns it.
    boost::json::object hello(boost::json::object extra = {});

    // Sends resume and returns the first answer (welcome or error) without checking it.
    boost::json::object resume(std::string_view case_code, std::string_view secret, std::int64_t since);

    // Sends {"type":"send","id","text"} and returns the ack's seq (frames on the way -> ws.seen()).
    std::int64_t send(std::string_view id, std::string_view text);

    ws_client ws;
    std::string case_code;
    std::string secret;
};

class counselor_client {
public:
    // Connects to /ws/counselor and authenticates; expects ready.
    counselor_client(unsigned short port, std::string_view token);

    // Connects without authenticating.
    counselor_client(unsigned short port, std::nullptr_t);

    // {"type":"duty","on":true} and returns the first queue frame.
    boost::json::object duty_on();

    // {"type":"claim","case"} and returns the claimed frame (messages follow; read them from ws).
    boost::json::object claim(std::string_view case_code);

    // {"type":"reply","id","case","text"} and returns the ack's seq.
    std::int64_t reply(std::string_view id, std::string_view case_code, std::string_view text);

    boost::json::object ready;
    ws_client ws;
};

}  // namespace tamsu::test
