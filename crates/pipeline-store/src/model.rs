//! The records the store keeps and the inputs that create them: plain data with public fields.
//!
//! Ids are UUIDv7 newtypes (time-ordered, so an id also sorts by creation); times are UTC `OffsetDateTime`s cut
//! to whole microseconds, the precision both backends keep, so a record reads back equal to what was written.
//! Only ids and `Role` are `Serialize`: they appear verbatim on the wire; the server converts the rest by hand.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A user.
    UserId
);
id_type!(
    /// A team.
    TeamId
);
id_type!(
    /// A pipeline (and its document).
    PipelineId
);
id_type!(
    /// A named version of a pipeline.
    VersionId
);
id_type!(
    /// An API token (its public id, not the secret).
    TokenId
);

/// A user's role in one team. Ordered by power: `Viewer < Member < Admin < Owner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the team's pipelines.
    Viewer,
    /// Reads and edits them.
    Member,
    /// Also manages members and tokens, reads the audit log.
    Admin,
    /// Everything, including the team itself.
    Owner,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

    /// The name stored in the database and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Whether this role grants at least what `other` grants.
    pub fn at_least(self, other: Role) -> bool {
        self >= other
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of `Role::from_str`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected owner, admin, member or viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A person who can sign in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// As the user typed it; uniqueness ignores case.
    pub email: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// Input of `Store::create_user`.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
}

/// Input of `Store::update_user`: `None` keeps the field.
#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    pub email: Option<String>,
    pub name: Option<String>,
}

/// A user with their stored password hash (a PHC string), for `verify_password`.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: User,
    /// `None` for a user who has never set a password (signs in by link or token only).
    pub password_hash: Option<String>,
}

/// A team: owns pipelines, has members with roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    /// Unique, ignoring case.
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// A user's membership seen from the team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub role: Role,
}

/// A membership seen from the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamRole {
    pub team: Team,
    pub role: Role,
}

/// A signed-in browser session. The store keeps only the SHA-256 of its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    /// Sent back by the browser in a header on every cookie-authenticated write.
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// The result of `Store::create_session`: the session and its secret token, which exists only here.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// The cookie value. Not stored; losing it ends the session.
    pub token: String,
    pub session: Session,
}

/// An API token's public record. The secret is stored only as its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub user: UserId,
    pub name: String,
    pub created_at: OffsetDateTime,
    /// Updated at most once a minute, so that a busy token does not turn every read into a write.
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The result of `Store::create_api_token`: the record and the secret, shown to the user once.
#[derive(Clone, Debug)]
pub struct NewApiToken {
    pub token: ApiToken,
    /// `pe_` followed by 64 hex digits (32 random bytes).
    pub secret: String,
}

/// One audit record: who did what to which thing.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Increasing with time; also the cursor of `AuditQuery::before`.
    pub id: i64,
    pub at: OffsetDateTime,
    /// `None` for the system (first-run setup, the command line without a user).
    pub actor: Option<UserId>,
    pub team: Option<TeamId>,
    /// A dotted verb such as `pipeline.delete` or `member.role`.
    pub action: String,
    /// What it was done to, usually an id.
    pub target: String,
    pub details: serde_json::Value,
}

/// Input of `Store::record_audit`.
#[derive(Clone, Debug, Default)]
pub struct NewAuditEntry {
    pub actor: Option<UserId>,
    pub team: Option<TeamId>,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

/// Input of `Store::audit_log`: newest first, `limit` entries older than `before` (an `AuditEntry::id`).
#[derive(Clone, Copy, Debug)]
pub struct AuditQuery {
    pub team: TeamId,
    pub before: Option<i64>,
    pub limit: u32,
}

/// A pipeline's metadata and cached export, without its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    pub id: PipelineId,
    pub team: TeamId,
    pub name: String,
    pub description: String,
    /// The file name it was imported from, reused on export.
    pub file_name: Option<String>,
    pub is_template: bool,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Set by `delete_pipeline`, cleared by `restore_pipeline`.
    pub deleted_at: Option<OffsetDateTime>,
    /// The latest YAML export, kept by the server.
    pub yaml: String,
    /// Step names and prompt text, kept by the server for search.
    pub search_text: String,
}

impl Pipeline {
    /// The listed part of the pipeline (without its YAML and search text).
    pub fn summary(&self) -> PipelineSummary {
        PipelineSummary {
            id: self.id,
            team: self.team,
            name: self.name.clone(),
            description: self.description.clone(),
            file_name: self.file_name.clone(),
            is_template: self.is_template,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
        }
    }
}

/// A pipeline as listed: `Pipeline` without the large text fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineSummary {
    pub id: PipelineId,
    pub team: TeamId,
    pub name: String,
    pub description: String,
    pub file_name: Option<String>,
    pub is_template: bool,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub deleted_at: Option<OffsetDateTime>,
}

/// Input of `Store::create_pipeline`.
#[derive(Clone, Debug, Default)]
pub struct NewPipeline {
    /// `None`: the store makes one. Given: an import that keeps its id (a conflict if taken).
    pub id: Option<PipelineId>,
    pub team: TeamId,
    pub name: String,
    pub description: String,
    pub file_name: Option<String>,
    pub is_template: bool,
    pub created_by: Option<UserId>,
    pub yaml: String,
    pub search_text: String,
    /// The document's first update (seq 1), stored in the same transaction, so that a pipeline never exists
    /// without its content.
    pub initial_update: Option<Vec<u8>>,
}

