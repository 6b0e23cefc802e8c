//! Diagnostics: what the validator and the parser report. Every diagnostic has a stable code, a severity,
//! a message a person can act on, an optional hint, a source span and the path of the node concerned.

use serde::Serialize;

use crate::node::Node;
use crate::parse::{Document, ParseError};
use crate::path::{Path, Seg};
use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One finding about a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable, kebab-case code (`missing-prompt`, `duplicate-step-name`, …).
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// How to fix it, when there is something useful to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub span: Span,
    /// Where in the data (`workflow.steps[3].prompt[0].content`); empty for the whole document.
    pub path: String,
}

impl Diagnostic {
    /// A diagnostic located at `path` in `doc` (see [`locate`]).
    pub fn at(doc: &Document, path: &Path, severity: Severity, code: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: code.to_string(),
            severity,
            message: message.into(),
            hint: None,
            span: locate(doc, path),
            path: path.to_string(),
        }
    }

    pub fn error(doc: &Document, path: &Path, code: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(doc, path, Severity::Error, code, message)
    }

    pub fn warning(doc: &Document, path: &Path, code: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(doc, path, Severity::Warning, code, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// A parse failure as a diagnostic.
    pub fn from_parse_error(e: &ParseError) -> Diagnostic {
        Diagnostic {
            code: e.code.to_string(),
            severity: Severity::Error,
            message: e.message.clone(),
            hint: match e.code {
                "duplicate-key" => {
                    Some("remove one of the two entries; YAML loaders disagree on which one wins".into())
                }
                "yaml-syntax" => Some("check indentation, quotes and brackets near this position".into()),
                _ => None,
            },
            span: e.span,
            path: String::new(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The span to report for `path`: the node's own span, except that a block scalar (whose text runs over
/// many lines) and a missing key report the position of the nearest key that exists. The deepest existing
/// ancestor is used when the path does not exist (a missing field is reported at its parent).
pub fn locate(doc: &Document, path: &Path) -> Span {
    let Some(root) = &doc.root else {
        let p = doc.pos(0);
        return Span::new(p, p);
    };
    let mut node: &Node = root;
    let mut key_span: Option<Span> = None;
    for seg in path.segments() {
        let next = match seg {
            Seg::Key(k) => node.entry(k).map(|e| (&e.value, Some(e.key.span))),
            Seg::Index(i) => node.as_seq().and_then(|s| s.get(*i)).map(|n| (n, None)),
        };
        match next {
            Some((n, ks)) => {
                node = n;
                key_span = ks;
            }
            None => {
                return key_span
                    .filter(|_| !node.is_map() && !node.is_seq())
                    .unwrap_or_else(|| head_span(doc, node, key_span));
            }
        }
    }
    if (node.is_block_scalar() || (node.is_null() && node.span.start == node.span.end))
        && let Some(ks) = key_span
    {
        return ks;
    }
    head_span(doc, node, None)
}

/// For a collection, its first line only (a whole step is not a useful squiggle); else the node's span.
fn head_span(doc: &Document, node: &Node, key_span: Option<Span>) -> Span {
    if node.is_scalar() {
        return node.span;
    }
    if let Some(ks) = key_span {
        return ks;
    }
    let start = node.span.start;
    let line_end = doc.text[start.byte..]
        .find(['\n', '\r'])
        .map_or(doc.text.len(), |i| start.byte + i)
        .min(node.span.end.byte.max(start.byte));
    Span::new(start, doc.pos(line_end))
}
