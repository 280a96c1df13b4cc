#pragma once
// Helpers shared by the decoder tests.

#include "protocol/frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tamsu::protocol::test {

// Decodes and returns the frame of the expected alternative; records a failure (and returns a
// default frame) otherwise, so one bad case does not stop the rest of a table.
template <class Frame, class Decode>
Frame expect_frame(Decode decode, std::string_view json) {
    auto r = decode(json);
    if (!r) {
        ADD_FAILURE() << "decode failed for " << json << ": " << wire_code(r.error().code) << " "
                      << r.error().message;
        return Frame{};
    }
    const auto* frame = std::get_if<Frame>(&*r);
    if (frame == nullptr) {
        ADD_FAILURE() << "wrong frame type for " << json;
        return Frame{};
    }
    return *frame;
}

template <class Decode>
decode_error expect_error(Decode decode, std::string_view json) {
    auto r = decode(json);
    if (r) {
        ADD_FAILURE() << "decode unexpectedly succeeded for " << json;
        return decode_error{};
    }
    return r.error();
}

inline auto student = [](std::string_view json) { return decode_student(json); };
inline auto counselor = [](std::string_view json) { return decode_counselor(json); };

// A string of n copies of s.
inline std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out.append(s);
    return out;
}

}  // namespace tamsu::protocol::test
