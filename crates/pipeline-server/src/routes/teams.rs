//! Teams, members and roles, API tokens, the audit log (the admin UI's routes).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::time::Duration;

use pipeline_store::{AuditQuery, NewUser, Role, StoreError, TeamId, TokenId, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Auth;
use crate::auth::permissions::{audit as record, require_team};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Qs, id};
use crate::routes::{ts, ts_opt, user_json};
use crate::types::{InviteBody, MemberBody, MemberList};

pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let teams = state.store.teams_of(auth.user.id).await?;
    let items: Vec<Value> =
        teams.iter().map(|t| json!({ "id": t.team.id, "name": t.team.name, "role": t.role })).collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
pub struct NewTeam {
    pub name: String,
}

/// Creates a team; its creator becomes its owner.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<NewTeam>,
) -> ApiResult<impl IntoResponse> {
    let team = state.store.create_team(&body.name).await?;
    state.store.set_role(team.id, auth.user.id, Role::Owner).await?;
    record(&state, Some(&auth), Some(team.id), "team.create", team.id.to_string(), json!({ "name": team.name })).await;
    Ok((StatusCode::CREATED, Json(json!({ "id": team.id, "name": team.name, "role": Role::Owner }))))
}

fn team_id(raw: &str) -> ApiResult<TeamId> {
    id(raw, "team")
}

pub async fn members(
    State(state): State<AppState>,
    auth: Auth,
    Path(tid): Path<String>,
) -> ApiResult<Json<MemberList>> {
    let team = team_id(&tid)?;
    require_team(&state, &auth, team, Role::Viewer).await?;
    let members = state.store.members(team).await?;
    let items = members.iter().map(|m| MemberBody { user: user_json(&m.user), role: m.role.into() }).collect();
    Ok(Json(MemberList { items }))
}

#[derive(Deserialize)]
pub struct AddMember {
    pub email: String,
    pub role: Role,
}

/// Admins manage members up to admin; only owners grant or change the owner role.
fn may_grant(mine: Role, target_now: Option<Role>, new: Option<Role>) -> ApiResult<()> {
    let touches_owner = target_now == Some(Role::Owner) || new == Some(Role::Owner);
    if touches_owner && mine != Role::Owner {
        return Err(ApiError::forbidden("only an owner can grant, change or remove the owner role"));
    }
    Ok(())
}

async fn keep_an_owner(state: &AppState, team: TeamId, user: UserId, new: Option<Role>) -> ApiResult<()> {
    if new == Some(Role::Owner) {
        return Ok(());
    }
    let members = state.store.members(team).await?;
    let owners: Vec<_> = members.iter().filter(|m| m.role == Role::Owner).collect();
    if owners.len() == 1 && owners.iter().any(|m| m.user.id == user) {
        return Err(ApiError::new(StatusCode::CONFLICT, "last_owner", "a team keeps at least one owner"));
    }
    Ok(())
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(tid): Path<String>,
    JsonBody(body): JsonBody<AddMember>,
) -> ApiResult<impl IntoResponse> {
    let team = team_id(&tid)?;
    let mine = require_team(&state, &auth, team, Role::Admin).await?;
    let user = state.store.user_by_email(&body.email).await.map_err(|e| match e {
        pipeline_store::StoreError::NotFound(_) => ApiError::not_found("user"),
        other => other.into(),
    })?;
    let now = state.store.role(team, user.id).await?;
    may_grant(mine, now, Some(body.role))?;
    state.store.set_role(team, user.id, body.role).await?;
    state.membership_changed(team, user.id);
    record(
        &state,
        Some(&auth),
        Some(team),
        "member.add",
        user.id.to_string(),
        json!({ "role": body.role, "email": user.email }),
    )
    .await;
    Ok((StatusCode::CREATED, Json(MemberBody { user: user_json(&user), role: body.role.into() })))
}

#[derive(Deserialize)]
pub struct Invite {
    pub email: String,
    /// For a new account; the part of the email before `@` when absent.
    #[serde(default)]
    pub name: Option<String>,
    pub role: Role,
}

