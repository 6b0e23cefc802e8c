//! The local node's replicator (`pipeline-editor serve --sync-to URL --token TOKEN`, docs/local-node.md): keeps
//! a replica of every pipeline the token's user can reach on a team server, in this node's store under the same
//! ids, and syncs both ways whenever the team server is reachable.
//!
//! - [`start`] runs the supervisor: it lists the team server's pipelines (`GET /api/pipelines`, every page)
//!   every [`SyncToConfig::relist_every`] (with backoff while unreachable) and starts one [`link`] per pipeline;
//! - [`link`]: one pipeline's two-way sync: a bridge Loro document between this node's live document (the
//!   same path as a local client's update) and a [`crate::sync::client::SyncClient`] connected upstream;
//! - [`status`]: the state shown by `GET /api/sync-to/status` and logged on every change.
//!
//! Nothing here is trusted more than a client: upstream updates go through the local `DocCache` like a
//! replica connection's (checked; the base text must stay YAML), and upstream edits are made as the token's
//! user, checked by the team server's permissions.

pub mod link;
pub mod status;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use pipeline_store::{PipelineId, StoreError, TeamId};
use tokio::task::JoinHandle;

use self::status::Board;
use crate::app::AppState;
use crate::auth::Auth;
use crate::sync::client::{ClientError, backoff_delay};
use crate::sync::tls::{TlsConfigError, TlsFailure};
use crate::types::PipelinePage;

/// Pipelines asked for per page of the team server's listing.
const PAGE: u32 = 100;
/// A listing request may take this long.
const LIST_TIMEOUT: Duration = Duration::from_secs(30);

/// What `--sync-to` configures.
#[derive(Debug, Clone)]
pub struct SyncToConfig {
    /// The team server, `http://host:port` or `https://host[:port]` (no path).
    pub upstream: Upstream,
    /// An API token of the team server (`Authorization: Bearer`).
    pub token: String,
    /// The local team replicated pipelines are created in (the local owner's, "Local").
    pub local_team: TeamId,
    /// How often the team server's pipelines are listed again, to pick up new ones.
    pub relist_every: Duration,
    /// TLS for an `https://` team server ([`crate::sync::tls::client_config`]: the system's roots plus
    /// `--sync-ca`); `None` for `http://`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error("--sync-to {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the team server cannot be reached: {0}")]
    Http(String),
    /// TLS with the team server failed; the hint says what to do about a refused certificate.
    #[error("TLS with the team server failed: {0}{hint}", hint = .0.hint())]
    Tls(TlsFailure),
    #[error("TLS setup: {0}")]
    TlsConfig(#[from] TlsConfigError),
    #[error("the team server answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("local store: {0}")]
    Store(#[from] StoreError),
    #[error("document: {0}")]
    Doc(String),
    #[error("the local node refused an update from the team server: {0}")]
    Refused(String),
    #[error(transparent)]
    Client(ClientError),
}

impl From<ClientError> for ReplicaError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Tls(failure) => ReplicaError::Tls(failure),
            e => ReplicaError::Client(e),
        }
    }
}

impl From<reqwest::Error> for ReplicaError {
    fn from(e: reqwest::Error) -> Self {
        match crate::sync::tls::failure(&e) {
            Some(failure) => ReplicaError::Tls(failure),
            None => ReplicaError::Http(describe_http_error(&e)),
        }
    }
}

/// reqwest's message ("error sending request for url …") with its causes, which say what actually failed.
fn describe_http_error(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The team server's address, as HTTP (listing) and WebSocket (sync) bases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    http: String,
    ws: String,
}

impl Upstream {
    /// `http://host[:port]` (WebSocket `ws://`) or `https://host[:port]` (`wss://`), with or without a
    /// trailing slash.
    pub fn parse(url: &str) -> Result<Upstream, ReplicaError> {
        let bad = |reason: &str| ReplicaError::BadUrl { url: url.to_owned(), reason: reason.to_owned() };
        let trimmed = url.trim().trim_end_matches('/');
        let (scheme, ws, rest) = if let Some(rest) = trimmed.strip_prefix("http://") {
            ("http", "ws", rest)
        } else if let Some(rest) = trimmed.strip_prefix("https://") {
            ("https", "wss", rest)
        } else {
            return Err(bad("expected http://host:port or https://host[:port]"));
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ', '@']) {
            return Err(bad("expected http://host:port or https://host[:port], without a path"));
        }
        Ok(Upstream { http: format!("{scheme}://{rest}"), ws: format!("{ws}://{rest}") })
    }

    pub fn http(&self) -> &str {
        &self.http
    }

    /// Whether the team server is reached over TLS (`https://`, `wss://`).
    pub fn is_tls(&self) -> bool {
        self.http.starts_with("https://")
    }

    pub fn sync_url(&self, id: PipelineId) -> String {
        format!("{}/api/pipelines/{id}/sync", self.ws)
    }

