//! The OpenAPI 3.1 description, served at `/api/openapi.json`. Hand-built from one table (`ROUTES`) so that
//! it lists every route of `app::router` (a test compares them) with its request and response schemas.

use axum::Json;
use serde_json::{Map, Value, json};

/// Request body kinds.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    Yaml,
    Json(&'static str),
}

/// (method, path, summary, request body, success status, success schema name, query parameters).
pub type Route = (&'static str, &'static str, &'static str, Body, u16, &'static str, &'static [&'static str]);

pub const ROUTES: &[Route] = &[
    ("get", "/api/health", "Liveness check", Body::None, 200, "Health", &[]),
    ("get", "/api/openapi.json", "This description", Body::None, 200, "Any", &[]),
    (
        "post",
        "/api/auth/login",
        "Password sign-in: sets the session cookie, returns the CSRF token",
        Body::Json("Login"),
        200,
        "LoginResult",
        &[],
    ),
    ("post", "/api/auth/logout", "Ends the session", Body::None, 200, "Any", &[]),
    ("get", "/api/auth/me", "The signed-in user, their teams and CSRF token", Body::None, 200, "Me", &[]),
    (
        "get",
        "/auth/signin/{token}",
        "Uses a one-time sign-in link: session cookie, redirect to / (a link that does not work: 404, or a \
         redirect to /signin?link=invalid for a browser)",
        Body::None,
        303,
        "Any",
        &[],
    ),
    (
        "get",
        "/api/pipelines",
        "Search (q) or list pipelines, paginated",
        Body::None,
        200,
        "PipelinePage",
        &["q", "team", "template", "deleted", "limit", "offset", "cursor"],
    ),
    (
        "post",
        "/api/pipelines",
        "Create a pipeline from YAML (stored even with validation errors; not-YAML is 422)",
        Body::Yaml,
        201,
        "Created",
        &["team", "file_name", "template"],
    ),
    ("get", "/api/pipelines/{id}", "Metadata and diagnostics summary", Body::None, 200, "Pipeline", &[]),
    ("delete", "/api/pipelines/{id}", "Move to the trash (soft delete)", Body::None, 200, "Pipeline", &[]),
    ("post", "/api/pipelines/{id}/restore", "Take out of the trash", Body::None, 200, "Pipeline", &[]),
    ("get", "/api/pipelines/{id}/yaml", "The exact YAML export", Body::None, 200, "Yaml", &[]),
    (
        "put",
        "/api/pipelines/{id}/yaml",
        "Replace the text (new base text, model difference applied as edits); durable before the answer",
        Body::Yaml,
        200,
        "Created",
        &[],
    ),
    (
        "get",
        "/api/pipelines/{id}/diagnostics",
        "Validation diagnostics of the current export",
        Body::None,
        200,
        "Diagnostics",
        &[],
    ),
    (
        "get",
        "/api/pipelines/{id}/sync",
        "Real-time sync: upgrades to a WebSocket speaking the protocol of docs/protocol.md (auth by cookie, \
         Bearer, or the token query parameter)",
        Body::None,
        101,
        "Any",
        &["token"],
    ),
    ("get", "/api/pipelines/{id}/versions", "Versions, newest first", Body::None, 200, "VersionList", &[]),
    (
        "post",
        "/api/pipelines/{id}/versions",
        "Save the current state as a version",
        Body::Json("NewVersion"),
        201,
        "Version",
        &[],
    ),
    ("get", "/api/pipelines/{id}/versions/{vid}", "A version with its YAML", Body::None, 200, "Version", &[]),
    (
        "post",
        "/api/pipelines/{id}/versions/{vid}/restore",
        "Restore a version as new edits and a new version",
        Body::Json("NewVersion"),
        201,
        "Version",
        &[],
    ),
    (
        "get",
        "/api/pipelines/{id}/diff",
        "Step-level changes and unified YAML diff between versions (to=current by default)",
        Body::None,
        200,
        "Diff",
        &["from", "to"],
    ),
    ("get", "/api/pipelines/{id}/comments", "Comment threads", Body::None, 200, "ThreadList", &[]),
    ("post", "/api/pipelines/{id}/comments", "Start a thread on a step", Body::Json("NewThread"), 201, "Thread", &[]),
    (
        "patch",
        "/api/pipelines/{id}/comments/{thread}",
        "Resolve or reopen a thread",
        Body::Json("Resolve"),
        200,
        "Thread",
        &[],
    ),
    ("post", "/api/pipelines/{id}/comments/{thread}/replies", "Reply to a thread", Body::Json("Text"), 201, "Any", &[]),
    (
        "patch",
        "/api/pipelines/{id}/comments/{thread}/messages/{mid}",
        "Edit one's own message",
        Body::Json("Text"),
        200,
        "Thread",
        &[],
    ),
    (
        "post",
        "/api/pipelines/{id}/template",
        "Mark or unmark as a template",
        Body::Json("SetTemplate"),
        200,
        "Pipeline",
        &[],
    ),
    (
        "get",
        "/api/templates",
        "Templates of the user's teams",
        Body::None,
        200,
        "PipelinePage",
        &["q", "limit", "offset"],
    ),
    (
        "post",
        "/api/templates/{id}/instantiate",
        "Create a pipeline from a template",
        Body::Json("Instantiate"),
        201,
        "Created",
        &[],
    ),
    ("get", "/api/export.zip", "A team's pipelines as a zip of YAML files", Body::None, 200, "Zip", &["team"]),
    ("get", "/api/teams", "The user's teams and roles", Body::None, 200, "TeamList", &[]),
    ("post", "/api/teams", "Create a team (the creator becomes owner)", Body::Json("NewTeam"), 201, "Team", &[]),
    ("get", "/api/teams/{id}/members", "Members and roles", Body::None, 200, "MemberList", &[]),
    (
        "post",
        "/api/teams/{id}/members",
        "Add a member (admin; owner role only by owners)",
        Body::Json("AddMember"),
        201,
        "Member",
        &[],
    ),
    (
        "post",
        "/api/teams/{id}/invites",
        "Invite by email (admin): creates the account if needed, adds it with the role, returns a one-time \
         sign-in link (7 days) when the account has no other way to sign in",
        Body::Json("Invite"),
        201,
        "Invitation",
        &[],
    ),
    ("patch", "/api/teams/{id}/members/{uid}", "Change a member's role", Body::Json("SetRole"), 200, "Any", &[]),
    ("delete", "/api/teams/{id}/members/{uid}", "Remove a member", Body::None, 200, "Any", &[]),
    (
        "get",
        "/api/teams/{id}/audit",
        "The team's audit log (admin)",
        Body::None,
        200,
        "AuditPage",
        &["before", "limit"],
    ),
    ("get", "/api/tokens", "The user's API tokens", Body::None, 200, "TokenList", &[]),
    (
        "post",
        "/api/tokens",
        "Create an API token (the secret is shown once)",
        Body::Json("NewToken"),
        201,
        "Token",
        &[],
    ),
    ("delete", "/api/tokens", "Revoke a token given in the body", Body::Json("RevokeToken"), 200, "Any", &[]),
    ("delete", "/api/tokens/{tid}", "Revoke a token", Body::None, 200, "Any", &[]),
    (
        "get",
        "/api/sync-to/status",
        "A local node's replication to its team server (`serve --sync-to`)",
        Body::None,
        200,
        "SyncToStatus",
        &[],
    ),
];

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": props })
}

