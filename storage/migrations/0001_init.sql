-- tamsu schema v1. Times are integer milliseconds since the Unix epoch (UTC).
-- Nothing a student or counselor wrote is stored in clear: bodies and reasons are
-- nonce(24) || XChaCha20-Poly1305 ciphertext under the case's own key (contract §4).

CREATE TABLE schools (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    timezone   TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    created_at INTEGER NOT NULL
);
INSERT INTO schools (code, name, created_at)
VALUES ('default', 'Default school', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('counselor', 'supervisor', 'admin')),
    display_name  TEXT NOT NULL DEFAULT '',
    school        TEXT NOT NULL DEFAULT 'default' REFERENCES schools (code),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

-- Only crypto_generichash(token): a copied database does not hand out sessions.
CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    school        TEXT NOT NULL REFERENCES schools (code),
    lang          TEXT NOT NULL DEFAULT '',
    state         INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3)),  -- 1 queued, 2 assigned, 3 closed
    urgency       INTEGER NOT NULL DEFAULT 1 CHECK (urgency BETWEEN 0 AND 3),  -- 0 low .. 3 critical
    urgency_since INTEGER NOT NULL,
    categories    TEXT NOT NULL DEFAULT '',
    assigned_to   TEXT,
    queued_at     INTEGER,  -- first student message, release, reopen
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER,
    last_seq      INTEGER NOT NULL DEFAULT 0,
    key_id        TEXT NOT NULL,   -- which master key wraps wrapped_key (rotation, v1.1)
    wrapped_key   BLOB,            -- NULL once purged (crypto-shredding, v1.1)
    secret_hash   BLOB
);
-- The start-up rebuild of the live queue reads open cases only.
CREATE INDEX cases_open ON cases (state) WHERE state IN (1, 2);
CREATE INDEX cases_by_school ON cases (school, state);

CREATE TABLE messages (
    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    sender     INTEGER NOT NULL CHECK (sender IN (1, 2, 3)),  -- 1 student, 2 counselor, 3 system
    client_id  TEXT,
    author     TEXT,
    body       BLOB NOT NULL,
    at         INTEGER NOT NULL,
    urgency    INTEGER CHECK (urgency BETWEEN 0 AND 3),
    categories TEXT,
    PRIMARY KEY (case_id, seq),
    UNIQUE (case_id, sender, client_id)  -- contract §3: a retried send stores nothing new
) WITHOUT ROWID;

CREATE TABLE notes (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    client_id TEXT,
    author    TEXT NOT NULL,
    body      BLOB NOT NULL,
    at        INTEGER NOT NULL,
    UNIQUE (case_id, author, client_id)
);
CREATE INDEX notes_by_case ON notes (case_id, id);

-- The 111 workflow (contract §6). rowid is used in the sealed reason's associated data.
CREATE TABLE escalations (
    id        TEXT PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    state     TEXT NOT NULL DEFAULT 'opened',
    opened_by TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    reason    BLOB,
    deadline  INTEGER NOT NULL
);
CREATE INDEX escalations_by_case ON escalations (case_id, state);

-- Audit trail: claims, releases, reopens, closes, level changes. Never student text; a reason a
-- counselor typed is sealed like a message.
CREATE TABLE case_events (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    actor   TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT '',
    sealed  BLOB
);
CREATE INDEX case_events_by_case ON case_events (case_id, id);

-- Durable notifications (paging, v1.1): at-least-once delivery with backoff across restarts.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
