//! Merge behaviour with real replicas (DESIGN.md decision 2): each case edits two or more replicas apart,
//! exchanges updates, and checks both the merged model and that the export re-parses to it.

use pipeline_doc::{PipelineDoc, Place};
use pipeline_format::Document;
use pipeline_format::value::doc_to_json;
use serde_json::{Value, json};

const BASE: &str = "\
workflow:
  name: demo
  steps:
    - name: fetch
      type: gemini
      prompt:
        - type: static
          content: Get data
    - name: loop_a
      type: for_loop
      iterator: item
      data_source: fetch
      steps:
        - name: inner
          type: claude
          prompt:
            - type: static
              content: hi
    - name: loop_b
      type: for_loop
      iterator: item
      data_source: fetch
      steps: []
    - name: summarise
      type: claude
      prompt:
        - type: previous_response
          step: fetch
";

fn replica_of(a: &PipelineDoc) -> PipelineDoc {
    PipelineDoc::from_bytes(&a.export_snapshot().expect("snapshot")).expect("import")
}

fn sync(a: &PipelineDoc, b: &PipelineDoc) {
    let to_b = a.export_updates_since(&b.version()).expect("export");
    let to_a = b.export_updates_since(&a.version()).expect("export");
    b.import(&to_b).expect("import");
    a.import(&to_a).expect("import");
}

/// Both replicas agree, and the export re-parses to the model.
fn converged(a: &PipelineDoc, b: &PipelineDoc) -> Value {
    let (ya, yb) = (a.export_yaml().expect("export"), b.export_yaml().expect("export"));
    assert_eq!(ya, yb, "exports differ");
    let model = a.model();
    assert_eq!(model, b.model(), "models differ");
    assert_eq!(doc_to_json(&Document::parse(&ya).expect("export parses")), model, "export does not mean the model");
    model
}

fn pair() -> (PipelineDoc, PipelineDoc) {
    let a = PipelineDoc::from_yaml(BASE).expect("import");
    let b = replica_of(&a);
    (a, b)
}

#[test]
fn concurrent_edits_of_different_fields_both_survive() {
    let (a, b) = pair();
    let fetch = a.step_at("/workflow/steps/0").expect("fetch");
    a.set_step_field(fetch, "model", &json!("gemini-2.5-pro")).expect("edit");
    b.set_step_field(fetch, "prompt", &json!([{"type": "static", "content": "Get more data"}])).expect("edit");
    sync(&a, &b);
    let m = converged(&a, &b);
    assert_eq!(m["workflow"]["steps"][0]["model"], "gemini-2.5-pro");
    assert_eq!(m["workflow"]["steps"][0]["prompt"][0]["content"], "Get more data");
}

#[test]
fn same_field_converges_to_one_value() {
    let (a, b) = pair();
    let fetch = a.step_at("/workflow/steps/0").expect("fetch");
    a.set_step_field(fetch, "type", &json!("claude")).expect("edit");
    b.set_step_field(fetch, "type", &json!("gemini_instructor")).expect("edit");
    sync(&a, &b);
    let m = converged(&a, &b);
    let t = m["workflow"]["steps"][0]["type"].as_str().expect("type");
    assert!(t == "claude" || t == "gemini_instructor");
}

#[test]
fn concurrent_inserts_both_appear_in_the_same_order() {
    let (a, b) = pair();
    a.insert_step(&Place::top(1), &json!({"name": "from_a", "type": "claude"})).expect("insert");
    b.insert_step(&Place::top(1), &json!({"name": "from_b", "type": "claude"})).expect("insert");
    sync(&a, &b);
    let m = converged(&a, &b);
    let names: Vec<&str> =
        m["workflow"]["steps"].as_array().expect("steps").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names.len(), 6);
    assert!(names.contains(&"from_a") && names.contains(&"from_b"), "{names:?}");
}

#[test]
fn a_step_moved_into_two_loops_ends_in_exactly_one() {
    let (a, b) = pair();
    let summarise = a.step_at("/workflow/steps/3").expect("summarise");
    let loop_a = a.step_at("/workflow/steps/1").expect("loop_a");
    let loop_b = a.step_at("/workflow/steps/2").expect("loop_b");
    a.move_step(summarise, &Place::body_of(loop_a, 0)).expect("move");
    b.move_step(summarise, &Place::body_of(loop_b, 0)).expect("move");
    // A concurrent edit of the moved step survives the move.
    b.set_step_field(summarise, "output_to_file", &json!("summary.md")).expect("edit");
    sync(&a, &b);
    let m = converged(&a, &b);
    let text = serde_json::to_string(&m).expect("json");
    assert_eq!(text.matches("\"summarise\"").count(), 1, "{text}");
    assert_eq!(text.matches("summary.md").count(), 1);
    assert_eq!(m["workflow"]["steps"].as_array().map(Vec::len), Some(3));
}

#[test]
fn delete_versus_edit_deletes_and_converges() {
    let (a, b) = pair();
    let fetch = a.step_at("/workflow/steps/0").expect("fetch");
    a.delete_step(fetch).expect("delete");
    b.set_step_field(fetch, "model", &json!("x")).expect("edit");
    sync(&a, &b);
    let m = converged(&a, &b);
    assert!(!serde_json::to_string(&m).expect("json").contains("\"fetch\",\"type\""));
    assert_eq!(m["workflow"]["steps"].as_array().map(Vec::len), Some(3));
}

#[test]
fn a_thousand_offline_edits_merge() {
    let (a, b) = pair();
    let inner = a.step_at("/workflow/steps/1/steps/0").expect("inner");
    for i in 0..1000 {
        match i % 3 {
            0 => b.set_step_field(inner, "output_to_file", &json!(format!("out_{i}.md"))).expect("edit"),
            1 => {
                b.insert_step(&Place::top(4), &json!({"name": format!("offline_{i}"), "type": "claude"}))
                    .expect("insert");
            }
            _ => b
                .set_step_field(inner, "prompt", &json!([{"type": "static", "content": format!("v{i}")}]))
                .expect("edit"),
        }
    }
    let fetch = a.step_at("/workflow/steps/0").expect("fetch");
    a.set_step_field(fetch, "model", &json!("online")).expect("edit");
    sync(&a, &b);
    let m = converged(&a, &b);
    assert_eq!(m["workflow"]["steps"][0]["model"], "online");
    assert_eq!(m["workflow"]["steps"].as_array().map(Vec::len), Some(4 + 333));
}

#[test]
fn text_replacement_keeps_concurrent_visual_edits() {
    let (a, b) = pair();
    // A types in the YAML pane: renames the workflow.
    a.replace_text(&BASE.replace("name: demo", "name: renamed # typed")).expect("replace");
    // B meanwhile edits a step on the canvas.
    let summarise = b.step_at("/workflow/steps/3").expect("summarise");
    b.set_step_field(summarise, "output_to_file", &json!("out.md")).expect("edit");
    sync(&a, &b);
    let m = converged(&a, &b);
    assert_eq!(m["workflow"]["name"], "renamed");
    assert_eq!(m["workflow"]["steps"][3]["output_to_file"], "out.md");
    let y = a.export_yaml().expect("export");
    assert!(y.contains("name: renamed # typed"), "{y}");
}
