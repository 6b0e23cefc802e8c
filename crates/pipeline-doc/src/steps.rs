//! Steps in the movable tree. A step is a tree node whose meta map holds `fields` (the step's own keys), its
//! `slot` in the parent (a JSON Pointer: `""` for `workflow.steps`, `/steps` for a loop body,
//! `/pipeline/steps` for an inline child pipeline) and `slots` (the child lists the step has, even when
//! empty). A list entry that is not a mapping is kept as a `value` node so that any file round-trips.

use loro::{LoroMap, LoroResult, LoroTree, LoroValue, TreeID, TreeParentId, ValueOrContainer};
use serde_json::{Map, Value};

use crate::convert::{fill_map, scalar, sync_map, voc_json};

/// Child lists of a step that live in the tree rather than in its fields.
pub fn child_slots(step: &Map<String, Value>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if step.get("steps").is_some_and(Value::is_array) {
        out.push("/steps");
    }
    if step.get("pipeline").and_then(|p| p.get("steps")).is_some_and(Value::is_array) {
        out.push("/pipeline/steps");
    }
    out
}

/// Takes the array at `slot` out of a step's fields.
fn take_slot(step: &mut Map<String, Value>, slot: &str) -> Vec<Value> {
    let taken = match slot {
        "/steps" => step.get_mut("steps").map(Value::take),
        "/pipeline/steps" => step.get_mut("pipeline").and_then(|p| p.get_mut("steps")).map(Value::take),
        _ => None,
    };
    match taken {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    }
}

/// Puts `items` at `slot` into a step's fields (creating the `pipeline` mapping if needed).
fn put_slot(step: &mut Map<String, Value>, slot: &str, items: Vec<Value>) {
    match slot {
        "/pipeline/steps" => {
            let p = step.entry("pipeline").or_insert_with(|| Value::Object(Map::new()));
            if !p.is_object() {
                *p = Value::Object(Map::new());
            }
            if let Some(o) = p.as_object_mut() {
                o.insert("steps".into(), Value::Array(items));
            }
        }
        _ => {
            step.insert(slot.trim_start_matches('/').to_string(), Value::Array(items));
        }
    }
}

pub struct Steps<'a> {
    pub tree: &'a LoroTree,
}

