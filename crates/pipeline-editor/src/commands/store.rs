//! Opening the store named by `--data` / `--database-url`, and the async runtime the store commands run on.

use std::sync::Arc;

use pipeline_store::Store;

use crate::cli::StoreArgs;
use crate::commands::message;

/// What `pipeline_store::open` is given: the URL, the data folder, or the default data folder.
pub fn target(args: &StoreArgs) -> Result<String, String> {
    if let Some(url) = &args.database_url {
        return Ok(url.clone());
    }
    let dir = match &args.data {
        Some(dir) => dir.clone(),
        None => dirs::data_dir().ok_or("no data folder known for this user; pass --data DIR")?.join("pipeline-editor"),
    };
    // A plain folder name that looked like a URL scheme would be misread by `open`.
    Ok(dir.to_string_lossy().into_owned())
}

/// Opens the store, reporting failures to the user.
pub async fn open(args: &StoreArgs) -> Option<Arc<dyn Store>> {
    let target = match target(args) {
        Ok(t) => t,
        Err(e) => {
            message(&format!("error: {e}"));
            return None;
        }
    };
    match pipeline_store::open(&target).await {
        Ok(store) => Some(store),
        Err(e) => {
            let shown = if args.database_url.is_some() { "the database".to_owned() } else { target };
            message(&format!("error: cannot open {shown}: {e}"));
            None
        }
    }
}

/// A multi-threaded runtime; `None` (after a message) if the system refuses one.
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            message(&format!("error: cannot start the async runtime: {e}"));
            None
        }
    }
}

/// The team with this name, created (with an audit entry) if missing. Returns it and whether it is new.
pub async fn team(store: &dyn Store, name: &str) -> Result<(pipeline_store::Team, bool), pipeline_store::StoreError> {
    match store.team_by_name(name).await {
        Ok(t) => Ok((t, false)),
        Err(pipeline_store::StoreError::NotFound(_)) => {
            let t = store.create_team(name).await?;
            let entry = pipeline_store::NewAuditEntry {
                team: Some(t.id),
                action: "team.create".into(),
                target: t.id.to_string(),
                details: serde_json::json!({ "name": t.name, "via": "command line" }),
                ..Default::default()
            };
            store.record_audit(entry).await?;
            Ok((t, true))
        }
        Err(e) => Err(e),
    }
}
