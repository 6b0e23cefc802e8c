//! `SqliteStore`: the default backend, one file `DATA_DIR/pipeline-editor.sqlite3` beside nothing else.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a commit returns only after the WAL is fsynced, and an
//! acknowledged edit survives a crash of the process or the machine. Concurrency: SQLite has one writer at a
//! time, so the store keeps exactly one writer connection (writes queue in the pool, in order, instead of
//! failing with `SQLITE_BUSY` and retrying) and a small pool of read-only connections, which WAL lets run beside
//! the writer on a consistent snapshot. Every write transaction starts with `BEGIN IMMEDIATE` so it holds the
//! write lock from its first statement.
//!
//! Encoding: ids are hyphenated UUID text, times are integer microseconds (see the migration's header).

mod search;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{self, API_TOKEN_PREFIX};
use crate::error::{Result, ResultExt, StoreError};
use crate::input;
use crate::model::*;
use crate::rules::{self, PipelineRow};
use crate::{Backend, Store};

/// The database file's name inside the data directory.
pub const SQLITE_FILE_NAME: &str = "pipeline-editor.sqlite3";

/// How many read-only connections: reads are short and CPU-bound, and the machine has two cores.
const READERS: u32 = 4;
/// Read-only connections that load document logs (snapshots and updates).
const LOG_READERS: u32 = 2;

/// Page cache of the readers that search and list, in KiB: the search index of 100,000 pipelines stays in
/// memory.
const SEARCH_CACHE_KIB: i64 = 32 * 1024;
/// Page cache of the writer and of the document-log readers, in KiB. What they touch is mostly blobs written
/// or read once (a 1000-step pipeline's snapshot is ~230 KiB); with the search readers' cache they kept up to
/// 32 MiB each resident for nothing (docs/benchmarks.md, server memory).
const BLOB_CACHE_KIB: i64 = 2 * 1024;

/// How long a connection waits for a lock held by another process (a second binary on the same file, a backup
/// tool) before failing. Within this process, the single writer connection means no waiting on locks at all.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite backend. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// Reads of document logs, apart from `reader` so their blobs do not sit in the search cache.
    log_reader: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) `data_dir/pipeline-editor.sqlite3` and migrates it.
    ///
    /// # Errors
    /// `Backend` if the directory or file cannot be created or opened, or a migration fails.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::backend(format!("cannot create data directory {}: {e}", data_dir.display())))?;
        Self::open_file(&data_dir.join(SQLITE_FILE_NAME)).await
    }

    /// Opens (creating if needed) the SQLite file at `path` and migrates it.
    ///
    /// # Errors
    /// `Backend` if the file cannot be created or opened, or a migration fails.
    pub async fn open_file(path: &Path) -> Result<SqliteStore> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // Keeps the query planner's statistics fresh, as SQLite recommends for long-lived connections.
            .optimize_on_close(true, None);
        // A negative cache_size is in KiB.
        let cache = |kib: i64| base.clone().pragma("cache_size", format!("-{kib}"));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(cache(BLOB_CACHE_KIB).create_if_missing(true))
            .await
            .map_err(|e| StoreError::backend(format!("cannot open {}: {e}", path.display())))?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let readers = |n: u32, kib: i64| {
            SqlitePoolOptions::new()
                .max_connections(n)
                .acquire_timeout(Duration::from_secs(60))
                .connect_lazy_with(cache(kib).read_only(true))
        };
        let reader = readers(READERS, SEARCH_CACHE_KIB);
        let log_reader = readers(LOG_READERS, BLOB_CACHE_KIB);
        // Fail here, not at the first request, if the file cannot be read.
        reader
            .acquire()
            .await
            .map_err(|e| StoreError::backend(format!("cannot open {} for reading: {e}", path.display())))?;
        tracing::info!(path = %path.display(), "opened SQLite store");
        Ok(SqliteStore { writer, reader, log_reader, path: path.to_owned() })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn write_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn fetch_user(&self, by: &'static str, key: String) -> Result<Option<SqliteRow>> {
        let sql = match by {
            "id" => "SELECT id, email, name, created_at, password_hash FROM users WHERE id = ?",
            _ => "SELECT id, email, name, created_at, password_hash FROM users WHERE email_key = ?",
        };
        Ok(sqlx::query(sql).bind(key).fetch_optional(&self.reader).await?)
    }
}

