-- `CHECK (sender IN (1, 2, 3))` makes SQLite 3.40 build an ephemeral index on every INSERT into
-- messages (EXPLAIN shows OpenEphemeral); BETWEEN checks the same values without it. A CHECK cannot
-- be altered in place, so the table is rebuilt (SQLite's documented 12-step procedure, reduced:
-- no index, view or trigger refers to messages, and no foreign key points at it).
CREATE TABLE messages_v2 (
    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    sender     INTEGER NOT NULL CHECK (sender BETWEEN 1 AND 3),  -- 1 student, 2 counselor, 3 system
    client_id  TEXT,
    author     TEXT,
    body       BLOB NOT NULL,
    at         INTEGER NOT NULL,
    urgency    INTEGER CHECK (urgency BETWEEN 0 AND 3),
    categories TEXT,
    PRIMARY KEY (case_id, seq),
    UNIQUE (case_id, sender, client_id)  -- contract §3: a retried send stores nothing new
) WITHOUT ROWID;
INSERT INTO messages_v2 (case_id, seq, sender, client_id, author, body, at, urgency, categories)
SELECT case_id, seq, sender, client_id, author, body, at, urgency, categories FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
