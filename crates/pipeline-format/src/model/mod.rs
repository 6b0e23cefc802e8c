//! The typed model of the format: one Rust type per construct of the format reference, each with serde and
//! schemars derives. It is the single definition the JSON Schema ([`crate::schema`]) is generated from, and —
//! through that schema — what the lint's unknown-key, enum and type checks are driven by.
//!
//! Conventions, so that the schema says what pipeline_ex does at run time:
//! - every field is an `Option` (YAML `key:` with no value is null, which pipeline_ex treats as absent);
//!   fields the run needs are marked `#[schemars(required)]`;
//! - every struct keeps the keys it does not know in a flattened `extra` map (real files carry many), so the
//!   schema allows additional properties but lists the known ones;
//! - every field's doc comment becomes its schema `description`;
//! - every closed set of values is a Rust enum (schema `enum`) holding the values the **runtime** accepts;
//! - schema extension keywords carry what the lint needs and the public schema strips: `x-ignored` (the field
//!   is accepted but pipeline_ex ignores it; the value is the fix) and `x-severity` (`error` when a wrong value
//!   makes the run fail, `info` for harmless findings).
//!
//! [`Pipeline::from_document`] and [`Step::from_node`] build typed values from the spanned tree tolerantly:
//! a field of the wrong type is dropped and reported, never failing the whole conversion.

pub mod catalog;
pub mod claude;
pub mod compose;
pub mod condition;
pub mod control;
pub mod data;
pub mod prompt;
pub(crate) mod shape;
pub mod step;
pub mod workflow;

pub use catalog::{
    ClaudeProvider, PromptRequirement, StepFamily, StepType, StepTypeInfo, SupportLevel, catalog, executable_types,
};
pub use claude::{
    BackoffStrategy, ClaudeOptions, FallbackAction, KnownFallbackAction, OutputFormat, PermissionMode, Preset,
    RetryConfig, StreamHandler,
};
pub use compose::{InlinePipeline, OutputPath, PipelineConfig, PipelineOutput, PipelineStep};
pub use condition::Condition;
pub use control::{
    CheckpointStep, CodebaseQueryStep, ControlStep, ForLoopStep, SetVariableStep, SwitchStep, TestEchoStep,
    VariableScope, WhileLoopStep,
};
pub use data::{
    AggregateFunction, AggregateOp, ConvertFormat, DataTransformStep, FileCheck, FileOperation, FileOpsStep, FilterOp,
    GroupByOp, JoinOp, Lazy, MapExpression, MapOp, SortOp, SortOrder, StreamProcessor, TransformOp,
    TransformOutputFormat,
};
pub use prompt::{
    ClaudeContinueItem, ExtractWith, FileItem, PreviousResponseItem, PromptItem, PromptText, SessionContextItem,
    StaticItem, TextScalar,
};
pub use step::{
    BatchConfig, BatchTask, ClaudeBatchStep, ClaudeExtractStep, ClaudeRobustStep, ClaudeSessionStep, ClaudeSmartStep,
    ClaudeStep, ExtractFormat, ExtractionConfig, GeminiInstructorStep, GeminiStep, ParallelClaudeStep, ParallelTask,
    PostProcessing, Role, SessionConfig, Step, StepCommon, Streaming,
};
pub use workflow::{
    AuthProvider, ClaudeAuth, CostAlerts, DebugLevel, Defaults, Environment, EnvironmentMode, GeminiFunction, Pipeline,
    TokenBudget, Workflow,
};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::node::Node;
use crate::parse::Document;
use crate::path::{Path, Seg};

/// A problem met while building a typed value: where, and what was dropped.
pub type Issue = (Path, String);

impl Pipeline {
    /// Builds the typed pipeline from a parsed document. Values of the wrong type or outside their enum are
    /// dropped (the field becomes `None`, a bad list entry is removed) and reported with their path; unknown
    /// keys go to the `extra` maps. Returns `None` only when the document is empty or not a mapping.
    pub fn from_document(doc: &Document) -> (Option<Pipeline>, Vec<Issue>) {
        match &doc.root {
            Some(root) => convert(crate::schema::annotated(), root, Path::root()),
            None => (None, vec![(Path::root(), "the document is empty".to_string())]),
        }
    }
}

impl Step {
    /// Builds one typed step from its node, tolerantly (see [`Pipeline::from_document`]). Issue paths are
    /// relative to the step. `None` when the node is not a mapping or has no known `type`.
    pub fn from_node(node: &Node) -> (Option<Step>, Vec<Issue>) {
        match crate::schema::definition("Step") {
            Some(schema) => convert(schema, node, Path::root()),
            None => (None, vec![(Path::root(), "internal error: the schema has no Step definition".into())]),
        }
    }
}

