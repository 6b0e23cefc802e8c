//! Pipeline composition (format reference §2.4.15): `type: pipeline` runs a child pipeline from a file or an
//! inline definition, passing `inputs` and returning selected `outputs`.

use std::num::NonZeroU32;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::condition::Condition;
use super::step::{Step, StepCommon};
use super::workflow::Workflow;

/// `type: pipeline` — runs a child pipeline. Not allowed inside loop bodies. Source, first match wins:
/// `pipeline_file`, then `pipeline`, then `pipeline_ref`; none fails the step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Path of the child pipeline file, loaded and validated by the production loader when the step runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_file: Option<String>,
    /// Inline child pipeline: `{name, steps, …}` or `{workflow: {…}}`. Only "steps is a list" is checked, at run
    /// time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<Box<InlinePipeline>>,
    /// A pipeline registry reference: not implemented, always fails the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_ref: Option<String>,
    /// Values passed to the child as `{{inputs.NAME}}`; string values are template-resolved in the parent first
    /// (a value that is exactly one template keeps its type). With a non-empty `inputs`, the stored result is
    /// wrapped as `{result: <outputs>}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Map<String, Value>>,
    /// What to return: child step names, or `{path: child_step.field…, as: NAME}` entries. Without it: every
    /// child step's result by name. A missing path fails the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Vec<PipelineOutput>>,
    /// Execution settings of the child.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<PipelineConfig>,
    /// Ignored: the child's version is not checked.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex does not version sub-pipelines"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Value>,
    /// Ignored: a failing child fails the step.
    #[schemars(extend("x-ignored" = "remove it; a failing child pipeline fails the step"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_handler: Option<Value>,
    /// Ignored: a failing child fails the step.
    #[schemars(extend("x-ignored" = "remove it; a failing child pipeline fails the step"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_error: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An inline child pipeline, bare (`{name, steps}`) or wrapped (`{workflow: {name, steps}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InlinePipeline {
    /// Name of the child (used to detect circular composition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The child's steps (bare form). Never validated before they run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// The child as a full workflow (wrapped form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// Other keys, as a workflow would have them (`global_vars`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InlinePipeline {
    /// The child's steps in either form.
    pub fn child_steps(&self) -> Option<&[Step]> {
        self.steps.as_deref().or_else(|| self.workflow.as_ref()?.steps.as_deref())
    }
}

/// One entry of `outputs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PipelineOutput {
    /// A child step name: returns `{name: result}`.
    Step(String),
    /// A field of a child step's result.
    Path(OutputPath),
}

/// A field of a child step's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutputPath {
    /// `child_step.field…` — dot path into the child's results (no `[i]` indexing). A missing path fails the step.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Key in the returned map (default: the path).
    #[serde(rename = "as", skip_serializing_if = "Option::is_none")]
    pub as_name: Option<String>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Execution settings of a child pipeline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct PipelineConfig {
    /// Share `global_vars` with the child and pass the parent's inputs when `inputs` is absent (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherit_context: Option<bool>,
    /// Maximum nesting depth (default 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<NonZeroU32>,
    /// Maximum steps over all nesting levels (default 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_total_steps: Option<NonZeroU32>,
    /// Memory limit in MB (default 1024).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_limit_mb: Option<NonZeroU32>,
    /// Time limit of the child in seconds (default 300).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<NonZeroU32>,
    /// Give the child its own workspace (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_enabled: Option<bool>,
    /// Remove the child's workspace when it fails (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup_on_error: Option<bool>,
    /// Keys pipeline_ex does not read (many documented ones: inherit_providers, max_retries, enable_tracing, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
