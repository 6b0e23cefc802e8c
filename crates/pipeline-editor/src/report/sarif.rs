//! SARIF 2.1.0 output, the format CI systems read to annotate pull requests. One run; the tool's rules are
//! the codes that occur in the results. Columns are declared as Unicode code points (`columnKind`), which
//! is how pipeline-format counts them; regions are omitted for findings without a place in the file.

use std::collections::BTreeSet;

use pipeline_format::Severity;
use serde_json::{Value, json};

use super::FileReport;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(reports: &[FileReport]) -> String {
    let codes: BTreeSet<&str> = reports.iter().flat_map(|r| r.items().into_iter().map(|i| i.code)).collect();
    let codes: Vec<&str> = codes.into_iter().collect();
    let rules: Vec<Value> =
        codes.iter().map(|c| json!({ "id": c, "name": c, "shortDescription": { "text": describe(c) } })).collect();

    let mut results = Vec::new();
    for r in reports {
        for item in r.items() {
            let mut physical = json!({ "artifactLocation": { "uri": uri(&r.file) } });
            if let Some(reg) = item.region {
                physical["region"] = json!({
                    "startLine": reg.start_line,
                    "startColumn": reg.start_col,
                    "endLine": reg.end_line,
                    "endColumn": reg.end_col,
                });
            }
            let mut text = item.message.to_string();
            if let Some(h) = item.hint {
                text.push_str(&format!(" (hint: {h})"));
            }
            let mut result = json!({
                "ruleId": item.code,
                "ruleIndex": codes.iter().position(|c| *c == item.code).unwrap_or(0),
                "level": level(item.severity),
                "message": { "text": text },
                "locations": [{ "physicalLocation": physical }],
            });
            if !item.path.is_empty() {
                result["locations"][0]["logicalLocations"] =
                    json!([{ "fullyQualifiedName": item.path, "kind": "member" }]);
            }
            results.push(result);
        }
    }

    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "pipeline-editor",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule's short description from its kebab-case code: `missing-prompt` → "Missing prompt".
fn describe(code: &str) -> String {
    let words = code.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A path as a URI reference: relative paths stay relative (CI tools resolve them against the checkout),
/// absolute ones become `file://` URIs; separators become `/` and other unsafe characters are
/// percent-encoded.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri("a dir/x.yaml"), "a%20dir/x.yaml");
        assert_eq!(uri("/abs/ü.yaml"), "file:///abs/%C3%BC.yaml");
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe("missing-prompt"), "Missing prompt");
    }
}