fn schemas() -> Value {
    let s = json!({ "type": "string" });
    let id = json!({ "type": "string", "format": "uuid" });
    let time = json!({ "type": "string", "format": "date-time" });
    let role = json!({ "type": "string", "enum": ["owner", "admin", "member", "viewer"] });
    let arr = |item: Value| json!({ "type": "array", "items": item });
    let page = |item: &str| {
        obj(
            &["items"],
            json!({ "items": arr(r(item)), "total": {"type": "integer"}, "total_capped": {"type": "boolean"}, "has_more": {"type": "boolean"}, "next_cursor": {"type": ["string", "null"]} }),
        )
    };
    json!({
        "Any": {},
        "Error": obj(&["error"], json!({ "error": obj(&["code", "message", "details"], json!({ "code": s, "message": s, "details": {} })) })),
        "Health": obj(&["status"], json!({ "status": s })),
        "Login": obj(&["email", "password"], json!({ "email": s, "password": s })),
        "User": obj(&["id", "email", "name"], json!({ "id": id, "email": s, "name": s, "created_at": time })),
        "LoginResult": obj(&["user", "csrf_token"], json!({ "user": r("User"), "csrf_token": s })),
        "Me": obj(&["user", "teams"], json!({ "user": r("User"), "teams": arr(r("Team")), "csrf_token": {"type": ["string", "null"]} })),
        "Team": obj(&["id", "name"], json!({ "id": id, "name": s, "role": role })),
        "TeamList": obj(&["items"], json!({ "items": arr(r("Team")) })),
        "NewTeam": obj(&["name"], json!({ "name": s })),
        "Member": obj(&["user", "role"], json!({ "user": r("User"), "role": role })),
        "MemberList": obj(&["items"], json!({ "items": arr(r("Member")) })),
        "AddMember": obj(&["email", "role"], json!({ "email": s, "role": role })),
        "Invite": obj(&["email", "role"], json!({ "email": s, "name": s, "role": role })),
        "Invitation": obj(&["user", "role", "created", "link"], json!({ "user": r("User"), "role": role, "created": {"type": "boolean"}, "link": {"type": ["string", "null"]}, "expires_at": {"type": ["string", "null"]} })),
        "SetRole": obj(&["role"], json!({ "role": role })),
        "Diagnostic": obj(&["code", "severity", "message", "line", "column"], json!({ "code": s, "severity": {"enum": ["error", "warning", "info"]}, "message": s, "hint": {"type": ["string", "null"]}, "path": s, "line": {"type": "integer"}, "column": {"type": "integer"}, "end_line": {"type": "integer"}, "end_column": {"type": "integer"} })),
        "Diagnostics": obj(&["diagnostics"], json!({ "summary": {}, "diagnostics": arr(r("Diagnostic")) })),
        "Created": obj(&["id", "name", "diagnostics"], json!({ "id": id, "name": s, "team": id, "diagnostics": arr(r("Diagnostic")) })),
        "PipelineSummary": obj(&["id", "team", "name"], json!({ "id": id, "team": id, "name": s, "description": s, "file_name": {"type": ["string", "null"]}, "is_template": {"type": "boolean"}, "created_at": time, "updated_at": time, "deleted_at": {"type": ["string", "null"]} })),
        "Pipeline": r("PipelineSummary"),
        "PipelinePage": page("PipelineSummary"),
        "Yaml": s,
        "Zip": { "type": "string", "contentMediaType": "application/zip" },
        "NewVersion": obj(&[], json!({ "message": s })),
        "Version": obj(&["id", "pipeline", "message"], json!({ "id": id, "pipeline": id, "author": {}, "message": s, "created_at": time, "yaml": s })),
        "VersionList": obj(&["items"], json!({ "items": arr(r("Version")) })),
        "Diff": obj(&["steps", "yaml", "workflow_changed"], json!({ "steps": arr(obj(&["kind", "step"], json!({ "kind": {"enum": ["added", "removed", "moved", "changed"]}, "step": s }))), "yaml": s, "workflow_changed": {"type": "boolean"} })),
        "Message": obj(&["id", "author", "text"], json!({ "id": s, "author": s, "text": s, "at": {"type": "integer"}, "edited": {"type": "boolean"} })),
        "Thread": obj(&["id", "step", "resolved", "messages"], json!({ "id": s, "step": s, "resolved": {"type": "boolean"}, "step_deleted": {"type": "boolean"}, "messages": arr(r("Message")) })),
        "ThreadList": obj(&["items"], json!({ "items": arr(r("Thread")) })),
        "NewThread": obj(&["text"], json!({ "step": s, "step_path": s, "text": s })),
        "Text": obj(&["text"], json!({ "text": s })),
        "Resolve": obj(&["resolved"], json!({ "resolved": {"type": "boolean"} })),
        "SetTemplate": obj(&["is_template"], json!({ "is_template": {"type": "boolean"} })),
        "Instantiate": obj(&[], json!({ "name": s, "team": id })),
        "AuditEntry": obj(&["id", "at", "action", "target"], json!({ "id": {"type": "integer"}, "at": time, "actor": {}, "team": {}, "action": s, "target": s, "details": {} })),
        "AuditPage": obj(&["items"], json!({ "items": arr(r("AuditEntry")), "next_before": {"type": ["integer", "null"]} })),
        "Token": obj(&["id", "name"], json!({ "id": id, "name": s, "created_at": time, "last_used_at": {}, "revoked_at": {}, "secret": s })),
        "TokenList": obj(&["items"], json!({ "items": arr(r("Token")) })),
        "NewToken": obj(&[], json!({ "name": s })),
        "RevokeToken": obj(&["id"], json!({ "id": id })),
        "PipelineSync": obj(&["id", "name", "state", "pending_changes"], json!({ "id": id, "name": s, "state": {"enum": ["connecting", "connected", "retrying", "gone"]}, "retry_in_ms": {"type": ["integer", "null"]}, "pending_changes": {"type": "integer"}, "last_synced_at": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]} })),
        "SyncToStatus": obj(&["enabled"], json!({ "enabled": {"type": "boolean"}, "upstream": s, "state": {"enum": ["starting", "reachable", "unreachable"]}, "retry_in_ms": {"type": ["integer", "null"]}, "last_listed_at": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]}, "pipelines": arr(r("PipelineSync")) })),
    })
}

