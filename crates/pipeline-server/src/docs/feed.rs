//! Updates from other nodes (several `serve` processes on one PostgreSQL): the store's change feed (LISTEN/
//! NOTIFY) says which pipeline got new updates; if that document is in memory here, its new updates are read
//! from the store, imported and fanned out to this node's connections. After the feed reconnects, every
//! document in memory catches up (notes sent while it was away are lost).

use std::time::Duration;

use super::DocCache;

/// Follows the change feed until the process ends; returns at once on SQLite (no other writers).
pub async fn run(cache: DocCache) {
    let mut first = true;
    loop {
        let mut feed = match cache.store().change_feed().await {
            Ok(Some(feed)) => feed,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "change feed unavailable; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if !first {
            for id in cache.loaded_ids() {
                if let Err(e) = cache.catch_up(id).await {
                    tracing::warn!(pipeline = %id, error = %e, "catching up failed");
                }
            }
        }
        first = false;
        loop {
            match feed.next().await {
                Ok(note) => {
                    if let Err(e) = cache.catch_up(note.pipeline).await {
                        tracing::warn!(pipeline = %note.pipeline, error = %e, "catching up failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "change feed lost; reconnecting");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
        }
    }
}
