//! Test databases: a fresh SQLite file in a temporary directory, or a fresh PostgreSQL database per test.
//!
//! PostgreSQL comes from `PIPELINE_TEST_DATABASE_URL` if set (a database on a server where the user may
//! `CREATE DATABASE`); otherwise `scripts/pg-test-server.sh` starts (or reuses) a throw-away local server. Each
//! test gets its own database, `test_<uuid>`, so tests run in parallel and leave nothing behind when they pass.
//! Without PostgreSQL, a test prints SKIPPED and passes, except with `CI=true`, where it fails: CI must never
//! report a backend as tested that was not.

use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use pipeline_store::{PostgresStore, SqliteStore, Store};
use sqlx::{Connection, Executor};
use tempfile::TempDir;

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Where a test's data lives, and how to open it again.
pub enum Location {
    Sqlite(TempDir),
    Postgres { admin_url: String, url: String, name: String },
}

/// A fresh database with a store open on it.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub location: Location,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(dir.path()).await.expect("open SQLite store");
        TestDb { store: Arc::new(store), location: Location::Sqlite(dir) }
    }

    /// A fresh PostgreSQL database, or `None` (after printing SKIPPED) when there is no server and not in CI.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = match server_url() {
            Ok(url) => url,
            Err(reason) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL is required with CI=true, but: {reason}");
                }
                eprintln!("SKIPPED (PostgreSQL backend not tested): {reason}");
                return None;
            }
        };
        let name = format!("test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test server {admin_url}: {e}"));
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("CREATE DATABASE");
        let url = with_database(&admin_url, &name);
        let store = PostgresStore::connect(&url).await.expect("open PostgreSQL store");
        Some(TestDb { store: Arc::new(store), location: Location::Postgres { admin_url, url, name } })
    }

    /// A second, independent store on the same data (as after a restart).
    pub async fn reopen(&self) -> Arc<dyn Store> {
        match &self.location {
            Location::Sqlite(dir) => Arc::new(SqliteStore::open(dir.path()).await.expect("reopen SQLite store")),
            Location::Postgres { url, .. } => {
                Arc::new(PostgresStore::connect(url).await.expect("reopen PostgreSQL store"))
            }
        }
    }

    /// What `pipeline_store::open` takes to reach this database (for a child process).
    pub fn target(&self) -> String {
        match &self.location {
            Location::Sqlite(dir) => dir.path().display().to_string(),
            Location::Postgres { url, .. } => url.clone(),
        }
    }

    /// Every stored token digest (sessions, API tokens, sign-in links), read with plain SQL, bypassing the store.
    pub async fn stored_token_columns(&self) -> Vec<Vec<u8>> {
        const SQL: &str = "SELECT token_hash FROM sessions UNION ALL SELECT token_hash FROM api_tokens \
                           UNION ALL SELECT token_hash FROM signin_links";
        match &self.location {
            Location::Sqlite(dir) => {
                let path = dir.path().join(pipeline_store::SQLITE_FILE_NAME);
                let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                    .await
                    .expect("raw SQLite connection");
                sqlx::query_scalar(SQL).fetch_all(&mut conn).await.expect("read token digests")
            }
            Location::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("raw PostgreSQL connection");
                sqlx::query_scalar(SQL).fetch_all(&mut conn).await.expect("read token digests")
            }
        }
    }

    /// Closes the store and drops the PostgreSQL database (the temporary directory goes with `self`).
    pub async fn finish(self) {
        self.store.close().await;
        if let Location::Postgres { admin_url, name, .. } = &self.location
            && let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await
        {
            let _ = admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
        }
    }
}

/// The admin URL of the test server, found or started once per process.
fn server_url() -> Result<String, String> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("PIPELINE_TEST_DATABASE_URL") {
            // Given explicitly: its failure is a failure, never a skip, so it is not checked here.
            return Ok(url);
        }
        let script = workspace_root().join("scripts/pg-test-server.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed: {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr).trim().lines().last().unwrap_or("no output")
            ));
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("PIPELINE_TEST_DATABASE_URL="))
            .map(str::to_owned)
            .ok_or_else(|| format!("{} printed no PIPELINE_TEST_DATABASE_URL", script.display()))
    })
    .clone()
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    // Validate the result the way the store will parse it.
    let out = match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    };
    sqlx::postgres::PgConnectOptions::from_str(&out).expect("test database URL");
    out
}
