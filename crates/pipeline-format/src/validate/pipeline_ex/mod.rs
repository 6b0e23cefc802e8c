//! The real loader's rules: `Pipeline.Config.validate_workflow/1` of pipeline_ex 0.1.1 (BASEVAL, format
//! reference §5.1, rules B1–B19, edge cases §5.5), reproduced rule for rule.
//!
//! The loader stops at its first failure; we go on and report every problem we can find, but in the
//! loader's order (document and workflow B1–B8, then each step's B9–B18 in step order, then the dependency
//! pass B19), so the first error is always the one pipeline_ex would print, with its exact text. The
//! loader's own messages are kept verbatim; the hint says how to fix. Where the loader would crash (an
//! Elixir exception rather than an error), we report a `loader-crash-*` error that says so.
//!
//! Layout: this file holds the document, workflow and dependency rules; [`step`] the per-step ones;
//! [`elixir`] the bits of Elixir semantics the messages and comparisons depend on; [`codes`] the codes.

pub mod codes;
mod elixir;
mod step;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::node::{Node, NodeKind};
use crate::parse::Document;
use crate::path::Path;

use codes::*;
use elixir::{Unprintable, interpolate, lenient};

/// The 15 step types the loader accepts in production, in the order its message lists them.
pub const PRODUCTION_STEP_TYPES: [&str; 15] = [
    "set_variable",
    "claude",
    "gemini",
    "parallel_claude",
    "gemini_instructor",
    "claude_smart",
    "claude_session",
    "claude_extract",
    "claude_batch",
    "claude_robust",
    "for_loop",
    "while_loop",
    "data_transform",
    "file_ops",
    "pipeline",
];

/// The extra type accepted only when pipeline_ex runs in its test environment (`Mix.env() == :test`).
pub const TEST_STEP_TYPE: &str = "test_echo";

/// Types the pipeline_ex documentation describes but its loader rejects and its runtime does not run.
pub const UNSUPPORTED_STEP_TYPES: [&str; 6] = ["switch", "checkpoint", "codebase_query", "break", "continue", "codex"];

/// Runs the loader's rules on a parsed document. `allow_test_types` accepts `test_echo`, as the loader does
/// only in pipeline_ex's test environment. Every returned diagnostic is an error; the first is the loader's.
pub fn check(doc: &Document, allow_test_types: bool) -> Vec<Diagnostic> {
    let mut checker = Checker { doc, allow_test_types, out: Vec::new() };
    checker.document();
    checker.out
}

/// Whether the loader accepts `t` as a step type.
pub fn is_supported_step_type(t: &str, allow_test_types: bool) -> bool {
    PRODUCTION_STEP_TYPES.contains(&t) || (allow_test_types && t == TEST_STEP_TYPE)
}

/// The loader's "Supported types: …" list (test_echo comes first in the test environment).
pub fn supported_types_text(allow_test_types: bool) -> String {
    let mut types: Vec<&str> = Vec::with_capacity(16);
    if allow_test_types {
        types.push(TEST_STEP_TYPE);
    }
    types.extend(PRODUCTION_STEP_TYPES);
    types.join(", ")
}

