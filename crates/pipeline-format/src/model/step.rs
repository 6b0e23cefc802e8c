//! Steps (format reference §2): the [`Step`] enum selected by `type`, the fields every step shares
//! ([`StepCommon`]) and the AI provider step types (§2.4.1–§2.4.9). Control-flow, state, data and composition
//! types live in [`super::control`], [`super::data`] and [`super::compose`].

use std::num::{NonZeroU32, NonZeroU64};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::catalog::StepType;
use super::claude::{ClaudeOptions, Preset, RetryConfig};
use super::compose::PipelineStep;
use super::condition::Condition;
use super::control::{
    CheckpointStep, CodebaseQueryStep, ControlStep, ForLoopStep, SetVariableStep, SwitchStep, TestEchoStep,
    WhileLoopStep,
};
use super::data::{DataTransformStep, FileOpsStep};
use super::prompt::{PromptItem, PromptText};
use super::workflow::TokenBudget;

/// One step, selected by its `type`. The production loader accepts the 15 executable types; `test_echo` only
/// in pipeline_ex's test environment; `switch`, `checkpoint`, `codebase_query`, `break` and `continue` are
/// documented but not implemented (see [`StepType`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    Gemini(GeminiStep),
    Claude(ClaudeStep),
    ParallelClaude(ParallelClaudeStep),
    GeminiInstructor(GeminiInstructorStep),
    ClaudeSmart(ClaudeSmartStep),
    ClaudeSession(ClaudeSessionStep),
    ClaudeExtract(ClaudeExtractStep),
    ClaudeBatch(ClaudeBatchStep),
    ClaudeRobust(ClaudeRobustStep),
    SetVariable(SetVariableStep),
    ForLoop(ForLoopStep),
    WhileLoop(WhileLoopStep),
    DataTransform(DataTransformStep),
    FileOps(FileOpsStep),
    Pipeline(PipelineStep),
    TestEcho(TestEchoStep),
    Switch(SwitchStep),
    Checkpoint(CheckpointStep),
    CodebaseQuery(CodebaseQueryStep),
    Break(ControlStep),
    Continue(ControlStep),
}

impl Step {
    /// The step's type.
    pub fn step_type(&self) -> StepType {
        match self {
            Step::Gemini(_) => StepType::Gemini,
            Step::Claude(_) => StepType::Claude,
            Step::ParallelClaude(_) => StepType::ParallelClaude,
            Step::GeminiInstructor(_) => StepType::GeminiInstructor,
            Step::ClaudeSmart(_) => StepType::ClaudeSmart,
            Step::ClaudeSession(_) => StepType::ClaudeSession,
            Step::ClaudeExtract(_) => StepType::ClaudeExtract,
            Step::ClaudeBatch(_) => StepType::ClaudeBatch,
            Step::ClaudeRobust(_) => StepType::ClaudeRobust,
            Step::SetVariable(_) => StepType::SetVariable,
            Step::ForLoop(_) => StepType::ForLoop,
            Step::WhileLoop(_) => StepType::WhileLoop,
            Step::DataTransform(_) => StepType::DataTransform,
            Step::FileOps(_) => StepType::FileOps,
            Step::Pipeline(_) => StepType::Pipeline,
            Step::TestEcho(_) => StepType::TestEcho,
            Step::Switch(_) => StepType::Switch,
            Step::Checkpoint(_) => StepType::Checkpoint,
            Step::CodebaseQuery(_) => StepType::CodebaseQuery,
            Step::Break(_) => StepType::Break,
            Step::Continue(_) => StepType::Continue,
        }
    }

    /// The fields every step has.
    pub fn common(&self) -> &StepCommon {
        match self {
            Step::Gemini(s) => &s.common,
            Step::Claude(s) => &s.common,
            Step::ParallelClaude(s) => &s.common,
            Step::GeminiInstructor(s) => &s.common,
            Step::ClaudeSmart(s) => &s.common,
            Step::ClaudeSession(s) => &s.common,
            Step::ClaudeExtract(s) => &s.common,
            Step::ClaudeBatch(s) => &s.common,
            Step::ClaudeRobust(s) => &s.common,
            Step::SetVariable(s) => &s.common,
            Step::ForLoop(s) => &s.common,
            Step::WhileLoop(s) => &s.common,
            Step::DataTransform(s) => &s.common,
            Step::FileOps(s) => &s.common,
            Step::Pipeline(s) => &s.common,
            Step::TestEcho(s) => &s.common,
            Step::Switch(s) => &s.common,
            Step::Checkpoint(s) => &s.common,
            Step::CodebaseQuery(s) => &s.common,
            Step::Break(s) | Step::Continue(s) => &s.common,
        }
    }