    fn list_url(&self) -> String {
        format!("{}/api/pipelines", self.http)
    }
}

/// A pipeline as the team server lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: PipelineId,
    pub name: String,
    pub file_name: Option<String>,
    pub is_template: bool,
}

/// Every pipeline the token's user can reach on the team server (all pages; templates included).
pub async fn list_upstream(
    http: &reqwest::Client,
    upstream: &Upstream,
    token: &str,
) -> Result<Vec<Listed>, ReplicaError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}?limit={PAGE}", upstream.list_url());
        if let Some(c) = &cursor {
            url.push_str("&cursor=");
            url.push_str(&url_encode(c));
        }
        let resp = http.get(&url).bearer_auth(token).timeout(LIST_TIMEOUT).send().await?;
        let status = resp.status().as_u16();
        if status != 200 {
            let body = resp.text().await.unwrap_or_default().chars().take(300).collect();
            return Err(ReplicaError::Status { status, body });
        }
        let page: PipelinePage = resp.json().await?;
        for p in page.items {
            // The server's ids always parse; anything else is skipped rather than trusted.
            let Ok(id) = p.id.parse() else { continue };
            out.push(Listed { id, name: p.name, file_name: p.file_name, is_template: p.is_template });
        }
        match page.next_cursor {
            Some(next) if page.has_more && cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
            _ => return Ok(out),
        }
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Starts the replicator on `state`'s documents; it stops when the node begins shutting down (the handle ends
/// once every link has closed its connection). `state.sync_to` should hold the same `board`.
pub fn start(state: AppState, config: SyncToConfig, board: Arc<Board>) -> JoinHandle<()> {
    tokio::spawn(supervise(state, config, board))
}

async fn supervise(state: AppState, config: SyncToConfig, board: Arc<Board>) {
    let http = match crate::sync::tls::http_client(config.tls.as_ref()) {
        Ok(http) => http,
        Err(e) => {
            // Only a broken TLS setup gets here, which `serve` has already built once: report and stop.
            board.unreachable(&ReplicaError::from(e).to_string(), Duration::ZERO);
            tracing::error!("sync-to: cannot build the HTTP client; not replicating");
            return;
        }
    };
    let mut shutdown = state.shutdown.subscribe();
    let ctx = Arc::new(link::Ctx { state: state.clone(), config: config.clone(), board: board.clone() });
    let mut links: HashMap<PipelineId, JoinHandle<()>> = HashMap::new();
    let mut failures = 0u32;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let listed = tokio::select! {
            listed = list_upstream(&http, &config.upstream, &config.token) => listed,
            _ = shutdown.changed() => break,
        };
        let delay = match listed {
            Ok(items) => {
                failures = 0;
                board.listed();
                links.retain(|_, handle| !handle.is_finished());
                for item in items {
                    links.entry(item.id).or_insert_with(|| tokio::spawn(link::run(ctx.clone(), item)));
                }
                config.relist_every
            }
            Err(e) => {
                let delay = backoff_delay(failures, fastrand::f64());
                failures = failures.saturating_add(1);
                board.unreachable(&e.to_string(), delay);
                delay
            }
        };
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => {}
        }
    }
    for (_, handle) in links {
        let _ = handle.await;
    }
}

/// `GET /api/sync-to/status`: the replicator's state (any signed-in user of this node), or
/// `{"enabled": false}` when the node does not sync to a team server.
pub async fn status_handler(State(state): State<AppState>, _auth: Auth) -> Json<serde_json::Value> {
    match &state.sync_to {
        Some(board) => Json(serde_json::to_value(board.snapshot()).unwrap_or_default()),
        None => Json(serde_json::json!({ "enabled": false })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls() {
        let u = Upstream::parse("http://127.0.0.1:8080/").expect("parse");
        assert_eq!(u.http(), "http://127.0.0.1:8080");
        let id: PipelineId = "0190f6f0-0000-7000-8000-000000000001".parse().expect("id");
        assert_eq!(u.sync_url(id), format!("ws://127.0.0.1:8080/api/pipelines/{id}/sync"));
        assert!(!u.is_tls());
        let t = Upstream::parse("https://team.example.com/").expect("parse");
        assert!(t.is_tls());
        assert_eq!(t.http(), "https://team.example.com");
        assert_eq!(t.sync_url(id), format!("wss://team.example.com/api/pipelines/{id}/sync"));
        assert!(Upstream::parse("ftp://x").is_err());
        assert!(Upstream::parse("https://user@host").is_err());
        assert!(Upstream::parse("http://").is_err());
        assert!(Upstream::parse("http://host/path").is_err());
    }

    #[test]
    fn cursors_are_encoded() {
        assert_eq!(url_encode("100"), "100");
        assert_eq!(url_encode("a b&c"), "a%20b%26c");
    }
}