impl Steps<'_> {
    pub fn meta(&self, id: TreeID) -> LoroResult<LoroMap> {
        self.tree.get_meta(id)
    }

    pub fn slot_of(&self, id: TreeID) -> String {
        self.meta(id)
            .ok()
            .and_then(|m| m.get("slot"))
            .map(|v| voc_json(&v))
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }

    /// The children of `parent` in `slot`, in order.
    pub fn children(&self, parent: TreeParentId, slot: &str) -> Vec<TreeID> {
        self.tree.children(parent).unwrap_or_default().into_iter().filter(|c| self.slot_of(*c) == slot).collect()
    }

    /// The JSON of one step, with its child lists filled in from the tree.
    pub fn json(&self, id: TreeID) -> Value {
        let Ok(meta) = self.meta(id) else { return Value::Null };
        if let Some(v) = meta.get("value") {
            return voc_json(&v);
        }
        let mut fields = match meta.get("fields").map(|f| voc_json(&f)) {
            Some(Value::Object(o)) => o,
            _ => Map::new(),
        };
        let mut slots: Vec<String> = match meta.get("slots").map(|s| voc_json(&s)) {
            Some(Value::Object(o)) => o.keys().cloned().collect(),
            _ => Vec::new(),
        };
        for c in self.tree.children(TreeParentId::Node(id)).unwrap_or_default() {
            let s = self.slot_of(c);
            if !slots.contains(&s) {
                slots.push(s);
            }
        }
        slots.sort();
        for s in slots {
            let items = self.children(TreeParentId::Node(id), &s).into_iter().map(|c| self.json(c)).collect();
            put_slot(&mut fields, &s, items);
        }
        Value::Object(fields)
    }

    /// The list in `slot` of `parent` as JSON.
    pub fn list_json(&self, parent: TreeParentId, slot: &str) -> Vec<Value> {
        self.children(parent, slot).into_iter().map(|c| self.json(c)).collect()
    }

    /// Creates a step at `index` of `slot` in `parent`.
    pub fn create(&self, parent: TreeParentId, slot: &str, index: usize, v: &Value) -> LoroResult<TreeID> {
        let at = self.tree_index(parent, slot, index, None);
        let id = self.tree.create_at(parent, at)?;
        self.write(id, slot, v)?;
        Ok(id)
    }

    /// Writes a new step's content into node `id`.
    fn write(&self, id: TreeID, slot: &str, v: &Value) -> LoroResult<()> {
        let meta = self.meta(id)?;
        meta.insert("slot", slot)?;
        match v {
            Value::Object(o) => {
                let mut fields = o.clone();
                let slots = child_slots(o);
                let lists: Vec<(&str, Vec<Value>)> = slots.iter().map(|s| (*s, take_slot(&mut fields, s))).collect();
                strip_taken(&mut fields, &slots);
                fill_map(&meta.insert_container("fields", LoroMap::new())?, &fields)?;
                let slot_map = meta.insert_container("slots", LoroMap::new())?;
                for (s, items) in lists {
                    slot_map.insert(s, true)?;
                    for (i, item) in items.iter().enumerate() {
                        self.create(TreeParentId::Node(id), s, i, item)?;
                    }
                }
            }
            other => meta.insert("value", scalar(other).unwrap_or(LoroValue::Null))?,
        }
        Ok(())
    }

    /// Index in the parent's full child list for position `index` among the children in `slot`
    /// (other slots' children keep their places). `skip` is a node being moved.
    fn tree_index(&self, parent: TreeParentId, slot: &str, index: usize, skip: Option<TreeID>) -> usize {
        let all: Vec<TreeID> =
            self.tree.children(parent).unwrap_or_default().into_iter().filter(|c| Some(*c) != skip).collect();
        let mut seen = 0;
        for (i, c) in all.iter().enumerate() {
            if self.slot_of(*c) == slot {
                if seen == index {
                    return i;
                }
                seen += 1;
            }
        }
        all.len()
    }

    /// Moves `id` to `index` of `slot` in `parent`.
    pub fn move_to(&self, id: TreeID, parent: TreeParentId, slot: &str, index: usize) -> LoroResult<()> {
        let at = self.tree_index(parent, slot, index, Some(id));
        self.tree.mov_to(id, parent, at)?;
        self.meta(id)?.insert("slot", slot)?;
        Ok(())
    }

    /// Makes the children of `parent` in `slot` equal `target`: equal or same-named steps keep their node
    /// (and so their layout, comments and concurrent edits), moved where needed; the rest are created or
    /// deleted.
    pub fn sync(&self, parent: TreeParentId, slot: &str, target: &[Value]) -> LoroResult<()> {
        let old = self.children(parent, slot);
        let old_json: Vec<Value> = old.iter().map(|c| self.json(*c)).collect();
        let order = pair(&old_json, target);
        let kept: Vec<bool> = (0..old.len()).map(|i| order.contains(&Some(i))).collect();
        for (i, id) in old.iter().enumerate() {
            if !kept[i] {
                self.tree.delete(*id)?;
            }
        }
        for (j, v) in target.iter().enumerate() {
            match order[j] {
                Some(i) => {
                    let id = old[i];
                    if self.children(parent, slot).get(j) != Some(&id) {
                        self.move_to(id, parent, slot, j)?;
                    }
                    if old_json[i] != *v {
                        self.update(id, v)?;
                    }
                }
                None => {
                    self.create(parent, slot, j, v)?;
                }
            }
        }
        Ok(())
    }

    /// Brings an existing step's content to `v`.
    fn update(&self, id: TreeID, v: &Value) -> LoroResult<()> {
        let meta = self.meta(id)?;
        let Value::Object(o) = v else {
            if meta.get("fields").is_some() {
                meta.delete("fields")?;
                meta.delete("slots")?;
            }
            return meta.insert("value", scalar(v).unwrap_or(LoroValue::Null));
        };
        if meta.get("value").is_some() {
            meta.delete("value")?;
        }
        let mut fields = o.clone();
        let slots = child_slots(o);
        let lists: Vec<(&str, Vec<Value>)> = slots.iter().map(|s| (*s, take_slot(&mut fields, s))).collect();
        strip_taken(&mut fields, &slots);
        let fmap = match meta.get("fields") {
            Some(ValueOrContainer::Container(loro::Container::Map(m))) => m,
            _ => meta.insert_container("fields", LoroMap::new())?,
        };
        sync_map(&fmap, &fields)?;
        let slot_map = match meta.get("slots") {
            Some(ValueOrContainer::Container(loro::Container::Map(m))) => m,
            _ => meta.insert_container("slots", LoroMap::new())?,
        };
        // Child lists that disappeared: their steps go too.
        let existing: Vec<String> = slot_map.keys().map(|k| k.to_string()).collect();
        for s in existing {
            if !slots.contains(&s.as_str()) {
                slot_map.delete(&s)?;
                for c in self.children(TreeParentId::Node(id), &s) {
                    self.tree.delete(c)?;
                }
            }
        }
        for (s, items) in lists {
            if slot_map.get(s).is_none() {
                slot_map.insert(s, true)?;
            }
            self.sync(TreeParentId::Node(id), s, &items)?;
        }
        Ok(())
    }
}

