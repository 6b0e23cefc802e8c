//! The generated JSON Schema: complete descriptions, standard keywords only, accepts every corpus file the real
//! loader accepts, rejects typical mistakes, and agrees with the step catalogue.

mod common;

use pipeline_format::Document;
use pipeline_format::model::{StepType, SupportLevel, catalog};
use pipeline_format::schema::{SCHEMA_ID, json_schema};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&json_schema()).expect("the schema compiles as draft 2020-12")
}

fn yaml_json(text: &str) -> Value {
    let doc = Document::parse(text).expect("test YAML parses");
    pipeline_format::value::doc_to_json(&doc)
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// Walks every subschema and calls `f(path, schema)` on each object.
fn walk(v: &Value, path: &str, f: &mut dyn FnMut(&str, &serde_json::Map<String, Value>)) {
    match v {
        Value::Object(o) => {
            f(path, o);
            for (k, c) in o {
                walk(c, &format!("{path}/{k}"), f);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                walk(c, &format!("{path}/{i}"), f);
            }
        }
        _ => {}
    }
}

#[test]
fn schema_head_is_2020_12_with_id_and_title() {
    let s = json_schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["$id"], SCHEMA_ID);
    assert!(s["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(jsonschema::draft202012::meta::is_valid(&s), "schema is valid against the 2020-12 meta-schema");
}

#[test]
fn every_property_has_a_description() {
    let mut missing = Vec::new();
    walk(&json_schema(), "#", &mut |path, o| {
        if let Some(Value::Object(props)) = o.get("properties") {
            for (name, prop) in props {
                let described = prop.get("description").and_then(Value::as_str).is_some_and(|d| !d.trim().is_empty());
                if !described {
                    missing.push(format!("{path}/properties/{name}"));
                }
            }
        }
    });
    assert!(missing.is_empty(), "properties without a description:\n{}", missing.join("\n"));
}

#[test]
fn only_standard_keywords_and_formats() {
    // ajv (strict mode) refuses unknown keywords and formats; the public schema must not carry the model's
    // extension keywords or schemars' integer formats.
    let mut bad = Vec::new();
    walk(&json_schema(), "#", &mut |path, o| {
        for (k, v) in o {
            let in_properties = path.ends_with("/properties") || path.ends_with("/$defs");
            if !in_properties && k.starts_with("x-") {
                bad.push(format!("{path}/{k}"));
            }
            if !in_properties
                && k == "format"
                && v.as_str().is_some_and(|f| f.starts_with("int") || f.starts_with("uint"))
            {
                bad.push(format!("{path}/format={v}"));
            }
        }
    });
    assert!(bad.is_empty(), "non-standard keywords: {bad:?}");
}

#[test]
fn steps_are_discriminated_by_type_const_for_executable_types_only() {
    let s = json_schema();
    let branches = s["$defs"]["Step"]["oneOf"].as_array().expect("Step is a oneOf");
    let consts: Vec<&str> = branches
        .iter()
        .map(|b| b["properties"]["type"]["const"].as_str().expect("every branch has a type const"))
        .collect();
    let executable: Vec<&str> =
        catalog().iter().filter(|i| i.support == SupportLevel::Executable).map(|i| i.name).collect();
    assert_eq!(consts, executable);
}

#[test]
fn enum_fields_use_runtime_values() {
    let s = json_schema();
    let defs = &s["$defs"];
    let values = |name: &str| -> Vec<String> {
        // A definition (`Preset`) or a property (`FileOpsStep.operation`, inlined by schemars).
        let schema = name.split_once('.').map_or(&defs[name], |(d, p)| &defs[d]["properties"][p]);
        schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has an enum"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(values("VariableScope"), ["global", "session", "loop"]);
    assert_eq!(values("BackoffStrategy"), ["linear", "exponential", "fixed"]);
    assert_eq!(values("Preset"), ["development", "production", "analysis", "chat", "test"]);
    assert_eq!(values("OutputFormat"), ["text", "json", "stream_json", "stream-json"]);
    assert_eq!(
        values("FileOpsStep.operation"),
        ["copy", "move", "delete", "validate", "list", "convert", "stream_copy", "stream_process"]
    );
    // Ignored fields stay known but are flagged for editors.
    assert_eq!(defs["Workflow"]["properties"]["output_dir"]["deprecated"], true);
}

#[test]
fn every_corpus_file_the_loader_accepts_validates() {
    let Some(dir) = common::corpus_dir() else { return };
    let v = validator();
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in common::expected(&dir) {
        if row.normal.is_some() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(&row.path)).expect("read corpus file");
        let errs = errors(&v, &yaml_json(&text));
        if !errs.is_empty() {
            failures.push(format!("{}:\n  {}", row.path, errs.join("\n  ")));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} accepted files found");
    assert!(failures.is_empty(), "accepted files the schema rejects:\n{}", failures.join("\n"));
}

const BASE: &str = r#"workflow:
  name: demo
  steps:
    - name: first
      type: claude
      claude_options:
        output_format: json
      prompt:
        - type: static
          content: hello
    - name: robust
      type: claude_robust
      retry_config:
        backoff_strategy: linear
      prompt:
        - type: previous_response
          step: first
    - name: vars
      type: set_variable
      scope: global
      variables: {a: 1}
    - name: shape
      type: data_transform
      input_source: "previous_response:first"
      operations:
        - operation: sort
          field: x
"#;

#[test]
fn typical_mistakes_are_rejected() {
    let v = validator();
    assert_eq!(errors(&v, &yaml_json(BASE)), Vec::<String>::new(), "the base document is valid");
    let cases = [
        ("wrong enum value", "backoff_strategy: linear", "backoff_strategy: random"),
        ("wrong scope", "scope: global", "scope: local"),
        ("wrong output format", "output_format: json", "output_format: yaml"),
        ("unknown operation", "operation: sort", "operation: explode"),
        (
            "prompt as a string",
            "      prompt:\n        - type: static\n          content: hello\n",
            "      prompt: \"hello\"\n",
        ),
        ("unsupported step type", "type: set_variable", "type: switch"),
        ("test-only step type", "type: set_variable", "type: test_echo"),
        ("unknown prompt item type", "- type: static", "- type: dynamic"),
        ("missing step name", "    - name: vars\n", "    - description: vars\n"),
        ("boolean condition", "      scope: global\n", "      scope: global\n      condition: true\n"),
        ("zero max retries is fine, negative is not", "backoff_strategy: linear", "max_retries: -1"),
    ];
    for (what, from, to) in cases {
        assert!(BASE.contains(from), "{what}: pattern not in base");
        let bad = BASE.replacen(from, to, 1);
        assert!(!v.is_valid(&yaml_json(&bad)), "{what}: the schema accepted\n{bad}");
    }
}

#[test]
fn catalog_examples_match_the_schema() {
    let v = validator();
    for info in catalog() {
        let text = format!("{}{}", EXAMPLE_PREAMBLE, indent(info.example, 4));
        let ok = v.is_valid(&yaml_json(&text));
        let executable = info.support == SupportLevel::Executable;
        assert_eq!(ok, executable, "{}: valid={ok}, executable={executable}\n{text}", info.name);
        assert_eq!(StepType::parse(info.name), Some(info.step_type));
    }
}

/// The sample pipeline the step library's examples assume (a variable `items`, a step `draft`).
const EXAMPLE_PREAMBLE: &str = "workflow:\n  name: library\n  steps:\n    - name: setup\n      type: set_variable\n      variables:\n        items: [alpha, beta]\n    - name: draft\n      type: gemini\n      prompt:\n        - type: static\n          content: Write a draft.\n";

fn indent(s: &str, n: usize) -> String {
    s.lines().map(|l| format!("{}{l}\n", " ".repeat(n))).collect()
}