fn error_responses() -> Map<String, Value> {
    let mut m = Map::new();
    for (code, what) in [
        ("400", "Malformed request"),
        ("401", "Not signed in"),
        ("403", "Role too weak, or CSRF check failed"),
        ("404", "Not found (or not visible to you)"),
        ("409", "Conflict"),
        ("413", "Body too large"),
        ("422", "Invalid input (e.g. text that is not YAML, with located diagnostics)"),
        ("429", "Too many sign-in attempts"),
    ] {
        m.insert(
            code.into(),
            json!({ "description": what, "content": { "application/json": { "schema": r("Error") } } }),
        );
    }
    m
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for &(method, path, summary, body, status, schema, query) in ROUTES {
        let mut params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|p| json!({ "name": p, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        params.extend(
            query
                .iter()
                .map(|q| json!({ "name": q, "in": "query", "required": false, "schema": { "type": "string" } })),
        );
        let mut responses = error_responses();
        let content_type = match schema {
            "Yaml" => "application/yaml",
            "Zip" => "application/zip",
            _ => "application/json",
        };
        responses.insert(
            status.to_string(),
            json!({ "description": summary, "content": { content_type: { "schema": r(schema) } } }),
        );
        let mut op = json!({
            "summary": summary,
            "operationId": format!("{method}_{}", path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
            "parameters": params,
            "responses": responses,
        });
        match body {
            Body::None => {}
            Body::Yaml => {
                op["requestBody"] =
                    json!({ "required": true, "content": { "application/yaml": { "schema": { "type": "string" } } } });
            }
            Body::Json(name) => {
                op["requestBody"] =
                    json!({ "required": true, "content": { "application/json": { "schema": r(name) } } });
            }
        }
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Pipeline Editor API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Errors are `{\"error\": {\"code\", \"message\", \"details\"}}`. Cookie-authenticated writes need the X-CSRF-Token header; Bearer tokens do not." },
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::session::COOKIE },
            },
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
    })
}

pub async fn handler() -> Json<Value> {
    Json(document())
}
