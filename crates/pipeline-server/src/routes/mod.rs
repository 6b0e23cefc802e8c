//! One module per resource. Handlers check permissions first, then act; a handler that changes a document goes
//! through `DocCache::edit`, so it answers only after the change is durable.

pub mod auth;
pub mod comments;
pub mod export;
pub mod pipelines;
pub mod teams;
pub mod templates;
pub mod versions;

use crate::types::{PipelineBody, UserBody};
use pipeline_store::{Pipeline, PipelineSummary, User};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 UTC time.
pub fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn ts_opt(t: Option<OffsetDateTime>) -> Option<String> {
    t.map(ts)
}

pub fn user_json(u: &User) -> UserBody {
    UserBody::from(u)
}

pub fn summary_json(p: &PipelineSummary) -> PipelineBody {
    PipelineBody::from(p)
}

pub fn pipeline_json(p: &Pipeline) -> PipelineBody {
    PipelineBody::from(p)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}
