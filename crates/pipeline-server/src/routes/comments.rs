//! Comment threads on steps: list, start a thread, reply, resolve or reopen, edit one's own message. They live
//! in the document (beside the YAML, never in it); authors are user ids.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use pipeline_store::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Auth;
use crate::auth::permissions::{Deleted, require_pipeline};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::routes::now_ms;

pub const MAX_COMMENT_CHARS: usize = 10_000;

fn check_text(text: &str) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "the comment text must not be empty"));
    }
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("a comment has at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(())
}

pub async fn list(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let threads = state.docs.read(state.store.as_ref(), p.id, |d| Ok(d.threads())).await?;
    Ok(Json(json!({ "items": threads })))
}

#[derive(Deserialize)]
pub struct NewThread {
    /// The step's node key (`counter@peer`, as in the document) …
    pub step: Option<String>,
    /// … or its model path (`/workflow/steps/0`).
    pub step_path: Option<String>,
    pub text: String,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewThread>,
) -> ApiResult<impl IntoResponse> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    check_text(&body.text)?;
    let author = auth.user.id.to_string();
    let thread = state
        .docs
        .edit(&state.store, p.id, Some(auth.user.id), |d| {
            let step = match (&body.step, &body.step_path) {
                (Some(key), _) => pipeline_doc::steps::parse_node_key(key),
                (None, Some(path)) => d.step_at(path),
                (None, None) => return Err(ApiError::bad_request("give `step` (node key) or `step_path`")),
            };
            let step = step.filter(|s| d.step(*s).is_some()).ok_or_else(|| ApiError::not_found("step"))?;
            let thread = d.add_thread(step, &author, &body.text, now_ms())?;
            Ok(d.threads().into_iter().find(|t| t.id == thread))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!(thread))))
}

#[derive(Deserialize)]
pub struct TextBody {
    pub text: String,
}

pub async fn reply(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, thread)): Path<(String, String)>,
    JsonBody(body): JsonBody<TextBody>,
) -> ApiResult<impl IntoResponse> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    check_text(&body.text)?;
    let author = auth.user.id.to_string();
    let mid = state
        .docs
        .edit(&state.store, p.id, Some(auth.user.id), |d| Ok(d.reply(&thread, &author, &body.text, now_ms())?))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": mid, "thread": thread }))))
}

#[derive(Deserialize)]
pub struct ResolveBody {
    pub resolved: bool,
}

pub async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, thread)): Path<(String, String)>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> ApiResult<Json<Value>> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    let t = state
        .docs
        .edit(&state.store, p.id, Some(auth.user.id), |d| {
            d.set_resolved(&thread, body.resolved)?;
            Ok(d.threads().into_iter().find(|t| t.id == thread))
        })
        .await?;
    Ok(Json(json!(t)))
}

pub async fn edit_message(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, thread, mid)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<TextBody>,
) -> ApiResult<Json<Value>> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    check_text(&body.text)?;
    let author = auth.user.id.to_string();
    let t = state
        .docs
        .edit(&state.store, p.id, Some(auth.user.id), |d| {
            d.edit_message(&thread, &mid, &author, &body.text)?;
            Ok(d.threads().into_iter().find(|t| t.id == thread))
        })
        .await?;
    Ok(Json(json!(t)))
}