/// How a message builder turns a value from the file into text: strictly as Elixir would (so a value it
/// cannot print is detected) or leniently (for our own wording).
type Interp<'a> = &'a dyn Fn(Option<&Node>, &'static str) -> Result<String, Unprintable>;

/// What the checker knows about a step after B9–B18, for the dependency pass.
#[derive(Debug, Clone, Copy, Default)]
struct StepOutcome {
    /// The step is a mapping (or null): the loader can read its fields. False for B9 crashes.
    readable: bool,
    /// Its `prompt` was already reported as not a list or holding non-mappings (B15c / B16 crash), so the
    /// dependency pass must not report the same thing again as a crash.
    prompt_reported: bool,
}

struct Checker<'d> {
    doc: &'d Document,
    allow_test_types: bool,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, path: &Path, code: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.out.push(Diagnostic::error(self.doc, path, code, message).with_hint(hint));
    }

    /// An error whose message interpolates values from the file, as the loader's does. If Elixir could not
    /// print one of them (a mapping used as a name…), the loader raises while building the message; we then
    /// report that crash, quoting the message it meant to give.
    fn push_fmt(
        &mut self,
        path: &Path,
        code: &str,
        hint: &str,
        message: impl Fn(Interp<'_>) -> Result<String, Unprintable>,
    ) {
        match message(&interpolate) {
            Ok(m) => self.push(path, code, m, hint),
            Err(u) => {
                // The lenient interpolation never fails, so this always yields the intended message.
                let intended = message(&|n, _| Ok(lenient(n))).unwrap_or_default();
                self.push(
                    path,
                    LOADER_CRASH_UNPRINTABLE_VALUE,
                    format!(
                        "{} is {}, which pipeline_ex cannot turn into text: it would crash while reporting \
                         this problem: {intended}",
                        capitalize(u.role),
                        u.type_name
                    ),
                    format!("Make {} a plain string, then: {hint}", u.role),
                );
            }
        }
    }

    /// B1–B8, then the steps, then B19.
    fn document(&mut self) {
        let root_path = Path::root();
        let workflow_path = root_path.key("workflow");
        // An empty document is `nil` for the loader: `nil["workflow"]` is nil → B3.
        let workflow = match self.doc.root.as_ref() {
            None => None,
            Some(root) if elixir::accessible(root) => root.get_non_null("workflow"),
            Some(root) => {
                // B1 (list) / B2 (scalar): `config["workflow"]` raises.
                self.push(
                    &root_path,
                    LOADER_CRASH_ROOT_NOT_MAPPING,
                    format!(
                        "The document is {}, not a mapping: pipeline_ex would crash on this file (it reads \
                         the 'workflow' key of the top-level mapping)",
                        root.type_name()
                    ),
                    "Make the top level a mapping with a single 'workflow' key: workflow: {name: ..., steps: [...]}",
                );
                return;
            }
        };
        let Some(workflow) = workflow else {
            self.push(
                &workflow_path,
                MISSING_WORKFLOW,
                "Configuration missing required 'workflow' section. Expected format: {\"workflow\": {...}}",
                "Put the pipeline under a top-level 'workflow:' key holding its 'name' and 'steps'",
            );
            return;
        };
        if !workflow.is_map() {
            // B2: `workflow["name"]` raises on a string, number, boolean or list.
            self.push(
                &workflow_path,
                LOADER_CRASH_WORKFLOW_NOT_MAPPING,
                format!("'workflow' is {}, not a mapping: pipeline_ex would crash on this file", workflow.type_name()),
                "Make 'workflow' a mapping with 'name' and 'steps' keys",
            );
            return;
        }
        self.workflow_fields(workflow, &workflow_path);
        self.gemini_functions(workflow, &workflow_path);
        let steps_path = workflow_path.key("steps");
        let Some(steps) = workflow.get_non_null("steps").and_then(Node::as_seq) else {
            return;
        };
        let mut outcomes: Vec<StepOutcome> = Vec::with_capacity(steps.len());
        outcomes.extend(steps.iter().enumerate().map(|(i, s)| self.step(workflow, s, &steps_path, i)));
        self.dependencies(steps, &outcomes, &steps_path);
    }

    /// B4–B6.
    fn workflow_fields(&mut self, workflow: &Node, path: &Path) {
        if workflow.get_non_null("name").is_none() {
            self.push(
                &path.key("name"),
                MISSING_WORKFLOW_NAME,
                "Workflow missing required 'name' field. Add: name: \"your_workflow_name\"",
                "Add 'name: your_workflow_name' under 'workflow:' (any non-null value is accepted)",
            );
        }
        let steps_path = path.key("steps");
        const STEPS_MESSAGE: &str = "Workflow missing required 'steps' array. Expected format: steps: \
                                     [{\"name\": \"step1\", \"type\": \"claude\", ...}]";
        match workflow.get_non_null("steps") {
            None => self.push(
                &steps_path,
                MISSING_STEPS,
                STEPS_MESSAGE,
                "Add a 'steps:' list under 'workflow:', each item a mapping with 'name' and 'type'",
            ),
            Some(steps) if !steps.is_seq() => {
                let hint = format!(
                    "'steps' is {}; make it a list ('- name: ...' items), one mapping per step",
                    steps.type_name()
                );
                self.push(&steps_path, STEPS_NOT_LIST, STEPS_MESSAGE, hint);
            }
            Some(steps) if steps.as_seq().is_some_and(<[Node]>::is_empty) => self.push(
                &steps_path,
                EMPTY_STEPS,
                "Workflow must contain at least one step. Add at least one step to the 'steps' array",
                "Add at least one step, e.g. '- name: first' / 'type: claude' / 'prompt: [...]'",
            ),
            Some(_) => {}
        }
    }

    /// B7–B8. Elixir iterates a map of up to 32 keys in key order (bytewise for strings), not in file order;
    /// we use key order for any size (larger maps iterate in hash order, which cannot be reproduced).
    fn gemini_functions(&mut self, workflow: &Node, workflow_path: &Path) {
        let path = workflow_path.key("gemini_functions");
        let Some(functions) = workflow.get_non_null("gemini_functions") else {
            return;
        };
        let Some(entries) = functions.as_map() else {
            let hint = format!(
                "'gemini_functions' is {}; make it a mapping from function name to its definition \
                 (description, parameters)",
                functions.type_name()
            );
            self.push(&path, GEMINI_FUNCTIONS_NOT_MAP, "gemini_functions must be a map of function definitions", hint);
            return;
        };
        let mut entries: Vec<_> = entries.iter().collect();
        entries.sort_by(|a, b| a.key_str().as_bytes().cmp(b.key_str().as_bytes()));
        for entry in entries {
            let name = entry.key_str();
            let def_path = path.key(name);
            let def = &entry.value;
            if !def.is_map() {
                self.push(
                    &def_path,
                    GEMINI_FUNCTIONS_DEFINITION_NOT_MAP,
                    format!("Function '{name}' definition must be a map"),
                    format!("Give '{name}' a mapping with 'description' and 'parameters' (a JSON Schema object)"),
                );
                continue;
            }
            if def.get_non_null("description").is_none() {
                self.push(
                    &def_path.key("description"),
                    GEMINI_FUNCTIONS_MISSING_DESCRIPTION,
                    format!("Function '{name}' missing 'description' field"),
                    format!("Add 'description: ...' to function '{name}'"),
                );
            }
            match def.get_non_null("parameters") {
                None => self.push(
                    &def_path.key("parameters"),
                    GEMINI_FUNCTIONS_MISSING_PARAMETERS,
                    format!("Function '{name}' missing 'parameters' field"),
                    format!(
                        "Add 'parameters: {{type: object, properties: {{...}}, required: [...]}}' to function '{name}'"
                    ),
                ),
                Some(p) if !p.is_map() => self.push(
                    &def_path.key("parameters"),
                    GEMINI_FUNCTIONS_PARAMETERS_NOT_MAP,
                    format!("Function '{name}' parameters must be a map"),
                    format!(
                        "'parameters' of '{name}' is {}; make it a JSON Schema object mapping \
                         (type: object, properties: ...)",
                        p.type_name()
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    /// B19 (and B19x): every `previous_response` prompt part must name a top-level step. The loader runs
    /// this pass only when every step passed B9–B18; we run it regardless, after all step findings, so the
    /// first error stays the loader's.
    fn dependencies(&mut self, steps: &[Node], outcomes: &[StepOutcome], steps_path: &Path) {
        let readable = || steps.iter().zip(outcomes).filter(|(_, o)| o.readable);
        let names: Vec<&Node> = readable().filter_map(|(s, _)| s.get("name")).collect();
        // `same_value` with a string is string equality: string names are looked up in a set, the rare other
        // names (numbers, lists…) by a scan.
        let mut string_names: HashSet<&str> = HashSet::with_capacity(names.len());
        string_names.extend(names.iter().filter_map(|n| n.as_str()));
        let other_names: Vec<&Node> = names.iter().copied().filter(|n| n.as_str().is_none()).collect();
        let is_known = |t: &Node| match t.as_str() {
            Some(s) => string_names.contains(s),
            None => other_names.iter().any(|n| elixir::same_value(n, t)),
        };
        for (i, (step, outcome)) in steps.iter().zip(outcomes).enumerate() {
            if !outcome.readable {
                continue;
            }
            let prompt_path = || steps_path.index(i).key("prompt");
            let name = step.get("name");
            // `step["prompt"] || []`: nil and false become an empty list.
            let parts: &[Node] = match step.get("prompt") {
                Some(p) if elixir::truthy(p) => match &p.kind {
                    NodeKind::Seq(items) => items,
                    // Enumerating an empty map yields nothing; a non-empty one yields tuples, and
                    // `tuple["type"]` raises.
                    NodeKind::Map(entries) if entries.is_empty() => &[],
                    _ => {
                        if !outcome.prompt_reported {
                            self.prompt_not_list_crash(&prompt_path(), name, p);
                        }
                        continue;
                    }
                },
                _ => &[],
            };
            let mut invalid: Vec<(usize, Option<&Node>)> = Vec::new();
            let mut crashed = false;
            for (j, part) in parts.iter().enumerate() {
                if !elixir::accessible(part) {
                    if !outcome.prompt_reported && !crashed {
                        self.part_not_map_crash(&prompt_path().index(j), name, part);
                    }
                    crashed = true;
                    continue;
                }
                if part.get("type").and_then(Node::as_str) != Some("previous_response") {
                    continue;
                }
                let target = part.get("step").filter(|n| !n.is_null());
                let known = target.is_some_and(is_known);
                if !known {
                    invalid.push((j, target));
                }
            }
            let Some(&(first, _)) = invalid.first() else {
                continue;
            };
            let hint =
                format!("A 'previous_response' part must name a top-level step; known steps: {}", known_names(&names));
            self.push_fmt(&prompt_path().index(first).key("step"), UNKNOWN_STEP_REFERENCE, &hint, |ex| {
                let refs: Result<Vec<String>, Unprintable> =
                    invalid.iter().map(|(_, t)| ex(*t, "the referenced step name")).collect();
                Ok(format!("Step '{}' references non-existent steps: {}", ex(name, "the step name")?, refs?.join(", ")))
            });
        }
    }

    /// B19x for a prompt that is neither a list, nil, false nor an empty mapping.
    fn prompt_not_list_crash(&mut self, path: &Path, name: Option<&Node>, prompt: &Node) {
        self.push(
            path,
            LOADER_CRASH_PROMPT_NOT_LIST,
            format!(
                "Step '{}' has a prompt that is {}, not a list: pipeline_ex would crash on it while checking \
                 previous_response references",
                lenient(name),
                prompt.type_name()
            ),
            "Write the prompt as a list of parts: prompt: [{type: static, content: \"...\"}]",
        );
    }

    /// B16 / B19x for a prompt part that is a string, number, boolean or list.
    fn part_not_map_crash(&mut self, path: &Path, name: Option<&Node>, part: &Node) {
        self.push(
            path,
            LOADER_CRASH_PROMPT_PART_NOT_MAPPING,
            format!(
                "Step '{}' has a prompt part that is {}, not a mapping: pipeline_ex would crash on it",
                lenient(name),
                part.type_name()
            ),
            "Write each prompt part as a mapping with a 'type', e.g. '- type: static' / 'content: \"...\"'",
        );
    }
}

/// The step names for a hint, as the user wrote them.
fn known_names(names: &[&Node]) -> String {
    let shown: Vec<String> = names.iter().take(12).map(|n| lenient(Some(n))).collect();
    let more = if names.len() > shown.len() { ", …" } else { "" };
    if shown.is_empty() { "none".into() } else { format!("{}{more}", shown.join(", ")) }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
