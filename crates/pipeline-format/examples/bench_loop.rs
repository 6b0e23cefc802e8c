//! Runs one part of the format benchmark in a plain loop, for instruction counts and profiles that do not
//! depend on the machine's load (criterion's own loop is harder to count):
//!
//! ```sh
//! cargo build --release -p pipeline-format --example bench_loop
//! valgrind --tool=callgrind --toggle-collect='*bench_loop::run*' target/release/examples/bench_loop both 10
//! perf record -g target/release/examples/bench_loop validate 300
//! ```
//!
//! `WHAT` is `parse` (`Document::parse`, the document dropped each time), `validate` (`validate` at
//! `Level::Lint` on a document parsed once) or `both` (what `1000_steps/parse_validate_lint` measures). The
//! input is the benchmark's generated 1000-step pipeline; one warm-up call (schema and caches) runs before the
//! loop, outside `run`, so callgrind's total divided by `N` is the cost of one iteration.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use pipeline_format::Document;
use pipeline_format::validate::{self, Level, Options};

#[path = "../benches/gen/mod.rs"]
mod r#gen;

const OPTS: Options = Options { level: Level::Lint, allow_test_types: false };

#[derive(Clone, Copy)]
enum What {
    Parse,
    Validate,
    Both,
}

/// The measured loop (kept out of line so that callgrind can collect it alone).
#[inline(never)]
fn run(what: What, n: usize, text: &str, doc: &Document) -> usize {
    let mut sink = 0;
    for _ in 0..n {
        sink += match what {
            What::Parse => Document::parse(black_box(text)).map_or(0, |d| d.text.len()),
            What::Validate => validate::validate(black_box(doc), &OPTS).len(),
            What::Both => Document::parse(black_box(text)).map_or(0, |d| validate::validate(&d, &OPTS).len()),
        };
    }
    sink
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let what = match args.get(1).map(String::as_str) {
        Some("parse") => What::Parse,
        Some("validate") => What::Validate,
        Some("both") => What::Both,
        _ => {
            eprintln!("usage: bench_loop parse|validate|both [N]");
            return ExitCode::from(2);
        }
    };
    let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let text = r#gen::pipeline(1000);
    let doc = match Document::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("the generated pipeline does not parse: {e}");
            return ExitCode::FAILURE;
        }
    };
    let warm = validate::validate(&doc, &OPTS).len();
    let start = Instant::now();
    let sink = run(what, n, &text, &doc);
    let per = start.elapsed() / u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    println!("{} x{n}: {per:?} per iteration ({warm} diagnostics, checksum {sink})", args[1]);
    ExitCode::SUCCESS
}
