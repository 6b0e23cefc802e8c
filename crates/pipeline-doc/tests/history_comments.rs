//! Versions (diff and restore) and comment threads, on real replicas.

use pipeline_doc::history::{StepChange, diff};
use pipeline_doc::{PipelineDoc, Place};
use serde_json::json;

const BASE: &str = "workflow:\n  name: demo\n  steps:\n    - name: a\n      type: claude\n    - name: loop\n      type: for_loop\n      iterator: x\n      data_source: a\n      steps: []\n    - name: b\n      type: gemini # keep me\n";

#[test]
fn diff_reports_added_removed_moved_and_changed_steps() {
    let doc = PipelineDoc::from_yaml(BASE).expect("import");
    let v1 = doc.frontiers();
    let a = doc.step_at("/workflow/steps/0").expect("a");
    let lp = doc.step_at("/workflow/steps/1").expect("loop");
    let b = doc.step_at("/workflow/steps/2").expect("b");
    doc.set_step_field(b, "model", &json!("gemini-2.5-pro")).expect("edit");
    doc.move_step(a, &Place::body_of(lp, 0)).expect("move");
    doc.insert_step(&Place::top(2), &json!({"name": "c", "type": "claude"})).expect("insert");
    let v2 = doc.frontiers();
    let d = diff(&doc.at(&v1).expect("v1"), &doc.at(&v2).expect("v2")).expect("diff");
    let kinds: Vec<String> = d
        .steps
        .iter()
        .map(|c| match c {
            StepChange::Added { name, .. } => format!("added {name}"),
            StepChange::Removed { name, .. } => format!("removed {name}"),
            StepChange::Moved { name, from, to, .. } => format!("moved {name} {from} -> {to}"),
            StepChange::Changed { name, fields, .. } => format!("changed {name} {}", fields[0].key),
        })
        .collect();
    assert!(kinds.contains(&"moved \"a\" /workflow/steps/0 -> /workflow/steps/0/steps/0".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"added \"c\"".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"changed \"b\" model".to_string()), "{kinds:?}");
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(d.yaml.contains("+      model: gemini-2.5-pro"), "{}", d.yaml);
    // Removal, the other way round.
    let back = diff(&doc.at(&v2).expect("v2"), &doc.at(&v1).expect("v1")).expect("diff");
    assert!(back.steps.iter().any(|c| matches!(c, StepChange::Removed { name, .. } if name == "c")));
}

#[test]
fn restore_is_a_new_version_and_keeps_comments() {
    let doc = PipelineDoc::from_yaml(BASE).expect("import");
    let v1 = doc.frontiers();
    let b = doc.step_at("/workflow/steps/2").expect("b");
    doc.set_step_field(b, "type", &json!("claude")).expect("edit");
    let thread = doc.add_thread(b, "ann", "why claude?", 1).expect("comment");
    let before_restore = doc.frontiers();
    doc.restore(&v1, "restore v1").expect("restore");
    assert_eq!(doc.export_yaml().expect("export"), BASE);
    // History was not rewritten: the edited state is still reachable.
    assert!(doc.at(&before_restore).expect("old").export_yaml().expect("export").contains("type: claude # keep me"));
    // The comment made after v1 is still there, on the same step.
    let threads = doc.threads();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].id, thread);
    assert!(!threads[0].step_deleted);
}

#[test]
fn comment_threads_sync_survive_moves_and_stay_with_deleted_steps() {
    let a = PipelineDoc::from_yaml(BASE).expect("import");
    let b = PipelineDoc::from_bytes(&a.export_snapshot().expect("snap")).expect("replica");
    let step = a.step_at("/workflow/steps/2").expect("b");
    let t = a.add_thread(step, "ann", "Is gemini right here?", 10).expect("thread");
    b.import(&a.export_updates_since(&b.version()).expect("u")).expect("import");
    assert_eq!(b.threads()[0].messages[0].text, "Is gemini right here?");
    // Concurrent replies both survive.
    a.reply(&t, "ann", "I think so", 11).expect("reply");
    b.reply(&t, "bob", "No: use claude", 12).expect("reply");
    let (ua, ub) = (a.export_updates_since(&b.version()).expect("u"), b.export_updates_since(&a.version()).expect("u"));
    a.import(&ub).expect("import");
    b.import(&ua).expect("import");
    assert_eq!(a.threads(), b.threads());
    assert_eq!(a.threads()[0].messages.len(), 3);
    // Only the author edits a message.
    let first = a.threads()[0].messages[0].id.clone();
    assert!(a.edit_message(&t, &first, "bob", "hijack").is_err());
    a.edit_message(&t, &first, "ann", "Is gemini right?").expect("own edit");
    // Moving the step keeps the thread on it; deleting keeps the thread, marked.
    let lp = a.step_at("/workflow/steps/1").expect("loop");
    a.move_step(step, &Place::body_of(lp, 0)).expect("move");
    assert!(!a.threads()[0].step_deleted);
    a.delete_step(step).expect("delete");
    assert!(a.threads()[0].step_deleted);
    a.set_resolved(&t, true).expect("resolve");
    assert!(a.threads()[0].resolved);
}

#[test]
fn layout_lives_beside_the_yaml() {
    let doc = PipelineDoc::from_yaml(BASE).expect("import");
    let a = doc.step_at("/workflow/steps/0").expect("a");
    doc.set_position(a, 120.0, 40.5).expect("position");
    assert_eq!(doc.position(a), Some((120.0, 40.5)));
    assert_eq!(doc.export_yaml().expect("export"), BASE);
}
