#include "support/frames.hpp"

#include <boost/json/serialize.hpp>

#include <cctype>
#include <random>
#include <stdexcept>

namespace tamsu::test {

namespace {

[[noreturn]] void bad_field(const boost::json::object& frame, std::string_view key, std::string_view want) {
    throw std::runtime_error(
        "frame field \"" + std::string(key) + "\" is not " + std::string(want) + ": " + boost::json::serialize(frame)
    );
}

}  // namespace

std::string to_json(const boost::json::value& v) { return boost::json::serialize(v); }

std::string type_of(const boost::json::object& frame) {
    auto it = frame.find("type");
    if (it == frame.end() || !it->value().is_string()) {
        return {};
    }
    return std::string(it->value().get_string());
}

std::string get_string(const boost::json::object& frame, std::string_view key) {
    auto it = frame.find(key);
    if (it == frame.end() || !it->value().is_string()) {
        bad_field(frame, key, "a string");
    }
    return std::string(it->value().get_string());
}

std::int64_t get_int(const boost::json::object& frame, std::string_view key) {
    auto it = frame.find(key);
    if (it == frame.end()) {
        bad_field(frame, key, "present");
    }
    const auto& v = it->value();
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v.get_uint64());
    }
    bad_field(frame, key, "an integer");
}

const boost::json::array& get_array(const boost::json::object& frame, std::string_view key) {
    auto it = frame.find(key);
    if (it == frame.end() || !it->value().is_array()) {
        bad_field(frame, key, "an array");
    }
    return it->value().get_array();
}

std::string expect_error(const boost::json::object& frame, std::string_view codes) {
    if (type_of(frame) != "error") {
        throw std::runtime_error(
            "expected an error frame with code " + std::string(codes) + ", got: " + boost::json::serialize(frame)
        );
    }
    auto code = get_string(frame, "code");
    std::string_view rest = codes;
    while (!rest.empty()) {
        auto bar = rest.find('|');
        if (rest.substr(0, bar) == code) {
            return code;
        }
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    throw std::runtime_error(
        "expected error code " + std::string(codes) + ", got: " + boost::json::serialize(frame)
    );
}

std::string normalize_code(std::string_view code) {
    std::string out;
    for (char c : code) {
        if (c != '-') {
            out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        }
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::random_device rd;
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        auto b = rd() & 0xffu;
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0xf]);
    }
    return out;
}

}  // namespace tamsu::test
