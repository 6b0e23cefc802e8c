-- Pipeline Editor schema, SQLite. Embedded by `sqlx::migrate!` and applied on open.
-- Never edit this file once released (sqlx checks checksums): add 0002_….sql instead.
--
-- Conventions: ids are UUIDv7 as lowercase hyphenated TEXT (they sort by creation time); times are INTEGER
-- microseconds since the Unix epoch, UTC (the precision PostgreSQL keeps, so both backends read back equal);
-- booleans are 0/1. Tables are STRICT so a wrong type is an error, not a silent conversion.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    -- Lowercased email: uniqueness and lookup ignore case (done in Rust, so Unicode case folding is the same
    -- as on PostgreSQL).
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
) STRICT;
CREATE INDEX memberships_user ON memberships (user_id);

-- Secrets are stored only as SHA-256 digests (BLOB, 32 bytes).
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE signin_links (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

-- No foreign keys: the record of what happened outlives the users and teams it names.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor_id TEXT,
    team_id  TEXT,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    details  TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_team ON audit_log (team_id, id DESC);

CREATE TABLE pipelines (
    -- An explicit INTEGER PRIMARY KEY is the FTS index's rowid: an implicit rowid may change on VACUUM,
    -- which would silently detach the external-content index from its rows.
    pk          INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    team_id     TEXT NOT NULL REFERENCES teams (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    file_name   TEXT,
    is_template INTEGER NOT NULL CHECK (is_template IN (0, 1)),
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER,
    yaml        TEXT NOT NULL,
    search_text TEXT NOT NULL
) STRICT;
-- Listing a team's live pipelines newest first, and its templates.
CREATE INDEX pipelines_team_updated ON pipelines (team_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX pipelines_team_templates ON pipelines (team_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL AND is_template = 1;
CREATE INDEX pipelines_team_deleted ON pipelines (team_id, deleted_at DESC) WHERE deleted_at IS NOT NULL;

-- Full-text index over name, description and search_text. External content: the text lives once, in
-- `pipelines`; the triggers below keep the index in step inside the writing transaction. unicode61 without
-- stemming (as PostgreSQL's 'simple' configuration) so prefixes of partly typed words match; prefix indexes
-- for 2, 3 and 4 characters make the first keystrokes of search-as-you-type cheap (a longer prefix matches
-- few enough words to merge their lists quickly).
CREATE VIRTUAL TABLE pipelines_fts USING fts5 (
    name, description, search_text,
    content = 'pipelines', content_rowid = 'pk',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

CREATE TRIGGER pipelines_fts_insert AFTER INSERT ON pipelines BEGIN
    INSERT INTO pipelines_fts (rowid, name, description, search_text)
    VALUES (new.pk, new.name, new.description, new.search_text);
END;

CREATE TRIGGER pipelines_fts_delete AFTER DELETE ON pipelines BEGIN
    INSERT INTO pipelines_fts (pipelines_fts, rowid, name, description, search_text)
    VALUES ('delete', old.pk, old.name, old.description, old.search_text);
END;

-- Only when indexed text changes: caches and timestamps are updated far more often than names.
CREATE TRIGGER pipelines_fts_update AFTER UPDATE OF name, description, search_text ON pipelines BEGIN
    INSERT INTO pipelines_fts (pipelines_fts, rowid, name, description, search_text)
    VALUES ('delete', old.pk, old.name, old.description, old.search_text);
    INSERT INTO pipelines_fts (rowid, name, description, search_text)
    VALUES (new.pk, new.name, new.description, new.search_text);
END;

-- One row per document: the sequence counter. Appends lock it (it is the first write of their transaction),
-- so concurrent appenders get 1, 2, 3… in commit order without gaps.
CREATE TABLE doc_heads (
    pipeline_id TEXT PRIMARY KEY REFERENCES pipelines (id) ON DELETE CASCADE,
    last_seq    INTEGER NOT NULL
) STRICT;

CREATE TABLE doc_updates (
    pipeline_id TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    author_id   TEXT,
    created_at  INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, seq)
) STRICT;

CREATE TABLE doc_snapshots (
    pipeline_id TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, seq)
) STRICT;

CREATE TABLE versions (
    id          TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    author_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    message     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    frontiers   BLOB NOT NULL,
    yaml        TEXT NOT NULL
) STRICT;
CREATE INDEX versions_pipeline ON versions (pipeline_id, created_at DESC, id DESC);
