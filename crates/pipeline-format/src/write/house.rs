//! The house style of a file, so that new content looks like its surroundings: indentation width, whether
//! block sequences under a key are indented, which quotes strings use, and the line ending.

use crate::node::{Node, NodeKind, Style};
use crate::parse::{Document, LineEnding};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    Plain,
    Double,
    Single,
}

#[derive(Debug, Clone)]
pub struct House {
    /// Spaces per nesting level of block mappings.
    pub indent: usize,
    /// Extra spaces before `-` of a block sequence that is a mapping value (0 or `indent`).
    pub seq_indent: usize,
    /// How plain-safe string values are written.
    pub quote: Quote,
    pub le: &'static str,
}

impl House {
    pub fn detect(doc: &Document) -> House {
        let mut stats = Stats::default();
        if let Some(root) = &doc.root {
            stats.walk(doc, root);
        }
        let indent = stats.indent.unwrap_or(2).clamp(1, 8);
        let seq_indent = stats.seq_indent.unwrap_or(indent);
        let quote = if stats.double > stats.plain.max(stats.single) {
            Quote::Double
        } else if stats.single > stats.plain.max(stats.double) {
            Quote::Single
        } else {
            Quote::Plain
        };
        House {
            indent,
            seq_indent,
            quote,
            le: match doc.line_ending {
                LineEnding::Lf => "\n",
                LineEnding::CrLf => "\r\n",
            },
        }
    }
}

#[derive(Default)]
struct Stats {
    indent: Option<usize>,
    seq_indent: Option<usize>,
    plain: usize,
    double: usize,
    single: usize,
}

impl Stats {
    fn walk(&mut self, doc: &Document, node: &Node) {
        match &node.kind {
            NodeKind::Map(entries) if node.style == Style::Block => {
                for e in entries {
                    let key_col = col(doc, e.key.span.start.byte);
                    match &e.value.kind {
                        NodeKind::Map(inner) if e.value.style == Style::Block && self.indent.is_none() => {
                            if let Some(first) = inner.first() {
                                let c = col(doc, first.key.span.start.byte);
                                if c > key_col && e.value.span.start.line > e.key.span.start.line {
                                    self.indent = Some(c - key_col);
                                }
                            }
                        }
                        NodeKind::Seq(_)
                            if e.value.style == Style::Block
                                && self.seq_indent.is_none()
                                && e.value.span.start.line > e.key.span.start.line =>
                        {
                            let c = col(doc, e.value.span.start.byte);
                            self.seq_indent = Some(c.saturating_sub(key_col));
                        }
                        NodeKind::Str(_) => match e.value.style {
                            Style::Plain => self.plain += 1,
                            Style::DoubleQuoted => self.double += 1,
                            Style::SingleQuoted => self.single += 1,
                            _ => {}
                        },
                        _ => {}
                    }
                    self.walk(doc, &e.value);
                }
            }
            NodeKind::Map(entries) => entries.iter().for_each(|e| self.walk(doc, &e.value)),
            NodeKind::Seq(items) => items.iter().for_each(|n| self.walk(doc, n)),
            _ => {}
        }
    }
}

/// 0-based column of a byte offset, in bytes (indentation is ASCII spaces).
pub fn col(doc: &Document, byte: usize) -> usize {
    let start = doc.text.get(..byte).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    byte - start
}
