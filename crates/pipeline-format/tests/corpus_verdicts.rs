//! The `pipeline_ex` validation level against the real loader's verdicts: for every file of
//! `../shared/corpus/pipeline_ex`, in the normal and in the test environment, the file must be valid exactly
//! when pipeline_ex accepted it, and our first error must be pipeline_ex's message, word for word.

mod common;

use std::path::Path;

use pipeline_format::Document;
use pipeline_format::validate::pipeline_ex;

/// What our validator says about a file: `None` for valid, else the first error's message. A file that is
/// not YAML at all is invalid (pipeline_ex: "Failed to parse YAML").
fn verdict(text: &str, allow_test_types: bool) -> Option<String> {
    match Document::parse(text) {
        Err(e) => Some(format!("YAML parse error: {e}")),
        Ok(doc) => {
            let diags = pipeline_ex::check(&doc, allow_test_types);
            assert!(diags.iter().all(|d| d.is_error()), "pipeline_ex level reports only errors: {diags:?}");
            diags.first().map(|d| d.message.clone())
        }
    }
}

/// Compares one verdict; returns a description of the mismatch, if any.
fn compare(path: &str, env: &str, expected: &Option<String>, got: &Option<String>) -> Option<String> {
    match (expected, got) {
        (None, None) => None,
        (Some(e), Some(g)) if e == g => None,
        _ => Some(format!("{path} [{env}]\n  expected: {expected:?}\n  got:      {got:?}")),
    }
}

#[test]
fn verdicts_match_the_real_loader() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let rows = common::expected(&dir);
    assert!(!rows.is_empty(), "EXPECTED.tsv has no rows");
    let mut failures = Vec::new();
    let mut invalid_seen = 0;
    for row in &rows {
        let text = std::fs::read_to_string(dir.join(&row.path)).expect("read corpus file");
        for (env, allow, expected) in [("normal", false, &row.normal), ("test env", true, &row.test_env)] {
            let got = verdict(&text, allow);
            invalid_seen += usize::from(got.is_some());
            failures.extend(compare(&row.path, env, expected, &got));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    // Guards against a vacuous pass (e.g. a validator that accepts everything would fail above, but an
    // EXPECTED.tsv that lost its ERR rows would not).
    assert!(invalid_seen > 0, "no corpus file was rejected; EXPECTED.tsv looks truncated");
}

#[test]
fn every_corpus_file_is_listed() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let listed: Vec<String> = common::expected(&dir).into_iter().map(|r| r.path).collect();
    let missing: Vec<String> =
        common::yaml_files(&dir).iter().map(|p| relative(&dir, p)).filter(|p| !listed.contains(p)).collect();
    assert!(missing.is_empty(), "corpus files without a row in EXPECTED.tsv: {missing:?}");
    let absent: Vec<&String> = listed.iter().filter(|p| !dir.join(p).is_file()).collect();
    assert!(absent.is_empty(), "EXPECTED.tsv rows without a file: {absent:?}");
}

fn relative(dir: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(dir).expect("file under the corpus folder");
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
