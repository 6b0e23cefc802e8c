//! `pipeline-editor export --out DIR`: one YAML file per live pipeline, exported from its document, original
//! file names kept (made unique, ignoring case).

use std::sync::Arc;

use pipeline_server::DocCache;
use pipeline_server::routes::export::export_files;
use pipeline_store::Store;

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_OR_IO, ExportArgs};
use crate::commands::{message, store};

pub fn run(args: &ExportArgs) -> u8 {
    let Some(rt) = store::runtime() else { return EXIT_FINDINGS };
    rt.block_on(export(args))
}

async fn export(args: &ExportArgs) -> u8 {
    let Some(store) = store::open(&args.store).await else { return EXIT_FINDINGS };
    let code = write_all(&store, args).await;
    store.close().await;
    code
}

async fn write_all(store: &Arc<dyn Store>, args: &ExportArgs) -> u8 {
    let teams = match &args.team {
        Some(name) => match store.team_by_name(name).await {
            Ok(t) => vec![t.id],
            Err(e) => {
                message(&format!("error: team {name:?}: {e}"));
                return EXIT_FINDINGS;
            }
        },
        None => match store.list_teams().await {
            Ok(ts) => ts.into_iter().map(|t| t.id).collect(),
            Err(e) => {
                message(&format!("error: {e}"));
                return EXIT_FINDINGS;
            }
        },
    };
    let files = match export_files(store, &DocCache::new(store.clone(), Default::default()), teams).await {
        Ok(f) => f,
        Err(e) => {
            message(&format!("error: {}", e.message));
            return EXIT_FINDINGS;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        message(&format!("error: cannot create {}: {e}", args.out.display()));
        return EXIT_USAGE_OR_IO;
    }
    for (name, yaml) in &files {
        let path = args.out.join(name);
        if let Err(e) = std::fs::write(&path, yaml) {
            message(&format!("error: cannot write {}: {e}", path.display()));
            return EXIT_USAGE_OR_IO;
        }
    }
    println!("exported {} pipeline{} to {}", files.len(), if files.len() == 1 { "" } else { "s" }, args.out.display());
    EXIT_OK
}
