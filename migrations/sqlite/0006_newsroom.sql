-- The newsroom admin: sign-in sessions, login throttling, one-time set-password links,
-- revisions, autosaves, edit locks, uploaded media and scheduled publishing.
-- Keep in step with migrations/postgres/0006_newsroom.sql.

ALTER TABLE users ADD COLUMN last_login_at TEXT;

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
-- copy of the database cannot be used to sign in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Failed sign-ins, per account ('account:LOGIN') and per address ('ip:ADDR'). Each failure
-- past the free ones doubles the wait.
CREATE TABLE login_throttle (
    throttle_key    TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until    TEXT
);

-- One-time links to set a password (invitations and resets); only the SHA-256 is stored.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id);

-- Saved versions of a story's text, newest last.
CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    title      TEXT NOT NULL,
    excerpt    TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX revisions_article_idx ON revisions (article_id, id);

-- Work in progress the editor saved by itself, one per story and person, until it is saved
-- for real or thrown away.
CREATE TABLE autosaves (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    saved_at   TEXT NOT NULL,
    title      TEXT NOT NULL,
    excerpt    TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (article_id, user_id)
);

-- Who has a story open in the editor; a lock not renewed for two minutes has lapsed.
CREATE TABLE edit_locks (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    renewed_at TEXT NOT NULL
);

-- Uploaded files live in the database, so every node serves them.
ALTER TABLE media ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN byte_size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN uploaded_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE TABLE media_files (
    media_id     INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    variant      TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    PRIMARY KEY (media_id, variant)
);

-- Scheduled stories, by the time they are due (the publishing job reads only these).
CREATE INDEX articles_scheduled_idx ON articles (published_at) WHERE status = 'scheduled';
