// The writer's case cache (storage/case_cache.hpp): what it holds, that every key leaving it is
// wiped, that it forgets whatever a rolled-back request or transaction did, and — through the store
// — that no write path leaves it serving a stale value.
#include "storage/case_cache.hpp"

#include "storage/fault_injection.hpp"
#include "storage/store.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <future>

namespace tamsu::storage {
namespace {

using test::at_ms;
using test::wait_for;

bool all_zero(const unsigned char* p) { return std::all_of(p, p + crypto::key_bytes, [](unsigned char b) { return b == 0; }); }

// An unwrap that writes a recognisable key and remembers whether its slot was clean first.
struct fake_unwrap {
    unsigned char fill;
    bool* slot_was_clean = nullptr;
    bool operator()(std::span<unsigned char, crypto::key_bytes> slot) const {
        if (slot_was_clean) *slot_was_clean = all_zero(slot.data());
        std::fill(slot.begin(), slot.end(), fill);
        return true;
    }
};

case_cache::fields row(std::uint64_t last_seq) {
    return case_cache::fields{.state = case_state::queued, .level = urgency::normal, .last_seq = last_seq};
}

TEST(CaseCache, HoldsFieldsAndKeyOfEachInsertedCase) {
    case_cache cache{8};
    EXPECT_EQ(cache.find(1), nullptr);
    ASSERT_NE(cache.insert(1, row(5), fake_unwrap{0xA1}), nullptr);
    ASSERT_NE(cache.insert(2, row(7), fake_unwrap{0xB2}), nullptr);
    ASSERT_NE(cache.find(1), nullptr);
    EXPECT_EQ(cache.find(1)->last_seq, 5U);
    EXPECT_EQ(cache.find(2)->last_seq, 7U);
    EXPECT_EQ(cache.key(1)[0], 0xA1);
    EXPECT_EQ(cache.key(2)[31], 0xB2);
    EXPECT_EQ(cache.size(), 2U);
}

TEST(CaseCache, AKeyThatDoesNotUnwrapCachesNothing) {
    case_cache cache{4};
    auto* e = cache.insert(1, row(0), [](std::span<unsigned char, crypto::key_bytes> slot) {
        slot[0] = 0x55;  // half-written, then fails
        return false;
    });
    EXPECT_EQ(e, nullptr);
    EXPECT_EQ(cache.find(1), nullptr);
    EXPECT_EQ(cache.size(), 0U);
}

TEST(CaseCache, DropWipesTheKey) {
    case_cache cache{4};
    ASSERT_NE(cache.insert(1, row(0), fake_unwrap{0xC3}), nullptr);
    const unsigned char* key = cache.key(1).data();
    EXPECT_FALSE(all_zero(key));
    cache.drop(1);
    EXPECT_TRUE(all_zero(key));
    EXPECT_EQ(cache.find(1), nullptr);
    cache.drop(1);  // not cached: nothing happens
}

TEST(CaseCache, EvictionWipesTheKeyAndStaysWithinCapacity) {
    case_cache cache{3};
    std::array<const unsigned char*, 3> keys{};
    for (case_id id = 1; id <= 3; ++id) {
        ASSERT_NE(cache.insert(id, row(0), fake_unwrap{static_cast<unsigned char>(0x10 + id)}), nullptr);
        keys[static_cast<std::size_t>(id - 1)] = cache.key(id).data();
    }
    for (case_id id = 4; id <= 40; ++id) {
        bool clean = false;
        ASSERT_NE(cache.insert(id, row(0), fake_unwrap{static_cast<unsigned char>(0x10 + id), &clean}), nullptr);
        EXPECT_TRUE(clean) << "the evicted entry's key was not wiped before its slot was reused (id " << id << ")";
        EXPECT_LE(cache.size(), 3U);
        ASSERT_NE(cache.find(id), nullptr);
    }
    // Every slot now holds one of the last keys; none of the first three's bytes is left.
    for (const auto* k : keys) EXPECT_NE(k[0], 0x11);
    cache.clear();
    for (const auto* k : keys) EXPECT_TRUE(all_zero(k));
}

TEST(CaseCache, ARolledBackRequestForgetsWhatItLoadedOrChanged) {
    case_cache cache{8};
    // Committed before: case 1.
    cache.request_begun();
    ASSERT_NE(cache.insert(1, row(1), fake_unwrap{1}), nullptr);
    cache.committed();
    // Request A changes case 1 and loads case 2; request B loads case 3 and changes case 1, then fails.
    cache.request_begun();
    cache.touch(1);
    cache.find(1)->last_seq = 2;
    ASSERT_NE(cache.insert(2, row(9), fake_unwrap{2}), nullptr);
    cache.request_begun();
    ASSERT_NE(cache.insert(3, row(4), fake_unwrap{3}), nullptr);
    cache.touch(1);
    cache.find(1)->last_seq = 3;
    cache.request_rolled_back();
    EXPECT_EQ(cache.find(1), nullptr);  // B changed it: gone (A's change is read again from the database)
    EXPECT_EQ(cache.find(3), nullptr);  // B loaded it
    ASSERT_NE(cache.find(2), nullptr);  // A's, and A stays in the transaction
    cache.committed();
    ASSERT_NE(cache.find(2), nullptr);
}

TEST(CaseCache, ARolledBackTransactionForgetsEverythingSinceTheLastCommit) {
    case_cache cache{8};
    cache.request_begun();
    ASSERT_NE(cache.insert(1, row(1), fake_unwrap{1}), nullptr);
    cache.committed();
    cache.request_begun();
    ASSERT_NE(cache.insert(2, row(1), fake_unwrap{2}), nullptr);
    cache.request_begun();
    cache.touch(1);
    cache.find(1)->last_seq = 2;
    cache.rolled_back();
    EXPECT_EQ(cache.find(1), nullptr);
    EXPECT_EQ(cache.find(2), nullptr);
    // A case untouched since its commit stays.
    cache.request_begun();
    ASSERT_NE(cache.insert(3, row(1), fake_unwrap{3}), nullptr);
    cache.committed();
    cache.request_begun();
    cache.rolled_back();
    EXPECT_NE(cache.find(3), nullptr);
}

// ---- through the store: every write path that changes a cached field ----

class CaseCacheCoherence : public test::store_fixture {
protected:
    result<done> set_state(store& s, case_id id, case_state st, std::optional<std::string> who = std::nullopt) {
        return wait_for<done>([&](auto cb) { s.set_state(id, st, who, "counselor1", at_ms(3'000), cb); });
    }
    result<done> set_urgency(store& s, case_id id, urgency level) {
        return wait_for<done>([&](auto cb) { s.set_urgency(id, level, "counselor1", plaintext{std::string("why")}, at_ms(3'000), cb); });
    }
    case_summary summary(store& s, case_id id) {
        auto r = wait_for<case_summary>([&](auto cb) { s.case_by_id(id, cb); });
        if (!r) throw std::runtime_error("case_by_id failed");
        return std::move(*r);
    }
};

TEST_F(CaseCacheCoherence, CloseThenCounselorReplyIsRefusedAndStudentReopens) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "s1", "hello"));  // cached now, state queued
    ASSERT_TRUE(set_state(*s, c.id, case_state::closed));
    auto reply = append(*s, c.id, sender::counselor, "r1", "reply");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error(), errc::closed_case);
    auto again = append(*s, c.id, sender::student, "s2", "still there?");
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->reopened);
    EXPECT_EQ(again->state, case_state::queued);
    EXPECT_EQ(again->seq, 2U);
    EXPECT_EQ(summary(*s, c.id).state, case_state::queued);
}

TEST_F(CaseCacheCoherence, ClaimAndReleaseShowInTheNextAppend) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "s1", "hello"));
    ASSERT_TRUE(set_state(*s, c.id, case_state::assigned, "counselor1"));
    auto r = append(*s, c.id, sender::student, "s2", "are you there");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->state, case_state::assigned);
    ASSERT_TRUE(set_state(*s, c.id, case_state::queued));
    r = append(*s, c.id, sender::student, "s3", "hello?");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->state, case_state::queued);
    EXPECT_EQ(r->seq, 3U);
}

