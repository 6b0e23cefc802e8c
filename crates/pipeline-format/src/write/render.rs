//! Clean rendering of new content in the house style. Used for whatever has no original text to reuse:
//! new keys and items, changed scalars, and the fallback when a splice would not re-parse as intended.

use serde_json::{Map, Value};

use super::house::{House, Quote};
use crate::node::Style;
use crate::parse::resolve_plain;

impl House {
    /// A scalar (string, number, boolean, null) on one line; `prefer` is the style it had before, if any.
    pub fn scalar(&self, v: &Value, prefer: Option<Style>, flow: bool) -> String {
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => format_float(f),
                _ => n.to_string(),
            },
            Value::String(s) => self.string(s, prefer, flow),
            Value::Array(_) | Value::Object(_) => self.flow(v),
        }
    }

    fn string(&self, s: &str, prefer: Option<Style>, flow: bool) -> String {
        let quote = match prefer {
            Some(Style::DoubleQuoted) => Quote::Double,
            Some(Style::SingleQuoted) => Quote::Single,
            Some(Style::Plain) => Quote::Plain,
            _ => self.quote,
        };
        match quote {
            Quote::Plain if plain_safe(s, flow) => s.to_string(),
            Quote::Single if single_safe(s) => single_quoted(s),
            _ => double_quoted(s),
        }
    }

    /// A mapping key.
    pub fn key(&self, k: &str) -> String {
        if plain_safe(k, false) { k.to_string() } else { double_quoted(k) }
    }

    /// A block mapping entry starting at its key (which sits at column `col`): `key: value`, or the explicit
    /// `? key` / `: value` form for keys longer than YAML allows implicit keys to be (1024 characters).
    pub fn entry(&self, k: &str, v: &Value, col: usize) -> String {
        let key = self.key(k);
        if key.chars().count() <= 1024 {
            return format!("{key}:{}", self.after_key(v, col, None));
        }
        format!("? {key}{}{}:{}", self.le, " ".repeat(col), self.after_key(v, col, None))
    }

    /// A value in flow style, on one line.
    pub fn flow(&self, v: &Value) -> String {
        match v {
            Value::Array(a) => {
                let items: Vec<String> = a.iter().map(|x| self.flow_item(x)).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Object(m) => {
                let items: Vec<String> = m
                    .iter()
                    .map(|(k, x)| {
                        let key = if plain_safe(k, true) { k.clone() } else { double_quoted(k) };
                        // Over 1024 characters a key must be explicit.
                        let q = if key.chars().count() > 1024 { "? " } else { "" };
                        format!("{q}{key}: {}", self.flow_item(x))
                    })
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            _ => self.scalar(v, None, true),
        }
    }

    fn flow_item(&self, v: &Value) -> String {
        match v {
            Value::String(s) if s.contains('\n') => double_quoted(s),
            _ => self.scalar(v, None, true).replace('\n', "\\n"),
        }
    }

    /// The text after `key:` for a value whose key starts at column `key_col`: ` scalar`, or a line break and
    /// an indented block.
    pub fn after_key(&self, v: &Value, key_col: usize, prefer: Option<Style>) -> String {
        match v {
            Value::Object(m) if !m.is_empty() => {
                format!("{}{}", self.le, self.block_map(m, key_col + self.indent))
            }
            Value::Array(a) if !a.is_empty() => {
                format!("{}{}", self.le, self.block_seq(a, key_col + self.seq_indent))
            }
            Value::Object(_) => " {}".into(),
            Value::Array(_) => " []".into(),
            Value::Null if prefer.is_none() => String::new(),
            Value::String(s) if wants_block(s, prefer) => {
                format!(" {}", self.literal(s, key_col + self.indent).unwrap_or_else(|| double_quoted(s)))
            }
            _ => format!(" {}", self.scalar(v, prefer, false)),
        }
    }

    /// The text after `-` for an item whose dash is at column `dash_col`.
    pub fn after_dash(&self, v: &Value, dash_col: usize, prefer: Option<Style>) -> String {
        let inner = dash_col + 2;
        match v {
            Value::Object(m) if !m.is_empty() => {
                format!(" {}", self.block_map(m, inner).trim_start_matches(' '))
            }
            Value::Array(a) if !a.is_empty() => {
                format!(" {}", self.block_seq(a, inner).trim_start_matches(' '))
            }
            Value::Object(_) => " {}".into(),
            Value::Array(_) => " []".into(),
            Value::String(s) if wants_block(s, prefer) => {
                format!(" {}", self.literal(s, inner).unwrap_or_else(|| double_quoted(s)))
            }
            _ => format!(" {}", self.scalar(v, prefer, false)),
        }
    }

    /// A block mapping whose keys start at column `col`; lines joined by the line ending, no final one.
    pub fn block_map(&self, m: &Map<String, Value>, col: usize) -> String {
        let pad = " ".repeat(col);
        let lines: Vec<String> = m.iter().map(|(k, v)| format!("{pad}{}", self.entry(k, v, col))).collect();
        lines.join(self.le)
    }

    /// A block sequence whose dashes are at column `col`.
    pub fn block_seq(&self, a: &[Value], col: usize) -> String {
        let pad = " ".repeat(col);
        let lines: Vec<String> = a.iter().map(|v| format!("{pad}-{}", self.after_dash(v, col, None))).collect();
        lines.join(self.le)
    }

    /// A whole document.
    pub fn document(&self, v: &Value) -> String {
        match v {
            Value::Object(m) if !m.is_empty() => self.block_map(m, 0),
            Value::Array(a) if !a.is_empty() => self.block_seq(a, 0),
            Value::String(s) if s.contains('\n') => self.literal(s, self.indent).unwrap_or_else(|| double_quoted(s)),
            _ => self.scalar(v, None, false),
        }
    }

    /// A literal block scalar (`|`, `|-`) with content at column `col`, or `None` when the text cannot be
    /// written as one faithfully (leading spaces on the first line, carriage returns, control characters,
    /// several trailing line breaks): the caller then uses a double-quoted string.
    pub fn literal(&self, s: &str, col: usize) -> Option<String> {
        if s.is_empty()
            || s.ends_with("\n\n")
            || s.starts_with([' ', '\t', '\n'])
            || s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}')
        {
            return None;
        }
        let (body, header) = match s.strip_suffix('\n') {
            Some(b) => (b, "|"),
            None => (s, "|-"),
        };
        let pad = " ".repeat(col);
        let mut out = String::from(header);
        for line in body.split('\n') {
            out.push_str(self.le);
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
        Some(out)
    }
}

/// Multi-line strings become literal blocks; so does any string that was a block before.
fn wants_block(s: &str, prefer: Option<Style>) -> bool {
    match prefer {
        Some(Style::Literal | Style::Folded) => !s.is_empty(),
        Some(Style::DoubleQuoted | Style::SingleQuoted) => false,
        _ => s.contains('\n'),
    }
}

fn format_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf".into() } else { "-.inf".into() }
    } else {
        // Debug keeps a fractional part (`1.0`), so it reads back as a float, not an integer.
        format!("{f:?}")
    }
}

/// Whether `s` can be written as a plain scalar and read back as the same string.
pub fn plain_safe(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if resolve_plain(s).is_some()
        || s.starts_with([' ', '\t'])
        || s.ends_with([' ', '\t', ':'])
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || s.starts_with("---")
        || s.starts_with("...")
        || s.contains(": ")
        || s.contains(" #")
        || s.chars().any(|c| c.is_control() || c == '\u{feff}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}')
        || (flow && s.contains([',', '[', ']', '{', '}']))
        || s == "<<"
    {
        return false;
    }
    true
}

fn single_safe(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || c == '\u{feff}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}')
        && !s.starts_with(' ')
        && !s.ends_with(' ')
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if c.is_control() || c == '\u{feff}' => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
