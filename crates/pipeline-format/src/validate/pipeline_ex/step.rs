//! Rules B9–B18: what the loader checks on each step, in its order (required fields, type, type-specific
//! fields, prompt, function references). The loader stops at a step's first failure; we carry on with the
//! checks that still make sense (the prompt rules need a known type; the function rules apply to every type).

use crate::node::{Node, NodeKind};
use crate::path::Path;
use crate::validate::suggest::edit_distance;

use super::codes::*;
use super::elixir::{self, lenient};
use super::{Checker, StepOutcome, TEST_STEP_TYPE, UNSUPPORTED_STEP_TYPES};

/// Types whose prompt the loader does not look at in B15–B16 (test_echo only counts once accepted).
const PROMPT_EXEMPT: [&str; 8] = [
    "parallel_claude",
    "set_variable",
    "pipeline",
    "test_echo",
    "for_loop",
    "while_loop",
    "data_transform",
    "file_ops",
];

/// `stream_handler` values the loader accepts when `async_streaming: true`.
const STREAM_HANDLERS: [&str; 6] = ["console", "simple", "debug", "file", "callback", "buffer"];

/// The path of the node being checked, built only when a finding needs it.
type Here<'a> = &'a dyn Fn() -> Path;

const PROMPT_FORMAT: &str = "[{\"type\": \"static\", \"content\": \"...\"}]";

