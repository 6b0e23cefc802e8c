//! Shared by the integration tests that run the real binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use pipeline_doc::loro::{self, LoroDoc, LoroMap, ValueOrContainer};

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// A fresh PostgreSQL database named `PREFIX_…` on the test server (`PIPELINE_TEST_DATABASE_URL`, or started by
/// `scripts/pg-test-server.sh`), or `None` (skipped) when there is none and not in CI.
pub fn pg_url(prefix: &str) -> Option<String> {
    let base = match std::env::var("PIPELINE_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-server.sh");
            Command::new("bash").arg(script).arg("start").output().ok().and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .filter_map(|l| l.strip_prefix("PIPELINE_TEST_DATABASE_URL="))
                    .next_back()
                    .map(str::to_owned)
            })
        }
    };
    let Some(base) = base else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but no PostgreSQL for the tests");
        eprintln!("skipped: no PostgreSQL");
        return None;
    };
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    rt().block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    });
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

/// A free loopback port (for a process that must come back on the same address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `fields` map of the top-level step `step` in a pipeline document.
pub fn fields(doc: &LoroDoc, step: usize) -> LoroMap {
    let tree = doc.get_tree("steps");
    let node = tree.roots()[step];
    match tree.get_meta(node).unwrap().get("fields") {
        Some(ValueOrContainer::Container(loro::Container::Map(m))) => m,
        other => panic!("no fields map: {other:?}"),
    }
}

/// Sends `req` and reads its JSON body.
pub async fn get_json(req: reqwest::RequestBuilder) -> serde_json::Value {
    req.send().await.unwrap().json().await.unwrap()
}
