#include "server/counselor_session.hpp"

#include "protocol/frames.hpp"
#include "server/dispatcher/dispatcher.hpp"
#include "storage/store.hpp"

#include <spdlog/spdlog.h>

namespace tamsu::server {

namespace {
// A console authenticates in its first frame; a socket that does not within this time is not one.
constexpr auto auth_deadline = std::chrono::seconds(15);
}  // namespace

counselor_session::counselor_session(net::ip::tcp::socket&& socket, std::shared_ptr<context> ctx)
    : ws_session(std::move(socket), std::move(ctx)), auth_timer_(executor()) {}

void counselor_session::on_open() {
    ctx_->stats.counselor_connections.fetch_add(1, std::memory_order_relaxed);
    auth_timer_.expires_after(auth_deadline);
    auth_timer_.async_wait([self = self()](boost::system::error_code ec) {
        if (!ec && self->phase_ != phase::ready)
            self->error_on_strand(protocol::errc::unauthorized, "", "authenticate first");
    });
}

void counselor_session::on_closed() {
    auth_timer_.cancel();
    if (phase_ == phase::ready)
        ctx_->dispatch->detach_counselor(this);
    ctx_->stats.counselor_connections.fetch_sub(1, std::memory_order_relaxed);
}

void counselor_session::on_text(std::string text) {
    auto decoded = protocol::decode_counselor(text);
    if (!decoded) {
        const auto& e = decoded.error();
        // contract §3: before auth, anything but a good auth frame is `unauthorized` and a close.
        if (phase_ != phase::ready)
            error_on_strand(protocol::errc::unauthorized, e.re, "the first frame must be auth");
        else
            error_on_strand(e.code, e.re, e.message);
        return;
    }
    auto& frame = *decoded;
    if (phase_ == phase::authenticating)
        return error_on_strand(protocol::errc::invalid_state, "", "wait for ready");
    if (phase_ == phase::waiting_auth) {
        auto* auth = std::get_if<protocol::auth>(&frame);
        if (!auth)
            return error_on_strand(protocol::errc::unauthorized, "", "the first frame must be auth");
        phase_ = phase::authenticating;
        ctx_->store->check_token(std::move(*auth).token.take(), ctx_->now(), [self = self()](storage::result<storage::user_info> r) mutable {
            self->post_self(self, [r = std::move(r)](counselor_session& s) mutable {
                if (!r) {
                    s.error_on_strand(protocol::errc::unauthorized, "", "invalid or expired token; log in again");
                    return;
                }
                s.phase_ = phase::ready;
                s.auth_timer_.cancel();
                spdlog::info("event=counselor_connected user={}", r->username);
                s.send_on_strand(std::make_shared<const std::string>(protocol::encode(protocol::ready{
                    .username = r->username,
                    .role = r->role,
                    .display_name = r->display_name,
                    .school = r->school,
                })));
                s.ctx_->dispatch->attach_counselor(s.self(), dispatch::viewer{r->username, r->role, r->school});
            });
        });
        return;
    }
    auto& d = *ctx_->dispatch;
    std::visit(
        [&](auto&& f) {
            using T = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<T, protocol::auth>)
                error_on_strand(protocol::errc::invalid_state, "", "already authenticated");
            else if constexpr (std::is_same_v<T, protocol::duty>)
                d.set_duty(self(), f.on);
            else if constexpr (std::is_same_v<T, protocol::claim>)
                d.claim(self(), std::move(f.case_code));
            else if constexpr (std::is_same_v<T, protocol::take_next>)
                d.take_next(self());
            else if constexpr (std::is_same_v<T, protocol::reply>)
                d.reply(self(), std::move(f.id), std::move(f.case_code), std::move(f.text).take());
            else if constexpr (std::is_same_v<T, protocol::escalate>)
                d.escalate(self(), std::move(f.case_code), std::move(f.reason).take());
            else if constexpr (std::is_same_v<T, protocol::release>)
                d.release(self(), std::move(f.case_code));
            else if constexpr (std::is_same_v<T, protocol::close>)
                d.close_case(self(), std::move(f.case_code));
            else if constexpr (std::is_same_v<T, protocol::note>)
                d.note(self(), std::move(f.id), std::move(f.case_code), std::move(f.text).take());
            else if constexpr (std::is_same_v<T, protocol::set_level>)
                d.set_level(self(), std::move(f.case_code), f.level, std::move(f.reason).take());
            else if constexpr (std::is_same_v<T, protocol::transfer>)
                d.transfer(self(), std::move(f.case_code), std::move(f.to));
        },
        std::move(frame)
    );
}

}  // namespace tamsu::server
