//! The typed model on real files: every file the loader accepts converts without issues, and serializing the
//! typed value gives back the same data (unknown keys survive in `extra`; null values are dropped because the
//! model treats null as absent, as pipeline_ex does).

mod common;

use pipeline_format::Document;
use pipeline_format::model::{Pipeline, Step, StepType};
use serde_json::Value;

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), without_nulls(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[test]
fn accepted_corpus_files_convert_losslessly() {
    let Some(dir) = common::corpus_dir() else { return };
    let mut checked = 0;
    for row in common::expected(&dir) {
        if row.normal.is_some() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(&row.path)).expect("read corpus file");
        let doc = Document::parse(&text).expect("accepted files parse");
        let (pipeline, issues) = Pipeline::from_document(&doc);
        assert!(issues.is_empty(), "{}: {issues:?}", row.path);
        let pipeline = pipeline.unwrap_or_else(|| panic!("{}: no typed pipeline", row.path));
        let steps = pipeline.workflow.as_ref().and_then(|w| w.steps.as_ref()).expect("steps");
        assert!(steps.iter().all(|s| s.step_type().accepted_by_loader(false)), "{}", row.path);
        let back = serde_json::to_value(&pipeline).expect("serializes");
        let original = pipeline_format::value::doc_to_json(&doc);
        assert_eq!(without_nulls(&back), without_nulls(&original), "{}: typed round trip differs", row.path);
        checked += 1;
    }
    assert!(checked >= 20);
}

#[test]
fn step_views_line_up_with_the_document() {
    let text = "workflow:\n  name: t\n  steps:\n    - name: a\n      type: file_ops\n      operation: copy\n      source: x\n      destination: y\n    - name: b\n      type: data_transform\n      input_source: \"previous_response:a\"\n      operations:\n        - operation: sort\n          field: n\n          order: desc\n";
    let doc = Document::parse(text).expect("parses");
    let steps = doc.root.as_ref().and_then(|r| r.get("workflow")).and_then(|w| w.get("steps")).and_then(|s| s.as_seq());
    let types: Vec<StepType> = steps
        .expect("steps")
        .iter()
        .map(|n| Step::from_node(n).0.map(|s| s.step_type()).expect("typed step"))
        .collect();
    assert_eq!(types, [StepType::FileOps, StepType::DataTransform]);
}
