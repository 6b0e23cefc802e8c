//! Replays every input the fuzzer ever found (`fuzz/regressions/`, one file per finding) and a few
//! generated pipelines through the fuzz target's own check (`support/roundtrip_check.rs`), so a finding
//! once fixed stays fixed under plain `cargo test`.

use std::panic;
use std::path::Path;

#[path = "support/roundtrip_check.rs"]
mod roundtrip_check;

#[path = "../benches/gen/mod.rs"]
mod r#gen;

/// Runs the check, turning a panic into an error message naming the input.
fn run(name: &str, bytes: &[u8]) -> Result<(), String> {
    panic::catch_unwind(|| roundtrip_check::check(bytes)).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{name}: {msg}")
    })
}

#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            run(&p.display().to_string(), &bytes).err()
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} regressions fail:\n{}", failures.len(), files.len(), failures.join("\n\n"));
}

#[test]
fn generated_pipelines_pass_the_fuzz_check() {
    for steps in [1, 7, 40] {
        let text = r#gen::pipeline(steps);
        // Several inputs of the same text with a different trailing comment give different changes.
        for salt in 0..8 {
            let input = format!("{text}# salt {salt}\n");
            if let Err(e) = run(&format!("generated {steps} steps, salt {salt}"), input.as_bytes()) {
                panic!("{e}");
            }
        }
    }
}

#[test]
fn odd_inputs_do_not_panic() {
    let inputs: &[&[u8]] = &[
        b"",
        b"\xff\xfe",
        b"---\n...\n",
        b"[]",
        b"workflow:\n",
        b"a: &x [1, *x]",
        b"workflow: {name: x, steps: [{name: a, type: claude, prompt: [{type: static, content: \"\\u00e9\"}]}]}",
        b"workflow:\n  name: x # c\n  steps:\n    - name: a\n      type: claude\n      prompt: |\n        hi\n",
    ];
    for (i, bytes) in inputs.iter().enumerate() {
        if let Err(e) = run(&format!("input {i}"), bytes) {
            panic!("{e}");
        }
    }
}

/// Fuzz finding 1 (2026-11-25, `fuzz/regressions/write-long-explicit-key.yaml`): a mapping key longer than
/// YAML's 1024-character limit for implicit keys can only be written in the explicit `? key` form. Changing
/// the value under such a key made the writer render the key implicitly; the clean rendering did not parse,
/// so the writer refused the change ("mapping values are not allowed in this context").
#[test]
fn value_under_a_long_explicit_key_can_change() {
    use pipeline_format::Document;
    use pipeline_format::value::doc_to_json;

    let key = "k".repeat(1100);
    let text = format!("? {key}\n: old\n");
    let doc = Document::parse(&text).unwrap_or_else(|e| panic!("input parses: {e}"));
    let mut data = doc_to_json(&doc);
    data[&key] = serde_json::json!("new");
    let out = pipeline_format::write::write(&doc, &data).unwrap_or_else(|e| panic!("the writer refused: {e}"));
    let reparsed = Document::parse(&out).unwrap_or_else(|e| panic!("output parses: {e}\n{out}"));
    assert_eq!(doc_to_json(&reparsed), data, "\n{out}");
}

/// Fuzz finding 2 (2026-11-25, `fuzz/regressions/write-root-scalar-document-end-marker.yaml`): a document
/// whose root is a scalar could not be changed to the string `...`: written plain at the start of a line,
/// `...` is YAML's document-end marker and reads back as an empty document, so the writer refused the change
/// ("a clean rendering reads back differently") instead of quoting it.
#[test]
fn root_scalar_can_become_the_document_end_marker_text() {
    use pipeline_format::Document;
    use pipeline_format::value::doc_to_json;

    for (text, new) in [("x\n", "..."), (".......", "..."), ("x\n", "---")] {
        let doc = Document::parse(text).unwrap_or_else(|e| panic!("input parses: {e}"));
        let data = serde_json::json!(new);
        let out = pipeline_format::write::write(&doc, &data)
            .unwrap_or_else(|e| panic!("the writer refused {new:?} for {text:?}: {e}"));
        let reparsed = Document::parse(&out).unwrap_or_else(|e| panic!("output parses: {e}\n{out}"));
        assert_eq!(doc_to_json(&reparsed), data, "\n{out}");
    }
}

/// Fuzz finding 3 (2026-11-25, `fuzz/regressions/write-trailing-indented-blank-line-*.yaml`): a
/// whitespace-only line at the end of a sequence item that is indented deeper than the item's keys lies
/// outside every node's span. When an edit puts a block scalar just before it (a new key, a value turned into
/// a block scalar, a removed key after one, or new content for a block scalar the line belonged to), the line
/// becomes part of that scalar's content and the value reads back with an extra `"    \n"`. The writer's
/// local re-parse check (`write::verify`, which parses only the edited item) does not see it, so the writer
/// returned YAML that means something else.
#[test]
fn trailing_indented_blank_line_does_not_join_a_block_scalar() {
    use pipeline_format::Document;
    use pipeline_format::value::doc_to_json;

    let cases: &[(&str, &str, serde_json::Value)] = &[
        // Set a null value to multi-line text; with and without a final newline.
        ("- q: 1\n  r: null\n        ", "/0/r", serde_json::json!("x\n")),
        ("- q: 1\n  r: null\n        \n", "/0/r", serde_json::json!("x\n")),
        // Replace the text of a block scalar whose last (whitespace-only) line is outside its span.
        ("- p: |\n    old\n          ", "/0/p", serde_json::json!("new\n")),
        (
            "steps:\n  - name: a\n    prompt: |\n      old\n              ",
            "/steps/0/prompt",
            serde_json::json!("new\n"),
        ),
    ];
    for (text, pointer, value) in cases {
        let doc = Document::parse(text).unwrap_or_else(|e| panic!("input parses: {e}"));
        let mut data = doc_to_json(&doc);
        *data.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} exists in {text:?}")) = value.clone();
        let out = pipeline_format::write::write(&doc, &data)
            .unwrap_or_else(|e| panic!("the writer refused {pointer} = {value} in {text:?}: {e}"));
        let reparsed = Document::parse(&out).unwrap_or_else(|e| panic!("output parses: {e}\n{out:?}"));
        assert_eq!(doc_to_json(&reparsed), data, "input {text:?}\noutput {out:?}");
    }
}
