// tamsu_echo_server: a bare Boost.Beast async WebSocket echo server, the yardstick that the tamsu
// benchmark is measured against (tests/bench/run.sh runs both in the same run).
//
// It is deliberately the smallest honest server in the chat-multi shape: an acceptor that puts each
// socket on its own strand, one object per connection that owns its stream, reads one message and
// writes it back. No storage, no JSON, no crypto: whatever tamsu adds on top of this is the price of
// its features, and that price is what docs/performance.md reports.
//
// Usage: tamsu_echo_server [--listen HOST:PORT] [--threads N]
//   prints "listening on HOST:PORT" on stdout once the port is bound (port 0 picks a free one), like
//   `tamsu serve`, so run.sh can read the port the same way for both. Stops on SIGINT/SIGTERM.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// Same bound tamsu puts on a student frame, so neither server is allowed to buffer more per message.
constexpr std::size_t read_message_max = 64 * 1024;

bool is_expected_end(beast::error_code ec) {
    return ec == websocket::error::closed || ec == asio::error::operation_aborted || ec == asio::error::eof ||
           ec == beast::error::timeout || ec == asio::error::connection_reset || ec == http::error::end_of_stream;
}

void fail(beast::error_code ec, const char* what) {
    // Expected endings are not errors: the load generator closes 1,000 connections at the end of a run.
    if (!is_expected_end(ec)) {
        std::cerr << "echo: " << what << ": " << ec.message() << "\n";
    }
}

// One WebSocket connection. Everything it does runs on its own strand (the socket's executor); it
// keeps itself alive through shared_from_this() in every handler. Echo needs no write queue: the
// next read starts only after the write completes, so there is never more than one write in flight.
class websocket_session : public std::enable_shared_from_this<websocket_session> {
public:
    explicit websocket_session(tcp::socket&& socket) : ws_(std::move(socket)) {}

    void run(http::request<http::string_body> req) {
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(read_message_max);
        ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
    }

private:
    void on_accept(beast::error_code ec) {
        if (ec) {
            return fail(ec, "accept");
        }
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            return fail(ec, "read");
        }
        ws_.text(ws_.got_text());
        ws_.async_write(buffer_.data(), beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) {
            return fail(ec, "write");
        }
        buffer_.consume(buffer_.size());
        do_read();
    }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
};

// Reads the HTTP upgrade request, then hands the socket to a websocket_session (chat-multi's
// http_session, reduced to the one route this server has).
class http_session : public std::enable_shared_from_this<http_session> {
public:
    explicit http_session(tcp::socket&& socket) : stream_(std::move(socket)) {}

    void run() {
        stream_.expires_after(std::chrono::seconds(30));
        parser_.emplace();
        parser_->body_limit(8 * 1024);
        http::async_read(
            stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this())
        );
    }

private:
    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            return fail(ec, "http read");
        }
        if (!websocket::is_upgrade(parser_->get())) {
            return;  // not a WebSocket client; the benchmark sends nothing else, so just drop it
        }
        stream_.expires_never();  // the WebSocket's own timeouts take over
        std::make_shared<websocket_session>(stream_.release_socket())->run(parser_->release());
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(asio::io_context& ioc, tcp::endpoint endpoint) : ioc_(ioc), acceptor_(ioc) {
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(asio::socket_base::max_listen_connections);
    }

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    void run() { do_accept(); }

    void stop() { acceptor_.close(); }

private:
    void do_accept() {
        // Each connection gets its own strand, so the sessions of an N-thread io_context never race.
        acceptor_.async_accept(
            asio::make_strand(ioc_), beast::bind_front_handler(&listener::on_accept, shared_from_this())
        );
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) {
            return;
        }
        if (ec) {
            fail(ec, "accept");
        } else {
            socket.set_option(tcp::no_delay(true));
            std::make_shared<http_session>(std::move(socket))->run();
        }
        do_accept();
    }

    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
};

[[noreturn]] void usage_error(std::string_view msg) {
    std::cerr << "tamsu_echo_server: " << msg << "\n"
              << "usage: tamsu_echo_server [--listen HOST:PORT] [--threads N]\n";
    std::exit(2);
}

tcp::endpoint parse_endpoint(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        usage_error("--listen wants HOST:PORT");
    }
    unsigned short port = 0;
    auto port_text = text.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size()) {
        usage_error("bad port in --listen");
    }
    beast::error_code addr_ec;
    auto address = asio::ip::make_address(std::string(text.substr(0, colon)), addr_ec);
    if (addr_ec) {
        usage_error("bad address in --listen");
    }
    return {address, port};
}

}  // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0";
    // Same default as tamsu serve (one thread per core), so the comparison is like for like.
    int threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                usage_error(std::string(arg) + " needs a value");
            }
            return argv[++i];
        };
        if (arg == "--listen") {
            listen = value();
        } else if (arg == "--threads") {
            threads = std::atoi(std::string(value()).c_str());
            if (threads < 1) {
                usage_error("--threads must be at least 1");
            }
        } else if (arg == "--help") {
            std::cout << "usage: tamsu_echo_server [--listen HOST:PORT] [--threads N]\n";
            return 0;
        } else {
            usage_error("unknown argument " + std::string(arg));
        }
    }

    asio::io_context ioc(threads);
    auto l = std::make_shared<listener>(ioc, parse_endpoint(listen));
    auto ep = l->local_endpoint();
    std::cout << "listening on " << ep.address().to_string() << ":" << ep.port() << std::endl;
    l->run();

    // A benchmark yardstick may stop with ioc.stop(): it has nothing to drain (tamsu itself may not).
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        l->stop();
        ioc.stop();
    });

    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) {
        pool.emplace_back([&ioc] { ioc.run(); });
    }
    ioc.run();
    for (auto& t : pool) {
        t.join();
    }
    return 0;
}
