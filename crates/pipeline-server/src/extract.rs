//! Extractors that fail with `ApiError` (JSON, 4xx) instead of axum's plain-text rejections: bodies with size
//! limits (413), query strings (400), and ids in paths (an id that is not a UUID is simply not found: 404).

use std::str::FromStr;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::{MAX_JSON_BYTES, MAX_YAML_BYTES};
use crate::error::ApiError;

async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // axum does not re-export http-body-util's `LengthLimitError`: look for it by its message.
        let mut too_large = false;
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(c) = cause {
            too_large |= c.to_string().contains("length limit");
            cause = c.source();
        }
        if too_large { ApiError::too_large(limit) } else { ApiError::bad_request(format!("cannot read the body: {e}")) }
    })
}

/// A JSON body of at most `MAX_JSON_BYTES`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req.into_body(), MAX_JSON_BYTES).await?;
        let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(bytes).map(JsonBody).map_err(|e| {
            ApiError::bad_request(format!("the JSON body is not valid: {e}"))
                .with_details(serde_json::json!({ "line": e.line(), "column": e.column() }))
        })
    }
}

/// A YAML text body (UTF-8) of at most `MAX_YAML_BYTES`.
pub struct YamlBody(pub String);

impl<S: Send + Sync> FromRequest<S> for YamlBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        if let Some(ct) = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
            && ct.starts_with("application/json")
        {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the pipeline as YAML text (Content-Type: application/yaml)",
            ));
        }
        let bytes = read_body(req.into_body(), MAX_YAML_BYTES).await?;
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Ok(YamlBody(text)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_yaml",
                    "the body is not UTF-8 text",
                )
                .with_details(serde_json::json!({ "byte": at })))
            }
        }
    }
}

/// A query string; a malformed one is a 400 with the reason.
pub struct Qs<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Qs<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Qs(v))
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {}", e.body_text())))
    }
}

/// Parses an id from a path segment; anything that is not an id is "not found".
pub fn id<T: FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}
