#include "storage/store.hpp"

#include "storage/crypto.hpp"
#include "storage/db.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <set>
#include <sstream>
#include <thread>

namespace tamsu::storage {
namespace {

using namespace std::chrono_literals;
using test::at_ms;
using test::wait_for;

class StoreTest : public test::store_fixture {};

const std::string crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

TEST_F(StoreTest, OpenCreatesPrivateDataDirKeyAndDatabase) {
    auto s = open();
    struct stat st {};
    ASSERT_EQ(::stat(config().data_dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700U);
    ASSERT_EQ(::stat((config().data_dir / "master.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    EXPECT_TRUE(std::filesystem::exists(config().data_dir / "tamsu.db"));
    EXPECT_TRUE(s->writable());
    EXPECT_TRUE(s->school_exists_blocking("default"));
    EXPECT_FALSE(s->school_exists_blocking("nowhere"));
}

TEST_F(StoreTest, CreateCaseGivesCrockfordCodeAndSecretOnce) {
    auto s = open();
    auto c = make_case(*s);
    EXPECT_GT(c.id, 0);
    ASSERT_EQ(c.code.size(), 8U);
    EXPECT_EQ(c.code.find_first_not_of(crockford), std::string::npos);
    ASSERT_EQ(c.secret.size(), 16U);
    EXPECT_EQ(c.secret.reveal().find_first_not_of(crockford), std::string::npos);
    auto summary = s->case_by_code_blocking(c.code);
    ASSERT_TRUE(summary.has_value());
    EXPECT_EQ(summary->id, c.id);
    EXPECT_EQ(summary->state, case_state::queued);
    EXPECT_EQ(summary->level, urgency::normal);
    EXPECT_FALSE(summary->queued_at.has_value());
    EXPECT_EQ(summary->school, "default");
    EXPECT_EQ(summary->lang, "vi");
    EXPECT_EQ(summary->last_seq, 0U);
}

TEST_F(StoreTest, CreateCaseForUnknownSchoolIsInvalidArgument) {
    auto s = open();
    auto r = wait_for<new_case>([&](auto cb) { s->create_case("nowhere", "vi", at_ms(1), cb); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::invalid_argument);
}

TEST_F(StoreTest, CallbacksRunOnStorageThreadsNeverTheCallers) {
    auto s = open();
    const auto me = std::this_thread::get_id();
    std::thread::id write_thread, read_thread;
    auto created = wait_for<new_case>([&](auto cb) {
        s->create_case("default", "vi", at_ms(1), [&, cb](result<new_case> r) {
            write_thread = std::this_thread::get_id();
            cb(std::move(r));
        });
    });
    ASSERT_TRUE(created);
    auto read = wait_for<case_summary>([&](auto cb) {
        s->case_by_id(created->id, [&, cb](result<case_summary> r) {
            read_thread = std::this_thread::get_id();
            cb(std::move(r));
        });
    });
    ASSERT_TRUE(read);
    EXPECT_NE(write_thread, me);
    EXPECT_NE(read_thread, me);
}

TEST_F(StoreTest, MessagesGetConsecutiveSeqsAndReadBackInOrder) {
    auto s = open();
    auto c = make_case(*s);
    auto a = append(*s, c.id, sender::student, "s1", "em can giup", 2'000);
    auto b = append(*s, c.id, sender::counselor, "c1", "chao em", 3'000);
    auto d = append(*s, c.id, sender::system, "", "he thong", 4'000);
    ASSERT_TRUE(a && b && d);
    EXPECT_EQ(a->seq, 1U);
    EXPECT_EQ(b->seq, 2U);
    EXPECT_EQ(d->seq, 3U);
    EXPECT_FALSE(a->duplicate);

    auto all = messages(*s, c.id);
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0].text.reveal(), "em can giup");
    EXPECT_EQ(all[0].from, sender::student);
    EXPECT_EQ(all[0].at, at_ms(2'000));
    EXPECT_EQ(all[1].text.reveal(), "chao em");
    EXPECT_EQ(all[1].author, "counselor1");
    EXPECT_EQ(all[2].from, sender::system);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, i + 1);

    auto tail = messages(*s, c.id, 2);
    ASSERT_EQ(tail.size(), 1U);
    EXPECT_EQ(tail[0].seq, 3U);
    EXPECT_TRUE(messages(*s, c.id, 3).empty());
    EXPECT_EQ(s->case_by_code_blocking(c.code)->last_seq, 3U);
}

// contract §3: "Sending the same id again stores nothing new and gets the same ack."
TEST_F(StoreTest, RetriedSendReturnsTheOriginalSeqAndStoresNothing) {
    auto s = open();
    auto c = make_case(*s);
    auto first = append(*s, c.id, sender::student, "client-1", "lan dau", 2'000);
    auto other = append(*s, c.id, sender::student, "client-2", "lan hai", 3'000);
    auto retry = append(*s, c.id, sender::student, "client-1", "lan dau", 9'000);
    ASSERT_TRUE(first && other && retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, first->seq);
    EXPECT_EQ(retry->at, first->at);
    EXPECT_EQ(messages(*s, c.id).size(), 2U);
    // The same client id from the other side is a different message.
    auto counselor = append(*s, c.id, sender::counselor, "client-1", "tu van", 4'000);
    ASSERT_TRUE(counselor);
    EXPECT_FALSE(counselor->duplicate);
    EXPECT_EQ(counselor->seq, 3U);
}

// The ack of a reply can be lost just before the case is closed: its retry still gets the same ack,
// while a new reply to the closed case is refused and takes no seq.
TEST_F(StoreTest, RetriedReplyToACaseClosedSinceGetsItsAckAndANewOneIsRefused) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "a", "mot", 1'000));
    auto reply = append(*s, c.id, sender::counselor, "r1", "tra loi", 2'000);
    ASSERT_TRUE(reply);
    ASSERT_TRUE(wait_for<done>([&](auto cb) { s->set_state(c.id, case_state::closed, std::nullopt, "cn", at_ms(3'000), cb); }));

    auto retry = append(*s, c.id, sender::counselor, "r1", "tra loi", 4'000);
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, reply->seq);
    for (const char* id : {"r2", ""}) {
        auto refused = append(*s, c.id, sender::counselor, id, "moi", 5'000);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error(), errc::closed_case);
    }
    EXPECT_EQ(s->case_by_code_blocking(c.code)->last_seq, 2U);
    auto back = append(*s, c.id, sender::student, "b", "em lai day", 6'000);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->seq, 3U);
}

TEST_F(StoreTest, FirstStudentMessageSetsQueuedAt) {
    auto s = open();
    auto c = make_case(*s);
    auto first = append(*s, c.id, sender::student, "a", "mot", 5'000);
    auto second = append(*s, c.id, sender::student, "b", "hai", 6'000);
    ASSERT_TRUE(first && second);
    EXPECT_TRUE(first->first_student_message);
    EXPECT_FALSE(second->first_student_message);
    EXPECT_EQ(s->case_by_code_blocking(c.code)->queued_at, at_ms(5'000));
}

TEST_F(StoreTest, StudentMessageReopensAClosedCase) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "a", "mot", 2'000));
    ASSERT_TRUE(wait_for<done>([&](auto cb) { s->set_state(c.id, case_state::closed, std::nullopt, "cn", at_ms(3'000), cb); }));
    EXPECT_EQ(s->case_by_code_blocking(c.code)->state, case_state::closed);
    EXPECT_TRUE(s->open_cases_blocking().empty());

    auto counselor = append(*s, c.id, sender::counselor, "x", "da dong", 3'500);
    ASSERT_FALSE(counselor);
    EXPECT_EQ(counselor.error(), errc::closed_case);

    auto back = append(*s, c.id, sender::student, "b", "em lai day", 4'000);
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->reopened);
    EXPECT_EQ(back->state, case_state::queued);
    auto summary = s->case_by_code_blocking(c.code);
    EXPECT_EQ(summary->state, case_state::queued);
    EXPECT_EQ(summary->queued_at, at_ms(4'000));
    EXPECT_EQ(s->open_cases_blocking().size(), 1U);
}

TEST_F(StoreTest, StudentLevelRaisesTheCaseLevelButNeverLowersIt) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "a", "x", 2'000, urgency::high));
    EXPECT_EQ(s->case_by_code_blocking(c.code)->level, urgency::high);
    ASSERT_TRUE(append(*s, c.id, sender::student, "b", "y", 3'000, urgency::low));
    EXPECT_EQ(s->case_by_code_blocking(c.code)->level, urgency::high);
    ASSERT_TRUE(append(*s, c.id, sender::student, "c", "z", 4'000, urgency::critical));
    EXPECT_EQ(s->case_by_code_blocking(c.code)->level, urgency::critical);
    const auto all = messages(*s, c.id);
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0].level, urgency::high);
    EXPECT_EQ(all[1].level, urgency::low);
    // A counselor may set it explicitly, down as well.
    ASSERT_TRUE(wait_for<done>([&](auto cb) {
        s->set_urgency(c.id, urgency::normal, "cn", plaintext{std::string("da on dinh")}, at_ms(5'000), cb);
    }));
    EXPECT_EQ(s->case_by_code_blocking(c.code)->level, urgency::normal);
}

TEST_F(StoreTest, AppendToUnknownCaseIsNotFound) {
    auto s = open();
    auto r = append(*s, 4242, sender::student, "a", "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::not_found);
    auto m = wait_for<std::vector<stored_message>>([&](auto cb) { s->messages_since(4242, 0, cb); });
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error(), errc::not_found);
}

TEST_F(StoreTest, VerifyResumeAcceptsOnlyTheRightPair) {
    auto s = open();
    auto c = make_case(*s);
    auto other = make_case(*s);
    const std::string secret{c.secret.reveal()};
    auto ok = wait_for<case_summary>([&](auto cb) { s->verify_resume(c.code, plaintext{secret}, cb); });
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->id, c.id);

    auto wrong = wait_for<case_summary>([&](auto cb) {
        s->verify_resume(c.code, plaintext{std::string(other.secret.reveal())}, cb);
    });
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error(), errc::unauthorized);

    auto unknown = wait_for<case_summary>([&](auto cb) { s->verify_resume("ZZZZZZZZ", plaintext{secret}, cb); });
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(), errc::unauthorized);  // the same error: codes cannot be probed
}

TEST_F(StoreTest, SetStateClaimConflictReleaseClose) {
    auto s = open();
    auto c = make_case(*s);
    auto set = [&](case_state st, std::optional<std::string> who) {
        return wait_for<done>([&](auto cb) { s->set_state(c.id, st, who, who.value_or("sys"), at_ms(7'000), cb); });
    };
    ASSERT_TRUE(set(case_state::assigned, "lan"));
    EXPECT_EQ(s->case_by_code_blocking(c.code)->assigned_to, "lan");
    EXPECT_TRUE(set(case_state::assigned, "lan"));  // claiming one's own case again is fine
    auto conflict = set(case_state::assigned, "minh");
    ASSERT_FALSE(conflict);
    EXPECT_EQ(conflict.error(), errc::conflict);
    auto missing = set(case_state::assigned, std::nullopt);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), errc::invalid_argument);

    ASSERT_TRUE(set(case_state::queued, std::nullopt));
    auto released = s->case_by_code_blocking(c.code);
    EXPECT_EQ(released->state, case_state::queued);
    EXPECT_FALSE(released->assigned_to.has_value());
    EXPECT_EQ(released->queued_at, at_ms(7'000));

    ASSERT_TRUE(set(case_state::assigned, "minh"));
    ASSERT_TRUE(set(case_state::closed, std::nullopt));
    EXPECT_TRUE(set(case_state::closed, std::nullopt));
    auto closed_claim = set(case_state::assigned, "lan");
    ASSERT_FALSE(closed_claim);
    EXPECT_EQ(closed_claim.error(), errc::closed_case);

    auto unknown = wait_for<done>([&](auto cb) { s->set_state(999, case_state::closed, std::nullopt, "x", at_ms(1), cb); });
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(), errc::not_found);
    s->stop_blocking();

    db check{config().data_dir / "tamsu.db", db_options{.read_only = true}};
    auto st = check.query("SELECT group_concat(kind, ',') FROM (SELECT kind FROM case_events ORDER BY id)");
    st->step();
    EXPECT_EQ(st->column_text(0), "claim,release,claim,close");
}

TEST_F(StoreTest, NotesAreIdempotentAndReadBack) {
    auto s = open();
    auto c = make_case(*s);
    auto add = [&](std::string id, std::string text, std::int64_t ms) {
        return wait_for<sys_time>([&](auto cb) { s->add_note(c.id, id, "lan", plaintext{std::move(text)}, at_ms(ms), cb); });
    };
    auto n1 = add("n1", "ghi chu mot", 2'000);
    auto n2 = add("n2", "ghi chu hai", 3'000);
    auto again = add("n1", "ghi chu mot", 9'000);
    ASSERT_TRUE(n1 && n2 && again);
    EXPECT_EQ(*again, at_ms(2'000));
    auto notes = wait_for<std::vector<stored_message>>([&](auto cb) { s->notes_of(c.id, cb); });
    ASSERT_TRUE(notes);
    ASSERT_EQ(notes->size(), 2U);
    EXPECT_EQ((*notes)[0].text.reveal(), "ghi chu mot");
    EXPECT_EQ((*notes)[0].author, "lan");
    EXPECT_EQ((*notes)[1].text.reveal(), "ghi chu hai");
    EXPECT_TRUE(messages(*s, c.id).empty());  // notes are not messages
}

TEST_F(StoreTest, EscalationReturnsTheSameIdWhileOpen) {
    auto s = open();
    auto c = make_case(*s);
    auto esc = [&] {
        return wait_for<std::string>([&](auto cb) {
            s->open_escalation(c.id, "lan", plaintext{std::string("nguy hiem")}, at_ms(10'000), cb);
        });
    };
    auto first = esc();
    auto second = esc();
    ASSERT_TRUE(first && second);
    EXPECT_FALSE(first->empty());
    EXPECT_EQ(*first, *second);
    s->stop_blocking();
    db check{config().data_dir / "tamsu.db", db_options{.read_only = true}};
    auto st = check.query("SELECT count(*), min(deadline - opened_at) FROM escalations");
    st->step();
    EXPECT_EQ(st->column_int64(0), 1);
    EXPECT_EQ(st->column_int64(1), 12 * 3600 * 1000);
}

TEST_F(StoreTest, AddUserThenVerifyLogin) {
    auto s = open();
    auto user = s->add_user_blocking("lan", "counselor", "Co Lan", "default", plaintext{std::string("mat-khau-dai")});
    EXPECT_GT(user.id, 0);
    auto login = [&](std::string name, std::string pw) {
        return wait_for<user_info>([&](auto cb) { s->verify_login(name, plaintext{std::move(pw)}, cb); });
    };
    auto ok = login("lan", "mat-khau-dai");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->username, "lan");
    EXPECT_EQ(ok->role, "counselor");
    EXPECT_EQ(ok->display_name, "Co Lan");
    EXPECT_EQ(ok->school, "default");
    auto bad = login("lan", "sai");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), errc::unauthorized);
    auto unknown = login("khong-co", "mat-khau-dai");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(), errc::unauthorized);

    EXPECT_THROW(
        s->add_user_blocking("lan", "counselor", "", "default", plaintext{std::string("x")}), std::runtime_error
    );
    EXPECT_THROW(s->add_user_blocking("hoa", "janitor", "", "default", plaintext{std::string("x")}), std::runtime_error);
    try {
        s->add_user_blocking("hoa", "counselor", "", "nowhere", plaintext{std::string("x")});
        FAIL() << "unknown school accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown school"), std::string::npos) << e.what();
    }
}

TEST_F(StoreTest, InitialAdminIsCreatedOnceWithAUsablePassword) {
    auto s = open();
    auto password = s->ensure_initial_admin_blocking();
    ASSERT_TRUE(password.has_value());
    EXPECT_GE(password->size(), 16U);
    EXPECT_FALSE(s->ensure_initial_admin_blocking().has_value());
    auto login = wait_for<user_info>([&](auto cb) { s->verify_login("admin", plaintext{*password}, cb); });
    ASSERT_TRUE(login);
    EXPECT_EQ(login->role, "admin");
    EXPECT_EQ(login->school, "default");
}

TEST_F(StoreTest, TokensCheckUntilExpiryAndOnlyTheirHashIsStored) {
    auto s = open();
    auto user = s->add_user_blocking("lan", "supervisor", "", "default", plaintext{std::string("pw")});
    auto grant = wait_for<token_grant>([&](auto cb) { s->create_token(user.id, at_ms(100'000), cb); });
    ASSERT_TRUE(grant);
    EXPECT_EQ(grant->expires_at, at_ms(100'000));
    auto check = [&](std::string token, std::int64_t now) {
        return wait_for<user_info>([&](auto cb) { s->check_token(std::move(token), at_ms(now), cb); });
    };
    auto ok = check(grant->token, 99'999);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->username, "lan");
    EXPECT_EQ(ok->role, "supervisor");
    auto expired = check(grant->token, 100'000);
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.error(), errc::unauthorized);
    auto forged = check(crypto::random_token(), 1);
    ASSERT_FALSE(forged);
    EXPECT_EQ(forged.error(), errc::unauthorized);
    auto nobody = wait_for<token_grant>([&](auto cb) { s->create_token(777, at_ms(1), cb); });
    ASSERT_FALSE(nobody);
    EXPECT_EQ(nobody.error(), errc::not_found);
    s->stop_blocking();
    EXPECT_FALSE(test::any_file_contains(config().data_dir, grant->token));
}

TEST_F(StoreTest, BackupIsAConsistentCopyThatOpensAndContainsTheCase) {
    auto s = open();
    auto c = make_case(*s);
    ASSERT_TRUE(append(*s, c.id, sender::student, "a", "noi dung", 2'000));
    const auto copy = dir_.path() / "backup.db";
    s->backup_blocking(copy);
    struct stat st {};
    ASSERT_EQ(::stat(copy.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    EXPECT_FALSE(std::filesystem::exists(copy.string() + ".partial"));
    {
        db check{copy, db_options{.read_only = true}};
        auto q = check.query("SELECT count(*) FROM cases WHERE code = ?1");
        q->bind(1, c.code);
        q->step();
        EXPECT_EQ(q->column_int64(0), 1);
        auto m = check.query("SELECT count(*) FROM messages");
        m->step();
        EXPECT_EQ(m->column_int64(0), 1);
    }
    // Restoring the copy with the same key gives back the words.
    s->stop_blocking();
    const auto restored = dir_.path() / "restored";
    std::filesystem::create_directory(restored);
    ::chmod(restored.c_str(), 0700);
    std::filesystem::copy_file(copy, restored / "tamsu.db");
    std::filesystem::copy_file(config().data_dir / "master.key", restored / "master.key");
    auto r = store::open_blocking(settings{.data_dir = restored});
    auto back = messages(*r, c.id);
    ASSERT_EQ(back.size(), 1U);
    EXPECT_EQ(back[0].text.reveal(), "noi dung");
    // And a second backup over the first one replaces it.
    EXPECT_NO_THROW(backup_offline_blocking(settings{.data_dir = restored}, copy));
}

TEST_F(StoreTest, OfflineAddUserWorksWhileTheServerRuns) {
    auto s = open();
    auto user = add_user_offline_blocking(config(), "hoa", "counselor", "Co Hoa", "default", plaintext{std::string("pw1")});
    EXPECT_EQ(user.username, "hoa");
    auto login = wait_for<user_info>([&](auto cb) { s->verify_login("hoa", plaintext{std::string("pw1")}, cb); });
    ASSERT_TRUE(login);
    EXPECT_EQ(login->id, user.id);
    EXPECT_THROW(
        add_user_offline_blocking(config(), "hoa", "counselor", "", "default", plaintext{std::string("pw")}),
        std::runtime_error
    );
    // The server's own writer still works afterwards.
    EXPECT_NO_THROW(make_case(*s));
}

TEST_F(StoreTest, StopCommitsEveryAcceptedWriteAndCallsItsCallback) {
    auto s = open();
    auto c = make_case(*s);
    std::atomic<int> ok{0};
    constexpr int n = 100;
    for (int i = 0; i < n; ++i) {
        s->append_message(
            c.id, sender::student, "m" + std::to_string(i), "", plaintext{"tin " + std::to_string(i)}, std::nullopt, "",
            at_ms(2'000 + i), [&](result<append_result> r) {
                if (r) ++ok;
            }
        );
    }
    s->stop_blocking();
    EXPECT_EQ(ok, n);
    auto late = wait_for<append_result>([&](auto cb) {
        s->append_message(c.id, sender::student, "late", "", plaintext{std::string("x")}, std::nullopt, "", at_ms(1), cb);
    });
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error(), errc::io_error);
    s.reset();

    auto again = open();
    EXPECT_EQ(messages(*again, c.id).size(), static_cast<std::size_t>(n));
}

TEST_F(StoreTest, OpenCasesListsQueuedAndAssignedOnly) {
    auto s = open();
    auto a = make_case(*s);
    auto b = make_case(*s);
    auto c = make_case(*s);
    ASSERT_TRUE(wait_for<done>([&](auto cb) { s->set_state(b.id, case_state::assigned, "lan", "lan", at_ms(1), cb); }));
    ASSERT_TRUE(wait_for<done>([&](auto cb) { s->set_state(c.id, case_state::closed, std::nullopt, "lan", at_ms(1), cb); }));
    auto open_cases = s->open_cases_blocking();
    ASSERT_EQ(open_cases.size(), 2U);
    EXPECT_EQ(open_cases[0].id, a.id);
    EXPECT_EQ(open_cases[1].id, b.id);
    EXPECT_EQ(open_cases[1].assigned_to, "lan");
}

TEST_F(StoreTest, AnotherMasterKeyIsRefusedAtOpen) {
    {
        auto s = open();
        make_case(*s);
    }
    std::filesystem::remove(config().data_dir / "master.key");
    try {
        open();
        FAIL() << "opened with the wrong master key";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("not the key"), std::string::npos) << e.what();
    }
}

// contract §4: no message text, note or secret is ever written to disk unencrypted — not in the
// database, its WAL, shm, backups or logs.
TEST_F(StoreTest, NoPlaintextReachesAnyFileOrTheLog) {
    std::ostringstream log_text;
    auto previous = spdlog::default_logger();
    auto capture = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text)
    );
    capture->set_level(spdlog::level::trace);
    spdlog::set_default_logger(capture);

    const std::string marker = "TAMSU-MARKER-" + crypto::random_base32(20);
    const std::string note_marker = "NOTE-MARKER-" + crypto::random_base32(20);
    const std::string reason_marker = "REASON-MARKER-" + crypto::random_base32(20);
    const std::string level_marker = "LEVEL-MARKER-" + crypto::random_base32(20);
    const std::string password_marker = "PASSWORD-MARKER-" + crypto::random_base32(20);
    std::string secret;
    const auto backup = config().data_dir / "backup.db";
    {
        auto s = open();
        auto c = make_case(*s);
        secret = std::string(c.secret.reveal());
        ASSERT_TRUE(append(*s, c.id, sender::student, "m1", "em muon noi " + marker, 2'000, urgency::critical));
        ASSERT_TRUE(append(*s, c.id, sender::counselor, "m2", "tra loi " + marker, 3'000));
        ASSERT_TRUE(wait_for<sys_time>([&](auto cb) { s->add_note(c.id, "n1", "lan", plaintext{note_marker}, at_ms(4'000), cb); }));
        ASSERT_TRUE(wait_for<std::string>([&](auto cb) { s->open_escalation(c.id, "lan", plaintext{reason_marker}, at_ms(5'000), cb); }));
        ASSERT_TRUE(wait_for<done>([&](auto cb) {
            s->set_urgency(c.id, urgency::high, "lan", plaintext{level_marker}, at_ms(6'000), cb);
        }));
        s->add_user_blocking("lan", "counselor", "", "default", plaintext{password_marker});
        // Reads too: decrypting must not log.
        EXPECT_EQ(messages(*s, c.id).size(), 2U);
        s->backup_blocking(backup);
        // Scanned while the store is open, so the -wal and -shm files are there (closing the last
        // connection checkpoints and deletes the WAL), and again after close.
        EXPECT_TRUE(std::filesystem::exists(config().data_dir / "tamsu.db-wal"));
        for (const auto& needle : {marker, note_marker, reason_marker, level_marker, password_marker, secret}) {
            EXPECT_FALSE(test::any_file_contains(config().data_dir, needle)) << "while open: " << needle.substr(0, 14);
        }
    }
    spdlog::set_default_logger(previous);
    for (const auto& needle : {marker, note_marker, reason_marker, level_marker, password_marker, secret}) {
        EXPECT_FALSE(test::any_file_contains(config().data_dir, needle)) << "after close: " << needle.substr(0, 14);
        EXPECT_EQ(log_text.str().find(needle), std::string::npos) << "in the log: " << needle.substr(0, 14);
    }
    EXPECT_NE(log_text.str().find("event=db_opened"), std::string::npos);  // the capture did work
}

}  // namespace
}  // namespace tamsu::storage
