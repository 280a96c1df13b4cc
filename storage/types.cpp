#include "storage/types.hpp"

namespace tamsu::storage {

namespace {

class storage_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "tamsu.storage"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::not_found: return "not found";
        case errc::unauthorized: return "unauthorized";
        case errc::conflict: return "conflict";
        case errc::invalid_argument: return "invalid argument";
        case errc::io_error: return "storage failure";
        case errc::closed_case: return "case is closed";
        }
        return "unknown storage error";
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const storage_category category;
    return category;
}

std::string_view to_string(case_state s) noexcept {
    switch (s) {
    case case_state::queued: return "queued";
    case case_state::assigned: return "assigned";
    case case_state::closed: return "closed";
    }
    return "unknown";
}

std::string_view to_string(urgency u) noexcept {
    switch (u) {
    case urgency::low: return "low";
    case urgency::normal: return "normal";
    case urgency::high: return "high";
    case urgency::critical: return "critical";
    }
    return "unknown";
}

std::string_view to_string(sender s) noexcept {
    switch (s) {
    case sender::student: return "student";
    case sender::counselor: return "counselor";
    case sender::system: return "system";
    }
    return "unknown";
}

}  // namespace tamsu::storage