    /// The step's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.common().name.as_deref()
    }

    /// The step's `prompt` list, for the types that have one.
    pub fn prompt(&self) -> Option<&[PromptItem]> {
        let p = match self {
            Step::Gemini(s) => &s.prompt,
            Step::Claude(s) => &s.prompt,
            Step::ParallelClaude(s) => &s.prompt,
            Step::GeminiInstructor(s) => &s.prompt,
            Step::ClaudeSmart(s) => &s.prompt,
            Step::ClaudeSession(s) => &s.prompt,
            Step::ClaudeExtract(s) => &s.prompt,
            Step::ClaudeBatch(s) => &s.prompt,
            Step::ClaudeRobust(s) => &s.prompt,
            _ => return None,
        };
        p.as_deref()
    }

    /// The body of a for_loop / while_loop (empty for other types).
    pub fn body(&self) -> &[Step] {
        match self {
            Step::ForLoop(s) => s.steps.as_deref().unwrap_or_default(),
            Step::WhileLoop(s) => s.steps.as_deref().unwrap_or_default(),
            _ => &[],
        }
    }
}

/// Fields every step type has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct StepCommon {
    /// Key under which the step's result is stored; later steps read it by this name (previous_response items,
    /// `{{steps.NAME…}}` templates, conditions, loop sources). Names are not required to be unique, but a later
    /// step with the same name silently overwrites the earlier result. The loader only rejects null.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// File the result is written to (text for string results, pretty JSON otherwise), relative to
    /// `defaults.output_dir`. Ignored for steps inside loop bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_to_file: Option<String>,
    /// With `enabled: true` the executor stores the result as a stream reference (large results are streamed
    /// automatically).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streaming: Option<Streaming>,
    /// Names of `workflow.gemini_functions` entries; the loader checks them on every step type, gemini and
    /// gemini_instructor steps offer them to the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub functions: Option<Vec<String>>,
    /// Claude options; read only by the Claude step types (see the step type catalogue for which provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_options: Option<ClaudeOptions>,
    /// Ignored by pipeline_ex (harmless documentation).
    #[schemars(extend("x-ignored" = "keep it as documentation if you like; pipeline_ex never reads a step's description", "x-severity" = "info"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Ignored by pipeline_ex (`brain` or `muscle` in the docs).
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex never reads a step's role"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Ignored by pipeline_ex: the result is never validated against it.
    #[schemars(extend("x-ignored" = "remove it, or validate the result in a later step; pipeline_ex never enforces output_schema"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Map<String, Value>>,
    /// Ignored: pipeline_ex reads `claude_options`, not `options`.
    #[schemars(extend("x-ignored" = "rename the key to claude_options"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Map<String, Value>>,
    /// Ignored: pipeline_ex has no per-step error handling; a failing step stops the pipeline.
    #[schemars(extend("x-ignored" = "remove it; a failing step stops the pipeline (inside a for_loop, set break_on_error: false on the loop)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_on_error: Option<Value>,
}

/// Result streaming switch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Streaming {
    /// Store the result as a stream reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Documented step roles (never read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Brain,
    Muscle,
}