TEST_F(CaseCacheCoherence, UrgencyOverrideIsSeenByTheNextMessage) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "s1", "text", 2'000, urgency::high));
    EXPECT_EQ(summary(*s, c.id).level, urgency::high);
    ASSERT_TRUE(set_urgency(*s, c.id, urgency::low));  // a counselor lowers it
    // A stale copy would still say high and skip raising the level again.
    ASSERT_TRUE(append(*s, c.id, sender::student, "s2", "text", 2'100, urgency::high));
    EXPECT_EQ(summary(*s, c.id).level, urgency::high);
}

TEST_F(CaseCacheCoherence, FirstStudentMessageIsReportedOnce) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::counselor, "r1", "welcome"));  // cached, never queued
    auto first = append(*s, c.id, sender::student, "s1", "hi");
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->first_student_message);
    auto second = append(*s, c.id, sender::student, "s2", "hi again");
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->first_student_message);
    EXPECT_TRUE(summary(*s, c.id).queued_at.has_value());
}

TEST_F(CaseCacheCoherence, AFailedCommitLeavesNoStaleSequenceNumber) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_EQ(append(*s, c.id, sender::student, "s1", "one")->seq, 1U);
    s->faults_for_tests().fail_commit_at = 0;
    EXPECT_FALSE(append(*s, c.id, sender::student, "s2", "two"));
    auto r = append(*s, c.id, sender::student, "s3", "three");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->seq, 2U);  // not 3: the failed commit's seq 2 was never stored
    EXPECT_EQ(summary(*s, c.id).last_seq, 2U);
    auto r2 = append(*s, c.id, sender::student, "s2", "two");  // the client's retry of the failed one
    ASSERT_TRUE(r2);
    EXPECT_FALSE(r2->duplicate);
    EXPECT_EQ(r2->seq, 3U);
}

