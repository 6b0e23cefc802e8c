//! `claude_options` (format reference §2.3) and the retry configuration shared by `claude_robust` and
//! `claude_options.retry_config` (§2.4.9), with the enums their values come from.

use std::num::{NonZeroU32, NonZeroU64};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Options for Claude. `type: claude` and `parallel_claude` tasks use the basic provider, which reads only
/// [`ClaudeOptions::BASIC_PROVIDER_KEYS`]; claude_smart, claude_session, claude_extract, claude_batch and
/// claude_robust merge a preset under these options and use the agent-SDK provider, which reads all of them.
/// Other step types never read `claude_options`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeOptions {
    /// Maximum number of agent turns (basic provider default 3, agent provider default 15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<NonZeroU32>,
    /// Format of Claude's answer: `text`, `json` or `stream_json` (`stream-json` is accepted too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<OutputFormat>,
    /// Verbose provider logging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbose: Option<bool>,
    /// Tools Claude may use (Write, Edit, Read, Bash, Search, Glob, Grep, LS, …); an empty list allows none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_tools: Option<Vec<String>>,
    /// Tools Claude must not use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disallowed_tools: Option<Vec<String>>,
    /// Replaces the system prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Text appended to the system prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub append_system_prompt: Option<String>,
    /// Working directory of the Claude process (default `./workspace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Model: `sonnet`, `opus`, `haiku` or a full model id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Model used when the main one is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_model: Option<String>,
    /// Session to attach to (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Ignored by pipeline_ex: no provider reads it.
    #[schemars(extend("x-ignored" = "remove it; use a claude_session step with session_config.persist to keep a session"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume_session: Option<bool>,
    /// Retries of the agent provider (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_config: Option<RetryConfig>,
    /// Time limit of one Claude call in milliseconds (agent provider only; default 300000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<NonZeroU64>,
    /// Debug output of the agent provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_mode: Option<bool>,
    /// Telemetry of the agent provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telemetry_enabled: Option<bool>,
    /// Cost tracking of the agent provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_tracking: Option<bool>,
    /// Ignored: asynchronous streaming was removed from pipeline_ex (October 2025). The loader still checks
    /// that it is a boolean on `type: claude` steps.
    #[schemars(extend("x-ignored" = "remove it; async streaming no longer exists in pipeline_ex"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub async_streaming: Option<bool>,
    /// Ignored: asynchronous streaming was removed. The loader checks it against console, simple, debug, file,
    /// callback, buffer on `type: claude` steps with `async_streaming: true`.
    #[schemars(extend("x-ignored" = "remove it; async streaming no longer exists in pipeline_ex"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_handler: Option<StreamHandler>,
    /// Ignored: asynchronous streaming was removed. The loader requires a positive integer on `type: claude`
    /// steps with `async_streaming: true`.
    #[schemars(extend("x-ignored" = "remove it; async streaming no longer exists in pipeline_ex"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_buffer_size: Option<NonZeroU32>,
    /// Ignored: asynchronous streaming was removed.
    #[schemars(extend("x-ignored" = "remove it; async streaming no longer exists in pipeline_ex"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_handler_opts: Option<Map<String, Value>>,
    /// Permission mode of the agent provider: `default`, `accept_edits`, `bypass_permissions`, `plan` (the
    /// provider also accepts `acceptEdits` and `bypassPermissions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<PermissionMode>,
    /// Name of the MCP tool that answers permission prompts (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_prompt_tool: Option<String>,
    /// Ignored by pipeline_ex's providers (use `mcp_servers`).
    #[schemars(extend("x-ignored" = "use mcp_servers in claude_options instead; mcp_config is never read"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp_config: Option<String>,
    /// MCP servers made available to Claude (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp_servers: Option<Value>,
    /// Agent SDK hooks (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hooks: Option<Value>,
    /// Sub-agent definitions (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<Value>,
    /// The sub-agent to run as (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<Value>,
    /// Enables Claude skills (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_skills: Option<Value>,
    /// Fork the session instead of continuing it (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fork_session: Option<bool>,
    /// Extra directories Claude may access (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_dir: Option<Value>,
    /// Use only the MCP servers given here (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict_mcp_config: Option<bool>,
    /// Permission callback (agent provider only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_callback: Option<Value>,
    /// Preset merged under these options (agent provider only; the step-level `preset` is the usual place).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Set by the executor itself for `type: claude` steps; there is no reason to write it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_through_streaming: Option<bool>,
    /// Ignored: pipeline_ex's providers never read it.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex's Claude providers never read print"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub print: Option<bool>,
    /// Ignored: pipeline_ex's providers never read it (the agent provider's limit is `timeout_ms`).
    #[schemars(extend("x-ignored" = "use timeout_ms (milliseconds) instead"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ClaudeOptions {
    /// The keys the basic Claude provider (`type: claude`, `parallel_claude` tasks) reads; it ignores every
    /// other key.
    pub const BASIC_PROVIDER_KEYS: &'static [&'static str] = &[
        "max_turns",
        "allowed_tools",
        "disallowed_tools",
        "system_prompt",
        "append_system_prompt",
        "verbose",
        "cwd",
        "model",
        "fallback_model",
        "output_format",
    ];
}

