//! `ApiError`: every failure of a request, rendered as `{"error": {"code", "message", "details"}}` with a 4xx
//! status for anything the client did, 5xx only when the server or its database failed (logged, never
//! detailed to the client).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pipeline_doc::DocError;
use pipeline_store::StoreError;
use serde_json::{Value, json};

/// A failed request.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, snake_case: `not_found`, `forbidden`, `invalid_yaml`…
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: Value::Null }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first (session cookie or Bearer token)")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the body is larger than {limit} bytes"))
            .with_details(json!({ "limit": limit }))
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error; the request stored nothing")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = crate::types::ErrorBody {
            error: crate::types::ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Compacted { .. } => ApiError::new(StatusCode::CONFLICT, "compacted", e.to_string()),
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

impl From<DocError> for ApiError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::Parse(p) => {
                let d = pipeline_format::Diagnostic::from_parse_error(&p);
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_yaml",
                    format!("the text is not valid YAML: {p}"),
                )
                .with_details(json!({ "diagnostics": [crate::diagnostics::to_json(&d)] }))
            }
            DocError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{m} not found")),
            DocError::Forbidden(m) => ApiError::forbidden(m),
            other => {
                tracing::error!(error = %other, "document error");
                ApiError::internal()
            }
        }
    }
}
