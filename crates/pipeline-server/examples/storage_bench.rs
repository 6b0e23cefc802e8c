//! Storage and bulk-import figures for `docs/benchmarks.md` (run with `--release`):
//!
//! 1. stored bytes per step of a 1000-step pipeline after 10,000 edits, made the way the server makes them
//!    (one edit = one step field changed, exported as a Loro update, `append_update`, a snapshot with history +
//!    `compact` every `DocCache`'s `COMPACT_EVERY` updates, a final snapshot + compact at the end);
//! 2. bulk import of 1000 generated files the way `pipeline-editor import` does it (parse + document + validate
//!    per file, `create_pipelines` in batches of 200).
//!
//! `cargo run --release -p pipeline-server --example storage_bench -- [postgres://URL]` (SQLite in a temporary
//! folder without a URL).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../pipeline-format/benches/gen/mod.rs"]
mod generator;

use std::time::Instant;

use pipeline_doc::PipelineDoc;
use pipeline_doc::loro::VersionVector;
use pipeline_server::docs::COMPACT_EVERY;
use pipeline_store::NewPipeline;
use serde_json::json;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let target = std::env::args().nth(1).unwrap_or_else(|| dir.path().to_str().unwrap().to_owned());
    let store = pipeline_store::open(&target).await.unwrap();
    let team = store.create_team(&format!("bench-{}", uuid::Uuid::now_v7().simple())).await.unwrap();
    println!("backend: {:?}", store.backend());

    // 1. Stored bytes per step after 10,000 edits.
    let yaml = generator::pipeline(1000);
    let doc = PipelineDoc::from_yaml(&yaml).unwrap();
    let steps = doc.summary().steps;
    let initial = doc.export_updates_since(&VersionVector::default()).unwrap();
    let p = store
        .create_pipeline(NewPipeline {
            team: team.id,
            name: "big".into(),
            yaml: yaml.clone(),
            initial_update: Some(initial),
            ..NewPipeline::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = doc.step_ids().into_iter().map(|(id, _)| id).collect();
    let mut stored = doc.version();
    let mut last_seq = 1;
    let mut snapshot_seq = 0;
    let started = Instant::now();
    let edits = 10_000usize;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..edits {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let step = ids[(seed % ids.len() as u64) as usize];
        doc.set_step_field(step, "model", &json!(format!("model-{i}"))).unwrap();
        let update = doc.export_updates_since(&stored).unwrap();
        stored = doc.version();
        last_seq = store.append_update(p.id, update, None).await.unwrap();
        if last_seq >= snapshot_seq + COMPACT_EVERY {
            store.store_snapshot(p.id, doc.export_snapshot().unwrap(), last_seq).await.unwrap();
            store.compact(p.id, last_seq).await.unwrap();
            snapshot_seq = last_seq;
        }
    }
    let edit_time = started.elapsed();
    if snapshot_seq < last_seq {
        store.store_snapshot(p.id, doc.export_snapshot().unwrap(), last_seq).await.unwrap();
        store.compact(p.id, last_seq).await.unwrap();
    }
    let bytes = store.stored_bytes(p.id).await.unwrap();
    println!(
        "stored bytes: {bytes} for {steps} steps after {edits} edits = {:.1} bytes/step (snapshot with history); \
         {edits} durable edits in {:.1} s ({:.2} ms/edit)",
        bytes as f64 / steps as f64,
        edit_time.as_secs_f64(),
        edit_time.as_secs_f64() * 1000.0 / edits as f64
    );
    // The reloaded document is the edited one.
    let (reloaded, _, _) = pipeline_server::docs::load_doc(store.as_ref(), p.id).await.unwrap();
    assert_eq!(reloaded.export_yaml().unwrap(), doc.export_yaml().unwrap());

    // 2. Bulk import of 1000 files.
    let files: Vec<(String, String)> = (0..1000)
        .map(|i| {
            let n = 5 + i % 20;
            (format!("pipeline-{i}.yaml"), generator::pipeline(n).replacen("name:", &format!("name: p{i}"), 1))
        })
        .collect();
    let started = Instant::now();
    let mut batch = Vec::new();
    let mut imported = 0;
    for (name, text) in &files {
        let prepared = pipeline_server::routes::pipelines::prepare(text, team.id, Some(name.clone()), false).unwrap();
        batch.push(prepared.new);
        if batch.len() == 200 {
            imported += store.create_pipelines(std::mem::take(&mut batch)).await.unwrap().len();
        }
    }
    imported += store.create_pipelines(batch).await.unwrap().len();
    let t = started.elapsed();
    println!(
        "bulk import: {imported} files in {:.2} s ({:.2} ms/file)",
        t.as_secs_f64(),
        t.as_secs_f64() * 1000.0 / imported as f64
    );
    store.close().await;
}
