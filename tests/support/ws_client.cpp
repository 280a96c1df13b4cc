#include "support/ws_client.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>

namespace tamsu::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using clock_type = std::chrono::steady_clock;

namespace {

// Runs `ioc` until done() or the deadline. Returns false on the deadline.
bool run_until(asio::io_context& ioc, const std::function<bool()>& done, clock_type::time_point deadline) {
    ioc.restart();
    while (!done()) {
        if (ioc.run_one_until(deadline) == 0) {
            if (clock_type::now() >= deadline) {
                return false;
            }
            // Defensive: the context ran out of work although the operation is not done.
            if (ioc.stopped() && !done()) {
                return false;
            }
        }
    }
    return true;
}

// Starts one operation whose handler takes an error_code, runs it to completion or the deadline;
// on the deadline cancels the socket and waits for the aborted handler (it captures the stack).
template <class Start>
boost::system::error_code
run_op(asio::io_context& ioc, beast::tcp_stream& tcp, std::chrono::milliseconds timeout, Start start) {
    bool done = false;
    boost::system::error_code result;
    start([&done, &result](boost::system::error_code ec) {
        done = true;
        result = ec;
    });
    if (!run_until(ioc, [&done] { return done; }, clock_type::now() + timeout)) {
        boost::system::error_code ignored;
        tcp.socket().cancel(ignored);
        run_until(ioc, [&done] { return done; }, clock_type::now() + std::chrono::seconds(5));
        return asio::error::timed_out;
    }
    return result;
}

}  // namespace

ws_client::ws_client() : ws_(ioc_) {}

ws_client::~ws_client() {
    drop();
    ioc_.restart();
    ioc_.poll();  // let aborted handlers run while *this is still alive
}

boost::system::error_code
ws_client::try_connect(unsigned short port, std::string_view path, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    auto left = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    };
    auto& tcp = beast::get_lowest_layer(ws_);
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
    auto ec = run_op(ioc_, tcp, left(), [&](auto handler) {
        tcp.async_connect(endpoint, [handler](boost::system::error_code e) { handler(e); });
    });
    if (ec) {
        return ec;
    }
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, "tamsu-integration-test");
    }));
    // The client must never be the side that refuses a frame: the server's limits are under test.
    ws_.read_message_max(64 * 1024 * 1024);
    std::string host = "127.0.0.1:" + std::to_string(port);
    std::string target(path);
    ec = run_op(ioc_, tcp, left(), [&](auto handler) {
        ws_.async_handshake(host, target, [handler](boost::system::error_code e) { handler(e); });
    });
    if (!ec) {
        closed_ = false;
    }
    return ec;
}

void ws_client::connect(unsigned short port, std::string_view path, std::chrono::milliseconds timeout) {
    if (auto ec = try_connect(port, path, timeout)) {
        throw ws_error("ws connect to 127.0.0.1:" + std::to_string(port) + std::string(path) + ": " + ec.message());
    }
}

boost::system::error_code ws_client::run_write(std::string_view data, bool binary, std::chrono::milliseconds timeout) {
    ws_.binary(binary);
    return run_op(ioc_, beast::get_lowest_layer(ws_), timeout, [&](auto handler) {
        ws_.async_write(asio::buffer(data.data(), data.size()), [handler](boost::system::error_code e, std::size_t) {
            handler(e);
        });
    });
}

boost::system::error_code ws_client::try_send_text(std::string_view text, std::chrono::milliseconds timeout) {
    return run_write(text, false, timeout);
}

boost::system::error_code ws_client::try_send_binary(std::string_view bytes, std::chrono::milliseconds timeout) {
    return run_write(bytes, true, timeout);
}

void ws_client::send_text(std::string_view text, std::chrono::milliseconds timeout) {
    if (auto ec = try_send_text(text, timeout)) {
        throw ws_error("ws send failed (" + ec.message() + "): " + std::string(text.substr(0, 200)));
    }
}

void ws_client::send_json(const boost::json::value& frame, std::chrono::milliseconds timeout) {
    send_text(boost::json::serialize(frame), timeout);
}

