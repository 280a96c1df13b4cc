#pragma once
// One counselor WebSocket (contract §3, /ws/counselor). The first frame must be `auth` with a token from
// POST /api/v1/login; after `ready`, every frame is handed to the dispatcher, which answers on this
// session. Runs on the session's strand.

#include "server/ws_session.hpp"

#include <boost/asio/steady_timer.hpp>

namespace tamsu::server {

class counselor_session : public ws_session {
public:
    counselor_session(net::ip::tcp::socket&& socket, std::shared_ptr<context> ctx);

private:
    void on_open() override;
    void on_text(std::string text) override;
    void on_closed() override;

    std::shared_ptr<counselor_session> self() { return std::static_pointer_cast<counselor_session>(shared_from_this()); }

    enum class phase { waiting_auth, authenticating, ready } phase_ = phase::waiting_auth;
    net::steady_timer auth_timer_;
};

}  // namespace tamsu::server
