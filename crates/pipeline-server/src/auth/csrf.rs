//! CSRF protection for cookie-authenticated writes: the session's token (returned by login and by
//! `/api/auth/me`) must come back in the `X-CSRF-Token` header on every request that is not GET, HEAD or
//! OPTIONS. Bearer-token requests carry no ambient credential and are exempt. The cookie is also SameSite=Strict.

use axum::http::{HeaderMap, Method};

use crate::error::ApiError;

pub const HEADER: &str = "x-csrf-token";

pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Checks the header against the session's token (constant-time comparison).
pub fn check(method: &Method, headers: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    if is_safe(method) {
        return Ok(());
    }
    let given = headers.get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !given.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "csrf_failed",
            "missing or wrong X-CSRF-Token header (send the token returned by /api/auth/login or /api/auth/me)",
        ))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
