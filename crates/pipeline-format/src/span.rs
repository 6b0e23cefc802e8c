//! Source positions. Every node and diagnostic carries a [`Span`]: byte offsets for splicing text, and
//! 1-based line and column (columns count characters, not bytes) for people.

use serde::Serialize;

/// A position in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    /// Byte offset into the source text.
    pub byte: usize,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
}

/// A half-open range `[start, end)` of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }

    /// The byte range, for slicing and splicing.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start.byte..self.end.byte
    }

    /// Whether `byte` lies inside this span (end-exclusive).
    pub fn contains(&self, byte: usize) -> bool {
        self.start.byte <= byte && byte < self.end.byte
    }
}

/// Maps byte offsets to line and column. Built once per text; lookups are binary searches.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    line_starts: Vec<usize>,
    /// Whether the text is pure ASCII (then columns are byte differences).
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        LineIndex { line_starts, ascii: text.is_ascii() }
    }

    /// The position of byte offset `byte` (clamped to the text).
    pub fn pos(&self, text: &str, byte: usize) -> Pos {
        let byte = byte.min(text.len());
        let line_idx = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts[line_idx];
        let col = if self.ascii {
            byte - start + 1
        } else {
            text.get(start..byte).map_or(byte - start, |s| s.chars().count()) + 1
        };
        Pos { byte, line: line_idx + 1, col }
    }

    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        Span { start: self.pos(text, start), end: self.pos(text, end) }
    }

    /// Byte offset at which 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}
