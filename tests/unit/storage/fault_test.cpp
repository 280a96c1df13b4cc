// Fault injection (style rule 14, after SQLite's fault tests and Beast's fail_count): fail the n-th
// SQLite step, or the n-th COMMIT, of the writer for n = 0, 1, 2, … until a run sees no fault; after
// each run reopen the database and check that nothing is half-written and that every request that
// reported success is there.
#include "storage/fault_injection.hpp"
#include "storage/store.hpp"

#include "storage/db.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>

namespace tamsu::storage {
namespace {

using test::at_ms;
using test::temp_dir;
using test::wait_for;

// Every case: number of messages = highest seq, seqs 1..n without gaps; each note has a non-empty
// sealed body; every event and escalation belongs to a case.
void expect_consistent(const std::filesystem::path& file) {
    db conn{file, db_options{.read_only = true}};
    auto cases = conn.query(
        "SELECT c.id, (SELECT count(*) FROM messages m WHERE m.case_id = c.id), "
        "(SELECT coalesce(max(seq), 0) FROM messages m WHERE m.case_id = c.id) FROM cases c"
    );
    while (cases->step()) {
        EXPECT_EQ(cases->column_int64(1), cases->column_int64(2)) << "case " << cases->column_int64(0);
    }
    auto empty_notes = conn.query("SELECT count(*) FROM notes WHERE length(body) = 0");
    empty_notes->step();
    EXPECT_EQ(empty_notes->column_int64(0), 0);
    auto orphans = conn.query(
        "SELECT (SELECT count(*) FROM case_events WHERE case_id NOT IN (SELECT id FROM cases)) + "
        "(SELECT count(*) FROM escalations WHERE case_id NOT IN (SELECT id FROM cases))"
    );
    orphans->step();
    EXPECT_EQ(orphans->column_int64(0), 0);
}

// One batch of mixed requests, with the writer held busy so they all commit together.
struct batch_outcome {
    bool appended_a = false, appended_b = false, noted = false, claimed = false, replied = false, escalated = false;
    std::optional<new_case> created;
    bool retried_a = false;
};

class StoreFaults : public ::testing::Test {
protected:
    temp_dir dir_;
};

TEST_F(StoreFaults, FailingTheNthStepLeavesNothingHalfWrittenAndLosesNothingAcked) {
    int faults_seen = 0;
    for (long n = 0; n < 400; ++n) {
        const settings config{.data_dir = dir_.path() / ("run" + std::to_string(n))};
        case_id id = 0;
        batch_outcome out;
        bool fault_fired = false;
        {
            auto s = store::open_blocking(config);
            auto base = wait_for<new_case>([&](auto cb) { s->create_case("default", "vi", at_ms(1), cb); });
            ASSERT_TRUE(base);
            id = base->id;

            // Hold the writer until every request below is queued: they run as one batch.
            test::writer_hold hold{*s};
            s->faults_for_tests().fail_step_at = n;

            std::promise<void> all_done;
            auto remaining = std::make_shared<std::atomic<int>>(8);
            auto finish = [&all_done, remaining] {
                if (--*remaining == 0) all_done.set_value();
            };
            auto flag = [finish](bool& dst) {
                return [&dst, finish](auto r) {
                    dst = static_cast<bool>(r);
                    finish();
                };
            };
            s->append_message(id, sender::student, "a", "", plaintext{std::string("text-a")}, urgency::high, "self_harm", at_ms(2), flag(out.appended_a));
            s->append_message(id, sender::student, "b", "", plaintext{std::string("text-b")}, std::nullopt, "", at_ms(3), flag(out.appended_b));
            s->add_note(id, "n", "lan", plaintext{std::string("note-n")}, at_ms(4), flag(out.noted));
            s->set_state(id, case_state::assigned, "lan", "lan", at_ms(5), flag(out.claimed));
            s->append_message(id, sender::counselor, "r", "lan", plaintext{std::string("reply-r")}, std::nullopt, "", at_ms(6), flag(out.replied));
            s->open_escalation(id, "lan", plaintext{std::string("reason")}, at_ms(7), flag(out.escalated));
            s->create_case("default", "en", at_ms(8), [&out, finish](result<new_case> r) {
                if (r) out.created = std::move(*r);
                finish();
            });
            // Same client id and text as "a": a retry. Stores nothing new if "a" made it.
            s->append_message(id, sender::student, "a", "", plaintext{std::string("text-a")}, urgency::high, "self_harm", at_ms(9), flag(out.retried_a));
            hold.release();
            all_done.get_future().wait();
            fault_fired = s->faults_for_tests().fail_step_at.load() < 0;
        }  // stop + close

        expect_consistent(config.data_dir / "tamsu.db");
        auto s = store::open_blocking(config);
        auto msgs = wait_for<std::vector<stored_message>>([&](auto cb) { s->messages_since(id, 0, cb); });
        ASSERT_TRUE(msgs) << "n=" << n;
        std::multiset<std::string> texts;
        for (const auto& m : *msgs) texts.insert(std::string(m.text.reveal()));
        EXPECT_EQ(texts.count("text-a"), (out.appended_a || out.retried_a) ? 1U : 0U) << "n=" << n;
        EXPECT_EQ(texts.count("text-b"), out.appended_b ? 1U : 0U) << "n=" << n;
        EXPECT_EQ(texts.count("reply-r"), out.replied ? 1U : 0U) << "n=" << n;
        auto notes = wait_for<std::vector<stored_message>>([&](auto cb) { s->notes_of(id, cb); });
        ASSERT_TRUE(notes);
        EXPECT_EQ(notes->size(), out.noted ? 1U : 0U) << "n=" << n;
        auto summary = wait_for<case_summary>([&](auto cb) { s->case_by_id(id, cb); });
        ASSERT_TRUE(summary);
        EXPECT_EQ(summary->state == case_state::assigned, out.claimed) << "n=" << n;
        EXPECT_EQ(summary->level == urgency::high, out.appended_a || out.retried_a) << "n=" << n;
        if (out.created) {
            auto resumed = wait_for<case_summary>([&](auto cb) {
                s->verify_resume(out.created->code, plaintext{std::string(out.created->secret.reveal())}, cb);
            });
            EXPECT_TRUE(resumed) << "n=" << n << ": an acknowledged case is missing";
        }
        EXPECT_EQ(s->open_cases_blocking().size(), out.created ? 3U : 2U) << "n=" << n;
        if (!fault_fired) {
            // No step was left to fail: every request must have succeeded, and we are done.
            EXPECT_TRUE(out.appended_a && out.appended_b && out.noted && out.claimed && out.replied && out.escalated);
            EXPECT_TRUE(out.created.has_value());
            break;
        }
        ++faults_seen;
    }
    EXPECT_GT(faults_seen, 10);  // the batch above takes dozens of steps; each was failed once
}

TEST_F(StoreFaults, FailingTheNthCommitFailsOnlyThatBatchAndWritableRecovers) {
    for (long n = 0; n < 6; ++n) {
        const settings config{.data_dir = dir_.path() / ("run" + std::to_string(n))};
        case_id id = 0;
        std::vector<bool> acked;
        {
            auto s = store::open_blocking(config);
            auto c = wait_for<new_case>([&](auto cb) { s->create_case("default", "vi", at_ms(1), cb); });
            ASSERT_TRUE(c);
            id = c->id;
            s->faults_for_tests().fail_commit_at = n;
            for (int i = 0; i < 5; ++i) {
                // One request per batch: each waits for the previous one's callback.
                auto r = wait_for<append_result>([&](auto cb) {
                    s->append_message(id, sender::student, "m" + std::to_string(i), "", plaintext{"text-" + std::to_string(i)}, std::nullopt, "", at_ms(10 + i), cb);
                });
                acked.push_back(static_cast<bool>(r));
                if (!r) {
                    EXPECT_EQ(r.error(), errc::io_error);
                    EXPECT_FALSE(s->writable());
                } else {
                    EXPECT_TRUE(s->writable());
                }
            }
        }
        expect_consistent(config.data_dir / "tamsu.db");
        auto s = store::open_blocking(config);
        auto msgs = wait_for<std::vector<stored_message>>([&](auto cb) { s->messages_since(id, 0, cb); });
        ASSERT_TRUE(msgs);
        std::set<std::string> texts;
        for (const auto& m : *msgs) texts.insert(std::string(m.text.reveal()));
        for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(texts.count("text-" + std::to_string(i)), acked[static_cast<std::size_t>(i)] ? 1U : 0U)
                << "n=" << n << " i=" << i;
        }
        if (n < 5) {
            EXPECT_FALSE(acked[static_cast<std::size_t>(n)]) << "commit " << n << " should have failed";
        }
    }
}

}  // namespace
}  // namespace tamsu::storage
