// Open-addressing hash table for the matcher's hot vocabulary lookups. The matcher does several
// lookups per token; std::unordered_map costs a pointer chase (a cache miss) per lookup, this costs
// one probe into a flat array. Built once at load, read-only afterwards.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
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

// Byte equality for the short keys of these tables, inline: a call to memcmp costs more than the
// comparison of a word.
inline bool same_bytes(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    // Words, not bytes (every token of every message is looked up): eight bytes at a time, then the
    // last four to seven as two overlapping 4-byte loads.
    const char *p = a.data(), *q = b.data();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x = 0, y = 0;
        std::memcpy(&x, p + i, 8);
        std::memcpy(&y, q + i, 8);
        if (x != y) return false;
    }
    if (n - i >= 4) {
        std::uint32_t x1 = 0, y1 = 0, x2 = 0, y2 = 0;
        std::memcpy(&x1, p + i, 4);
        std::memcpy(&y1, q + i, 4);
        std::memcpy(&x2, p + n - 4, 4);
        std::memcpy(&y2, q + n - 4, 4);
        return x1 == y1 && x2 == y2;
    }
    for (; i < n; ++i)
        if (p[i] != q[i]) return false;
    return true;
}

// Eight bytes at a time (tokens are short: most take one round), seeded with the length. The last
// partial word is read with fixed-size loads (two overlapping 4-byte ones, or three single bytes, as
// wyhash does): a variable-size copy into a register costs a store-forwarding stall.
inline std::uint64_t hash_bytes(std::string_view s) {
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        h = mix64(h ^ w);
    }
    std::uint64_t w = 0;
    if (n >= 4) {
        std::uint32_t a = 0, b = 0;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        w = (std::uint64_t{a} << 32) | b;
    } else if (n > 0) {
        const auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
        w = (byte(0) << 16) | (byte(n / 2) << 8) | byte(n - 1);
    }
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
            if (slots_[i].hash == h && same_bytes(slots_[i].key, k)) return slots_[i].value;
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

// uint64 -> uint32, growing, for the loader's trie edges (a million of them): the entries in one
// array in insertion order and an open-addressing index over them, where a node-based map costs an
// allocation per edge at load and a free per edge after. Iterates like a map of pairs.
class flat_u64_map {
public:
    using value_type = std::pair<std::uint64_t, std::uint32_t>;
    using const_iterator = std::vector<value_type>::const_iterator;

    const_iterator begin() const { return items_.begin(); }
    const_iterator end() const { return items_.end(); }
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }

    const_iterator find(std::uint64_t k) const {
        if (index_.empty()) return end();
        for (auto i = mix64(k) & mask_; index_[i] != 0; i = (i + 1) & mask_)
            if (items_[index_[i] - 1].first == k) return items_.begin() + (index_[i] - 1);
        return end();
    }

    std::pair<const_iterator, bool> try_emplace(std::uint64_t k, std::uint32_t v) {
        if ((items_.size() + 1) * 2 > index_.size()) grow();
        auto i = mix64(k) & mask_;
        for (; index_[i] != 0; i = (i + 1) & mask_)
            if (items_[index_[i] - 1].first == k) return {items_.begin() + (index_[i] - 1), false};
        items_.emplace_back(k, v);
        index_[i] = static_cast<std::uint32_t>(items_.size());
        return {items_.end() - 1, true};
    }

private:
    std::vector<value_type> items_;
    std::vector<std::uint32_t> index_;  // position in items_ + 1; 0 = empty slot
    std::uint64_t mask_ = 0;

    void grow() {
        index_.assign(index_.empty() ? 1024 : index_.size() * 2, 0);
        mask_ = index_.size() - 1;
        for (std::size_t p = 0; p < items_.size(); ++p) {
            auto i = mix64(items_[p].first) & mask_;
            while (index_[i] != 0) i = (i + 1) & mask_;
            index_[i] = static_cast<std::uint32_t>(p + 1);
        }
    }
};

}  // namespace tamsu::triage::detail
