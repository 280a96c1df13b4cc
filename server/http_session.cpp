#include "server/http_session.hpp"

#include "server/counselor_session.hpp"
#include "server/student_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

namespace tamsu::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// Requests are small (a login, a page); a larger body is not ours.
constexpr std::size_t body_limit = 16 * 1024;
constexpr std::size_t header_limit = 16 * 1024;
// A slow phone on 3G still sends a request head within this; a socket that trickles one
// (slowloris) is freed.
constexpr auto read_timeout = std::chrono::seconds(10);

// Cross-site WebSocket hijacking: a page on another site must not open a socket to tamsu in a
// counselor's browser. Browsers always send Origin; other clients (scripts, phones' apps) may not, and
// are let through. The origin's host[:port] must be the Host the request was sent to.
bool origin_allowed(const http_request& req) {
    auto origin = req[http::field::origin];
    if (origin.empty())
        return true;
    auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos)
        return false;
    auto origin_host = origin.substr(scheme_end + 3);
    auto host = req[http::field::host];
    if (origin_host.size() != host.size())
        return false;
    for (std::size_t i = 0; i < host.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(origin_host[i])) != std::tolower(static_cast<unsigned char>(host[i])))
            return false;
    return true;
}
}  // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<context> ctx)
    : stream_(std::move(socket)), ctx_(std::move(ctx)) {}

http_session::~http_session() {
    if (registered_)
        ctx_->sessions.remove(this);
}

void http_session::run() {
    ctx_->sessions.add(this, std::static_pointer_cast<closable>(shared_from_this()));
    registered_ = true;
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void http_session::close_going_away() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

void http_session::do_read() {
    parser_.emplace();
    parser_->body_limit(body_limit);
    parser_->header_limit(header_limit);
    stream_.expires_after(read_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->on_read(ec, n);
    });
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream)
        return do_close();
    if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
            http_response res{http::status::payload_too_large, 11};
            res.set(http::field::content_type, "application/json");
            res.body() = R"({"error":"too_large"})";
            res.keep_alive(false);
            res.prepare_payload();
            return send(std::move(res));
        }
        return do_close();
    }
    auto req = parser_->release();
    if (beast::websocket::is_upgrade(req)) {
        auto target = std::string_view(req.target());
        target = target.substr(0, target.find('?'));
        if (ctx_->draining.load()) {
            http_response res{http::status::service_unavailable, req.version()};
            res.keep_alive(false);
            res.prepare_payload();
            return send(std::move(res));
        }
        if (!origin_allowed(req)) {
            http_response res{http::status::forbidden, req.version()};
            res.set(http::field::content_type, "application/json");
            res.body() = R"({"error":"forbidden_origin"})";
            res.keep_alive(false);
            res.prepare_payload();
            return send(std::move(res));
        }
        stream_.expires_never();
        if (target == "/ws/student") {
            std::make_shared<student_session>(stream_.release_socket(), ctx_)->start(std::move(req));
            return;
        }
        if (target == "/ws/counselor") {
            std::make_shared<counselor_session>(stream_.release_socket(), ctx_)->start(std::move(req));
            return;
        }
        http_response res{http::status::not_found, req.version()};
        res.keep_alive(false);
        res.prepare_payload();
        return send(std::move(res));
    }
    // Answers may come from a storage thread (login): hop back onto this connection's strand.
    handle_http(ctx_, req, [self = shared_from_this()](http_response res) {
        net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    });
}

void http_session::send(http_response res) {
    bool keep_alive = res.keep_alive() && !ctx_->draining.load();
    res.keep_alive(keep_alive);
    auto sp = std::make_shared<http_response>(std::move(res));
    stream_.expires_after(read_timeout);
    http::async_write(stream_, *sp, [self = shared_from_this(), sp, keep_alive](beast::error_code ec, std::size_t n) {
        self->on_write(keep_alive, ec, n);
    });
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec)
        return do_close();
    if (!keep_alive)
        return do_close();
    do_read();
}

void http_session::do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
}

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<context> ctx)
    : ioc_(ioc), strand_(net::make_strand(ioc)), acceptor_(strand_), backoff_(strand_), ctx_(std::move(ctx)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::run() { do_accept(); }

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ec;
        self->acceptor_.close(ec);
        self->backoff_.cancel();
    });
}

void listener::do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open())
            return;
        if (ec)
            return self->on_accept_error(ec);
        self->failures_in_a_row_ = 0;
        beast::error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);  // a client already gone is not our error
        std::make_shared<http_session>(std::move(socket), self->ctx_)->run();
        self->do_accept();
    });
}

// Out of file descriptors (EMFILE/ENFILE) or memory, the pending connection stays in the backlog
// and the listener stays readable: accepting again at once would spin a core and flood the log.
// Wait a little (sessions ending free descriptors meanwhile), and say so once, then every 100th time.
void listener::on_accept_error(const boost::system::error_code& ec) {
    ++failures_in_a_row_;
    if (failures_in_a_row_ == 1 || failures_in_a_row_ % 100 == 0)
        spdlog::warn("event=accept_failed error=\"{}\" in_a_row={}", ec.message(), failures_in_a_row_);
    ctx_->stats.accept_failures.fetch_add(1, std::memory_order_relaxed);
    backoff_.expires_after(std::chrono::milliseconds(50));
    backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (wait_ec == net::error::operation_aborted || !self->acceptor_.is_open())
            return;
        self->do_accept();
    });
}

}  // namespace tamsu::server