// ----- encoding -----

fn db_id(id: Uuid) -> String {
    id.hyphenated().to_string()
}

pub(crate) fn db_time(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn get_uuid(row: &SqliteRow, col: &str) -> Result<Uuid> {
    let text: String = row.try_get(col)?;
    Uuid::from_str(&text).map_err(|e| StoreError::corrupt(format!("{col} {text:?}: {e}")))
}

fn get_opt_uuid(row: &SqliteRow, col: &str) -> Result<Option<Uuid>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| Uuid::from_str(&t).map_err(|e| StoreError::corrupt(format!("{col} {t:?}: {e}")))).transpose()
}

fn from_micros(us: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| StoreError::corrupt(format!("time {us}: {e}")))
}

fn get_time(row: &SqliteRow, col: &str) -> Result<OffsetDateTime> {
    from_micros(row.try_get(col)?)
}

fn get_opt_time(row: &SqliteRow, col: &str) -> Result<Option<OffsetDateTime>> {
    let us: Option<i64> = row.try_get(col)?;
    us.map(from_micros).transpose()
}

fn get_seq(row: &SqliteRow, col: &str) -> Result<u64> {
    input::seq_from_db(row.try_get(col)?)
}

fn user_from(row: &SqliteRow) -> Result<User> {
    Ok(User {
        id: UserId(get_uuid(row, "id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        created_at: get_time(row, "created_at")?,
    })
}

fn team_from(row: &SqliteRow) -> Result<Team> {
    Ok(Team { id: TeamId(get_uuid(row, "id")?), name: row.try_get("name")?, created_at: get_time(row, "created_at")? })
}

fn role_from(row: &SqliteRow) -> Result<Role> {
    let role: String = row.try_get("role")?;
    Role::from_str(&role).map_err(|e| StoreError::corrupt(e.to_string()))
}

fn token_from(row: &SqliteRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId(get_uuid(row, "id")?),
        user: UserId(get_uuid(row, "user_id")?),
        name: row.try_get("name")?,
        created_at: get_time(row, "created_at")?,
        last_used_at: get_opt_time(row, "last_used_at")?,
        revoked_at: get_opt_time(row, "revoked_at")?,
    })
}

fn audit_from(row: &SqliteRow) -> Result<AuditEntry> {
    let details: String = row.try_get("details")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: get_time(row, "at")?,
        actor: get_opt_uuid(row, "actor_id")?.map(UserId),
        team: get_opt_uuid(row, "team_id")?.map(TeamId),
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        details: serde_json::from_str(&details).map_err(|e| StoreError::corrupt(format!("audit details: {e}")))?,
    })
}

const PIPELINE_COLS: &str = "p.id, p.team_id, p.name, p.description, p.file_name, p.is_template, p.created_by, \
     p.created_at, p.updated_at, p.deleted_at";

