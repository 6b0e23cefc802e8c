//! Randomised convergence: 5 replicas make random edits (field sets, inserts, moves into and out of loops,
//! deletes, text replacements); updates are delivered in random order, some twice, some late. In the end
//! every replica has the same model and the same export, and the export re-parses to the model.

use pipeline_doc::{PipelineDoc, Place};
use pipeline_format::Document;
use pipeline_format::value::doc_to_json;
use proptest::prelude::*;
use serde_json::json;

const BASE: &str = "workflow:\n  name: demo # keep\n  steps:\n    - name: s0\n      type: claude\n    - name: loop\n      type: for_loop\n      iterator: item\n      data_source: s0\n      steps:\n        - name: s1\n          type: gemini\n";

#[derive(Debug, Clone)]
enum Op {
    SetField(usize, u8, u16),
    Insert(usize, bool, u16),
    Move(usize, usize, bool),
    Delete(usize),
    ReplaceText(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..3, any::<u16>()).prop_map(|(s, k, v)| Op::SetField(s, k, v)),
        2 => (any::<usize>(), any::<bool>(), any::<u16>()).prop_map(|(i, b, n)| Op::Insert(i, b, n)),
        2 => (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(s, t, b)| Op::Move(s, t, b)),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => any::<u16>().prop_map(Op::ReplaceText),
    ]
}

fn apply(doc: &PipelineDoc, op: &Op) {
    let steps = doc.step_ids();
    let loops: Vec<_> = steps
        .iter()
        .filter(|(id, _)| doc.step(*id).is_some_and(|v| v["type"] == "for_loop"))
        .map(|(id, _)| *id)
        .collect();
    // Errors (e.g. moving a loop into itself) are refused by the document and change nothing.
    let _ = match op {
        Op::SetField(s, k, v) if !steps.is_empty() => {
            let id = steps[s % steps.len()].0;
            let key = ["model", "output_to_file", "name"][*k as usize % 3];
            doc.set_step_field(id, key, &json!(format!("{key}_{v}")))
        }
        Op::Insert(i, into_loop, n) => {
            let place = match (into_loop, loops.first()) {
                (true, Some(l)) => Place::body_of(*l, 0),
                _ => Place::top(i % 3),
            };
            doc.insert_step(&place, &json!({"name": format!("new_{n}"), "type": "claude"})).map(|_| ())
        }
        Op::Move(s, t, into_loop) if !steps.is_empty() => {
            let id = steps[s % steps.len()].0;
            let place = match (into_loop, loops.get(t % loops.len().max(1))) {
                (true, Some(l)) if *l != id => Place::body_of(*l, 0),
                _ => Place::top(t % 2),
            };
            doc.move_step(id, &place)
        }
        Op::Delete(s) if steps.len() > 1 => doc.delete_step(steps[s % steps.len()].0),
        Op::ReplaceText(n) => {
            let text = doc.export_yaml().expect("export");
            doc.replace_text(&text.replacen("name: demo", &format!("name: demo{n}"), 1))
        }
        _ => Ok(()),
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn five_replicas_converge(
        ops in prop::collection::vec((0usize..5, op()), 10..60),
        deliveries in prop::collection::vec((any::<usize>(), 0usize..5, any::<bool>()), 0..120),
    ) {
        let first = PipelineDoc::from_yaml(BASE).expect("import");
        let snap = first.export_snapshot().expect("snapshot");
        let replicas: Vec<PipelineDoc> = (0..5).map(|_| PipelineDoc::from_bytes(&snap).expect("import")).collect();
        // Every update ever produced, as (bytes); delivered out of order and duplicated.
        let mut sent: Vec<Vec<u8>> = Vec::new();
        let mut d = deliveries.into_iter();
        for (r, op) in &ops {
            let before = replicas[*r].version();
            apply(&replicas[*r], op);
            sent.push(replicas[*r].export_updates_since(&before).expect("export"));
            // Deliver a random earlier update to a random replica (possibly again).
            if let Some((pick, to, twice)) = d.next() {
                let u = &sent[pick % sent.len()];
                replicas[to].import(u).expect("import");
                if twice {
                    replicas[to].import(u).expect("import duplicate");
                }
            }
        }
        // Finally everything reaches everyone, in reverse order.
        for r in &replicas {
            for u in sent.iter().rev() {
                r.import(u).expect("import");
            }
        }
        let model = replicas[0].model();
        let yaml = replicas[0].export_yaml().expect("export");
        prop_assert_eq!(doc_to_json(&Document::parse(&yaml).expect("export parses")), model.clone());
        for r in &replicas[1..] {
            prop_assert_eq!(r.model(), model.clone());
            prop_assert_eq!(r.export_yaml().expect("export"), yaml.clone());
        }
    }
}
