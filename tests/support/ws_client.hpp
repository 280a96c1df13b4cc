#pragma once
// A synchronous WebSocket test client over Boost.Beast with a deadline on every call.
//
// Each call runs a private io_context until its operation finishes or its deadline passes. A read
// that times out is NOT cancelled: it stays pending and the next read call continues it, so
// "nothing arrived within 200 ms" leaves the client usable. Writes run on the same io_context, so
// a pending read may complete (and be kept) while a write runs; Beast allows one read and one
// write in flight, which is exactly what this does.
//
// Frames are JSON objects (contract §3); a frame that is not a JSON object makes read_frame throw,
// with the raw text in the message.
//
// Thread safety: one test thread owns it.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::test {

inline constexpr std::chrono::milliseconds default_timeout{10'000};

// Thrown when a call cannot do what it promised: timeout, closed connection, not JSON.
class ws_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Close code meaning "the TCP connection ended without a close frame" (RFC 6455 §7.1.5).
inline constexpr int close_code_abnormal = 1006;

class ws_client {
public:
    ws_client();
    ~ws_client();

    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // TCP connect to 127.0.0.1:port and the WebSocket upgrade on `path`. Throws ws_error.
    void connect(unsigned short port, std::string_view path, std::chrono::milliseconds timeout = default_timeout);

    // As connect, returning the error instead (e.g. a refused upgrade: beast http error).
    boost::system::error_code
    try_connect(unsigned short port, std::string_view path, std::chrono::milliseconds timeout = default_timeout);

    // One text frame with this JSON. Throws ws_error if the write fails.
    void send_json(const boost::json::value& frame, std::chrono::milliseconds timeout = default_timeout);

    // One text frame with these exact bytes (they need not be JSON, nor even valid UTF-8).
    void send_text(std::string_view text, std::chrono::milliseconds timeout = default_timeout);

    // As send_text, returning the error instead of throwing (the server may close mid-write).
    boost::system::error_code
    try_send_text(std::string_view text, std::chrono::milliseconds timeout = default_timeout);

    // One binary frame.
    boost::system::error_code
    try_send_binary(std::string_view bytes, std::chrono::milliseconds timeout = default_timeout);

    // The next frame, parsed. Throws ws_error on timeout, close or a frame that is not an object.
    boost::json::object read_frame(std::chrono::milliseconds timeout = default_timeout);

    // The next frame, or nullopt if none arrived in time (the read stays pending). Throws ws_error
    // on close or a frame that is not a JSON object.
    std::optional<boost::json::object> try_read_frame(std::chrono::milliseconds timeout);

    // Reads until a frame with "type" == type arrives and returns it; every other frame read on
    // the way is appended to seen(). Throws ws_error on timeout or close (with the frames seen).
    boost::json::object read_until_type(std::string_view type, std::chrono::milliseconds timeout = default_timeout);

    // Reads until the connection closes and returns the close code (close_code_abnormal if the
    // TCP connection just ended). Frames read on the way are appended to seen(). Throws ws_error
    // if it is still open at the deadline.
    int expect_closed(std::chrono::milliseconds timeout = default_timeout);

    // Frames that read_until_type / expect_closed passed over, oldest first.
    std::vector<boost::json::object>& seen() noexcept { return seen_; }

    // Frames of `type` among seen().
    std::vector<boost::json::object> seen_of_type(std::string_view type) const;

    // Sends a normal close and waits briefly for the server's; never throws.
    void close() noexcept;

    // Drops the TCP connection without a close handshake.
    void drop() noexcept;

    bool is_open() const noexcept;

    // After a close: the close frame's reason, or the transport error that ended the connection.
    const std::string& close_reason() const noexcept { return close_reason_; }

private:
    enum class read_outcome { frame, timeout, closed };
    read_outcome read_raw(std::chrono::milliseconds timeout, std::string& text);
    boost::system::error_code run_write(std::string_view data, bool binary, std::chrono::milliseconds timeout);
    boost::json::object parse_object(const std::string& text) const;
    [[noreturn]] void throw_closed(std::string_view what) const;

    boost::asio::io_context ioc_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    bool read_pending_ = false;
    bool read_done_ = false;
    boost::system::error_code read_ec_;
    bool closed_ = false;
    int close_code_ = 0;
    std::string close_reason_;
    std::vector<boost::json::object> seen_;
};

}  // namespace tamsu::test
