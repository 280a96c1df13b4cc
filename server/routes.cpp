#include "server/routes.hpp"

#include "protocol/time.hpp"
#include "protocol/validate.hpp"
#include "server/static_files.hpp"
#include "storage/store.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

namespace tamsu::server {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

http_response json_response(const http_request& req, http::status status, const json::value& body) {
    http_response res{status, req.version()};
    res.set(http::field::server, "tamsu");
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

http_response error_response(const http_request& req, http::status status, std::string_view code) {
    return json_response(req, status, json::object{{"error", code}});
}

void add_page_headers(http_response& res) {
    // The student page may be opened on a shared family phone: nothing from it should be framed,
    // leak a referrer, or load from another origin.
    res.set(
        "Content-Security-Policy",
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; media-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
}

void serve_static(const std::shared_ptr<context>& ctx, const http_request& req, const std::function<void(http_response)>& respond) {
    auto target = std::string_view(req.target());
    target = target.substr(0, target.find('?'));
    if (target == "/console") {
        http_response res{http::status::moved_permanently, req.version()};
        res.set(http::field::location, "/console/");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        return respond(std::move(res));
    }
    const auto* f = ctx->files ? ctx->files->find(target) : nullptr;
    if (!f)
        return respond(error_response(req, http::status::not_found, "not_found"));
    const bool gzip = !f->gzipped.empty() && accepts_gzip(req[http::field::accept_encoding]);
    const auto& etag = gzip ? f->etag_gzip : f->etag;
    const auto& body = gzip ? f->gzipped : f->body;
    const bool unchanged = none_match_hits(req[http::field::if_none_match], etag);
    http_response res{unchanged ? http::status::not_modified : http::status::ok, req.version()};
    res.set(http::field::server, "tamsu");
    res.set(http::field::content_type, f->content_type);
    // Revalidate every time: a fixed page must reach every phone at its next load (the ETag makes
    // that a 304 when nothing changed).
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::etag, etag);
    if (!f->gzipped.empty())
        res.set(http::field::vary, "Accept-Encoding");
    if (gzip)
        res.set(http::field::content_encoding, "gzip");
    add_page_headers(res);
    res.keep_alive(req.keep_alive());
    if (unchanged) {
        // RFC 9110 §15.4.5: no content; the headers above are the ones a 200 would have sent.
    } else if (req.method() == http::verb::head) {
        res.content_length(body.size());
    } else {
        res.body() = body;
        res.prepare_payload();
    }
    respond(std::move(res));
}

void login(const std::shared_ptr<context>& ctx, const http_request& req, std::function<void(http_response)> respond) {
    boost::system::error_code ec;
    auto body = json::parse(req.body(), ec);
    const json::string* user = nullptr;
    const json::string* pass = nullptr;
    if (!ec && body.is_object()) {
        user = body.as_object().if_contains("username") ? body.as_object().at("username").if_string() : nullptr;
        pass = body.as_object().if_contains("password") ? body.as_object().at("password").if_string() : nullptr;
    }
    if (!user || !pass || user->empty() || user->size() > 64 || pass->size() > 1024)
        return respond(json_response(
            req,
            http::status::bad_request,
            json::object{{"error", "invalid_request"}, {"message", "body must be {\"username\":\"..\",\"password\":\"..\"}"}}
        ));
    std::string username(*user);
    auto now = std::chrono::steady_clock::now();
    // contract §2: rate limited per username, so a password cannot be guessed from many addresses.
    if (!ctx->login_attempts.allowed("user:" + username, now))
        return respond(json_response(
            req,
            http::status::too_many_requests,
            json::object{{"error", "rate_limited"}, {"message", "too many failed logins; wait a minute"}}
        ));
    auto version = req.version();
    auto keep_alive = req.keep_alive();
    ctx->store->verify_login(
        username,
        storage::plaintext(std::string(*pass)),
        [ctx, username, version, keep_alive, respond = std::move(respond)](storage::result<storage::user_info> r) mutable {
            http_request shape;
            shape.version(version);
            shape.keep_alive(keep_alive);
            if (!r) {
                if (r.error() == storage::errc::unauthorized) {
                    ctx->login_attempts.charge("user:" + username, std::chrono::steady_clock::now());
                    ctx->stats.logins_failed.fetch_add(1, std::memory_order_relaxed);
                    spdlog::info("event=login_failed user={}", username);
                    return respond(error_response(shape, http::status::unauthorized, "unauthorized"));
                }
                spdlog::error("event=login_error error={}", r.error().message());
                return respond(error_response(shape, http::status::service_unavailable, "unavailable"));
            }
            auto who = std::move(*r);
            auto expires = ctx->now() + ctx->settings.token_ttl;
            ctx->store->create_token(who.id, expires, [ctx, user = who, shape, respond = std::move(respond)](storage::result<storage::token_grant> t) mutable {
                if (!t) {
                    spdlog::error("event=token_error error={}", t.error().message());
                    return respond(error_response(shape, http::status::service_unavailable, "unavailable"));
                }
                ctx->stats.logins_ok.fetch_add(1, std::memory_order_relaxed);
                spdlog::info("event=login user={} role={}", user.username, user.role);
                respond(json_response(
                    shape,
                    http::status::ok,
                    json::object{
                        {"token", t->token},
                        {"expires_at", protocol::rfc3339(t->expires_at)},
                        {"role", user.role},
                        {"username", user.username},
                        {"display_name", user.display_name},
                        {"school", user.school},
                    }
                ));
            });
        }
    );
}

}  // namespace

std::string render_metrics(context& ctx) {
    auto& m = ctx.stats;
    std::ostringstream o;
    auto gauge = [&](const char* name, const char* help, const char* type) {
        o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    };
    gauge("tamsu_up", "1 while the server can accept and store messages.", "gauge");
    o << "tamsu_up " << ((ctx.store->writable() && !ctx.draining.load()) ? 1 : 0) << '\n';
    gauge("tamsu_connections", "Open WebSocket connections by role.", "gauge");
    o << "tamsu_connections{role=\"student\"} " << m.student_connections.load() << '\n';
    o << "tamsu_connections{role=\"counselor\"} " << m.counselor_connections.load() << '\n';
    gauge("tamsu_messages_total", "Messages stored, by sender.", "counter");
    o << "tamsu_messages_total{from=\"student\"} " << m.messages_student.load() << '\n';
    o << "tamsu_messages_total{from=\"counselor\"} " << m.messages_counselor.load() << '\n';
    gauge("tamsu_cases_created_total", "Cases opened by students.", "counter");
    o << "tamsu_cases_created_total " << m.cases_created.load() << '\n';
    gauge("tamsu_queue_length", "Unclaimed cases waiting, by urgency.", "gauge");
    static constexpr const char* levels[] = {"low", "normal", "high", "critical"};
    for (int i = 3; i >= 0; --i)
        o << "tamsu_queue_length{urgency=\"" << levels[i] << "\"} " << m.queue_length[static_cast<std::size_t>(i)].load() << '\n';
    gauge("tamsu_wait_seconds", "Time from a case entering the queue to its claim.", "histogram");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < metrics::wait_buckets.size(); ++i) {
        cumulative += m.wait_bucket_counts[i].load();
        o << "tamsu_wait_seconds_bucket{le=\"" << metrics::wait_buckets[i] << "\"} " << cumulative << '\n';
    }
    cumulative += m.wait_bucket_counts.back().load();
    o << "tamsu_wait_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n';
    o << "tamsu_wait_seconds_sum " << static_cast<double>(m.wait_sum_ms.load()) / 1000.0 << '\n';
    o << "tamsu_wait_seconds_count " << m.wait_count.load() << '\n';
    gauge("tamsu_escalations_total", "Escalations opened (111 workflow).", "counter");
    o << "tamsu_escalations_total " << m.escalations.load() << '\n';
    gauge("tamsu_safety_frames_total", "Hotline (safety) frames pushed to students.", "counter");
    o << "tamsu_safety_frames_total " << m.safety_frames.load() << '\n';
    gauge("tamsu_error_frames_total", "Error frames sent.", "counter");
    o << "tamsu_error_frames_total " << m.error_frames.load() << '\n';
    gauge("tamsu_accept_failures_total", "Connections the listener could not accept (out of descriptors).", "counter");
    o << "tamsu_accept_failures_total " << m.accept_failures.load() << '\n';
    gauge("tamsu_slow_clients_cut_total", "Connections cut off for not reading.", "counter");
    o << "tamsu_slow_clients_cut_total " << m.slow_clients_cut.load() << '\n';
    gauge("tamsu_logins_total", "Counselor logins by result.", "counter");
    o << "tamsu_logins_total{result=\"ok\"} " << m.logins_ok.load() << '\n';
    o << "tamsu_logins_total{result=\"failed\"} " << m.logins_failed.load() << '\n';
    auto ws = ctx.store->stats();
    gauge("tamsu_writer_batches_total", "Transactions committed by the writer (group commit).", "counter");
    o << "tamsu_writer_batches_total " << ws.batches << '\n';
    gauge("tamsu_writer_requests_total", "Write requests committed.", "counter");
    o << "tamsu_writer_requests_total " << ws.requests << '\n';
    gauge("tamsu_checkpoints_total", "WAL checkpoints run by the background checkpointer.", "counter");
    o << "tamsu_checkpoints_total " << ws.checkpoints << '\n';
    gauge("tamsu_wal_frames", "Pages in the write-ahead log after the latest commit.", "gauge");
    o << "tamsu_wal_frames " << ws.wal_frames << '\n';
    gauge("tamsu_writer_syncs_total", "fdatasyncs of the WAL, each making the batches committed before it durable.", "counter");
    o << "tamsu_writer_syncs_total " << ws.syncs << '\n';
    gauge("tamsu_writer_max_batch", "Largest batch committed in one transaction.", "gauge");
    o << "tamsu_writer_max_batch " << ws.max_batch << '\n';
    gauge("tamsu_writer_batch_size", "Requests per committed transaction.", "histogram");
    cumulative = 0;
    for (std::size_t i = 0; i + 1 < ws.batch_size_pow2.size(); ++i) {
        cumulative += ws.batch_size_pow2[i];
        o << "tamsu_writer_batch_size_bucket{le=\"" << ((std::uint64_t{1} << (i + 1)) - 1) << "\"} " << cumulative << '\n';
    }
    cumulative += ws.batch_size_pow2.back();
    o << "tamsu_writer_batch_size_bucket{le=\"+Inf\"} " << cumulative << '\n';
    o << "tamsu_writer_batch_size_count " << ws.batches << '\n';
    o << "tamsu_writer_batch_size_sum " << ws.requests << '\n';
    return o.str();
}

