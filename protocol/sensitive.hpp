#pragma once
// A string that must never reach a log, a formatter or a stream (style.md rule 10, contract §4).
//
// The wrapper has no fmt::formatter, no operator<< and no implicit conversion: the only way to get at
// the bytes is to say so (`reveal()` or `take()`), which a reviewer can grep for. The tag makes
// student text and secrets different types, so one cannot be passed where the other is expected.

#include <cstddef>
#include <string>
#include <utility>

namespace tamsu::protocol {

template <class Tag>
class sensitive {
public:
    sensitive() = default;
    explicit sensitive(std::string value) : value_(std::move(value)) {}

    // Named so that every place the plain text escapes is visible in review.
    const std::string& reveal() const noexcept { return value_; }
    std::string take() && noexcept { return std::move(value_); }

    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }

    // Comparison is useful in tests and for idempotent retries; it reveals nothing.
    friend bool operator==(const sensitive&, const sensitive&) = default;

private:
    std::string value_;
};

// Message text, notes and escalation reasons written by students or counselors.
using sensitive_text = sensitive<struct text_tag>;
// Case secrets and login tokens.
using secret_string = sensitive<struct secret_tag>;

}  // namespace tamsu::protocol
