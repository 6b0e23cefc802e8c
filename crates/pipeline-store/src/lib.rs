//! Persistence for Pipeline Editor: everything durable, behind one trait, on SQLite (default) or PostgreSQL.
//!
//! The server and the document layer decide; the store remembers. It keeps users, teams and roles, sessions,
//! API tokens and sign-in links (secrets only as SHA-256 digests, passwords as argon2id hashes), an audit log,
//! pipelines with their cached YAML and search text, each pipeline's document as an append-only log of opaque
//! update blobs plus snapshots, named versions, and a full-text index. It does not interpret Loro bytes, check
//! permissions or render YAML: the store knows nothing of `pipeline-doc` or `pipeline-format`.
//!
//! # Map
//!
//! - `Store` (this file): the trait, written once against both backends; `open` picks one from a data
//!   directory or a `postgres://` URL. Callers hold an `Arc<dyn Store>`.
//! - `model`: the records and inputs (`User`, `Pipeline`, `DocLog`, `PipelineQuery`…). `error`: `StoreError`.
//! - `input`: the checks every input passes before SQL, shared so both backends refuse the same things;
//!   `rules`: the same for snapshots, compaction, pipeline updates and versions.
//! - `search`: the query language (words, prefix matching), rendered to FTS5 and to `tsquery`. A search ranks
//!   the newest `PipelineQuery::SEARCH_WINDOW` matches, so a one-letter prefix costs no more than a rare word.
//! - `auth`: argon2id password hashes, random tokens and their digests.
//! - `sqlite`: `SqliteStore`, one file `DATA_DIR/pipeline-editor.sqlite3` in WAL mode with `synchronous=FULL`,
//!   one writer connection and a small reader pool; search on an FTS5 external-content table kept by triggers.
//! - `postgres`: `PostgresStore`; search on a generated, GIN-indexed `tsvector` column. Row locks order
//!   concurrent appends; `postgres/feed.rs`: the change feed between nodes (NOTIFY in every append's
//!   transaction, LISTEN per node).
//! - `migrations/sqlite`, `migrations/postgres`: the schemas, embedded with `sqlx::migrate!` and applied on
//!   open. Never edit an applied migration (sqlx checks their checksums): add a new one.
//! - `tests/contract`: the contract, one suite of async functions over a `TestDb` (an `Arc<dyn Store>` and a
//!   way to reopen it), run against SQLite in a
//!   temporary directory and against a real PostgreSQL (`PIPELINE_TEST_DATABASE_URL`, or a throw-away server
//!   started by `scripts/pg-test-server.sh`).
//! - `examples/search_bench.rs`: search latency over 10,000 and 100,000 generated pipelines, both backends.
//!
//! # Invariants
//!
//! - A call that returns `Ok` has committed: on SQLite the WAL is fsynced (`synchronous=FULL`), on PostgreSQL
//!   the commit is flushed (`synchronous_commit` on, its default). The server acknowledges an edit only then.
//! - A document's updates get sequence numbers 1, 2, 3… per pipeline, without gaps, in commit order, even with
//!   concurrent appenders (a counter row, locked by the append's transaction).
//! - Compaction never loses an update: it deletes only updates that a stored snapshot covers, in one transaction.
//! - No input makes the store panic; bad input is `StoreError::Invalid`, never a backend error.

pub mod auth;
mod error;
mod input;
pub mod model;
mod postgres;
mod rules;
mod search;
mod sqlite;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use error::{BackendError, Result, StoreError};
pub use model::*;
pub use postgres::{ChangeFeed, PostgresStore};
pub use sqlite::{SQLITE_FILE_NAME, SqliteStore};

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Opens the store named by `target`, creating and migrating it as needed:
/// `postgres://…` or `postgresql://…` opens PostgreSQL; `sqlite:PATH` opens that SQLite file; anything else is a
/// data directory, created if missing, holding `pipeline-editor.sqlite3`.
///
/// # Errors
/// `Backend` if the database cannot be reached, created or migrated.
pub async fn open(target: &str) -> Result<Arc<dyn Store>> {
    Ok(match Target::parse(target) {
        Target::Postgres(url) => Arc::new(PostgresStore::connect(&url).await?),
        Target::SqliteFile(path) => Arc::new(SqliteStore::open_file(&path).await?),
        Target::DataDir(dir) => Arc::new(SqliteStore::open(&dir).await?),
    })
}

/// Where `open` looks, parsed from its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Postgres(String),
    SqliteFile(PathBuf),
    DataDir(PathBuf),
}

impl Target {
    pub fn parse(target: &str) -> Target {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            Target::Postgres(target.to_owned())
        } else if let Some(path) = target.strip_prefix("sqlite://").or_else(|| target.strip_prefix("sqlite:")) {
            Target::SqliteFile(Path::new(path).to_owned())
        } else {
            Target::DataDir(Path::new(target).to_owned())
        }
    }
}

