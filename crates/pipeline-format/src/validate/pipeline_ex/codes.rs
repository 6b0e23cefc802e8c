//! The stable diagnostic codes of the `pipeline_ex` level, one constant per finding, so the editor, the
//! lint level and the tests can refer to them without repeating strings. `docs/diagnostics/pipeline_ex.md`
//! lists them with their loader rule (B-number) and an example message.

// Document and workflow (B1–B8).
pub const LOADER_CRASH_ROOT_NOT_MAPPING: &str = "loader-crash-root-not-mapping";
pub const MISSING_WORKFLOW: &str = "missing-workflow";
pub const LOADER_CRASH_WORKFLOW_NOT_MAPPING: &str = "loader-crash-workflow-not-mapping";
pub const MISSING_WORKFLOW_NAME: &str = "missing-workflow-name";
pub const MISSING_STEPS: &str = "missing-steps";
pub const STEPS_NOT_LIST: &str = "steps-not-list";
pub const EMPTY_STEPS: &str = "empty-steps";
pub const GEMINI_FUNCTIONS_NOT_MAP: &str = "gemini-functions-not-map";
pub const GEMINI_FUNCTIONS_DEFINITION_NOT_MAP: &str = "gemini-functions-definition-not-map";
pub const GEMINI_FUNCTIONS_MISSING_DESCRIPTION: &str = "gemini-functions-missing-description";
pub const GEMINI_FUNCTIONS_MISSING_PARAMETERS: &str = "gemini-functions-missing-parameters";
pub const GEMINI_FUNCTIONS_PARAMETERS_NOT_MAP: &str = "gemini-functions-parameters-not-map";

// Steps (B9–B18).
pub const LOADER_CRASH_STEP_NOT_MAPPING: &str = "loader-crash-step-not-mapping";
pub const STEP_MISSING_NAME: &str = "step-missing-name";
pub const STEP_MISSING_TYPE: &str = "step-missing-type";
pub const INVALID_STEP_TYPE: &str = "invalid-step-type";
pub const UNSUPPORTED_STEP_TYPE: &str = "unsupported-step-type";
pub const TEST_ONLY_STEP_TYPE: &str = "test-only-step-type";
pub const MISSING_PARALLEL_TASKS: &str = "missing-parallel-tasks";
pub const LOADER_CRASH_CLAUDE_OPTIONS_NOT_MAPPING: &str = "loader-crash-claude-options-not-mapping";
pub const ASYNC_STREAMING_NOT_BOOLEAN: &str = "async-streaming-not-boolean";
pub const ASYNC_STREAMING_INVALID_HANDLER: &str = "async-streaming-invalid-handler";
pub const ASYNC_STREAMING_BUFFER_SIZE_ZERO: &str = "async-streaming-buffer-size-zero";
pub const ASYNC_STREAMING_BUFFER_SIZE_INVALID: &str = "async-streaming-buffer-size-invalid";
pub const CLAUDE_BATCH_MISSING_PROMPT_OR_TASKS: &str = "claude-batch-missing-prompt-or-tasks";
pub const MISSING_PROMPT: &str = "missing-prompt";
pub const PROMPT_NOT_LIST: &str = "prompt-not-list";
pub const LOADER_CRASH_PROMPT_PART_NOT_MAPPING: &str = "loader-crash-prompt-part-not-mapping";
pub const PROMPT_PART_MISSING_TYPE: &str = "prompt-part-missing-type";
pub const PROMPT_PART_MISSING_CONTENT: &str = "prompt-part-missing-content";
pub const PROMPT_PART_MISSING_PATH: &str = "prompt-part-missing-path";
pub const PROMPT_PART_MISSING_STEP: &str = "prompt-part-missing-step";
pub const PROMPT_PART_MISSING_SESSION_ID: &str = "prompt-part-missing-session-id";
pub const PROMPT_PART_INVALID_TYPE: &str = "prompt-part-invalid-type";
pub const FUNCTIONS_NOT_LIST: &str = "functions-not-list";
pub const UNDEFINED_FUNCTION: &str = "undefined-function";

// Dependency pass (B19).
pub const UNKNOWN_STEP_REFERENCE: &str = "unknown-step-reference";
pub const LOADER_CRASH_PROMPT_NOT_LIST: &str = "loader-crash-prompt-not-list";

// Any rule whose message would interpolate a value Elixir cannot turn into text.
pub const LOADER_CRASH_UNPRINTABLE_VALUE: &str = "loader-crash-unprintable-value";
