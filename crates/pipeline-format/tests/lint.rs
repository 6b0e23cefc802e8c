//! Lint: a data-driven table of small documents → expected codes (with paths and positions for some), the
//! no-duplicate rule against the `pipeline_ex` level, the corpus (never panics; exact findings for chosen files)
//! and the catalogue examples (lint-clean).

mod common;

use pipeline_format::validate::lint::{self, CODES};
use pipeline_format::validate::{Options, pipeline_ex};
use pipeline_format::{Diagnostic, Document, Severity};

fn run_with(text: &str, opts: Options) -> Vec<Diagnostic> {
    let doc = Document::parse(text).unwrap_or_else(|e| panic!("test YAML does not parse: {e}\n{text}"));
    lint::check(&doc, &opts)
}

fn run(text: &str) -> Vec<Diagnostic> {
    run_with(text, Options::default())
}

/// A workflow named `t` with the given steps (a YAML list, written at column 0).
fn wf(steps: &str) -> String {
    let body: String = steps.lines().map(|l| format!("    {l}\n")).collect();
    format!("workflow:\n  name: t\n  steps:\n{body}")
}

/// A claude step with a static prompt, for filling step lists.
const CLAUDE_A: &str = "- name: a\n  type: claude\n  prompt:\n    - type: static\n      content: hi\n";

struct Case {
    name: &'static str,
    yaml: String,
    /// Expected codes, sorted.
    codes: &'static [&'static str],
    /// Optional: (code, path, line, column, severity) of one expected diagnostic.
    at: Option<(&'static str, &'static str, usize, usize, Severity)>,
}

fn case(name: &'static str, yaml: String, codes: &'static [&'static str]) -> Case {
    Case { name, yaml, codes, at: None }
}

fn case_at(
    name: &'static str,
    yaml: String,
    codes: &'static [&'static str],
    at: (&'static str, &'static str, usize, usize, Severity),
) -> Case {
    Case { name, yaml, codes, at: Some(at) }
}

