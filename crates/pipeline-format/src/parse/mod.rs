//! YAML text → spanned [`Node`] tree, on saphyr-parser's event stream.
//!
//! Semantics follow what pipeline_ex's loader sees: YAML 1.2 core schema, first document only, all keys as
//! text. Unlike yamerl we reject duplicate mapping keys (their meaning differs between YAML loaders, so a
//! file that has them is ambiguous); aliases resolve to a copy of their anchor.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as SSpan};

use crate::node::{Entry, Node, NodeKind, Style};
use crate::span::{LineIndex, Pos, Span};

/// Largest file we read: bigger inputs are refused before parsing.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting we accept; deeper input is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 256;

/// Why text could not be read as YAML.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct ParseError {
    /// Machine-readable code: `yaml-syntax`, `duplicate-key`, `too-deep`, `too-large`, `unsupported-yaml`.
    pub code: &'static str,
    pub message: String,
    pub line: usize,
    pub col: usize,
    pub span: Span,
}

/// Line endings used by a file; new text the writer adds uses the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// A parsed file: its text, its tree (`None` for an empty document) and the index to locate offsets.
#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub root: Option<Node>,
    pub lines: LineIndex,
    pub line_ending: LineEnding,
    /// Whether the file uses anchors or aliases (then a node's meaning can depend on text elsewhere).
    pub has_anchors: bool,
}

impl Document {
    /// Parses `text`. Only the first YAML document of a stream is read.
    pub fn parse(text: &str) -> Result<Document, ParseError> {
        let lines = LineIndex::new(text);
        if text.len() > MAX_INPUT_BYTES {
            let p = Pos { byte: 0, line: 1, col: 1 };
            return Err(ParseError {
                code: "too-large",
                message: format!("the file is {} bytes; files over {} bytes are refused", text.len(), MAX_INPUT_BYTES),
                line: 1,
                col: 1,
                span: Span::new(p, p),
            });
        }
        if let Some((byte, c)) = first_non_printable(text) {
            let p = lines.pos(text, byte);
            return Err(ParseError {
                code: "yaml-syntax",
                message: format!(
                    "the character U+{:04X} is not allowed in YAML (only printable characters, tab and line breaks are)",
                    c as u32
                ),
                line: p.line,
                col: p.col,
                span: Span::new(p, p),
            });
        }
        let mut builder = Builder::new(text, &lines);
        let root = builder.run()?;
        let has_anchors = builder.has_anchors;
        // A byte search for `\r` first: most files have none.
        let crlf = text.contains('\r') && text.contains("\r\n");
        let line_ending = if crlf { LineEnding::CrLf } else { LineEnding::Lf };
        Ok(Document { text: text.to_string(), root, lines, line_ending, has_anchors })
    }

    /// The position of a byte offset.
    pub fn pos(&self, byte: usize) -> Pos {
        self.lines.pos(&self.text, byte)
    }

