//! The few pieces of Elixir semantics the loader's behaviour depends on: how a value is interpolated into a
//! message (`"#{value}"`, `Enum.join`), how values compare (`in`, `MapSet.member?`), and how Access
//! (`value["key"]`) treats non-maps. Keeping them here lets the rules read like the Elixir code they mirror.

use crate::node::{Node, NodeKind};

/// A value that `String.Chars` cannot convert: interpolating it raises, so the loader crashes while
/// building its error message instead of reporting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unprintable {
    /// What the value is, for our message ("the step name", "a function name", …).
    pub role: &'static str,
    /// Its YAML type, as [`Node::type_name`] puts it.
    pub type_name: &'static str,
}

/// `"#{value}"` in Elixir: `nil` → "", booleans and numbers as written, strings as is, lists as chardata
/// (strings and code points concatenated); maps and other lists raise.
pub(super) fn interpolate(node: Option<&Node>, role: &'static str) -> Result<String, Unprintable> {
    let Some(node) = node else {
        return Ok(String::new());
    };
    let mut out = String::new();
    match &node.kind {
        NodeKind::Seq(_) => {
            if chardata(node, &mut out) {
                Ok(out)
            } else {
                Err(Unprintable { role, type_name: "a list that is not text" })
            }
        }
        NodeKind::Map(_) => Err(Unprintable { role, type_name: node.type_name() }),
        _ => Ok(scalar_text(node)),
    }
}

/// Like [`interpolate`] but never fails (maps and lists as JSON): for our own messages, which must not
/// inherit the loader's crash.
pub(super) fn lenient(node: Option<&Node>) -> String {
    match node {
        None => String::new(),
        Some(n) if n.is_scalar() => scalar_text(n),
        Some(n) => crate::value::to_json(n).to_string(),
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.kind {
        NodeKind::Float(f) => float_text(*f),
        _ => node.display_scalar(),
    }
}

/// `List.to_string/1`: nested lists of strings and Unicode code points; anything else is not chardata.
fn chardata(node: &Node, out: &mut String) -> bool {
    match &node.kind {
        NodeKind::Str(s) => {
            out.push_str(s);
            true
        }
        NodeKind::Int(i) => match u32::try_from(*i).ok().and_then(char::from_u32) {
            Some(c) => {
                out.push(c);
                true
            }
            None => false,
        },
        NodeKind::Seq(items) => items.iter().all(|item| chardata(item, out)),
        _ => false,
    }
}

/// Elixir's shortest float text: always a fraction part (`1.0`), exponent form as `1.0e20`. Rust's `{:?}` uses
/// the same shortest digits; only the mantissa of the exponent form differs (`1e20`). Which magnitudes
/// switch to exponent form differs slightly between the two; floats in names or types are too rare to matter.
pub(super) fn float_text(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{f:?}");
    match s.split_once('e') {
        Some((mantissa, exp)) if !mantissa.contains('.') => format!("{mantissa}.0e{exp}"),
        _ => s,
    }
}

/// Strict term equality, as `==` on strings, `in` and `MapSet.member?` use it: no coercion between 1, 1.0
/// and "1"; maps compare by content regardless of key order. Spans are ignored.
pub(super) fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Null, NodeKind::Null) => true,
        (NodeKind::Bool(x), NodeKind::Bool(y)) => x == y,
        (NodeKind::Int(x), NodeKind::Int(y)) => x == y,
        (NodeKind::Float(x), NodeKind::Float(y)) => x == y,
        (NodeKind::Str(x), NodeKind::Str(y)) => x == y,
        (NodeKind::Seq(x), NodeKind::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q)),
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            x.len() == y.len() && x.iter().all(|e| b.get(e.key_str()).is_some_and(|v| same_value(&e.value, v)))
        }
        _ => false,
    }
}

/// Whether `value["key"]` works on this value: maps, and `nil` (which yields `nil`). On anything else Access
/// raises — the loader's CRASH rows.
pub(super) fn accessible(node: &Node) -> bool {
    node.is_map() || node.is_null()
}

/// Whether `value || default` keeps the value: everything but `nil` and `false`.
pub(super) fn truthy(node: &Node) -> bool {
    !matches!(node.kind, NodeKind::Null | NodeKind::Bool(false))
}
