#pragma once
// Small accessors for contract §3 frames that fail loudly: a missing or mistyped field throws
// std::runtime_error naming the field and showing the whole frame, so a test failure says what the
// server actually sent.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace tamsu::test {

std::string to_json(const boost::json::value& v);

// frame["type"] as a string, "" if absent or not a string (never throws: used in messages).
std::string type_of(const boost::json::object& frame);

std::string get_string(const boost::json::object& frame, std::string_view key);
std::int64_t get_int(const boost::json::object& frame, std::string_view key);
const boost::json::array& get_array(const boost::json::object& frame, std::string_view key);

// Throws unless frame is {"type":"error", "code": <one of codes>} (codes separated by '|').
// Returns the code.
std::string expect_error(const boost::json::object& frame, std::string_view codes);

// Case codes and secrets may be formatted differently by the server (contract: "accepted with or
// without dashes, any case"); compares them that way.
std::string normalize_code(std::string_view code);

// A random lowercase hex string of `bytes` random bytes, from std::random_device: a marker no
// server could produce by accident.
std::string random_hex(std::size_t bytes = 16);

}  // namespace tamsu::test
