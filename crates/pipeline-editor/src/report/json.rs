//! Machine-readable output: one JSON array with an object per checked file,
//! `{"file", "valid", "diagnostics": [{"severity", "code", "message", "hint"?, "line", "column",
//! "end_line", "end_column", "path"}]}`. Lines and columns are 1-based, columns count characters and the
//! end is exclusive. A finding without a place in the file (a missing file, say) reports 1:1.

use serde::Serialize;

use super::{FileReport, Item};

#[derive(Serialize)]
struct FileOut<'a> {
    file: &'a str,
    valid: bool,
    diagnostics: Vec<DiagOut<'a>>,
}

#[derive(Serialize)]
struct DiagOut<'a> {
    severity: String,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    path: &'a str,
}

impl<'a> From<&Item<'a>> for DiagOut<'a> {
    fn from(i: &Item<'a>) -> Self {
        let (line, column, end_line, end_column) =
            i.region.map_or((1, 1, 1, 1), |r| (r.start_line, r.start_col, r.end_line, r.end_col));
        DiagOut {
            severity: i.severity.to_string(),
            code: i.code,
            message: i.message,
            hint: i.hint,
            line,
            column,
            end_line,
            end_column,
            path: i.path,
        }
    }
}

pub fn render(reports: &[FileReport]) -> String {
    let files: Vec<FileOut<'_>> = reports
        .iter()
        .map(|r| FileOut {
            file: &r.file,
            valid: r.valid(),
            diagnostics: r.items().iter().map(DiagOut::from).collect(),
        })
        .collect();
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&files).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
