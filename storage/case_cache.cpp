#include "storage/case_cache.hpp"

#include <utility>

namespace tamsu::storage {

case_cache::case_cache(std::size_t capacity) : entries_(capacity == 0 ? 1 : capacity), keys_(entries_.size()) {
    index_.reserve(entries_.size());
    free_.reserve(entries_.size());
    for (std::size_t i = entries_.size(); i > 0; --i) free_.push_back(i - 1);
}

case_cache::fields* case_cache::find(case_id id) noexcept {
    const auto it = index_.find(id);
    if (it == index_.end()) return nullptr;
    auto& e = entries_[it->second];
    e.referenced = true;
    return &e.row;
}

crypto::key_view case_cache::key(case_id id) const noexcept { return keys_.view(index_.find(id)->second); }

std::size_t case_cache::free_slot() noexcept {
    if (!free_.empty()) {
        const auto slot = free_.back();
        free_.pop_back();
        return slot;
    }
    // CLOCK: the first entry not used since the hand last passed it. Ends within two rounds.
    for (;;) {
        auto& e = entries_[hand_];
        const std::size_t slot = hand_;
        hand_ = (hand_ + 1) % entries_.size();
        if (e.referenced) {
            e.referenced = false;
            continue;
        }
        index_.erase(e.id);
        e = entry{};
        keys_.wipe(slot);
        return slot;
    }
}

case_cache::fields& case_cache::place(case_id id, std::size_t slot, fields row) {
    drop(id);  // defensive: insert() is only called after find() missed
    auto& e = entries_[slot];
    e.id = id;
    e.used = true;
    e.referenced = true;
    e.row = std::move(row);
    index_.emplace(id, slot);
    journal_.push_back(id);  // read inside a transaction that may still roll back
    return e.row;
}

void case_cache::drop(case_id id) noexcept {
    const auto it = index_.find(id);
    if (it == index_.end()) return;
    const auto slot = it->second;
    index_.erase(it);
    entries_[slot] = entry{};
    keys_.wipe(slot);
    free_.push_back(slot);
}

void case_cache::clear() noexcept {
    while (!index_.empty()) drop(index_.begin()->first);
    journal_.clear();
    request_mark_ = 0;
}

void case_cache::request_rolled_back() {
    for (std::size_t i = request_mark_; i < journal_.size(); ++i) drop(journal_[i]);
    journal_.resize(request_mark_);
}

void case_cache::committed() {
    journal_.clear();
    request_mark_ = 0;
}

void case_cache::rolled_back() {
    for (const auto id : journal_) drop(id);
    journal_.clear();
    request_mark_ = 0;
}

}  // namespace tamsu::storage
