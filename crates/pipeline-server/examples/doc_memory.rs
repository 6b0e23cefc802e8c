//! Resident memory of live documents: N pipelines of S steps loaded as the server holds them (imported from
//! their stored update, with the update check attached), then E single-field edits imported into each.
//!
//! ```text
//! cargo run --release -p pipeline-server --example doc_memory -- [N=100] [S=1000] [E=100]
//! ```

use pipeline_doc::PipelineDoc;
use pipeline_doc::loro::{ExportMode, LoroDoc, ValueOrContainer, VersionVector};
use pipeline_server::metrics::resident_bytes;
use pipeline_server::sync::check::UpdateCheck;

fn yaml(steps: usize) -> String {
    let mut y = String::from("workflow:\n  name: memory\n  steps:\n");
    for i in 0..steps {
        y.push_str(&format!(
            "  - name: s{i:04}\n    type: claude\n    kind: k{i}\n    image: img-{i}\n    command: run {i}\n    timeout_s: \"30\"\n    retries: \"2\"\n    status: ok\n    owner: team-{i}\n"
        ));
    }
    y
}

fn mib(b: Option<u64>) -> f64 {
    b.unwrap_or(0) as f64 / (1024.0 * 1024.0)
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (n, s, e) = (
        args.first().copied().unwrap_or(100),
        args.get(1).copied().unwrap_or(1000),
        args.get(2).copied().unwrap_or(100),
    );
    let text = yaml(s);
    let source = PipelineDoc::from_yaml(&text).expect("yaml");
    let stored = source.export_updates_since(&VersionVector::default()).expect("export");
    println!("stored update: {} KiB for {s} steps", stored.len() / 1024);
    let variant = std::env::var("VARIANT").unwrap_or_default();
    let stored = match variant.as_str() {
        "snapshot" => source.export_snapshot().expect("snapshot"),
        "shallow" => source.loro().export(ExportMode::shallow_snapshot(&source.frontiers())).expect("shallow"),
        "state" => source.loro().export(ExportMode::StateOnly(None)).expect("state only"),
        _ => stored,
    };
    println!("variant {variant:?}: {} KiB", stored.len() / 1024);
    let base = resident_bytes();
    let mut docs = Vec::new();
    for _ in 0..n {
        let d = PipelineDoc::from_bytes(&stored).expect("import");
        let check = UpdateCheck::attach(d.loro());
        if std::env::var("NOCHECK").is_ok() {
            drop(check);
            docs.push((d, UpdateCheck::attach(&LoroDoc::new())));
            continue;
        }
        docs.push((d, check));
    }
    let loaded = resident_bytes();
    println!(
        "{n} docs loaded: {:.1} MiB ({:.2} MiB per doc)",
        mib(loaded) - mib(base),
        (mib(loaded) - mib(base)) / n as f64
    );
    // A client replica makes edits; each server doc imports them one by one.
    let client = LoroDoc::new();
    client.import(&stored).expect("client import");
    let tree = client.get_tree("steps");
    let roots = tree.roots();
    let mut updates = Vec::new();
    for i in 0..e {
        let before = client.oplog_vv();
        let meta = tree.get_meta(roots[i % roots.len()]).expect("meta");
        if let Some(ValueOrContainer::Container(pipeline_doc::loro::Container::Map(m))) = meta.get("fields") {
            m.insert("status", format!("edit {i}")).expect("insert");
        }
        client.commit();
        updates.push(client.export(ExportMode::updates(&before)).expect("export"));
    }
    for (d, check) in &docs {
        for u in &updates {
            d.import(u).expect("import");
            let _ = check.take();
        }
    }
    let edited = resident_bytes();
    println!(
        "after {e} edits each: {:.1} MiB ({:.2} MiB per doc)",
        mib(edited) - mib(base),
        (mib(edited) - mib(base)) / n as f64
    );
}
