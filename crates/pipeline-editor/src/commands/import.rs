//! `pipeline-editor import PATH...`: files and folders into the store, with a progress bar on stderr and a
//! summary of what was imported and what was refused and why. Pipelines with validation errors are imported
//! (users fix them in the editor) with a note; text that is not YAML, binary or unreadable files are refused.
//! Pipelines are created in batches, each batch in one transaction.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use pipeline_store::{NewAuditEntry, NewPipeline, Store, TeamId};

use crate::cli::{EXIT_FINDINGS, EXIT_OK, ImportArgs};
use crate::commands::{message, store};
use crate::input;

const BATCH: usize = 200;

pub fn run(args: &ImportArgs) -> u8 {
    let Some(rt) = store::runtime() else { return EXIT_FINDINGS };
    rt.block_on(import(args))
}

/// Files named, and *.yaml / *.yml found in folders (hidden folders skipped), in a stable order.
fn collect(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.push(dir.to_owned());
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(p);
        }
    }
}

struct Pending {
    path: PathBuf,
    new: NewPipeline,
}

async fn import(args: &ImportArgs) -> u8 {
    let Some(store) = store::open(&args.store).await else { return EXIT_FINDINGS };
    let team = match store::team(store.as_ref(), &args.team).await {
        Ok((t, _)) => t,
        Err(e) => {
            message(&format!("error: team {:?}: {e}", args.team));
            store.close().await;
            return EXIT_FINDINGS;
        }
    };
    let files = collect(&args.paths);
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} importing [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut refused: Vec<(PathBuf, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut imported = 0usize;
    let mut pending: Vec<Pending> = Vec::new();
    for path in &files {
        bar.set_message(path.display().to_string());
        match prepare(path, team.id) {
            Ok((new, errors, first)) => {
                if errors > 0 {
                    notes.push(format!(
                        "note: {}: imported with {errors} validation error{} (first: {first})",
                        path.display(),
                        if errors == 1 { "" } else { "s" }
                    ));
                }
                pending.push(Pending { path: path.clone(), new });
            }
            Err(why) => refused.push((path.clone(), why)),
        }
        if pending.len() >= BATCH {
            imported += flush(store.as_ref(), std::mem::take(&mut pending), &mut refused).await;
        }
        bar.inc(1);
    }
    imported += flush(store.as_ref(), pending, &mut refused).await;
    bar.finish_and_clear();
    if imported > 0 {
        let entry = NewAuditEntry {
            team: Some(team.id),
            action: "pipeline.import".into(),
            target: team.id.to_string(),
            details: serde_json::json!({ "count": imported, "via": "command line" }),
            ..Default::default()
        };
        if let Err(e) = store.record_audit(entry).await {
            message(&format!("warning: could not record the import in the audit log: {e}"));
        }
    }
    store.close().await;
    for n in &notes {
        message(n);
    }
    for (path, why) in &refused {
        message(&format!("refused: {}: {why}", path.display()));
    }
    println!(
        "imported {imported} pipeline{} into team \"{}\" ({} with validation errors); refused {}",
        if imported == 1 { "" } else { "s" },
        team.name,
        notes.len(),
        refused.len()
    );
    if refused.is_empty() { EXIT_OK } else { EXIT_FINDINGS }
}

/// The pipeline to create from a file, with its number of validation errors and the first one; or why not.
fn prepare(path: &Path, team: TeamId) -> Result<(NewPipeline, usize, String), String> {
    let text = input::read_text(path).map_err(|e| e.to_string())?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let prepared = pipeline_server::routes::pipelines::prepare(&text, team, file_name, false).map_err(|e| e.message)?;
    let errors: Vec<_> =
        prepared.diagnostics.iter().filter(|d| d.severity == pipeline_server::types::SeverityName::Error).collect();
    let first = errors
        .first()
        .map(|d| format!("{}:{}:{}: {}", path.display(), d.line, d.column, d.message))
        .unwrap_or_default();
    Ok((prepared.new, errors.len(), first))
}

/// Creates a batch in one transaction; if the store refuses it, one by one, so the refusal names its file.
async fn flush(store: &dyn Store, batch: Vec<Pending>, refused: &mut Vec<(PathBuf, String)>) -> usize {
    if batch.is_empty() {
        return 0;
    }
    let news: Vec<NewPipeline> = batch.iter().map(|p| p.new.clone()).collect();
    match store.create_pipelines(news).await {
        Ok(ids) => ids.len(),
        Err(_) => {
            let mut n = 0;
            for p in batch {
                match store.create_pipeline(p.new).await {
                    Ok(_) => n += 1,
                    Err(e) => refused.push((p.path, e.to_string())),
                }
            }
            n
        }
    }
}
