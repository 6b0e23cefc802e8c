//! Pipelines: create from YAML, list and search, read, YAML export and replacement, diagnostics, soft delete
//! and restore.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pipeline_doc::PipelineDoc;
use pipeline_store::{NewPipeline, PipelineQuery, Role, TeamId};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::Auth;
use crate::auth::permissions::{Deleted, audit, require_pipeline, team_for_create};
use crate::diagnostics;
use crate::docs::{cached_fields, display_name};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Qs, YamlBody};
use crate::routes::{pipeline_json, summary_json};
use crate::types::{
    Created, DiagnosticBody, DiagnosticsBody, PipelineBody, PipelineDetail, PipelinePage, YamlReplaced,
};

#[derive(Deserialize, Default)]
pub struct CreateQuery {
    pub team: Option<String>,
    pub file_name: Option<String>,
    #[serde(default)]
    pub template: Option<bool>,
}

/// A document and what the store needs to create a pipeline from `text`, or a 422 with the parse error's
/// location. Shared with import and templates.
pub struct Prepared {
    pub doc: PipelineDoc,
    pub new: NewPipeline,
    pub diagnostics: Vec<DiagnosticBody>,
}

pub fn prepare(text: &str, team: TeamId, file_name: Option<String>, template: bool) -> ApiResult<Prepared> {
    let doc = PipelineDoc::from_yaml(text)?;
    let diagnostics = diagnostics::of_text(text);
    let (yaml, name, description, search_text) = cached_fields(&doc)?;
    let fallback = file_name
        .as_deref()
        .map(|f| f.trim_end_matches(".yaml").trim_end_matches(".yml").to_owned())
        .unwrap_or_else(|| "Untitled pipeline".to_owned());
    // The first blob of a new document is a snapshot: loading it decodes the state lazily, as parts are
    // touched (an update would decode all of it: ~4 MiB and ~50 ms for 1000 steps).
    let initial = doc.export_snapshot()?;
    let new = NewPipeline {
        team,
        name: display_name(&name, &fallback),
        description,
        file_name,
        is_template: template,
        yaml,
        search_text,
        initial_update: Some(initial),
        ..NewPipeline::default()
    };
    Ok(Prepared { doc, new, diagnostics })
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Qs(q): Qs<CreateQuery>,
    YamlBody(text): YamlBody,
) -> ApiResult<impl IntoResponse> {
    let team = team_for_create(&state, &auth, q.team.as_deref()).await?;
    let Prepared { mut new, diagnostics, .. } = prepare(&text, team, q.file_name.clone(), q.template.unwrap_or(false))?;
    new.created_by = Some(auth.user.id);
    let p = state.store.create_pipeline(new).await?;
    audit(&state, Some(&auth), Some(team), "pipeline.create", p.id.to_string(), json!({ "name": p.name })).await;
    let body = Created { id: p.id.to_string(), name: p.name, team: p.team.to_string(), diagnostics };
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub team: Option<String>,
    pub template: Option<bool>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
    /// Opaque cursor from a previous page's `next_cursor` (the next offset).
    pub cursor: Option<String>,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Qs(q): Qs<ListQuery>) -> ApiResult<Json<PipelinePage>> {
    let mine = state.store.teams_of(auth.user.id).await?;
    let teams: Vec<TeamId> = match &q.team {
        Some(raw) => {
            let t: TeamId = raw.parse().map_err(|_| ApiError::bad_request(format!("team {raw:?} is not an id")))?;
            if !mine.iter().any(|m| m.team.id == t) {
                return Err(ApiError::forbidden("you are not a member of this team"));
            }
            vec![t]
        }
        None => mine.iter().map(|m| m.team.id).collect(),
    };
    let offset = match &q.cursor {
        Some(c) => c.parse().map_err(|_| ApiError::bad_request("invalid cursor"))?,
        None => q.offset,
    };
    let query = PipelineQuery {
        teams,
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
        template: q.template,
        deleted: q.deleted,
        limit: q.limit,
        offset,
    };
    let page = state.store.list_pipelines(&query).await?;
    let n = u32::try_from(page.items.len()).unwrap_or(u32::MAX);
    let next = page.has_more.then(|| (offset.saturating_add(n)).to_string());
    Ok(Json(PipelinePage {
        items: page.items.iter().map(summary_json).collect(),
        total: page.total,
        total_capped: page.total_capped,
        has_more: page.has_more,
        next_cursor: next,
    }))
}

pub async fn get(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<PipelineDetail>> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let (yaml, steps) =
        state.docs.read(state.store.as_ref(), p.id, |d| Ok((d.export_yaml()?, d.summary().steps))).await?;
    let diags = diagnostics::of_text(&yaml);
    Ok(Json(PipelineDetail {
        pipeline: pipeline_json(&p),
        steps: u32::try_from(steps).unwrap_or(u32::MAX),
        diagnostics: diagnostics::summary(&diags),
    }))
}

pub async fn get_yaml(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let yaml = state.docs.read(state.store.as_ref(), p.id, |d| Ok(d.export_yaml()?)).await?;
    Ok(([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], yaml).into_response())
}

pub async fn put_yaml(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    YamlBody(text): YamlBody,
) -> ApiResult<Json<YamlReplaced>> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    let (yaml, name) = state
        .docs
        .edit(&state.store, p.id, Some(auth.user.id), |d| {
            d.replace_text(&text)?;
            Ok((d.export_yaml()?, d.summary().name))
        })
        .await?;
    let diags = diagnostics::of_text(&yaml);
    Ok(Json(YamlReplaced { id: p.id.to_string(), name: display_name(&name, &p.name), diagnostics: diags }))
}

pub async fn diagnostics(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DiagnosticsBody>> {
    let p = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    let yaml = state.docs.read(state.store.as_ref(), p.id, |d| Ok(d.export_yaml()?)).await?;
    let diags = diagnostics::of_text(&yaml);
    Ok(Json(DiagnosticsBody { summary: diagnostics::summary(&diags), diagnostics: diags }))
}

pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PipelineBody>> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    let p = state.store.delete_pipeline(p.id).await?;
    audit(&state, Some(&auth), Some(p.team), "pipeline.delete", p.id.to_string(), json!({ "name": p.name })).await;
    Ok(Json(pipeline_json(&p)))
}

pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PipelineBody>> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Found).await?;
    let p = state.store.restore_pipeline(p.id).await?;
    audit(&state, Some(&auth), Some(p.team), "pipeline.restore", p.id.to_string(), json!({ "name": p.name })).await;
    Ok(Json(pipeline_json(&p)))
}
