#include "server/ws_session.hpp"

#include "protocol/frames.hpp"
#include "protocol/limits.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

namespace tamsu::server {

namespace {
// A client that keeps sending after being told rate_limited this many times in a row is not a phone
// with a bad connection; it is cut off.
constexpr int max_limited_in_a_row = 200;

bool expected_ending(const beast::error_code& ec) {
    return ec == websocket::error::closed || ec == net::error::operation_aborted || ec == net::error::eof ||
           ec == beast::error::timeout || ec == net::error::connection_reset || ec == net::error::broken_pipe;
}
}  // namespace

ws_session::ws_session(net::ip::tcp::socket&& socket, std::shared_ptr<context> ctx)
    : ctx_(std::move(ctx)),
      ws_(std::move(socket)),
      queue_(write_queue::limits{}),
      frame_rate_(ctx_->settings.frames_per_second, ctx_->settings.frame_burst) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    remote_address_ = ec ? std::string("?") : ep.address().to_string();
}

ws_session::~ws_session() { ctx_->sessions.remove(this); }

void ws_session::start(beast::http::request<beast::http::string_body> upgrade) {
    ctx_->sessions.add(this, std::static_pointer_cast<closable>(shared_from_this()));
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own timeouts
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    // Pings at half the idle timeout keep a quiet but live phone connected and find dead ones.
    timeouts.idle_timeout = ctx_->settings.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(protocol::max_frame_bytes);  // contract: frames over the limit close with 1009
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::server, "tamsu");
    }));
    ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void ws_session::on_accept(beast::error_code ec) {
    if (ec) {
        finish();
        return;
    }
    if (ctx_->draining.load()) {
        close_on_strand(websocket::close_code::going_away);
        return;
    }
    on_open();
    do_read();
}

void ws_session::do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (!expected_ending(ec) && ec != websocket::error::message_too_big)
            spdlog::debug("event=ws_read_failed error={}", ec.message());
        finish();
        return;
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!ws_.got_text()) {
        // contract §3: frames are JSON text; a binary frame is not a tamsu client.
        error_on_strand(protocol::errc::protocol_violation, "", "frames must be text (JSON)");
        return;
    }
    if (!frame_rate_.try_take(std::chrono::steady_clock::now())) {
        if (++limited_in_a_row_ > max_limited_in_a_row) {
            close_on_strand(websocket::close_reason(websocket::close_code::policy_error, "rate limit"));
            return;
        }
        error_on_strand(protocol::errc::rate_limited, "", "too many frames; slow down");
    } else {
        limited_in_a_row_ = 0;
        try {
            on_text(std::move(text));
        } catch (const std::exception& e) {
            // defensive: a bug in one frame's handling must not take the server down, nor leave the
            // client waiting. The frame's content is never logged.
            spdlog::error("event=frame_handler_failed what={}", e.what());
            error_on_strand(protocol::errc::internal, "", "internal error");
        }
    }
    if (!closing_)
        do_read();
}

void ws_session::send(std::shared_ptr<const std::string> frame) {
    net::post(ws_.get_executor(), [self = shared_from_this(), f = std::move(frame)]() mutable {
        self->send_on_strand(std::move(f));
    });
}

void ws_session::send_error(protocol::errc code, std::string re, std::string message) {
    net::post(ws_.get_executor(), [self = shared_from_this(), code, re = std::move(re), m = std::move(message)]() mutable {
        self->error_on_strand(code, std::move(re), std::move(m));
    });
}

void ws_session::close_going_away() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->close_on_strand(websocket::close_reason(websocket::close_code::going_away, "server stopping"));
    });
}

void ws_session::send_on_strand(std::shared_ptr<const std::string> frame) {
    if (closing_ || finished_)
        return;
    if (!queue_.push(std::move(frame))) {
        // style rule 2: a client that does not read is cut off, the server is not slowed.
        ctx_->stats.slow_clients_cut.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("event=slow_client_cut queued_bytes={}", queue_.bytes());
        closing_ = true;
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).close();
        return;
    }
    if (!writing_)
        do_write();
}

void ws_session::error_on_strand(protocol::errc code, std::string re, std::string message) {
    ctx_->stats.error_frames.fetch_add(1, std::memory_order_relaxed);
    send_on_strand(std::make_shared<const std::string>(protocol::encode(protocol::error_frame{
        .re = std::move(re),
        .code = code,
        .message = std::move(message),
    })));
    if (protocol::closes_connection(code))
        close_on_strand(websocket::close_reason(websocket::close_code::policy_error, std::string(protocol::wire_code(code))));
}

void ws_session::do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        net::buffer(queue_.front()),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); }
    );
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        finish();
        return;
    }
    queue_.pop();
    if (!queue_.empty()) {
        do_write();
        return;
    }
    if (closing_ && !finished_) {
        // the error or last frame is out: now the close handshake
        ws_.async_close(pending_close_, [self = shared_from_this()](beast::error_code) { self->finish(); });
    }
}

void ws_session::close_on_strand(websocket::close_reason reason) {
    if (closing_ || finished_)
        return;
    closing_ = true;
    pending_close_ = reason;
    if (!writing_ && queue_.empty())
        ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->finish(); });
}

void ws_session::finish() {
    if (finished_)
        return;
    finished_ = true;
    closing_ = true;
    on_closed();
    ctx_->sessions.remove(this);
}

}  // namespace tamsu::server
