//! Property test: lint and the tolerant typed conversion never panic, whatever shape a document has. Documents
//! are random trees over the format's own vocabulary (keys, step and item types, condition and template
//! fragments), so they reach deep into the checks instead of failing at the root. JSON is valid YAML 1.2.

use pipeline_format::Document;
use pipeline_format::model::Pipeline;
use pipeline_format::validate::{Options, lint};
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: &[&str] = &[
    "workflow",
    "name",
    "steps",
    "type",
    "prompt",
    "content",
    "step",
    "path",
    "condition",
    "and",
    "or",
    "not",
    "iterator",
    "data_source",
    "input_source",
    "operations",
    "operation",
    "variables",
    "variable",
    "value",
    "claude_options",
    "max_turns",
    "pipeline",
    "pipeline_file",
    "pipeline_ref",
    "outputs",
    "parallel_tasks",
    "tasks",
    "prompt",
    "break_condition",
    "format",
    "scope",
    "defaults",
    "gemini_functions",
    "session_id",
    "retry_config",
    "backoff_strategy",
    "fallback_action",
    "batch_config",
    "timeout_per_task",
    "extract",
];

const STRINGS: &[&str] = &[
    "claude",
    "gemini",
    "for_loop",
    "while_loop",
    "set_variable",
    "data_transform",
    "file_ops",
    "pipeline",
    "switch",
    "break",
    "test_echo",
    "static",
    "previous_response",
    "session_context",
    "filter",
    "convert",
    "json_to_yaml",
    "a.ok",
    "a.score > 7",
    "steps.a.x",
    "{{steps.a.b}}",
    "{{loop.item}}",
    "loop.index > 1",
    "date(a) > 1",
    "pow(1)",
    "x>7",
    "my-step.ok",
    "true",
    "previous_response:a:b",
    "a",
    "b",
    "",
    "é{{",
    "{{",
    "}}",
    "(",
    "'",
    "\"",
    "a.b and c",
    "global",
    "local",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5000).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn lint_and_conversion_never_panic(steps in prop::collection::vec(tree(), 0..5), allow in any::<bool>()) {
        let doc_value = serde_json::json!({ "workflow": { "name": "p", "steps": steps } });
        let text = doc_value.to_string();
        let doc = Document::parse(&text).expect("JSON is YAML");
        let _ = lint::check(&doc, &Options { allow_test_types: allow, ..Options::default() });
        let _ = Pipeline::from_document(&doc);
    }
}
