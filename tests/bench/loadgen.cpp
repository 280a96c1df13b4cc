// tamsu_loadgen: a small async Beast WebSocket load generator for the student endpoint.
//
// Load mode (default): N connections, each says hello, waits for its welcome, and then, once every
// connection is ready, sends {"type":"send",...} and waits for the matching ack, back to back, for
// --duration seconds. Against tamsu (--mode tamsu) every ack means "encrypted and committed"
// (contract §3: ack after commit); against tamsu_echo_server (--mode echo) the reply is the frame
// itself. The client does the same work in both modes (build the same frame, parse the reply with
// Boost.JSON, match the id), so the two figures differ only by what the server does.
//
// Idle mode (--idle N): N connections say hello, wait for their welcome and then sit still, so that
// run.sh can read the server's VmRSS before and after and divide by N.
//
// One io_context. By default it runs on one thread, which leaves the other core of a 2-core machine
// to the server; with --threads each connection still lives on its own strand.
//
// Output: human lines on stderr, and one machine line on stdout that run.sh parses:
//   result mode=tamsu connections=1000 acked=... seconds=... msgs_per_s=... p50_ms=... p99_ms=... errors=...

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

enum class mode_type { tamsu, echo };

struct options {
    std::string host = "127.0.0.1";
    std::string port;
    std::string path = "/ws/student";
    mode_type mode = mode_type::tamsu;
    int connections = 1000;
    double duration_s = 10;
    // Acks in the first second are not counted: connections start together and the first batches
    // are not typical. The window is [start + warmup, start + warmup + duration).
    double warmup_s = 1;
    // Handshakes in flight at once; more would only overflow the server's accept backlog and make
    // the connect phase measure SYN retries instead of the server.
    int connect_concurrency = 100;
    int threads = 1;
    int idle = 0;              // > 0: idle mode with this many connections
    double hold_s = 30;        // idle mode: how long to hold them (or until SIGINT/SIGTERM)
    std::string school;        // optional "school" in hello
    // An ordinary message of an ordinary length (a tired student, no danger words), so triage does
    // its normal amount of work and the case stays at normal urgency.
    std::string text = "hom nay em thay hoi met vi bai kiem tra toan, em khong biet nen hoc the nao cho kip";
};

// Shared by all connections. Counters are atomics because, with --threads, connections on different
// strands update them; per-message figures stay in each connection and are summed at the end.
struct run_state {
    options opt;
    tcp::resolver::results_type endpoints;
    std::atomic<int> next_to_launch{0};
    std::atomic<int> ready{0};
    std::atomic<int> failed{0};
    std::atomic<int> closed{0};
    std::atomic<bool> stopping{false};
    steady::time_point window_begin;
    steady::time_point window_end;
    std::function<void()> on_all_ready;  // called once, on whichever strand finished last
};

class connection;
void launch_next(run_state& st, const std::vector<std::shared_ptr<connection>>& conns);

// One WebSocket client. Everything it does runs on its own strand.
class connection : public std::enable_shared_from_this<connection> {
public:
    connection(asio::io_context& ioc, run_state& st, const std::vector<std::shared_ptr<connection>>& all, int index)
        : st_(st), all_(all), index_(index), ws_(asio::make_strand(ioc)) {}

    void start() {
        beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
        beast::get_lowest_layer(ws_).async_connect(
            st_.endpoints, beast::bind_front_handler(&connection::on_connect, shared_from_this())
        );
    }

    // Posted to the strand once every connection is ready.
    void begin_load() {
        asio::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->do_send(); });
    }

    void close() {
        asio::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->do_close(); });
    }

    std::uint64_t acked_in_window() const { return acked_in_window_; }
    std::uint64_t acked_total() const { return acked_total_; }
    std::uint64_t errors() const { return errors_; }
    const std::vector<std::uint32_t>& latencies_us() const { return latencies_us_; }
    bool was_ready() const { return ready_; }

