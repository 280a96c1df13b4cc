#pragma once
// What every session and route of one running server shares. Built once in serve.cpp; each member says
// who touches it. Not a god object: it owns nothing of its own but settings, and each service behind it
// keeps its own thread rules.

#include "server/metrics.hpp"
#include "server/rate_limiter.hpp"
#include "server/session_registry.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tamsu::storage {
class store;
}
namespace tamsu::triage {
class engine;
}

namespace tamsu::server {

class dispatcher;
class static_files;

struct hotline_entry {
    std::string number;
    std::string name_vi, name_en, name_zh;
};

struct session_settings {
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds token_ttl{12 * 3600};
    std::string default_school = "default";
    // contract §3: a frame the server cannot accept gets an error and the connection stays open; a
    // client past this rate gets rate_limited instead of being served. A student types far slower.
    double frames_per_second = 20;
    double frame_burst = 40;
    // sends not yet acked on one connection; more means a client that pipelines without limit
    std::size_t max_in_flight = 64;
    // contract §3 safety frame: 111 first, then the emergency numbers.
    std::vector<hotline_entry> hotlines = {
        {"111", "Tổng đài quốc gia bảo vệ trẻ em (miễn phí, 24/7)", "National child protection hotline (free, 24/7)",
         "国家儿童保护热线（免费，24小时）"},
        {"113", "Công an", "Police", "警察"},
        {"115", "Cấp cứu", "Ambulance", "急救"},
    };
};

struct context {
    session_settings settings;
    std::shared_ptr<storage::store> store;         // thread-safe (its own threads)
    std::shared_ptr<dispatcher> dispatch;          // thread-safe (posts to its strand)
    std::shared_ptr<const triage::engine> triage;  // immutable after load; read from every I/O thread
    std::shared_ptr<const static_files> files;     // immutable after load
    metrics stats;                                 // atomics
    session_registry sessions;                     // mutex inside
    // contract §3: repeated wrong secrets are rate limited: per case code (5 a minute; a 80-bit secret
    // is not guessable anyway, this stops a student's own retry loop from hammering the store) and
    // per connection address (memory only: no IP reaches disk or log).
    keyed_limiter resume_failures{5.0 / 60, 5};
    keyed_limiter resume_address_failures{20.0 / 60, 30};
    // contract §2: logins are rate limited per username.
    keyed_limiter login_attempts{5.0 / 60, 5};
    std::atomic<bool> draining{false};
    std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
};

}  // namespace tamsu::server
