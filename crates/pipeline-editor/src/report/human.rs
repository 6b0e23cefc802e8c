//! rustc-style output for people:
//!
//! ```text
//! error[missing-prompt]: Step 'x' missing required 'prompt' field
//!   --> pipelines/x.yaml:12:5
//!    |
//! 12 |   - name: x
//!    |     ^^^^^^^
//!    |
//!    = note: at workflow.steps[3]
//!    = hint: add a prompt
//! ```
//!
//! Columns in the `-->` line count characters; the underline is placed by display width (tabs as four
//! columns, wide characters as two), so it sits under the right text whatever the line contains.

use std::fmt::Write as _;
use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::{FileReport, Item, Totals};

/// Lines wider than this (in display columns) are shown as a window around the finding.
const MAX_LINE_WIDTH: usize = 160;
/// How much of the line before the finding a window keeps.
const CONTEXT_BEFORE: usize = 40;
const TAB_WIDTH: usize = 4;

/// Renders every finding of every file, then the summary line.
pub fn render(reports: &[FileReport], totals: &Totals) -> String {
    let mut out = String::new();
    for r in reports {
        for item in r.items() {
            render_item(&mut out, &r.file, r.source.as_deref(), &item);
        }
    }
    out.push_str(&summary(totals));
    out.push('\n');
    out
}

/// Renders one finding, with its source line and underline when the source is known.
pub fn render_item(out: &mut String, file: &str, source: Option<&str>, item: &Item<'_>) {
    let _ = writeln!(out, "{}[{}]: {}", item.severity, item.code, item.message);
    let snippet = match (source, &item.bytes, &item.region) {
        (Some(src), Some(bytes), Some(region)) => Some((region.start_line, snippet(src, bytes.clone()))),
        _ => None,
    };
    let gutter = snippet.as_ref().map_or(1, |(line, _)| digits(*line));
    let pad = " ".repeat(gutter);
    match &item.region {
        Some(r) => {
            let _ = writeln!(out, "{pad}--> {file}:{}:{}", r.start_line, r.start_col);
        }
        None => {
            let _ = writeln!(out, "{pad}--> {file}");
        }
    }
    if let Some((line_no, (text, caret_at, caret_len))) = &snippet {
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{line_no} | {text}");
        let _ = writeln!(out, "{pad} | {}{}", " ".repeat(*caret_at), "^".repeat(*caret_len));
    }
    let notes: Vec<String> =
        [(!item.path.is_empty()).then(|| format!("note: at {}", item.path)), item.hint.map(|h| format!("hint: {h}"))]
            .into_iter()
            .flatten()
            .collect();
    if !notes.is_empty() {
        if snippet.is_some() {
            let _ = writeln!(out, "{pad} |");
        }
        for n in notes {
            let _ = writeln!(out, "{pad} = {n}");
        }
    }
    out.push('\n');
}

/// The line holding `bytes.start`, made printable, with the underline's start column and width (display
/// columns). A span running past the end of its first line is underlined to the end of that line; an empty
/// span gets one caret.
fn snippet(src: &str, bytes: Range<usize>) -> (String, usize, usize) {
    let start = floor_char_boundary(src, bytes.start);
    let end = floor_char_boundary(src, bytes.end.max(start));
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = &src[line_start..line_end];
    let line = line.strip_suffix('\r').unwrap_or(line);

    // Each character as (printable text, display width, byte offset in `src`).
    let cells: Vec<(String, usize, usize)> = line
        .char_indices()
        .map(|(i, c)| {
            let (text, width) = printable(c);
            (text, width, line_start + i)
        })
        .collect();
    let total: usize = cells.iter().map(|c| c.1).sum();
    let prefix: usize = cells.iter().take_while(|c| c.2 < start).map(|c| c.1).sum();
    let marked: usize = cells.iter().filter(|c| c.2 >= start && c.2 < end).map(|c| c.1).sum();
    let marked = marked.max(1);

    if total <= MAX_LINE_WIDTH {
        let text: String = cells.into_iter().map(|c| c.0).collect();
        return (text, prefix, marked);
    }
    // A long line: show a window of MAX_LINE_WIDTH columns starting a little before the finding.
    let from = prefix.saturating_sub(CONTEXT_BEFORE);
    let to = from + MAX_LINE_WIDTH;
    let mut text = String::new();
    if from > 0 {
        text.push_str("...");
    }
    let mut col = 0;
    for (piece, width, _) in &cells {
        if col >= from && col + width <= to {
            text.push_str(piece);
        }
        col += width;
    }
    if total > to {
        text.push_str("...");
    }
    let lead = if from > 0 { 3 } else { 0 };
    let caret_at = prefix - from + lead;
    let caret_len = marked.min(to.saturating_sub(prefix)).max(1);
    (text, caret_at, caret_len)
}