private:
    void on_connect(beast::error_code ec, const tcp::endpoint&) {
        if (ec) {
            return fail_setup(ec, "connect");
        }
        beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws_.async_handshake(
            st_.opt.host, st_.opt.path, beast::bind_front_handler(&connection::on_handshake, shared_from_this())
        );
    }

    void on_handshake(beast::error_code ec) {
        if (ec) {
            return fail_setup(ec, "handshake");
        }
        ws_.text(true);
        out_ = st_.opt.school.empty() ? R"({"type":"hello","v":1})"
                                      : R"({"type":"hello","v":1,"school":)" + json::serialize(json::string(st_.opt.school)) + "}";
        ws_.async_write(asio::buffer(out_), beast::bind_front_handler(&connection::on_hello_sent, shared_from_this()));
    }

    void on_hello_sent(beast::error_code ec, std::size_t) {
        if (ec) {
            return fail_setup(ec, "hello");
        }
        ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_welcome, shared_from_this()));
    }

    void on_welcome(beast::error_code ec, std::size_t) {
        if (ec) {
            return fail_setup(ec, "welcome");
        }
        std::string_view type = frame_type();
        buffer_.consume(buffer_.size());
        // The echo server sends our hello back; tamsu sends a welcome (and may follow it with a
        // status frame, which the load loop skips).
        bool ok = st_.opt.mode == mode_type::echo ? type == "hello" : type == "welcome";
        if (!ok) {
            std::cerr << "loadgen: connection " << index_ << " got '" << type << "' instead of welcome\n";
            return fail_setup({}, nullptr);
        }
        ready_ = true;
        launch_next(st_, all_);
        if (st_.ready.fetch_add(1) + 1 + st_.failed.load() == st_.opt.connections) {
            st_.on_all_ready();
        }
        // Keep a read going so the connection answers the server's pings while it waits (and idles).
        if (st_.opt.idle > 0) {
            ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_idle_read, shared_from_this()));
        }
    }

    void on_idle_read(beast::error_code ec, std::size_t) {
        if (ec) {
            return finish(ec);
        }
        buffer_.consume(buffer_.size());
        ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_idle_read, shared_from_this()));
    }

    void do_send() {
        if (st_.stopping.load(std::memory_order_relaxed)) {
            return do_close();
        }
        id_ = "c" + std::to_string(index_) + "-" + std::to_string(next_id_++);
        out_.clear();
        out_ += R"({"type":"send","id":")";
        out_ += id_;
        out_ += R"(","text":)";
        out_ += text_json();
        out_ += '}';
        sent_at_ = steady::now();
        ws_.async_write(asio::buffer(out_), beast::bind_front_handler(&connection::on_sent, shared_from_this()));
    }

    void on_sent(beast::error_code ec, std::size_t) {
        if (ec) {
            return finish(ec);
        }
        ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_reply, shared_from_this()));
    }

    void on_reply(beast::error_code ec, std::size_t) {
        if (ec) {
            return finish(ec);
        }
        auto now = steady::now();
        json::value v;
        json::error_code jec;
        v = json::parse(std::string_view(static_cast<const char*>(buffer_.cdata().data()), buffer_.size()), jec);
        buffer_.consume(buffer_.size());
        const json::object* obj = jec ? nullptr : v.if_object();
        if (obj == nullptr) {
            ++errors_;
            return finish({});
        }
        std::string_view type = string_field(*obj, "type");
        // tamsu: {"type":"ack","re":id,...}; echo: our own {"type":"send","id":id,...} comes back.
        bool matched = st_.opt.mode == mode_type::tamsu ? type == "ack" && string_field(*obj, "re") == id_
                                                        : type == "send" && string_field(*obj, "id") == id_;
        if (!matched) {
            if (type == "error") {
                // A refused send still ends this round trip; it is counted as an error, not an ack.
                if (errors_++ == 0) {
                    std::cerr << "loadgen: connection " << index_ << " got error " << json::serialize(v) << "\n";
                }
                if (string_field(*obj, "re") == id_) {
                    return do_send();
                }
            }
            // status / message / safety frames the server pushes on its own: not ours, keep reading.
            return ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_reply, shared_from_this()));
        }
        ++acked_total_;
        if (now >= st_.window_begin && now < st_.window_end) {
            ++acked_in_window_;
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_).count();
            latencies_us_.push_back(static_cast<std::uint32_t>(std::min<long long>(us, UINT32_MAX)));
        }
        do_send();
    }

    void do_close() {
        if (closing_) {
            return;
        }
        closing_ = true;
        ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
            self->finish(ec);
        });
    }

    void fail_setup(beast::error_code ec, const char* what) {
        if (what != nullptr && st_.failed.load() < 5) {
            std::cerr << "loadgen: connection " << index_ << " " << what << ": " << ec.message() << "\n";
        }
        launch_next(st_, all_);
        if (st_.failed.fetch_add(1) + 1 + st_.ready.load() == st_.opt.connections) {
            st_.on_all_ready();
        }
    }

    void finish(beast::error_code ec) {
        if (done_) {
            return;
        }
        done_ = true;
        // A connection lost before the end of the run is an error; one closed by us at the end is not.
        if (!st_.stopping.load() && ec && ec != asio::error::operation_aborted) {
            ++errors_;
            if (st_.closed.load() < 5) {
                std::cerr << "loadgen: connection " << index_ << " lost: " << ec.message() << "\n";
            }
        }
        st_.closed.fetch_add(1);
    }

    std::string_view frame_type() const {
        json::error_code jec;
        auto v = json::parse(std::string_view(static_cast<const char*>(buffer_.cdata().data()), buffer_.size()), jec);
        if (jec || !v.is_object()) {
            return "(not json)";
        }
        auto t = string_field(v.get_object(), "type");
        // The view would dangle with v; the callers compare it right away, so copy into a static set.
        for (std::string_view known : {"welcome", "hello", "error", "status", "message"}) {
            if (t == known) {
                return known;
            }
        }
        return "(other)";
    }

    static std::string_view string_field(const json::object& obj, std::string_view key) {
        auto it = obj.find(key);
        if (it == obj.end() || !it->value().is_string()) {
            return {};
        }
        return it->value().get_string();
    }

    const std::string& text_json() {
        if (text_json_.empty()) {
            text_json_ = json::serialize(json::string(st_.opt.text));
        }
        return text_json_;
    }

    run_state& st_;
    const std::vector<std::shared_ptr<connection>>& all_;
    int index_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    std::string out_;
    std::string id_;
    std::string text_json_;
    std::uint64_t next_id_ = 0;
    steady::time_point sent_at_;
    std::uint64_t acked_in_window_ = 0;
    std::uint64_t acked_total_ = 0;
    std::uint64_t errors_ = 0;
    std::vector<std::uint32_t> latencies_us_;
    bool ready_ = false;
    bool closing_ = false;
    bool done_ = false;
};

