//! Writes a seed corpus for the fuzzer: the real pipeline_ex files (when `../shared/corpus` is beside the
//! checkout) and generated pipelines of a few sizes, into `fuzz/corpus/parse_validate_write/`.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`

use std::fs;
use std::path::{Path, PathBuf};

#[path = "../../crates/pipeline-format/benches/gen/mod.rs"]
mod r#gen;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("corpus/parse_validate_write");
    fs::create_dir_all(&out)?;
    let mut n = 0;
    for steps in [1, 2, 5, 10, 20] {
        fs::write(out.join(format!("generated_{steps}.yaml")), r#gen::pipeline(steps))?;
        n += 1;
    }
    let corpus = root.join("../../shared/corpus/pipeline_ex");
    let mut stack = vec![corpus.clone()];
    let mut files: Vec<PathBuf> = Vec::new();
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    for p in &files {
        let rel = p.strip_prefix(&corpus).unwrap_or(p).to_string_lossy().replace('/', "__");
        fs::copy(p, out.join(format!("corpus__{rel}")))?;
        n += 1;
    }
    if files.is_empty() {
        eprintln!("note: {} not found; only generated seeds written", corpus.display());
    }
    println!("{n} seeds in {}", out.display());
    Ok(())
}