/// Input of `Store::update_pipeline`: `None` keeps the field. Any change moves `updated_at`.
#[derive(Clone, Debug, Default)]
pub struct PipelineUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub file_name: Option<Option<String>>,
    pub is_template: Option<bool>,
    pub yaml: Option<String>,
    pub search_text: Option<String>,
}

/// Which pipelines `Store::list_pipelines` returns.
#[derive(Clone, Debug, Default)]
pub struct PipelineQuery {
    /// Only pipelines of these teams (the caller's); empty means none.
    pub teams: Vec<TeamId>,
    /// Search words; every word must match, as a prefix when it has two or more characters. `None` or no
    /// words: list by `updated_at`, newest first. With words: the `SEARCH_WINDOW` most recently created
    /// matches, best match first (a hit in the name before one in the description before one in the steps).
    pub text: Option<String>,
    /// `Some(true)`: templates only; `Some(false)`: no templates; `None`: both.
    pub template: Option<bool>,
    /// `true`: only deleted pipelines (the trash); `false`: only live ones.
    pub deleted: bool,
    /// At most `MAX_PAGE` (larger values are cut); 0 means `DEFAULT_PAGE`.
    pub limit: u32,
    pub offset: u32,
}

impl PipelineQuery {
    /// The largest page `list_pipelines` returns.
    pub const MAX_PAGE: u32 = 200;
    /// The page size when `limit` is 0.
    pub const DEFAULT_PAGE: u32 = 50;
    /// How many matches a search ranks: the newest this many (by creation). Ranking costs time per match, and a
    /// one- or two-letter prefix typed into the search box matches most of a large library; bounding the
    /// ranked set keeps every keystroke's search within the latency target whatever the library's size. A
    /// search with more matches says so (`Page::total_capped`), and more words narrow it.
    pub const SEARCH_WINDOW: u32 = 1000;

    /// Live pipelines of `teams`, first page.
    pub fn teams(teams: impl IntoIterator<Item = TeamId>) -> Self {
        Self { teams: teams.into_iter().collect(), ..Self::default() }
    }

    /// The same query with search text.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// The same query with `limit` and `offset`.
    pub fn page(mut self, limit: u32, offset: u32) -> Self {
        self.limit = limit;
        self.offset = offset;
        self
    }

    pub(crate) fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => Self::DEFAULT_PAGE,
            n => n.min(Self::MAX_PAGE),
        }
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all (not just this page); for a search, at most `PipelineQuery::SEARCH_WINDOW`.
    pub total: u64,
    /// Whether more than `total` match (a search with more matches than it ranks): show "1000+".
    pub total_capped: bool,
    /// Whether a page after this one has items.
    pub has_more: bool,
}

/// One update of a document's log, as stored: opaque bytes (a Loro update) with its place in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// 1, 2, 3… per pipeline, without gaps, in commit order.
    pub seq: u64,
    pub author: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub data: Vec<u8>,
}

/// Input of `Store::append_updates`.
#[derive(Clone, Debug)]
pub struct NewUpdate {
    pub pipeline: PipelineId,
    pub data: Vec<u8>,
    pub author: Option<UserId>,
}

/// Another node appended to a pipeline's document, up to `seq` (see `Store::change_feed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeNote {
    pub pipeline: PipelineId,
    pub seq: u64,
}

/// What the change feed reports (see `Store::change_feed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedNote {
    /// Another node appended updates to a pipeline's document.
    Updates(ChangeNote),
    /// Another node changed a user's role in a team, or removed them from it.
    Membership { team: TeamId, user: UserId },
    /// Another node ended one of a user's sessions or revoked one of their API tokens.
    Credentials { user: UserId },
    /// The listening connection was lost and is open again: notes sent meanwhile are gone, so whatever the
    /// receiver follows must be read again.
    Resumed,
}

/// A snapshot of a document (opaque bytes, a Loro snapshot) that includes every update up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub seq: u64,
    pub created_at: OffsetDateTime,
    pub data: Vec<u8>,
}

/// What `Store::load` returns: import `snapshot`, then `updates` in order, and the document is current.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocLog {
    /// The latest snapshot, if any.
    pub snapshot: Option<Snapshot>,
    /// Every update after the snapshot's seq, in seq order.
    pub updates: Vec<Update>,
    /// The seq of the last update ever appended (0 for none); the next append gets `last_seq + 1`.
    pub last_seq: u64,
}

/// A named checkpoint of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: VersionId,
    pub pipeline: PipelineId,
    pub author: Option<UserId>,
    pub message: String,
    pub created_at: OffsetDateTime,
    /// The Loro frontiers of the document at this version (opaque).
    pub frontiers: Vec<u8>,
    /// The YAML export at this version.
    pub yaml: String,
}

/// A version as listed: `Version` without the frontiers and the YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSummary {
    pub id: VersionId,
    pub pipeline: PipelineId,
    pub author: Option<UserId>,
    pub message: String,
    pub created_at: OffsetDateTime,
}

/// Input of `Store::create_version`.
#[derive(Clone, Debug, Default)]
pub struct NewVersion {
    pub pipeline: PipelineId,
    pub author: Option<UserId>,
    pub message: String,
    pub frontiers: Vec<u8>,
    pub yaml: String,
}
