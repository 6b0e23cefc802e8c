//! Is a client's update well-formed? Checked on what importing it changed (Loro's diff events), so the cost
//! follows the update's size, not the document's: every changed container must live under one of the
//! document's own roots with its own type (`data`, `meta`, `layout`, `comments`: maps; `steps`: the tree),
//! inside them only maps, lists and the tree's node maps, and values must be JSON-like (no binary). The base
//! text (`base`) changes only through the HTTP API, which parses it first, or from a replica connection (a local
//! node relaying its server's changes), after which the caller parses it: [`Verdict::base_changed`] says when.

use std::sync::{Arc, Mutex};

use loro::event::{Diff, DiffEvent, ListDiffItem};
use loro::{ContainerID, ContainerType, LoroDoc, LoroValue, Subscription, ValueOrContainer};

/// The roots a client may change, with their types.
const ROOTS: [(&str, ContainerType); 5] = [
    ("data", ContainerType::Map),
    ("meta", ContainerType::Map),
    ("layout", ContainerType::Map),
    ("comments", ContainerType::Map),
    ("steps", ContainerType::Tree),
];

/// What changes since the last [`UpdateCheck::take`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The first rule broken, if any.
    pub problem: Option<String>,
    /// The base text was set (to a string: anything else is a `problem`).
    pub base_changed: bool,
}

/// Watches a document's changes; `take` says whether anything since the last `take` broke the rules.
pub struct UpdateCheck {
    verdict: Arc<Mutex<Verdict>>,
    _sub: Subscription,
}

