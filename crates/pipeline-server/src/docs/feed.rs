//! Changes from other nodes (several `serve` processes on one PostgreSQL): the store's change feed (LISTEN/
//! NOTIFY) says which pipeline got new updates; if that document is in memory here, its new updates are read
//! from the store, imported and fanned out to this node's connections. It also says whose role changed, and
//! this node's connections of that member close, and whose session or API token ended, and that user's
//! connections check theirs now. After the feed was lost (reconnected, or `Resumed`), every
//! document in memory catches up and every connection checks its role again (notes sent meanwhile are lost).

use std::time::Duration;

use pipeline_store::FeedNote;
use tokio::sync::broadcast;

use super::DocCache;
use crate::app::AccessChange;

/// Follows the change feed until the process ends; returns at once on SQLite (no other writers).
pub async fn run(cache: DocCache, access: broadcast::Sender<AccessChange>) {
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
            resume(&cache, &access).await;
        }
        first = false;
        loop {
            match feed.next().await {
                Ok(FeedNote::Updates(note)) => {
                    if let Err(e) = cache.catch_up(note.pipeline).await {
                        tracing::warn!(pipeline = %note.pipeline, error = %e, "catching up failed");
                    }
                }
                // No receiver (no open connection) is fine.
                Ok(FeedNote::Membership { team, user }) => drop(access.send(AccessChange::Member(team, user))),
                Ok(FeedNote::Credentials { user }) => drop(access.send(AccessChange::Credentials(user))),
                Ok(FeedNote::Resumed) => {
                    tracing::info!("change feed reconnected; catching up");
                    resume(&cache, &access).await;
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

/// After notes may have been lost: every document in memory reads what it missed, every connection its role.
async fn resume(cache: &DocCache, access: &broadcast::Sender<AccessChange>) {
    let _ = access.send(AccessChange::Unknown);
    for id in cache.loaded_ids() {
        if let Err(e) = cache.catch_up(id).await {
            tracing::warn!(pipeline = %id, error = %e, "catching up failed");
        }
    }
}