void handle_http(const std::shared_ptr<context>& ctx, const http_request& req, std::function<void(http_response)> respond) {
    auto target = std::string_view(req.target());
    auto path = target.substr(0, target.find('?'));
    bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (path == "/healthz") {
        if (!get)
            return respond(error_response(req, http::status::method_not_allowed, "method_not_allowed"));
        // contract §2: 200 while the server can accept and store messages; 503 otherwise.
        bool ok = ctx->store->writable() && !ctx->draining.load();
        return respond(json_response(
            req,
            ok ? http::status::ok : http::status::service_unavailable,
            json::object{{"status", ok ? "ok" : "unavailable"}}
        ));
    }
    if (path == "/metrics") {
        if (!get)
            return respond(error_response(req, http::status::method_not_allowed, "method_not_allowed"));
        http_response res{http::status::ok, req.version()};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.keep_alive(req.keep_alive());
        res.body() = render_metrics(*ctx);
        res.prepare_payload();
        return respond(std::move(res));
    }
    if (path == "/api/v1/login") {
        if (req.method() != http::verb::post)
            return respond(error_response(req, http::status::method_not_allowed, "method_not_allowed"));
        return login(ctx, req, std::move(respond));
    }
    if (path.rfind("/api/", 0) == 0)
        return respond(error_response(req, http::status::not_found, "not_found"));
    if (!get)
        return respond(error_response(req, http::status::method_not_allowed, "method_not_allowed"));
    serve_static(ctx, req, respond);
}

}  // namespace tamsu::server
