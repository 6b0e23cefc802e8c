//! [`PipelineDoc`]: one pipeline as a Loro document.
//!
//! Root containers:
//! - `data` (map): key `root` holds the file's data except `workflow.steps`, as nested maps and lists;
//! - `steps` (movable tree, see [`crate::steps`]) with `meta.top_steps` saying whether `workflow.steps` is a
//!   list at all (an invalid file may lack it);
//! - `base` (map): `text`, the YAML as last imported or typed, which export splices changes into;
//! - `layout` (map): node key → `{x, y}`; `comments` (map): thread id → thread (see [`crate::comments`]).
//!
//! The YAML never holds layout or comments, and the document never holds formatting: export is
//! `pipeline_format::write::write(base text, model)`.

use loro::{ExportMode, Frontiers, LoroDoc, LoroMap, LoroTree, TreeParentId, ValueOrContainer, VersionVector};
use pipeline_format::Document;
use pipeline_format::value::doc_to_json;
use serde_json::Value;

use crate::convert::{map_set, sync_list, sync_map, voc_json};
use crate::error::DocError;
use crate::order::order_like;
use crate::steps::Steps;

pub struct PipelineDoc {
    doc: LoroDoc,
}

impl Default for PipelineDoc {
    fn default() -> Self {
        Self::new()
    }
}

impl PipelineDoc {
    /// An empty document with a fresh random peer id.
    pub fn new() -> Self {
        let doc = LoroDoc::new();
        doc.set_record_timestamp(true);
        let pd = PipelineDoc { doc };
        pd.tree().enable_fractional_index(0);
        pd
    }

    /// A document holding `text` (which must be YAML; pipeline validation errors are fine).
    pub fn from_yaml(text: &str) -> Result<Self, DocError> {
        let pd = Self::new();
        pd.replace_text(text)?;
        Ok(pd)
    }

