//! The application state and the router.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post};
use axum::serve::ListenerExt;
use pipeline_store::{Store, TeamId, UserId};
use tokio::net::TcpListener;

use crate::auth::rate_limit::RateLimiter;
use crate::docs::DocCache;
use crate::metrics::Metrics;
use crate::routes::{auth, comments, export, pipelines, teams, templates, versions};

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (the server is reached over https, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// How often an open sync connection checks that its session or API token is still valid and that the
    /// user's role is the one it was opened with (a logout, a revoked token, an expired session, a role change
    /// whatever node made it).
    pub access_recheck: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config { secure_cookies: false, access_recheck: std::time::Duration::from_secs(30) }
    }
}

/// What a sync connection hears about access changes (`AppState::memberships`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessChange {
    /// This user's role in this team changed, or they left it.
    Member(TeamId, UserId),
    /// One of this user's sessions ended or API tokens was revoked: their connections check theirs now.
    Credentials(UserId),
    /// Changes made on other nodes may have been missed (the change feed was lost for a while): every
    /// connection reads its role again.
    Unknown,
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub docs: DocCache,
    pub config: Arc<Config>,
    pub limiter: Arc<RateLimiter>,
    pub metrics: Arc<Metrics>,
    /// Set to true when the node is stopping: sync connections say so, finish in-flight writes and close.
    pub shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    /// A member's role in a team changed or they left it (on this node, or on another one through the store's
    /// change feed): their sync connections to the team's pipelines close, so that the reconnect is authorised
    /// again (read-only, or refused).
    pub memberships: tokio::sync::broadcast::Sender<AccessChange>,
    /// A local node's replicator state (`serve --sync-to`), for `GET /api/sync-to/status`.
    pub sync_to: Option<Arc<crate::replica::status::Board>>,
}

impl AppState {
    /// The state, its writer task and (on PostgreSQL) the follower of other nodes' updates; needs a Tokio
    /// runtime.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        let metrics = Arc::new(Metrics::default());
        let docs = DocCache::new(store.clone(), metrics.clone());
        let (memberships, _) = tokio::sync::broadcast::channel(256);
        tokio::spawn(crate::docs::feed::run(docs.clone(), memberships.clone()));
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Self {
            store,
            docs,
            config: Arc::new(config),
            limiter: Arc::new(RateLimiter::default()),
            metrics,
            shutdown: Arc::new(shutdown),
            memberships,
            sync_to: None,
        }
    }

    /// Tells this node's sync connections of `user` to `team`'s pipelines that their access changed.
    pub fn membership_changed(&self, team: TeamId, user: UserId) {
        // No receiver (no open connection) is fine.
        let _ = self.memberships.send(AccessChange::Member(team, user));
    }

    /// Tells this node's sync connections of `user` that a session or API token of theirs ended (a logout, a
    /// revocation): the ones it authorised close now, not at their next periodic check.
    pub fn credentials_changed(&self, user: UserId) {
        let _ = self.memberships.send(AccessChange::Credentials(user));
    }

    /// Starts a graceful stop: sync connections send `shutdown`, wait for their in-flight writes, and close.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Waits (at most `limit`) until every sync connection has closed, then until the writer has settled
    /// everything queued.
    pub async fn drain(&self, limit: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.metrics.connections.get() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.docs.writer().barrier().await;
        self.docs.flush_views().await;
    }
}

/// The largest YAML body accepted (the parser's own limit).
pub const MAX_YAML_BYTES: usize = 16 * 1024 * 1024;
/// The largest JSON body accepted.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Every route. Keep `openapi::ROUTES` in step (a test checks).
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(crate::openapi::handler))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/pipelines", get(pipelines::list).post(pipelines::create))
        .route("/pipelines/{id}", get(pipelines::get).delete(pipelines::delete))
        .route("/pipelines/{id}/restore", post(pipelines::restore))
        .route("/pipelines/{id}/yaml", get(pipelines::get_yaml).put(pipelines::put_yaml))
        .route("/pipelines/{id}/diagnostics", get(pipelines::diagnostics))
        .route("/pipelines/{id}/versions", get(versions::list).post(versions::create))
        .route("/pipelines/{id}/versions/{vid}", get(versions::get))
        .route("/pipelines/{id}/versions/{vid}/restore", post(versions::restore))
        .route("/pipelines/{id}/diff", get(versions::diff))
        .route("/pipelines/{id}/comments", get(comments::list).post(comments::create))
        .route("/pipelines/{id}/comments/{thread}", patch(comments::resolve))
        .route("/pipelines/{id}/comments/{thread}/replies", post(comments::reply))
        .route("/pipelines/{id}/comments/{thread}/messages/{mid}", patch(comments::edit_message))
        .route("/pipelines/{id}/template", post(templates::set_template))
        .route("/templates", get(templates::list))
        .route("/templates/{id}/instantiate", post(templates::instantiate))
        .route("/export.zip", get(export::zip))
        .route("/teams", get(teams::list).post(teams::create))
        .route("/teams/{id}/members", get(teams::members).post(teams::add_member))
        .route("/teams/{id}/invites", post(teams::invite))
        .route("/teams/{id}/members/{uid}", patch(teams::set_role).delete(teams::remove_member))
        .route("/teams/{id}/audit", get(teams::audit))
        .route("/tokens", get(teams::list_tokens).post(teams::create_token).delete(teams::revoke_token_body))
        .route("/tokens/{tid}", delete(teams::revoke_token))
        .route("/pipelines/{id}/sync", get(crate::sync::conn::handler))
        .route("/sync-to/status", get(crate::replica::status_handler))
        .fallback(api_not_found);
    Router::new()
        .route("/auth/signin/{token}", get(auth::signin_link))
        .route("/metrics", get(crate::metrics::handler))
        .nest("/api", api)
        .fallback(get(web_app))
        .layer(DefaultBodyLimit::max(MAX_YAML_BYTES))
        .layer(axum::middleware::from_fn(crate::headers::security_headers))
        .with_state(state)
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn api_not_found() -> crate::ApiError {
    crate::ApiError::not_found("route")
}

/// The browser app: its files by path, and `index.html` for every other GET outside `/api` (the app's own
/// routes such as `/p/{id}`). Built files under `/assets/` are content-addressed and cached for good.
async fn web_app(uri: axum::http::Uri) -> axum::response::Response {
    let path = uri.path();
    let looks_like_file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let found = pipeline_web::get(path).or_else(|| if looks_like_file { None } else { pipeline_web::index() });
    match found {
        Some(a) => {
            let cache = if a.immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
            ([(header::CONTENT_TYPE, a.content_type), (header::CACHE_CONTROL, cache)], a.bytes).into_response()
        }
        None => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Serves `router(state)` on `listener` until `shutdown` resolves, then stops gracefully: sync clients are told
/// (they reconnect by themselves), in-flight writes finish, running requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let signal_state = state.clone();
    let stopping = async move {
        shutdown.await;
        signal_state.begin_shutdown();
    };
    // Without TCP_NODELAY a small frame written while an earlier one is unacknowledged waits for the peer's
    // delayed ACK (up to 40 ms on Linux): sync frames are small and latency is the point.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set on an accepted connection: {err}");
        }
    });
    let served = axum::serve(listener, app).with_graceful_shutdown(stopping).await;
    state.drain(std::time::Duration::from_secs(15)).await;
    served
}