impl Checker<'_> {
    /// B9–B18 for one entry of `workflow.steps`, item `index` of `steps_path`. Paths are built only for
    /// findings: most steps have none.
    pub(super) fn step(&mut self, workflow: &Node, step: &Node, steps_path: &Path, index: usize) -> StepOutcome {
        let path: Here<'_> = &|| steps_path.index(index);
        // B9: a null entry reads as an empty map (`nil["name"]` is nil); anything else but a map raises.
        if !elixir::accessible(step) {
            self.push(
                &path(),
                LOADER_CRASH_STEP_NOT_MAPPING,
                format!("Step entry is {}, not a mapping: pipeline_ex would crash on this file", step.type_name()),
                "Make each item of 'steps' a mapping: '- name: my_step' / 'type: claude' / 'prompt: [...]'",
            );
            return StepOutcome::default();
        }
        let mut outcome = StepOutcome { readable: true, prompt_reported: false };
        let name = step.get("name");
        // B10.
        if step.get_non_null("name").is_none() {
            self.push(
                &path().key("name"),
                STEP_MISSING_NAME,
                "Step missing required 'name' field. Add: name: \"step_name\"",
                "Add 'name: step_name' to this step; later steps refer to its result by this name",
            );
        }
        // B11–B12; the type-specific and prompt rules only make sense for a known type.
        if let Some(step_type) = self.step_type(step, name, path) {
            self.type_specific(step, step_type, name, path);
            outcome.prompt_reported = self.prompt(step, step_type, name, path);
        }
        self.functions(workflow, step, name, path);
        outcome
    }

    /// B11–B12: returns the type when the loader accepts it.
    fn step_type<'s>(&mut self, step: &'s Node, name: Option<&Node>, path: Here<'_>) -> Option<&'s str> {
        let allow = self.allow_test_types;
        let Some(ty) = step.get_non_null("type") else {
            let type_path = path().key("type");
            let supported = super::supported_types_text(allow);
            let hint = format!("Add 'type:' with one of: {supported}");
            self.push_fmt(&type_path, STEP_MISSING_TYPE, &hint, |ex| {
                Ok(format!(
                    "Step '{}' missing required 'type' field. Supported types: {supported}",
                    ex(name, "the step name")?
                ))
            });
            return None;
        };
        if let Some(t) = ty.as_str().filter(|t| super::is_supported_step_type(t, allow)) {
            return Some(t);
        }
        let type_path = path().key("type");
        let supported = super::supported_types_text(allow);
        let (code, hint) = match ty.as_str() {
            Some(t) if UNSUPPORTED_STEP_TYPES.contains(&t) => (UNSUPPORTED_STEP_TYPE, unsupported_hint(t)),
            Some(TEST_STEP_TYPE) => (
                TEST_ONLY_STEP_TYPE,
                "'test_echo' is accepted only when pipeline_ex runs in its test environment (Mix env test); \
                 for a fixed value in a real run use 'set_variable', or validate with test types allowed"
                    .to_string(),
            ),
            Some(t) => (INVALID_STEP_TYPE, invalid_type_hint(t, &supported)),
            None => (INVALID_STEP_TYPE, format!("'type' is {}; write one of: {supported}", ty.type_name())),
        };
        self.push_fmt(&type_path, code, &hint, |ex| {
            Ok(format!(
                "Step '{}' has invalid type '{}'. Supported types: {supported}",
                ex(name, "the step name")?,
                ex(Some(ty), "the step type")?
            ))
        });
        None
    }

    /// B13 (parallel_claude needs `parallel_tasks`) and B14 (claude's async-streaming options).
    fn type_specific(&mut self, step: &Node, step_type: &str, name: Option<&Node>, path: Here<'_>) {
        if step_type == "parallel_claude" && step.get_non_null("parallel_tasks").is_none() {
            self.push_fmt(
                &path().key("parallel_tasks"),
                MISSING_PARALLEL_TASKS,
                "Add 'parallel_tasks:' — a list of tasks, each with 'id' and 'prompt' (an empty list is accepted)",
                |ex| {
                    Ok(format!(
                        "Step '{}' of type 'parallel_claude' missing required 'parallel_tasks' field",
                        ex(name, "the step name")?
                    ))
                },
            );
        }
        if step_type == "claude" {
            self.async_streaming(step, name, path);
        }
    }

    /// B14a–e. The message texts are reconstructed from the loader's tests (no corpus file triggers them).
    fn async_streaming(&mut self, step: &Node, name: Option<&Node>, path: Here<'_>) {
        let Some(opts) = step.get_non_null("claude_options") else {
            return;
        };
        let opts_path = || path().key("claude_options");
        if !opts.is_map() {
            // B14a: `claude_options["async_streaming"]` raises on a non-map.
            self.push(
                &opts_path(),
                LOADER_CRASH_CLAUDE_OPTIONS_NOT_MAPPING,
                format!(
                    "Step '{}' has claude_options that is {}, not a mapping: pipeline_ex would crash on it",
                    lenient(name),
                    opts.type_name()
                ),
                "Make 'claude_options' a mapping of option names to values, e.g. 'claude_options: {max_turns: 5}'",
            );
            return;
        }
        let async_on = match opts.get("async_streaming") {
            None => false,
            Some(v) => match v.kind {
                NodeKind::Null => false,
                NodeKind::Bool(b) => b,
                _ => {
                    self.push_fmt(
                        &opts_path().key("async_streaming"),
                        ASYNC_STREAMING_NOT_BOOLEAN,
                        "Write 'async_streaming: true' or 'async_streaming: false' (unquoted)",
                        |ex| Ok(format!("Step '{}' async_streaming must be a boolean", ex(name, "the step name")?)),
                    );
                    false
                }
            },
        };
        if !async_on {
            return;
        }
        if let Some(handler) = opts.get_non_null("stream_handler")
            && !handler.as_str().is_some_and(|h| STREAM_HANDLERS.contains(&h))
        {
            let list = STREAM_HANDLERS.join(", ");
            let hint = format!("Use one of: {list}");
            self.push_fmt(&opts_path().key("stream_handler"), ASYNC_STREAMING_INVALID_HANDLER, &hint, |ex| {
                Ok(format!("Step '{}' stream_handler must be one of: {list}", ex(name, "the step name")?))
            });
        }
        if let Some(size) = opts.get_non_null("stream_buffer_size") {
            let size_path = opts_path().key("stream_buffer_size");
            let hint = "Use a whole number greater than 0, e.g. 'stream_buffer_size: 100'";
            match size.kind {
                NodeKind::Int(n) if n > 0 => {}
                NodeKind::Int(0) => self.push_fmt(&size_path, ASYNC_STREAMING_BUFFER_SIZE_ZERO, hint, |ex| {
                    Ok(format!("Step '{}' stream_buffer_size must be positive, got: 0", ex(name, "the step name")?))
                }),
                _ => self.push_fmt(&size_path, ASYNC_STREAMING_BUFFER_SIZE_INVALID, hint, |ex| {
                    Ok(format!("Step '{}' stream_buffer_size must be a positive integer", ex(name, "the step name")?))
                }),
            }
        }
    }

    /// B15–B16. Returns whether the prompt's shape (not a list, or holding non-mappings) was reported.
    fn prompt(&mut self, step: &Node, step_type: &str, name: Option<&Node>, path: Here<'_>) -> bool {
        if PROMPT_EXEMPT.contains(&step_type) {
            return false;
        }
        let prompt_path = || path().key("prompt");
        let prompt = step.get_non_null("prompt");
        if step_type == "claude_batch" {
            // B15a: either field will do, and neither is inspected further here.
            if prompt.is_none() && step.get_non_null("tasks").is_none() {
                self.push_fmt(
                    &prompt_path(),
                    CLAUDE_BATCH_MISSING_PROMPT_OR_TASKS,
                    "Add 'tasks:' (a list of {task_id, prompt} or {task_id, file}) or a step-level 'prompt:' list",
                    |ex| {
                        Ok(format!(
                            "Step '{}' of type 'claude_batch' must have either 'prompt' or 'tasks' field",
                            ex(name, "the step name")?
                        ))
                    },
                );
            }
            return false;
        }
        let Some(prompt) = prompt else {
            // B15b.
            self.push_fmt(
                &prompt_path(),
                MISSING_PROMPT,
                "Add a prompt list, e.g. 'prompt: [{type: static, content: \"...\"}]'",
                |ex| {
                    Ok(format!(
                        "Step '{}' missing required 'prompt' field. Add: prompt: {PROMPT_FORMAT}",
                        ex(name, "the step name")?
                    ))
                },
            );
            return false;
        };
        let Some(parts) = prompt.as_seq() else {
            // B15c.
            let hint = if prompt.is_block_scalar() || prompt.as_str().is_some() {
                "Wrap the text in a static part: 'prompt:' / '  - type: static' / '    content: |' followed by the text"
                    .to_string()
            } else {
                format!("'prompt' is {}; make it a list of parts, each with a 'type'", prompt.type_name())
            };
            self.push_fmt(&prompt_path(), PROMPT_NOT_LIST, &hint, |ex| {
                Ok(format!(
                    "Step '{}' prompt must be an array of prompt parts. Format: {PROMPT_FORMAT}",
                    ex(name, "the step name")?
                ))
            });
            return true;
        };
        let mut shape_reported = false;
        for (j, part) in parts.iter().enumerate() {
            shape_reported |= self.prompt_part(part, name, &|| prompt_path().index(j));
        }
        shape_reported
    }

    /// B16 for one part. Returns whether the part is a non-mapping (a loader crash).
    fn prompt_part(&mut self, part: &Node, name: Option<&Node>, path: Here<'_>) -> bool {
        if !elixir::accessible(part) {
            self.part_not_map_crash(&path(), name, part);
            return true;
        }
        let ty = part.get_non_null("type");
        let (field, code, kind) = match ty.and_then(Node::as_str) {
            Some("static") => ("content", PROMPT_PART_MISSING_CONTENT, "static prompt part without content"),
            Some("file") => ("path", PROMPT_PART_MISSING_PATH, "file prompt part without path"),
            Some("previous_response") => {
                ("step", PROMPT_PART_MISSING_STEP, "previous_response prompt part missing 'step' field")
            }
            // The two session types: message text reconstructed in the style of the previous_response one.
            Some("session_context") => {
                ("session_id", PROMPT_PART_MISSING_SESSION_ID, "session_context prompt part missing 'session_id' field")
            }
            Some("claude_continue") => {
                ("session_id", PROMPT_PART_MISSING_SESSION_ID, "claude_continue prompt part missing 'session_id' field")
            }
            _ if ty.is_none() => {
                self.push_fmt(
                    &path().key("type"),
                    PROMPT_PART_MISSING_TYPE,
                    "Add 'type:' with one of: static, file, previous_response, session_context, claude_continue",
                    |ex| Ok(format!("Step '{}' has prompt part without type", ex(name, "the step name")?)),
                );
                return false;
            }
            _ => {
                let hint = "Use one of: static (content), file (path), previous_response (step), \
                            session_context (session_id), claude_continue (session_id)";
                self.push_fmt(&path().key("type"), PROMPT_PART_INVALID_TYPE, hint, |ex| {
                    Ok(format!(
                        "Step '{}' has prompt part with invalid type: {}",
                        ex(name, "the step name")?,
                        ex(ty, "the prompt part type")?
                    ))
                });
                return false;
            }
        };
        if part.get_non_null(field).is_none() {
            let hint = match field {
                "content" => "Add 'content: \"...\"' with the text of this part",
                "path" => "Add 'path: path/to/file' (relative to the directory pipeline_ex runs in)",
                "step" => "Add 'step: <name of an earlier step>' whose result this part inserts",
                _ => "Add 'session_id: ...' naming the Claude session",
            };
            self.push_fmt(&path().key(field), code, hint, |ex| {
                Ok(format!("Step '{}' has {kind}", ex(name, "the step name")?))
            });
        }
        false
    }

    /// B17–B18: `functions` must be a list of names defined in `workflow.gemini_functions` (any step type).
    fn functions(&mut self, workflow: &Node, step: &Node, name: Option<&Node>, path: Here<'_>) {
        let Some(functions) = step.get_non_null("functions") else {
            return;
        };
        let functions_path = path().key("functions");
        let Some(entries) = functions.as_seq() else {
            let hint = format!(
                "'functions' is {}; write a list of names from workflow.gemini_functions, e.g. 'functions: [my_function]'",
                functions.type_name()
            );
            self.push_fmt(&functions_path, FUNCTIONS_NOT_LIST, &hint, |ex| {
                Ok(format!("Step '{}' functions must be a list", ex(name, "the step name")?))
            });
            return;
        };
        // Map keys reach the loader as strings, so only a string entry can match; a non-map
        // `gemini_functions` (already reported) defines nothing.
        let defined: Vec<&str> = workflow
            .get("gemini_functions")
            .and_then(Node::as_map)
            .map_or_else(Vec::new, |m| m.iter().map(|e| e.key_str()).collect());
        for (k, entry) in entries.iter().enumerate() {
            if entry.as_str().is_some_and(|f| defined.contains(&f)) {
                continue;
            }
            let hint = if defined.is_empty() {
                "Define the function under workflow.gemini_functions (with description and parameters), or \
                 remove it from 'functions'"
                    .to_string()
            } else {
                format!(
                    "Defined functions: {}; define it under workflow.gemini_functions or fix the name",
                    defined.join(", ")
                )
            };
            self.push_fmt(&functions_path.index(k), UNDEFINED_FUNCTION, &hint, |ex| {
                Ok(format!(
                    "Step '{}' references undefined function: {}",
                    ex(name, "the step name")?,
                    ex(Some(entry), "the function name")?
                ))
            });
        }
    }
}

/// Why a documented-but-unsupported type is rejected, and what to use instead.
fn unsupported_hint(t: &str) -> String {
    let instead = match t {
        "switch" => "branch with 'condition:' on the steps of each branch",
        "checkpoint" => "set 'checkpoint_enabled: true' on the workflow to save checkpoints",
        "codebase_query" => "use a claude step with read tools to inspect the code",
        "break" | "continue" => "use 'break_condition' / 'continue_condition' on the for_loop",
        _ => "use a 'claude' step",
    };
    format!(
        "'{t}' is described in the pipeline_ex documentation but its loader and runtime do not support it; \
         {instead}"
    )
}

/// For an unknown type: the closest supported one when it looks like a typo, else the list.
fn invalid_type_hint(t: &str, supported: &str) -> String {
    let closest =
        supported.split(", ").map(|s| (edit_distance(t, s), s)).min().filter(|(d, s)| *d <= 2.max(s.len() / 4));
    match closest {
        Some((_, s)) => format!("Did you mean '{s}'? Supported types: {supported}"),
        None => format!("Use one of: {supported}"),
    }
}
