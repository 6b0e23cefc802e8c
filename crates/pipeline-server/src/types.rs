//! The JSON bodies the API sends, as types: the handlers serialize these, and `ts-rs` generates the same
//! shapes for the browser (`web/src/gen/api.ts`, checked by `tests/generated.rs`), so a renamed or retyped
//! field breaks the web app's type check instead of the running app. Ids and times are strings on the wire.

use pipeline_store::{Pipeline, PipelineSummary, Role, User};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::routes::{ts, ts_opt};

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct UserBody {
    pub id: String,
    pub email: String,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        UserBody { id: u.id.to_string(), email: u.email.clone(), name: u.name.clone(), created_at: ts(u.created_at) }
    }
}

/// A role in a team.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl From<Role> for RoleName {
    fn from(r: Role) -> Self {
        match r {
            Role::Viewer => RoleName::Viewer,
            Role::Member => RoleName::Member,
            Role::Admin => RoleName::Admin,
            Role::Owner => RoleName::Owner,
        }
    }
}

/// One of the signed-in user's teams.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TeamMembership {
    pub id: String,
    pub name: String,
    pub role: RoleName,
}

/// `GET /api/auth/me`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Me {
    pub user: UserBody,
    pub teams: Vec<TeamMembership>,
    /// The token cookie-authenticated writes send in `X-CSRF-Token`; null for API-token requests.
    pub csrf_token: Option<String>,
}

/// A member of a team (`GET /api/teams/{id}/members`, `POST /api/teams/{id}/members`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MemberBody {
    pub user: UserBody,
    pub role: RoleName,
}

/// `GET /api/teams/{id}/members`, by email.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MemberList {
    pub items: Vec<MemberBody>,
}

/// `POST /api/teams/{id}/invites` (201): the member, and a one-time sign-in link for the admin to pass on.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct InviteBody {
    pub user: UserBody,
    pub role: RoleName,
    /// Whether the invitation created the user's account.
    pub created: bool,
    /// `/auth/signin/<secret>` (prefix the server's address); null for someone who already has a way to sign in
    /// (a password or another team): a link would let the inviter act as them.
    pub link: Option<String>,
    /// When the link stops working (RFC 3339); null without a link.
    pub expires_at: Option<String>,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LoginBody {
    pub user: UserBody,
    pub csrf_token: String,
}

/// A pipeline without its document (lists, create/delete/restore answers).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PipelineBody {
    pub id: String,
    pub team: String,
    pub name: String,
    pub description: String,
    pub file_name: Option<String>,
    pub is_template: bool,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&PipelineSummary> for PipelineBody {
    fn from(p: &PipelineSummary) -> Self {
        PipelineBody {
            id: p.id.to_string(),
            team: p.team.to_string(),
            name: p.name.clone(),
            description: p.description.clone(),
            file_name: p.file_name.clone(),
            is_template: p.is_template,
            created_by: p.created_by.map(|u| u.to_string()),
            created_at: ts(p.created_at),
            updated_at: ts(p.updated_at),
            deleted_at: ts_opt(p.deleted_at),
        }
    }
}

impl From<&Pipeline> for PipelineBody {
    fn from(p: &Pipeline) -> Self {
        PipelineBody::from(&p.summary())
    }
}

/// `GET /api/pipelines` (and `/api/templates`, without the cursor fields).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PipelinePage {
    pub items: Vec<PipelineBody>,
    /// Matches in all; at most 1000 when `total_capped` (shown as "1000+").
    #[ts(type = "number")]
    pub total: u64,
    #[serde(default)]
    pub total_capped: bool,
    pub has_more: bool,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// `GET /api/pipelines/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PipelineDetail {
    #[serde(flatten)]
    pub pipeline: PipelineBody,
    /// Number of steps, loop bodies included.
    pub steps: u32,
    pub diagnostics: DiagnosticSummary,
}

/// A finding of the validator (or the parser), located in the YAML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DiagnosticBody {
    /// Stable kebab-case code.
    pub code: String,
    pub severity: SeverityName,
    pub message: String,
    pub hint: Option<String>,
    /// Where in the data, for people: `workflow.steps[3].prompt`.
    pub path: String,
    /// 1-based line and column (in characters) of the start and end.
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SeverityName {
    Error,
    Warning,
    Info,
}

/// Counts of diagnostics by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiagnosticSummary {
    pub errors: u32,
    pub warnings: u32,
    pub infos: u32,
}

/// `GET /api/pipelines/{id}/diagnostics`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DiagnosticsBody {
    pub summary: DiagnosticSummary,
    pub diagnostics: Vec<DiagnosticBody>,
}

/// `POST /api/pipelines` and `POST /api/templates/{id}/instantiate` (201).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Created {
    pub id: String,
    pub name: String,
    pub team: String,
    pub diagnostics: Vec<DiagnosticBody>,
}

/// `PUT /api/pipelines/{id}/yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct YamlReplaced {
    pub id: String,
    pub name: String,
    pub diagnostics: Vec<DiagnosticBody>,
}

/// Every error answer: `{"error": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ErrorDetail {
    /// Stable snake_case code (`not_found`, `invalid_yaml`, `csrf_failed`…).
    pub code: String,
    pub message: String,
    /// Extra facts: for `invalid_yaml`, `{"diagnostics": [DiagnosticBody]}` with the parse error's location.
    #[ts(type = "unknown")]
    pub details: serde_json::Value,
}

/// The TypeScript declarations of every type above and of the sync protocol's JSON parts, in one module.
pub fn typescript() -> String {
    use crate::sync::protocol::{ConnRole, ErrorCode, PresenceUser, ServerText, WelcomeInfo};
    let cfg = ts_rs::Config::default();
    let decls = [
        UserBody::decl(&cfg),
        RoleName::decl(&cfg),
        TeamMembership::decl(&cfg),
        MemberBody::decl(&cfg),
        MemberList::decl(&cfg),
        InviteBody::decl(&cfg),
        Me::decl(&cfg),
        LoginBody::decl(&cfg),
        PipelineBody::decl(&cfg),
        PipelinePage::decl(&cfg),
        PipelineDetail::decl(&cfg),
        DiagnosticBody::decl(&cfg),
        SeverityName::decl(&cfg),
        DiagnosticSummary::decl(&cfg),
        DiagnosticsBody::decl(&cfg),
        Created::decl(&cfg),
        YamlReplaced::decl(&cfg),
        ErrorBody::decl(&cfg),
        ErrorDetail::decl(&cfg),
        WelcomeInfo::decl(&cfg),
        ConnRole::decl(&cfg),
        PresenceUser::decl(&cfg),
        ServerText::decl(&cfg),
        ErrorCode::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types (crates/pipeline-server/src/types.rs and sync/protocol.rs) by\n\
         // `UPDATE_GENERATED=1 cargo test -p pipeline-server --test generated`. Do not edit.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
