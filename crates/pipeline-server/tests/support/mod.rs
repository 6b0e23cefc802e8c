//! Test support: the real router served in-process on 127.0.0.1:0, on a real store — SQLite in a temporary
//! folder, or PostgreSQL (a fresh database per test on the server named by `PIPELINE_TEST_DATABASE_URL`, or
//! started by `scripts/pg-test-server.sh`). With `CI=true` a missing PostgreSQL fails the test; otherwise the
//! PostgreSQL variant says it was skipped.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod net;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use pipeline_server::{AppState, Config};
use pipeline_store::{NewUser, Role, Store, Team, User};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub base: String,
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

fn pg_base_url() -> Option<String> {
    if let Ok(url) = std::env::var("PIPELINE_TEST_DATABASE_URL")
        && !url.is_empty()
    {
        return Some(url);
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-server.sh");
    let out = std::process::Command::new("bash").arg(script).arg("start").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().filter_map(|l| l.strip_prefix("PIPELINE_TEST_DATABASE_URL=")).next_back().map(str::to_owned)
}

/// A fresh PostgreSQL database for one test, or `None` (skipped) when there is no server and not in CI.
pub async fn pg_database() -> Option<String> {
    let Some(base) = pg_base_url() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no PostgreSQL for the tests");
        eprintln!("skipped: no PostgreSQL (set PIPELINE_TEST_DATABASE_URL or install postgresql)");
        return None;
    };
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to the test PostgreSQL");
    let name = format!("srv_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database");
    Some(format!("{prefix}/{name}"))
}

impl Server {
    pub async fn start(db: Db) -> Option<Server> {
        Server::start_with(db, Config::default()).await
    }

    pub async fn start_with(db: Db, config: Config) -> Option<Server> {
        let (store, dir) = match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                (pipeline_store::open(dir.path().to_str().unwrap()).await.unwrap(), Some(dir))
            }
            Db::Postgres => (pipeline_store::open(&pg_database().await?).await.unwrap(), None),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(store.clone(), config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(pipeline_server::serve(listener, state, async move {
            let _ = rx.await;
        }));
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Some(Server { base: format!("http://{addr}"), addr, store, http, _dir: dir, shutdown: Some(tx) })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn team(&self, name: &str) -> Team {
        self.store.create_team(name).await.unwrap()
    }

    /// A new user with `role` in `team` (if any) and an API token.
    pub async fn user(&self, team: Option<&Team>, role: Role) -> (User, String) {
        let email = format!("u{}@example.org", uuid::Uuid::now_v7().simple());
        let user = self.store.create_user(NewUser { email, name: "Test".into() }).await.unwrap();
        if let Some(t) = team {
            self.store.set_role(t.id, user.id, role).await.unwrap();
        }
        let token = self.store.create_api_token(user.id, "test").await.unwrap().secret;
        (user, token)
    }

    /// Creates a pipeline from YAML; returns its id.
    pub async fn create(&self, token: &str, team: &Team, yaml: &str) -> String {
        let r = self
            .req(Method::POST, &format!("/api/pipelines?team={}&file_name=p.yaml", team.id), Some(token))
            .header("content-type", "application/yaml")
            .body(yaml.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        json(r).await["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn json(r: Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({status}): {e}: {text}"))
}

/// Asserts the standard error body and returns its code.
pub async fn error_code(r: Response) -> String {
    let v = json(r).await;
    assert!(v["error"]["message"].is_string(), "error body: {v}");
    assert!(v["error"].get("details").is_some(), "error body: {v}");
    v["error"]["code"].as_str().unwrap().to_owned()
}

pub const PIPELINE: &str = "# A review pipeline\nworkflow:\n  name: review\n  description: Reviews code\n  steps:\n    - name: analyse\n      type: claude\n      prompt:\n        - type: static\n          content: \"Read the diff\"\n    - name: summarise\n      type: gemini\n      prompt:\n        - type: previous_response\n          step: analyse\n";

/// Runs each listed `async fn name(db: Db)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::support::Db::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::support::Db::Postgres).await })*
        }
    };
}