void launch_next(run_state& st, const std::vector<std::shared_ptr<connection>>& conns) {
    int i = st.next_to_launch.fetch_add(1);
    if (i < static_cast<int>(conns.size())) {
        conns[static_cast<std::size_t>(i)]->start();
    }
}

[[noreturn]] void usage_error(std::string_view msg) {
    std::cerr << "tamsu_loadgen: " << msg << "\n"
              << "usage: tamsu_loadgen --port P [--host H] [--path /ws/student] [--mode tamsu|echo]\n"
                 "                     [--connections N] [--duration S] [--warmup S] [--threads N]\n"
                 "                     [--connect-concurrency N] [--school CODE] [--text TEXT]\n"
                 "       tamsu_loadgen --port P --idle N [--hold S] [--mode tamsu|echo]\n";
    std::exit(2);
}

options parse_options(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage_error(std::string(arg) + " needs a value");
            }
            return argv[++i];
        };
        auto number = [&]() -> double {
            std::string v = value();
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end != '\0' || d < 0) {
                usage_error(std::string(arg) + " wants a non-negative number");
            }
            return d;
        };
        if (arg == "--host") {
            opt.host = value();
        } else if (arg == "--port") {
            opt.port = value();
        } else if (arg == "--path") {
            opt.path = value();
        } else if (arg == "--mode") {
            std::string m = value();
            if (m == "tamsu") {
                opt.mode = mode_type::tamsu;
            } else if (m == "echo") {
                opt.mode = mode_type::echo;
            } else {
                usage_error("--mode is tamsu or echo");
            }
        } else if (arg == "--connections") {
            opt.connections = static_cast<int>(number());
        } else if (arg == "--duration") {
            opt.duration_s = number();
        } else if (arg == "--warmup") {
            opt.warmup_s = number();
        } else if (arg == "--threads") {
            opt.threads = std::max(1, static_cast<int>(number()));
        } else if (arg == "--connect-concurrency") {
            opt.connect_concurrency = std::max(1, static_cast<int>(number()));
        } else if (arg == "--idle") {
            opt.idle = static_cast<int>(number());
        } else if (arg == "--hold") {
            opt.hold_s = number();
        } else if (arg == "--school") {
            opt.school = value();
        } else if (arg == "--text") {
            opt.text = value();
        } else if (arg == "--help") {
            usage_error("help");
        } else {
            usage_error("unknown argument " + std::string(arg));
        }
    }
    if (opt.port.empty()) {
        usage_error("--port is required");
    }
    if (opt.idle > 0) {
        opt.connections = opt.idle;
    }
    if (opt.connections < 1) {
        usage_error("--connections must be at least 1");
    }
    return opt;
}

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
}

