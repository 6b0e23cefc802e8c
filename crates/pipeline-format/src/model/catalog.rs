//! The step type catalogue (format reference §2.1): every step type name pipeline_ex or its documentation
//! knows, with the facts the editor's step library and the lint need about it — family, how far pipeline_ex
//! supports it, whether a loop body may hold it, whether it needs a `prompt`, which Claude provider reads its
//! `claude_options`, a one-line description and a small example.
//!
//! This is plain data (`&'static` tables) so that the HTTP API can serialize it as is and the browser never
//! has to re-derive it.

use serde::Serialize;

/// Every step `type` value the format knows of, including the documented-but-unimplemented ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepType {
    Gemini,
    Claude,
    ParallelClaude,
    GeminiInstructor,
    ClaudeSmart,
    ClaudeSession,
    ClaudeExtract,
    ClaudeBatch,
    ClaudeRobust,
    SetVariable,
    ForLoop,
    WhileLoop,
    DataTransform,
    FileOps,
    Pipeline,
    TestEcho,
    Switch,
    Checkpoint,
    CodebaseQuery,
    Break,
    Continue,
}

/// The step library's grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepFamily {
    /// Calls Gemini or Claude.
    AiProviders,
    /// Loops, branches and nested pipelines.
    ControlFlow,
    /// Reshapes data or touches files.
    DataAndFiles,
    /// Sets variables, or exists only for pipeline_ex's own tests.
    State,
}

/// How far pipeline_ex supports a step type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportLevel {
    /// Accepted by the production loader and executed (the 15 types of §2.1 rows 1–15).
    Executable,
    /// Accepted and executed only when pipeline_ex runs in its Mix `test` environment (`test_echo`).
    TestOnly,
    /// Documented (or half-built) but rejected by the loader or unusable at run time.
    Unsupported,
}

/// What the production loader requires of a step's `prompt` (§2.1 "Prompt (B)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptRequirement {
    /// A non-empty list of prompt items is required.
    Required,
    /// `prompt` or `tasks` must be present (claude_batch).
    PromptOrTasks,
    /// Not required (a `prompt`, if present, must still be a list or the loader crashes).
    Exempt,
}

/// Which Claude provider reads the step's `claude_options` (§2.3 "Provider split").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaudeProvider {
    /// `claude_options` is not read at all.
    None,
    /// The basic provider: only the keys in [`crate::model::ClaudeOptions::BASIC_PROVIDER_KEYS`].
    Basic,
    /// The agent-SDK provider, with a preset merged under the step's options.
    Agent,
}

/// Everything the editor needs to know about one step type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepTypeInfo {
    /// Serialized as `type` (the `name`), so the enum itself is left out of the JSON.
    #[serde(skip)]
    pub step_type: StepType,
    /// The `type:` value as written in YAML.
    #[serde(rename = "type")]
    pub name: &'static str,
    /// A short human label for the step library.
    pub label: &'static str,
    pub family: StepFamily,
    pub support: SupportLevel,
    /// Whether the for_loop / while_loop runner can execute it inside `steps:` (§2.4.11).
    pub allowed_in_loop: bool,
    pub prompt: PromptRequirement,
    /// Which provider reads `claude_options` (also for `parallel_tasks` entries of parallel_claude).
    pub claude_options: ClaudeProvider,
    /// One line: what the step does at run time.
    pub description: &'static str,
    /// A small YAML example (one list item of `steps:`). Examples may refer to a step named `draft` and a
    /// variable named `items`, which the step library's sample pipeline defines first.
    pub example: &'static str,
}

impl StepTypeInfo {
    /// Whether the production loader demands a non-empty `prompt` list.
    pub fn requires_prompt(&self) -> bool {
        self.prompt == PromptRequirement::Required
    }
}

impl StepType {
    /// All step types, in catalogue order (executable ones first, as in §2.1).
    pub const ALL: [StepType; 21] = [
        StepType::Gemini,
        StepType::Claude,
        StepType::ParallelClaude,
        StepType::GeminiInstructor,
        StepType::ClaudeSmart,
        StepType::ClaudeSession,
        StepType::ClaudeExtract,
        StepType::ClaudeBatch,
        StepType::ClaudeRobust,
        StepType::SetVariable,
        StepType::ForLoop,
        StepType::WhileLoop,
        StepType::DataTransform,
        StepType::FileOps,
        StepType::Pipeline,
        StepType::TestEcho,
        StepType::Switch,
        StepType::Checkpoint,
        StepType::CodebaseQuery,
        StepType::Break,
        StepType::Continue,
    ];

