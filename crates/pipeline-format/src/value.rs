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

/// Whether `node` holds exactly the data `v` (same as `to_json(node) == *v`, without building JSON).
pub fn node_eq(node: &Node, v: &Value) -> bool {
    match (&node.kind, v) {
        (NodeKind::Null, Value::Null) => true,
        (NodeKind::Bool(a), Value::Bool(b)) => a == b,
        (NodeKind::Int(a), Value::Number(n)) => n.as_i64() == Some(*a) && !n.is_f64(),
        (NodeKind::Float(f), _) => float_to_json(*f) == *v,
        (NodeKind::Str(a), Value::String(b)) => a == b,
        (NodeKind::Seq(items), Value::Array(arr)) => {
            items.len() == arr.len() && items.iter().zip(arr).all(|(n, v)| node_eq(n, v))
        }
        (NodeKind::Map(entries), Value::Object(obj)) => {
            entries.len() == obj.len()
                && entries.iter().zip(obj).all(|(e, (k, v))| e.key_str() == k && node_eq(&e.value, v))
        }
        _ => false,
    }
}
