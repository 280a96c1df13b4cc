#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace tamsu::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string http_response::header(std::string_view name) const {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    auto it = headers.find(key);
    return it == headers.end() ? std::string() : it->second;
}

http_response http_request(
    unsigned short port,
    std::string_view method,
    std::string_view target,
    std::string_view body,
    const std::map<std::string, std::string>& headers,
    std::chrono::milliseconds timeout
) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    // tcp_stream's own deadline covers connect, write and read together.
    stream.expires_after(timeout);

    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::user_agent, "tamsu-integration-test");
    req.set(http::field::connection, "close");
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = std::string(body);
    }
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    req.prepare_payload();

    http::response<http::string_body> res;
    beast::flat_buffer buffer;
    boost::system::error_code failure;
    std::string step = "connect";
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
    stream.async_connect(endpoint, [&](boost::system::error_code ec) {
        if (ec) {
            failure = ec;
            return;
        }
        step = "write";
        http::async_write(stream, req, [&](boost::system::error_code ec2, std::size_t) {
            if (ec2) {
                failure = ec2;
                return;
            }
            step = "read";
            http::async_read(stream, buffer, res, [&](boost::system::error_code ec3, std::size_t) {
                failure = ec3;
            });
        });
    });
    ioc.run();
    if (failure) {
        throw std::runtime_error(
            "http " + std::string(method) + " " + std::string(target) + ": " + step + ": " + failure.message()
        );
    }
    http_response out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& field : res) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        out.headers[name] = std::string(field.value());
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return out;
}

std::string gunzip(std::string_view gz) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK)  // 15 + 16: expect a gzip header, not zlib's
        throw std::runtime_error("gunzip: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    std::string out;
    int rc = Z_OK;
    while (rc == Z_OK) {
        char chunk[16384];
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - z.avail_out);
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break;  // input ended before the stream did
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END)
        throw std::runtime_error("gunzip: not a whole gzip stream (zlib code " + std::to_string(rc) + ")");
    return out;
}

std::string login(unsigned short port, std::string_view username, std::string_view password) {
    auto body = boost::json::serialize(boost::json::object{{"username", username}, {"password", password}});
    auto res = http_request(port, "POST", "/api/v1/login", body);
    boost::system::error_code ec;
    auto value = boost::json::parse(res.body, ec);
    if (res.status != 200 || ec || !value.is_object() || !value.as_object().contains("token") ||
        !value.as_object().at("token").is_string()) {
        throw std::runtime_error("login " + std::string(username) + ": " + std::to_string(res.status) + " " + res.body);
    }
    return std::string(value.as_object().at("token").get_string());
}

}  // namespace tamsu::test
