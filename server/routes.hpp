#pragma once
// HTTP request → response (contract §2). Static pages, health and metrics answer at once; login goes
// through storage (Argon2id off the I/O threads) and answers through `respond`, from any thread.

#include "server/context.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>

namespace tamsu::server {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

void handle_http(const std::shared_ptr<context>& ctx, const http_request& req, std::function<void(http_response)> respond);

std::string render_metrics(context& ctx);

}  // namespace tamsu::server
