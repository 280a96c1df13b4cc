// case_cache: the writer's copy of the case fields every message reads, and the case's unwrapped key.
//
// Without it each append_message reads its case row (a SELECT) and unwraps the case key (an AEAD
// decryption under the master key): ~10,000 of the writer's instructions per message
// (docs/performance.md §9). The writer is the only read-write connection, so a cache on the writer
// thread stays true to the database as long as
//   1. every write to a cached field of `cases` updates the entry or drops it (today: append_message
//      updates it; set_state and set_urgency drop it; a future purge, retention or key rotation
//      must drop it too — grep for `cases.drop(`), and
//   2. whatever a transaction or a request did to the cache is undone when SQLite undoes it: the
//      cache is the writer's writer_observer and keeps a journal of the ids loaded or changed since
//      the last COMMIT; a request's rollback drops the ids it touched, a transaction's rollback drops
//      every id of the journal. Dropping is always safe: the next request reads the row again.
// Nothing else writes `cases` while the server runs (the CLI's `user add` touches `users` only).
//
// Keys sit in a crypto::key_slots block (guarded, mlock'ed), one slot per entry, wiped when the
// entry is dropped or evicted and when the cache is destroyed. Eviction is CLOCK (second chance)
// over a fixed number of entries, sized for the open cases of a busy server.
//
// Threads: writer thread only (construction and destruction aside, while no request runs).
#pragma once

#include "storage/crypto.hpp"
#include "storage/types.hpp"
#include "storage/writer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace tamsu::storage {

class case_cache final : public writer_observer {
public:
    // The fields of a `cases` row that append_message reads and writes.
    struct fields {
        case_state state = case_state::queued;
        urgency level = urgency::normal;
        std::uint64_t last_seq = 0;
        bool queued = false;  // queued_at IS NOT NULL
        std::string categories{};
    };

    // One entry per open case a busy school has at once, with room to spare; 32 bytes of guarded
    // memory per key (128 KiB) and about 100 bytes of fields each.
    static constexpr std::size_t default_capacity = 4096;

    explicit case_cache(std::size_t capacity = default_capacity);

    // Null if the case is not cached. The pointer is valid until the next insert() or drop().
    // Call touch(id) before changing what it points to.
    fields* find(case_id id) noexcept;
    crypto::key_view key(case_id id) const noexcept;  // id must be cached (after find() or insert())

    // Caches a row read inside the current transaction; the key is unwrapped into the entry's slot by
    // `unwrap(slot)`, which returns false if it does not open (then nothing is cached and insert
    // returns null). Evicts an entry if full.
    template <class Unwrap>
    fields* insert(case_id id, fields row, Unwrap&& unwrap) {
        const std::size_t slot = free_slot();
        if (!unwrap(keys_.at(slot))) {
            keys_.wipe(slot);
            return nullptr;
        }
        return &place(id, slot, std::move(row));
    }

    // Records that the entry is about to change inside the current transaction.
    void touch(case_id id) { journal_.push_back(id); }
    // Forgets the entry and wipes its key. No-op if not cached.
    void drop(case_id id) noexcept;
    void clear() noexcept;

    std::size_t size() const noexcept { return index_.size(); }
    std::size_t capacity() const noexcept { return entries_.size(); }

    // writer_observer
    void request_begun() override { request_mark_ = journal_.size(); }
    void request_rolled_back() override;
    void committed() override;
    void rolled_back() override;

private:
    struct entry {
        case_id id = 0;
        bool used = false;
        bool referenced = false;  // CLOCK: set on each hit, cleared as the hand passes
        fields row{};
    };

    std::size_t free_slot() noexcept;
    fields& place(case_id id, std::size_t slot, fields row);

    std::vector<entry> entries_;
    crypto::key_slots keys_;  // keys_.at(i) belongs to entries_[i]
    std::unordered_map<case_id, std::size_t> index_;
    std::vector<std::size_t> free_;  // unused slots
    std::size_t hand_ = 0;
    // Ids loaded or changed since the last COMMIT (may repeat), and where the current request began.
    std::vector<case_id> journal_;
    std::size_t request_mark_ = 0;
};

}  // namespace tamsu::storage
