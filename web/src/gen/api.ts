// Generated from the Rust types (crates/pipeline-server/src/types.rs and sync/protocol.rs) by
// `UPDATE_GENERATED=1 cargo test -p pipeline-server --test generated`. Do not edit.

export type UserBody = { id: string, email: string, name: string, 
/**
 * RFC 3339.
 */
created_at: string, };

export type RoleName = "viewer" | "member" | "admin" | "owner";

export type TeamMembership = { id: string, name: string, role: RoleName, };

export type MemberBody = { user: UserBody, role: RoleName, };

export type MemberList = { items: Array<MemberBody>, };

export type InviteBody = { user: UserBody, role: RoleName, 
/**
 * Whether the invitation created the user's account.
 */
created: boolean, 
/**
 * `/auth/signin/<secret>` (prefix the server's address); null for someone who already has a way to sign in
 * (a password or another team): a link would let the inviter act as them.
 */
link: string | null, 
/**
 * When the link stops working (RFC 3339); null without a link.
 */
expires_at: string | null, };

export type Me = { user: UserBody, teams: Array<TeamMembership>, 
/**
 * The token cookie-authenticated writes send in `X-CSRF-Token`; null for API-token requests.
 */
csrf_token: string | null, };

export type LoginBody = { user: UserBody, csrf_token: string, };

export type PipelineBody = { id: string, team: string, name: string, description: string, file_name: string | null, is_template: boolean, created_by: string | null, created_at: string, updated_at: string, deleted_at: string | null, };

export type PipelinePage = { items: Array<PipelineBody>, 
/**
 * Matches in all; at most 1000 when `total_capped` (shown as "1000+").
 */
total: number, total_capped: boolean, has_more: boolean, next_cursor: string | null, };

export type PipelineDetail = { 
/**
 * Number of steps, loop bodies included.
 */
steps: number, diagnostics: DiagnosticSummary, id: string, team: string, name: string, description: string, file_name: string | null, is_template: boolean, created_by: string | null, created_at: string, updated_at: string, deleted_at: string | null, };

export type DiagnosticBody = { 
/**
 * Stable kebab-case code.
 */
code: string, severity: SeverityName, message: string, hint: string | null, 
/**
 * Where in the data, for people: `workflow.steps[3].prompt`.
 */
path: string, 
/**
 * 1-based line and column (in characters) of the start and end.
 */
line: number, column: number, end_line: number, end_column: number, };

export type SeverityName = "error" | "warning" | "info";

export type DiagnosticSummary = { errors: number, warnings: number, infos: number, };

export type DiagnosticsBody = { summary: DiagnosticSummary, diagnostics: Array<DiagnosticBody>, };

export type Created = { id: string, name: string, team: string, diagnostics: Array<DiagnosticBody>, };

export type YamlReplaced = { id: string, name: string, diagnostics: Array<DiagnosticBody>, };

export type ErrorBody = { error: ErrorDetail, };

export type ErrorDetail = { 
/**
 * Stable snake_case code (`not_found`, `invalid_yaml`, `csrf_failed`…).
 */
code: string, message: string, 
/**
 * Extra facts: for `invalid_yaml`, `{"diagnostics": [DiagnosticBody]}` with the parse error's location.
 */
details: unknown, };

export type WelcomeInfo = { protocol: number, pipeline: string, role: ConnRole, client_key: string, user: PresenceUser, 
/**
 * The steps tree at the welcome's version, as loro-crdt's `LoroTree.toJSON()` gives it: only for a
 * `hello` with [`FLAG_TREE`] and an empty version, and only when the tree is JSON-safe.
 */
tree?: unknown, };

export type ConnRole = "editor" | "read_only";

export type PresenceUser = { id: string, name: string, colour: string, };

export type ServerText = { "type": "view", version: number, yaml: string, diagnostics: Array<DiagnosticBody>, } | { "type": "error", code: ErrorCode, message: string, seq?: number | null, } | { "type": "shutdown", message: string, retry_after_ms: number, };

export type ErrorCode = "bad_frame" | "too_large" | "read_only" | "invalid_update" | "bad_presence" | "internal";
