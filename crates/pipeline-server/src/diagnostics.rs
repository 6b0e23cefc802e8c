//! Diagnostics as JSON for the API: code, severity, message, hint, path and a 1-based line and column.

use pipeline_format::validate::{Options, validate_text};
use pipeline_format::{Diagnostic, Severity};

use crate::types::{DiagnosticBody, DiagnosticSummary, SeverityName};

pub fn to_json(d: &Diagnostic) -> DiagnosticBody {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    DiagnosticBody {
        code: d.code.to_string(),
        severity: match d.severity {
            Severity::Error => SeverityName::Error,
            Severity::Warning => SeverityName::Warning,
            Severity::Info => SeverityName::Info,
        },
        message: d.message.clone(),
        hint: d.hint.clone(),
        path: d.path.to_string(),
        line: n(d.span.start.line),
        column: n(d.span.start.col),
        end_line: n(d.span.end.line),
        end_column: n(d.span.end.col),
    }
}

/// The lint-level diagnostics of a YAML text.
pub fn of_text(text: &str) -> Vec<DiagnosticBody> {
    validate_text(text, &Options::default()).iter().map(to_json).collect()
}

/// Counts by severity of diagnostics made by `of_text`.
pub fn summary(diags: &[DiagnosticBody]) -> DiagnosticSummary {
    let count = |s: SeverityName| u32::try_from(diags.iter().filter(|d| d.severity == s).count()).unwrap_or(u32::MAX);
    DiagnosticSummary {
        errors: count(SeverityName::Error),
        warnings: count(SeverityName::Warning),
        infos: count(SeverityName::Info),
    }
}
