#include "server/serve.hpp"

#include "server/context.hpp"
#include "server/dispatcher/dispatcher.hpp"
#include "server/http_session.hpp"
#include "server/static_files.hpp"
#include "server/triage_loader.hpp"
#include "storage/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <iostream>
#include <thread>

namespace tamsu::server {

namespace net = boost::asio;

namespace {
// How long a graceful stop waits for clients to answer "going away" before it drains the writer
// anyway; a phone on a dead network never answers.
constexpr auto close_grace = std::chrono::seconds(5);
}  // namespace

int run_serve(const serve_config& config) {
    storage::settings ss;
    ss.data_dir = config.data.data_dir;
    ss.master_key_file = config.data.master_key_file;
    auto store = storage::store::open_blocking(ss);
    if (auto password = store->ensure_initial_admin_blocking()) {
        // contract §1: printed once, on stdout, never logged.
        std::cout << "initial admin password: " << *password << std::endl;
    }
    if (!store->school_exists_blocking(config.default_school))
        throw std::runtime_error("--default-school '" + config.default_school + "' does not exist");

    // Declared first so it is destroyed last: the dispatcher's strand and every session's executor
    // come from it, and handlers still queued in it hold sessions and the context.
    net::io_context ioc(static_cast<int>(config.threads));
    auto ctx = std::make_shared<context>();
    ctx->settings.idle_timeout = config.idle_timeout;
    ctx->settings.token_ttl = config.token_ttl;
    ctx->settings.default_school = config.default_school;
    ctx->settings.frames_per_second = config.max_frame_rate;
    ctx->settings.frame_burst = 2.0 * config.max_frame_rate;
    for (const auto& [number, name] : config.hotlines)
        ctx->settings.hotlines.push_back({number, name, name, name});
    ctx->store = store;
    ctx->triage = load_triage_blocking(config.lexicon_dir);
    ctx->files = static_files::load_blocking(config.web_root.empty() ? std::filesystem::path(TAMSU_DEFAULT_WEB_ROOT) : config.web_root);

    ctx->dispatch = std::make_shared<dispatcher>(ioc.get_executor(), *ctx);
    std::set<std::string> schools{config.default_school, "default"};
    auto open_cases = store->open_cases_blocking();
    ctx->dispatch->load_blocking(open_cases, std::move(schools));

    boost::system::error_code ec;
    auto address = net::ip::make_address(config.listen_host, ec);
    if (ec)
        throw std::runtime_error("--listen host '" + config.listen_host + "' is not an IP address");
    std::shared_ptr<listener> acceptor;
    try {
        acceptor = std::make_shared<listener>(ioc, net::ip::tcp::endpoint(address, config.listen_port), ctx);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + config.listen_host + ":" + std::to_string(config.listen_port) + ": " + e.code().message());
    }
    auto ep = acceptor->local_endpoint();
    acceptor->run();
    spdlog::info(
        "event=listening port={} threads={} open_cases={} pages={}",
        ep.port(),
        config.threads,
        open_cases.size(),
        ctx->files->count()
    );
    // Scripts and tests read this line to learn the port (with --listen HOST:0).
    std::cout << "listening on " << config.listen_host << ":" << ep.port() << std::endl;

    std::promise<int> stop_signal;
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& e, int sig) {
        if (!e)
            stop_signal.set_value(sig);
    });

    std::vector<std::thread> threads;
    threads.reserve(config.threads);
    for (unsigned i = 0; i < config.threads; ++i)
        threads.emplace_back([&ioc] {
            for (;;) {
                try {
                    ioc.run();
                    return;
                } catch (const std::exception& e) {
                    // defensive: a handler threw past its session's guard; keep the server serving.
                    spdlog::error("event=io_thread_exception what={}", e.what());
                }
            }
        });

    int sig = stop_signal.get_future().get();
    // contract §1: stop accepting, close sessions with "going away", drain in-flight writes, exit 0.
    spdlog::info("event=stopping signal={}", sig);
    ctx->draining = true;
    acceptor->stop();
    ctx->sessions.close_all();
    if (!ctx->sessions.wait_empty_blocking(close_grace))
        spdlog::warn("event=stop_grace_expired open_sessions={}", ctx->sessions.size());
    store->stop_blocking();  // every write already accepted is committed
    ioc.stop();
    for (auto& t : threads)
        t.join();
    auto st = store->stats();
    spdlog::info("event=stopped batches={} requests={} max_batch={}", st.batches, st.requests, st.max_batch);
    spdlog::default_logger()->flush();
    return 0;
}

}  // namespace tamsu::server
