//! Pipeline Editor's HTTP API (axum): pipelines, versions and diffs, comments, templates, teams and members,
//! API tokens, the audit log, sign-in, and the export archive. The binary (`pipeline-editor serve`) builds an
//! [`AppState`] on a store and serves [`app::router`].
//!
//! - `app`: state, router, the placeholder page; `headers`: security headers on every response;
//! - `routes/*`: one module per resource; `extract`: body, query and id extractors with JSON errors and limits;
//! - `auth/*`: session cookie and Bearer token (`session`), CSRF (`csrf`), login rate limit (`rate_limit`),
//!   role checks (`permissions`);
//! - `docs/*`: the live documents (`DocCache`): load, edit, the writer (group commit), rooms (a pipeline's
//!   connections, presence), views (debounced YAML + diagnostics), the change feed between nodes, compaction;
//! - `sync/*`: the WebSocket sync protocol (docs/protocol.md): codec, connections, update checks, a client;
//! - `replica/*`: a local node's replicator (`serve --sync-to`, docs/local-node.md) and its status;
//! - `metrics`: `/metrics` in Prometheus text format;
//! - `error`: `ApiError`, the one error body; `openapi`: the OpenAPI 3.1 description.

#![recursion_limit = "512"]

pub mod app;
pub mod auth;
pub mod diagnostics;
pub mod docs;
pub mod error;
pub mod extract;
pub mod headers;
pub mod metrics;
pub mod openapi;
pub mod replica;
pub mod routes;
pub mod sync;
pub mod types;

pub use app::{AppState, Config, router, serve};
pub use docs::DocCache;
pub use error::{ApiError, ApiResult};
