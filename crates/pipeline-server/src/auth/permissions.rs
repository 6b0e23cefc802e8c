//! Roles per team, checked on every route (DESIGN.md decision 9).
//!
//! | action | least role |
//! |---|---|
//! | read pipelines, versions, diffs, comments, members; export | viewer |
//! | create, edit, delete, restore pipelines; versions; comments; templates | member |
//! | manage members (not owners), read the audit log | admin |
//! | make or change owners | owner |
//!
//! A pipeline of a team the user is not in is reported as not found (404), so ids do not reveal what other
//! teams have; a team route of a team the user is not in is 403. A role that is too weak is 403.

use pipeline_store::{Pipeline, PipelineId, Role, TeamId};

use crate::app::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::id;

/// The user's role in a team, or 403.
pub async fn require_team(state: &AppState, auth: &Auth, team: TeamId, least: Role) -> ApiResult<Role> {
    match state.store.role(team, auth.user.id).await? {
        None => Err(ApiError::forbidden("you are not a member of this team")),
        Some(role) if role.at_least(least) => Ok(role),
        Some(role) => Err(ApiError::forbidden(format!("this needs the {least} role in the team; you are {role}"))),
    }
}

/// Whether deleted pipelines are found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Hidden,
    Found,
}

/// The pipeline if the user has at least `least` in its team: 404 when it does not exist, is deleted (unless
/// `Deleted::Found`) or belongs to another team; 403 when the role is too weak.
pub async fn require_pipeline(
    state: &AppState,
    auth: &Auth,
    raw_id: &str,
    least: Role,
    deleted: Deleted,
) -> ApiResult<Pipeline> {
    let pid: PipelineId = id(raw_id, "pipeline")?;
    let pipeline = state.store.get_pipeline(pid).await.map_err(|e| match e {
        pipeline_store::StoreError::NotFound(_) => ApiError::not_found("pipeline"),
        other => other.into(),
    })?;
    if pipeline.deleted_at.is_some() && deleted == Deleted::Hidden {
        return Err(ApiError::not_found("pipeline"));
    }
    match state.store.role(pipeline.team, auth.user.id).await? {
        None => Err(ApiError::not_found("pipeline")),
        Some(role) if role.at_least(least) => Ok(pipeline),
        Some(role) => Err(ApiError::forbidden(format!("this needs the {least} role in the team; you are {role}"))),
    }
}

/// The team a new pipeline goes to: the one asked for (member at least), else the user's first team where they
/// are a member at least.
pub async fn team_for_create(state: &AppState, auth: &Auth, team: Option<&str>) -> ApiResult<TeamId> {
    if let Some(raw) = team {
        let team: TeamId = raw.parse().map_err(|_| ApiError::bad_request(format!("team {raw:?} is not an id")))?;
        require_team(state, auth, team, Role::Member).await?;
        return Ok(team);
    }
    let teams = state.store.teams_of(auth.user.id).await?;
    teams
        .iter()
        .find(|t| t.role.at_least(Role::Member))
        .map(|t| t.team.id)
        .ok_or_else(|| ApiError::forbidden("you are not a member (or more) of any team; pass ?team=ID"))
}

/// Records an audit entry; a failure is logged, not returned (the action itself has happened).
pub async fn audit(
    state: &AppState,
    actor: Option<&Auth>,
    team: Option<TeamId>,
    action: &str,
    target: String,
    details: serde_json::Value,
) {
    let entry = pipeline_store::NewAuditEntry {
        actor: actor.map(|a| a.user.id),
        team,
        action: action.to_owned(),
        target,
        details,
    };
    if let Err(e) = state.store.record_audit(entry).await {
        tracing::error!(error = %e, action, "could not record an audit entry");
    }
}
