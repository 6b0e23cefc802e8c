//! Source positions. Every node and diagnostic carries a [`Span`]: byte offsets for splicing text, and
//! 1-based line and column (columns count characters, not bytes) for people.

use std::cell::Cell;

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
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        // Eight bytes at a time: most words hold no line break, and a word without a zero byte after the XOR
        // has none (the exact "has zero byte" test: (x - 0x01…) & !x & 0x80…).
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
        const BREAKS: u64 = u64::from_ne_bytes([b'\n'; 8]);
        let mut chunks = bytes.chunks_exact(8);
        let mut at = 0;
        for chunk in &mut chunks {
            let word =
                u64::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
            let x = word ^ BREAKS;
            if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
                for (i, &b) in chunk.iter().enumerate() {
                    if b == b'\n' {
                        line_starts.push(at + i + 1);
                    }
                }
            }
            at += 8;
        }
        for (i, &b) in chunks.remainder().iter().enumerate() {
            if b == b'\n' {
                line_starts.push(at + i + 1);
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

    /// [`LineIndex::pos`], looking first at the line `hint` names and the next one, then anywhere; `hint` is
    /// left at the line found. For callers that go through the text in order.
    pub(crate) fn pos_near(&self, text: &str, byte: usize, hint: &Cell<usize>) -> Pos {
        let byte = byte.min(text.len());
        let h = hint.get();
        let starts = &self.line_starts;
        let on = |i: usize| starts.get(i).is_some_and(|&s| s <= byte) && starts.get(i + 1).is_none_or(|&n| n > byte);
        let line_idx = if on(h) {
            h
        } else if on(h + 1) {
            h + 1
        } else {
            match starts.binary_search(&byte) {
                Ok(i) => i,
                Err(i) => i.saturating_sub(1),
            }
        };
        hint.set(line_idx);
        let start = starts.get(line_idx).copied().unwrap_or(0);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_and_nearby_positions() {
        for text in ["", "\n", "a", "a\n", "\n\nab\ncd\n", "0123456\n89abcdef\n\n\nxyz", "é\n中文\nx\r\ny"] {
            let index = LineIndex::new(text);
            let naive: Vec<usize> = std::iter::once(0)
                .chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
                .collect();
            assert_eq!(index.line_starts, naive, "{text:?}");
            for hint in 0..index.line_count() + 2 {
                for byte in 0..=text.len() + 1 {
                    let h = Cell::new(hint);
                    assert_eq!(index.pos_near(text, byte, &h), index.pos(text, byte), "{text:?} {byte} {hint}");
                    assert_eq!(h.get() + 1, index.pos(text, byte).line);
                }
            }
        }
    }
}
