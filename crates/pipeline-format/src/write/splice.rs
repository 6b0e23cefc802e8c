//! The splicer: compares the original tree with the new data and produces text edits that change only what
//! changed. Containers whose entries were added, removed or reordered are rebuilt from their entries' own
//! text ("chunks": the entry's lines plus the comment lines directly above it at its column), so comments,
//! quoting and blank lines travel with the entries they belong to.

use std::collections::HashSet;
use std::ops::Range;

use serde_json::{Map, Value};

use super::house::{House, col};
use crate::node::{Entry, Node, NodeKind, Style};
use crate::parse::Document;
use crate::path::Path;
use crate::value::node_eq;

/// Replace `range` of the original text by `text`.
#[derive(Debug, Clone)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// The splicer could not handle the node at this path; render it cleanly instead.
#[derive(Debug)]
pub struct Bail(pub Path);

/// Where a value sits, which decides how replacement text must start.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Root,
    /// A mapping value: text goes after the colon; the key is at `key_col`.
    MapValue {
        colon_end: usize,
        key_col: usize,
    },
    /// A sequence item: text goes after the dash at `dash_col`.
    SeqItem {
        dash: usize,
        dash_col: usize,
    },
}

/// An entry or item of a block container, located in the original text.
#[derive(Debug, Clone)]
struct Chunk {
    /// Where the chunk begins: the first attached comment line, else the start of its line, else (for the
    /// first entry of a container that starts mid-line, like `- key: v`) the entry itself.
    start: usize,
    /// From the key or dash to the end of the entry's last line (line break excluded).
    body: Range<usize>,
    /// Column of the key or dash.
    col: usize,
}

/// How the rebuilt container gets each entry.
enum Piece {
    Old {
        idx: usize,
        edits: Vec<Edit>,
    },
    /// Text from elsewhere in the file (an equal item moved here): comment lines and body.
    Copied {
        comments: String,
        body: String,
    },
    New(String),
}

pub struct Splicer<'a> {
    pub doc: &'a Document,
    pub house: &'a House,
    /// Paths to render cleanly instead of splicing (after a failed attempt).
    pub clean: &'a HashSet<Path>,
    /// Empty the whitespace-only lines after changed text (second attempt: they were read as content).
    pub blank_lines: bool,
}