    /// The step type for a `type:` value, if the format knows it.
    pub fn parse(name: &str) -> Option<StepType> {
        CATALOG.iter().find(|i| i.name == name).map(|i| i.step_type)
    }

    /// The `type:` value.
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// The catalogue entry.
    pub fn info(self) -> &'static StepTypeInfo {
        // CATALOG is in the same order as the enum (checked by a test), so indexing by discriminant is exact.
        &CATALOG[self as usize]
    }

    pub fn support(self) -> SupportLevel {
        self.info().support
    }

    pub fn family(self) -> StepFamily {
        self.info().family
    }

    pub fn allowed_in_loop(self) -> bool {
        self.info().allowed_in_loop
    }

    /// Whether the production loader accepts the type at the top level of a workflow.
    pub fn accepted_by_loader(self, allow_test_types: bool) -> bool {
        match self.support() {
            SupportLevel::Executable => true,
            SupportLevel::TestOnly => allow_test_types,
            SupportLevel::Unsupported => false,
        }
    }
}

impl std::fmt::Display for StepType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The step library: one entry per [`StepType`], in [`StepType::ALL`] order.
pub fn catalog() -> &'static [StepTypeInfo] {
    &CATALOG
}

/// The step types the production loader accepts (§5.1 B12), in the loader's order of its message.
pub fn executable_types() -> impl Iterator<Item = StepType> {
    StepType::ALL.into_iter().filter(|t| t.support() == SupportLevel::Executable)
}

use ClaudeProvider as Cp;
use PromptRequirement as Pr;
use StepFamily as Fam;
use SupportLevel as Sup;

