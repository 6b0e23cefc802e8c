//! The cheap form of the writer's re-parse check. When every edit falls inside one item of a block
//! sequence (the usual case: a field of one step changed), only that item's new text is parsed, on its own
//! and dedented: in block YAML an item's lines cannot change the meaning of the lines around it, and the rest
//! of the file is byte-identical, so this decides the same as parsing the whole output. Files with anchors or
//! aliases, and edits that span items, take the full check.

use serde_json::Value;

use super::splice::{Edit, apply_edits, dash_of, line_end, line_start};
use crate::node::{Node, NodeKind, Style};
use crate::parse::Document;
use crate::path::Path;
use crate::value::node_eq;

/// `Some(true)`: the edits write exactly `target`. `None`: undecided here, use the full check.
pub fn local(doc: &Document, edits: &[Edit], target: &Value) -> Option<bool> {
    if doc.has_anchors {
        return None;
    }
    let lo = edits.iter().map(|e| e.range.start).min()?;
    let hi = edits.iter().map(|e| e.range.end).max()?;
    let (path, dash, item_end) = enclosing_item(&doc.text, doc.root.as_ref()?, Path::root(), lo, hi)?;
    let col = dash - line_start(&doc.text, dash);
    // Lines after the item that are blank or indented deeper than its dash could still join it (as block
    // scalar content): they are parsed with it.
    let end = extend_over_deeper_lines(&doc.text, item_end, col);
    let trailing_break = doc.text.get(end..).is_some_and(|rest| rest.starts_with(['\n', '\r']));
    // The old text of the region must read, on its own, as exactly the old item; otherwise the item's text is
    // not self-contained (some text in it belongs to other nodes) and only a full parse can decide.
    let old_item = doc.root.as_ref()?.at(&path)?;
    let old_alone = standalone(doc.text.get(dash..end)?, col, trailing_break)?;
    if !node_eq(&old_alone, &crate::value::to_json(old_item)) {
        return None;
    }
    let new_alone = standalone(&apply_edits(&doc.text, dash..end, edits)?, col, trailing_break)?;
    let want = target.pointer(&path.to_pointer())?;
    node_eq(&new_alone, want).then_some(true)
}

/// Parses an item's text (first line starting at its dash) on its own, dedented by `col`: the item's node.
fn standalone(text: &str, col: usize, trailing_break: bool) -> Option<Node> {
    let mut out = String::with_capacity(text.len() + 1);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == 0 {
            out.push_str(line);
        } else if line.trim().is_empty() {
            // Remove at most the item's indentation: spaces beyond it can be block scalar content.
            let spaces = line.len() - line.trim_start_matches(' ').len();
            out.push_str(&line[spaces.min(col)..]);
        } else {
            out.push_str(line.strip_prefix(&" ".repeat(col)[..])?);
        }
    }
    // The line break after the item belongs to its meaning (a block scalar's last line break).
    if trailing_break {
        out.push('\n');
    }
    let mut parsed = Document::parse(&out).ok()?;
    match parsed.root.take()?.kind {
        NodeKind::Seq(mut items) if items.len() == 1 => items.pop(),
        _ => None,
    }
}

/// From a line end, over following lines that are blank or indented more than `col`.
fn extend_over_deeper_lines(text: &str, mut end: usize, col: usize) -> usize {
    loop {
        let Some(nl) = text.get(end..).and_then(|t| t.find('\n')).map(|i| end + i) else { return end };
        let from = nl + 1;
        let to = line_end(text, from);
        let line = text.get(from..to).unwrap_or("");
        let indent = line.len() - line.trim_start_matches(' ').len();
        if from >= text.len() || !(line.trim().is_empty() || indent > col) {
            return end;
        }
        end = to;
    }
}

/// The deepest block sequence item whose text (dash to the end of its last line) holds `[lo, hi)`.
fn enclosing_item(text: &str, node: &Node, path: Path, lo: usize, hi: usize) -> Option<(Path, usize, usize)> {
    match &node.kind {
        NodeKind::Seq(items) if node.style == Style::Block => {
            for (i, item) in items.iter().enumerate() {
                let dash = dash_of(text, item)?;
                let end = line_end(text, item.span.end.byte.max(dash + 1));
                if dash <= lo && hi <= end {
                    let p = path.index(i);
                    return enclosing_item(text, item, p.clone(), lo, hi).or(Some((p, dash, end)));
                }
            }
            None
        }
        NodeKind::Map(entries) => entries.iter().find_map(|e| {
            let end = line_end(text, e.value.span.end.byte.max(e.key.span.end.byte));
            (e.key.span.start.byte <= lo && hi <= end)
                .then(|| enclosing_item(text, &e.value, path.key(e.key_str()), lo, hi))
                .flatten()
        }),
        _ => None,
    }
}
