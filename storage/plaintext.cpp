#include "storage/plaintext.hpp"

#include <sodium.h>

namespace tamsu::storage {

void plaintext::wipe() noexcept {
    // resize() to the capacity never reallocates and makes every byte of the buffer ours to write.
    text_.resize(text_.capacity());
    sodium_memzero(text_.data(), text_.size());
    text_.clear();
}

}  // namespace tamsu::storage
