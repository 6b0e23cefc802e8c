//! Criterion benchmarks of the format core on a generated 1000-step pipeline (see `gen/mod.rs`):
//! parse alone, parse + validate at lint level, and one JSON Patch (replace one step's prompt text) applied
//! through the format-preserving writer. Targets (DESIGN.md §4): parse + validate ≤ 10 ms, one patch ≤ 5 ms.
//! Figures are recorded in `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pipeline_format::Document;
use pipeline_format::validate::{self, Level, Options};
use serde_json::json;

#[path = "gen/mod.rs"]
mod r#gen;

const STEPS: usize = 1000;

fn parse(text: &str) -> Document {
    match Document::parse(text) {
        Ok(d) => d,
        Err(e) => panic!("the generated pipeline does not parse: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let text = r#gen::pipeline(STEPS);
    let doc = parse(&text);
    let opts = Options { level: Level::Lint, allow_test_types: false };
    let errors: Vec<_> = validate::validate(&doc, &opts).into_iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        eprintln!("note: the generated pipeline has {} validation errors, first: {:?}", errors.len(), errors[0]);
    }

    let mut g = c.benchmark_group(format!("{STEPS}_steps"));
    g.bench_function("parse", |b| b.iter(|| parse(black_box(&text))));
    g.bench_function("parse_validate_lint", |b| {
        b.iter(|| {
            let doc = parse(black_box(&text));
            validate::validate(&doc, &opts)
        })
    });

    // Replace the prompt text of a claude step in the middle of the file.
    let data = pipeline_format::value::doc_to_json(&doc);
    let steps = data["workflow"]["steps"].as_array().map_or(&[][..], Vec::as_slice);
    let middle = (steps.len() / 2..steps.len())
        .chain(0..steps.len() / 2)
        .find(|&i| steps[i]["type"] == "claude" && steps[i]["prompt"][0]["content"].is_string());
    let Some(index) = middle else {
        eprintln!("note: no claude step with a static prompt found; patch benchmark skipped");
        g.finish();
        return;
    };
    let ops = json!([{
        "op": "replace",
        "path": format!("/workflow/steps/{index}/prompt/0/content"),
        "value": "A new prompt,\nwritten in the editor.\n",
    }]);
    let patch: json_patch::Patch = match serde_json::from_value(ops) {
        Ok(p) => p,
        Err(e) => panic!("bad patch: {e}"),
    };
    match pipeline_format::patch::apply(&doc, &patch) {
        Ok(_) => {
            g.bench_function("patch_one_prompt", |b| {
                b.iter(|| pipeline_format::patch::apply(black_box(&doc), black_box(&patch)))
            });
        }
        Err(e) => eprintln!("note: patch benchmark skipped, the patch cannot be applied yet: {e}"),
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
