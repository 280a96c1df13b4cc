// Open-addressing hash table for the matcher's hot vocabulary lookups. The matcher does several
// lookups per token; std::unordered_map costs a pointer chase (a cache miss) per lookup, this costs
// one probe into a flat array. Built once at load, read-only afterwards.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::triage::detail {

inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

// Eight bytes at a time (tokens are short: most take one round), seeded with the length so that
// trailing zero bytes still count.
inline std::uint64_t hash_bytes(std::string_view s) {
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + i, 8);
        h = mix64(h ^ w);
    }
    std::uint64_t w = 0;
    if (i < s.size()) std::memcpy(&w, s.data() + i, s.size() - i);
    return mix64(h ^ w);
}

// string -> uint32 value, keys stored with their hash.
class flat_string_map {
public:
    template <class Map>
    void build(const Map& m) {
        std::size_t cap = 16;
        while (cap < m.size() * 2 + 1) cap <<= 1;
        slots_.assign(cap, slot{});
        mask_ = cap - 1;
        for (const auto& [k, v] : m) {
            const auto h = hash_bytes(k);
            auto i = h & mask_;
            while (slots_[i].used) i = (i + 1) & mask_;
            slots_[i] = slot{h, k, v, true};
        }
    }

    // 0 when absent (0 is never a valid id: ids start at 2).
    std::uint32_t find(std::string_view k) const {
        if (slots_.empty()) return 0;
        const auto h = hash_bytes(k);
        auto i = h & mask_;
        while (slots_[i].used) {
            if (slots_[i].hash == h && slots_[i].key == k) return slots_[i].value;
            i = (i + 1) & mask_;
        }
        return 0;
    }

private:
    struct slot {
        std::uint64_t hash = 0;
        std::string key;
        std::uint32_t value = 0;
        bool used = false;
    };
    std::vector<slot> slots_;
    std::uint64_t mask_ = 0;
};

}  // namespace tamsu::triage::detail
