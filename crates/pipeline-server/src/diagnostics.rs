//! Diagnostics as JSON for the API: code, severity, message, hint, path and a 1-based line and column.

use pipeline_format::Diagnostic;
use pipeline_format::validate::{Options, validate_text};
use serde_json::{Value, json};

pub fn to_json(d: &Diagnostic) -> Value {
    json!({
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "hint": d.hint,
        "path": d.path,
        "line": d.span.start.line,
        "column": d.span.start.col,
        "end_line": d.span.end.line,
        "end_column": d.span.end.col,
    })
}

/// The lint-level diagnostics of a YAML text.
pub fn of_text(text: &str) -> Vec<Value> {
    validate_text(text, &Options::default()).iter().map(to_json).collect()
}

/// `{errors, warnings}` counts of diagnostics made by `of_text`.
pub fn summary(diags: &[Value]) -> Value {
    let count = |s: &str| diags.iter().filter(|d| d["severity"] == s).count();
    json!({ "errors": count("error"), "warnings": count("warning"), "infos": count("info") })
}
