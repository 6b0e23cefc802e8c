//! The document's data as JSON: the model that patches address and that the writer's re-parse check compares.
//! Keys keep their order; non-string scalar keys become their written text, as pipeline_ex sees them.

use serde_json::{Map, Number, Value};

use crate::node::{Node, NodeKind};

/// Converts a node tree to JSON. Non-finite floats (`.inf`, `.nan`), which JSON cannot hold, become the
/// strings `.inf`, `-.inf` and `.nan`.
pub fn to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => Value::Number((*i).into()),
        NodeKind::Float(f) => float_to_json(*f),
        NodeKind::Str(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => {
            let mut m = Map::with_capacity(entries.len());
            for e in entries {
                m.insert(e.key_str().to_string(), to_json(&e.value));
            }
            Value::Object(m)
        }
    }
}

pub fn float_to_json(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String(".nan".into()),
        None if f > 0.0 => Value::String(".inf".into()),
        None => Value::String("-.inf".into()),
    }
}

/// The document root as JSON (`null` for an empty document).
pub fn doc_to_json(doc: &crate::Document) -> Value {
    doc.root.as_ref().map_or(Value::Null, to_json)
}