    /// A document from a snapshot or updates exported by any replica.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DocError> {
        let pd = Self::new();
        pd.import(bytes)?;
        Ok(pd)
    }

    /// The underlying Loro document (for sync, undo and history).
    pub fn loro(&self) -> &LoroDoc {
        &self.doc
    }

    pub fn tree(&self) -> LoroTree {
        self.doc.get_tree("steps")
    }

    fn data(&self) -> LoroMap {
        self.doc.get_map("data")
    }

    fn meta(&self) -> LoroMap {
        self.doc.get_map("meta")
    }

    pub(crate) fn layout(&self) -> LoroMap {
        self.doc.get_map("layout")
    }

    pub(crate) fn comments_map(&self) -> LoroMap {
        self.doc.get_map("comments")
    }

    /// The YAML text the export splices into.
    pub fn base_text(&self) -> String {
        match self.doc.get_map("base").get("text") {
            Some(v) => voc_json(&v).as_str().unwrap_or_default().to_string(),
            None => String::new(),
        }
    }

    /// The pipeline's data as JSON, keys in the order of the base text (new keys sorted after them).
    pub fn model(&self) -> Value {
        let raw = self.model_unordered();
        match Document::parse(&self.base_text()) {
            Ok(base) => order_like(raw, &doc_to_json(&base)),
            Err(_) => raw,
        }
    }

    fn model_unordered(&self) -> Value {
        let mut root = self.data().get("root").map_or(Value::Null, |v| voc_json(&v));
        let top = self.meta().get("top_steps").is_some_and(|v| voc_json(&v) == Value::Bool(true));
        if top {
            let tree = self.tree();
            let steps = Steps { tree: &tree }.list_json(TreeParentId::Root, "");
            if let Some(w) = root.get_mut("workflow").and_then(Value::as_object_mut) {
                w.insert("steps".into(), Value::Array(steps));
            }
        }
        root
    }

    /// The steps tree as JSON text, in the shape loro-crdt's `LoroTree.toJSON()` gives a browser replica
    /// (nodes with `id`, `parent`, `index`, `fractional_index`, `meta`, `children`). A browser opening the
    /// document reads its first model from this instead of materialising the tree through WebAssembly
    /// (docs/protocol.md, `hello` flag `tree`). `None` when the tree holds a value JSON cannot carry the same
    /// way (binary, a non-finite number), which then has to be read from the replica itself.
    pub fn tree_json(&self) -> Option<Box<serde_json::value::RawValue>> {
        let value = self.tree().get_value_with_meta();
        if !json_safe(&value) {
            return None;
        }
        serde_json::value::to_raw_value(&value).ok()
    }

    /// The exact YAML: the base text with the model's changes spliced in.
    pub fn export_yaml(&self) -> Result<String, DocError> {
        let base = Document::parse(&self.base_text()).map_err(DocError::BaseText)?;
        Ok(pipeline_format::write::write(&base, &self.model())?)
    }

    /// The user typed `text` in the YAML pane (or a file was imported): it becomes the base text, and its
    /// difference to the model is applied as ordinary edits, so concurrent edits by others survive.
    /// Text that is not YAML is refused and nothing changes.
    pub fn replace_text(&self, text: &str) -> Result<(), DocError> {
        let parsed = Document::parse(text).map_err(DocError::Parse)?;
        let target = doc_to_json(&parsed);
        self.doc.get_map("base").insert("text", text)?;
        self.apply_model(&target)?;
        self.doc.commit();
        Ok(())
    }

    /// Makes the model equal `target` with as few operations as possible (no commit).
    pub fn apply_model(&self, target: &Value) -> Result<(), DocError> {
        let mut target = target.clone();
        let steps = match target.get_mut("workflow").and_then(Value::as_object_mut).and_then(|w| w.remove("steps")) {
            Some(Value::Array(a)) => Some(a),
            Some(other) => {
                // Not a list: it stays ordinary data (the validator reports it).
                if let Some(w) = target.get_mut("workflow").and_then(Value::as_object_mut) {
                    w.insert("steps".into(), other);
                }
                None
            }
            None => None,
        };
        let data = self.data();
        match (data.get("root"), &target) {
            (Some(ValueOrContainer::Container(loro::Container::Map(m))), Value::Object(o)) => sync_map(&m, o)?,
            (Some(ValueOrContainer::Container(loro::Container::List(l))), Value::Array(a)) => sync_list(&l, a)?,
            (Some(cur), _) if voc_json(&cur) == target => {}
            _ => map_set(&data, "root", &target)?,
        }
        let tree = self.tree();
        let steps_view = Steps { tree: &tree };
        self.meta().insert("top_steps", steps.is_some())?;
        steps_view.sync(TreeParentId::Root, "", steps.as_deref().unwrap_or(&[]))?;
        Ok(())
    }

    /// Applies the model change and commits it with a message (for history).
    pub fn set_model(&self, target: &Value, message: &str) -> Result<(), DocError> {
        self.apply_model(target)?;
        self.commit(message);
        Ok(())
    }

    pub fn commit(&self, message: &str) {
        if !message.is_empty() {
            self.doc.set_next_commit_message(message);
        }
        self.doc.commit();
    }

    /// Imports updates or a snapshot from another replica.
    pub fn import(&self, bytes: &[u8]) -> Result<(), DocError> {
        self.doc.import(bytes)?;
        Ok(())
    }

    /// Everything, with history.
    pub fn export_snapshot(&self) -> Result<Vec<u8>, DocError> {
        Ok(self.doc.export(ExportMode::Snapshot)?)
    }

    /// What a replica at version `since` is missing.
    pub fn export_updates_since(&self, since: &VersionVector) -> Result<Vec<u8>, DocError> {
        Ok(self.doc.export(ExportMode::updates(since))?)
    }

    pub fn version(&self) -> VersionVector {
        self.doc.oplog_vv()
    }

    pub fn frontiers(&self) -> Frontiers {
        self.doc.oplog_frontiers()
    }

    /// A read-only copy of the document as it was at `frontiers`.
    pub fn at(&self, frontiers: &Frontiers) -> Result<PipelineDoc, DocError> {
        Ok(PipelineDoc { doc: self.doc.fork_at(frontiers)? })
    }

    /// Restores the pipeline as it was at `frontiers`, as new edits on top of the current state (history is
    /// never rewritten; layout and comments made since are kept).
    pub fn restore(&self, frontiers: &Frontiers, message: &str) -> Result<(), DocError> {
        let old = self.at(frontiers)?;
        self.doc.get_map("base").insert("text", old.base_text())?;
        self.apply_model(&old.model())?;
        self.commit(message);
        Ok(())
    }

    /// Position of a step on the canvas.
    pub fn set_position(&self, step: loro::TreeID, x: f64, y: f64) -> Result<(), DocError> {
        let m = self.layout().ensure_mergeable_map(&crate::steps::node_key(step))?;
        m.insert("x", x)?;
        m.insert("y", y)?;
        self.doc.commit();
        Ok(())
    }

    pub fn position(&self, step: loro::TreeID) -> Option<(f64, f64)> {
        let v = voc_json(&self.layout().get(&crate::steps::node_key(step))?);
        Some((v.get("x")?.as_f64()?, v.get("y")?.as_f64()?))
    }

    /// The step nodes in document order (depth first), with their paths in the model.
    pub fn step_ids(&self) -> Vec<(loro::TreeID, String)> {
        self.step_refs().into_iter().map(|r| (r.id, r.path)).collect()
    }

    /// The step nodes in document order, with path, parent and slot.
    pub fn step_refs(&self) -> Vec<StepRef> {
        let tree = self.tree();
        let view = Steps { tree: &tree };
        let mut out = Vec::new();
        fn walk(view: &Steps<'_>, parent: TreeParentId, prefix: &str, out: &mut Vec<StepRef>) {
            let mut slots: Vec<String> = Vec::new();
            for c in view.tree.children(parent).unwrap_or_default() {
                let s = view.slot_of(c);
                if !slots.contains(&s) {
                    slots.push(s);
                }
            }
            for s in slots {
                for (i, c) in view.children(parent, &s).into_iter().enumerate() {
                    let path = format!("{prefix}{s}/{i}");
                    let parent_id = match parent {
                        TreeParentId::Node(p) => Some(p),
                        _ => None,
                    };
                    out.push(StepRef { id: c, path: path.clone(), parent: parent_id, slot: s.clone() });
                    walk(view, TreeParentId::Node(c), &path, out);
                }
            }
        }
        walk(&view, TreeParentId::Root, "/workflow/steps", &mut out);
        out
    }
}

/// Where a step node is: its model path (`/workflow/steps/1/steps/0`), its parent step and its slot.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRef {
    pub id: loro::TreeID,
    pub path: String,
    pub parent: Option<loro::TreeID>,
    pub slot: String,
}

/// Whether `v` turns into JSON that parses back to what loro-crdt's own conversion gives JavaScript.
fn json_safe(v: &loro::LoroValue) -> bool {
    use loro::LoroValue as V;
    match v {
        V::Null | V::Bool(_) | V::I64(_) | V::String(_) => true,
        V::Double(d) => d.is_finite(),
        V::List(items) => items.iter().all(json_safe),
        V::Map(map) => map.values().all(json_safe),
        V::Binary(_) | V::Container(_) => false,
    }
}
