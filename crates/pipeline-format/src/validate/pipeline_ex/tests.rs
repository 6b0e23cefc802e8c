//! Rule-by-rule tests of the `pipeline_ex` level: one table row per edge case of the format reference §5.5
//! (BASEVAL column) and per rule B1–B19, each a small YAML input with the expected verdict, first code,
//! message fragment and, for some, the line:column of the first diagnostic. The corpus test
//! (`tests/corpus_verdicts.rs`) covers whole real files.

use super::check;
use super::codes::*;
use crate::parse::Document;

/// A workflow named `w` whose steps are the given lines (the first step is on line 4).
macro_rules! wf {
    ($($steps:literal),* $(,)?) => {
        concat!("workflow:\n  name: w\n  steps:\n", $($steps, "\n"),*)
    };
}

struct Case {
    what: &'static str,
    yaml: &'static str,
    /// Validate as pipeline_ex's test environment (test_echo accepted).
    test_env: bool,
    /// `None`: valid. `Some((code, fragment))`: the first error's code and a fragment of its message.
    first: Option<(&'static str, &'static str)>,
    /// 1-based line and column where the first error starts, when the case pins it.
    at: Option<(usize, usize)>,
}

const fn pass(what: &'static str, yaml: &'static str) -> Case {
    Case { what, yaml, test_env: false, first: None, at: None }
}

const fn fail(what: &'static str, yaml: &'static str, code: &'static str, fragment: &'static str) -> Case {
    Case { what, yaml, test_env: false, first: Some((code, fragment)), at: None }
}

impl Case {
    const fn at(mut self, line: usize, col: usize) -> Case {
        self.at = Some((line, col));
        self
    }

    const fn in_test_env(mut self) -> Case {
        self.test_env = true;
        self
    }
}