fn summary_from(row: &SqliteRow) -> Result<PipelineSummary> {
    Ok(PipelineSummary {
        id: PipelineId(get_uuid(row, "id")?),
        team: TeamId(get_uuid(row, "team_id")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        file_name: row.try_get("file_name")?,
        is_template: row.try_get("is_template")?,
        created_by: get_opt_uuid(row, "created_by")?.map(UserId),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        deleted_at: get_opt_time(row, "deleted_at")?,
    })
}

fn pipeline_from(row: &SqliteRow) -> Result<Pipeline> {
    let s = summary_from(row)?;
    Ok(Pipeline {
        id: s.id,
        team: s.team,
        name: s.name,
        description: s.description,
        file_name: s.file_name,
        is_template: s.is_template,
        created_by: s.created_by,
        created_at: s.created_at,
        updated_at: s.updated_at,
        deleted_at: s.deleted_at,
        yaml: row.try_get("yaml")?,
        search_text: row.try_get("search_text")?,
    })
}

fn update_from(row: &SqliteRow) -> Result<Update> {
    Ok(Update {
        seq: get_seq(row, "seq")?,
        author: get_opt_uuid(row, "author_id")?.map(UserId),
        created_at: get_time(row, "created_at")?,
        data: row.try_get("data")?,
    })
}

fn version_summary_from(row: &SqliteRow) -> Result<VersionSummary> {
    Ok(VersionSummary {
        id: VersionId(get_uuid(row, "id")?),
        pipeline: PipelineId(get_uuid(row, "pipeline_id")?),
        author: get_opt_uuid(row, "author_id")?.map(UserId),
        message: row.try_get("message")?,
        created_at: get_time(row, "created_at")?,
    })
}

async fn insert_pipeline(tx: &mut Transaction<'static, Sqlite>, row: &PipelineRow) -> Result<()> {
    let p = &row.p;
    sqlx::query(
        "INSERT INTO pipelines (id, team_id, name, description, file_name, is_template, created_by, created_at, \
         updated_at, deleted_at, yaml, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
    )
    .bind(db_id(p.id.0))
    .bind(db_id(p.team.0))
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.file_name)
    .bind(p.is_template)
    .bind(p.created_by.map(|u| db_id(u.0)))
    .bind(db_time(p.created_at))
    .bind(db_time(p.updated_at))
    .bind(&p.yaml)
    .bind(&p.search_text)
    .execute(&mut **tx)
    .await
    .on_conflict("a pipeline with this id already exists")
    .on_missing("team or creating user")?;
    let last_seq = i64::from(row.initial_update.is_some());
    sqlx::query("INSERT INTO doc_heads (pipeline_id, last_seq) VALUES (?, ?)")
        .bind(db_id(p.id.0))
        .bind(last_seq)
        .execute(&mut **tx)
        .await?;
    if let Some(data) = &row.initial_update {
        insert_update(tx, p.id, 1, p.created_by, p.created_at, data).await?;
    }
    Ok(())
}

async fn insert_update(
    tx: &mut Transaction<'static, Sqlite>,
    pipeline: PipelineId,
    seq: i64,
    author: Option<UserId>,
    at: OffsetDateTime,
    data: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO doc_updates (pipeline_id, seq, author_id, created_at, size, data) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(db_id(pipeline.0))
    .bind(seq)
    .bind(author.map(|u| db_id(u.0)))
    .bind(db_time(at))
    .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
    .bind(data)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn head(tx: &mut Transaction<'static, Sqlite>, pipeline: PipelineId) -> Result<u64> {
    let row = sqlx::query("SELECT last_seq FROM doc_heads WHERE pipeline_id = ?")
        .bind(db_id(pipeline.0))
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("pipeline"))?;
    get_seq(&row, "last_seq")
}

