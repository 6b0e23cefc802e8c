//! What changed between two versions of a pipeline: step by step (added, removed, moved, changed fields,
//! with steps identified by their tree node, so a renamed or moved step is still the same step) and as a
//! unified diff of the exported YAML.

use std::collections::HashMap;

use loro::TreeID;
use serde::Serialize;
use serde_json::Value;

use crate::doc::PipelineDoc;
use crate::error::DocError;
use crate::steps::{child_slots, node_key};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub key: String,
    /// `null` when the field was added.
    pub before: Option<Value>,
    /// `null` when the field was removed.
    pub after: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepChange {
    Added { step: String, name: Value, path: String },
    Removed { step: String, name: Value, path: String },
    Moved { step: String, name: Value, from: String, to: String },
    Changed { step: String, name: Value, path: String, fields: Vec<FieldChange> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionDiff {
    pub steps: Vec<StepChange>,
    /// Unified diff of the two exports (empty when they are identical).
    pub yaml: String,
    /// Whether workflow-level fields (anything outside the steps) changed.
    pub workflow_changed: bool,
}

struct StepInfo {
    path: String,
    parent: Option<TreeID>,
    slot: String,
    data: Value,
}

fn infos(doc: &PipelineDoc) -> (Vec<TreeID>, HashMap<TreeID, StepInfo>) {
    let refs = doc.step_refs();
    let mut order = Vec::with_capacity(refs.len());
    let mut out = HashMap::with_capacity(refs.len());
    for r in refs {
        let mut data = doc.step(r.id).unwrap_or(Value::Null);
        // Child lists are other steps; they are compared as steps of their own.
        if let Some(o) = data.as_object_mut() {
            for s in child_slots(&o.clone()) {
                if s == "/steps" {
                    o.remove("steps");
                } else if let Some(p) = o.get_mut("pipeline").and_then(Value::as_object_mut) {
                    p.remove("steps");
                }
            }
        }
        order.push(r.id);
        out.insert(r.id, StepInfo { path: r.path, parent: r.parent, slot: r.slot, data });
    }
    (order, out)
}

/// The differences from `a` to `b` (two states of the same pipeline, e.g. from [`PipelineDoc::at`]).
pub fn diff(a: &PipelineDoc, b: &PipelineDoc) -> Result<VersionDiff, DocError> {
    let (a_order, a_info) = infos(a);
    let (b_order, b_info) = infos(b);
    let mut steps = Vec::new();
    for id in &a_order {
        if !b_info.contains_key(id) {
            let i = &a_info[id];
            steps.push(StepChange::Removed { step: node_key(*id), name: i.data["name"].clone(), path: i.path.clone() });
        }
    }
    // Moved: another parent or slot, or a different order among the siblings present in both versions.
    let mut moved: Vec<TreeID> = Vec::new();
    let siblings = |order: &[TreeID], info: &HashMap<TreeID, StepInfo>, other: &HashMap<TreeID, StepInfo>| {
        let mut groups: HashMap<(Option<TreeID>, String), Vec<TreeID>> = HashMap::new();
        for id in order {
            if other.contains_key(id) {
                let i = &info[id];
                groups.entry((i.parent, i.slot.clone())).or_default().push(*id);
            }
        }
        groups
    };
    let ga = siblings(&a_order, &a_info, &b_info);
    let gb = siblings(&b_order, &b_info, &a_info);
    for id in &b_order {
        let (Some(x), Some(y)) = (a_info.get(id), b_info.get(id)) else { continue };
        if x.parent != y.parent || x.slot != y.slot {
            moved.push(*id);
        }
    }
    for (key, seq_b) in &gb {
        let Some(seq_a) = ga.get(key) else { continue };
        let common: Vec<TreeID> = seq_b.iter().filter(|id| seq_a.contains(id)).copied().collect();
        let in_a: Vec<TreeID> = seq_a.iter().filter(|id| common.contains(id)).copied().collect();
        let keep = lcs(&in_a, &common);
        for id in common {
            if !keep.contains(&id) && !moved.contains(&id) {
                moved.push(id);
            }
        }
    }
    for id in &b_order {
        let y = &b_info[id];
        let Some(x) = a_info.get(id) else {
            steps.push(StepChange::Added { step: node_key(*id), name: y.data["name"].clone(), path: y.path.clone() });
            continue;
        };
        if moved.contains(id) {
            steps.push(StepChange::Moved {
                step: node_key(*id),
                name: y.data["name"].clone(),
                from: x.path.clone(),
                to: y.path.clone(),
            });
        }
        let fields = field_changes(&x.data, &y.data);
        if !fields.is_empty() {
            steps.push(StepChange::Changed {
                step: node_key(*id),
                name: y.data["name"].clone(),
                path: y.path.clone(),
                fields,
            });
        }
    }
    let (ya, yb) = (a.export_yaml()?, b.export_yaml()?);
    let yaml = if ya == yb {
        String::new()
    } else {
        similar::TextDiff::from_lines(&ya, &yb).unified_diff().context_radius(3).header("before", "after").to_string()
    };
    let strip = |mut v: Value| {
        if let Some(w) = v.get_mut("workflow").and_then(Value::as_object_mut) {
            w.remove("steps");
        }
        v
    };
    let workflow_changed = strip(a.model()) != strip(b.model());
    Ok(VersionDiff { steps, yaml, workflow_changed })
}

fn field_changes(a: &Value, b: &Value) -> Vec<FieldChange> {
    match (a.as_object(), b.as_object()) {
        (Some(x), Some(y)) => {
            let mut out = Vec::new();
            for (k, v) in x {
                match y.get(k) {
                    None => out.push(FieldChange { key: k.clone(), before: Some(v.clone()), after: None }),
                    Some(w) if w != v => {
                        out.push(FieldChange { key: k.clone(), before: Some(v.clone()), after: Some(w.clone()) })
                    }
                    _ => {}
                }
            }
            for (k, w) in y {
                if !x.contains_key(k) {
                    out.push(FieldChange { key: k.clone(), before: None, after: Some(w.clone()) });
                }
            }
            out
        }
        _ if a != b => vec![FieldChange { key: String::new(), before: Some(a.clone()), after: Some(b.clone()) }],
        _ => Vec::new(),
    }
}

/// The longest common subsequence of two sequences of the same ids (the ones that kept their order).
fn lcs(a: &[TreeID], b: &[TreeID]) -> Vec<TreeID> {
    let (n, m) = (a.len(), b.len());
    let mut dp = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i * (m + 1) + j] = if a[i] == b[j] {
                dp[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                dp[(i + 1) * (m + 1) + j].max(dp[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(a[i]);
            i += 1;
            j += 1;
        } else if dp[(i + 1) * (m + 1) + j] >= dp[i * (m + 1) + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}
