//! Step-level editing, as the canvas does it: set a field, insert, move, delete. Each call is one commit
//! (one undo step, one update to send).

use loro::{TreeID, TreeParentId, ValueOrContainer};
use serde_json::Value;

use crate::convert::{map_set, sync_list, sync_map, voc_json};
use crate::doc::PipelineDoc;
use crate::error::DocError;
use crate::steps::Steps;

/// Where a step goes: top level (`parent: None`, slot `""`) or a child list of a step (`/steps` for a
/// loop body, `/pipeline/steps` for an inline child pipeline).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub parent: Option<TreeID>,
    pub slot: String,
    pub index: usize,
}

impl Place {
    pub fn top(index: usize) -> Place {
        Place { parent: None, slot: String::new(), index }
    }

    pub fn body_of(parent: TreeID, index: usize) -> Place {
        Place { parent: Some(parent), slot: "/steps".into(), index }
    }

    fn parent_id(&self) -> TreeParentId {
        self.parent.map_or(TreeParentId::Root, TreeParentId::Node)
    }
}

impl PipelineDoc {
    /// The step node at a model path like `/workflow/steps/2/steps/0`.
    pub fn step_at(&self, path: &str) -> Option<TreeID> {
        self.step_ids().into_iter().find(|(_, p)| p == path).map(|(id, _)| id)
    }

    /// A step's data (with its child lists).
    pub fn step(&self, id: TreeID) -> Option<Value> {
        let tree = self.tree();
        (tree.contains(id) && !tree.is_node_deleted(&id).unwrap_or(true)).then(|| Steps { tree: &tree }.json(id))
    }

    /// Sets one field of a step (`Value::Null` keeps the key with a null value; see [`Self::remove_step_field`]).
    pub fn set_step_field(&self, id: TreeID, key: &str, value: &Value) -> Result<(), DocError> {
        let fields = self.fields(id)?;
        match (fields.get(key), value) {
            (Some(ValueOrContainer::Container(loro::Container::Map(m))), Value::Object(o)) => sync_map(&m, o)?,
            (Some(ValueOrContainer::Container(loro::Container::List(l))), Value::Array(a)) => sync_list(&l, a)?,
            (Some(cur), v) if voc_json(&cur) == *v => {}
            _ => map_set(&fields, key, value)?,
        }
        self.commit(&format!("set {key}"));
        Ok(())
    }

    pub fn remove_step_field(&self, id: TreeID, key: &str) -> Result<(), DocError> {
        self.fields(id)?.delete(key)?;
        self.commit(&format!("remove {key}"));
        Ok(())
    }

    fn fields(&self, id: TreeID) -> Result<loro::LoroMap, DocError> {
        let meta = self.tree().get_meta(id)?;
        match meta.get("fields") {
            Some(ValueOrContainer::Container(loro::Container::Map(m))) => Ok(m),
            _ => Err(DocError::NotFound(format!("step {} has no fields", crate::steps::node_key(id)))),
        }
    }

    /// Inserts a new step (its data may include a loop body).
    pub fn insert_step(&self, at: &Place, step: &Value) -> Result<TreeID, DocError> {
        let tree = self.tree();
        let id = Steps { tree: &tree }.create(at.parent_id(), &at.slot, at.index, step)?;
        if at.parent.is_none() {
            self.mark_top_steps()?;
        }
        self.commit("insert step");
        Ok(id)
    }

    /// Moves a step, with everything in it, to another place (also into or out of a loop).
    pub fn move_step(&self, id: TreeID, to: &Place) -> Result<(), DocError> {
        let tree = self.tree();
        Steps { tree: &tree }.move_to(id, to.parent_id(), &to.slot, to.index)?;
        self.commit("move step");
        Ok(())
    }

    pub fn delete_step(&self, id: TreeID) -> Result<(), DocError> {
        self.tree().delete(id)?;
        self.commit("delete step");
        Ok(())
    }

    fn mark_top_steps(&self) -> Result<(), DocError> {
        self.loro().get_map("meta").insert("top_steps", true)?;
        Ok(())
    }
}
