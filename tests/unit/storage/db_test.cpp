#include "storage/db.hpp"

#include "storage/migrations.hpp"
#include "storage_test_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace tamsu::storage {
namespace {

using test::temp_dir;

std::int64_t count(db& conn, const char* sql) {
    auto st = conn.query(sql);
    st->step();
    return st->column_int64(0);
}

TEST(Migrations, FreshDatabaseReachesTheLatestVersion) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    EXPECT_EQ(conn.user_version(), 0);
    const int version = detail::migrate_blocking(conn);
    EXPECT_EQ(version, static_cast<int>(detail::embedded_migrations().size()));
    EXPECT_EQ(conn.user_version(), version);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM schools WHERE code = 'default'"), 1);
    for (const char* table : {"users", "tokens", "cases", "messages", "notes", "escalations", "case_events", "outbox"}) {
        auto st = conn.query("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
        st->bind(1, std::string_view{table});
        st->step();
        EXPECT_EQ(st->column_int64(0), 1) << table;
    }
}

TEST(Migrations, ReopeningAMigratedDatabaseIsANoOp) {
    temp_dir dir;
    int first = 0;
    {
        db conn{dir.path() / "t.db", db_options{.create = true}};
        first = detail::migrate_blocking(conn);
    }
    db conn{dir.path() / "t.db", db_options{}};
    EXPECT_EQ(detail::migrate_blocking(conn), first);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM schools"), 1);  // the seed row was not inserted twice
}

// Migration 0003 drops cases.last_seq (the writer no longer updates the case row per message); the
// highest seq is read from the messages instead, so nothing a version-2 database held is lost.
TEST(Migrations, Version2CasesLoseLastSeqAndKeepTheirMessages) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    {
        transaction tx{conn, transaction::kind::immediate};
        conn.exec(std::string{detail::embedded_migrations().at(0).sql}.c_str());
        conn.exec(std::string{detail::embedded_migrations().at(1).sql}.c_str());
        conn.exec("PRAGMA user_version = 2");
        tx.commit();
    }
    conn.exec(
        "INSERT INTO cases (id, code, school, urgency_since, created_at, key_id, last_seq) "
        "VALUES (7, 'ABCD2345', 'default', 0, 0, 'k', 2)"
    );
    conn.exec(
        "INSERT INTO messages (case_id, seq, sender, client_id, body, at) VALUES "
        "(7, 1, 1, 'c1', x'0102', 10), (7, 2, 2, NULL, x'03', 20)"
    );
    EXPECT_GE(detail::migrate_blocking(conn), 3);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM pragma_table_info('cases') WHERE name = 'last_seq'"), 0);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM cases WHERE id = 7 AND code = 'ABCD2345'"), 1);
    EXPECT_EQ(count(conn, "SELECT coalesce((SELECT max(seq) FROM messages WHERE case_id = 7), 0)"), 2);
}

TEST(Migrations, Version1MessagesSurviveTheSenderCheckRebuild) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    {
        // Only migration 0001, as a database written by the first release.
        transaction tx{conn, transaction::kind::immediate};
        conn.exec(std::string{detail::embedded_migrations().at(0).sql}.c_str());
        conn.exec("PRAGMA user_version = 1");
        tx.commit();
    }
    conn.exec(
        "INSERT INTO cases (id, code, school, urgency_since, created_at, key_id, last_seq) "
        "VALUES (7, 'ABCD2345', 'default', 0, 0, 'k', 2)"
    );
    conn.exec(
        "INSERT INTO messages (case_id, seq, sender, client_id, body, at, urgency, categories) VALUES "
        "(7, 1, 1, 'c1', x'0102', 10, 3, 'suicide'), (7, 2, 2, NULL, x'03', 20, NULL, NULL)"
    );
    detail::migrate_blocking(conn);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM messages WHERE case_id = 7"), 2);
    EXPECT_EQ(count(conn, "SELECT urgency FROM messages WHERE case_id = 7 AND client_id = 'c1'"), 3);
    // The idempotency key and the sender check still hold after the rebuild.
    EXPECT_THROW(
        conn.exec("INSERT INTO messages (case_id, seq, sender, client_id, body, at) VALUES (7, 3, 1, 'c1', x'00', 30)"),
        db_error
    );
    EXPECT_THROW(
        conn.exec("INSERT INTO messages (case_id, seq, sender, client_id, body, at) VALUES (7, 3, 4, 'c9', x'00', 30)"),
        db_error
    );
    // Deleting the case still takes its messages with it.
    conn.exec("DELETE FROM cases WHERE id = 7");
    EXPECT_EQ(count(conn, "SELECT count(*) FROM messages"), 0);
}