/// §5.5, BASEVAL column, row by row (C = a `loader-crash-*` error here).
const EDGE_CASES: &[Case] = &[
    fail("root is a list", "- a\n- b\n", LOADER_CRASH_ROOT_NOT_MAPPING, "would crash").at(1, 1),
    fail("root is a scalar", "hello\n", LOADER_CRASH_ROOT_NOT_MAPPING, "is a string, not a mapping"),
    fail("workflow is a string", "workflow: abc\n", LOADER_CRASH_WORKFLOW_NOT_MAPPING, "would crash").at(1, 11),
    fail("empty file", "", MISSING_WORKFLOW, "Configuration missing required 'workflow' section").at(1, 1),
    pass("workflow name 123", "workflow:\n  name: 123\n  steps:\n    - {name: a, type: set_variable}\n"),
    pass("empty names are names", "workflow:\n  name: ''\n  steps:\n    - {name: '', type: set_variable}\n"),
    fail(
        "steps is a mapping",
        "workflow:\n  name: w\n  steps: {a: 1}\n",
        STEPS_NOT_LIST,
        "missing required 'steps' array",
    )
    .at(3, 10),
    fail("steps is null", "workflow:\n  name: w\n  steps:\n", MISSING_STEPS, "missing required 'steps' array").at(3, 3),
    fail("steps is empty", "workflow:\n  name: w\n  steps: []\n", EMPTY_STEPS, "must contain at least one step"),
    fail("step entry is a string", wf!("    - just_a_string"), LOADER_CRASH_STEP_NOT_MAPPING, "is a string").at(4, 7),
    fail("step entry is null", wf!("    -"), STEP_MISSING_NAME, "Step missing required 'name' field"),
    pass("duplicate step names", wf!("    - {name: a, type: set_variable}", "    - {name: a, type: set_variable}")),
    fail("type switch", wf!("    - {name: a, type: switch}"), UNSUPPORTED_STEP_TYPE, "has invalid type 'switch'")
        .at(4, 23),
    fail("type 5", wf!("    - {name: a, type: 5}"), INVALID_STEP_TYPE, "Step 'a' has invalid type '5'"),
    fail("step without name", wf!("    - {type: set_variable}"), STEP_MISSING_NAME, "missing required 'name'").at(4, 7),
    fail("step without type", wf!("    - {name: a}"), STEP_MISSING_TYPE, "Step 'a' missing required 'type' field"),
    fail(
        "prompt part is a string",
        wf!("    - name: a", "      type: claude", "      prompt: [hello]"),
        LOADER_CRASH_PROMPT_PART_NOT_MAPPING,
        "would crash",
    )
    .at(6, 16),
    fail(
        "prompt part type dynamic",
        wf!("    - {name: a, type: claude, prompt: [{type: dynamic, content: x}]}"),
        PROMPT_PART_INVALID_TYPE,
        "Step 'a' has prompt part with invalid type: dynamic",
    ),
    fail(
        "previous_response to an unknown step",
        wf!("    - {name: a, type: claude, prompt: [{type: previous_response, step: ghost}]}"),
        UNKNOWN_STEP_REFERENCE,
        "Step 'a' references non-existent steps: ghost",
    ),
    pass(
        "previous_response to a later step and to itself",
        wf!(
            "    - {name: a, type: claude, prompt: [{type: previous_response, step: b}, {type: previous_response, step: a}]}",
            "    - {name: b, type: claude, prompt: [{type: static, content: hi}]}",
        ),
    ),
    fail(
        "functions is a scalar",
        wf!("    - {name: a, type: gemini, prompt: [{type: static, content: x}], functions: f1}"),
        FUNCTIONS_NOT_LIST,
        "Step 'a' functions must be a list",
    ),
    fail(
        "undefined function",
        wf!("    - {name: a, type: gemini, prompt: [{type: static, content: x}], functions: [f1]}"),
        UNDEFINED_FUNCTION,
        "Step 'a' references undefined function: f1",
    ),
    fail(
        "gemini_functions is a list",
        "workflow:\n  name: w\n  gemini_functions: [f]\n  steps:\n    - {name: a, type: set_variable}\n",
        GEMINI_FUNCTIONS_NOT_MAP,
        "gemini_functions must be a map of function definitions",
    ),
    fail(
        "function without description",
        "workflow:\n  name: w\n  gemini_functions:\n    f: {parameters: {type: object}}\n  steps:\n    - {name: a, type: set_variable}\n",
        GEMINI_FUNCTIONS_MISSING_DESCRIPTION,
        "Function 'f' missing 'description' field",
    ),
    fail(
        "function parameters as a list",
        "workflow:\n  name: w\n  gemini_functions:\n    f: {description: d, parameters: [a]}\n  steps:\n    - {name: a, type: set_variable}\n",
        GEMINI_FUNCTIONS_PARAMETERS_NOT_MAP,
        "Function 'f' parameters must be a map",
    ),
    fail(
        "claude async_streaming yes",
        wf!("    - {name: a, type: claude, prompt: [], claude_options: {async_streaming: 'yes'}}"),
        ASYNC_STREAMING_NOT_BOOLEAN,
        "async_streaming must be a boolean",
    ),
    pass(
        "stream_handler simple with async on",
        wf!(
            "    - {name: a, type: claude, prompt: [], claude_options: {async_streaming: true, stream_handler: simple}}"
        ),
    ),
    pass(
        "stream_handler web with async off",
        wf!("    - {name: a, type: claude, prompt: [], claude_options: {stream_handler: web}}"),
    ),
    fail(
        "stream_buffer_size 0",
        wf!(
            "    - {name: a, type: claude, prompt: [], claude_options: {async_streaming: true, stream_buffer_size: 0}}"
        ),
        ASYNC_STREAMING_BUFFER_SIZE_ZERO,
        "stream_buffer_size must be positive, got: 0",
    ),
    fail(
        "stream_buffer_size -3",
        wf!(
            "    - {name: a, type: claude, prompt: [], claude_options: {async_streaming: true, stream_buffer_size: -3}}"
        ),
        ASYNC_STREAMING_BUFFER_SIZE_INVALID,
        "stream_buffer_size must be a positive integer",
    ),
    fail(
        "parallel_claude without parallel_tasks",
        wf!("    - {name: a, type: parallel_claude}"),
        MISSING_PARALLEL_TASKS,
        "Step 'a' of type 'parallel_claude' missing required 'parallel_tasks' field",
    ),
    pass(
        "parallel_claude with empty parallel_tasks",
        wf!("    - {name: a, type: parallel_claude, parallel_tasks: []}"),
    ),
    fail(
        "claude_batch without prompt or tasks",
        wf!("    - {name: a, type: claude_batch}"),
        CLAUDE_BATCH_MISSING_PROMPT_OR_TASKS,
        "Step 'a' of type 'claude_batch' must have either 'prompt' or 'tasks' field",
    ),
    pass("claude_batch with tasks only", wf!("    - {name: a, type: claude_batch, tasks: [{prompt: hi}]}")),
    fail(
        "set_variable with a string prompt",
        wf!("    - {name: a, type: set_variable, prompt: oops}"),
        LOADER_CRASH_PROMPT_NOT_LIST,
        "would crash",
    )
    .at(4, 45),
    fail(
        "claude_batch with a string prompt",
        wf!("    - {name: a, type: claude_batch, prompt: oops}"),
        LOADER_CRASH_PROMPT_NOT_LIST,
        "Step 'a' has a prompt that is a string",
    ),
    fail(
        "parallel_claude with a string prompt",
        wf!("    - {name: a, type: parallel_claude, parallel_tasks: [], prompt: oops}"),
        LOADER_CRASH_PROMPT_NOT_LIST,
        "would crash",
    ),
    fail(
        "claude_options is a string",
        wf!("    - {name: a, type: claude, prompt: [], claude_options: abc}"),
        LOADER_CRASH_CLAUDE_OPTIONS_NOT_MAPPING,
        "would crash",
    ),
    pass(
        "for_loop body with a nonsense type",
        wf!("    - {name: a, type: for_loop, iterator: x, data_source: d, steps: [{name: b, type: nonsense}]}"),
    ),
    fail(
        "claude with a string prompt",
        wf!("    - name: a", "      type: claude", "      prompt: |", "        hi"),
        PROMPT_NOT_LIST,
        "Step 'a' prompt must be an array of prompt parts",
    )
    .at(6, 7),
    fail(
        "claude without prompt",
        wf!("    - {name: a, type: claude}"),
        MISSING_PROMPT,
        "Step 'a' missing required 'prompt' field",
    ),
    fail(
        "static without content",
        wf!("    - {name: a, type: claude, prompt: [{type: static}]}"),
        PROMPT_PART_MISSING_CONTENT,
        "Step 'a' has static prompt part without content",
    ),
    fail(
        "file without path",
        wf!("    - {name: a, type: claude, prompt: [{type: file}]}"),
        PROMPT_PART_MISSING_PATH,
        "Step 'a' has file prompt part without path",
    ),
    fail(
        "session_context without session_id",
        wf!("    - {name: a, type: claude_session, prompt: [{type: session_context}]}"),
        PROMPT_PART_MISSING_SESSION_ID,
        "session_context prompt part",
    ),
    fail(
        "claude_continue without session_id",
        wf!("    - {name: a, type: claude, prompt: [{type: claude_continue, new_prompt: more}]}"),
        PROMPT_PART_MISSING_SESSION_ID,
        "claude_continue prompt part",
    ),
    fail(
        "part without type",
        wf!("    - {name: a, type: claude, prompt: [{content: x}]}"),
        PROMPT_PART_MISSING_TYPE,
        "Step 'a' has prompt part without type",
    ),
    pass("static with content 5", wf!("    - {name: a, type: claude, prompt: [{type: static, content: 5}]}")),
    pass("empty prompt list", wf!("    - {name: a, type: claude, prompt: []}")),
    pass(
        "integer step name referenced by integer step",
        wf!(
            "    - {name: 1, type: set_variable}",
            "    - {name: b, type: claude, prompt: [{type: previous_response, step: 1}]}"
        ),
    ),
    pass("claude_smart preset test", wf!("    - {name: a, type: claude_smart, preset: test, prompt: []}")),
    pass("claude_session without session_config", wf!("    - {name: a, type: claude_session, prompt: []}")),
    pass(
        "claude_robust retry_config outside ENHVAL's range",
        wf!(
            "    - {name: a, type: claude_robust, prompt: [], retry_config: {max_retries: 0, backoff_strategy: fixed}}"
        ),
    ),
    pass(
        "claude_extract format xml",
        wf!("    - {name: a, type: claude_extract, prompt: [], extraction_config: {format: xml}}"),
    ),
    pass("claude_batch task with task_id only", wf!("    - {name: a, type: claude_batch, tasks: [{task_id: t}]}")),
    pass(
        "claude output_format and permission_mode spellings",
        wf!(
            "    - {name: a, type: claude, prompt: [], claude_options: {output_format: stream-json, permission_mode: acceptEdits}}"
        ),
    ),
    pass(
        "workflow-level blocks only ENHVAL checks",
        "workflow:\n  name: w\n  claude_auth: {provider: openai}\n  environment: {mode: staging, cost_alerts: {threshold_usd: '10'}}\n  defaults: [1]\n  steps:\n    - {name: a, type: set_variable}\n",
    ),
    pass(
        "previous_response options ENHVAL rejects",
        wf!(
            "    - {name: b, type: claude, prompt: [{type: static, content: hi}]}",
            "    - {name: a, type: claude, prompt: [{type: previous_response, step: b, extract_with: regex, max_length: 0}]}",
        ),
    ),
    pass(
        "claude_options ENHVAL rejects",
        wf!(
            "    - {name: a, type: claude, prompt: [], claude_options: {max_turns: 0, allowed_tools: Read, mcp_config: {a: 1}}}"
        ),
    ),
    pass("condition with an unknown key", wf!("    - {name: a, type: set_variable, condition: {foo: bar}}")),
    fail(
        "test_echo in the normal environment",
        wf!("    - {name: a, type: test_echo}"),
        TEST_ONLY_STEP_TYPE,
        "invalid type 'test_echo'",
    ),
    pass("test_echo in the test environment", wf!("    - {name: a, type: test_echo}")).in_test_env(),
];