/// How a character is shown: tabs expand, control characters become U+FFFD.
fn printable(c: char) -> (String, usize) {
    match c {
        '\t' => (" ".repeat(TAB_WIDTH), TAB_WIDTH),
        c if c.is_control() => ('\u{FFFD}'.to_string(), 1),
        c => (c.to_string(), c.width().unwrap_or(0)),
    }
}

fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

/// The closing line: `error: 2 files have errors (3 errors, 1 warning); 5 files checked, 1 skipped`.
pub fn summary(t: &Totals) -> String {
    let skipped = if t.skipped > 0 { format!(", {} skipped", t.skipped) } else { String::new() };
    if t.files_with_errors > 0 {
        let have = if t.files_with_errors == 1 { "has" } else { "have" };
        format!(
            "error: {} {have} errors ({}, {}); {} checked{skipped}",
            plural(t.files_with_errors, "file"),
            plural(t.errors, "error"),
            plural(t.warnings, "warning"),
            plural(t.checked, "file"),
        )
    } else if t.checked == 0 {
        format!("warning: no pipeline files checked{skipped}")
    } else {
        let warnings = if t.warnings > 0 { format!(" ({})", plural(t.warnings, "warning")) } else { String::new() };
        format!("ok: {} checked, no errors{warnings}{skipped}", plural(t.checked, "file"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underline_counts_characters_not_bytes() {
        let src = "a: é\nname: \"ünï\"\n";
        let start = src.find('"').expect("quote");
        let (line, at, len) = snippet(src, start..start + "\"ünï\"".len());
        assert_eq!(line, "name: \"ünï\"");
        assert_eq!((at, len), (6, 5));
    }

    #[test]
    fn tabs_expand_and_wide_characters_count_double() {
        let src = "\tk: 漢字 x";
        let start = src.find('x').expect("x");
        let (line, at, len) = snippet(src, start..start + 1);
        assert_eq!(line, "    k: 漢字 x");
        assert_eq!((at, len), (4 + 3 + 4 + 1, 1));
    }

    #[test]
    fn multi_line_span_is_underlined_to_end_of_first_line() {
        let src = "key: |\r\n  text\r\n";
        let (line, at, len) = snippet(src, 5..src.len());
        assert_eq!(line, "key: |");
        assert_eq!((at, len), (5, 1));
    }

    #[test]
    fn empty_span_at_end_of_file_gets_one_caret() {
        let src = "a: [1,\n";
        let (line, at, len) = snippet(src, src.len()..src.len());
        assert_eq!(line, "");
        assert_eq!((at, len), (0, 1));
    }

    #[test]
    fn long_lines_are_windowed_around_the_finding() {
        let src = format!("k: {}X{}", "a".repeat(500), "b".repeat(500));
        let start = src.find('X').expect("X");
        let (line, at, len) = snippet(&src, start..start + 1);
        assert!(line.starts_with("...") && line.ends_with("..."), "{line}");
        assert_eq!(line.chars().nth(at), Some('X'));
        assert_eq!(len, 1);
    }

    #[test]
    fn summary_lines() {
        let t = Totals { checked: 5, skipped: 1, files_with_errors: 2, errors: 3, warnings: 1, infos: 0 };
        assert_eq!(summary(&t), "error: 2 files have errors (3 errors, 1 warning); 5 files checked, 1 skipped");
        let t = Totals { checked: 1, ..Totals::default() };
        assert_eq!(summary(&t), "ok: 1 file checked, no errors");
    }
}
