//! The writer over every corpus file: untouched round trips are byte-identical, and a set of generated single
//! edits per file (change a scalar, rename a step, insert, delete and move a step, add a prompt item) re-parse
//! to the intended data with a minimal line diff.

mod common;

use pipeline_format::Document;
use pipeline_format::value::doc_to_json;
use pipeline_format::write::write;
use serde_json::{Value, json};
use similar::{ChangeTag, TextDiff};

struct Diff {
    removed: Vec<String>,
    added: Vec<String>,
}

/// Line diff; a missing final newline does not count as a changed line (appending after such a line must
/// add a line break).
fn diff(a: &str, b: &str) -> Diff {
    let (a, b) = (with_final_newline(a), with_final_newline(b));
    let d = TextDiff::from_lines(&a, &b);
    let mut out = Diff { removed: Vec::new(), added: Vec::new() };
    for c in d.iter_all_changes() {
        let line = c.value().trim_end_matches(['\n', '\r']).to_string();
        match c.tag() {
            ChangeTag::Delete => out.removed.push(line),
            ChangeTag::Insert => out.added.push(line),
            ChangeTag::Equal => {}
        }
    }
    out
}

/// Applies `f` to the file's data, writes it, checks the result re-parses to exactly that data.
fn edited(file: &str, doc: &Document, f: impl FnOnce(&mut Value)) -> (String, Diff) {
    let mut v = doc_to_json(doc);
    f(&mut v);
    let out = write(doc, &v).unwrap_or_else(|e| panic!("{file}: write failed: {e}"));
    let back = Document::parse(&out).unwrap_or_else(|e| panic!("{file}: output does not parse: {e}\n{out}"));
    assert_eq!(doc_to_json(&back), v, "{file}: output means something else:\n{out}");
    let d = diff(&doc.text, &out);
    (out, d)
}

fn with_final_newline(s: &str) -> String {
    if s.ends_with('\n') || s.is_empty() { s.to_string() } else { format!("{s}\n") }
}

/// Non-blank lines, sorted. A block scalar that ended the file without a final newline and moves away from
/// the end must change its header from `|` to `|-` to keep its value, so headers compare equal here.
fn non_blank(v: &[String]) -> Vec<String> {
    let mut x: Vec<String> = v
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.strip_suffix("|-").map_or(l.clone(), |h| format!("{h}|")))
        .collect();
    x.sort();
    x
}

#[test]
fn corpus_round_trips_and_minimal_edits() {
    let Some(dir) = common::corpus_dir() else { return };
    let files = common::yaml_files(&dir);
    assert!(files.len() >= 30, "expected the whole corpus, found {} files", files.len());
    let mut edits_checked = 0;
    for path in &files {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).expect("read corpus file");
        let doc = Document::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Untouched: byte-identical.
        let same = write(&doc, &doc_to_json(&doc)).expect("write untouched");
        assert!(same == text, "{file}: untouched write is not byte-identical");

        let steps = doc.root.as_ref().and_then(|r| r.get("workflow")).and_then(|w| w.get("steps"));
        let Some(n) = steps.and_then(|s| s.as_seq()).map(<[_]>::len) else { continue };
        if n == 0 || steps.is_some_and(|s| s.style != pipeline_format::Style::Block) {
            continue;
        }

        // Rename a step: exactly one line changes.
        let (_, d) = edited(&file, &doc, |v| {
            let name = &mut v["workflow"]["steps"][0]["name"];
            *name = json!(format!("{}_renamed", name.as_str().unwrap_or("step")));
        });
        assert_eq!((d.removed.len(), d.added.len()), (1, 1), "{file}: rename changed {:?} -> {:?}", d.removed, d.added);

        // Change a scalar deeper down (the first prompt item's first string field), if there is one.
        let mut target = None;
        if let Some(item) = doc_to_json(&doc)["workflow"]["steps"][0]["prompt"][0].as_object() {
            target = item.iter().find(|(k, v)| *k != "type" && v.is_string()).map(|(k, _)| k.clone());
        }
        if let Some(key) = target {
            let (_, d) = edited(&file, &doc, |v| {
                let s = &mut v["workflow"]["steps"][0]["prompt"][0][&key];
                *s = json!(format!("Edited: {}", s.as_str().unwrap_or_default()));
            });
            assert!(
                d.removed.len() <= 1 && d.added.len() <= 1,
                "{file}: scalar edit changed {:?} -> {:?}",
                d.removed,
                d.added
            );
        }

        // Insert a step after the first: only added lines.
        let (_, d) = edited(&file, &doc, |v| {
            let a = v["workflow"]["steps"].as_array_mut().expect("steps array");
            a.insert(1, json!({"name": "inserted", "type": "claude", "prompt": [{"type": "static", "content": "Hi"}]}));
        });
        assert!(d.removed.is_empty(), "{file}: insert removed {:?}", d.removed);
        assert!((5..=7).contains(&d.added.len()), "{file}: insert added {:?}", d.added);

        // Delete a step: only removed lines.
        let victim = if n > 1 { 1 } else { 0 };
        let (_, d) = edited(&file, &doc, |v| {
            v["workflow"]["steps"].as_array_mut().expect("steps array").remove(victim);
        });
        assert!(d.added.is_empty() || n == 1, "{file}: delete added {:?}", d.added);
        assert!(!d.removed.is_empty(), "{file}: delete removed nothing");

        // Move the last step to the front: the lines that go are the lines that come.
        if n > 1 {
            let (_, d) = edited(&file, &doc, |v| {
                let a = v["workflow"]["steps"].as_array_mut().expect("steps array");
                if let Some(last) = a.pop() {
                    a.insert(0, last);
                }
            });
            assert_eq!(non_blank(&d.removed), non_blank(&d.added), "{file}: move is not a pure move");
        }

        // Add a prompt item to the first step that has a prompt list: only added lines.
        let with_prompt = doc_to_json(&doc)["workflow"]["steps"]
            .as_array()
            .and_then(|a| a.iter().position(|s| s["prompt"].as_array().is_some_and(|p| !p.is_empty())));
        if let Some(i) = with_prompt {
            let (_, d) = edited(&file, &doc, |v| {
                let p = v["workflow"]["steps"][i]["prompt"].as_array_mut().expect("prompt array");
                p.push(json!({"type": "previous_response", "step": "inserted"}));
            });
            assert!(d.removed.is_empty(), "{file}: prompt item add removed {:?}", d.removed);
            assert!((2..=3).contains(&d.added.len()), "{file}: prompt item add added {:?}", d.added);
        }
        edits_checked += 1;
    }
    assert!(edits_checked >= 25, "only {edits_checked} files had steps to edit");
}
