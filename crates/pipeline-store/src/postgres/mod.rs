//! `PostgresStore`: the backend for teams and for several server nodes sharing one database.
//!
//! Durability: a commit returns after PostgreSQL has flushed its WAL (`synchronous_commit = on`, the default;
//! the store does not lower it). Concurrency: PostgreSQL takes row locks, so the store uses them where order
//! matters. An append's first statement increments the document's counter row, which holds that row until
//! commit, so appends to one document are numbered in commit order; snapshots, compaction and metadata updates
//! lock the row they read (`FOR UPDATE`) before deciding. Multi-statement reads (`load`, `updates_since`) run
//! in one `REPEATABLE READ` transaction so they see one state of the log.

mod feed;
mod search;

pub use feed::ChangeFeed;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{self, API_TOKEN_PREFIX};
use crate::error::{Result, ResultExt, StoreError};
use crate::input;
use crate::model::*;
use crate::rules::{self, PipelineRow};
use crate::{Backend, Store};

/// Connections per node by default: enough for a busy node on two cores, few enough that ten nodes fit in
/// PostgreSQL's default `max_connections` (100).
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// The PostgreSQL backend. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// This process's id in change notes (`feed`), so it can skip its own.
    node: Uuid,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?sslmode=…`) and migrates the database.
    ///
    /// # Errors
    /// `Invalid` for a malformed URL; `Backend` if the server cannot be reached or a migration fails.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        Self::connect_with(url, DEFAULT_POOL_SIZE).await
    }

    /// `connect` with a chosen pool size.
    ///
    /// # Errors
    /// As `connect`.
    pub async fn connect_with(url: &str, pool_size: u32) -> Result<PostgresStore> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("database URL: {e}")))?
            .application_name("pipeline-editor")
            // Plan every execution with its parameters. With the default, PostgreSQL switches a prepared
            // statement to a generic plan after five runs, and a generic plan cannot see how many pipelines a
            // search word matches: it picks one plan for "the" (most of the library: walk the newest first)
            // and for a rare name (few: use the GIN index), and one of the two gets slower by 10-40x. Planning
            // our statements takes well under a millisecond.
            .options([
                ("plan_cache_mode", "force_custom_plan"),
                // The store's queries are short; parallel workers only add start-up cost and contend with the
                // server for the node's cores.
                ("max_parallel_workers_per_gather", "0"),
            ]);
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::backend(format!("cannot connect to PostgreSQL: {e}")))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        tracing::info!("opened PostgreSQL store");
        Ok(PostgresStore { pool, node: Uuid::now_v7() })
    }

    /// The connection pool, for callers that need PostgreSQL itself (LISTEN/NOTIFY fan-out between nodes).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn write_tx(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// Tells the other nodes, when `tx` commits, that `user`'s access to `team` changed (their open sync
    /// connections must be authorised again).
    async fn note_membership(&self, tx: &mut Transaction<'static, Postgres>, team: TeamId, user: UserId) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(feed::MEMBERSHIPS)
            .bind(feed::membership_payload(self.node, team, user))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Tells the other nodes, when `tx` commits, that a session or API token of `user` ended (their open sync
    /// connections must check theirs again).
    async fn note_credentials(&self, tx: &mut Transaction<'static, Postgres>, user: UserId) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(feed::CREDENTIALS)
            .bind(feed::credentials_payload(self.node, user))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// A read-only transaction on one snapshot of the database.
    async fn snapshot_tx(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?)
    }
}

// ----- decoding -----

fn get_seq(row: &PgRow, col: &str) -> Result<u64> {
    input::seq_from_db(row.try_get(col)?)
}

fn user_from(row: &PgRow) -> Result<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

fn team_from(row: &PgRow) -> Result<Team> {
    Ok(Team { id: TeamId(row.try_get("id")?), name: row.try_get("name")?, created_at: row.try_get("created_at")? })
}

fn role_from(row: &PgRow) -> Result<Role> {
    let role: String = row.try_get("role")?;
    Role::from_str(&role).map_err(|e| StoreError::corrupt(e.to_string()))
}

fn token_from(row: &PgRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId(row.try_get("id")?),
        user: UserId(row.try_get("user_id")?),
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn audit_from(row: &PgRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get::<Option<Uuid>, _>("actor_id")?.map(UserId),
        team: row.try_get::<Option<Uuid>, _>("team_id")?.map(TeamId),
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        details: row.try_get("details")?,
    })
}

const PIPELINE_COLS: &str = "p.id, p.team_id, p.name, p.description, p.file_name, p.is_template, p.created_by, \
     p.created_at, p.updated_at, p.deleted_at";

fn summary_from(row: &PgRow) -> Result<PipelineSummary> {
    Ok(PipelineSummary {
        id: PipelineId(row.try_get("id")?),
        team: TeamId(row.try_get("team_id")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        file_name: row.try_get("file_name")?,
        is_template: row.try_get("is_template")?,
        created_by: row.try_get::<Option<Uuid>, _>("created_by")?.map(UserId),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
    })
}

fn pipeline_from(row: &PgRow) -> Result<Pipeline> {
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

fn update_from(row: &PgRow) -> Result<Update> {
    Ok(Update {
        seq: get_seq(row, "seq")?,
        author: row.try_get::<Option<Uuid>, _>("author_id")?.map(UserId),
        created_at: row.try_get("created_at")?,
        data: row.try_get("data")?,
    })
}

fn version_summary_from(row: &PgRow) -> Result<VersionSummary> {
    Ok(VersionSummary {
        id: VersionId(row.try_get("id")?),
        pipeline: PipelineId(row.try_get("pipeline_id")?),
        author: row.try_get::<Option<Uuid>, _>("author_id")?.map(UserId),
        message: row.try_get("message")?,
        created_at: row.try_get("created_at")?,
    })
}

fn size(data: &[u8]) -> i64 {
    i64::try_from(data.len()).unwrap_or(i64::MAX)
}

const USER_BY_ID: &str = "SELECT id, email, name, created_at, password_hash FROM users WHERE id = $1";
const USER_BY_EMAIL: &str = "SELECT id, email, name, created_at, password_hash FROM users WHERE email_key = $1";
const PIPELINE_BY_ID: &str = "SELECT p.id, p.team_id, p.name, p.description, p.file_name, p.is_template, \
     p.created_by, p.created_at, p.updated_at, p.deleted_at, p.yaml, p.search_text FROM pipelines p WHERE p.id = $1";
const PIPELINE_BY_ID_FOR_UPDATE: &str = "SELECT p.id, p.team_id, p.name, p.description, p.file_name, p.is_template, \
     p.created_by, p.created_at, p.updated_at, p.deleted_at, p.yaml, p.search_text FROM pipelines p WHERE p.id = $1 \
     FOR UPDATE";

async fn insert_pipeline(tx: &mut Transaction<'static, Postgres>, row: &PipelineRow) -> Result<()> {
    let p = &row.p;
    sqlx::query(
        "INSERT INTO pipelines (id, team_id, name, description, file_name, is_template, created_by, created_at, \
         updated_at, deleted_at, yaml, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11)",
    )
    .bind(p.id.0)
    .bind(p.team.0)
    .bind(&p.name)
    .bind(&p.description)
    .bind(&p.file_name)
    .bind(p.is_template)
    .bind(p.created_by.map(|u| u.0))
    .bind(p.created_at)
    .bind(p.updated_at)
    .bind(&p.yaml)
    .bind(&p.search_text)
    .execute(&mut **tx)
    .await
    .on_conflict("a pipeline with this id already exists")
    .on_missing("team or creating user")?;
    sqlx::query("INSERT INTO doc_heads (pipeline_id, last_seq) VALUES ($1, $2)")
        .bind(p.id.0)
        .bind(i64::from(row.initial_update.is_some()))
        .execute(&mut **tx)
        .await?;
    if let Some(data) = &row.initial_update {
        insert_update(tx, p.id, 1, p.created_by, p.created_at, data).await?;
    }
    Ok(())
}

async fn insert_update(
    tx: &mut Transaction<'static, Postgres>,
    pipeline: PipelineId,
    seq: i64,
    author: Option<UserId>,
    at: OffsetDateTime,
    data: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO doc_updates (pipeline_id, seq, author_id, created_at, size, data) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(pipeline.0)
    .bind(seq)
    .bind(author.map(|u| u.0))
    .bind(at)
    .bind(size(data))
    .bind(data)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The document's last seq; with `lock`, also locks its counter row until the transaction ends, so that
/// appends, snapshots and compactions of one document do not interleave.
async fn head(tx: &mut Transaction<'static, Postgres>, pipeline: PipelineId, lock: bool) -> Result<u64> {
    let sql = if lock {
        "SELECT last_seq FROM doc_heads WHERE pipeline_id = $1 FOR UPDATE"
    } else {
        "SELECT last_seq FROM doc_heads WHERE pipeline_id = $1"
    };
    let row =
        sqlx::query(sql).bind(pipeline.0).fetch_optional(&mut **tx).await?.ok_or(StoreError::NotFound("pipeline"))?;
    get_seq(&row, "last_seq")
}

async fn latest_snapshot_seq(tx: &mut Transaction<'static, Postgres>, pipeline: PipelineId) -> Result<Option<u64>> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM doc_snapshots WHERE pipeline_id = $1")
        .bind(pipeline.0)
        .fetch_one(&mut **tx)
        .await?;
    seq.map(input::seq_from_db).transpose()
}

async fn fetch_updates(
    tx: &mut Transaction<'static, Postgres>,
    pipeline: PipelineId,
    after: u64,
) -> Result<Vec<Update>> {
    let rows = sqlx::query(
        "SELECT seq, author_id, created_at, data FROM doc_updates WHERE pipeline_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(pipeline.0)
    .bind(input::seq_to_db(after)?)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(update_from).collect()
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    // ----- users -----

    async fn create_user(&self, new: NewUser) -> Result<User> {
        let (email, key) = input::email(&new.email)?;
        let user = User { id: UserId::new(), email, name: input::user_name(&new.name)?, created_at: input::now() };
        sqlx::query("INSERT INTO users (id, email, email_key, name, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(user.id.0)
            .bind(&user.email)
            .bind(key)
            .bind(&user.name)
            .bind(user.created_at)
            .execute(&self.pool)
            .await
            .on_conflict("a user with this email already exists")?;
        Ok(user)
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        let row = sqlx::query(USER_BY_ID).bind(id.0).fetch_optional(&self.pool).await?;
        user_from(&row.ok_or(StoreError::NotFound("user"))?)
    }

    async fn user_by_email(&self, email: &str) -> Result<User> {
        let row = sqlx::query(USER_BY_EMAIL).bind(email.trim().to_lowercase()).fetch_optional(&self.pool).await?;
        user_from(&row.ok_or(StoreError::NotFound("user"))?)
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT id, email, name, created_at FROM users ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from).collect()
    }

    async fn count_users(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn update_user(&self, id: UserId, update: UserUpdate) -> Result<User> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("SELECT id, email, name, created_at FROM users WHERE id = $1 FOR UPDATE")
            .bind(id.0)
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
        sqlx::query("UPDATE users SET email = $1, email_key = $2, name = $3 WHERE id = $4")
            .bind(&user.email)
            .bind(user.email.to_lowercase())
            .bind(&user.name)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .on_conflict("a user with this email already exists")?;
        tx.commit().await?;
        Ok(user)
    }

    async fn set_password_hash(&self, id: UserId, hash: Option<String>) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query(USER_BY_EMAIL).bind(email.trim().to_lowercase()).fetch_optional(&self.pool).await?;
        row.map(|r| Ok(Credentials { user: user_from(&r)?, password_hash: r.try_get("password_hash")? })).transpose()
    }

    // ----- teams and roles -----

    async fn create_team(&self, name: &str) -> Result<Team> {
        let (name, key) = input::team_name(name)?;
        let team = Team { id: TeamId::new(), name, created_at: input::now() };
        sqlx::query("INSERT INTO teams (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)")
            .bind(team.id.0)
            .bind(&team.name)
            .bind(key)
            .bind(team.created_at)
            .execute(&self.pool)
            .await
            .on_conflict("a team with this name already exists")?;
        Ok(team)
    }

    async fn get_team(&self, id: TeamId) -> Result<Team> {
        let row = sqlx::query("SELECT id, name, created_at FROM teams WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("team"))?;
        team_from(&row)
    }

    async fn team_by_name(&self, name: &str) -> Result<Team> {
        let row = sqlx::query("SELECT id, name, created_at FROM teams WHERE name_key = $1")
            .bind(name.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("team"))?;
        team_from(&row)
    }

    async fn list_teams(&self) -> Result<Vec<Team>> {
        let rows =
            sqlx::query("SELECT id, name, created_at FROM teams ORDER BY name_key").fetch_all(&self.pool).await?;
        rows.iter().map(team_from).collect()
    }

    async fn set_role(&self, team: TeamId, user: UserId, role: Role) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(team.0)
        .bind(user.0)
        .bind(role.as_str())
        .bind(input::now())
        .execute(&mut *tx)
        .await
        .on_missing("team or user")?;
        self.note_membership(&mut tx, team, user).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_member(&self, team: TeamId, user: UserId) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
            .bind(team.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("membership"));
        }
        self.note_membership(&mut tx, team, user).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn role(&self, team: TeamId, user: UserId) -> Result<Option<Role>> {
        let row = sqlx::query("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2")
            .bind(team.0)
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(role_from).transpose()
    }

    async fn members(&self, team: TeamId) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.name, u.created_at, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 ORDER BY u.email_key",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(Member { user: user_from(r)?, role: role_from(r)? })).collect()
    }

    async fn teams_of(&self, user: UserId) -> Result<Vec<TeamRole>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.created_at, m.role FROM memberships m JOIN teams t ON t.id = m.team_id \
             WHERE m.user_id = $1 ORDER BY t.name_key",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
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
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(auth::token_digest(&token))
        .bind(user.0)
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await
        .on_missing("user")?;
        Ok(NewSession { token, session })
    }

    async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(auth::token_digest(token))
        .bind(input::now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                user: UserId(r.try_get("user_id")?),
                csrf_token: r.try_get("csrf_token")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let user: Option<Uuid> = sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(auth::token_digest(token))
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(user) = user {
            self.note_credentials(&mut tx, UserId(user)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
        if done.rows_affected() > 0 {
            self.note_credentials(&mut tx, user).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn purge_expired(&self) -> Result<u64> {
        let now = input::now();
        let mut tx = self.write_tx().await?;
        let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
        let b = sqlx::query("DELETE FROM signin_links WHERE expires_at <= $1 OR used_at IS NOT NULL")
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
        sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token.id.0)
            .bind(user.0)
            .bind(&token.name)
            .bind(auth::token_digest(&secret))
            .bind(token.created_at)
            .execute(&self.pool)
            .await
            .on_missing("user")?;
        Ok(NewApiToken { token, secret })
    }

    async fn authenticate_api_token(&self, secret: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(auth::token_digest(secret))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut token = token_from(&row)?;
        let now = input::now();
        if token.last_used_at.is_none_or(|t| now - t >= time::Duration::minutes(1)) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token.id.0)
                .execute(&self.pool)
                .await?;
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from).collect()
    }

    async fn revoke_api_token(&self, user: UserId, id: TokenId) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 AND user_id = $3")
                .bind(input::now())
                .bind(id.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("API token"));
        }
        self.note_credentials(&mut tx, user).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_signin_link(&self, user: UserId, ttl: Duration) -> Result<String> {
        let secret = auth::random_secret();
        sqlx::query("INSERT INTO signin_links (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(auth::token_digest(&secret))
            .bind(user.0)
            .bind(input::now())
            .bind(input::expiry(ttl)?)
            .execute(&self.pool)
            .await
            .on_missing("user")?;
        Ok(secret)
    }

    async fn consume_signin_link(&self, secret: &str) -> Result<Option<UserId>> {
        // One statement: of two concurrent uses of the same link, the row lock lets only one see it unused.
        let user: Option<Uuid> = sqlx::query_scalar(
            "UPDATE signin_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id",
        )
        .bind(input::now())
        .bind(auth::token_digest(secret))
        .fetch_optional(&self.pool)
        .await?;
        Ok(user.map(UserId))
    }

    // ----- audit log -----

    async fn record_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry> {
        let action = input::line("audit action", &entry.action, 1, 100)?;
        let target = input::line("audit target", &entry.target, 0, 500)?;
        input::details(&entry.details)?;
        let at = input::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor_id, team_id, action, target, details) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(at)
        .bind(entry.actor.map(|u| u.0))
        .bind(entry.team.map(|t| t.0))
        .bind(&action)
        .bind(&target)
        .bind(&entry.details)
        .fetch_one(&self.pool)
        .await?;
        Ok(AuditEntry { id, at, actor: entry.actor, team: entry.team, action, target, details: entry.details })
    }

    async fn audit_log(&self, query: AuditQuery) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, team_id, action, target, details FROM audit_log \
             WHERE team_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(query.team.0)
        .bind(query.before.unwrap_or(i64::MAX))
        .bind(i64::from(query.limit.clamp(1, 1000)))
        .fetch_all(&self.pool)
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
        let rows = new.into_iter().map(|n| rules::check_new_pipeline(n, now)).collect::<Result<Vec<_>>>()?;
        let mut tx = self.write_tx().await?;
        for row in &rows {
            insert_pipeline(&mut tx, row).await?;
        }
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| r.p.id).collect())
    }

    async fn get_pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        let row = sqlx::query(PIPELINE_BY_ID).bind(id.0).fetch_optional(&self.pool).await?;
        pipeline_from(&row.ok_or(StoreError::NotFound("pipeline"))?)
    }

    async fn update_pipeline(&self, id: PipelineId, update: PipelineUpdate) -> Result<Pipeline> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(PIPELINE_BY_ID_FOR_UPDATE)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("pipeline"))?;
        let mut p = pipeline_from(&row)?;
        rules::apply_update(&mut p, update)?;
        sqlx::query(
            "UPDATE pipelines SET name = $1, description = $2, file_name = $3, is_template = $4, updated_at = $5, \
             yaml = $6, search_text = $7 WHERE id = $8",
        )
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.file_name)
        .bind(p.is_template)
        .bind(p.updated_at)
        .bind(&p.yaml)
        .bind(&p.search_text)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    async fn delete_pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        sqlx::query("UPDATE pipelines SET deleted_at = coalesce(deleted_at, $1) WHERE id = $2")
            .bind(input::now())
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        self.get_pipeline(id).await
    }

    async fn restore_pipeline(&self, id: PipelineId) -> Result<Pipeline> {
        sqlx::query("UPDATE pipelines SET deleted_at = NULL WHERE id = $1").bind(id.0).execute(&self.pool).await?;
        self.get_pipeline(id).await
    }

    async fn purge_pipeline(&self, id: PipelineId) -> Result<()> {
        let done = sqlx::query("DELETE FROM pipelines WHERE id = $1").bind(id.0).execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("pipeline"));
        }
        Ok(())
    }

    async fn list_pipelines(&self, query: &PipelineQuery) -> Result<Page<PipelineSummary>> {
        search::list(&self.pool, query).await
    }

    // ----- documents -----

    async fn append_updates(&self, updates: Vec<NewUpdate>) -> Result<Vec<u64>> {
        for u in &updates {
            input::blob("update", &u.data)?;
        }
        // Lock the counter rows in one order (by pipeline id) whatever the batch order, so that two batches
        // touching the same documents cannot deadlock.
        let mut pipelines: Vec<Uuid> = updates.iter().map(|u| u.pipeline.0).collect();
        pipelines.sort_unstable();
        pipelines.dedup();
        let now = input::now();
        let mut tx = self.write_tx().await?;
        if pipelines.len() > 1 {
            let locked: Vec<Uuid> = sqlx::query_scalar(
                "SELECT pipeline_id FROM doc_heads WHERE pipeline_id = ANY($1) ORDER BY pipeline_id FOR UPDATE",
            )
            .bind(&pipelines)
            .fetch_all(&mut *tx)
            .await?;
            if locked.len() != pipelines.len() {
                return Err(StoreError::NotFound("pipeline"));
            }
        }
        let mut seqs = Vec::with_capacity(updates.len());
        for u in &updates {
            let seq: i64 = sqlx::query_scalar(
                "UPDATE doc_heads SET last_seq = last_seq + 1 WHERE pipeline_id = $1 RETURNING last_seq",
            )
            .bind(u.pipeline.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("pipeline"))?;
            insert_update(&mut tx, u.pipeline, seq, u.author, now, &u.data).await?;
            seqs.push(input::seq_from_db(seq)?);
        }
        // One note per pipeline with its newest seq, sent by PostgreSQL when (and only if) this commits.
        let mut newest: Vec<(PipelineId, u64)> = Vec::new();
        for (u, &seq) in updates.iter().zip(&seqs) {
            match newest.iter_mut().find(|(p, _)| *p == u.pipeline) {
                Some(entry) => entry.1 = entry.1.max(seq),
                None => newest.push((u.pipeline, seq)),
            }
        }
        for (pipeline, seq) in newest {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(feed::CHANNEL)
                .bind(feed::payload(self.node, pipeline, seq))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(seqs)
    }

    async fn change_feed(&self) -> Result<Option<ChangeFeed>> {
        Ok(Some(ChangeFeed::connect(&self.pool, self.node).await?))
    }

    async fn load(&self, pipeline: PipelineId) -> Result<DocLog> {
        let mut tx = self.snapshot_tx().await?;
        let last_seq = head(&mut tx, pipeline, false).await?;
        let snapshot = sqlx::query(
            "SELECT seq, created_at, data FROM doc_snapshots WHERE pipeline_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(pipeline.0)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| {
            Ok::<_, StoreError>(Snapshot {
                seq: get_seq(&r, "seq")?,
                created_at: r.try_get("created_at")?,
                data: r.try_get("data")?,
            })
        })
        .transpose()?;
        let updates = fetch_updates(&mut tx, pipeline, snapshot.as_ref().map_or(0, |s| s.seq)).await?;
        tx.commit().await?;
        Ok(DocLog { snapshot, updates, last_seq })
    }

    async fn updates_since(&self, pipeline: PipelineId, after: u64) -> Result<Vec<Update>> {
        let mut tx = self.snapshot_tx().await?;
        let last_seq = head(&mut tx, pipeline, false).await?;
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
        let last_seq = head(&mut tx, pipeline, true).await?;
        rules::check_snapshot(last_seq, latest_snapshot_seq(&mut tx, pipeline).await?, up_to_seq)?;
        sqlx::query("INSERT INTO doc_snapshots (pipeline_id, seq, created_at, size, data) VALUES ($1, $2, $3, $4, $5)")
            .bind(pipeline.0)
            .bind(input::seq_to_db(up_to_seq)?)
            .bind(input::now())
            .bind(size(&data))
            .bind(&data)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn compact(&self, pipeline: PipelineId, keep_after: u64) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        head(&mut tx, pipeline, true).await?;
        let snapshot = rules::check_compaction(latest_snapshot_seq(&mut tx, pipeline).await?, keep_after)?;
        let done = sqlx::query("DELETE FROM doc_updates WHERE pipeline_id = $1 AND seq <= $2")
            .bind(pipeline.0)
            .bind(input::seq_to_db(keep_after)?)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM doc_snapshots WHERE pipeline_id = $1 AND seq < $2")
            .bind(pipeline.0)
            .bind(input::seq_to_db(snapshot)?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn stored_bytes(&self, pipeline: PipelineId) -> Result<u64> {
        let mut tx = self.snapshot_tx().await?;
        head(&mut tx, pipeline, false).await?;
        let bytes: i64 = sqlx::query_scalar(
            "SELECT ((SELECT coalesce(sum(size), 0) FROM doc_updates WHERE pipeline_id = $1) + \
             (SELECT coalesce(sum(size), 0) FROM doc_snapshots WHERE pipeline_id = $1))::bigint",
        )
        .bind(pipeline.0)
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
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(version.id.0)
        .bind(version.pipeline.0)
        .bind(version.author.map(|u| u.0))
        .bind(&version.message)
        .bind(version.created_at)
        .bind(&version.frontiers)
        .bind(&version.yaml)
        .execute(&self.pool)
        .await
        .on_missing("pipeline or author")?;
        Ok(version)
    }

    async fn list_versions(&self, pipeline: PipelineId) -> Result<Vec<VersionSummary>> {
        let rows = sqlx::query(
            "SELECT id, pipeline_id, author_id, message, created_at FROM versions WHERE pipeline_id = $1 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(pipeline.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_summary_from).collect()
    }

    async fn get_version(&self, id: VersionId) -> Result<Version> {
        let row = sqlx::query(
            "SELECT id, pipeline_id, author_id, message, created_at, frontiers, yaml FROM versions WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
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