impl UpdateCheck {
    pub fn attach(doc: &LoroDoc) -> UpdateCheck {
        let verdict: Arc<Mutex<Verdict>> = Arc::default();
        let v = verdict.clone();
        let sub = doc.subscribe_root(Arc::new(move |e: DiffEvent<'_>| {
            let (problem, base) = first_problem(&e);
            let mut slot = v.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.base_changed |= base;
            if let Some(problem) = problem {
                slot.problem.get_or_insert(problem);
            }
        }));
        UpdateCheck { verdict, _sub: sub }
    }

    /// The first problem seen since the last call, if any (and forgets it); a change of the base text counts as
    /// one (the rule for clients).
    pub fn take(&self) -> Option<String> {
        let v = self.take_verdict();
        v.problem
            .or_else(|| v.base_changed.then(|| "the update changes the base text, which clients may not change".into()))
    }

    /// What happened since the last call (and forgets it).
    pub fn take_verdict(&self) -> Verdict {
        std::mem::take(&mut *self.verdict.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

fn root_of<'a>(target: &'a ContainerID, path: &'a [(ContainerID, loro::Index)]) -> &'a ContainerID {
    path.first().map_or(target, |(id, _)| id)
}

fn container_type(id: &ContainerID) -> ContainerType {
    match id {
        ContainerID::Root { container_type, .. } | ContainerID::Normal { container_type, .. } => *container_type,
    }
}

fn value_problem(v: &ValueOrContainer) -> Option<String> {
    match v {
        ValueOrContainer::Value(value) => loro_value_problem(value),
        ValueOrContainer::Container(c) => match c.get_type() {
            ContainerType::Map | ContainerType::List => None,
            other => Some(format!("a {other:?} container is not part of a pipeline document")),
        },
    }
}

fn loro_value_problem(v: &LoroValue) -> Option<String> {
    match v {
        LoroValue::Binary(_) => Some("binary values are not part of a pipeline document".into()),
        LoroValue::Container(id) => match container_type(id) {
            ContainerType::Map | ContainerType::List => None,
            other => Some(format!("a {other:?} container is not part of a pipeline document")),
        },
        LoroValue::List(items) => items.iter().find_map(loro_value_problem),
        LoroValue::Map(map) => map.values().find_map(loro_value_problem),
        _ => None,
    }
}

/// A change of the base text: only its `text` key, set to a string.
fn base_problem(target: &ContainerID, diff: &Diff<'_>) -> Option<String> {
    let ContainerID::Root { container_type: ContainerType::Map, .. } = target else {
        return Some("the base text is a map of one string".into());
    };
    let Diff::Map(m) = diff else { return Some("the base text is a map of one string".into()) };
    m.updated.iter().find_map(|(key, value)| match (key.as_ref(), value) {
        ("text", Some(ValueOrContainer::Value(LoroValue::String(_)))) => None,
        _ => Some("the base text is a map of one string under `text`".into()),
    })
}

/// The first rule broken by the events, and whether they changed the base text.
fn first_problem(e: &DiffEvent<'_>) -> (Option<String>, bool) {
    let mut base = false;
    for d in &e.events {
        let root = root_of(d.target, d.path);
        if matches!(root, ContainerID::Root { name, container_type: ContainerType::Map } if name.as_str() == "base") {
            base = true;
            if let Some(problem) = base_problem(d.target, &d.diff) {
                return (Some(problem), base);
            }
            continue;
        }
        let allowed = match root {
            ContainerID::Root { name, container_type } => {
                ROOTS.iter().any(|(n, t)| *n == name.as_str() && t == container_type)
            }
            ContainerID::Normal { .. } => false,
        };
        if !allowed {
            return (Some(format!("the update changes {root}, which clients may not change")), base);
        }
        let problem = match &d.diff {
            Diff::Map(m) => m.updated.values().flatten().find_map(value_problem),
            Diff::List(items) => items.iter().find_map(|i| match i {
                ListDiffItem::Insert { insert, .. } => insert.iter().find_map(value_problem),
                _ => None,
            }),
            Diff::Tree(_) => None,
            Diff::Text(_) => Some("text containers are not part of a pipeline document".into()),
            _ => Some(format!("{} is not a container a pipeline document has", d.target)),
        };
        if problem.is_some() {
            return (problem, base);
        }
    }
    (None, base)
}

#[cfg(test)]
mod tests {
    use loro::{ExportMode, LoroMap};

    use super::*;

    /// A server replica of `yaml` and a client replica of it; the server imports what `edit` did on the client,
    /// watched by a check, which is returned.
    fn imported(yaml: &str, edit: impl FnOnce(&LoroDoc)) -> UpdateCheck {
        let server = pipeline_doc::PipelineDoc::from_yaml(yaml).expect("yaml");
        let client = LoroDoc::new();
        client.import(&server.export_snapshot().expect("snapshot")).expect("import");
        let before = client.oplog_vv();
        edit(&client);
        client.commit();
        let update = client.export(ExportMode::updates(&before)).expect("export");
        let check = UpdateCheck::attach(server.loro());
        server.import(&update).expect("import");
        check
    }

    /// The verdict for a client connection.
    fn verdict(edit: impl FnOnce(&LoroDoc)) -> Option<String> {
        imported("workflow:\n  name: x\n  steps:\n  - name: a\n    type: claude\n", edit).take()
    }

    #[test]
    fn pipeline_edits_pass() {
        assert_eq!(
            verdict(|d| {
                let tree = d.get_tree("steps");
                let node = tree.roots()[0];
                let fields = tree.get_meta(node).expect("meta").get("fields");
                if let Some(ValueOrContainer::Container(loro::Container::Map(m))) = fields {
                    m.insert("model", "opus").expect("insert");
                    m.insert_container("options", LoroMap::new()).expect("map").insert("k", 1).expect("insert");
                }
                d.get_map("layout").insert("n1", loro::loro_value!({"x": 1.0, "y": 2.0})).expect("layout");
            }),
            None
        );
    }

    #[test]
    fn base_text_and_foreign_roots_are_refused() {
        assert!(verdict(|d| d.get_map("base").insert("text", "x: [").map(|_| ()).expect("insert")).is_some());
        assert!(verdict(|d| d.get_map("junk").insert("a", 1).map(|_| ()).expect("insert")).is_some());
        assert!(verdict(|d| d.get_text("data").insert(0, "x").expect("insert")).is_some());
    }

    /// The verdict with the base text allowed (a replica connection).
    fn replica_verdict(edit: impl FnOnce(&LoroDoc)) -> Verdict {
        imported("workflow:\n  name: x\n", edit).take_verdict()
    }

    #[test]
    fn a_replica_may_set_the_base_text_to_a_string_only() {
        let v = replica_verdict(|d| d.get_map("base").insert("text", "a: 1\n").map(|_| ()).expect("insert"));
        assert_eq!(v, Verdict { problem: None, base_changed: true });
        let v = replica_verdict(|d| d.get_map("base").insert("text", 3).map(|_| ()).expect("insert"));
        assert!(v.problem.is_some() && v.base_changed, "{v:?}");
        let v = replica_verdict(|d| d.get_map("base").insert("other", "x").map(|_| ()).expect("insert"));
        assert!(v.problem.is_some(), "{v:?}");
        let v = replica_verdict(|d| d.get_map("data").insert("k", 1).map(|_| ()).expect("insert"));
        assert_eq!(v, Verdict::default());
    }

    #[test]
    fn binary_values_and_text_containers_are_refused() {
        assert!(verdict(|d| d.get_map("data").insert("b", vec![1u8, 2]).map(|_| ()).expect("insert")).is_some());
        assert!(
            verdict(|d| {
                d.get_map("data").insert_container("t", loro::LoroText::new()).map(|_| ()).expect("insert")
            })
            .is_some()
        );
    }
}
