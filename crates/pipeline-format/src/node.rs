//! The spanned YAML tree: what the parser produces and what everything else reads. It keeps every key (known
//! or not), every node's text extent and its presentation style, so the writer can splice edits into the
//! original text and the validator can point at the exact place of a problem.

use crate::path::{Path, Seg};
use crate::span::Span;

/// How a node is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
    /// A block mapping or sequence (indentation-based).
    Block,
    /// A flow mapping or sequence (`{…}` / `[…]`).
    Flow,
    /// An alias (`*name`); its value is a copy of the anchored node.
    Alias,
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    /// The key as text (non-string scalar keys in their written form).
    pub fn key_str(&self) -> &str {
        self.key.key_text()
    }
}

/// The value of a node, resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A YAML node with its source extent.
///
/// `span` covers the node's own text: quotes included for quoted scalars, the `|`/`>` header up to the
/// end of the last non-blank content line for block scalars, first to last child for block collections,
/// and the brackets for flow collections. An empty value (`key:`) has an empty span right after the colon.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    pub style: Style,
    /// A non-string scalar as written (`1.50`, `True`, `~`): the text pipeline_ex sees for such a key.
    /// Empty for strings (their value is their text) and collections.
    pub raw: String,
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            NodeKind::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind, NodeKind::Seq(_))
    }

    pub fn is_scalar(&self) -> bool {
        !self.is_map() && !self.is_seq()
    }

    pub fn is_block_scalar(&self) -> bool {
        matches!(self.style, Style::Literal | Style::Folded)
    }

    /// The mapping entry for `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        // Keys of one length often differ in their first byte (`name` / `type`): test it before comparing all.
        let (len, first) = (key.len(), key.as_bytes().first());
        self.as_map()?.iter().find(|e| {
            let k = e.key_str();
            k.len() == len && k.as_bytes().first() == first && k == key
        })
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value under `key` unless it is absent or null: pipeline_ex treats both alike.
    pub fn get_non_null(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|n| !n.is_null())
    }

    /// The node at `path` below this one.
    pub fn at(&self, path: &Path) -> Option<&Node> {
        let mut n = self;
        for seg in path.segments() {
            n = match seg {
                Seg::Key(k) => n.get(k)?,
                Seg::Index(i) => n.as_seq()?.get(*i)?,
            };
        }
        Some(n)
    }

    /// The text of a scalar as a key or for messages: strings as is, other scalars as written.
    pub fn key_text(&self) -> &str {
        match &self.kind {
            NodeKind::Str(s) => s,
            _ => &self.raw,
        }
    }

    /// A scalar rendered the way pipeline_ex interpolates it into a message (`nil` renders empty).
    pub fn display_scalar(&self) -> String {
        match &self.kind {
            NodeKind::Null => String::new(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Str(s) => s.clone(),
            NodeKind::Seq(_) | NodeKind::Map(_) => crate::value::to_json(self).to_string(),
        }
    }

    /// A short name for the node's type, for messages ("a string", "a list", …).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}
