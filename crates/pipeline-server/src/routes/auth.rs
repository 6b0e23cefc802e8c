//! Sign-in: password login (session cookie + CSRF token), logout, who am I, and one-time sign-in links.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::session::{SESSION_TTL, Via, clear_cookie, set_cookie};
use crate::auth::{Auth, MaybeAuth};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::routes::user_json;
use crate::types::{LoginBody, Me, TeamMembership};

#[derive(Deserialize)]
pub struct Login {
    pub email: String,
    pub password: String,
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<Login>,
) -> ApiResult<Response> {
    let ip = peer.ip().to_string();
    if let Err(wait) = state.limiter.check(&body.email, &ip) {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many failed sign-in attempts; wait a minute",
        )
        .with_details(json!({ "retry_after": wait }));
        let mut r = err.into_response();
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(r);
    }
    let Some(user) = state.store.verify_password(&body.email, &body.password).await? else {
        state.limiter.record_failure(&body.email, &ip);
        tracing::info!(email = %body.email, %ip, "failed sign-in");
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "wrong email or password"));
    };
    state.limiter.record_success(&body.email);
    let s = state.store.create_session(user.id, SESSION_TTL).await?;
    let body = LoginBody { user: user_json(&user), csrf_token: s.session.csrf_token };
    Ok(with_cookie(Json(body).into_response(), &set_cookie(&s.token, state.config.secure_cookies)))
}

pub async fn logout(State(state): State<AppState>, auth: MaybeAuth) -> ApiResult<Response> {
    if let Some(Auth { via: Via::Session { token, .. }, user }) = &auth.0 {
        state.store.delete_session(token).await?;
        state.credentials_changed(user.id);
    }
    Ok(with_cookie(Json(json!({ "signed_out": true })).into_response(), &clear_cookie(state.config.secure_cookies)))
}

pub async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Me>> {
    let teams = state.store.teams_of(auth.user.id).await?;
    let csrf = match &auth.via {
        Via::Session { csrf, .. } => Some(csrf.clone()),
        Via::Token => None,
    };
    Ok(Json(Me {
        user: user_json(&auth.user),
        teams: teams
            .iter()
            .map(|t| TeamMembership { id: t.team.id.to_string(), name: t.team.name.clone(), role: t.role.into() })
            .collect(),
        csrf_token: csrf,
    }))
}

/// `GET /auth/signin/{token}`: uses a one-time link, starts a session and goes to the editor. A link that does
/// not work sends a browser to the sign-in page, which says so; other clients get the error.
pub async fn signin_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let Some(user) = state.store.consume_signin_link(&token).await? else {
        let browser = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if browser {
            return Ok(Redirect::to("/signin?link=invalid").into_response());
        }
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_link",
            "this sign-in link is unknown, expired or already used; ask for a new one",
        ));
    };
    let s = state.store.create_session(user, SESSION_TTL).await?;
    Ok(with_cookie(Redirect::to("/").into_response(), &set_cookie(&s.token, state.config.secure_cookies)))
}