/// How long an invitation's sign-in link works.
pub const INVITE_LINK_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// `POST /teams/{id}/invites`: adds someone by email, creating their account if there is none, and returns a
/// one-time sign-in link for the admin to send (the server sends no email). A link is only made for an account
/// nobody can sign in to otherwise (just created, or without a password and in no other team): for anyone
/// else it would let the inviter act as them, so they are added and sign in as usual.
pub async fn invite(
    State(state): State<AppState>,
    auth: Auth,
    Path(tid): Path<String>,
    JsonBody(body): JsonBody<Invite>,
) -> ApiResult<impl IntoResponse> {
    let team = team_id(&tid)?;
    let mine = require_team(&state, &auth, team, Role::Admin).await?;
    let email = body.email.trim();
    if email.is_empty() {
        return Err(ApiError::bad_request("an email address is needed"));
    }
    // Checked before an account is created, so a refused invitation leaves nothing behind.
    may_grant(mine, None, Some(body.role))?;
    let (user, created, has_password) = match state.store.credentials(email).await? {
        Some(c) => (c.user, false, c.password_hash.is_some()),
        None => {
            let name = body
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| email.split('@').next().unwrap_or(email))
                .to_owned();
            match state.store.create_user(NewUser { email: email.to_owned(), name }).await {
                Ok(u) => (u, true, false),
                // Created by a concurrent request: treat as existing.
                Err(StoreError::Conflict(_)) => (state.store.user_by_email(email).await?, false, true),
                Err(e) => return Err(e.into()),
            }
        }
    };
    let now = state.store.role(team, user.id).await?;
    may_grant(mine, now, Some(body.role))?;
    if now.is_some() {
        keep_an_owner(&state, team, user.id, Some(body.role)).await?;
    }
    let elsewhere = state.store.teams_of(user.id).await?.iter().any(|t| t.team.id != team);
    let link_ok = created || (!has_password && !elsewhere);
    state.store.set_role(team, user.id, body.role).await?;
    state.membership_changed(team, user.id);
    let link = if link_ok { Some(state.store.create_signin_link(user.id, INVITE_LINK_TTL).await?) } else { None };
    record(
        &state,
        Some(&auth),
        Some(team),
        "member.invite",
        user.id.to_string(),
        json!({ "role": body.role, "email": user.email, "created": created, "link": link.is_some() }),
    )
    .await;
    let expires_at = link.as_ref().map(|_| ts(time::OffsetDateTime::now_utc() + INVITE_LINK_TTL));
    Ok((
        StatusCode::CREATED,
        Json(InviteBody {
            user: user_json(&user),
            role: body.role.into(),
            created,
            link: link.map(|secret| format!("/auth/signin/{secret}")),
            expires_at,
        }),
    ))
}

#[derive(Deserialize)]
pub struct SetRole {
    pub role: Role,
}