std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace

int main(int argc, char** argv) {
    run_state st;
    st.opt = parse_options(argc, argv);
    const options& opt = st.opt;

    asio::io_context ioc(opt.threads);
    st.endpoints = tcp::resolver(ioc).resolve(opt.host, opt.port);

    std::vector<std::shared_ptr<connection>> conns;
    conns.reserve(static_cast<std::size_t>(opt.connections));
    for (int i = 0; i < opt.connections; ++i) {
        conns.push_back(std::make_shared<connection>(ioc, st, conns, i));
    }

    asio::steady_timer phase_timer(ioc);
    asio::steady_timer hard_deadline(ioc);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    auto close_all = [&] {
        st.stopping = true;
        // Loaded connections close themselves after their current round trip (a close frame must not
        // overlap a write in flight); idle ones have only a read pending and can be closed at once.
        if (opt.idle > 0) {
            for (auto& c : conns) {
                c->close();
            }
        }
        // Whatever does not close within a few seconds is abandoned: the run must stop by itself.
        hard_deadline.expires_after(std::chrono::seconds(5));
        hard_deadline.async_wait([&](beast::error_code ec) {
            if (!ec) {
                ioc.stop();
            }
        });
    };
    signals.async_wait([&](beast::error_code ec, int) {
        if (!ec) {
            close_all();
        }
    });

    auto setup_begin = steady::now();
    std::atomic<bool> all_ready_once{false};
    st.on_all_ready = [&] {
        if (all_ready_once.exchange(true)) {
            return;
        }
        // Runs on some connection's strand; move the phase change onto the timer's own path.
        asio::post(ioc, [&] {
            auto setup_s = std::chrono::duration<double>(steady::now() - setup_begin).count();
            std::cerr << "loadgen: " << st.ready.load() << " of " << opt.connections << " connections ready in "
                      << setup_s << " s (" << st.failed.load() << " failed)\n";
            if (opt.idle > 0) {
                // run.sh waits for this line before it reads the server's VmRSS.
                std::printf("idle_ready connections=%d failed=%d\n", st.ready.load(), st.failed.load());
                std::fflush(stdout);
                phase_timer.expires_after(seconds(opt.hold_s));
                phase_timer.async_wait([&](beast::error_code ec) {
                    if (!ec) {
                        close_all();
                    }
                });
                return;
            }
            auto start = steady::now();
            st.window_begin = start + seconds(opt.warmup_s);
            st.window_end = st.window_begin + seconds(opt.duration_s);
            for (auto& c : conns) {
                if (c->was_ready()) {
                    c->begin_load();
                }
            }
            phase_timer.expires_at(st.window_end);
            phase_timer.async_wait([&](beast::error_code ec) {
                if (!ec) {
                    close_all();
                }
            });
        });
    };
    // A server that never answers must not hang the run.
    hard_deadline.expires_after(std::chrono::seconds(60) + seconds(opt.warmup_s + opt.duration_s + opt.hold_s));
    hard_deadline.async_wait([&](beast::error_code ec) {
        if (!ec) {
            std::cerr << "loadgen: hard deadline reached\n";
            ioc.stop();
        }
    });

    for (int i = 0; i < std::min(opt.connect_concurrency, opt.connections); ++i) {
        launch_next(st, conns);
    }

    std::vector<std::thread> pool;
    for (int i = 1; i < opt.threads; ++i) {
        pool.emplace_back([&ioc] { ioc.run(); });
    }
    // Once every connection is closed the only pending work is the timers and the signal set.
    asio::steady_timer watch(ioc);
    std::function<void()> watch_closed = [&] {
        watch.expires_after(std::chrono::milliseconds(100));
        watch.async_wait([&](beast::error_code ec) {
            if (ec) {
                return;
            }
            if (st.stopping && st.closed.load() >= st.ready.load()) {
                ioc.stop();
                return;
            }
            watch_closed();
        });
    };
    watch_closed();
    ioc.run();
    for (auto& t : pool) {
        t.join();
    }

    std::uint64_t acked = 0, acked_total = 0, errors = 0;
    std::vector<std::uint32_t> lat;
    for (auto& c : conns) {
        acked += c->acked_in_window();
        acked_total += c->acked_total();
        errors += c->errors();
        lat.insert(lat.end(), c->latencies_us().begin(), c->latencies_us().end());
    }
    errors += static_cast<std::uint64_t>(st.failed.load());
    const char* mode_name = opt.mode == mode_type::tamsu ? "tamsu" : "echo";
    if (opt.idle > 0) {
        std::printf("idle_done mode=%s connections=%d failed=%d\n", mode_name, st.ready.load(), st.failed.load());
        return st.ready.load() == opt.connections ? 0 : 1;
    }
    double rate = static_cast<double>(acked) / opt.duration_s;
    double p50 = percentile_ms(lat, 0.50);
    double p99 = percentile_ms(lat, 0.99);
    std::fprintf(
        stderr,
        "loadgen: %s: %d connections, %llu acked in %.1f s window (%llu in all): %.0f msgs/s, p50 %.2f ms, "
        "p99 %.2f ms, %llu errors\n",
        mode_name,
        st.ready.load(),
        static_cast<unsigned long long>(acked),
        opt.duration_s,
        static_cast<unsigned long long>(acked_total),
        rate,
        p50,
        p99,
        static_cast<unsigned long long>(errors)
    );
    std::printf(
        "result mode=%s connections=%d acked=%llu seconds=%.1f msgs_per_s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%llu\n",
        mode_name,
        st.ready.load(),
        static_cast<unsigned long long>(acked),
        opt.duration_s,
        rate,
        p50,
        p99,
        static_cast<unsigned long long>(errors)
    );
    return st.ready.load() == opt.connections && acked > 0 ? 0 : 1;
}
