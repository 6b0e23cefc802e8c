//! `pipeline-editor serve`: open the store, set up the first user on first run, serve until SIGTERM/Ctrl-C.

use std::time::Duration;

use std::sync::Arc;

use pipeline_server::replica::status::Board;
use pipeline_server::replica::{self, SyncToConfig, Upstream};
use pipeline_server::sync::tls;
use pipeline_server::{AppState, Config};
use pipeline_store::{NewAuditEntry, NewUser, Role, Store};
use tokio::net::TcpListener;

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_OR_IO, ServeArgs};
use crate::commands::{message, store};

pub const FIRST_USER_EMAIL: &str = "owner@localhost";
pub const FIRST_TEAM: &str = "Local";
const LINK_TTL: Duration = Duration::from_secs(24 * 3600);

pub fn run(args: &ServeArgs) -> u8 {
    let Some(rt) = store::runtime() else { return EXIT_FINDINGS };
    rt.block_on(serve(args))
}

/// The environment variable holding `--token` when the flag is absent.
pub const SYNC_TOKEN_ENV: &str = "PIPELINE_EDITOR_SYNC_TOKEN";

/// What `--sync-to` asks for, checked before anything starts.
struct SyncTo {
    upstream: Upstream,
    token: String,
    tls: Option<Arc<tls::ClientConfig>>,
}

/// `--sync-to`, its token and its TLS setup (`--sync-ca`), checked before anything starts.
fn sync_to_args(args: &ServeArgs) -> Result<Option<SyncTo>, String> {
    let Some(url) = &args.sync_to else { return Ok(None) };
    let upstream = Upstream::parse(url).map_err(|e| e.to_string())?;
    let tls = match (&args.sync_ca, upstream.is_tls()) {
        (Some(_), false) => {
            return Err(format!("--sync-ca is for an https:// team server; --sync-to is {}", upstream.http()));
        }
        (ca, true) => Some(tls::client_config(ca.as_deref()).map_err(|e| format!("--sync-to {url}: {e}"))?),
        (None, false) => None,
    };
    let token = match &args.token {
        Some(t) => t.clone(),
        None => std::env::var(SYNC_TOKEN_ENV)
            .map_err(|_| format!("--sync-to needs the team server's API token: --token TOKEN or {SYNC_TOKEN_ENV}"))?,
    };
    if token.trim().is_empty() {
        return Err("--token is empty".into());
    }
    Ok(Some(SyncTo { upstream, token: token.trim().to_owned(), tls }))
}

async fn serve(args: &ServeArgs) -> u8 {
    let sync_to = match sync_to_args(args) {
        Ok(s) => s,
        Err(e) => {
            message(&format!("error: {e}"));
            return EXIT_USAGE_OR_IO;
        }
    };
    let Some(store) = store::open(&args.store).await else { return EXIT_FINDINGS };
    let listener = match TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            message(&format!("error: cannot listen on {}: {e}", args.listen));
            return EXIT_FINDINGS;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            message(&format!("error: cannot read the listening address: {e}"));
            return EXIT_FINDINGS;
        }
    };
    let base = format!("http://{addr}");
    let link = match first_run(store.as_ref()).await {
        Ok(link) => link,
        Err(e) => {
            message(&format!("error: first-run setup failed: {e}"));
            return EXIT_FINDINGS;
        }
    };
    println!("Pipeline Editor is running at {base}/");
    if let Some(token) = link {
        println!("First run: created the user {FIRST_USER_EMAIL} (owner of team \"{FIRST_TEAM}\").");
        println!("Open this one-time sign-in link (valid 24 hours): {base}/auth/signin/{token}");
    }
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    let mut state = AppState::new(store.clone(), Config { secure_cookies: args.secure_cookies, ..Config::default() });
    let replicator = match sync_to {
        None => None,
        Some(SyncTo { upstream, token, tls }) => {
            let local_team = match store::team(store.as_ref(), FIRST_TEAM).await {
                Ok((team, _)) => team.id,
                Err(e) => {
                    message(&format!("error: cannot find or create the local team {FIRST_TEAM:?}: {e}"));
                    return EXIT_FINDINGS;
                }
            };
            println!("Local node of {}: replicating its pipelines into team \"{FIRST_TEAM}\".", upstream.http());
            let board = Arc::new(Board::new(upstream.http()));
            state.sync_to = Some(board.clone());
            let config = SyncToConfig {
                upstream,
                token,
                local_team,
                relist_every: Duration::from_secs(args.sync_relist_secs.max(1)),
                tls,
            };
            Some(replica::start(state.clone(), config, board))
        }
    };
    let result = pipeline_server::serve(listener, state.clone(), shutdown_signal()).await;
    if let Some(handle) = replicator {
        // It stopped when the shutdown began; what it queued last is settled before the store closes.
        let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
        state.docs.writer().barrier().await;
    }
    store.close().await;
    match result {
        Ok(()) => {
            message("note: stopped");
            EXIT_OK
        }
        Err(e) => {
            message(&format!("error: server failed: {e}"));
            EXIT_FINDINGS
        }
    }
}

/// With no users yet: a local owner, their team, and a one-time sign-in link (its secret is returned).
async fn first_run(store: &dyn Store) -> Result<Option<String>, pipeline_store::StoreError> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let user = store.create_user(NewUser { email: FIRST_USER_EMAIL.into(), name: "Owner".into() }).await?;
    let (team, _) = store::team(store, FIRST_TEAM).await?;
    store.set_role(team.id, user.id, Role::Owner).await?;
    store
        .record_audit(NewAuditEntry {
            team: Some(team.id),
            action: "member.add".into(),
            target: user.id.to_string(),
            details: serde_json::json!({ "role": "owner", "email": user.email, "via": "first run" }),
            ..Default::default()
        })
        .await?;
    Ok(Some(store.create_signin_link(user.id, LINK_TTL).await?))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    message("note: shutting down (finishing running requests)");
}
