#pragma once
// Bounded outbound queue of one WebSocket session (style rule 2). Bounded in frames and in bytes: a
// client that does not read must be cut off, never buffered without limit. Touched only on the
// owning session's strand.

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace tamsu::server {

class write_queue {
public:
    struct limits {
        // A counselor console receives a whole queue snapshot per change; 4 MiB holds hundreds of them
        // and is still small next to the server's memory.
        std::size_t max_bytes = 4 * 1024 * 1024;
        std::size_t max_frames = 4096;
    };

    explicit write_queue(limits l) : limits_(l) {}

    // false: over the limit; the caller closes the connection instead of buffering.
    [[nodiscard]] bool push(std::shared_ptr<const std::string> frame) {
        if (frames_.size() + 1 > limits_.max_frames || bytes_ + frame->size() > limits_.max_bytes)
            return false;
        bytes_ += frame->size();
        frames_.push_back(std::move(frame));
        return true;
    }
    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return frames_.size(); }
    std::size_t bytes() const { return bytes_; }
    const std::string& front() const { return *frames_.front(); }
    void pop() {
        bytes_ -= frames_.front()->size();
        frames_.pop_front();
    }

private:
    limits limits_;
    std::deque<std::shared_ptr<const std::string>> frames_;
    std::size_t bytes_ = 0;
};

}  // namespace tamsu::server