pub async fn set_role(
    State(state): State<AppState>,
    auth: Auth,
    Path((tid, uid)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetRole>,
) -> ApiResult<Json<Value>> {
    let team = team_id(&tid)?;
    let mine = require_team(&state, &auth, team, Role::Admin).await?;
    let user: UserId = id(&uid, "member")?;
    let Some(now) = state.store.role(team, user).await? else { return Err(ApiError::not_found("member")) };
    may_grant(mine, Some(now), Some(body.role))?;
    keep_an_owner(&state, team, user, Some(body.role)).await?;
    state.store.set_role(team, user, body.role).await?;
    state.membership_changed(team, user);
    record(&state, Some(&auth), Some(team), "member.role", user.to_string(), json!({ "from": now, "to": body.role }))
        .await;
    Ok(Json(json!({ "user": user, "role": body.role })))
}

pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((tid, uid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let team = team_id(&tid)?;
    let mine = require_team(&state, &auth, team, Role::Admin).await?;
    let user: UserId = id(&uid, "member")?;
    let Some(now) = state.store.role(team, user).await? else { return Err(ApiError::not_found("member")) };
    may_grant(mine, Some(now), None)?;
    keep_an_owner(&state, team, user, None).await?;
    state.store.remove_member(team, user).await?;
    state.membership_changed(team, user);
    record(&state, Some(&auth), Some(team), "member.remove", user.to_string(), json!({ "role": now })).await;
    Ok(Json(json!({ "user": user, "removed": true })))
}

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub before: Option<i64>,
    #[serde(default)]
    pub limit: u32,
}

pub async fn audit_log(state: &AppState, team: TeamId, q: &AuditParams) -> ApiResult<Value> {
    let limit = if q.limit == 0 { 100 } else { q.limit.min(1000) };
    let entries = state.store.audit_log(AuditQuery { team, before: q.before, limit }).await?;
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({ "id": e.id, "at": ts(e.at), "actor": e.actor, "team": e.team, "action": e.action,
                    "target": e.target, "details": e.details })
        })
        .collect();
    let next = entries.last().map(|e| e.id).filter(|_| entries.len() as u64 == u64::from(limit));
    Ok(json!({ "items": items, "next_before": next }))
}

pub async fn audit(
    State(state): State<AppState>,
    auth: Auth,
    Path(tid): Path<String>,
    Qs(q): Qs<AuditParams>,
) -> ApiResult<Json<Value>> {
    let team = team_id(&tid)?;
    require_team(&state, &auth, team, Role::Admin).await?;
    Ok(Json(audit_log(&state, team, &q).await?))
}

// ----- API tokens: every signed-in user manages their own -----

fn token_json(t: &pipeline_store::ApiToken) -> Value {
    json!({ "id": t.id, "name": t.name, "created_at": ts(t.created_at), "last_used_at": ts_opt(t.last_used_at),
            "revoked_at": ts_opt(t.revoked_at) })
}

pub async fn list_tokens(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let tokens = state.store.list_api_tokens(auth.user.id).await?;
    Ok(Json(json!({ "items": tokens.iter().map(token_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize, Default)]
pub struct NewToken {
    #[serde(default)]
    pub name: String,
}

/// Token events are recorded in the audit log of each of the user's teams.
async fn audit_token(state: &AppState, auth: &Auth, action: &str, token: TokenId, name: &str) {
    let teams = state.store.teams_of(auth.user.id).await.unwrap_or_default();
    if teams.is_empty() {
        record(state, Some(auth), None, action, token.to_string(), json!({ "name": name })).await;
    }
    for t in teams {
        record(state, Some(auth), Some(t.team.id), action, token.to_string(), json!({ "name": name })).await;
    }
}

pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<NewToken>,
) -> ApiResult<impl IntoResponse> {
    let name = if body.name.trim().is_empty() { "API token".to_owned() } else { body.name };
    let t = state.store.create_api_token(auth.user.id, &name).await?;
    audit_token(&state, &auth, "token.create", t.token.id, &t.token.name).await;
    let mut out = token_json(&t.token);
    out["secret"] = json!(t.secret);
    Ok((StatusCode::CREATED, Json(out)))
}

async fn revoke(state: &AppState, auth: &Auth, raw: &str) -> ApiResult<Json<Value>> {
    let tid: TokenId = id(raw, "token")?;
    state.store.revoke_api_token(auth.user.id, tid).await?;
    state.credentials_changed(auth.user.id);
    audit_token(state, auth, "token.revoke", tid, "").await;
    Ok(Json(json!({ "id": tid, "revoked": true })))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(tid): Path<String>,
) -> ApiResult<Json<Value>> {
    revoke(&state, &auth, &tid).await
}

#[derive(Deserialize)]
pub struct RevokeBody {
    pub id: String,
}

pub async fn revoke_token_body(
    State(state): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<RevokeBody>,
) -> ApiResult<Json<Value>> {
    revoke(&state, &auth, &body.id).await
}
