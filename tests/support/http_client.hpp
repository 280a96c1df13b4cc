#pragma once
// One HTTP/1.1 request to the server under test, with a deadline, on a fresh connection.

#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace tamsu::test {

struct http_response {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names lower-cased

    std::string header(std::string_view name) const;  // "" if absent
};

// Sends `method target` to 127.0.0.1:port (a JSON body gets Content-Type: application/json).
// Throws std::runtime_error on a transport error or timeout.
http_response http_request(
    unsigned short port,
    std::string_view method,
    std::string_view target,
    std::string_view body = {},
    const std::map<std::string, std::string>& headers = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)
);

// The bytes of a gzip (RFC 1952) body, with zlib. Throws std::runtime_error on a bad or cut stream.
std::string gunzip(std::string_view gz);

// POST /api/v1/login; returns the token. Throws std::runtime_error (with status and body) unless
// the answer is 200 with a string "token".
std::string login(unsigned short port, std::string_view username, std::string_view password);

}  // namespace tamsu::test
