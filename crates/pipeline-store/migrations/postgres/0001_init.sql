-- Pipeline Editor schema, PostgreSQL. Embedded by `sqlx::migrate!` and applied on connect.
-- Never edit this file once released (sqlx checks checksums): add 0002_….sql instead.
--
-- The same tables as migrations/sqlite/0001_init.sql, in PostgreSQL's own types: uuid, timestamptz (the store
-- writes microsecond values, so both backends read back equal), bytea, boolean, jsonb.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    -- Lowercased in Rust, as on SQLite: uniqueness and lookup ignore case the same way on both backends.
    email_key     text NOT NULL UNIQUE,
    name          text NOT NULL,
    password_hash text,
    created_at    timestamptz NOT NULL
);

CREATE TABLE teams (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    name_key   text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE memberships (
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- Secrets are stored only as SHA-256 digests (32 bytes).
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE signin_links (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- No foreign keys: the record of what happened outlives the users and teams it names.
CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL,
    actor_id uuid,
    team_id  uuid,
    action   text NOT NULL,
    target   text NOT NULL,
    details  jsonb NOT NULL
);
CREATE INDEX audit_log_team ON audit_log (team_id, id DESC);

CREATE TABLE pipelines (
    id            uuid PRIMARY KEY,
    team_id       uuid NOT NULL REFERENCES teams (id),
    name          text NOT NULL,
    description   text NOT NULL,
    file_name     text,
    is_template   boolean NOT NULL,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    yaml          text NOT NULL,
    search_text   text NOT NULL,
    -- The full-text index: the 'simple' configuration (lowercase, no stemming, no stop words) matches FTS5's
    -- unicode61, so prefixes of partly typed words match ("generati" finds "generation", which an English
    -- stemmer would have cut to "generat"). Weights rank a hit in the name above one in the description above
    -- one in the steps. Generated and stored, so it is always in step with the text and never re-parsed at
    -- query time.
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A') ||
        setweight(to_tsvector('simple', description), 'B') ||
        setweight(to_tsvector('simple', search_text), 'C')
    ) STORED
);
CREATE INDEX pipelines_search ON pipelines USING gin (search_vector);
-- Keep the tsvector in the row (compressed if need be) and push the YAML and search text out of line first:
-- a search reads the tsvector of every candidate row, and an out-of-line value costs several page reads.
ALTER TABLE pipelines ALTER COLUMN search_vector SET STORAGE MAIN;
ALTER TABLE pipelines SET (toast_tuple_target = 4080);
-- Search checks each candidate row's tsvector, which lives out of line (TOAST): several page reads per row.
-- PostgreSQL's planner does not know that, and for a search that matches a few percent of a large library it
-- would rather walk the primary key reading tens of thousands of rows than take the few thousand the GIN
-- index names. This no-op, added to the search's filter, carries that per-row cost in the planner's eyes
-- (plpgsql, so it is never inlined away). It returns true; it changes plans, never results.
CREATE FUNCTION pipeline_search_row_cost(uuid) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 100
    AS $$ BEGIN RETURN true; END $$;

-- Listing a team's live pipelines newest first, and its templates, and its trash.
CREATE INDEX pipelines_team_updated ON pipelines (team_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX pipelines_team_templates ON pipelines (team_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL AND is_template;
CREATE INDEX pipelines_team_deleted ON pipelines (team_id, deleted_at DESC) WHERE deleted_at IS NOT NULL;

-- One row per document: the sequence counter. An append's first statement updates it, which locks the row
-- until commit, so concurrent appenders get 1, 2, 3… in commit order without gaps. Kept apart from `pipelines`
-- so that an append does not rewrite the pipeline row (and its tsvector).
CREATE TABLE doc_heads (
    pipeline_id uuid PRIMARY KEY REFERENCES pipelines (id) ON DELETE CASCADE,
    last_seq    bigint NOT NULL
);

CREATE TABLE doc_updates (
    pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    author_id   uuid,
    created_at  timestamptz NOT NULL,
    size        bigint NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (pipeline_id, seq)
);

CREATE TABLE doc_snapshots (
    pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    size        bigint NOT NULL,
    data        bytea NOT NULL,
    PRIMARY KEY (pipeline_id, seq)
);

CREATE TABLE versions (
    id          uuid PRIMARY KEY,
    pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    message     text NOT NULL,
    created_at  timestamptz NOT NULL,
    frontiers   bytea NOT NULL,
    yaml        text NOT NULL
);
CREATE INDEX versions_pipeline ON versions (pipeline_id, created_at DESC, id DESC);
