//! The browser app's generated files (`web/src/gen/`) come from the Rust definitions: the step catalogue, the
//! JSON Schema, and the TypeScript types of the API's and the sync protocol's JSON (`types.rs`, ts-rs). This test fails when a committed file is stale; `UPDATE_GENERATED=1 cargo test -p
//! pipeline-server --test generated` rewrites them.

use std::path::PathBuf;

fn gen_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/src/gen")
}

fn check(name: &str, content: &str) -> Option<String> {
    let path = gen_dir().join(name);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(gen_dir()).expect("create web/src/gen");
        std::fs::write(&path, content).expect("write generated file");
        return None;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    (current != content).then(|| format!("{} is stale", path.display()))
}

fn pretty(v: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serialize");
    s.push('\n');
    s
}

#[test]
fn web_generated_files_are_current() {
    let stale: Vec<String> = [
        check("catalog.json", &pretty(&pipeline_format::model::catalog::catalog())),
        check("pipeline.schema.json", &pretty(&pipeline_format::schema::json_schema())),
        check("api.ts", &pipeline_server::types::typescript()),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        stale.is_empty(),
        "{}; run `UPDATE_GENERATED=1 cargo test -p pipeline-server --test generated` and commit the result",
        stale.join("; ")
    );
}
