//! The document root and the `workflow:` mapping (format reference §1): top-level keys, `defaults`,
//! `gemini_functions`, `claude_auth`, `environment`.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::claude::{ClaudeOptions, Preset};
use super::step::Step;

/// A pipeline_ex "YAML v2" pipeline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pipeline {
    /// The pipeline. Without it (or with `workflow: null`) the loader reports "missing required 'workflow'
    /// section".
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// Other root keys, which pipeline_ex ignores.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The workflow: a name, its steps and workflow-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Workflow {
    /// Name of the pipeline, used in logs, checkpoint file names and to detect circular sub-pipelines. The
    /// loader only rejects null; write a string.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The steps, run in order. At least one is required.
    #[schemars(required, length(min = 1))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// Free text describing the pipeline (not read at run time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free-form version label (not read at run time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When true, the executor loads and saves checkpoints in `checkpoint_dir` (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_enabled: Option<bool>,
    /// Base directory of file_ops paths, created if missing (default `$PIPELINE_WORKSPACE_DIR` or
    /// `./workspace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_dir: Option<String>,
    /// Where checkpoints are stored (default `$PIPELINE_CHECKPOINT_DIR` or `./checkpoints`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_dir: Option<String>,
    /// Ignored by pipeline_ex: the output directory comes from `defaults.output_dir`.
    #[schemars(extend("x-ignored" = "move it to defaults.output_dir, which is what pipeline_ex reads"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<String>,
    /// Values for `{{global_vars.NAME}}` templates; passed to sub-pipelines whose `config.inherit_context` is
    /// true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_vars: Option<Map<String, Value>>,
    /// Functions Gemini steps may call, by name; a step's `functions:` list must name keys of this map.
    #[schemars(with = "Option<BTreeMap<String, GeminiFunction>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gemini_functions: Option<IndexMap<String, GeminiFunction>>,
    /// Never read by pipeline_ex (only its test-only enhanced validator checks it).
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex never reads claude_auth (authentication comes from the Claude CLI login or its environment variables)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_auth: Option<ClaudeAuth>,
    /// Run environment; only `mode` is read (claude_smart steps with `environment_aware: true` pick their
    /// preset from it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Workflow defaults. In production only `output_dir` and `claude_preset` have an effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Defaults>,
    /// Ignored by pipeline_ex: no resource limit is enforced.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex enforces no workflow resource limits (a pipeline step's config has max_total_steps, memory_limit_mb, timeout_seconds)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_limits: Option<Map<String, Value>>,
    /// Ignored by pipeline_ex: no sandbox is applied.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex applies no safety settings from the workflow"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety: Option<Map<String, Value>>,
    /// Ignored by pipeline_ex: variables exist only once a set_variable step sets them.
    #[schemars(extend("x-ignored" = "set these values with a set_variable step at the start of the pipeline"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Map<String, Value>>,
    /// Injected by `mix pipeline.generate`; no template reads it.
    #[schemars(extend("x-ignored" = "use global_vars and {{global_vars.NAME}} templates instead; nothing reads workflow.input"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Map<String, Value>>,
    /// Free-form metadata (not read at run time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Not read at the workflow level.
    #[schemars(extend("x-ignored" = "move it into the claude_options of the steps that need it"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<Value>,
    /// Not read at the workflow level.
    #[schemars(extend("x-ignored" = "move it into the claude_options of the steps that need it"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hooks: Option<Value>,
    /// Not read at the workflow level.
    #[schemars(extend("x-ignored" = "move it into the claude_options of the steps that need it"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp_servers: Option<Value>,
    /// Not read at the workflow level.
    #[schemars(extend("x-ignored" = "move it into the claude_options of the steps that need it"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_skills: Option<Value>,
    /// Not read by pipeline_ex.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex does not read setting_sources"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting_sources: Option<Value>,
    /// Not read by pipeline_ex.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex does not read memory_config"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_config: Option<Value>,
    /// Not read by pipeline_ex.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex does not read enable_context_management"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_context_management: Option<Value>,
    /// Not read by pipeline_ex: a failing step always stops the pipeline.
    #[schemars(extend("x-ignored" = "remove it; a failing step stops the pipeline (inside a for_loop, set break_on_error: false)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_on_error: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Workflow defaults. The production loader never applies them to steps; only `output_dir` and
