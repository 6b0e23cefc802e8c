//! What `validate` found, per file, and its renderings: `human` (rustc-style), `json` and `sarif`.
//! Renderers are pure functions from reports to text; printing is the caller's business.

pub mod human;
pub mod json;
pub mod sarif;

use std::ops::Range;

use pipeline_format::{Diagnostic, Severity};

use crate::input::{InputError, Location};

/// The outcome of checking one file.
#[derive(Debug)]
pub struct FileReport {
    /// The path as shown to the user (as given, or joined under the folder given).
    pub file: String,
    /// The file's text, when it could be read (used to show source lines).
    pub source: Option<String>,
    /// Parser and validator findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the file could not be read as text; then `diagnostics` is empty.
    pub read_error: Option<ReadFailure>,
}

/// A file that could not be read as text.
#[derive(Debug)]
pub struct ReadFailure {
    pub code: &'static str,
    pub message: String,
    pub at: Option<Location>,
}

impl From<&InputError> for ReadFailure {
    fn from(e: &InputError) -> Self {
        ReadFailure { code: e.code(), message: e.to_string(), at: e.location() }
    }
}

/// One finding, whatever its origin, in the shape every renderer needs.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub hint: Option<&'a str>,
    /// Start and end (1-based line, column in characters), when the finding has a place in the file.
    pub region: Option<Region>,
    /// Byte range in `FileReport::source`, when known.
    pub bytes: Option<Range<usize>>,
    /// Where in the data (`workflow.steps[3].prompt`); empty for the whole document.
    pub path: &'a str,
}

/// A located range: 1-based lines, 1-based columns counted in characters, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start_line: usize,
    pub start_col: usize,
    pub end_line: usize,
    pub end_col: usize,
}

impl FileReport {
    /// Whether the file passed: it was read and has no error (warnings allowed).
    pub fn valid(&self) -> bool {
        self.read_error.is_none() && !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn items(&self) -> Vec<Item<'_>> {
        if let Some(r) = &self.read_error {
            return vec![Item {
                severity: Severity::Error,
                code: r.code,
                message: &r.message,
                hint: None,
                region: r.at.map(|l| Region { start_line: l.line, start_col: l.col, end_line: l.line, end_col: l.col }),
                bytes: None,
                path: "",
            }];
        }
        self.diagnostics
            .iter()
            .map(|d| Item {
                severity: d.severity,
                code: &d.code,
                message: &d.message,
                hint: d.hint.as_deref(),
                region: Some(Region {
                    start_line: d.span.start.line,
                    start_col: d.span.start.col,
                    end_line: d.span.end.line,
                    end_col: d.span.end.col,
                }),
                bytes: Some(d.span.range()),
                path: &d.path,
            })
            .collect()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items().iter().filter(|i| i.severity == severity).count()
    }
}

/// Totals over a whole run, for the human summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub checked: usize,
    pub skipped: usize,
    pub files_with_errors: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Totals {
    pub fn new(reports: &[FileReport], skipped: usize) -> Totals {
        let mut t = Totals { checked: reports.len(), skipped, ..Totals::default() };
        for r in reports {
            if !r.valid() {
                t.files_with_errors += 1;
            }
            t.errors += r.count(Severity::Error);
            t.warnings += r.count(Severity::Warning);
            t.infos += r.count(Severity::Info);
        }
        t
    }
}
