//! One module per resource. Handlers check permissions first, then act; a handler that changes a document goes
//! through `DocCache::edit`, so it answers only after the change is durable.

pub mod auth;
pub mod comments;
pub mod export;
pub mod pipelines;
pub mod teams;
pub mod templates;
pub mod versions;

use pipeline_store::{Pipeline, PipelineSummary, User};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 UTC time.
pub fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn ts_opt(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(ts(t)))
}

pub fn user_json(u: &User) -> Value {
    json!({ "id": u.id, "email": u.email, "name": u.name, "created_at": ts(u.created_at) })
}

pub fn summary_json(p: &PipelineSummary) -> Value {
    json!({
        "id": p.id, "team": p.team, "name": p.name, "description": p.description, "file_name": p.file_name,
        "is_template": p.is_template, "created_by": p.created_by, "created_at": ts(p.created_at),
        "updated_at": ts(p.updated_at), "deleted_at": ts_opt(p.deleted_at),
    })
}

pub fn pipeline_json(p: &Pipeline) -> Value {
    json!({
        "id": p.id, "team": p.team, "name": p.name, "description": p.description, "file_name": p.file_name,
        "is_template": p.is_template, "created_by": p.created_by, "created_at": ts(p.created_at),
        "updated_at": ts(p.updated_at), "deleted_at": ts_opt(p.deleted_at),
    })
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}
