#pragma once
// The skeleton both WebSocket roles share (style rule 1): one object per connection owning its stream,
// a read loop, a bounded write queue, all on the connection's own strand. Public send()/close_*() only
// post to that strand. Student and counselor sessions derive from it and implement on_text().

#include "protocol/errc.hpp"
#include "server/context.hpp"
#include "server/rate_limiter.hpp"
#include "server/session_registry.hpp"
#include "server/write_queue.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <memory>
#include <string>

namespace tamsu::server {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;

class ws_session : public closable, public std::enable_shared_from_this<ws_session> {
public:
    ws_session(net::ip::tcp::socket&& socket, std::shared_ptr<context> ctx);
    ~ws_session() override;
    ws_session(const ws_session&) = delete;
    ws_session& operator=(const ws_session&) = delete;

    // Takes over from the HTTP session: completes the WebSocket handshake, then reads.
    void start(beast::http::request<beast::http::string_body> upgrade);

    // Thread-safe: queue a ready-encoded frame.
    void send(std::shared_ptr<const std::string> frame);
    void send(std::string frame) { send(std::make_shared<const std::string>(std::move(frame))); }
    // Thread-safe.
    void send_error(protocol::errc code, std::string re, std::string message);
    void close_going_away() override;

protected:
    virtual void on_open() {}
    virtual void on_text(std::string text) = 0;  // on the strand; text is the raw frame (may hold student words)
    virtual void on_closed() {}

    // On the strand only.
    void send_on_strand(std::shared_ptr<const std::string> frame);
    void error_on_strand(protocol::errc code, std::string re, std::string message);
    void close_on_strand(websocket::close_reason reason);
    bool closing() const { return closing_; }
    // The peer's address as text, kept in memory only (rate-limit key); never logged or stored.
    const std::string& remote_address() const { return remote_address_; }
    net::any_io_executor executor() { return ws_.get_executor(); }

    template <class Self, class F>
    void post_self(std::shared_ptr<Self> self, F&& f) {
        net::post(ws_.get_executor(), [self = std::move(self), f = std::forward<F>(f)]() mutable { f(*self); });
    }

    std::shared_ptr<context> ctx_;

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void finish();

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    write_queue queue_;
    token_bucket frame_rate_;
    bool writing_ = false;
    bool closing_ = false;
    bool finished_ = false;
    int limited_in_a_row_ = 0;
    websocket::close_reason pending_close_;
    std::string remote_address_;
};

}  // namespace tamsu::server