static CATALOG: [StepTypeInfo; 21] = [
    StepTypeInfo {
        step_type: StepType::Gemini,
        name: "gemini",
        label: "Gemini",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::None,
        description: "Sends the prompt to Google Gemini; optional function calling via gemini_functions.",
        example: r#"- name: summarize
  type: gemini
  model: gemini-2.5-flash
  prompt:
    - type: static
      content: Summarize the following text in three bullet points.
    - type: previous_response
      step: draft
"#,
    },
    StepTypeInfo {
        step_type: StepType::Claude,
        name: "claude",
        label: "Claude",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::Basic,
        description: "Runs Claude (basic provider) on the prompt, with optional tools and limits in claude_options.",
        example: r#"- name: review
  type: claude
  claude_options:
    max_turns: 3
    allowed_tools: [Read]
  prompt:
    - type: static
      content: Review the draft and list concrete improvements.
    - type: previous_response
      step: draft
"#,
    },
    StepTypeInfo {
        step_type: StepType::ParallelClaude,
        name: "parallel_claude",
        label: "Parallel Claude",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Exempt,
        claude_options: Cp::Basic,
        description: "Runs several Claude tasks concurrently; the result combines every task's answer by task id.",
        example: r#"- name: reviews
  type: parallel_claude
  parallel_tasks:
    - id: security
      prompt:
        - type: static
          content: Review the draft for security issues.
    - id: style
      prompt:
        - type: static
          content: Review the draft for style issues.
"#,
    },
    StepTypeInfo {
        step_type: StepType::GeminiInstructor,
        name: "gemini_instructor",
        label: "Gemini (structured)",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::None,
        description: "Asks Gemini for a structured answer (fixed internal response schema; needs GEMINI_API_KEY).",
        example: r#"- name: classify
  type: gemini_instructor
  prompt:
    - type: static
      content: Classify the draft as bug report, feature request or question.
"#,
    },
    StepTypeInfo {
        step_type: StepType::ClaudeSmart,
        name: "claude_smart",
        label: "Claude (preset)",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::Agent,
        description: "Runs Claude through the agent SDK with a preset (development, production, analysis, chat, test).",
        example: r#"- name: analyze
  type: claude_smart
  preset: analysis
  prompt:
    - type: static
      content: Analyze the repository layout and describe its modules.
"#,
    },
    StepTypeInfo {
        step_type: StepType::ClaudeSession,
        name: "claude_session",
        label: "Claude session",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::Agent,
        description: "Runs Claude in a named, optionally persisted session (session_config).",
        example: r#"- name: tutor
  type: claude_session
  session_config:
    session_name: tutoring
    persist: true
  prompt:
    - type: static
      content: Explain recursion with a short example.
"#,
    },
    StepTypeInfo {
        step_type: StepType::ClaudeExtract,
        name: "claude_extract",
        label: "Claude extract",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::Agent,
        description: "Runs Claude and post-processes the answer into text, JSON, a summary or markdown (extraction_config).",
        example: r#"- name: key_points
  type: claude_extract
  extraction_config:
    format: summary
    post_processing: [extract_key_points]
  prompt:
    - type: static
      content: List the key decisions in the draft.
    - type: previous_response
      step: draft
"#,
    },
    StepTypeInfo {
        step_type: StepType::ClaudeBatch,
        name: "claude_batch",
        label: "Claude batch",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::PromptOrTasks,
        claude_options: Cp::Agent,
        description: "Runs a list of Claude tasks (each a prompt and/or a file) with bounded parallelism.",
        example: r#"- name: per_file_review
  type: claude_batch
  batch_config:
    max_parallel: 2
    timeout_per_task: 60000
  tasks:
    - task_id: readme
      file: README.md
      prompt: Summarize this file.
    - task_id: changelog
      file: CHANGELOG.md
      prompt: Summarize this file.
"#,
    },
    StepTypeInfo {
        step_type: StepType::ClaudeRobust,
        name: "claude_robust",
        label: "Claude (retries)",
        family: Fam::AiProviders,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Required,
        claude_options: Cp::Agent,
        description: "Runs Claude with retries, backoff and a fallback action when every attempt fails.",
        example: r#"- name: reliable_answer
  type: claude_robust
  retry_config:
    max_retries: 3
    backoff_strategy: exponential
    fallback_action: graceful_degradation
  prompt:
    - type: static
      content: Answer the question in one paragraph.
"#,
    },
    StepTypeInfo {
        step_type: StepType::SetVariable,
        name: "set_variable",
        label: "Set variables",
        family: Fam::State,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Stores values (literals or templates) as variables for {{state.X}} templates and loop sources.",
        example: r#"- name: init
  type: set_variable
  variables:
    attempt: 1
    items: [alpha, beta]
"#,
    },
    StepTypeInfo {
        step_type: StepType::ForLoop,
        name: "for_loop",
        label: "For each",
        family: Fam::ControlFlow,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Runs its body once per item of a list taken from a variable or a step result.",
        example: r#"- name: per_item
  type: for_loop
  iterator: item
  data_source: items
  steps:
    - name: describe
      type: gemini
      prompt:
        - type: static
          content: Describe the current item.
"#,
    },
    StepTypeInfo {
        step_type: StepType::WhileLoop,
        name: "while_loop",
        label: "While",
        family: Fam::ControlFlow,
        support: Sup::Executable,
        allowed_in_loop: true,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Repeats its body while a condition on step results holds (at most max_iterations times).",
        example: r#"- name: refine
  type: while_loop
  condition: "draft.score < 8"
  max_iterations: 5
  steps:
    - name: improve
      type: claude
      prompt:
        - type: static
          content: Improve the draft.
"#,
    },
    StepTypeInfo {
        step_type: StepType::DataTransform,
        name: "data_transform",
        label: "Transform data",
        family: Fam::DataAndFiles,
        support: Sup::Executable,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Filters, maps, aggregates, joins, groups or sorts a list from a variable or step result.",
        example: r#"- name: top_items
  type: data_transform
  input_source: "previous_response:draft:items"
  operations:
    - operation: filter
      field: score
      condition: "score > 5"
    - operation: sort
      field: score
      order: desc
"#,
    },
    StepTypeInfo {
        step_type: StepType::FileOps,
        name: "file_ops",
        label: "File operation",
        family: Fam::DataAndFiles,
        support: Sup::Executable,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Copies, moves, deletes, validates, lists or converts files in the workspace.",
        example: r#"- name: to_json
  type: file_ops
  operation: convert
  source: data/input.csv
  destination: data/input.json
  format: csv_to_json
"#,
    },
    StepTypeInfo {
        step_type: StepType::Pipeline,
        name: "pipeline",
        label: "Sub-pipeline",
        family: Fam::ControlFlow,
        support: Sup::Executable,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Runs another pipeline (a file or an inline definition) with inputs, and returns chosen outputs.",
        example: r#"- name: nested_review
  type: pipeline
  pipeline_file: pipelines/review.yaml
  inputs:
    text: "{{steps.draft.result}}"
  outputs:
    - review
"#,
    },
    StepTypeInfo {
        step_type: StepType::TestEcho,
        name: "test_echo",
        label: "Test echo",
        family: Fam::State,
        support: Sup::TestOnly,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Returns its value unchanged; only accepted when pipeline_ex runs in its test environment.",
        example: r#"- name: echo
  type: test_echo
  value: hello
"#,
    },
    StepTypeInfo {
        step_type: StepType::Switch,
        name: "switch",
        label: "Switch (unsupported)",
        family: Fam::ControlFlow,
        support: Sup::Unsupported,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Documented branch on an expression; never implemented — use a condition on each branch's steps.",
        example: r#"- name: route
  type: switch
  expression: "{{steps.classify.kind}}"
  cases:
    bug:
      - name: triage
        type: claude
        prompt:
          - type: static
            content: Triage the bug.
  default: []
"#,
    },
    StepTypeInfo {
        step_type: StepType::Checkpoint,
        name: "checkpoint",
        label: "Checkpoint (unsupported)",
        family: Fam::State,
        support: Sup::Unsupported,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Documented manual checkpoint; never implemented — use workflow.checkpoint_enabled instead.",
        example: r#"- name: save_progress
  type: checkpoint
  checkpoint_name: after_analysis
"#,
    },
    StepTypeInfo {
        step_type: StepType::CodebaseQuery,
        name: "codebase_query",
        label: "Codebase query (unsupported)",
        family: Fam::DataAndFiles,
        support: Sup::Unsupported,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Documented codebase search; the module exists but nothing dispatches to it.",
        example: r#"- name: find_tests
  type: codebase_query
  queries:
    tests:
      find_files:
        - type: test
"#,
    },
    StepTypeInfo {
        step_type: StepType::Break,
        name: "break",
        label: "Break (unsupported)",
        family: Fam::ControlFlow,
        support: Sup::Unsupported,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Loop-body break; the loop runner crashes on it — use for_loop break_condition instead.",
        example: r#"- name: stop
  type: break
"#,
    },
    StepTypeInfo {
        step_type: StepType::Continue,
        name: "continue",
        label: "Continue (unsupported)",
        family: Fam::ControlFlow,
        support: Sup::Unsupported,
        allowed_in_loop: false,
        prompt: Pr::Exempt,
        claude_options: Cp::None,
        description: "Loop-body continue; the loop runner crashes on it — use for_loop continue_condition instead.",
        example: r#"- name: skip
  type: continue
"#,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_order_matches_enum() {
        for (i, t) in StepType::ALL.iter().enumerate() {
            assert_eq!(CATALOG[i].step_type, *t, "catalog entry {i}");
            assert_eq!(StepType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(executable_types().count(), 15);
        assert_eq!(StepType::parse("nonsense"), None);
    }

    #[test]
    fn loop_dispatch_set_is_the_reference_one() {
        // §2.4.11: the loop runner's own dispatch table.
        let in_loop: Vec<&str> = StepType::ALL.iter().filter(|t| t.allowed_in_loop()).map(|t| t.as_str()).collect();
        assert_eq!(
            in_loop,
            [
                "gemini",
                "claude",
                "parallel_claude",
                "gemini_instructor",
                "claude_smart",
                "claude_session",
                "claude_extract",
                "claude_batch",
                "claude_robust",
                "set_variable",
                "for_loop",
                "while_loop"
            ]
        );
    }
}