/// `claude_preset` are read directly at run time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Defaults {
    /// Base directory of every `output_to_file` (after the CLI option, before `$PIPELINE_OUTPUT_DIR` and
    /// `./outputs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<String>,
    /// Preset of claude_smart, claude_session, claude_extract, claude_batch and claude_robust steps that set no
    /// `preset` of their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_preset: Option<Preset>,
    /// Ignored in production: merged into steps only by the test-only enhanced loader.
    #[schemars(extend("x-ignored" = "set claude_options on each Claude step; pipeline_ex's CLI never applies workflow defaults"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_options: Option<ClaudeOptions>,
    /// Ignored in production: applied only by the test-only enhanced loader.
    #[schemars(extend("x-ignored" = "set claude_options.output_format on each Claude step; pipeline_ex's CLI never applies workflow defaults"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_output_format: Option<String>,
    /// Ignored in production: applied only by the test-only enhanced loader.
    #[schemars(extend("x-ignored" = "set model on each gemini step; pipeline_ex's CLI never applies workflow defaults"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gemini_model: Option<String>,
    /// Ignored in production: applied only by the test-only enhanced loader.
    #[schemars(extend("x-ignored" = "set token_budget on each gemini step; pipeline_ex's CLI never applies workflow defaults"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gemini_token_budget: Option<TokenBudget>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "set claude_options.model on each Claude step"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_model: Option<String>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "set claude_options.fallback_model on each Claude step"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_fallback_model: Option<String>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex has no workflow-wide step timeout"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<Value>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "remove it; use claude_robust steps for retries"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_on_error: Option<Value>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "remove it; a failing step stops the pipeline"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_on_error: Option<Value>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex does not cache step results"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_results: Option<Value>,
    /// Documented but never read.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex does not cache step results"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_ttl: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A function Gemini may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GeminiFunction {
    /// What the function does (sent to Gemini). Required by the loader.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The arguments, as a JSON Schema object (`type: object`, `properties`, `required`). Required by the
    /// loader and must be a mapping.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Map<String, Value>>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Gemini generation settings. The documented ranges are not enforced.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct TokenBudget {
    /// Maximum tokens of the answer (documented range 256–8192).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<NonZeroU32>,
    /// Sampling temperature (documented range 0–1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling (documented range 0–1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling (documented range 1–40).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<NonZeroU32>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Claude authentication settings, never read at run time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeAuth {
    /// Check authentication before running (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_check: Option<bool>,
    /// Authentication provider: `anthropic`, `aws_bedrock` or `google_vertex` (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<AuthProvider>,
    /// Fall back to mocks when authentication fails (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_mock: Option<bool>,
    /// Print authentication diagnostics (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Claude authentication providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthProvider {
    Anthropic,
    AwsBedrock,
    GoogleVertex,
}

/// The run environment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// `development`, `production` or `test`: the preset of claude_smart steps with `environment_aware: true`
    /// and no `preset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<EnvironmentMode>,
    /// Ignored at run time (`basic`, `detailed`, `performance`; checked only by the test-only validator).
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex never reads environment.debug_level"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_level: Option<DebugLevel>,
    /// Ignored at run time: no cost alert is ever raised.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex never reads environment.cost_alerts"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_alerts: Option<CostAlerts>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Environment modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvironmentMode {
    Development,
    Production,
    Test,
}

/// Debug levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DebugLevel {
    Basic,
    Detailed,
    Performance,
}

/// Cost alert settings (never read).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CostAlerts {
    /// Enable alerts (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Alert threshold in US dollars (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_usd: Option<f64>,
    /// Notify when exceeded (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_on_exceed: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