/// After taking child lists out, an inline `pipeline` mapping keeps its other keys; `steps` is gone.
fn strip_taken(fields: &mut Map<String, Value>, slots: &[&str]) {
    for s in slots {
        match *s {
            "/steps" => {
                fields.remove("steps");
            }
            "/pipeline/steps" => {
                if let Some(p) = fields.get_mut("pipeline").and_then(Value::as_object_mut) {
                    p.remove("steps");
                }
            }
            _ => {}
        }
    }
}

/// Which old step each new step continues: equal ones first, then same name, then by position when as
/// many are left on both sides.
pub fn pair(old: &[Value], new: &[Value]) -> Vec<Option<usize>> {
    let mut order = vec![None; new.len()];
    let mut used = vec![false; old.len()];
    for (j, v) in new.iter().enumerate() {
        // Prefer the same position when equal (keeps order stable for duplicates).
        let hit = if old.get(j).is_some_and(|o| o == v) && !used[j] {
            Some(j)
        } else {
            (0..old.len()).find(|&i| !used[i] && old[i] == *v)
        };
        if let Some(i) = hit {
            order[j] = Some(i);
            used[i] = true;
        }
    }
    for (j, v) in new.iter().enumerate() {
        if order[j].is_some() {
            continue;
        }
        let Some(name) = v.get("name") else { continue };
        if let Some(i) = (0..old.len()).find(|&i| !used[i] && old[i].get("name") == Some(name)) {
            order[j] = Some(i);
            used[i] = true;
        }
    }
    let left_old: Vec<usize> = (0..old.len()).filter(|&i| !used[i]).collect();
    let left_new: Vec<usize> = (0..new.len()).filter(|&j| order[j].is_none()).collect();
    if left_old.len() == left_new.len() {
        for (i, j) in left_old.into_iter().zip(left_new) {
            order[j] = Some(i);
        }
    }
    order
}

/// A stable text key for a tree node (`counter@peer`), used for layout and comment threads.
pub fn node_key(id: TreeID) -> String {
    format!("{}@{}", id.counter, id.peer)
}

/// The node for a key made by [`node_key`].
pub fn parse_node_key(s: &str) -> Option<TreeID> {
    let (c, p) = s.split_once('@')?;
    Some(TreeID { peer: p.parse().ok()?, counter: c.parse().ok()? })
}
