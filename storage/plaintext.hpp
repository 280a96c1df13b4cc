// plaintext: student text, notes, case secrets and passwords while they are in memory.
//
// style rule 10 / contract §4: data that must never be logged has a type that cannot be logged.
// There is deliberately no fmt::formatter, no operator<< and no implicit conversion, so
// `spdlog::info("{}", text)` does not compile (fmt 9 rejects types without a formatter).
// The destructor wipes the buffer so freed heap pages do not keep the words around.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace tamsu::storage {

class plaintext {
public:
    plaintext() = default;
    explicit plaintext(std::string text) noexcept : text_(std::move(text)) {}
    plaintext(const plaintext&) = delete;
    plaintext& operator=(const plaintext&) = delete;
    plaintext(plaintext&& other) noexcept : text_(std::move(other.text_)) { other.wipe(); }
    plaintext& operator=(plaintext&& other) noexcept {
        if (this != &other) {
            wipe();
            text_ = std::move(other.text_);
            other.wipe();
        }
        return *this;
    }
    ~plaintext() { wipe(); }

    // The only way to read the words: a visible, greppable call at each use.
    [[nodiscard]] std::string_view reveal() const noexcept { return text_; }
    // Hands the buffer over; the caller now owns the duty not to log it.
    [[nodiscard]] std::string take() && {
        std::string out = std::move(text_);
        wipe();
        return out;
    }
    [[nodiscard]] bool empty() const noexcept { return text_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return text_.size(); }

private:
    // Zero the whole capacity (also the bytes a short-string move leaves behind), then clear.
    void wipe() noexcept;

    std::string text_;
};

}  // namespace tamsu::storage
