//! Control-flow and state steps (format reference §2.4.10–§2.4.12, §2.4.16, §2.4.17): set_variable, for_loop,
//! while_loop, test_echo and the documented-but-unimplemented switch, checkpoint, codebase_query, break and
//! continue.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::condition::Condition;
use super::step::{Step, StepCommon};

/// `type: set_variable` — stores variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SetVariableStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped. Ignored inside loop
    /// bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Variables to set: name → value (literals, nested mappings/lists, or template strings). They are read by
    /// `{{state.NAME}}` / `{{NAME}}` templates and loop `data_source` lookups. Missing or empty: the step does
    /// nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Map<String, Value>>,
    /// Where the variables live: `global` (default), `session` or `loop`. Unknown values silently become
    /// `global`. Variables set inside a loop body are discarded after each iteration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<VariableScope>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Variable scopes the runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VariableScope {
    Global,
    Session,
    Loop,
}

/// `type: for_loop` — runs its body once per list item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ForLoopStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the loop runs; when false the loop is recorded as skipped. Ignored when the loop
    /// is itself inside a loop body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Name of the current item: conditions inside the loop read it as `loop.<iterator>`. Required; not a string
    /// fails the step.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iterator: Option<String>,
    /// Where the list comes from, as a string: `NAME` (a variable, else a step result), `STEP:dot.path` (a field
    /// of a step result) or `previous_response[:path]` (the result of a step literally named
    /// `previous_response`). YAML lists and `{{…}}` templates do not work. Required; must resolve to a list.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    /// The body, run for every item. Allowed types: claude, gemini, parallel_claude, gemini_instructor,
    /// claude_smart, claude_session, claude_extract, claude_batch, claude_robust, set_variable, for_loop,
    /// while_loop. Sub-step results are visible to later sub-steps and iterations, not after the loop.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// Run iterations concurrently; only honoured when the list has more than 10 items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<bool>,
    /// Concurrent iterations when `parallel` (default 5, capped at 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_parallel: Option<NonZeroU32>,
    /// Stop at the first failing iteration (default true); false continues with the next item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub break_on_error: Option<bool>,
    /// Condition evaluated after each successful iteration; when true the loop stops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub break_condition: Option<Condition>,
    /// Condition evaluated after each successful iteration; when true the loop goes on with the next item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continue_condition: Option<Condition>,
    /// Batch size for lists of more than 500 items (default 25/50/100 by size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<NonZeroU32>,
    /// Ignored: a for_loop always runs once per item.
    #[schemars(extend("x-ignored" = "remove it; a for_loop runs once per item (stop early with break_condition)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<Value>,
    /// Ignored: results are always in item order.
    #[schemars(extend("x-ignored" = "remove it; iteration results are always kept in item order"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_results: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: while_loop` — repeats its body while a condition holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WhileLoopStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// The loop condition, a string expression over step results (mappings and lists fail the step). It is
    /// also evaluated once as the step's gate: if false at the start, the loop is recorded as skipped.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The body (same allowed types as for_loop). Body results are not visible after the loop.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// Upper bound on iterations (default 100; above 1000 clamps to 1000; non-positive means 100). Reaching it
    /// ends the loop with `max_iterations_reached: true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<i64>,
    /// Ignored: while loops have no time limit.
    #[schemars(extend("x-ignored" = "remove it; bound the loop with max_iterations"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: test_echo` — returns its value (pipeline_ex's test environment only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TestEchoStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The result (default `"default_echo"`); `"__FAIL__"` makes the step fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Make the step fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail: Option<bool>,
    /// Error message when failing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: switch` — documented, never implemented (the loader rejects it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SwitchStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate (never evaluated: the type is rejected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The value to branch on (not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Steps per value (not implemented).
    #[schemars(with = "Option<BTreeMap<String, Vec<Step>>>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<IndexMap<String, Vec<Step>>>,
    /// Steps when no case matches (not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Vec<Step>>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: checkpoint` — documented, never implemented (the loader rejects it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckpointStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate (never evaluated: the type is rejected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// State to save (not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<Map<String, Value>>,
    /// Checkpoint name (not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_name: Option<String>,
    /// Include the workspace (not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_workspace: Option<bool>,
    /// Compress the checkpoint (not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compress: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: codebase_query` — the module exists but nothing dispatches to it (the loader rejects it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CodebaseQueryStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate (never evaluated: the type is rejected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Queries by name; each holds one of find_files, find_dependencies, find_functions, find_related,
    /// analyze_impact with a list of one-key criteria (not dispatched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queries: Option<Map<String, Value>>,
    /// Directory to query (not dispatched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_dir: Option<String>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `type: break` / `type: continue` — have loop dispatch entries, but the loop runner crashes on their result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate (never evaluated usefully: the loop runner crashes on this type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
