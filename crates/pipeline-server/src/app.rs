//! The application state and the router.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{delete, get, patch, post};
use pipeline_store::Store;
use tokio::net::TcpListener;

use crate::auth::rate_limit::RateLimiter;
use crate::docs::DocCache;
use crate::routes::{auth, comments, export, pipelines, teams, templates, versions};

/// Settings of a running server.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Mark cookies `Secure` (the server is reached over https, e.g. behind a proxy).
    pub secure_cookies: bool,
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub docs: DocCache,
    pub config: Arc<Config>,
    pub limiter: Arc<RateLimiter>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Self { store, docs: DocCache::default(), config: Arc::new(config), limiter: Arc::new(RateLimiter::default()) }
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
        .route("/teams/{id}/members/{uid}", patch(teams::set_role).delete(teams::remove_member))
        .route("/teams/{id}/audit", get(teams::audit))
        .route("/tokens", get(teams::list_tokens).post(teams::create_token).delete(teams::revoke_token_body))
        .route("/tokens/{tid}", delete(teams::revoke_token))
        // The sync WebSocket (`/api/pipelines/{id}/sync`) is mounted here in a later issue.
        .fallback(api_not_found);
    Router::new()
        .route("/", get(index))
        .route("/auth/signin/{token}", get(auth::signin_link))
        .nest("/api", api)
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

const INDEX: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pipeline Editor</title></head>\n\
<body><h1>Pipeline Editor</h1>\n<p>The server is running. The web editor comes in a later release; until then use the \
HTTP API (<a href=\"/api/openapi.json\">/api/openapi.json</a>) and the command line.</p>\n</body></html>\n";

async fn index() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-cache")], Html(INDEX))
}

/// Serves `router(state)` on `listener` until `shutdown` resolves, then finishes running requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
