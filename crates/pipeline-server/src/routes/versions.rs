//! Versions: named checkpoints (frontiers + YAML), list, read, diff between two versions (or a version and the
//! current state), and restore as a new version.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use pipeline_doc::loro::Frontiers;
use pipeline_store::{NewVersion, Pipeline, Role, Version, VersionId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Auth;
use crate::auth::permissions::{Deleted, require_pipeline};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Qs, id};
use crate::routes::ts;

fn version_json(v: &Version, with_yaml: bool) -> Value {
    let mut out = json!({
        "id": v.id, "pipeline": v.pipeline, "author": v.author, "message": v.message, "created_at": ts(v.created_at),
    });
    if with_yaml {
        out["yaml"] = json!(v.yaml);
    }
    out
}

async fn version_of(state: &AppState, p: &Pipeline, raw: &str) -> ApiResult<Version> {
    let vid: VersionId = id(raw, "version")?;
    match state.store.get_version(vid).await {
        Ok(v) if v.pipeline == p.id => Ok(v),
        Ok(_) | Err(pipeline_store::StoreError::NotFound(_)) => Err(ApiError::not_found("version")),
        Err(e) => Err(e.into()),
    }
}

fn frontiers(v: &Version) -> ApiResult<Frontiers> {
    Frontiers::decode(&v.frontiers).map_err(|e| {
        tracing::error!(version = %v.id, error = %e, "stored frontiers do not decode");
        ApiError::internal()
    })
}

#[derive(Deserialize, Default)]
pub struct CreateBody {
    #[serde(default)]
    pub message: String,
}

/// Saves the current state as a version.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateBody>,
) -> ApiResult<impl IntoResponse> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    let v = save_version(&state, &p, &auth, body.message).await?;
    Ok((StatusCode::CREATED, Json(version_json(&v, false))))
}

async fn save_version(state: &AppState, p: &Pipeline, auth: &Auth, message: String) -> ApiResult<Version> {
    let (frontiers, yaml) =
        state.docs.read(state.store.as_ref(), p.id, |d| Ok((d.frontiers().encode(), d.export_yaml()?))).await?;
    let new = NewVersion { pipeline: p.id, author: Some(auth.user.id), message, frontiers, yaml };
    Ok(state.store.create_version(new).await?)
}

pub async fn list(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let versions = state.store.list_versions(p.id).await?;
    let items: Vec<Value> = versions
        .iter()
        .map(|v| {
            json!({ "id": v.id, "pipeline": v.pipeline, "author": v.author, "message": v.message,
                    "created_at": ts(v.created_at) })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, vid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let v = version_of(&state, &p, &vid).await?;
    Ok(Json(version_json(&v, true)))
}

#[derive(Deserialize)]
pub struct DiffQuery {
    pub from: String,
    /// A version id or `current` (the default).
    pub to: Option<String>,
}

pub async fn diff(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Qs(q): Qs<DiffQuery>,
) -> ApiResult<Json<Value>> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let from = frontiers(&version_of(&state, &p, &q.from).await?)?;
    let to = match q.to.as_deref() {
        None | Some("current") => None,
        Some(raw) => Some(frontiers(&version_of(&state, &p, raw).await?)?),
    };
    let diff = state
        .docs
        .read(state.store.as_ref(), p.id, |d| {
            let a = d.at(&from)?;
            let out = match &to {
                Some(f) => pipeline_doc::history::diff(&a, &d.at(f)?)?,
                None => pipeline_doc::history::diff(&a, d)?,
            };
            Ok(out)
        })
        .await?;
    let mut body = serde_json::to_value(&diff).map_err(|_| ApiError::internal())?;
    body["from"] = json!(q.from);
    body["to"] = json!(q.to.unwrap_or_else(|| "current".into()));
    Ok(Json(body))
}

#[derive(Deserialize, Default)]
pub struct RestoreBody {
    pub message: Option<String>,
}

/// Brings a version back as new edits and saves the result as a new version.
pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, vid)): Path<(String, String)>,
    JsonBody(body): JsonBody<RestoreBody>,
) -> ApiResult<impl IntoResponse> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    let old = version_of(&state, &p, &vid).await?;
    let f = frontiers(&old)?;
    let message = body.message.unwrap_or_else(|| {
        let label = if old.message.is_empty() { old.id.to_string() } else { old.message.clone() };
        format!("Restored from version “{label}”")
    });
    let msg = message.clone();
    state.docs.edit(&state.store, p.id, Some(auth.user.id), move |d| Ok(d.restore(&f, &msg)?)).await?;
    let v = save_version(&state, &p, &auth, message).await?;
    Ok((StatusCode::CREATED, Json(version_json(&v, true))))
}