ws_client::read_outcome ws_client::read_raw(std::chrono::milliseconds timeout, std::string& text) {
    if (closed_) {
        return read_outcome::closed;
    }
    if (!read_pending_) {
        buffer_.clear();
        read_done_ = false;
        read_pending_ = true;
        ws_.async_read(buffer_, [this](boost::system::error_code ec, std::size_t) {
            read_done_ = true;
            read_ec_ = ec;
        });
    }
    if (!run_until(ioc_, [this] { return read_done_; }, clock_type::now() + timeout)) {
        return read_outcome::timeout;  // the read stays pending for the next call
    }
    read_pending_ = false;
    if (read_ec_) {
        closed_ = true;
        // Beast records the peer's close frame before echoing it; if the echo then fails (the
        // server closed TCP at once, e.g. after 1009 with our unread payload in its buffer) the
        // read ends with that write error, but the close frame did arrive and is the answer.
        if (read_ec_ == websocket::error::closed || ws_.reason().code != websocket::close_code::none) {
            close_code_ = static_cast<int>(ws_.reason().code);
            close_reason_ = std::string(ws_.reason().reason.c_str());
            if (read_ec_ != websocket::error::closed) {
                close_reason_ += " (then " + read_ec_.message() + ")";
            }
        } else {
            close_code_ = close_code_abnormal;
            close_reason_ = read_ec_.message();
        }
        return read_outcome::closed;
    }
    text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return read_outcome::frame;
}

boost::json::object ws_client::parse_object(const std::string& text) const {
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) {
        throw ws_error("frame is not a JSON object: " + text.substr(0, 500));
    }
    return std::move(value.as_object());
}

void ws_client::throw_closed(std::string_view what) const {
    std::string frames;
    for (const auto& f : seen_) {
        frames += "\n  " + boost::json::serialize(f);
    }
    throw ws_error(
        std::string(what) + ": connection closed (code " + std::to_string(close_code_) + ", " + close_reason_ +
        ")" + (frames.empty() ? "" : "; frames seen before:" + frames)
    );
}

std::optional<boost::json::object> ws_client::try_read_frame(std::chrono::milliseconds timeout) {
    std::string text;
    switch (read_raw(timeout, text)) {
    case read_outcome::frame:
        return parse_object(text);
    case read_outcome::timeout:
        return std::nullopt;
    case read_outcome::closed:
        break;
    }
    throw_closed("read_frame");
}

boost::json::object ws_client::read_frame(std::chrono::milliseconds timeout) {
    if (auto frame = try_read_frame(timeout)) {
        return std::move(*frame);
    }
    throw ws_error("read_frame: no frame within " + std::to_string(timeout.count()) + " ms");
}

boost::json::object ws_client::read_until_type(std::string_view type, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        std::string text;
        switch (read_raw(std::max(left, std::chrono::milliseconds(0)), text)) {
        case read_outcome::frame: {
            auto frame = parse_object(text);
            auto it = frame.find("type");
            if (it != frame.end() && it->value().is_string() && it->value().get_string() == type) {
                return frame;
            }
            seen_.push_back(std::move(frame));
            break;
        }
        case read_outcome::timeout: {
            std::string frames;
            for (const auto& f : seen_) {
                frames += "\n  " + boost::json::serialize(f);
            }
            throw ws_error(
                "read_until_type(\"" + std::string(type) + "\"): none within " + std::to_string(timeout.count()) +
                " ms; frames seen:" + (frames.empty() ? " none" : frames)
            );
        }
        case read_outcome::closed:
            throw_closed("read_until_type(\"" + std::string(type) + "\")");
        }
    }
}

int ws_client::expect_closed(std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        std::string text;
        switch (read_raw(std::max(left, std::chrono::milliseconds(0)), text)) {
        case read_outcome::frame: {
            boost::system::error_code ec;
            auto value = boost::json::parse(text, ec);
            if (!ec && value.is_object()) {
                seen_.push_back(std::move(value.as_object()));
            } else {
                seen_.push_back(boost::json::object{{"raw", text}});
            }
            break;
        }
        case read_outcome::timeout:
            throw ws_error("expect_closed: still open after " + std::to_string(timeout.count()) + " ms");
        case read_outcome::closed:
            return close_code_;
        }
    }
}

std::vector<boost::json::object> ws_client::seen_of_type(std::string_view type) const {
    std::vector<boost::json::object> out;
    for (const auto& f : seen_) {
        auto it = f.find("type");
        if (it != f.end() && it->value().is_string() && it->value().get_string() == type) {
            out.push_back(f);
        }
    }
    return out;
}

void ws_client::close() noexcept {
    try {
        if (closed_ || !ws_.is_open()) {
            drop();
            return;
        }
        auto& tcp = beast::get_lowest_layer(ws_);
        run_op(ioc_, tcp, std::chrono::milliseconds(2000), [&](auto handler) {
            ws_.async_close(websocket::close_code::normal, [handler](boost::system::error_code e) { handler(e); });
        });
        closed_ = true;
        drop();
    } catch (...) {  // NOLINT(bugprone-empty-catch): close() is best effort by contract
        drop();
    }
}

void ws_client::drop() noexcept {
    closed_ = true;
    boost::system::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (socket.is_open()) {
        socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }
}

bool ws_client::is_open() const noexcept { return !closed_ && ws_.is_open(); }

}  // namespace tamsu::test
