//! The format-preserving writer (DESIGN.md decision 3): (original text, new data) → text.
//!
//! Untouched data keeps its bytes; a changed value is spliced in at the parser's spans; entries added,
//! removed or moved carry their comments and separators with them; new content takes the style of its
//! surroundings ([`house`]). After every write the result is re-parsed and compared with the intended data.
//! On a mismatch the node concerned is rendered cleanly instead and the write is tried again, up to a clean
//! rendering of the whole document: the writer never returns YAML that means something else.

mod house;
mod render;
mod splice;
mod verify;

use std::collections::HashSet;

use serde_json::Value;

pub use house::House;
pub use render::{double_quoted, plain_safe};

use crate::parse::Document;
use crate::path::{Path, Seg};
use crate::value::{doc_to_json, node_eq};
use splice::{Bail, Splicer, apply_edits};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    /// Even a clean rendering does not read back as the data: the data cannot be written as YAML faithfully.
    #[error("cannot write this data as YAML faithfully: {0}")]
    Unrepresentable(String),
}

/// Writes `target` as YAML, reusing `doc`'s text wherever the data did not change.
pub fn write(doc: &Document, target: &Value) -> Result<String, WriteError> {
    write_report(doc, target).map(|w| w.text)
}

/// A write and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub text: String,
    /// Nodes whose splice did not read back as intended and were rendered cleanly instead (empty when every
    /// change was spliced). Root alone means the whole document was rendered cleanly.
    pub clean_rendered: Vec<Path>,
}

/// Like [`write`], also saying which nodes had to be rendered cleanly.
pub fn write_report(doc: &Document, target: &Value) -> Result<Written, WriteError> {
    let house = House::detect(doc);
    let mut clean: HashSet<Path> = HashSet::new();
    let mut blank_lines = false;
    let done = |text: String, clean: &HashSet<Path>| {
        let mut clean_rendered: Vec<Path> = clean.iter().cloned().collect();
        clean_rendered.sort();
        Ok(Written { text, clean_rendered })
    };
    loop {
        let splicer = Splicer { doc, house: &house, clean: &clean, blank_lines };
        let next = match splicer.document(target) {
            Err(Bail(p)) => p,
            Ok(edits) => {
                let out = apply_edits(&doc.text, 0..doc.text.len(), &edits).unwrap_or_default();
                if edits.is_empty() || verify::local(doc, &edits, target) == Some(true) {
                    return done(out, &clean);
                }
                match Document::parse(&out) {
                    Ok(d) if d.root.as_ref().map_or(target.is_null(), |r| node_eq(r, target)) => {
                        return done(out, &clean);
                    }
                    Ok(d) => first_diff(&doc_to_json(&d), target, Path::root()).unwrap_or_default(),
                    Err(_) => Path::root(),
                }
            }
        };
        // First retry: whitespace-only lines next to the change may have been read as block scalar content.
        if !blank_lines {
            blank_lines = true;
            continue;
        }
        // Render the deepest node on the way to the mismatch that is not already rendered cleanly.
        let mut p = deepest_existing(doc, &next);
        while clean.contains(&p) {
            match p.parent() {
                Some(parent) => p = parent,
                None => return done(whole_document(&house, target)?, &HashSet::from([Path::root()])),
            }
        }
        clean.insert(p);
    }
}

/// Last resort: the whole document rendered cleanly (checked like every other write).
fn whole_document(house: &House, target: &Value) -> Result<String, WriteError> {
    let out = format!("{}{}", house.document(target), house.le);
    match Document::parse(&out) {
        Ok(d) if doc_to_json(&d) == *target => Ok(out),
        Ok(_) => Err(WriteError::Unrepresentable("a clean rendering reads back differently".into())),
        Err(e) => Err(WriteError::Unrepresentable(format!("a clean rendering does not parse: {e}"))),
    }
}

/// The longest prefix of `p` that exists in the original document.
fn deepest_existing(doc: &Document, p: &Path) -> Path {
    let Some(root) = &doc.root else { return Path::root() };
    let mut out = Path::root();
    let mut node = root;
    for seg in p.segments() {
        let next = match seg {
            Seg::Key(k) => node.get(k),
            Seg::Index(i) => node.as_seq().and_then(|s| s.get(*i)),
        };
        match next {
            Some(n) => {
                node = n;
                out.0.push(seg.clone());
            }
            None => break,
        }
    }
    out
}

/// The first path at which two values differ (a container whose keys or length differ is itself the place).
fn first_diff(a: &Value, b: &Value, path: Path) -> Option<Path> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || x.keys().zip(y.keys()).any(|(k1, k2)| k1 != k2) {
                return Some(path);
            }
            x.iter().zip(y.values()).find_map(|((k, v1), v2)| first_diff(v1, v2, path.key(k)))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(path);
            }
            x.iter().zip(y).enumerate().find_map(|(i, (v1, v2))| first_diff(v1, v2, path.index(i)))
        }
        _ if a == b => None,
        _ => Some(path),
    }
}

#[cfg(test)]
mod tests;