/// `type: gemini` — Google Gemini.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GeminiStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Gemini model (default `gemini-2.5-flash-lite-preview-06-17`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Generation settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_budget: Option<TokenBudget>,
    /// Raw tool specifications, used only when `functions` is absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// Time limit of the call in milliseconds (default 300000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<NonZeroU64>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: claude` — Claude through the basic provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: parallel_claude` — several Claude tasks at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParallelClaudeStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The tasks, run concurrently (required; may be empty). The result is `{combined_results,
    /// individual_results: {id → result}}`.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel_tasks: Option<Vec<ParallelTask>>,
    /// Not used to run the tasks; if present it must be a list (a string crashes the loader).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One task of a parallel_claude step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParallelTask {
    /// The task's key in `individual_results`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The task's prompt: a list of prompt items (a string crashes the run; the loader does not check tasks).
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Claude options of this task (basic provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_options: Option<ClaudeOptions>,
    /// Ignored: task results are not written to files.
    #[schemars(extend("x-ignored" = "remove it; set output_to_file on the parallel_claude step to save all results"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_to_file: Option<String>,
    /// Ignored: every task runs.
    #[schemars(extend("x-ignored" = "remove it; every task of a parallel_claude step runs (put a condition on the step instead)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: gemini_instructor` — structured answers from Gemini.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GeminiInstructorStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Gemini model (default `gemini-2.5-flash`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Time limit of the call in milliseconds (default 120000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<NonZeroU64>,
    /// Ignored: the runtime uses a fixed internal response schema.
    #[schemars(extend("x-ignored" = "remove it; gemini_instructor always uses its built-in response schema"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// Ignored: the runtime has a single validation mode.
    #[schemars(extend("x-ignored" = "remove it; gemini_instructor has no validation modes"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_mode: Option<Value>,
    /// Ignored: gemini_instructor uses a fixed temperature.
    #[schemars(extend("x-ignored" = "remove it, or use a gemini step, which reads token_budget"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_budget: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: claude_smart` — Claude with an option preset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeSmartStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Options preset merged under `claude_options` (default: `defaults.claude_preset`, then the environment
    /// when `environment_aware`, then `development`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Pick the preset from `workflow.environment.mode` when no preset is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_aware: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: claude_session` — Claude in a named session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeSessionStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Session settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_config: Option<SessionConfig>,
    /// Options preset (default `analysis`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Settings of a claude_session step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct SessionConfig {
    /// Name of the session (default: the step name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// Keep the session after the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<bool>,
    /// Resume the session when the pipeline restarts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_on_restart: Option<bool>,
    /// Save the session every N turns (default 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_frequency: Option<NonZeroU32>,
    /// Free text describing the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Ignored: the turn limit comes from `claude_options.max_turns`.
    #[schemars(extend("x-ignored" = "use claude_options.max_turns instead"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<Value>,
    /// Ignored by pipeline_ex.
    #[schemars(extend("x-ignored" = "use continue_on_restart instead"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_session: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: claude_extract` — Claude plus content extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeExtractStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Options preset (default `analysis`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// How the answer is post-processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extraction_config: Option<ExtractionConfig>,
    /// Ignored: the answer is not validated against a schema.
    #[schemars(extend("x-ignored" = "remove it; claude_extract never validates against a schema (use extraction_config.format: json)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Post-processing of a claude_extract answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ExtractionConfig {
    /// Run the content extractor on the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_content_extractor: Option<bool>,
    /// Output format: `text` (default), `json`, `structured`, `summary` or `markdown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<ExtractFormat>,
    /// Post-processing operations, in order. Unknown ones are logged and skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_processing: Option<Vec<PostProcessing>>,
    /// Maximum length of a `summary` (default 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_summary_length: Option<NonZeroU32>,
    /// Include extraction metadata in the result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_metadata: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Extraction output formats. An unknown format passes the answer through unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtractFormat {
    Text,
    Json,
    Structured,
    Summary,
    Markdown,
}

/// Post-processing operations the runtime implements (others are logged and skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostProcessing {
    ExtractCodeBlocks,
    ExtractRecommendations,
    ExtractLinks,
    ExtractKeyPoints,
    FormatMarkdown,
    GenerateSummary,
}

/// `type: claude_batch` — a batch of Claude tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeBatchStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Prompt used as a single task when there are no `tasks` (the loader requires `prompt` or `tasks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// The tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<BatchTask>>,
    /// Parallelism and time limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_config: Option<BatchConfig>,
    /// Options preset (default: `defaults.claude_preset`, then `development`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One task of a claude_batch step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchTask {
    /// The task's id in the result (default `task_<index>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The task's prompt: plain text or a list of prompt items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<PromptText>,
    /// A file whose contents precede the prompt text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Ignored: the runtime reads `task_id`.
    #[schemars(extend("x-ignored" = "rename the key to task_id"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// Ignored: task results are not written to files.
    #[schemars(extend("x-ignored" = "remove it; set output_to_file on the claude_batch step to save all results"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_to_file: Option<String>,
    /// Ignored: every task uses the step's options.
    #[schemars(extend("x-ignored" = "move the options to the claude_batch step's claude_options"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claude_options: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Parallelism and time limits of a claude_batch step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct BatchConfig {
    /// Tasks run at the same time (default 3). Zero or negative fails the step.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_parallel: Option<NonZeroU32>,
    /// Time limit per task in **milliseconds** (default 60000). Zero or negative fails the step.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_per_task: Option<NonZeroU64>,
    /// Combine the task results into one text (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consolidate_results: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: claude_robust` — Claude with retries and a fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeRobustStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The prompt: a list of prompt items, rendered in order. Required; a plain string is rejected by the loader
    /// (and crashes the run inside a loop body, where the loader does not look).
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<PromptItem>>,
    /// Options preset (default `production`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// Retries, backoff and fallback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_config: Option<RetryConfig>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