// One batch: appends to case X around a request that fails after its write (a counselor reply to a
// closed case). The batch runs again with savepoints; X's cached seq must follow what is stored.
TEST_F(CaseCacheCoherence, AFailingRequestInABatchLeavesTheOthersAndTheCacheRight) {
    auto s = open();
    auto x = make_case(*s);
    auto y = make_case(*s);
    ASSERT_TRUE(set_state(*s, y.id, case_state::closed));
    ASSERT_TRUE(append(*s, x.id, sender::student, "x0", "zero"));

    test::writer_hold hold{*s};  // the four requests below form one batch
    std::array<std::promise<result<append_result>>, 4> out;
    auto send = [&](std::size_t i, case_id id, sender from, std::string cid) {
        s->append_message(id, from, std::move(cid), from == sender::counselor ? "counselor1" : "", plaintext{"t" + std::to_string(i)}, std::nullopt, "", at_ms(5'000), [&out, i](result<append_result> r) {
            out[i].set_value(std::move(r));
        });
    };
    send(0, x.id, sender::student, "x1");
    send(1, y.id, sender::counselor, "y1");  // closed: fails after its INSERT
    send(2, x.id, sender::student, "x2");
    send(3, x.id, sender::student, "x1");  // a retry of the first, in the same batch
    hold.release();
    auto r0 = out[0].get_future().get();
    auto r1 = out[1].get_future().get();
    auto r2 = out[2].get_future().get();
    auto r3 = out[3].get_future().get();
    ASSERT_TRUE(r0);
    ASSERT_FALSE(r1);
    EXPECT_EQ(r1.error(), errc::closed_case);
    ASSERT_TRUE(r2);
    ASSERT_TRUE(r3);
    EXPECT_EQ(r0->seq, 2U);
    EXPECT_EQ(r2->seq, 3U);
    EXPECT_TRUE(r3->duplicate);
    EXPECT_EQ(r3->seq, 2U);

    auto next = append(*s, x.id, sender::student, "x3", "three");
    ASSERT_TRUE(next);
    EXPECT_EQ(next->seq, 4U);
    EXPECT_EQ(messages(*s, x.id).size(), 4U);
    EXPECT_EQ(messages(*s, y.id).size(), 0U);
    EXPECT_EQ(summary(*s, x.id).last_seq, 4U);
}

}  // namespace
}  // namespace tamsu::storage