async fn latest_snapshot_seq(tx: &mut Transaction<'static, Sqlite>, pipeline: PipelineId) -> Result<Option<u64>> {
    let row = sqlx::query("SELECT max(seq) AS seq FROM doc_snapshots WHERE pipeline_id = ?")
        .bind(db_id(pipeline.0))
        .fetch_one(&mut **tx)
        .await?;
    let seq: Option<i64> = row.try_get("seq")?;
    seq.map(input::seq_from_db).transpose()
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn close(&self) {
        self.log_reader.close().await;
        self.reader.close().await;
        self.writer.close().await;
    }

    // ----- users -----

    async fn create_user(&self, new: NewUser) -> Result<User> {
        let (email, key) = input::email(&new.email)?;
        let user = User { id: UserId::new(), email, name: input::user_name(&new.name)?, created_at: input::now() };
        sqlx::query("INSERT INTO users (id, email, email_key, name, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(db_id(user.id.0))
            .bind(&user.email)
            .bind(key)
            .bind(&user.name)
            .bind(db_time(user.created_at))
            .execute(&self.writer)
            .await
            .on_conflict("a user with this email already exists")?;
        Ok(user)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        let row = self.fetch_user("id", db_id(id.0)).await?.ok_or(StoreError::NotFound("user"))?;
        user_from(&row)
    }

    async fn user_by_email(&self, email: &str) -> Result<User> {
        let row = self.fetch_user("email", email.trim().to_lowercase()).await?.ok_or(StoreError::NotFound("user"))?;
        user_from(&row)
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT id, email, name, created_at FROM users ORDER BY created_at, id")
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(user_from).collect()
    }

    async fn count_users(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&self.reader).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn update_user(&self, id: UserId, update: UserUpdate) -> Result<User> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("SELECT id, email, name, created_at FROM users WHERE id = ?")
            .bind(db_id(id.0))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        let mut user = user_from(&row)?;
        if let Some(email) = &update.email {
            user.email = input::email(email)?.0;
        }
        if let Some(name) = &update.name {
            user.name = input::user_name(name)?;
        }
        sqlx::query("UPDATE users SET email = ?, email_key = ?, name = ? WHERE id = ?")
            .bind(&user.email)
            .bind(user.email.to_lowercase())
            .bind(&user.name)
            .bind(db_id(id.0))
            .execute(&mut *tx)
            .await
            .on_conflict("a user with this email already exists")?;
        tx.commit().await?;
        Ok(user)
    }

    async fn set_password_hash(&self, id: UserId, hash: Option<String>) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(db_id(id.0))
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        let Some(row) = self.fetch_user("email", email.trim().to_lowercase()).await? else {
            return Ok(None);
        };
        Ok(Some(Credentials { user: user_from(&row)?, password_hash: row.try_get("password_hash")? }))
    }

    // ----- teams and roles -----

    async fn create_team(&self, name: &str) -> Result<Team> {
        let (name, key) = input::team_name(name)?;
        let team = Team { id: TeamId::new(), name, created_at: input::now() };
        sqlx::query("INSERT INTO teams (id, name, name_key, created_at) VALUES (?, ?, ?, ?)")
            .bind(db_id(team.id.0))
            .bind(&team.name)
            .bind(key)
            .bind(db_time(team.created_at))
            .execute(&self.writer)
            .await
            .on_conflict("a team with this name already exists")?;
        Ok(team)
    }

    async fn get_team(&self, id: TeamId) -> Result<Team> {
        let row = sqlx::query("SELECT id, name, created_at FROM teams WHERE id = ?")
            .bind(db_id(id.0))
            .fetch_optional(&self.reader)
            .await?
            .ok_or(StoreError::NotFound("team"))?;
        team_from(&row)
    }

    async fn team_by_name(&self, name: &str) -> Result<Team> {
        let row = sqlx::query("SELECT id, name, created_at FROM teams WHERE name_key = ?")
            .bind(name.trim().to_lowercase())
            .fetch_optional(&self.reader)
            .await?
            .ok_or(StoreError::NotFound("team"))?;
        team_from(&row)
    }

    async fn list_teams(&self) -> Result<Vec<Team>> {
        let rows =
            sqlx::query("SELECT id, name, created_at FROM teams ORDER BY name_key").fetch_all(&self.reader).await?;
        rows.iter().map(team_from).collect()
    }

    async fn set_role(&self, team: TeamId, user: UserId, role: Role) -> Result<()> {
        sqlx::query(
            "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(db_id(team.0))
        .bind(db_id(user.0))
        .bind(role.as_str())
        .bind(db_time(input::now()))
        .execute(&self.writer)
        .await
        .on_missing("team or user")?;
        Ok(())
    }

    async fn remove_member(&self, team: TeamId, user: UserId) -> Result<()> {
        let done = sqlx::query("DELETE FROM memberships WHERE team_id = ? AND user_id = ?")
            .bind(db_id(team.0))
            .bind(db_id(user.0))
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("membership"));
        }
        Ok(())
    }

    async fn role(&self, team: TeamId, user: UserId) -> Result<Option<Role>> {
        let row = sqlx::query("SELECT role FROM memberships WHERE team_id = ? AND user_id = ?")
            .bind(db_id(team.0))
            .bind(db_id(user.0))
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(role_from).transpose()
    }

    async fn members(&self, team: TeamId) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.name, u.created_at, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = ? ORDER BY u.email_key",
        )
        .bind(db_id(team.0))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok(Member { user: user_from(r)?, role: role_from(r)? })).collect()
    }

    async fn teams_of(&self, user: UserId) -> Result<Vec<TeamRole>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.created_at, m.role FROM memberships m JOIN teams t ON t.id = m.team_id \
             WHERE m.user_id = ? ORDER BY t.name_key",
        )
        .bind(db_id(user.0))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok(TeamRole { team: team_from(r)?, role: role_from(r)? })).collect()
    }

    // ----- sessions, API tokens, sign-in links -----

    async fn create_session(&self, user: UserId, ttl: Duration) -> Result<NewSession> {
        let token = auth::random_secret();
        let session = Session {
            user,
            csrf_token: auth::random_secret(),
            created_at: input::now(),
            expires_at: input::expiry(ttl)?,
        };
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(auth::token_digest(&token))
        .bind(db_id(user.0))
        .bind(&session.csrf_token)
        .bind(db_time(session.created_at))
        .bind(db_time(session.expires_at))
        .execute(&self.writer)
        .await
        .on_missing("user")?;
        Ok(NewSession { token, session })
    }

    async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
        )
        .bind(auth::token_digest(token))
        .bind(db_time(input::now()))
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| {
            Ok(Session {
                user: UserId(get_uuid(&r, "user_id")?),
                csrf_token: r.try_get("csrf_token")?,
                created_at: get_time(&r, "created_at")?,
                expires_at: get_time(&r, "expires_at")?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(auth::token_digest(token))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE user_id = ?").bind(db_id(user.0)).execute(&self.writer).await?;
        Ok(done.rows_affected())
    }

    async fn purge_expired(&self) -> Result<u64> {
        let now = db_time(input::now());
        let mut tx = self.write_tx().await?;
        let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(now).execute(&mut *tx).await?;
        let b = sqlx::query("DELETE FROM signin_links WHERE expires_at <= ? OR used_at IS NOT NULL")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(a.rows_affected() + b.rows_affected())
    }

    async fn create_api_token(&self, user: UserId, name: &str) -> Result<NewApiToken> {
        let secret = format!("{API_TOKEN_PREFIX}{}", auth::random_secret());
        let token = ApiToken {
            id: TokenId::new(),
            user,
            name: input::line("token name", name, 1, 100)?,
            created_at: input::now(),
            last_used_at: None,
            revoked_at: None,
        };
        sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(db_id(token.id.0))
            .bind(db_id(user.0))
            .bind(&token.name)
            .bind(auth::token_digest(&secret))
            .bind(db_time(token.created_at))
            .execute(&self.writer)
            .await
            .on_missing("user")?;
        Ok(NewApiToken { token, secret })
    }

    async fn authenticate_api_token(&self, secret: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(auth::token_digest(secret))
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut token = token_from(&row)?;
        let now = input::now();
        if token.last_used_at.is_none_or(|t| now - t >= time::Duration::minutes(1)) {
            sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                .bind(db_time(now))
                .bind(db_id(token.id.0))
                .execute(&self.writer)
                .await?;
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(db_id(user.0))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(token_from).collect()
    }

    async fn revoke_api_token(&self, user: UserId, id: TokenId) -> Result<()> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?")
                .bind(db_time(input::now()))
                .bind(db_id(id.0))
                .bind(db_id(user.0))
                .execute(&self.writer)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("API token"));
        }
        Ok(())
    }

    async fn create_signin_link(&self, user: UserId, ttl: Duration) -> Result<String> {
        let secret = auth::random_secret();
        sqlx::query("INSERT INTO signin_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(auth::token_digest(&secret))
            .bind(db_id(user.0))
            .bind(db_time(input::now()))
            .bind(db_time(input::expiry(ttl)?))
            .execute(&self.writer)
            .await
            .on_missing("user")?;
        Ok(secret)
    }

    async fn consume_signin_link(&self, secret: &str) -> Result<Option<UserId>> {
        let now = db_time(input::now());
        // One statement: two concurrent uses of the same link cannot both see it unused.
        let row = sqlx::query(
            "UPDATE signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? \
             RETURNING user_id",
        )
        .bind(now)
        .bind(auth::token_digest(secret))
        .bind(now)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|r| Ok(UserId(get_uuid(&r, "user_id")?))).transpose()
    }

    // ----- audit log -----

    async fn record_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry> {
        let action = input::line("audit action", &entry.action, 1, 100)?;
        let target = input::line("audit target", &entry.target, 0, 500)?;
        let details = input::details(&entry.details)?;
        let at = input::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor_id, team_id, action, target, details) VALUES (?, ?, ?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(db_time(at))
        .bind(entry.actor.map(|u| db_id(u.0)))
        .bind(entry.team.map(|t| db_id(t.0)))
        .bind(&action)
        .bind(&target)
        .bind(details)
        .fetch_one(&self.writer)
        .await?;
        Ok(AuditEntry { id, at, actor: entry.actor, team: entry.team, action, target, details: entry.details })
    }

    async fn audit_log(&self, query: AuditQuery) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, team_id, action, target, details FROM audit_log \
             WHERE team_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(db_id(query.team.0))
        .bind(query.before.unwrap_or(i64::MAX))
        .bind(query.limit.clamp(1, 1000))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(audit_from).collect()
    }

    // ----- pipelines -----

    async fn create_pipeline(&self, new: NewPipeline) -> Result<Pipeline> {
        let row = rules::check_new_pipeline(new, input::now())?;
        let mut tx = self.write_tx().await?;
        insert_pipeline(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(row.p)
    }

    async fn create_pipelines(&self, new: Vec<NewPipeline>) -> Result<Vec<PipelineId>> {
        let now = input::now();
        // Check everything before writing anything, so a bad item costs no transaction.
        let rows = new.into_iter().map(|n| rules::check_new_pipeline(n, now)).collect::<Result<Vec<_>>>()?;
        let mut tx = self.write_tx().await?;
        for row in &rows {
            insert_pipeline(&mut tx, row).await?;
        }
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| r.p.id).collect())
    }

    async fn get_pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        let row = sqlx::query(
            "SELECT p.id, p.team_id, p.name, p.description, p.file_name, p.is_template, p.created_by, p.created_at, \
             p.updated_at, p.deleted_at, p.yaml, p.search_text FROM pipelines p WHERE p.id = ?",
        )
        .bind(db_id(id.0))
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound("pipeline"))?;
        pipeline_from(&row)
    }

    async fn update_pipeline(&self, id: PipelineId, update: PipelineUpdate) -> Result<Pipeline> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "SELECT p.id, p.team_id, p.name, p.description, p.file_name, p.is_template, p.created_by, p.created_at, \
             p.updated_at, p.deleted_at, p.yaml, p.search_text FROM pipelines p WHERE p.id = ?",
        )
        .bind(db_id(id.0))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("pipeline"))?;
        let mut p = pipeline_from(&row)?;
        rules::apply_update(&mut p, update)?;
        sqlx::query(
            "UPDATE pipelines SET name = ?, description = ?, file_name = ?, is_template = ?, updated_at = ?, \
             yaml = ?, search_text = ? WHERE id = ?",
        )
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.file_name)
        .bind(p.is_template)
        .bind(db_time(p.updated_at))
        .bind(&p.yaml)
        .bind(&p.search_text)
        .bind(db_id(id.0))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    async fn delete_pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        sqlx::query("UPDATE pipelines SET deleted_at = coalesce(deleted_at, ?) WHERE id = ?")
            .bind(db_time(input::now()))
            .bind(db_id(id.0))
            .execute(&self.writer)
            .await?;
        self.get_pipeline(id).await
    }

    async fn restore_pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        sqlx::query("UPDATE pipelines SET deleted_at = NULL WHERE id = ?")
            .bind(db_id(id.0))
            .execute(&self.writer)
            .await?;
        self.get_pipeline(id).await
    }

    async fn purge_pipeline(&self, id: PipelineId) -> Result<()> {
        let done = sqlx::query("DELETE FROM pipelines WHERE id = ?").bind(db_id(id.0)).execute(&self.writer).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("pipeline"));
        }
        Ok(())
    }

    async fn list_pipelines(&self, query: &PipelineQuery) -> Result<Page<PipelineSummary>> {
        search::list(&self.reader, query).await
    }

    // ----- documents -----

    async fn append_updates(&self, updates: Vec<NewUpdate>) -> Result<Vec<u64>> {
        for u in &updates {
            input::blob("update", &u.data)?;
        }
        let now = input::now();
        let mut tx = self.write_tx().await?;
        let mut seqs = Vec::with_capacity(updates.len());
        for u in &updates {
            let seq: i64 = sqlx::query_scalar(
                "UPDATE doc_heads SET last_seq = last_seq + 1 WHERE pipeline_id = ? RETURNING last_seq",
            )
            .bind(db_id(u.pipeline.0))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("pipeline"))?;
            insert_update(&mut tx, u.pipeline, seq, u.author, now, &u.data).await?;
            seqs.push(input::seq_from_db(seq)?);
        }
        // With synchronous=FULL, this returns after the WAL (with these updates) is on disk.
        tx.commit().await?;
        Ok(seqs)
    }

    async fn load(&self, pipeline: PipelineId) -> Result<DocLog> {
        // One read transaction: the snapshot and the updates after it come from the same state of the log, even
        // if a compaction commits in between.
        let mut tx = self.log_reader.begin().await?;
        let last_seq = head(&mut tx, pipeline).await?;
        let snapshot = sqlx::query(
            "SELECT seq, created_at, data FROM doc_snapshots WHERE pipeline_id = ? ORDER BY seq DESC LIMIT 1",
        )
        .bind(db_id(pipeline.0))
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| {
            Ok::<_, StoreError>(Snapshot {
                seq: get_seq(&r, "seq")?,
                created_at: get_time(&r, "created_at")?,
                data: r.try_get("data")?,
            })
        })
        .transpose()?;
        let after = snapshot.as_ref().map_or(0, |s| s.seq);
        let updates = fetch_updates(&mut tx, pipeline, after).await?;
        tx.commit().await?;
        Ok(DocLog { snapshot, updates, last_seq })
    }

    async fn updates_since(&self, pipeline: PipelineId, after: u64) -> Result<Vec<Update>> {
        let mut tx = self.log_reader.begin().await?;
        let last_seq = head(&mut tx, pipeline).await?;
        if after >= last_seq {
            return Ok(Vec::new());
        }
        let updates = fetch_updates(&mut tx, pipeline, after).await?;
        if updates.first().is_none_or(|u| u.seq != after + 1) {
            let snapshot_seq = latest_snapshot_seq(&mut tx, pipeline).await?.unwrap_or(0);
            return Err(StoreError::Compacted { after, snapshot_seq });
        }
        tx.commit().await?;
        Ok(updates)
    }

    async fn store_snapshot(&self, pipeline: PipelineId, data: Vec<u8>, up_to_seq: u64) -> Result<()> {
        input::blob("snapshot", &data)?;
        let mut tx = self.write_tx().await?;
        rules::check_snapshot(
            head(&mut tx, pipeline).await?,
            latest_snapshot_seq(&mut tx, pipeline).await?,
            up_to_seq,
        )?;
        sqlx::query("INSERT INTO doc_snapshots (pipeline_id, seq, created_at, size, data) VALUES (?, ?, ?, ?, ?)")
            .bind(db_id(pipeline.0))
            .bind(input::seq_to_db(up_to_seq)?)
            .bind(db_time(input::now()))
            .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
            .bind(&data)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn compact(&self, pipeline: PipelineId, keep_after: u64) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        head(&mut tx, pipeline).await?;
        let snapshot = rules::check_compaction(latest_snapshot_seq(&mut tx, pipeline).await?, keep_after)?;
        let done = sqlx::query("DELETE FROM doc_updates WHERE pipeline_id = ? AND seq <= ?")
            .bind(db_id(pipeline.0))
            .bind(input::seq_to_db(keep_after)?)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM doc_snapshots WHERE pipeline_id = ? AND seq < ?")
            .bind(db_id(pipeline.0))
            .bind(input::seq_to_db(snapshot)?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn stored_bytes(&self, pipeline: PipelineId) -> Result<u64> {
        let mut tx = self.log_reader.begin().await?;
        head(&mut tx, pipeline).await?;
        let bytes: i64 = sqlx::query_scalar(
            "SELECT (SELECT coalesce(sum(size), 0) FROM doc_updates WHERE pipeline_id = ?1) + \
             (SELECT coalesce(sum(size), 0) FROM doc_snapshots WHERE pipeline_id = ?1)",
        )
        .bind(db_id(pipeline.0))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    // ----- versions -----

    async fn create_version(&self, new: NewVersion) -> Result<Version> {
        let version = rules::check_version(new)?;
        sqlx::query(
            "INSERT INTO versions (id, pipeline_id, author_id, message, created_at, frontiers, yaml) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(db_id(version.id.0))
        .bind(db_id(version.pipeline.0))
        .bind(version.author.map(|u| db_id(u.0)))
        .bind(&version.message)
        .bind(db_time(version.created_at))
        .bind(&version.frontiers)
        .bind(&version.yaml)
        .execute(&self.writer)
        .await
        .on_missing("pipeline or author")?;
        Ok(version)
    }

    async fn list_versions(&self, pipeline: PipelineId) -> Result<Vec<VersionSummary>> {
        let rows = sqlx::query(
            "SELECT id, pipeline_id, author_id, message, created_at FROM versions WHERE pipeline_id = ? \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(db_id(pipeline.0))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(version_summary_from).collect()
    }

    async fn get_version(&self, id: VersionId) -> Result<Version> {
        let row = sqlx::query(
            "SELECT id, pipeline_id, author_id, message, created_at, frontiers, yaml FROM versions WHERE id = ?",
        )
        .bind(db_id(id.0))
        .fetch_optional(&self.reader)
        .await?
        .ok_or(StoreError::NotFound("version"))?;
        let s = version_summary_from(&row)?;
        Ok(Version {
            id: s.id,
            pipeline: s.pipeline,
            author: s.author,
            message: s.message,
            created_at: s.created_at,
            frontiers: row.try_get("frontiers")?,
            yaml: row.try_get("yaml")?,
        })
    }
}

async fn fetch_updates(tx: &mut Transaction<'static, Sqlite>, pipeline: PipelineId, after: u64) -> Result<Vec<Update>> {
    let rows = sqlx::query(
        "SELECT seq, author_id, created_at, data FROM doc_updates WHERE pipeline_id = ? AND seq > ? ORDER BY seq",
    )
    .bind(db_id(pipeline.0))
    .bind(input::seq_to_db(after)?)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(update_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn cache_kib(pool: &SqlitePool) -> i64 {
        let n: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(pool).await.expect("pragma");
        -n
    }

    /// Only the search readers keep the large page cache; the writer and the document-log readers keep the
    /// small one (their pages are blobs).
    #[tokio::test]
    async fn page_caches_follow_what_each_pool_reads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path()).await.expect("open");
        assert_eq!(cache_kib(&store.reader).await, SEARCH_CACHE_KIB);
        assert_eq!(cache_kib(&store.writer).await, BLOB_CACHE_KIB);
        assert_eq!(cache_kib(&store.log_reader).await, BLOB_CACHE_KIB);
        store.close().await;
    }
}