fn cases() -> Vec<Case> {
    use Severity::{Error, Info, Warning};
    vec![
        // ----- generic, schema-driven -----
        case_at(
            "unknown key with a typo",
            wf("- name: a\n  type: claude\n  promt: x\n  prompt:\n    - type: static\n      content: hi\n"),
            &["unknown-key"],
            ("unknown-key", "workflow.steps[0].promt", 6, 14, Warning),
        ),
        case("unknown key in a prompt item", wf("- name: a\n  type: gemini\n  prompt:\n    - type: file\n      path: x.md\n      encoding: utf8\n"), &["unknown-key"]),
        case("unknown key in claude_options", wf("- name: a\n  type: claude_smart\n  claude_options:\n    max_turn: 3\n  prompt:\n    - type: static\n      content: hi\n"), &["unknown-key"]),
        case("unknown root key", format!("pipeline: x\n{}", wf(CLAUDE_A)), &["unknown-key"]),
        case_at(
            "ignored workflow.output_dir",
            "workflow:\n  name: t\n  output_dir: out\n  steps:\n    - name: a\n      type: claude\n      prompt: []\n".into(),
            &["ignored-field"],
            ("ignored-field", "workflow.output_dir", 3, 15, Warning),
        ),
        case("ignored resource_limits and defaults.gemini_model", "workflow:\n  name: t\n  resource_limits: {max_total_steps: 3}\n  defaults:\n    gemini_model: x\n    output_dir: out\n    claude_preset: chat\n  steps:\n    - name: a\n      type: claude\n      prompt: []\n".into(), &["ignored-field", "ignored-field"]),
        case("ignored role and output_schema", wf("- name: a\n  type: claude\n  role: brain\n  output_schema: {type: object}\n  prompt: []\n"), &["ignored-field", "ignored-field"]),
        case_at(
            "step description is only informational",
            wf("- name: a\n  type: claude\n  description: says hi\n  prompt: []\n"),
            &["ignored-field"],
            ("ignored-field", "workflow.steps[0].description", 6, 20, Info),
        ),
        case("options instead of claude_options", wf("- name: a\n  type: claude_smart\n  options: {max_turns: 2}\n  prompt: []\n"), &["ignored-field"]),
        case("for_loop max_iterations, while_loop timeout_seconds", wf("- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  max_iterations: 3\n  steps: []\n- name: w\n  type: while_loop\n  condition: \"l.success\"\n  timeout_seconds: 5\n  steps: []\n- name: items\n  type: set_variable\n  variables: {items: [1]}\n"), &["ignored-field", "ignored-field"]),
        case_at(
            "name: 123 is accepted by the loader but linted",
            "workflow:\n  name: 123\n  steps:\n    - name: a\n      type: claude\n      prompt: []\n".into(),
            &["wrong-type"],
            ("wrong-type", "workflow.name", 2, 9, Warning),
        ),
        case("for_loop iterator of the wrong type is an error", wf("- name: l\n  type: for_loop\n  iterator: [x]\n  data_source: items\n  steps: []\n"), &["unknown-step-reference", "wrong-type"]),
        case_at(
            "set_variable scope local",
            wf("- name: v\n  type: set_variable\n  scope: local\n  variables: {a: 1}\n"),
            &["invalid-enum-value"],
            ("invalid-enum-value", "workflow.steps[0].scope", 6, 14, Warning),
        ),
        case_at(
            "claude_robust backoff_strategy random fails the step",
            wf("- name: r\n  type: claude_robust\n  retry_config:\n    backoff_strategy: random\n  prompt: []\n"),
            &["invalid-enum-value"],
            ("invalid-enum-value", "workflow.steps[0].retry_config.backoff_strategy", 7, 27, Error),
        ),
        case("fallback action the runtime does not know", wf("- name: r\n  type: claude_robust\n  retry_config:\n    fallback_action: cached_response\n  prompt: []\n"), &["unrecognized-value"]),
        case("max_turns 0", wf("- name: a\n  type: claude_smart\n  claude_options:\n    max_turns: 0\n  prompt: []\n"), &["value-out-of-range"]),
        case("empty inline child workflow", wf("- name: p\n  type: pipeline\n  pipeline:\n    workflow:\n      name: child\n      steps: []\n"), &["too-few-items"]),
        case_at(
            "for_loop without iterator",
            wf("- name: l\n  type: for_loop\n  data_source: items\n  steps: []\n- name: items\n  type: set_variable\n  variables: {items: []}\n"),
            &["missing-required-field"],
            ("missing-required-field", "workflow.steps[0].iterator", 4, 7, Error),
        ),
        case("file_ops convert without format", wf("- name: f\n  type: file_ops\n  operation: convert\n  source: a.csv\n  destination: a.json\n"), &["missing-required-field"]),
        case("data_transform unknown operation", wf("- name: d\n  type: data_transform\n  input_source: \"context:x\"\n  operations:\n    - operation: explode\n"), &["unknown-operation"]),
        case_at(
            "file_ops unknown operation",
            wf("- name: f\n  type: file_ops\n  operation: zip\n"),
            &["unknown-operation"],
            ("unknown-operation", "workflow.steps[0].operation", 6, 18, Error),
        ),
        case("prompt item type in a loop body (not seen by the loader)", wf("- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: b\n      type: claude\n      prompt:\n        - type: dynamic\n- name: items\n  type: set_variable\n  variables: {items: []}\n"), &["invalid-prompt-item-type"]),
        // ----- step structure -----
        case_at(
            "duplicate step names",
            wf(&format!("{CLAUDE_A}{CLAUDE_A}")),
            &["duplicate-step-name"],
            ("duplicate-step-name", "workflow.steps[1].name", 9, 13, Warning),
        ),
        case_at(
            "switch at the top level: info next to the loader's error",
            wf("- name: s\n  type: switch\n  expression: x\n"),
            &["unsupported-step-type"],
            ("unsupported-step-type", "workflow.steps[0].type", 5, 13, Info),
        ),
        case("break inside a loop body", wf("- name: l\n  type: while_loop\n  condition: \"l.x\"\n  steps:\n    - name: b\n      type: break\n"), &["forward-reference", "unsupported-step-type"]),
        case("unknown type inside a loop body", wf("- name: l\n  type: while_loop\n  condition: \"l.x\"\n  steps:\n    - name: b\n      type: nonsense\n"), &["forward-reference", "unknown-step-type"]),
        case_at(
            "file_ops inside a for_loop body",
            wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: f\n      type: file_ops\n      operation: delete\n      path: x\n"),
            &["loop-body-step-type"],
            ("loop-body-step-type", "workflow.steps[1].steps[0].type", 13, 17, Error),
        ),
        case_at(
            "string prompt in a loop body crashes the run", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: b\n      type: claude\n      prompt: \"hi\"\n"), &["wrong-type"],
            ("wrong-type", "workflow.steps[1].steps[0].prompt", 14, 19, Error)),
        case("loop body step without a type", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: b\n"), &["missing-required-field"]),
        case("condition and output_to_file on a loop sub-step", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: b\n      type: claude\n      condition: \"items.ok\"\n      output_to_file: b.txt\n      prompt: []\n"), &["ignored-in-loop-body", "ignored-in-loop-body"]),
        case("claude_options on a gemini step", wf("- name: g\n  type: gemini\n  claude_options: {max_turns: 2}\n  prompt: []\n"), &["claude-option-ignored"]),
        case("agent-only option on type claude", wf("- name: c\n  type: claude\n  claude_options:\n    permission_mode: plan\n    max_turns: 2\n  prompt: []\n"), &["claude-option-ignored"]),
        // ----- prompts and references -----
        case("session_context renders empty", wf("- name: c\n  type: claude\n  prompt:\n    - type: session_context\n      session_id: s\n"), &["prompt-item-renders-empty"]),
        case_at(
            "previous_response to a later step (the loader passes it, the run crashes)",
            wf("- name: a\n  type: claude\n  prompt:\n    - type: previous_response\n      step: b\n- name: b\n  type: claude\n  prompt: []\n"),
            &["forward-reference"],
            ("forward-reference", "workflow.steps[0].prompt[0].step", 8, 17, Warning),
        ),
        case("previous_response to itself", wf("- name: a\n  type: claude\n  prompt:\n    - type: previous_response\n      step: a\n"), &["forward-reference"]),
        case("template to a missing step", wf("- name: a\n  type: claude\n  prompt:\n    - type: static\n      content: \"{{steps.nope.text}}\"\n"), &["unknown-step-reference"]),
        case("condition head is not a step", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"review.ok\"\n  prompt: []\n")), &["unknown-step-reference"]),
        case("unquoted string literal in a condition", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"a.status == passed\"\n  prompt: []\n")), &["unknown-step-reference"]),
        case_at(
            "loop sub-step referenced after the loop",
            wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: inner\n      type: claude\n      prompt: []\n- name: after\n  type: claude\n  condition: \"inner.ok\"\n  prompt: []\n"),
            &["reference-out-of-scope"],
            ("reference-out-of-scope", "workflow.steps[2].condition", 17, 18, Warning),
        ),
        case("template in a loop body reads a sibling", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: items\n  steps:\n    - name: s1\n      type: claude\n      prompt: []\n    - name: s2\n      type: claude\n      prompt:\n        - type: static\n          content: \"{{steps.s1.text}}\"\n"), &["reference-out-of-scope"]),
        case_at(
            "data_source with the previous_response prefix",
            wf("- name: gen\n  type: claude\n  prompt: []\n- name: l\n  type: for_loop\n  iterator: x\n  data_source: \"previous_response:gen:items\"\n  steps: []\n"),
            &["invalid-loop-source"],
            ("invalid-loop-source", "workflow.steps[1].data_source", 10, 20, Error),
        ),
        case("data_source as a YAML list", wf("- name: l\n  type: for_loop\n  iterator: x\n  data_source: [1, 2]\n  steps: []\n"), &["invalid-loop-source"]),
        case("data_source as a template", wf("- name: l\n  type: for_loop\n  iterator: x\n  data_source: \"{{steps.a.items}}\"\n  steps: []\n"), &["invalid-loop-source"]),
        case("input_source with steps. path", wf(&format!("{CLAUDE_A}- name: d\n  type: data_transform\n  input_source: \"steps.a.items\"\n")), &["invalid-input-source"]),
        case("input_source with a dot instead of a colon", wf(&format!("{CLAUDE_A}- name: d\n  type: data_transform\n  input_source: \"previous_response:a.items\"\n")), &["invalid-input-source"]),
        case("input_source to a later step", wf("- name: d\n  type: data_transform\n  input_source: \"previous_response:z\"\n- name: z\n  type: claude\n  prompt: []\n"), &["forward-reference"]),
        // ----- loops -----
        case("loop variable outside a loop", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"loop.index > 0\"\n  prompt: []\n")), &["loop-variable-outside-loop"]),
        case("DOC loop variable name", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: item\n  data_source: items\n  break_condition: \"loop.length > 3\"\n  steps: []\n"), &["unknown-loop-variable"]),
        case("loop.<name> not the iterator", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: item\n  data_source: items\n  break_condition: \"loop.file == 'x'\"\n  steps: []\n"), &["unknown-loop-variable"]),
        case("loop template in a body", wf("- name: items\n  type: set_variable\n  variables: {items: [a]}\n- name: l\n  type: for_loop\n  iterator: item\n  data_source: items\n  steps:\n    - name: b\n      type: claude\n      prompt:\n        - type: static\n          content: \"Describe {{loop.item}}\"\n"), &["loop-template-renders-empty"]),
        // ----- conditions -----
        case_at(
            "boolean condition crashes the run",
            wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: true\n  prompt: []\n")),
            &["invalid-condition"],
            ("invalid-condition", "workflow.steps[1].condition", 11, 18, Error),
        ),
        case("condition mapping with an unknown key", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: {{when: a.ok}}\n  prompt: []\n")), &["invalid-condition"]),
        case("while_loop condition must be a string", wf("- name: w\n  type: while_loop\n  condition: {and: [\"w.x\"]}\n  steps: []\n"), &["invalid-condition"]),
        case("unknown condition function", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"date(a.at) > 3\"\n  prompt: []\n")), &["unknown-condition-function"]),
        case("condition function arity", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"contains(a.text)\"\n  prompt: []\n")), &["condition-function-arity"]),
        case("{{ }} wrapped condition", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"{{{{steps.a.ok}}}}\"\n  prompt: []\n")), &["condition-template"]),
        case("\"true\" as a string", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"true\"\n  prompt: []\n")), &["condition-literal"]),
        case("unspaced operator", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"a.score>7\"\n  prompt: []\n")), &["condition-unspaced-operator"]),
        case("unsupported infix operator", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"a.text starts_with 'x'\"\n  prompt: []\n")), &["condition-unsupported-operator"]),
        case("steps. prefix in a condition", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition: \"steps.a.score > 7\"\n  prompt: []\n")), &["condition-steps-prefix"]),
        case("hyphenated step name in a condition", wf("- name: my-step\n  type: claude\n  prompt: []\n- name: b\n  type: claude\n  condition: \"my-step.ok\"\n  prompt: []\n"), &["condition-hyphenated-name"]),
        case("nested and/or/not conditions are walked", wf(&format!("{CLAUDE_A}- name: b\n  type: claude\n  condition:\n    and:\n      - \"a.ok\"\n      - not: \"steps.a.bad\"\n      - or: [\"a.x > 1\", \"zz.y\"]\n  prompt: []\n")), &["condition-steps-prefix", "unknown-step-reference"]),
        // ----- templates -----
        case_at(
            "built-in template that renders empty",
            wf("- name: a\n  type: claude\n  output_to_file: \"{{workflow.name}}.md\"\n  prompt: []\n"),
            &["template-renders-empty"],
            ("template-renders-empty", "workflow.steps[0].output_to_file", 6, 23, Warning),
        ),
        case("timestamp and previous_response: templates", wf("- name: a\n  type: claude\n  prompt:\n    - type: static\n      content: \"{{timestamp}} {{previous_response:x}}\"\n"), &["template-renders-empty", "template-renders-empty"]),
        case("unknown template function", wf("- name: a\n  type: claude\n  prompt:\n    - type: static\n      content: \"{{foo(1)}}\"\n"), &["unknown-template-function"]),
        case("unset variable", wf("- name: a\n  type: claude\n  prompt:\n    - type: static\n      content: \"{{state.missing}}\"\n"), &["unknown-variable"]),
        // ----- per type -----
        case_at(
            "set_variable with variable:/value:",
            wf("- name: v\n  type: set_variable\n  variable: x\n  value: 1\n"),
            &["set-variable-without-variables"],
            ("set-variable-without-variables", "workflow.steps[0].variable", 6, 17, Warning),
        ),
        case("set_variable without anything", wf("- name: v\n  type: set_variable\n"), &["set-variable-without-variables"]),
        case("filter with and", wf(&format!("{CLAUDE_A}- name: d\n  type: data_transform\n  input_source: \"previous_response:a\"\n  operations:\n    - operation: filter\n      condition: \"score > 5 and active == true\"\n")), &["unsupported-filter-condition"]),
        case("unimplemented conversion", wf("- name: f\n  type: file_ops\n  operation: convert\n  source: a.json\n  destination: a.yaml\n  format: json_to_yaml\n"), &["unimplemented-conversion"]),
        case("pipeline step without a source", wf("- name: p\n  type: pipeline\n"), &["pipeline-missing-source"]),
        case("pipeline_ref", wf("- name: p\n  type: pipeline\n  pipeline_ref: lib/x\n"), &["pipeline-ref-unsupported"]),
        case("inline pipeline without steps", wf("- name: p\n  type: pipeline\n  pipeline:\n    name: child\n"), &["inline-pipeline-without-steps"]),
        case("inline child steps are linted in their own scope", wf("- name: p\n  type: pipeline\n  pipeline:\n    name: child\n    steps:\n      - name: c1\n        type: claude\n        prompt: []\n      - name: c2\n        type: nonsense\n  outputs:\n    - c1\n    - missing\n    - path: \"c1.items[0]\"\n"), &["invalid-output-path", "unknown-step-reference", "unknown-step-type"]),
        case("timeout_per_task in seconds", wf("- name: b\n  type: claude_batch\n  batch_config:\n    timeout_per_task: 300\n  tasks:\n    - task_id: t\n      prompt: hi\n"), &["timeout-looks-like-seconds"]),
        case("batch task id instead of task_id", wf("- name: b\n  type: claude_batch\n  tasks:\n    - id: t\n      prompt: hi\n"), &["ignored-field"]),
        case("parallel task prompt reference to a missing step", wf("- name: p\n  type: parallel_claude\n  parallel_tasks:\n    - id: t\n      prompt:\n        - type: previous_response\n          step: nope\n"), &["unknown-step-reference"]),
        // ----- clean documents -----
        case("clean: loops, variables, conditions, templates", wf(r#"- name: setup
  type: set_variable
  variables:
    files: [a.ex, b.ex]
    counter: 1
- name: scan
  type: gemini
  prompt:
    - type: static
      content: "Scan {{state.counter}} {{files}} {{multiply(steps.setup.variable_count, 2)}}"
- name: per_file
  type: for_loop
  iterator: file
  data_source: files
  break_condition: "loop.file == 'b.ex' and loop.index >= 1"
  steps:
    - name: review
      type: claude
      prompt:
        - type: previous_response
          step: scan
    - name: again
      type: claude
      prompt:
        - type: previous_response
          step: review
- name: check
  type: claude
  condition:
    or:
      - "scan.score > 7"
      - "contains(scan.text, 'LGTM')"
      - not: "per_file.success"
  prompt:
    - type: previous_response
      step: per_file
      extract: iterations
- name: shape
  type: data_transform
  input_source: "previous_response:scan:items"
  operations:
    - operation: filter
      field: score
      condition: "score > 5"
"#), &["condition-unsupported-operator"]),
    ]
}