/// Rules B1–B19 not already covered by a §5.5 row, plus the ordering and crash-reporting behaviours.
const RULE_CASES: &[Case] = &[
    // B3: `workflow: null` is the same as absent.
    fail("workflow null", "workflow:\nother: 1\n", MISSING_WORKFLOW, "Expected format: {\"workflow\": {...}}").at(1, 1),
    fail("document is only a comment", "# nothing\n", MISSING_WORKFLOW, "missing required 'workflow'"),
    fail("workflow is a list", "workflow: [a]\n", LOADER_CRASH_WORKFLOW_NOT_MAPPING, "'workflow' is a list"),
    // B4.
    fail(
        "workflow without name",
        "workflow:\n  steps:\n    - {name: a, type: set_variable}\n",
        MISSING_WORKFLOW_NAME,
        "Workflow missing required 'name' field. Add: name: \"your_workflow_name\"",
    )
    // A missing key is reported at its parent's key.
    .at(1, 1),
    // B4 comes before B5.
    fail("workflow with neither name nor steps", "workflow:\n  x: 1\n", MISSING_WORKFLOW_NAME, "'name' field"),
    // B5: the full message.
    fail(
        "steps is a string",
        "workflow:\n  name: w\n  steps: abc\n",
        STEPS_NOT_LIST,
        "Workflow missing required 'steps' array. Expected format: steps: [{\"name\": \"step1\", \"type\": \"claude\", ...}]",
    ),
    // B6: the full message.
    fail(
        "steps is an empty block list",
        "workflow:\n  name: w\n  steps: []\n",
        EMPTY_STEPS,
        "Workflow must contain at least one step. Add at least one step to the 'steps' array",
    ),
    // B7 runs before the steps.
    fail(
        "gemini_functions scalar before a step error",
        "workflow:\n  name: w\n  gemini_functions: x\n  steps:\n    - {type: claude}\n",
        GEMINI_FUNCTIONS_NOT_MAP,
        "gemini_functions must be a map",
    ),
    // B8, each check; functions are checked in key order, not file order.
    fail(
        "function definition not a map",
        "workflow:\n  name: w\n  gemini_functions: {f: 1}\n  steps:\n    - {name: a, type: set_variable}\n",
        GEMINI_FUNCTIONS_DEFINITION_NOT_MAP,
        "Function 'f' definition must be a map",
    ),
    fail(
        "function without parameters",
        "workflow:\n  name: w\n  gemini_functions: {f: {description: d}}\n  steps:\n    - {name: a, type: set_variable}\n",
        GEMINI_FUNCTIONS_MISSING_PARAMETERS,
        "Function 'f' missing 'parameters' field",
    ),
    fail(
        "functions checked in key order",
        "workflow:\n  name: w\n  gemini_functions:\n    zeta: {description: d}\n    alpha: 1\n  steps:\n    - {name: a, type: set_variable}\n",
        GEMINI_FUNCTIONS_DEFINITION_NOT_MAP,
        "Function 'alpha'",
    )
    .at(5, 12),
    // B9 for a number and a list.
    fail("step entry is a number", wf!("    - 5"), LOADER_CRASH_STEP_NOT_MAPPING, "is an integer"),
    fail("step entry is a list", wf!("    - [a]"), LOADER_CRASH_STEP_NOT_MAPPING, "is a list"),
    // B10: `name: null` counts as missing; `name: false` does not.
    fail("step name null", wf!("    - {name: ~, type: set_variable}"), STEP_MISSING_NAME, "Add: name: \"step_name\""),
    pass("step name false", wf!("    - {name: false, type: set_variable}")),
    // B11 message lists the supported types.
    fail(
        "missing type lists types",
        wf!("    - {name: a}"),
        STEP_MISSING_TYPE,
        "Supported types: set_variable, claude, gemini, parallel_claude, gemini_instructor, claude_smart, claude_session, claude_extract, claude_batch, claude_robust, for_loop, while_loop, data_transform, file_ops, pipeline",
    ),
    // B12: a typo, the documented-but-unsupported types, test_echo listed first in the test env.
    fail("typo in type", wf!("    - {name: a, type: cluade}"), INVALID_STEP_TYPE, "Step 'a' has invalid type 'cluade'"),
    fail("type codebase_query", wf!("    - {name: a, type: codebase_query}"), UNSUPPORTED_STEP_TYPE, "'codebase_query'"),
    fail("type checkpoint", wf!("    - {name: a, type: checkpoint}"), UNSUPPORTED_STEP_TYPE, "'checkpoint'"),
    fail("type codex", wf!("    - {name: a, type: codex}"), UNSUPPORTED_STEP_TYPE, "'codex'"),
    fail("type break", wf!("    - {name: a, type: break}"), UNSUPPORTED_STEP_TYPE, "'break'"),
    fail("type true", wf!("    - {name: a, type: true}"), INVALID_STEP_TYPE, "invalid type 'true'"),
    fail("type is a list of text", wf!("    - {name: a, type: [cla, ude]}"), INVALID_STEP_TYPE, "invalid type 'claude'"),
    fail("test env lists test_echo first", wf!("    - {name: a, type: nope}"), INVALID_STEP_TYPE, "Supported types: test_echo, set_variable")
        .in_test_env(),
    // Where Elixir cannot interpolate the value, the loader crashes building its message.
    fail("type is a mapping", wf!("    - {name: a, type: {x: 1}}"), LOADER_CRASH_UNPRINTABLE_VALUE, "The step type is a mapping"),
    fail(
        "name is a mapping and the step is invalid",
        wf!("    - {name: {x: 1}, type: claude}"),
        LOADER_CRASH_UNPRINTABLE_VALUE,
        "missing required 'prompt'",
    ),
    pass("name is a mapping and the step is valid", wf!("    - {name: {x: 1}, type: set_variable}")),
    // B13 comes before B17 on the same step.
    fail(
        "parallel_claude errors in rule order",
        wf!("    - {name: a, type: parallel_claude, functions: x}"),
        MISSING_PARALLEL_TASKS,
        "parallel_tasks",
    ),
    // B14: async checks only on claude, only when enabled; a non-string handler fails.
    fail(
        "stream_handler invalid with async on",
        wf!("    - {name: a, type: claude, prompt: [], claude_options: {async_streaming: true, stream_handler: web}}"),
        ASYNC_STREAMING_INVALID_HANDLER,
        "Step 'a' stream_handler must be one of: console, simple, debug, file, callback, buffer",
    ),
    fail(
        "stream_buffer_size float",
        wf!("    - {name: a, type: claude, prompt: [], claude_options: {async_streaming: true, stream_buffer_size: 1.5}}"),
        ASYNC_STREAMING_BUFFER_SIZE_INVALID,
        "positive integer",
    ),
    pass(
        "async options ignored on claude_smart",
        wf!("    - {name: a, type: claude_smart, prompt: [], claude_options: {async_streaming: maybe}}"),
    ),
    pass("claude_options null", wf!("    - {name: a, type: claude, prompt: [], claude_options: ~}")),
    fail(
        "claude_options is a list",
        wf!("    - {name: a, type: claude, prompt: [], claude_options: []}"),
        LOADER_CRASH_CLAUDE_OPTIONS_NOT_MAPPING,
        "is a list",
    ),
    // B14 comes before B15.
    fail(
        "async error before missing prompt",
        wf!("    - {name: a, type: claude, claude_options: {async_streaming: 1}}"),
        ASYNC_STREAMING_NOT_BOOLEAN,
        "async_streaming",
    ),
    // B15: claude_batch's prompt is not inspected; a mapping prompt is not a list.
    pass("claude_batch prompt not inspected", wf!("    - {name: a, type: claude_batch, prompt: [{type: nonsense}]}")),
    fail("prompt is a mapping", wf!("    - {name: a, type: gemini, prompt: {type: static}}"), PROMPT_NOT_LIST, "array of prompt parts"),
    fail("prompt false", wf!("    - {name: a, type: gemini, prompt: false}"), PROMPT_NOT_LIST, "array of prompt parts"),
    // B16: the first bad part in order; a null part has no type.
    fail(
        "null prompt part",
        wf!("    - name: a", "      type: claude", "      prompt:", "        -", "        - {type: file}"),
        PROMPT_PART_MISSING_TYPE,
        "without type",
    ),
    fail(
        "previous_response without step",
        wf!("    - {name: a, type: claude, prompt: [{type: previous_response}]}"),
        PROMPT_PART_MISSING_STEP,
        "Step 'a' has previous_response prompt part missing 'step' field",
    ),
    fail(
        "prompt part type is a number",
        wf!("    - {name: a, type: claude, prompt: [{type: 7}]}"),
        PROMPT_PART_INVALID_TYPE,
        "invalid type: 7",
    ),
    // B17/B18 apply to every type; without gemini_functions every name is undefined.
    fail(
        "functions on set_variable",
        wf!("    - {name: a, type: set_variable, functions: [f]}"),
        UNDEFINED_FUNCTION,
        "references undefined function: f",
    ),
    pass(
        "defined function",
        "workflow:\n  name: w\n  gemini_functions:\n    f: {description: d, parameters: {type: object}}\n  steps:\n    - {name: a, type: gemini, prompt: [], functions: [f]}\n",
    ),
    // B18: the number 1 is not the key "1" (keys reach the loader as strings).
    fail(
        "function name as a number",
        "workflow:\n  name: w\n  gemini_functions:\n    '1': {description: d, parameters: {}}\n  steps:\n    - {name: a, type: gemini, prompt: [], functions: [1]}\n",
        UNDEFINED_FUNCTION,
        "undefined function: 1",
    ),
    // B19: all unknown references of a step in one message, at the first one.
    fail(
        "several unknown references",
        wf!("    - {name: a, type: claude, prompt: [{type: previous_response, step: x}, {type: static, content: c}, {type: previous_response, step: y}]}"),
        UNKNOWN_STEP_REFERENCE,
        "Step 'a' references non-existent steps: x, y",
    )
    .at(4, 72),
    // B19 compares values strictly: the string "1" is not the step named 1.
    fail(
        "string reference to an integer name",
        wf!("    - {name: 1, type: set_variable}", "    - {name: b, type: claude, prompt: [{type: previous_response, step: '1'}]}"),
        UNKNOWN_STEP_REFERENCE,
        "non-existent steps: 1",
    ),
    // B19 on exempt types: prompts are not validated but references are; a missing `step` renders empty.
    fail(
        "set_variable prompt with an unknown reference",
        wf!("    - {name: a, type: set_variable, prompt: [{type: previous_response}]}"),
        UNKNOWN_STEP_REFERENCE,
        "Step 'a' references non-existent steps: ",
    ),
    // B19 runs only after every step passed B9–B18: a later step's error comes first.
    fail(
        "step errors before dependency errors",
        wf!("    - {name: a, type: claude, prompt: [{type: previous_response, step: ghost}]}", "    - {name: b, type: claude}"),
        MISSING_PROMPT,
        "Step 'b' missing required 'prompt'",
    )
    .at(5, 7),
    // B19x: `prompt || []` keeps false out; an empty mapping enumerates to nothing; other shapes crash.
    pass("set_variable prompt false", wf!("    - {name: a, type: set_variable, prompt: false}")),
    pass("set_variable prompt empty mapping", wf!("    - {name: a, type: set_variable, prompt: {}}")),
    fail(
        "set_variable prompt non-empty mapping",
        wf!("    - {name: a, type: set_variable, prompt: {a: 1}}"),
        LOADER_CRASH_PROMPT_NOT_LIST,
        "is a mapping",
    ),
    fail(
        "claude_batch prompt with a string part",
        wf!("    - {name: a, type: claude_batch, prompt: [hello]}"),
        LOADER_CRASH_PROMPT_PART_NOT_MAPPING,
        "would crash",
    ),
    pass("claude_batch prompt with a null part", wf!("    - {name: a, type: claude_batch, prompt: [~]}")),
    // The first error is the loader's even when later steps have earlier-numbered rule failures.
    fail(
        "first failing step wins",
        wf!("    - {name: a, type: claude, prompt: [{type: file}]}", "    - {type: claude}"),
        PROMPT_PART_MISSING_PATH,
        "Step 'a' has file prompt part without path",
    ),
];

