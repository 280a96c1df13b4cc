#pragma once
// One HTTP/1.1 connection: read loop with limits, routes, and the WebSocket upgrade hand-off to a
// student or counselor session (the Beast advanced server's shape). Runs on its own strand.

#include "server/context.hpp"
#include "server/routes.hpp"
#include "server/session_registry.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstdint>
#include <memory>
#include <optional>

namespace tamsu::server {

class http_session : public closable, public std::enable_shared_from_this<http_session> {
public:
    http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<context> ctx);
    ~http_session() override;
    void run();
    void close_going_away() override;

private:
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t);
    void send(http_response res);
    void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
    void do_close();

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<context> ctx_;
    bool registered_ = false;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    // Binds at once (throws a clear error if the address is taken); accepts after run().
    listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, std::shared_ptr<context> ctx);
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void run();
    void stop();  // thread-safe

private:
    void do_accept();
    void on_accept_error(const boost::system::error_code& ec);
    boost::asio::io_context& ioc_;
    // acceptor_ and backoff_ share one strand: stop() and the accept handler never race.
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer backoff_;
    std::uint64_t failures_in_a_row_ = 0;
    std::shared_ptr<context> ctx_;
};

}  // namespace tamsu::server
