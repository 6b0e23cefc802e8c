//! Authentication: `Authorization: Bearer <API token>` or the `pe_session` cookie. A cookie-authenticated
//! write must also pass the CSRF check. An unknown Bearer token is a 401 (never silently anonymous); an unknown
//! or expired cookie is anonymous.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use pipeline_store::User;

use crate::app::AppState;
use crate::auth::csrf;
use crate::error::ApiError;

pub const COOKIE: &str = "pe_session";
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// How a request was authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    /// A session cookie: its secret (for logout) and CSRF token.
    Session {
        token: String,
        csrf: String,
    },
    Token,
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Auth {
    pub user: User,
    pub via: Via,
}

/// A signed-in user or nobody.
pub struct MaybeAuth(pub Option<Auth>);

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(
        |pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        },
    )
}

/// The secret of an `Authorization: Bearer <secret>` header, if the request has one.
pub fn bearer_secret(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The `Set-Cookie` value for a new session.
pub fn set_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", SESSION_TTL.as_secs())
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let Some(secret) = bearer_secret(&parts.headers) else {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the Authorization header must be `Bearer <token>`",
                ));
            };
            let Some(token) = state.store.authenticate_api_token(secret).await? else {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "unknown or revoked API token",
                ));
            };
            let user = state.store.get_user(token.user).await?;
            return Ok(MaybeAuth(Some(Auth { user, via: Via::Token })));
        }
        if let Some(secret) = cookie(parts, COOKIE).filter(|s| !s.is_empty())
            && let Some(session) = state.store.session(secret).await?
        {
            csrf::check(&parts.method, &parts.headers, &session.csrf_token)?;
            let user = state.store.get_user(session.user).await?;
            return Ok(MaybeAuth(Some(Auth {
                user,
                via: Via::Session { token: secret.to_owned(), csrf: session.csrf_token },
            })));
        }
        Ok(MaybeAuth(None))
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        MaybeAuth::from_request_parts(parts, state).await?.0.ok_or_else(ApiError::unauthorized)
    }
}