impl Splicer<'_> {
    fn text(&self) -> &str {
        &self.doc.text
    }

    /// The edits that turn the document into `target`.
    pub fn document(&self, target: &Value) -> Result<Vec<Edit>, Bail> {
        let mut out = Vec::new();
        match &self.doc.root {
            None => {
                if !target.is_null() {
                    let text = self.text();
                    let sep = if text.is_empty() || text.ends_with('\n') { "" } else { self.house.le };
                    out.push(Edit {
                        range: text.len()..text.len(),
                        text: format!("{sep}{}{}", self.house.document(target), self.house.le),
                    });
                }
            }
            Some(root) => self.value(root, target, Slot::Root, &Path::root(), &mut out)?,
        }
        if self.blank_lines {
            self.blank_absorbable_lines(&mut out);
        }
        Ok(out)
    }

    /// Whitespace-only lines right after a multi-line edit would become content of a block scalar the edit
    /// ends with (they belong to no node, so they are invisible to the tree): the edit takes them over as
    /// empty lines, which mean nothing anywhere.
    fn blank_absorbable_lines(&self, edits: &mut [Edit]) {
        let text = self.text();
        let mut starts: Vec<usize> = edits.iter().map(|e| e.range.start).collect();
        starts.sort_unstable();
        for e in edits.iter_mut() {
            if !e.text.contains('\n') || line_end(text, e.range.end) != e.range.end {
                continue;
            }
            // Only lines with more spaces than the edit's content indentation would be read as content.
            let depth = last_line_indent(&e.text);
            let next_start = starts.iter().copied().find(|&s| s >= e.range.end && s != e.range.start);
            let mut pos = e.range.end;
            let mut extra = String::new();
            let mut any_spaces = false;
            // `pos` is at a line end; look at the next line.
            while let Some(nl) = text.get(pos..).and_then(|t| t.find('\n')).map(|i| pos + i) {
                let line_from = nl + 1;
                let line_to = line_end(text, line_from);
                let line = text.get(line_from..line_to).unwrap_or("x");
                if line_to >= text.len() && !text.ends_with('\n') && line.is_empty() {
                    break;
                }
                if !line.trim().is_empty() || next_start.is_some_and(|s| s < line_to.max(line_from + 1)) {
                    break;
                }
                let spaces = line.len() - line.trim_start_matches(' ').len();
                extra.push_str(text.get(pos..line_from).unwrap_or("\n"));
                if spaces > depth || line.contains('\t') {
                    any_spaces = true;
                } else {
                    extra.push_str(line);
                }
                pos = line_to;
            }
            if any_spaces {
                e.text.push_str(&extra);
                e.range.end = pos;
            }
        }
    }

    fn value(&self, node: &Node, target: &Value, slot: Slot, path: &Path, out: &mut Vec<Edit>) -> Result<(), Bail> {
        let forced = self.clean.contains(path);
        if !forced && node_eq(node, target) {
            return Ok(());
        }
        if !forced && node.style != Style::Alias {
            match (&node.kind, target) {
                (NodeKind::Map(entries), Value::Object(m)) if node.style == Style::Block && !m.is_empty() => {
                    return self.map(node, entries, m, slot, path, out);
                }
                (NodeKind::Seq(items), Value::Array(a)) if node.style == Style::Block && !a.is_empty() => {
                    return self.seq(node, items, a, slot, path, out);
                }
                // A flow collection stays flow, except an empty one (`steps: []`) that now holds mappings or
                // lists: `[]` says "nothing yet", not "write my steps on one line".
                (NodeKind::Map(_) | NodeKind::Seq(_), Value::Object(_) | Value::Array(_))
                    if node.style == Style::Flow && !(is_empty_collection(node) && has_nested(target)) =>
                {
                    out.push(Edit { range: node.span.range(), text: self.house.flow(target) });
                    return Ok(());
                }
                _ if node.is_scalar() && !target.is_object() && !target.is_array() => {
                    if let Some(e) = self.scalar(node, target, slot) {
                        out.push(e);
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        out.push(self.replace_whole(node, target, slot, forced));
        Ok(())
    }

    /// A changed scalar, written in its old style where possible. `None` when the node has no text of its
    /// own to replace (an empty value), which `replace_whole` handles.
    fn scalar(&self, node: &Node, target: &Value, slot: Slot) -> Option<Edit> {
        if node.span.start.byte == node.span.end.byte {
            return None;
        }
        let text = match target {
            Value::String(s) if node.is_block_scalar() || (node.style == Style::Plain && s.contains('\n')) => {
                if matches!(slot, Slot::Root) {
                    return None;
                }
                if let Some(t) = self.splice_literal(node, s) {
                    return Some(Edit { range: node.span.range(), text: t });
                }
                let col = if node.is_block_scalar() {
                    self.block_content_col(node).unwrap_or_else(|| self.slot_child_col(slot))
                } else {
                    self.slot_child_col(slot)
                };
                let block = self.house.literal(s, col).unwrap_or_else(|| super::render::double_quoted(s));
                return Some(self.keep_trailing_comment(node.span.range(), block));
            }
            _ => {
                let prefer = if node.is_block_scalar() { None } else { Some(node.style) };
                self.house.scalar(target, prefer, false)
            }
        };
        Some(Edit { range: node.span.range(), text })
    }

    /// An edit replacing `range` by `text`; when `text` runs over several lines and a comment follows
    /// `range` on its line, the comment moves to the end of `text`'s first line (else it would land after
    /// the last line, inside a block scalar's content).
    fn keep_trailing_comment(&self, range: Range<usize>, text: String) -> Edit {
        let src = self.text();
        let le_at = line_end(src, range.end);
        let rest = src.get(range.end..le_at).unwrap_or("");
        let comment = rest.trim_start();
        if !text.contains('\n') || !comment.starts_with('#') {
            return Edit { range, text };
        }
        let spacing = &rest[..rest.len() - comment.len()];
        let text = match text.find(['\r', '\n']) {
            Some(i) => format!("{}{spacing}{comment}{}", &text[..i], &text[i..]),
            None => text,
        };
        Edit { range: range.start..le_at, text }
    }

    /// A changed literal block scalar, keeping the original lines of its unchanged first and last lines
    /// (their exact whitespace included) and its header's indentation indicator and comment.
    fn splice_literal(&self, node: &Node, new: &str) -> Option<String> {
        let old = node.as_str()?;
        if node.style != Style::Literal || new.is_empty() || new.ends_with("\n\n") {
            return None;
        }
        let raw = self.doc.slice(node.span);
        let le = self.house.le;
        let (header, body) = raw.split_once('\n')?;
        let header = header.strip_suffix('\r').unwrap_or(header);
        let raw_lines: Vec<&str> = body.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
        let old_lines: Vec<&str> = old.strip_suffix('\n').unwrap_or(old).split('\n').collect();
        if raw_lines.len() != old_lines.len() {
            return None;
        }
        let new_lines: Vec<&str> = new.strip_suffix('\n').unwrap_or(new).split('\n').collect();
        if new_lines.iter().any(|l| l.contains('\r') || l.chars().any(|c| c.is_control() && c != '\t')) {
            return None;
        }
        // The content column, from a line whose raw text is its content plus indentation (exact also with
        // an indentation indicator, where the first line may start with spaces of its own).
        let col = raw_lines
            .iter()
            .zip(&old_lines)
            .find(|(_, o)| !o.is_empty())
            .map(|(r, o)| r.len().saturating_sub(o.len()))
            .or_else(|| self.block_content_col(node))?;
        let indicator: String = header.chars().skip(1).take_while(|c| c.is_ascii_digit()).collect();
        if indicator.is_empty() && new_lines.first().is_some_and(|l| l.starts_with(' ')) {
            return None;
        }
        let rest: String =
            header.chars().skip(1).skip_while(|c| c.is_ascii_digit() || *c == '+' || *c == '-').collect();
        let chomp = if new.ends_with('\n') { "" } else { "-" };
        let pre = old_lines.iter().zip(&new_lines).take_while(|(a, b)| a == b).count();
        let max_suf = old_lines.len().min(new_lines.len()) - pre;
        let suf = old_lines.iter().rev().zip(new_lines.iter().rev()).take(max_suf).take_while(|(a, b)| a == b).count();
        let pad = " ".repeat(col);
        let mut out = format!("|{indicator}{chomp}{rest}");
        for l in &raw_lines[..pre] {
            out.push_str(le);
            out.push_str(l);
        }
        for l in &new_lines[pre..new_lines.len() - suf] {
            out.push_str(le);
            if !l.is_empty() {
                out.push_str(&pad);
                out.push_str(l);
            }
        }
        for l in &raw_lines[raw_lines.len() - suf..] {
            out.push_str(le);
            out.push_str(l);
        }
        Some(out)
    }

    fn slot_child_col(&self, slot: Slot) -> usize {
        match slot {
            Slot::Root => self.house.indent,
            Slot::MapValue { key_col, .. } => key_col + self.house.indent,
            Slot::SeqItem { dash_col, .. } => dash_col + 2,
        }
    }

    /// The indentation of a block scalar's first non-blank content line.
    fn block_content_col(&self, node: &Node) -> Option<usize> {
        let t = self.doc.slice(node.span);
        t.split('\n').skip(1).find(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start_matches(' ').len())
    }

    /// Replaces a whole value by a clean rendering of `target`.
    fn replace_whole(&self, node: &Node, target: &Value, slot: Slot, forced: bool) -> Edit {
        let prefer = if !forced && node.is_scalar() && node.span.start.byte != node.span.end.byte {
            Some(node.style)
        } else {
            None
        };
        let end = node.span.end.byte;
        match slot {
            Slot::Root => Edit { range: node.span.range(), text: self.house.document(target) },
            Slot::MapValue { colon_end, key_col } => {
                let text = self.house.after_key(target, key_col, prefer);
                self.keep_trailing_comment(colon_end..end.max(colon_end), text)
            }
            Slot::SeqItem { dash, dash_col } => {
                let text = self.house.after_dash(target, dash_col, prefer);
                self.keep_trailing_comment(dash + 1..end.max(dash + 1), text)
            }
        }
    }

    fn map(
        &self,
        node: &Node,
        entries: &[Entry],
        m: &Map<String, Value>,
        slot: Slot,
        path: &Path,
        out: &mut Vec<Edit>,
    ) -> Result<(), Bail> {
        let bail = || Bail(path.clone());
        let mut order: Vec<Option<usize>> = Vec::with_capacity(m.len());
        for k in m.keys() {
            order.push(entries.iter().position(|e| e.key_str() == k));
        }
        let identity = order.len() == entries.len() && order.iter().enumerate().all(|(j, o)| *o == Some(j));
        let slots: Vec<Slot> = entries
            .iter()
            .map(|e| {
                self.colon_end(e)
                    .map(|c| Slot::MapValue { colon_end: c, key_col: col(self.doc, e.key.span.start.byte) })
            })
            .collect::<Option<_>>()
            .ok_or_else(bail)?;
        if identity {
            for (i, (k, v)) in m.iter().enumerate() {
                self.value(&entries[i].value, v, slots[i], &path.key(k), out)?;
            }
            return Ok(());
        }
        let starts: Vec<usize> = entries.iter().map(|e| e.key.span.start.byte).collect();
        let ends: Vec<usize> = entries.iter().map(|e| e.value.span.end.byte.max(e.key.span.end.byte)).collect();
        let chunks = self.chunks(&starts, &ends, self.floor(node, slot)).ok_or_else(bail)?;
        let mut pieces = Vec::with_capacity(m.len());
        for ((k, v), o) in m.iter().zip(&order) {
            match o {
                Some(i) => {
                    let mut edits = Vec::new();
                    self.value(&entries[*i].value, v, slots[*i], &path.key(k), &mut edits)?;
                    pieces.push(Piece::Old { idx: *i, edits });
                }
                None => {
                    let c = chunks.first().map_or(0, |c| c.col);
                    pieces.push(Piece::New(self.house.entry(k, v, c)));
                }
            }
        }
        out.push(self.rebuild(&chunks, pieces).ok_or_else(bail)?);
        Ok(())
    }

    fn seq(
        &self,
        node: &Node,
        items: &[Node],
        a: &[Value],
        slot: Slot,
        path: &Path,
        out: &mut Vec<Edit>,
    ) -> Result<(), Bail> {
        let bail = || Bail(path.clone());
        let dashes: Vec<usize> = items.iter().map(|n| self.dash_of(n)).collect::<Option<_>>().ok_or_else(bail)?;
        let order = pair(items, a);
        let identity = order.len() == items.len() && order.iter().enumerate().all(|(j, o)| *o == Some(j));
        let slot_of = |i: usize| Slot::SeqItem { dash: dashes[i], dash_col: col(self.doc, dashes[i]) };
        if identity {
            for (i, v) in a.iter().enumerate() {
                self.value(&items[i], v, slot_of(i), &path.index(i), out)?;
            }
            return Ok(());
        }
        let ends: Vec<usize> = items.iter().zip(&dashes).map(|(n, d)| n.span.end.byte.max(d + 1)).collect();
        let chunks = self.chunks(&dashes, &ends, self.floor(node, slot)).ok_or_else(bail)?;
        let dash_col = chunks.first().map_or(0, |c| c.col);
        let mut pieces = Vec::with_capacity(a.len());
        for (j, (v, o)) in a.iter().zip(&order).enumerate() {
            match o {
                Some(i) => {
                    let mut edits = Vec::new();
                    self.value(&items[*i], v, slot_of(*i), &path.index(j), &mut edits)?;
                    pieces.push(Piece::Old { idx: *i, edits });
                }
                None => match self.copy_from_elsewhere(v, dash_col) {
                    Some((comments, body)) => pieces.push(Piece::Copied { comments, body }),
                    None => pieces.push(Piece::New(format!("-{}", self.house.after_dash(v, dash_col, None)))),
                },
            }
        }
        out.push(self.rebuild(&chunks, pieces).ok_or_else(bail)?);
        Ok(())
    }

    /// Byte after the colon that follows a mapping key.
    fn colon_end(&self, e: &Entry) -> Option<usize> {
        let bytes = self.text().as_bytes();
        let mut i = e.key.span.end.byte;
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        (bytes.get(i) == Some(&b':')).then_some(i + 1)
    }

    fn dash_of(&self, item: &Node) -> Option<usize> {
        dash_of(self.text(), item)
    }

    /// Comments above a container's first entry may attach to it only below this offset's line.
    fn floor(&self, node: &Node, slot: Slot) -> usize {
        match slot {
            Slot::Root => 0,
            Slot::MapValue { colon_end, .. } => colon_end,
            Slot::SeqItem { dash, .. } => dash + 1,
        }
        .min(node.span.start.byte)
    }

    fn chunks(&self, starts: &[usize], ends: &[usize], floor: usize) -> Option<Vec<Chunk>> {
        let text = self.text();
        let mut out: Vec<Chunk> = Vec::with_capacity(starts.len());
        for (i, (&s, &e)) in starts.iter().zip(ends).enumerate() {
            let ls = line_start(text, s);
            let c = s - ls;
            let inline = !text.get(ls..s)?.bytes().all(|b| b == b' ');
            if inline && i > 0 {
                return None;
            }
            let lower = match out.last() {
                Some(prev) => prev.body.end + 1,
                None => floor,
            };
            let mut start = if inline { s } else { ls };
            if !inline {
                // Walk up over comment lines at the entry's column.
                while start > 0 {
                    let prev_ls = line_start(text, start - 1);
                    if prev_ls < lower || (prev_ls == 0 && floor > 0 && lower > 0) {
                        break;
                    }
                    let line = text.get(prev_ls..start)?;
                    let indent = line.len() - line.trim_start_matches(' ').len();
                    if indent == c && line.trim_start().starts_with('#') {
                        start = prev_ls;
                    } else {
                        break;
                    }
                }
            }
            let body_end = line_end(text, e);
            if i > 0 && start < out.last().map_or(0, |p| p.body.end) {
                return None;
            }
            out.push(Chunk { start, body: s..body_end, col: c });
        }
        Some(out)
    }

    /// Rebuilds a container's text from its pieces: one edit over the whole container.
    fn rebuild(&self, chunks: &[Chunk], pieces: Vec<Piece>) -> Option<Edit> {
        let text = self.text();
        let first = chunks.first()?;
        let last = chunks.last()?;
        let inline_first = first.start == first.body.start && line_start(text, first.start) != first.start;
        let le = self.house.le;
        let gap = |k: usize| -> Option<&str> { text.get(chunks[k - 1].body.end..chunks[k].start) };
        let default_gap = match chunks.len() {
            0 | 1 => le.to_string(),
            _ => {
                let g = gap(1)?;
                let blank = g.split('\n').skip(1).filter(|l| l.trim().is_empty()).count().saturating_sub(1);
                le.repeat(1 + blank)
            }
        };
        let pad = " ".repeat(first.col);
        let mut s = String::new();
        let mut prev_old: Option<usize> = None;
        let mut prev_edited = false;
        let mut prev_depth = 0;
        for (j, piece) in pieces.iter().enumerate() {
            let (comments, body): (String, String) = match piece {
                Piece::Old { idx, edits } => {
                    let c = &chunks[*idx];
                    let comments = if c.start < c.body.start && c.start != c.body.start {
                        text.get(c.start..line_start(text, c.body.start))?.to_string()
                    } else {
                        String::new()
                    };
                    let body = apply_edits(text, c.body.clone(), edits)?;
                    if c.col != first.col {
                        (reindent(&comments, c.col, first.col, true)?, reindent(&body, c.col, first.col, false)?)
                    } else {
                        (comments, body)
                    }
                }
                Piece::Copied { comments, body } => (comments.clone(), body.clone()),
                Piece::New(body) => (String::new(), body.clone()),
            };
            if j == 0 {
                if !inline_first {
                    s.push_str(&comments);
                    s.push_str(&pad);
                }
            } else {
                let g = match (piece, prev_old) {
                    (Piece::Old { idx, .. }, _) if *idx >= 1 => gap(*idx)?.to_string(),
                    (_, Some(p)) if p + 1 < chunks.len() => gap(p + 1)?.to_string(),
                    _ => default_gap.clone(),
                };
                // After a changed entry, whitespace-only lines could join a block scalar it now ends with.
                let g = if prev_edited && self.blank_lines { blank_whitespace_lines(&g, prev_depth) } else { g };
                s.push_str(&g);
                s.push_str(&comments);
                s.push_str(&pad);
            }
            s.push_str(&body);
            prev_depth = last_line_indent(&body);
            prev_edited = match piece {
                Piece::Old { edits, .. } => !edits.is_empty(),
                _ => true,
            };
            prev_old = match piece {
                Piece::Old { idx, .. } => Some(*idx),
                _ => None,
            };
        }
        Some(Edit { range: first.start..last.body.end, text: s })
    }

    /// An equal mapping item from another block sequence of the file (a step moved between containers),
    /// with its comments, reindented to `dash_col`.
    fn copy_from_elsewhere(&self, v: &Value, dash_col: usize) -> Option<(String, String)> {
        if !v.is_object() {
            return None;
        }
        let root = self.doc.root.as_ref()?;
        let item = find_seq_item(root, v)?;
        let dash = self.dash_of(item)?;
        let chunk = self.chunks(&[dash], &[item.span.end.byte.max(dash + 1)], 0).and_then(|c| c.into_iter().next())?;
        let text = self.text();
        let body = text.get(chunk.body.clone())?;
        let comments = text.get(chunk.start..line_start(text, dash).max(chunk.start))?;
        Some((reindent(comments, chunk.col, dash_col, true)?, reindent(body, chunk.col, dash_col, false)?))
    }
}

fn find_seq_item<'n>(node: &'n Node, v: &Value) -> Option<&'n Node> {
    match &node.kind {
        NodeKind::Seq(items) => {
            if node.style == Style::Block
                && let Some(hit) = items.iter().find(|n| n.is_map() && node_eq(n, v))
            {
                return Some(hit);
            }
            items.iter().find_map(|n| find_seq_item(n, v))
        }
        NodeKind::Map(entries) => entries.iter().find_map(|e| find_seq_item(&e.value, v)),
        _ => None,
    }
}

/// Which old item (if any) each new item continues. Equal items keep their text (also when moved); items
/// changed in place keep theirs by name or position.
fn pair(items: &[Node], arr: &[Value]) -> Vec<Option<usize>> {
    let (n, m) = (items.len(), arr.len());
    let mut order = vec![None; m];
    let mut used = vec![false; n];
    let mut p = 0;
    while p < n.min(m) && node_eq(&items[p], &arr[p]) {
        order[p] = Some(p);
        used[p] = true;
        p += 1;
    }
    let mut s = 0;
    while s < n.min(m) - p && node_eq(&items[n - 1 - s], &arr[m - 1 - s]) {
        order[m - 1 - s] = Some(n - 1 - s);
        used[n - 1 - s] = true;
        s += 1;
    }
    let (olds, news) = (p..n - s, p..m - s);
    // Longest common subsequence over the changed middle keeps unchanged items in place.
    if olds.len() * news.len() <= 250_000 && !olds.is_empty() && !news.is_empty() {
        let (a, b) = (olds.len(), news.len());
        let mut dp = vec![0u32; (a + 1) * (b + 1)];
        for i in (0..a).rev() {
            for j in (0..b).rev() {
                dp[i * (b + 1) + j] = if node_eq(&items[olds.start + i], &arr[news.start + j]) {
                    dp[(i + 1) * (b + 1) + j + 1] + 1
                } else {
                    dp[(i + 1) * (b + 1) + j].max(dp[i * (b + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a && j < b {
            if node_eq(&items[olds.start + i], &arr[news.start + j]) {
                order[news.start + j] = Some(olds.start + i);
                used[olds.start + i] = true;
                i += 1;
                j += 1;
            } else if dp[(i + 1) * (b + 1) + j] >= dp[i * (b + 1) + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    // Moves: an equal item elsewhere.
    for j in news.clone() {
        if order[j].is_none()
            && let Some(i) = olds.clone().find(|&i| !used[i] && node_eq(&items[i], &arr[j]))
        {
            order[j] = Some(i);
            used[i] = true;
        }
    }
    // Edits by name: the same step, changed.
    for j in news.clone() {
        if order[j].is_none()
            && let Some(name) = name_of(&arr[j])
            && let Some(i) = olds.clone().find(|&i| !used[i] && node_name(&items[i]) == Some(name))
        {
            order[j] = Some(i);
            used[i] = true;
        }
    }
    // Edits by position, when as many items are left on both sides.
    let left_old: Vec<usize> = olds.clone().filter(|&i| !used[i]).collect();
    let left_new: Vec<usize> = news.clone().filter(|&j| order[j].is_none()).collect();
    if left_old.len() == left_new.len() {
        for (i, j) in left_old.into_iter().zip(left_new) {
            if items[i].is_map() == arr[j].is_object() && items[i].is_seq() == arr[j].is_array() {
                order[j] = Some(i);
            }
        }
    }
    order
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("name")?.as_str()
}

fn node_name(n: &Node) -> Option<&str> {
    n.get("name")?.as_str()
}

/// The `-` of a block sequence item: the last non-blank character before the item, skipping blank
/// lines and comments (`- # note` followed by the item on the next line).
pub(super) fn dash_of(text: &str, item: &Node) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = item.span.start.byte;
    // An empty item's span may sit right after its dash or on it.
    if bytes.get(i) == Some(&b'-') && item.span.start.byte == item.span.end.byte {
        return Some(i);
    }
    loop {
        let ls = line_start(text, i);
        let seg = text.get(ls..i)?;
        let content = match seg.char_indices().find(|&(k, c)| c == '#' && (k == 0 || seg[..k].ends_with([' ', '\t']))) {
            Some((k, _)) => &seg[..k],
            None => seg,
        };
        let t = content.trim_end();
        if !t.is_empty() {
            return t.ends_with('-').then(|| ls + t.len() - 1);
        }
        if ls == 0 {
            return None;
        }
        i = ls - 1;
    }
}

pub(super) fn line_start(text: &str, pos: usize) -> usize {
    text.get(..pos).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1)
}

/// End of the line containing `pos`, before its line break.
pub(super) fn line_end(text: &str, pos: usize) -> usize {
    let bytes = text.as_bytes();
    match text.get(pos..).and_then(|t| t.find('\n')) {
        Some(i) => {
            let nl = pos + i;
            if nl > 0 && bytes[nl - 1] == b'\r' { nl - 1 } else { nl }
        }
        None => text.len(),
    }
}

/// Makes whitespace-only lines with more than `depth` spaces empty (the line breaks stay). After a block
/// scalar whose last line is indented `depth`, such lines would be read as its content.
fn blank_whitespace_lines(s: &str, depth: usize) -> String {
    s.split('\n')
        .map(|l| {
            let spaces = l.len() - l.trim_start_matches(' ').len();
            if l.trim().is_empty() && (spaces > depth || l.contains('\t')) {
                l.trim_start_matches([' ', '\t'])
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Indentation of the last non-blank line of `s` (for a block scalar: at least its content indentation).
fn last_line_indent(s: &str) -> usize {
    s.split('\n').rev().find(|l| !l.trim().is_empty()).map_or(0, |l| l.len() - l.trim_start_matches(' ').len())
}

/// Applies `edits` (absolute offsets, inside `range`) to `text[range]`.
pub fn apply_edits(text: &str, range: Range<usize>, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(range.len());
    let mut pos = range.start;
    for e in sorted {
        if e.range.start < pos || e.range.end > range.end || e.range.start > e.range.end {
            return None;
        }
        out.push_str(text.get(pos..e.range.start)?);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(text.get(pos..range.end)?);
    Some(out)
}

/// Shifts lines from column `from` to column `to`: every line when `all`, else every line after the first
/// (the first starts at the key or dash). Blank lines stay empty. `None` if a line lacks the spaces to remove.
fn reindent(s: &str, from: usize, to: usize, all: bool) -> Option<String> {
    if from == to || s.is_empty() {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split_inclusive('\n').enumerate() {
        if (i == 0 && !all) || line.trim().is_empty() {
            out.push_str(line);
        } else if to > from {
            out.push_str(&" ".repeat(to - from));
            out.push_str(line);
        } else {
            let cut = from - to;
            if !line.as_bytes().iter().take(cut).all(|&b| b == b' ') || line.len() < cut {
                return None;
            }
            out.push_str(line.get(cut..)?);
        }
    }
    Some(out)
}

fn is_empty_collection(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Map(entries) => entries.is_empty(),
        NodeKind::Seq(items) => items.is_empty(),
        _ => false,
    }
}

/// Whether a collection holds collections.
fn has_nested(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(|x| x.is_array() || x.is_object()),
        Value::Object(m) => m.values().any(|x| x.is_array() || x.is_object()),
        _ => false,
    }
}