TEST(Migrations, InsertingAMessageBuildsNoTemporaryIndex) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    detail::migrate_blocking(conn);
    auto st = conn.query(
        "EXPLAIN INSERT INTO messages (case_id, seq, sender, client_id, body, at) VALUES (1, 1, 1, 'c', x'00', 0)"
    );
    while (st->step()) EXPECT_NE(st->column_text(1), "OpenEphemeral");
}

TEST(Migrations, DatabaseFromANewerTamsuIsRefused) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    detail::migrate_blocking(conn);
    conn.exec("PRAGMA user_version = 999");
    EXPECT_THROW(detail::migrate_blocking(conn), std::runtime_error);
}

TEST(Db, PragmasAreSetAtOpen) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    {
        auto st = conn.query("PRAGMA journal_mode");
        st->step();
        EXPECT_EQ(st->column_text(0), "wal");
    }
    EXPECT_EQ(count(conn, "PRAGMA foreign_keys"), 1);
    EXPECT_EQ(count(conn, "PRAGMA synchronous"), 2);  // FULL
    EXPECT_EQ(count(conn, "PRAGMA busy_timeout"), 5000);
}

TEST(Db, TransactionRollsBackUnlessCommitted) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    conn.exec("CREATE TABLE t (x INTEGER)");
    {
        transaction tx{conn, transaction::kind::immediate};
        conn.exec("INSERT INTO t VALUES (1)");
    }
    EXPECT_EQ(count(conn, "SELECT count(*) FROM t"), 0);
    {
        transaction tx{conn, transaction::kind::immediate};
        conn.exec("INSERT INTO t VALUES (2)");
        tx.commit();
    }
    EXPECT_EQ(count(conn, "SELECT count(*) FROM t"), 1);
    EXPECT_FALSE(conn.in_transaction());
}

TEST(Db, ErrorsCarryTheSqliteCodeAndMessage) {
    temp_dir dir;
    db conn{dir.path() / "t.db", db_options{.create = true}};
    conn.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
    conn.exec("INSERT INTO t VALUES (1)");
    try {
        auto st = conn.query("INSERT INTO t VALUES (1)");
        st->step();
        FAIL() << "duplicate key accepted";
    } catch (const db_error& e) {
        EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_PRIMARYKEY);
        EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed"), std::string::npos) << e.what();
    }
    try {
        conn.exec("SELECT nonsense FROM nowhere");
        FAIL() << "bad SQL accepted";
    } catch (const db_error& e) {
        EXPECT_EQ(e.code(), SQLITE_ERROR);
        EXPECT_NE(std::string(e.what()).find("no such table"), std::string::npos) << e.what();
    }
}

TEST(Db, ReadOnlyConnectionRefusesWrites) {
    temp_dir dir;
    db writer_conn{dir.path() / "t.db", db_options{.create = true}};
    writer_conn.exec("CREATE TABLE t (x INTEGER)");
    db reader_conn{dir.path() / "t.db", db_options{.read_only = true}};
    try {
        reader_conn.exec("INSERT INTO t VALUES (1)");
        FAIL() << "write through a read-only connection";
    } catch (const db_error& e) {
        EXPECT_EQ(e.code() & 0xff, SQLITE_READONLY);
    }
}

TEST(Db, CachedStatementIsResetSoReadersSeeNewCommits) {
    temp_dir dir;
    db writer_conn{dir.path() / "t.db", db_options{.create = true}};
    writer_conn.exec("CREATE TABLE t (x INTEGER)");
    writer_conn.exec("INSERT INTO t VALUES (1)");
    db reader_conn{dir.path() / "t.db", db_options{.read_only = true}};
    {
        auto st = reader_conn.query("SELECT x FROM t");
        ASSERT_TRUE(st->step());  // left mid-result on purpose: the lease must end the snapshot
    }
    writer_conn.exec("INSERT INTO t VALUES (2)");
    EXPECT_EQ(count(reader_conn, "SELECT count(*) FROM t"), 2);
}

}  // namespace
}  // namespace tamsu::storage