/// Checks `node` against `schema`, removes what would make deserialization fail, and deserializes the rest.
fn convert<T: DeserializeOwned>(schema: &'static Value, node: &Node, base: Path) -> (Option<T>, Vec<Issue>) {
    let findings = shape::check(schema, node, &base, shape::Mode::Convert);
    let mut json = crate::value::to_json(node);
    let mut issues = Vec::new();
    let mut removals = Vec::new();
    for f in &findings {
        if let Some(p) = f.removal_path() {
            issues.push((f.path.clone(), f.message()));
            removals.push(p);
        }
    }
    // Deepest / last first, so that removing a list element does not shift the indices of removals still to do.
    removals.sort();
    removals.dedup();
    if removals.first().is_some_and(Path::is_empty) {
        // The node itself is unusable; its finding already says why.
        return (None, issues);
    }
    for p in removals.iter().rev() {
        remove_at(&mut json, p);
    }
    match serde_json::from_value::<T>(json) {
        Ok(v) => (Some(v), issues),
        Err(e) => {
            issues.push((base, format!("could not build the typed model: {e}")));
            (None, issues)
        }
    }
}

/// Removes the value at `path` (a mapping entry or a list element); the root becomes null.
fn remove_at(json: &mut Value, path: &Path) {
    let Some((last, parent)) = path.segments().split_last() else {
        *json = Value::Null;
        return;
    };
    let mut cur = json;
    for seg in parent {
        let next = match (seg, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k),
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match (last, cur) {
        (Seg::Key(k), Value::Object(m)) => {
            m.shift_remove(k);
        }
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Document {
        Document::parse(text).expect("test YAML parses")
    }

    #[test]
    fn converts_a_simple_pipeline() {
        let doc = parse(
            "workflow:\n  name: demo\n  steps:\n    - name: a\n      type: gemini\n      prompt:\n        - type: static\n          content: hi\n      custom_key: 1\n",
        );
        let (p, issues) = Pipeline::from_document(&doc);
        assert!(issues.is_empty(), "{issues:?}");
        let p = p.expect("typed pipeline");
        let wf = p.workflow.expect("workflow");
        let steps = wf.steps.expect("steps");
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].step_type(), StepType::Gemini);
        assert_eq!(steps[0].name(), Some("a"));
        let Step::Gemini(g) = &steps[0] else { panic!("not gemini") };
        assert_eq!(g.extra.get("custom_key"), Some(&Value::from(1)));
        assert_eq!(steps[0].prompt().map(<[PromptItem]>::len), Some(1));
    }

    #[test]
    fn wrong_typed_fields_are_dropped_and_reported() {
        let doc = parse(
            "workflow:\n  name: 123\n  checkpoint_enabled: maybe\n  steps:\n    - name: a\n      type: set_variable\n      scope: local\n      variables: {x: 1}\n    - name: b\n      type: nonsense\n    - name: c\n      type: claude\n      claude_options: {max_turns: 0}\n      prompt: []\n",
        );
        let (p, issues) = Pipeline::from_document(&doc);
        let paths: Vec<String> = issues.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            paths,
            [
                "workflow.name",
                "workflow.checkpoint_enabled",
                "workflow.steps[0].scope",
                "workflow.steps[1].type",
                "workflow.steps[2].claude_options.max_turns"
            ]
        );
        let wf = p.and_then(|p| p.workflow).expect("workflow");
        assert_eq!(wf.name, None);
        let steps = wf.steps.expect("steps");
        // The step with an unknown type is dropped; the others survive with their bad fields removed.
        assert_eq!(steps.iter().map(Step::step_type).collect::<Vec<_>>(), [StepType::SetVariable, StepType::Claude]);
    }

    #[test]
    fn step_from_node() {
        let doc = parse(
            "name: loop\ntype: for_loop\niterator: x\ndata_source: items\nsteps:\n  - name: s\n    type: set_variable\n    variables: {a: 1}\n",
        );
        let (s, issues) = Step::from_node(doc.root.as_ref().expect("root"));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.expect("step");
        assert_eq!(s.body().len(), 1);
        let doc = parse("- 1\n");
        let (s, issues) = Step::from_node(doc.root.as_ref().expect("root"));
        assert!(s.is_none());
        assert_eq!(issues.len(), 1);
    }
}