fn run(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let doc = match Document::parse(case.yaml) {
            Ok(doc) => doc,
            Err(e) => {
                failures.push(format!("{}: input does not parse: {e}", case.what));
                continue;
            }
        };
        let diags = check(&doc, case.test_env);
        if let Some(d) = diags.iter().find(|d| !d.is_error() || d.hint.is_none()) {
            failures.push(format!("{}: every diagnostic is an error with a hint: {d:?}", case.what));
        }
        match (case.first, diags.first()) {
            (None, None) => {}
            (None, Some(d)) => failures.push(format!("{}: expected valid, got {} {:?}", case.what, d.code, d.message)),
            (Some((code, _)), None) => failures.push(format!("{}: expected {code}, got valid", case.what)),
            (Some((code, fragment)), Some(d)) => {
                if d.code != code || !d.message.contains(fragment) {
                    failures.push(format!(
                        "{}: expected {code} containing {fragment:?}\n    got {} {:?}",
                        case.what, d.code, d.message
                    ));
                }
                if let Some((line, col)) = case.at
                    && (d.span.start.line, d.span.start.col) != (line, col)
                {
                    failures.push(format!(
                        "{}: expected at {line}:{col}, got {}:{} ({})",
                        case.what, d.span.start.line, d.span.start.col, d.path
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn edge_cases_of_the_format_reference() {
    run(EDGE_CASES);
}

#[test]
fn rules_b1_to_b19() {
    run(RULE_CASES);
}

/// Every problem is reported, not only the first, in the loader's order.
#[test]
fn reports_all_errors_in_loader_order() {
    let yaml = wf!(
        "    - {name: a, type: claude, prompt: [{type: previous_response, step: ghost}]}",
        "    - {type: claude, functions: [nope]}",
        "    - {name: c, type: claude, prompt: [{type: file}, {type: static}]}",
    );
    let doc = Document::parse(yaml).expect("parses");
    let diags = check(&doc, false);
    let got: Vec<(&str, String)> = diags.iter().map(|d| (d.code.as_str(), d.path.clone())).collect();
    let expected = [
        (STEP_MISSING_NAME, "workflow.steps[1].name"),
        (MISSING_PROMPT, "workflow.steps[1].prompt"),
        (UNDEFINED_FUNCTION, "workflow.steps[1].functions[0]"),
        (PROMPT_PART_MISSING_PATH, "workflow.steps[2].prompt[0].path"),
        (PROMPT_PART_MISSING_CONTENT, "workflow.steps[2].prompt[1].content"),
        (UNKNOWN_STEP_REFERENCE, "workflow.steps[0].prompt[0].step"),
    ];
    let expected: Vec<(&str, String)> = expected.iter().map(|(c, p)| (*c, p.to_string())).collect();
    assert_eq!(got, expected);
}

/// A prompt reported by B15c is not reported again as a crash by the dependency pass.
#[test]
fn string_prompt_reported_once() {
    let doc = Document::parse(wf!("    - {name: a, type: claude, prompt: hi}")).expect("parses");
    let codes: Vec<String> = check(&doc, false).into_iter().map(|d| d.code).collect();
    assert_eq!(codes, [PROMPT_NOT_LIST]);
}

/// The unsupported-type hint says why the type is refused; the typo hint suggests the closest type.
#[test]
fn type_hints() {
    let doc = Document::parse(wf!("    - {name: a, type: switch}", "    - {name: b, type: gemeni}")).expect("parses");
    let diags = check(&doc, false);
    let hints: Vec<&str> = diags.iter().filter_map(|d| d.hint.as_deref()).collect();
    assert_eq!(hints.len(), 2, "{diags:?}");
    assert!(hints[0].contains("documentation") && hints[0].contains("do not support"), "{}", hints[0]);
    assert!(hints[1].starts_with("Did you mean 'gemini'?"), "{}", hints[1]);
}