/// Claude answer formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OutputFormat {
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "json")]
    Json,
    #[serde(rename = "stream_json")]
    StreamJson,
    // The providers accept the hyphenated spelling used by the DOC's defaults as well.
    #[serde(rename = "stream-json")]
    StreamJsonHyphen,
}

/// Permission modes of the agent provider, in both spellings it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PermissionMode {
    #[serde(rename = "default")]
    Default,
    #[serde(rename = "accept_edits")]
    AcceptEdits,
    #[serde(rename = "bypass_permissions")]
    BypassPermissions,
    #[serde(rename = "plan")]
    Plan,
    #[serde(rename = "acceptEdits")]
    AcceptEditsCamel,
    #[serde(rename = "bypassPermissions")]
    BypassPermissionsCamel,
}

/// Stream handlers the loader accepts for `type: claude` with `async_streaming: true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamHandler {
    Console,
    Simple,
    Debug,
    File,
    Callback,
    Buffer,
}

/// Option presets of the agent provider (`lib/pipeline/option_builder.ex`): development (20 turns, sonnet),
/// production (10 turns, opus with sonnet fallback, Read only), analysis (5 turns, opus, Read/Glob/Grep),
/// chat (15 turns, no tools, text), test (3 turns). An unknown preset silently gets the development options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Development,
    Production,
    Analysis,
    Chat,
    Test,
}

/// Retry settings (claude_robust `retry_config`, and `claude_options.retry_config` of the agent provider).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct RetryConfig {
    /// Retries after the first attempt (default 3; 0 disables retries). A non-integer fails the step.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Delay growth between retries: `linear`, `exponential` (default) or `fixed`. Any other value fails the
    /// step.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_strategy: Option<BackoffStrategy>,
    /// Substrings of the error text that make an error retryable (default `[timeout, rate_limit,
    /// temporary_error]`). Not a list: the step fails.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_conditions: Option<Vec<String>>,
    /// Spelling of `retry_conditions` used by pipeline_ex's presets and docs inside `claude_options`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<Vec<String>>,
    /// What to do when every attempt failed: `graceful_degradation` (default), `use_cached_response`,
    /// `simplified_prompt` or `emergency_response`. Other text behaves like `graceful_degradation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_action: Option<FallbackAction>,
    /// Base delay between retries in milliseconds (default 1000). A non-integer fails the step.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_delay_ms: Option<u64>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Backoff strategies the runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackoffStrategy {
    Linear,
    Exponential,
    Fixed,
}

/// A fallback action: one the runtime knows, or any other text (which behaves like `graceful_degradation`;
/// the validators only require a string here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FallbackAction {
    Known(KnownFallbackAction),
    Other(String),
}

/// Fallback actions the runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KnownFallbackAction {
    GracefulDegradation,
    UseCachedResponse,
    SimplifiedPrompt,
    EmergencyResponse,
}
