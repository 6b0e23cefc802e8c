//! `DocCache`: the live documents. A pipeline's `PipelineDoc` is loaded from the store (latest snapshot, then
//! every later update) on first use and kept in memory behind a per-pipeline lock.
//!
//! Every change goes through [`DocCache::edit`]: run the edit on the document, export what changed since the
//! last stored version, `append_update` it (durable on return, so the caller may acknowledge), then refresh the
//! pipeline's cached YAML, name, description and search text. If anything fails the cached document is
//! dropped, so the next request reloads what the store holds: a failed request stores nothing and leaves no
//! half-applied change in memory. Every `COMPACT_EVERY` updates a snapshot is stored and the log compacted in
//! the background.
//!
//! The sync WebSocket (a later issue) will use the same entries: import a client's update under the lock,
//! append it, then fan it out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pipeline_doc::PipelineDoc;
use pipeline_doc::loro::VersionVector;
use pipeline_store::{PipelineId, PipelineUpdate, Store, UserId};
use tokio::sync::Mutex as AsyncMutex;

use crate::error::{ApiError, ApiResult};

/// Documents kept in memory before the idle ones are dropped.
pub const MAX_CACHED: usize = 1000;

/// Updates appended between two snapshots.
pub const COMPACT_EVERY: u64 = 200;

/// One loaded document with what the store holds of it.
pub struct LiveDoc {
    pub doc: PipelineDoc,
    /// The version the store holds (everything up to it is appended).
    stored: VersionVector,
    last_seq: u64,
    snapshot_seq: u64,
}

type Entry = Arc<AsyncMutex<Option<LiveDoc>>>;

#[derive(Clone, Default)]
pub struct DocCache {
    entries: Arc<Mutex<HashMap<PipelineId, Entry>>>,
}

/// Loads a pipeline's document from the store (snapshot, then updates).
pub async fn load_doc(store: &dyn Store, id: PipelineId) -> ApiResult<(PipelineDoc, u64, u64)> {
    let log = store.load(id).await?;
    let doc = PipelineDoc::new();
    let snapshot_seq = log.snapshot.as_ref().map_or(0, |s| s.seq);
    if let Some(s) = &log.snapshot {
        doc.import(&s.data)?;
    }
    for u in &log.updates {
        doc.import(&u.data)?;
    }
    Ok((doc, log.last_seq, snapshot_seq))
}

/// The fields the store caches from a document: (yaml, name, description, search_text).
pub fn cached_fields(doc: &PipelineDoc) -> ApiResult<(String, String, String, String)> {
    let yaml = doc.export_yaml()?;
    let s = doc.summary();
    Ok((yaml, s.name, s.description, s.search_text))
}

/// A pipeline name the store accepts: the first line, cut to 300 characters, `fallback` when empty.
pub fn display_name(name: &str, fallback: &str) -> String {
    let line: String = name.lines().next().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(300).collect();
    if line.is_empty() { fallback.chars().take(300).collect() } else { line }
}

impl DocCache {
    fn entry(&self, id: PipelineId) -> Entry {
        let mut map = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_CACHED && !map.contains_key(&id) {
            // Drop the idle documents: held only by the map (checked and cloned under this lock), so nobody is
            // using them and no second copy can appear. They are reloaded from the store on next use.
            map.retain(|_, e| Arc::strong_count(e) > 1);
        }
        map.entry(id).or_default().clone()
    }

    /// How many documents are in memory.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets a document (it is reloaded from the store on next use).
    pub fn evict(&self, id: PipelineId) {
        let mut map = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&id);
    }

    async fn ensure(store: &dyn Store, id: PipelineId, slot: &mut Option<LiveDoc>) -> ApiResult<()> {
        if slot.is_none() {
            let (doc, last_seq, snapshot_seq) = load_doc(store, id).await?;
            let stored = doc.version();
            *slot = Some(LiveDoc { doc, stored, last_seq, snapshot_seq });
        }
        Ok(())
    }

    /// Runs `f` on the document if it is loaded, else on a copy loaded from the store that is not kept
    /// (exports of many pipelines must not fill the cache).
    pub async fn read_transient<T>(
        &self,
        store: &dyn Store,
        id: PipelineId,
        f: impl FnOnce(&PipelineDoc) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let cached = {
            let map = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.get(&id).cloned()
        };
        match cached {
            Some(_) => self.read(store, id, f).await,
            None => {
                let (doc, _, _) = load_doc(store, id).await?;
                f(&doc)
            }
        }
    }

    /// Runs `f` on the document, read only.
    pub async fn read<T>(
        &self,
        store: &dyn Store,
        id: PipelineId,
        f: impl FnOnce(&PipelineDoc) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let entry = self.entry(id);
        let mut slot = entry.lock().await;
        Self::ensure(store, id, &mut slot).await?;
        match slot.as_ref() {
            Some(live) => f(&live.doc),
            None => Err(ApiError::internal()),
        }
    }

    /// Runs the edit `f`, then makes its change durable and refreshes the store's caches. Returns `f`'s
    /// result once the update is durable.
    pub async fn edit<T>(
        &self,
        store: &Arc<dyn Store>,
        id: PipelineId,
        author: Option<UserId>,
        f: impl FnOnce(&PipelineDoc) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let entry = self.entry(id);
        let mut slot = entry.lock().await;
        Self::ensure(store.as_ref(), id, &mut slot).await?;
        let Some(live) = slot.as_mut() else { return Err(ApiError::internal()) };
        let result = match f(&live.doc) {
            Ok(v) => v,
            Err(e) => {
                if live.doc.version() != live.stored {
                    *slot = None;
                }
                return Err(e);
            }
        };
        if live.doc.version() == live.stored {
            return Ok(result);
        }
        let persisted: ApiResult<()> = async {
            let update = live.doc.export_updates_since(&live.stored)?;
            let fields = cached_fields(&live.doc)?;
            let seq = store.append_update(id, update, author).await?;
            live.last_seq = seq;
            live.stored = live.doc.version();
            let (yaml, name, description, search_text) = fields;
            let name = display_name(&name, "Untitled pipeline");
            let update = PipelineUpdate {
                name: Some(name),
                description: Some(description),
                yaml: Some(yaml),
                search_text: Some(search_text),
                ..PipelineUpdate::default()
            };
            if let Err(e) = store.update_pipeline(id, update).await {
                // The update is durable; only the cache is stale, and the next edit refreshes it.
                tracing::warn!(pipeline = %id, error = %e, "could not refresh the pipeline's cached fields");
            }
            Ok(())
        }
        .await;
        if let Err(e) = persisted {
            *slot = None;
            return Err(e);
        }
        if live.last_seq >= live.snapshot_seq + COMPACT_EVERY {
            match live.doc.export_snapshot() {
                Ok(snapshot) => {
                    let up_to = live.last_seq;
                    live.snapshot_seq = up_to;
                    let store = store.clone();
                    tokio::spawn(async move {
                        let done = async {
                            store.store_snapshot(id, snapshot, up_to).await?;
                            store.compact(id, up_to).await
                        };
                        match done.await {
                            Ok(n) => tracing::debug!(pipeline = %id, removed = n, "compacted"),
                            Err(e) => tracing::warn!(pipeline = %id, error = %e, "compaction failed"),
                        }
                    });
                }
                Err(e) => tracing::warn!(pipeline = %id, error = %e, "snapshot export failed"),
            }
        }
        Ok(result)
    }
}
