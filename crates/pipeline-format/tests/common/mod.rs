//! Shared helpers for the data-driven tests over `../shared/corpus/pipeline_ex` (the real files and the real
//! loader's verdicts). Where `shared/` is absent the corpus tests skip with a message; with `CI=true` its
//! absence is a failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus folder, or `None` (after printing why) when it is absent outside CI.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pipeline_ex");
    if dir.join("EXPECTED.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("corpus not found at {} (CI=true: the corpus is required)", dir.display());
    }
    eprintln!("SKIPPED: corpus not found at {}; corpus tests did not run", dir.display());
    None
}

/// One row of EXPECTED.tsv.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Path relative to the corpus folder.
    pub path: String,
    /// Normal environment: `None` for OK, else the message without the `ERR: ` prefix.
    pub normal: Option<String>,
    /// Test environment (`test_echo` accepted).
    pub test_env: Option<String>,
}

pub fn expected(dir: &Path) -> Vec<Expected> {
    let tsv = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("read EXPECTED.tsv");
    let verdict = |s: &str| if s == "OK" { None } else { Some(s.trim_start_matches("ERR: ").to_string()) };
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Expected {
                path: cols[0].to_string(),
                normal: verdict(cols[1]),
                test_env: verdict(cols.get(2).copied().unwrap_or(cols[1])),
            }
        })
        .collect()
}

/// Every `.yaml`/`.yml` file under the corpus folder, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read corpus dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