#[test]
fn table() {
    let mut failures = Vec::new();
    for c in cases() {
        let ds = run(&c.yaml);
        let mut got: Vec<&str> = ds.iter().map(|d| d.code.as_str()).collect();
        got.sort_unstable();
        if got != c.codes {
            failures.push(format!(
                "{}: expected {:?}, got {:?}\n{}\n{}",
                c.name,
                c.codes,
                got,
                ds.iter().map(|d| format!("  {} {} {}", d.code, d.path, d.message)).collect::<Vec<_>>().join("\n"),
                c.yaml
            ));
            continue;
        }
        if let Some((code, path, line, col, sev)) = c.at {
            let found = ds.iter().find(|d| d.code == code && d.path == path);
            match found {
                Some(d) if d.span.start.line == line && d.span.start.col == col && d.severity == sev => {}
                Some(d) => failures.push(format!(
                    "{}: {code} at {path}: expected {line}:{col} {sev}, got {}:{} {}",
                    c.name, d.span.start.line, d.span.start.col, d.severity
                )),
                None => failures.push(format!(
                    "{}: no {code} at {path}; got {:?}",
                    c.name,
                    ds.iter().map(|d| &d.path).collect::<Vec<_>>()
                )),
            }
        }
        for d in &ds {
            let hint_ok = d.hint.as_deref().is_some_and(|h| h.len() > 10);
            if !hint_ok {
                failures.push(format!("{}: {} has no useful hint", c.name, d.code));
            }
            if !CODES.contains(&d.code.as_str()) {
                failures.push(format!("{}: {} is not in CODES", c.name, d.code));
            }
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn table_covers_every_code() {
    let all = cases();
    let covered: Vec<&str> = all.iter().flat_map(|c| c.codes.iter().copied()).collect();
    let missing: Vec<&&str> = CODES.iter().filter(|c| !covered.contains(c)).collect();
    assert!(missing.is_empty(), "codes without a table case: {missing:?}");
}

#[test]
fn every_code_is_documented() {
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/diagnostics/lint.md");
    let text = std::fs::read_to_string(doc_path).expect("docs/diagnostics/lint.md exists");
    let missing: Vec<&&str> = CODES.iter().filter(|c| !text.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "codes missing from docs/diagnostics/lint.md: {missing:?}");
}

#[test]
fn loader_errors_are_not_repeated() {
    // Each of these is a pipeline_ex-level error (§5.1); lint must stay silent about it.
    let docs = [
        wf("- name: a\n  type: claude\n"),                                              // B15b missing prompt
        wf("- name: a\n  type: claude\n  prompt: \"hi\"\n"),                            // B15c prompt not a list
        wf("- name: a\n  type: claude\n  prompt:\n    - type: static\n"),               // B16 static without content
        wf("- name: a\n  type: claude\n  prompt:\n    - type: dynamic\n      x: 1\n"),  // B16 invalid item type
        wf("- name: a\n  type: claude\n  prompt:\n    - type: previous_response\n      step: nope\n"), // B19
        wf("- type: claude\n  prompt: []\n"),                                            // B10 missing name
        wf("- name: a\n  prompt: []\n"),                                                 // B11 missing type
        wf("- name: a\n  type: nonsense\n  whatever: 1\n"),                              // B12 invalid type
        wf("- name: a\n  type: test_echo\n  value: 1\n"),                                // B12 test_echo (normal env)
        wf("- name: a\n  type: parallel_claude\n"),                                      // B13
        wf("- name: a\n  type: claude\n  functions: f1\n  prompt: []\n"),               // B17
        wf("- name: a\n  type: claude\n  claude_options: abc\n  prompt: []\n"),         // B14a
        wf("- name: a\n  type: set_variable\n  variables: {x: 1}\n  prompt: \"x\"\n"), // B19x crash
        "workflow:\n  name: t\n  steps: []\n".into(),                                    // B6
        "workflow:\n  steps:\n    - name: a\n      type: claude\n      prompt: []\n".into(), // B4
        "workflow:\n  name: t\n  gemini_functions:\n    f: {description: d}\n  steps:\n    - name: a\n      type: claude\n      prompt: []\n".into(), // B8
        "- 1\n".into(),                                                                  // B1
        "other: 1\n".into(),                                                             // B3
    ];
    for d in docs {
        let doc = Document::parse(&d).expect("parses");
        let loader = pipeline_ex::check(&doc, false);
        assert!(loader.iter().any(Diagnostic::is_error), "not a pipeline_ex error, so not a valid case:\n{d}");
        let ds = run(&d);
        assert!(ds.is_empty(), "lint repeated a loader error:\n{d}\n{:#?}", ds);
    }
}

/// The schema-driven codes (type, enum, presence and key checks), the ones that could restate a loader error.
const SHAPE_CODES: &[&str] = &[
    "unknown-key",
    "ignored-field",
    "wrong-type",
    "invalid-enum-value",
    "unrecognized-value",
    "value-out-of-range",
    "too-few-items",
    "missing-required-field",
    "invalid-prompt-item-type",
];

#[test]
fn lint_and_pipeline_ex_never_report_the_same_place_on_the_corpus() {
    let Some(dir) = common::corpus_dir() else { return };
    for f in common::yaml_files(&dir) {
        let text = std::fs::read_to_string(&f).expect("read corpus file");
        let Ok(doc) = Document::parse(&text) else { continue };
        for allow in [false, true] {
            let loader: Vec<String> = pipeline_ex::check(&doc, allow).into_iter().map(|d| d.path).collect();
            let opts = Options { allow_test_types: allow, ..Options::default() };
            for d in lint::check(&doc, &opts) {
                // Another problem at the same place (e.g. a broken template inside a string prompt the loader
                // rejects) is not a repetition; an error or a shape finding there would restate the loader's.
                let restates = d.severity == Severity::Error || SHAPE_CODES.contains(&d.code.as_str());
                assert!(
                    !(restates && loader.contains(&d.path)),
                    "{}: lint {} at {} duplicates pipeline_ex",
                    f.display(),
                    d.code,
                    d.path
                );
            }
        }
    }
}

#[test]
fn test_echo_is_linted_when_allowed() {
    let d = wf("- name: a\n  type: test_echo\n  value: \"{{timestamp}}\"\n");
    assert!(run(&d).is_empty());
    let ds = run_with(&d, Options { allow_test_types: true, ..Options::default() });
    assert_eq!(ds.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["template-renders-empty"]);
}

#[test]
fn lint_never_panics_on_the_corpus_or_its_truncations() {
    let Some(dir) = common::corpus_dir() else { return };
    let mut files = 0;
    for f in common::yaml_files(&dir) {
        let text = std::fs::read_to_string(&f).expect("read corpus file");
        files += 1;
        // Every prefix cut at a line boundary: half-written files are what an editor lints most.
        let cuts: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).step_by(3).collect();
        for cut in cuts.into_iter().chain([text.len()]) {
            if let Ok(doc) = Document::parse(&text[..cut]) {
                let _ = lint::check(&doc, &Options::default());
                let _ = lint::check(&doc, &Options { allow_test_types: true, ..Options::default() });
            }
        }
    }
    assert!(files > 30);
}

fn corpus_findings(rel: &str) -> Option<Vec<(String, String)>> {
    let dir = common::corpus_dir()?;
    let text = std::fs::read_to_string(dir.join(rel)).expect("read corpus file");
    let mut v: Vec<(String, String)> = run(&text).into_iter().map(|d| (d.code, d.path)).collect();
    v.sort();
    Some(v)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    out.sort();
    out
}

#[test]
fn performance_demo_gets_the_reference_findings() {
    // §7: set_variable with variable:/value: (twice), data_source previous_response:…, {{loop.item}}.
    let Some(got) = corpus_findings("examples/performance_demo.yaml") else { return };
    assert_eq!(
        got,
        pairs(&[
            ("set-variable-without-variables", "workflow.steps[0].variable"),
            ("invalid-loop-source", "workflow.steps[2].data_source"),
            ("set-variable-without-variables", "workflow.steps[2].steps[0].variable"),
            ("loop-template-renders-empty", "workflow.steps[2].steps[0].value"),
        ])
    );
}

#[test]
fn clean_corpus_files_get_no_findings() {
    for rel in [
        "examples/simple_test.yaml",
        "examples/claude_agent_hello_world.yaml",
        "examples/claude_batch_example.yaml",
        "examples/claude_session_example.yaml",
        "examples/claude_smart_example.yaml",
        "examples/model_selection_demo.yaml",
    ] {
        let Some(got) = corpus_findings(rel) else { return };
        assert!(got.is_empty(), "{rel}: {got:?}");
    }
}

#[test]
fn corpus_files_with_known_issues_get_exactly_those() {
    // claude_robust_example: `fallback_action: cached_response` is unknown to the runtime (§7).
    let Some(got) = corpus_findings("examples/claude_robust_example.yaml") else { return };
    assert_eq!(got, pairs(&[("unrecognized-value", "workflow.steps[1].retry_config.fallback_action")]));
    // skills_example: steps use `options:` instead of `claude_options` (§2.4.5), and workflow-level keys
    // that only a step's claude_options would read.
    let Some(got) = corpus_findings("examples/skills_example.yaml") else { return };
    assert_eq!(
        got,
        pairs(&[
            ("ignored-field", "workflow.enable_skills"),
            ("ignored-field", "workflow.setting_sources"),
            ("ignored-field", "workflow.steps[0].options"),
            ("ignored-field", "workflow.steps[1].options"),
            ("ignored-field", "workflow.steps[2].options"),
            ("ignored-field", "workflow.steps[3].options"),
        ])
    );
    // claude_extract_example: `extract_with: content_extractor` is ignored at run time (§3).
    let Some(got) = corpus_findings("examples/claude_extract_example.yaml") else { return };
    assert_eq!(got, pairs(&[("ignored-field", "workflow.steps[2].prompt[0].extract_with")]));
}

#[test]
fn catalog_examples_are_lint_clean() {
    let preamble = "workflow:\n  name: library\n  steps:\n    - name: setup\n      type: set_variable\n      variables:\n        items: [alpha, beta]\n    - name: draft\n      type: gemini\n      prompt:\n        - type: static\n          content: Write a draft.\n";
    for info in pipeline_format::model::catalog() {
        if info.support != pipeline_format::model::SupportLevel::Executable {
            continue;
        }
        let text: String =
            format!("{preamble}{}", info.example.lines().map(|l| format!("    {l}\n")).collect::<String>());
        let ds = run(&text);
        assert!(ds.is_empty(), "{} example:\n{text}\n{ds:#?}", info.name);
    }
}

#[test]
fn a_thousand_steps_lint_quickly() {
    let mut steps = String::new();
    for i in 0..1000 {
        steps.push_str(&format!(
            "- name: s{i}\n  type: claude\n  condition: \"s{p}.ok\"\n  claude_options: {{max_turns: 2}}\n  prompt:\n    - type: static\n      content: \"step {{{{steps.s{p}.text}}}}\"\n    - type: previous_response\n      step: s{p}\n",
            p = i.max(1) - 1
        ));
    }
    let text = wf(&steps);
    let doc = Document::parse(&text).expect("parses");
    let _ = lint::check(&doc, &Options::default()); // warm the schema cache
    // The minimum of several runs: the machine is shared, single runs are noisy.
    let mut took = std::time::Duration::MAX;
    let mut ds = Vec::new();
    for _ in 0..7 {
        let t = std::time::Instant::now();
        ds = lint::check(&doc, &Options::default());
        took = took.min(t.elapsed());
    }
    eprintln!("lint of 1000 steps: {took:?}");
    // s0 refers to itself; nothing else is wrong.
    assert_eq!(ds.len(), 3, "{:?}", ds.iter().map(|d| (&d.code, &d.path)).collect::<Vec<_>>());
    // Generous bound for unoptimized test builds on a shared machine; the release figure is far lower.
    assert!(took.as_millis() < 2000, "lint of 1000 steps took {took:?}");
}