    /// The source text of a node.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// The first character YAML does not allow in a stream (YAML 1.2 `c-printable`: tab, line breaks and
/// printable characters; a byte order mark only at the start). saphyr accepts some of them and then reads
/// the text in surprising ways, so they are refused up front.
fn first_non_printable(text: &str) -> Option<(usize, char)> {
    let ok = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || ('\u{20}'..='\u{7e}').contains(&c)
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    if is_plain_ascii(text.as_bytes()) {
        return None;
    }
    text.char_indices().find(|&(i, c)| !ok(c) && (i != 0 || c != '\u{feff}'))
}

/// Whether every byte is printable ASCII, a tab or a line break (the common case). Blocks of 32 bytes are
/// tested without early exits, which the compiler turns into vector instructions.
fn is_plain_ascii(bytes: &[u8]) -> bool {
    let ok = |b: u8| (0x20..0x7f).contains(&b) | (b == b'\n') | (b == b'\r') | (b == b'\t');
    let mut blocks = bytes.chunks_exact(32);
    let blocks_ok = blocks.all(|block| block.iter().fold(true, |acc, &b| acc & ok(b)));
    blocks_ok && blocks.remainder().iter().all(|&b| ok(b))
}

/// Converts saphyr's character indices to byte offsets.
struct Offsets {
    /// Byte offset of each char index; empty when the text is ASCII (then they are equal).
    table: Vec<usize>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            let mut t: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            t.push(text.len());
            t
        };
        Offsets { table, len: text.len() }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

/// An open collection. Its children wait on the builder's shared `items` / `entries` stacks from index
/// `first` on, and move into a vector of exactly their number when it closes (no regrowing per collection).
enum Frame {
    Seq { start: Pos, flow: bool, first: usize, anchor: usize },
    Map { start: Pos, flow: bool, first: usize, pending_key: Option<Node>, anchor: usize },
}

struct Builder<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    offsets: Offsets,
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last.
    items: Vec<Node>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<Entry>,
    anchors: HashMap<usize, Node>,
    /// Whether the text has a `*` at all: without one there is no alias, so anchored nodes need no copy.
    may_alias: bool,
    /// The line of the last position looked up (events come in text order; see [`LineIndex::pos_near`]).
    line_hint: Cell<usize>,
    /// Byte offset where the previous event ended (to find block scalar headers).
    prev_end: usize,
    root: Option<Node>,
    docs: usize,
    has_anchors: bool,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, lines: &'a LineIndex) -> Self {
        Builder {
            text,
            lines,
            offsets: Offsets::new(text),
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            may_alias: text.contains('*'),
            line_hint: Cell::new(0),
            prev_end: 0,
            root: None,
            docs: 0,
            has_anchors: false,
        }
    }

    fn pos(&self, byte: usize) -> Pos {
        self.lines.pos_near(self.text, byte, &self.line_hint)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.pos(start), self.pos(end))
    }

    fn error(&self, code: &'static str, byte: usize, message: String) -> ParseError {
        let p = self.lines.pos(self.text, byte);
        ParseError { code, message, line: p.line, col: p.col, span: Span::new(p, p) }
    }

    fn run(&mut self) -> Result<Option<Node>, ParseError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(ev) = parser.next_event() {
            let (ev, sspan) = match ev {
                Ok(x) => x,
                Err(e) => {
                    let m = e.marker();
                    let byte = self.offsets.byte(m.index());
                    return Err(self.error("yaml-syntax", byte, e.info().to_string()));
                }
            };
            match ev {
                // Only the first document is used, but the loader reads the whole stream, so later
                // documents are still checked for syntax errors.
                _ if self.docs > 1 => {}
                Event::DocumentStart(_) => self.docs += 1,
                Event::DocumentEnd => self.docs += 1,
                Event::Scalar(value, style, anchor, tag) => {
                    let node = self.scalar(value, style, tag.as_deref(), sspan)?;
                    self.prev_end = node.span.end.byte.max(self.offsets.byte(sspan.end.index()));
                    self.anchored(anchor, &node);
                    self.push(node)?;
                }
                Event::Alias(id) => {
                    self.has_anchors = true;
                    let start = self.offsets.byte(sspan.start.index());
                    let end = self.offsets.byte(sspan.end.index());
                    let Some(target) = self.anchors.get(&id) else {
                        return Err(self.error("yaml-syntax", start, "unknown alias".into()));
                    };
                    let node = Node {
                        kind: target.kind.clone(),
                        span: self.span(start, end),
                        style: Style::Alias,
                        raw: self.text.get(start..end).unwrap_or("").to_string(),
                    };
                    self.prev_end = end;
                    self.push(node)?;
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    let start = self.offsets.byte(sspan.start.index());
                    let flow = matches!(self.text.as_bytes().get(start), Some(b'[' | b'{'));
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(self.error("too-deep", start, format!("nesting deeper than {MAX_DEPTH} levels")));
                    }
                    self.prev_end = if flow { start + 1 } else { start };
                    let is_seq = matches!(ev, Event::SequenceStart(..));
                    let start = self.pos(start);
                    self.stack.push(if is_seq {
                        Frame::Seq { start, flow, first: self.items.len(), anchor }
                    } else {
                        Frame::Map { start, flow, first: self.entries.len(), pending_key: None, anchor }
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    // A flow collection ends after its closing bracket (saphyr's end can run over a comment).
                    let close = self.offsets.byte(sspan.start.index());
                    let end_marker = if matches!(self.text.as_bytes().get(close), Some(b']' | b'}')) {
                        close + 1
                    } else {
                        self.offsets.byte(sspan.end.index())
                    };
                    let Some(frame) = self.stack.pop() else { continue };
                    let (node, anchor) = match frame {
                        Frame::Seq { start, flow, first, anchor } => {
                            let items: Vec<Node> = self.items.drain(first.min(self.items.len())..).collect();
                            let end =
                                if flow { end_marker } else { items.last().map_or(start.byte, |n| n.span.end.byte) };
                            let style = if flow { Style::Flow } else { Style::Block };
                            (
                                Node {
                                    kind: NodeKind::Seq(items),
                                    span: Span::new(start, self.pos(end)),
                                    style,
                                    raw: String::new(),
                                },
                                anchor,
                            )
                        }
                        Frame::Map { start, flow, first, anchor, .. } => {
                            let entries: Vec<Entry> = self.entries.drain(first.min(self.entries.len())..).collect();
                            let end = if flow {
                                end_marker
                            } else {
                                entries.last().map_or(start.byte, |e| e.value.span.end.byte)
                            };
                            let style = if flow { Style::Flow } else { Style::Block };
                            (
                                Node {
                                    kind: NodeKind::Map(entries),
                                    span: Span::new(start, self.pos(end)),
                                    style,
                                    raw: String::new(),
                                },
                                anchor,
                            )
                        }
                    };
                    self.prev_end = node.span.end.byte.max(end_marker.min(self.text.len()));
                    self.anchored(anchor, &node);
                    self.push(node)?;
                }
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            }
        }
        Ok(self.root.take())
    }

    /// Records an anchored node (`anchor` > 0) for the aliases that may copy it.
    fn anchored(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.has_anchors = true;
            if self.may_alias {
                self.anchors.insert(anchor, node.clone());
            }
        }
    }

    fn push(&mut self, node: Node) -> Result<(), ParseError> {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
                Ok(())
            }
            Some(Frame::Seq { .. }) => {
                self.items.push(node);
                Ok(())
            }
            Some(Frame::Map { first, pending_key, .. }) => {
                let entries = &mut self.entries;
                match pending_key.take() {
                    None => {
                        if !node.is_scalar() {
                            let byte = node.span.start.byte;
                            return Err(self.error(
                                "unsupported-yaml",
                                byte,
                                "complex mapping keys (a list or mapping used as a key) are not supported".into(),
                            ));
                        }
                        let siblings = entries.get(*first..).unwrap_or_default();
                        if let Some(prev) = siblings.iter().find(|e| e.key_str() == node.key_text()) {
                            let (line, col) = (prev.key.span.start.line, prev.key.span.start.col);
                            let msg = format!(
                                "duplicate key '{}' (first defined at line {line}, column {col})",
                                node.key_text()
                            );
                            let byte = node.span.start.byte;
                            return Err(self.error("duplicate-key", byte, msg));
                        }
                        *pending_key = Some(node);
                    }
                    Some(key) => entries.push(Entry { key, value: node }),
                }
                Ok(())
            }
        }
    }

    fn scalar(
        &self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        sspan: SSpan,
    ) -> Result<Node, ParseError> {
        let mut start = self.offsets.byte(sspan.start.index());
        let mut end = self.offsets.byte(sspan.end.index());
        let st = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        };
        if matches!(st, Style::Literal | Style::Folded) {
            start = self.block_header(start);
            end = self.block_end(start, end);
        } else if matches!(st, Style::DoubleQuoted | Style::SingleQuoted) {
            // saphyr's end for a quoted scalar can run over trailing spaces and a comment.
            end = quoted_end(self.text, start, st == Style::DoubleQuoted).unwrap_or(end);
        }

        // saphyr keeps a final line break for a block scalar that ends the file without one; by the spec
        // there is no line break there to keep.
        let strip_break =
            matches!(st, Style::Literal | Style::Folded) && end == self.text.len() && value.ends_with('\n');
        let text = if strip_break { &value[..value.len() - 1] } else { &value[..] };
        let resolved = match tag {
            Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => match t.suffix.as_str() {
                "null" => Some(NodeKind::Null),
                "bool" | "int" | "float" => resolve_plain(text),
                _ => None,
            },
            _ if st == Style::Plain => resolve_plain(text),
            _ => None,
        };
        // A string keeps the scanner's own buffer rather than a copy of it.
        let kind = resolved.unwrap_or_else(|| {
            let mut owned = value.into_owned();
            if strip_break {
                owned.pop();
            }
            NodeKind::Str(owned)
        });
        let raw = match kind {
            NodeKind::Str(_) => String::new(),
            _ => self.text.get(start..end).unwrap_or("").to_string(),
        };
        // saphyr's markers already carry line and column; recompute only where we moved the offsets.
        let (sb, eb) = (self.offsets.byte(sspan.start.index()), self.offsets.byte(sspan.end.index()));
        let start_pos = if start == sb { self.marker_pos(sspan.start, sb) } else { self.pos(start) };
        let end_pos = if end == eb { self.marker_pos(sspan.end, eb) } else { self.pos(end) };
        // Keep the line hint up with the scanner (a hint only: a wrong one costs a binary search).
        self.line_hint.set(end_pos.line.saturating_sub(1));
        Ok(Node { kind, span: Span::new(start_pos, end_pos), style: st, raw })
    }

    fn marker_pos(&self, m: saphyr_parser::Marker, byte: usize) -> Pos {
        Pos { byte, line: m.line(), col: m.col() + 1 }
    }

    /// saphyr places a block scalar at its first content line; the header (`|`, `>`, indicators) comes
    /// earlier, after the previous token.
    fn block_header(&self, content_start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = self.prev_end.min(content_start);
        while i < content_start {
            match bytes[i] {
                b'|' | b'>' => return i,
                b'#' => {
                    while i < content_start && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'!' | b'&' => {
                    while i < content_start && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        content_start
    }

    /// End of the last non-blank line of a block scalar (the scanner's end includes trailing line breaks).
    fn block_end(&self, start: usize, scanner_end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = scanner_end.min(bytes.len());
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        // Keep trailing spaces of that last line (they may be content): extend to the line break.
        let mut e = end;
        while e < scanner_end.min(bytes.len()) && bytes[e] != b'\n' && bytes[e] != b'\r' {
            e += 1;
        }
        e
    }
}

/// The byte after the closing quote of a quoted scalar starting at `start`.
fn quoted_end(text: &str, start: usize, double: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let q = if double { b'"' } else { b'\'' };
    if bytes.get(start) != Some(&q) {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if double => i += 2,
            c if c == q => {
                if !double && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// YAML 1.2 core schema resolution of a plain scalar; `None` means "a string".
pub fn resolve_plain(s: &str) -> Option<NodeKind> {
    // Most scalars are words: a letter other than the first of null / true / false cannot start a null, a
    // boolean or a number.
    if s.as_bytes().first().is_some_and(|c| c.is_ascii_alphabetic() && !b"nNtTfF".contains(c)) {
        return None;
    }
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(NodeKind::Null),
        "true" | "True" | "TRUE" => return Some(NodeKind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(NodeKind::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(NodeKind::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(NodeKind::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(NodeKind::Float(f64::NAN)),
        _ => {}
    }
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return i64::from_str_radix(hex, 16).ok().map(NodeKind::Int).or(Some(NodeKind::Str(s.into())));
        }
        return None;
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
            return i64::from_str_radix(oct, 8).ok().map(NodeKind::Int).or(Some(NodeKind::Str(s.into())));
        }
        return None;
    }
    let digits = b.strip_prefix(b"-").or_else(|| b.strip_prefix(b"+")).unwrap_or(b);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return Some(match s.parse::<i64>() {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(s.parse::<f64>().unwrap_or(f64::NAN)),
        });
    }
    if is_core_float(digits) {
        return s.parse::<f64>().ok().map(NodeKind::Float);
    }
    None
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (sign already stripped).
fn is_core_float(b: &[u8]) -> bool {
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    } else if int_digits == 0 {
        return false;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
mod tests;
