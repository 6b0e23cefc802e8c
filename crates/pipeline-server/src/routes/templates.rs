//! Templates: mark a pipeline as a template, list templates, create a pipeline from one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use pipeline_store::{PipelineQuery, PipelineUpdate, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Auth;
use crate::auth::permissions::{Deleted, audit, require_pipeline, team_for_create};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Qs};
use crate::routes::pipelines::{Prepared, prepare};
use crate::routes::{pipeline_json, summary_json};
use crate::types::{Created, PipelinePage};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    #[serde(default)]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Qs(q): Qs<ListQuery>) -> ApiResult<Json<PipelinePage>> {
    let teams = state.store.teams_of(auth.user.id).await?.into_iter().map(|t| t.team.id);
    let mut query = PipelineQuery::teams(teams).page(q.limit, q.offset);
    query.template = Some(true);
    query.text = q.q.filter(|t| !t.trim().is_empty());
    let page = state.store.list_pipelines(&query).await?;
    Ok(Json(PipelinePage {
        items: page.items.iter().map(summary_json).collect(),
        total: page.total,
        total_capped: page.total_capped,
        has_more: page.has_more,
        next_cursor: None,
    }))
}

#[derive(Deserialize)]
pub struct TemplateBody {
    pub is_template: bool,
}

pub async fn set_template(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TemplateBody>,
) -> ApiResult<Json<crate::types::PipelineBody>> {
    let p = require_pipeline(&state, &auth, &id, Role::Member, Deleted::Hidden).await?;
    let update = PipelineUpdate { is_template: Some(body.is_template), ..PipelineUpdate::default() };
    let p = state.store.update_pipeline(p.id, update).await?;
    Ok(Json(pipeline_json(&p)))
}

#[derive(Deserialize, Default)]
pub struct InstantiateBody {
    /// The new pipeline's `workflow.name`; the template's when absent.
    pub name: Option<String>,
    /// The team of the new pipeline; the caller's first team where they are a member when absent.
    pub team: Option<String>,
}

pub async fn instantiate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<InstantiateBody>,
) -> ApiResult<impl IntoResponse> {
    let t = require_pipeline(&state, &auth, &id, Role::Viewer, Deleted::Hidden).await?;
    if !t.is_template {
        return Err(ApiError::not_found("template"));
    }
    let team = match body.team.as_deref() {
        Some(raw) => team_for_create(&state, &auth, Some(raw)).await?,
        None => match state.store.role(t.team, auth.user.id).await? {
            Some(r) if r.at_least(Role::Member) => t.team,
            _ => team_for_create(&state, &auth, None).await?,
        },
    };
    let yaml = state.docs.read(state.store.as_ref(), t.id, |d| Ok(d.export_yaml()?)).await?;
    let text = match body.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => yaml,
        Some(name) => {
            let doc = pipeline_doc::PipelineDoc::from_yaml(&yaml)?;
            let mut model = doc.model();
            if let Some(w) = model.get_mut("workflow").and_then(Value::as_object_mut) {
                w.insert("name".into(), json!(name));
            }
            doc.set_model(&model, "rename")?;
            doc.export_yaml()?
        }
    };
    let Prepared { mut new, diagnostics, .. } = prepare(&text, team, t.file_name.clone(), false)?;
    new.created_by = Some(auth.user.id);
    let p = state.store.create_pipeline(new).await?;
    audit(
        &state,
        Some(&auth),
        Some(team),
        "pipeline.create",
        p.id.to_string(),
        json!({ "name": p.name, "template": t.id }),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(Created { id: p.id.to_string(), name: p.name, team: p.team.to_string(), diagnostics }),
    ))
}