/// Everything durable in Pipeline Editor. See the crate docs for the invariants every implementation keeps; the
/// contract suite in `tests/contract` checks them against both.
///
/// Lookups by key fail with `NotFound`; lookups by secret (a session or API token, a sign-in link) return
/// `None` for unknown, expired, revoked or used ones alike, so callers cannot leak which it was.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Closes the connections, waiting for running calls. Later calls fail with `Backend`.
    async fn close(&self);

    // ----- users -----

    /// Creates a user. `Conflict` if the email is taken, ignoring case; `Invalid` for a malformed email.
    async fn create_user(&self, new: NewUser) -> Result<User>;
    async fn get_user(&self, id: UserId) -> Result<User>;
    /// The user with this email, ignoring case.
    async fn user_by_email(&self, email: &str) -> Result<User>;
    /// All users, oldest first.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// How many users exist (0 on first run).
    async fn count_users(&self) -> Result<u64>;
    async fn update_user(&self, id: UserId, update: UserUpdate) -> Result<User>;
    /// Stores an already computed PHC hash; `None` removes the password. Prefer `set_password`.
    async fn set_password_hash(&self, id: UserId, hash: Option<String>) -> Result<()>;
    /// The user with this email and their password hash, or `None` if there is no such user.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>>;

    /// Hashes `password` (argon2id, on the blocking pool) and stores the hash.
    ///
    /// # Errors
    /// `Invalid` for a too short or too long password; `NotFound` for an unknown user.
    async fn set_password(&self, id: UserId, password: &str) -> Result<()> {
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(StoreError::backend)??;
        self.set_password_hash(id, Some(hash)).await
    }

    /// The user if `email` exists and `password` is theirs, else `None`. Takes as long for an unknown email as
    /// for a wrong password.
    async fn verify_password(&self, email: &str, password: &str) -> Result<Option<User>> {
        let credentials = self.credentials(email).await?;
        let hash = match &credentials {
            Some(Credentials { password_hash: Some(hash), .. }) => hash.clone(),
            _ => auth::dummy_hash().to_owned(),
        };
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
            .await
            .map_err(StoreError::backend)?;
        Ok(match credentials {
            Some(Credentials { user, password_hash: Some(_) }) if ok => Some(user),
            _ => None,
        })
    }

    // ----- teams and roles -----

    /// Creates a team. `Conflict` if the name is taken, ignoring case.
    async fn create_team(&self, name: &str) -> Result<Team>;
    async fn get_team(&self, id: TeamId) -> Result<Team>;
    /// The team with this name, ignoring case.
    async fn team_by_name(&self, name: &str) -> Result<Team>;
    /// All teams, by name.
    async fn list_teams(&self) -> Result<Vec<Team>>;
    /// Makes `user` a member of `team` with `role`, or changes their role. `NotFound` if either is missing.
    async fn set_role(&self, team: TeamId, user: UserId, role: Role) -> Result<()>;
    /// Removes a membership. `NotFound` if there was none.
    async fn remove_member(&self, team: TeamId, user: UserId) -> Result<()>;
    /// The user's role in the team, `None` if not a member.
    async fn role(&self, team: TeamId, user: UserId) -> Result<Option<Role>>;
    /// The team's members with their roles, by email.
    async fn members(&self, team: TeamId) -> Result<Vec<Member>>;
    /// The user's teams with their roles, by team name.
    async fn teams_of(&self, user: UserId) -> Result<Vec<TeamRole>>;

    // ----- sessions, API tokens, sign-in links -----

    /// Starts a session lasting `ttl`; the returned token is the only copy of the secret.
    async fn create_session(&self, user: UserId, ttl: Duration) -> Result<NewSession>;
    /// The live session for a token; `None` if unknown or expired.
    async fn session(&self, token: &str) -> Result<Option<Session>>;
    /// Ends a session (sign-out). Unknown tokens are ignored.
    async fn delete_session(&self, token: &str) -> Result<()>;
    /// Ends every session of a user (password change, "sign out everywhere"); returns how many.
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64>;
    /// Deletes expired sessions and expired or used sign-in links; returns how many rows went.
    async fn purge_expired(&self) -> Result<u64>;

    /// Creates an API token; the returned secret is the only copy.
    async fn create_api_token(&self, user: UserId, name: &str) -> Result<NewApiToken>;
    /// The live token for a secret, noting its use; `None` if unknown or revoked.
    async fn authenticate_api_token(&self, secret: &str) -> Result<Option<ApiToken>>;
    /// A user's tokens, revoked ones included, newest first.
    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
    /// Revokes a token of `user`. `NotFound` if `user` has no such token; revoking twice is fine.
    async fn revoke_api_token(&self, user: UserId, id: TokenId) -> Result<()>;

    /// Creates a one-time sign-in link secret valid for `ttl`.
    async fn create_signin_link(&self, user: UserId, ttl: Duration) -> Result<String>;
    /// Uses a sign-in link: the user if it is known, unexpired and unused (it is then used); else `None`.
    async fn consume_signin_link(&self, secret: &str) -> Result<Option<UserId>>;

    // ----- audit log -----

    async fn record_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry>;
    /// A team's audit entries, newest first.
    async fn audit_log(&self, query: AuditQuery) -> Result<Vec<AuditEntry>>;

    // ----- pipelines -----

    /// Creates a pipeline (and its document's first update, if given) in one transaction.
    async fn create_pipeline(&self, new: NewPipeline) -> Result<Pipeline>;
    /// Creates many pipelines in one transaction: all or none (bulk import).
    async fn create_pipelines(&self, new: Vec<NewPipeline>) -> Result<Vec<PipelineId>>;
    /// A pipeline, deleted or not.
    async fn get_pipeline(&self, id: PipelineId) -> Result<Pipeline>;
    /// Changes metadata or caches; moves `updated_at`.
    async fn update_pipeline(&self, id: PipelineId, update: PipelineUpdate) -> Result<Pipeline>;
    /// Moves a pipeline to the trash (soft delete); deleting a deleted one keeps its first `deleted_at`.
    async fn delete_pipeline(&self, id: PipelineId) -> Result<Pipeline>;
    /// Takes a pipeline out of the trash.
    async fn restore_pipeline(&self, id: PipelineId) -> Result<Pipeline>;
    /// Deletes a pipeline for good, with its document and versions.
    async fn purge_pipeline(&self, id: PipelineId) -> Result<()>;
    /// Lists or searches pipelines; see `PipelineQuery`.
    async fn list_pipelines(&self, query: &PipelineQuery) -> Result<Page<PipelineSummary>>;

    // ----- documents: update log and snapshots -----

    /// Appends updates (to any pipelines) in one transaction and returns their sequence numbers, in input
    /// order. Durable when it returns. Batching many edits into one call shares one commit (group commit).
    async fn append_updates(&self, updates: Vec<NewUpdate>) -> Result<Vec<u64>>;

    /// Appends one update; durable when it returns.
    async fn append_update(&self, pipeline: PipelineId, data: Vec<u8>, author: Option<UserId>) -> Result<u64> {
        let seqs = self.append_updates(vec![NewUpdate { pipeline, data, author }]).await?;
        seqs.first().copied().ok_or_else(|| StoreError::backend("append returned no sequence number"))
    }

    /// Notes of what *other* server processes change in this database — updates appended (for fanning them out
    /// to this node's clients), roles changed (for closing connections that lost their access) — and of notes
    /// that may have been lost: PostgreSQL LISTEN/NOTIFY. `None` on SQLite (one process owns the file).
    async fn change_feed(&self) -> Result<Option<ChangeFeed>> {
        Ok(None)
    }

    /// The latest snapshot and every update after it.
    async fn load(&self, pipeline: PipelineId) -> Result<DocLog>;
    /// The updates with `seq > after`, in order. `Compacted` if some of them were deleted by `compact`.
    async fn updates_since(&self, pipeline: PipelineId, after: u64) -> Result<Vec<Update>>;
    /// Stores a snapshot that includes every update up to `up_to_seq`. `Invalid` if `up_to_seq` is past the
    /// last update; `Conflict` if a snapshot at or after `up_to_seq` exists.
    async fn store_snapshot(&self, pipeline: PipelineId, data: Vec<u8>, up_to_seq: u64) -> Result<()>;
    /// Deletes the updates with `seq <= keep_after` and the snapshots older than the latest, in one
    /// transaction; returns how many updates went. `Invalid` unless the latest snapshot covers `keep_after`.
    async fn compact(&self, pipeline: PipelineId, keep_after: u64) -> Result<u64>;
    /// Bytes of updates and snapshots stored for the pipeline's document.
    async fn stored_bytes(&self, pipeline: PipelineId) -> Result<u64>;

    // ----- versions -----

    async fn create_version(&self, new: NewVersion) -> Result<Version>;
    /// A pipeline's versions, newest first.
    async fn list_versions(&self, pipeline: PipelineId) -> Result<Vec<VersionSummary>>;
    async fn get_version(&self, id: VersionId) -> Result<Version>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(Target::parse("postgres://u@h/db"), Target::Postgres("postgres://u@h/db".into()));
        assert_eq!(Target::parse("postgresql://h"), Target::Postgres("postgresql://h".into()));
        assert_eq!(Target::parse("sqlite:/tmp/x.db"), Target::SqliteFile("/tmp/x.db".into()));
        assert_eq!(Target::parse("sqlite:///tmp/x.db"), Target::SqliteFile("/tmp/x.db".into()));
        assert_eq!(Target::parse("./data"), Target::DataDir("./data".into()));
    }
}
