//! The live documents. A pipeline's `PipelineDoc` is loaded from the store (latest snapshot, then every later
//! update) on first use and kept in memory in a [`DocEntry`], with the pipeline's [`room::Room`] (its sync
//! connections on this node) and its view state.
//!
//! Every change reaches the store through one [`writer::Writer`] (group commit) in the order it was applied to
//! the document:
//! - HTTP edits ([`DocCache::edit`]) run under the document's lock, answer and reach the room once durable;
//! - sync updates ([`DocCache::apply_client_update`]) are imported and checked under the lock, forwarded to the
//!   room's other connections, then queued; the writer acknowledges them to their sender once durable;
//! - updates written by other nodes (PostgreSQL) arrive through [`feed`] and [`DocCache::catch_up`].
//!
//! If anything fails, the in-memory document is dropped and reloaded from the store on next use (after the
//! writer has settled everything queued before): a failed request stores nothing and leaves no half-applied
//! change in memory. Every `COMPACT_EVERY` updates a snapshot is stored and the log compacted in the
//! background. [`view`] renders YAML and diagnostics after changes, debounced, for views and for the store's
//! cached fields (name, description, YAML, search text).

pub mod feed;
pub mod room;
pub mod view;
pub mod writer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use pipeline_doc::PipelineDoc;
use pipeline_doc::loro::VersionVector;
use pipeline_store::{PipelineId, PipelineUpdate, Store, UserId};
use tokio::sync::{Mutex as AsyncMutex, oneshot};

use self::room::Room;
use self::writer::{Append, Origin, Writer};
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::sync::check::UpdateCheck;
use crate::sync::protocol::TreeJson;

/// Documents kept in memory before the idle ones are dropped.
pub const MAX_CACHED: usize = 1000;

/// Updates appended between two snapshots.
pub const COMPACT_EVERY: u64 = 200;

/// A loaded document, with the watcher that checks what clients' updates change.
pub struct LiveDoc {
    pub doc: PipelineDoc,
    check: UpdateCheck,
}

/// One pipeline in memory.
pub struct DocEntry {
    pub id: PipelineId,
    state: Arc<AsyncMutex<Option<LiveDoc>>>,
    /// Set when an append failed: the document may hold changes the store lacks, so it is reloaded.
    pub(crate) poisoned: AtomicBool,
    /// Every update with a sequence number up to this one is in the document.
    complete_seq: AtomicU64,
    snapshot_seq: AtomicU64,
    compacting: AtomicBool,
    pub room: Room,
    pub(crate) view: view::ViewState,
    /// The steps tree as JSON at one version, for browsers opening the document (`hello` flag `tree`): built
    /// once per version however many open it (and reopen it: a page reload closes its socket first), and
    /// kept while the entry is (a few hundred KiB for 1000 steps; only documents a browser opened have one).
    tree: Mutex<Option<(VersionVector, TreeJson)>>,
    /// Bumped after every durable change and every update caught up from other nodes, whether or not anyone
    /// is connected here (the room only carries updates while it has connections): the local node's
    /// replicator waits on it.
    changes: tokio::sync::watch::Sender<u64>,
    cache: Weak<CacheInner>,
}

/// Which changes an update may make (see `sync::check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateRules {
    /// A browser or other client: everything but the base text.
    Client,
    /// A replica relaying another server's changes (`hello` flag `FLAG_REPLICA`, or this node's own
    /// replicator): the base text too, provided it still parses as YAML afterwards.
    Replica,
}

/// Why a client's update was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The update is malformed or breaks the document; nothing changed.
    #[error("{0}")]
    Invalid(String),
    /// The server could not load or store the document.
    #[error("{0}")]
    Internal(String),
}

impl DocEntry {
    /// `doc`'s steps tree as JSON (see `tree`), `None` when it is not JSON-safe. `doc` is this entry's
    /// document, read under its lock.
    pub(crate) fn tree_json(&self, doc: &PipelineDoc) -> Option<TreeJson> {
        let version = doc.version();
        let mut cached = self.tree.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, json)) = cached.as_ref()
            && *at == version
        {
            return Some(json.clone());
        }
        let json = TreeJson::from(doc.tree_json()?);
        *cached = Some((version, json.clone()));
        Some(json)
    }

    /// The writer made `seq` durable.
    pub(crate) fn durable(&self, seq: u64) {
        if let Some(prev) = seq.checked_sub(1) {
            let _ = self.complete_seq.compare_exchange(prev, seq, Ordering::SeqCst, Ordering::SeqCst);
        }
    }

    /// A receiver that sees a new value after each durable change (see `changes`).
    pub fn subscribe_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The document changed durably: schedule views, cached fields and compaction.
    pub(crate) fn changed(self: &Arc<Self>) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        view::schedule(self);
        let due = self.complete_seq.load(Ordering::SeqCst) >= self.snapshot_seq.load(Ordering::SeqCst) + COMPACT_EVERY;
        if due && !self.compacting.swap(true, Ordering::SeqCst) {
            let entry = self.clone();
            tokio::spawn(async move {
                entry.compact().await;
                entry.compacting.store(false, Ordering::SeqCst);
            });
        }
    }

    pub(crate) fn cache(&self) -> Option<DocCache> {
        self.cache.upgrade().map(|inner| DocCache { inner })
    }

    /// Stores a snapshot covering every update up to the newest contiguous one, then deletes the updates it
    /// covers. Other nodes' updates are fetched first, so the snapshot never skips one.
    async fn compact(self: &Arc<Self>) {
        let Some(cache) = self.cache() else { return };
        let store = cache.inner.store.clone();
        let snapshot = {
            let mut slot = self.state.lock().await;
            if slot.is_none() || self.poisoned.load(Ordering::SeqCst) {
                return;
            }
            if let Err(e) = cache.catch_up_locked(self, &mut slot).await {
                tracing::warn!(pipeline = %self.id, error = %e, "compaction: catching up failed");
                return;
            }
            let up_to = self.complete_seq.load(Ordering::SeqCst);
            if up_to <= self.snapshot_seq.load(Ordering::SeqCst) {
                return;
            }
            match slot.as_ref().map(|l| l.doc.export_snapshot()) {
                Some(Ok(bytes)) => (bytes, up_to),
                Some(Err(e)) => {
                    tracing::warn!(pipeline = %self.id, error = %e, "snapshot export failed");
                    return;
                }
                None => return,
            }
        };
        let (bytes, up_to) = snapshot;
        let done = async {
            store.store_snapshot(self.id, bytes, up_to).await?;
            store.compact(self.id, up_to).await
        };
        match done.await {
            Ok(n) => {
                self.snapshot_seq.store(up_to, Ordering::SeqCst);
                tracing::debug!(pipeline = %self.id, removed = n, "compacted");
            }
            Err(e) => tracing::warn!(pipeline = %self.id, error = %e, "compaction failed"),
        }
    }
}

struct CacheInner {
    entries: Mutex<HashMap<PipelineId, Arc<DocEntry>>>,
    store: Arc<dyn Store>,
    writer: Writer,
    metrics: Arc<Metrics>,
    /// Set by `flush_views` when the node stops: the store is about to close, views write no more.
    stopped: AtomicBool,
    /// Renders running at once (one per core): each holds a YAML export and its validation in memory, and a
    /// burst of a hundred documents changing together would otherwise render all at once.
    renders: Arc<tokio::sync::Semaphore>,
}

/// The live documents of this node.
#[derive(Clone)]
pub struct DocCache {
    inner: Arc<CacheInner>,
}

/// Loads a pipeline's document from the store (snapshot, then updates): (doc, last seq, snapshot seq).
pub async fn load_doc(store: &dyn Store, id: PipelineId) -> ApiResult<(PipelineDoc, u64, u64)> {
    let (doc, last_seq, snapshot_seq, _) = load_doc_counted(store, id).await?;
    Ok((doc, last_seq, snapshot_seq))
}

/// Update bytes imported on top of a snapshot above which a loaded document is rebuilt from its own snapshot
/// (see `DocCache::ensure`).
const REBUILD_AFTER_BYTES: usize = 64 * 1024;

/// `load_doc`, and whether the document's state was decoded in full on the way: it was when its first blob was
/// an update rather than a snapshot (pipelines created before their first blob was a snapshot), or when many
/// update bytes came after the snapshot.
async fn load_doc_counted(store: &dyn Store, id: PipelineId) -> ApiResult<(PipelineDoc, u64, u64, bool)> {
    let log = store.load(id).await?;
    let doc = PipelineDoc::new();
    let snapshot_seq = log.snapshot.as_ref().map_or(0, |s| s.seq);
    let blobs = log.snapshot.iter().map(|s| &s.data).chain(log.updates.iter().map(|u| &u.data));
    let mut decoded = false;
    let mut update_bytes = 0;
    for (i, blob) in blobs.enumerate() {
        let snapshot = loro::LoroDoc::decode_import_blob_meta(blob, false).is_ok_and(|m| m.mode.is_snapshot());
        if i == 0 && !snapshot {
            decoded = true;
        }
        if !snapshot {
            update_bytes += blob.len();
        }
        doc.import(blob)?;
    }
    Ok((doc, log.last_seq, snapshot_seq, decoded || update_bytes > REBUILD_AFTER_BYTES))
}

/// The fields the store caches from a document: (yaml, name, description, search_text).
pub fn cached_fields(doc: &PipelineDoc) -> ApiResult<(String, String, String, String)> {
    let yaml = doc.export_yaml()?;
    let s = doc.summary();
    Ok((yaml, s.name, s.description, s.search_text))
}

/// The store's cached fields as an update.
pub fn cached_update(fields: (String, String, String, String)) -> PipelineUpdate {
    let (yaml, name, description, search_text) = fields;
    PipelineUpdate {
        name: Some(display_name(&name, "Untitled pipeline")),
        description: Some(description),
        yaml: Some(yaml),
        search_text: Some(search_text),
        ..PipelineUpdate::default()
    }
}

/// A pipeline name the store accepts: the first line, cut to 300 characters, `fallback` when empty.
pub fn display_name(name: &str, fallback: &str) -> String {
    let line: String = name.lines().next().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(300).collect();
    if line.is_empty() { fallback.chars().take(300).collect() } else { line }
}

impl DocCache {
    /// The cache with its writer task (so this must run inside a Tokio runtime).
    pub fn new(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> DocCache {
        let writer = Writer::start(store.clone(), metrics.clone());
        DocCache {
            inner: Arc::new(CacheInner {
                entries: Mutex::default(),
                store,
                writer,
                metrics,
                stopped: AtomicBool::new(false),
                renders: Arc::new(tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
                )),
            }),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    pub fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    /// The entry of a pipeline, created if needed.
    pub fn entry(&self, id: PipelineId) -> Arc<DocEntry> {
        let mut map = self.inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_CACHED && !map.contains_key(&id) {
            // Drop the idle documents: held only by the map (checked and cloned under this lock), so nobody is
            // using them and no second copy can appear. They are reloaded from the store on next use.
            map.retain(|_, e| Arc::strong_count(e) > 1);
        }
        map.entry(id)
            .or_insert_with(|| {
                Arc::new(DocEntry {
                    id,
                    state: Arc::default(),
                    poisoned: AtomicBool::new(false),
                    complete_seq: AtomicU64::new(0),
                    snapshot_seq: AtomicU64::new(0),
                    compacting: AtomicBool::new(false),
                    room: Room::default(),
                    view: view::ViewState::default(),
                    tree: Mutex::new(None),
                    changes: tokio::sync::watch::channel(0).0,
                    cache: Arc::downgrade(&self.inner),
                })
            })
            .clone()
    }

    /// The entry of a pipeline if it is in memory.
    pub fn get(&self, id: PipelineId) -> Option<Arc<DocEntry>> {
        self.inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&id).cloned()
    }

    /// The pipelines in memory.
    /// The node is stopping: refresh the cached fields of every document with changes not yet rendered (so
    /// search and lists are current after the restart), then stop the views from writing to the store.
    pub async fn flush_views(&self) {
        let entries: Vec<Arc<DocEntry>> =
            self.inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).values().cloned().collect();
        for entry in entries {
            view::flush(&entry).await;
        }
        self.inner.stopped.store(true, Ordering::SeqCst);
    }

    /// A turn to render a view (see `CacheInner::renders`).
    pub(crate) async fn render_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.renders.clone().acquire_owned().await.ok()
    }

    pub(crate) fn stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    pub fn loaded_ids(&self) -> Vec<PipelineId> {
        self.inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).keys().copied().collect()
    }

    /// How many documents are in memory.
    pub fn len(&self) -> usize {
        self.inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets a document (it is reloaded from the store on next use).
    pub fn evict(&self, id: PipelineId) {
        let mut map = self.inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&id);
    }

    /// Loads the document into `slot` unless it is there and sound.
    async fn ensure(&self, entry: &DocEntry, slot: &mut Option<LiveDoc>) -> ApiResult<()> {
        if entry.poisoned.swap(false, Ordering::SeqCst) {
            *slot = None;
        }
        if slot.is_none() {
            // Whatever was queued for this document before must be in the store before it is read back.
            self.inner.writer.barrier().await;
            let started = Instant::now();
            let (mut doc, last_seq, snapshot_seq, decoded) =
                load_doc_counted(self.inner.store.as_ref(), entry.id).await?;
            if decoded {
                // A document built by importing updates holds every container decoded (about 4 MiB for 1000
                // steps); one imported from a snapshot decodes its state lazily, as parts are touched (a tenth
                // of that, and a third after edits spread over it). docs/benchmarks.md has the figures.
                doc = PipelineDoc::from_bytes(&doc.export_snapshot()?)?;
            }
            Metrics::observe(&self.inner.metrics.doc_load, started.elapsed());
            entry.complete_seq.store(last_seq, Ordering::SeqCst);
            entry.snapshot_seq.store(snapshot_seq, Ordering::SeqCst);
            let check = UpdateCheck::attach(doc.loro());
            *slot = Some(LiveDoc { doc, check });
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
        match self.get(id) {
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
        _store: &dyn Store,
        id: PipelineId,
        f: impl FnOnce(&PipelineDoc) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.with_doc(&self.entry(id), f).await?
    }

    /// Runs `f` on the locked, loaded document of `entry` (for sync: the welcome's export).
    pub async fn with_doc<T>(&self, entry: &DocEntry, f: impl FnOnce(&PipelineDoc) -> T) -> ApiResult<T> {
        let mut slot = entry.state.lock().await;
        self.ensure(entry, &mut slot).await?;
        slot.as_ref().map(|live| f(&live.doc)).ok_or_else(ApiError::internal)
    }

    /// Runs the edit `f`, then makes its change durable, fans it out, and refreshes the store's caches.
    /// Returns `f`'s result once the update is durable.
    pub async fn edit<T>(
        &self,
        store: &Arc<dyn Store>,
        id: PipelineId,
        author: Option<UserId>,
        f: impl FnOnce(&PipelineDoc) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let entry = self.entry(id);
        let mut slot = entry.state.lock().await;
        self.ensure(&entry, &mut slot).await?;
        let Some(live) = slot.as_mut() else { return Err(ApiError::internal()) };
        let before = live.doc.version();
        let result = match f(&live.doc) {
            Ok(v) => v,
            Err(e) => {
                if live.doc.version() != before {
                    *slot = None;
                }
                return Err(e);
            }
        };
        if live.doc.version() == before {
            return Ok(result);
        }
        let persisted: ApiResult<PipelineUpdate> = async {
            let update = live.doc.export_updates_since(&before)?;
            let fields = cached_update(cached_fields(&live.doc)?);
            let (tx, rx) = oneshot::channel();
            let append = Append { entry: entry.clone(), data: update, author, origin: Origin::Http(tx) };
            self.inner.writer.append(append).await.map_err(|_| ApiError::internal())?;
            match rx.await {
                Ok(Ok(_seq)) => Ok(fields),
                Ok(Err(e)) => {
                    tracing::error!(pipeline = %id, error = %e, "could not store an edit");
                    Err(ApiError::internal())
                }
                Err(_) => Err(ApiError::internal()),
            }
        }
        .await;
        match persisted {
            Ok(fields) => {
                view::forget_cached_yaml(&entry);
                if let Err(e) = store.update_pipeline(id, fields).await {
                    // The update is durable; only the cache is stale, and the next edit refreshes it.
                    tracing::warn!(pipeline = %id, error = %e, "could not refresh the pipeline's cached fields");
                }
                Ok(result)
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }

    /// Imports a sync client's update if it is well-formed, and queues it for the writer, which acknowledges
    /// it through `origin` once durable. An invalid update leaves the document as it was (it is reloaded).
    pub async fn apply_client_update(
        &self,
        entry: &Arc<DocEntry>,
        data: Vec<u8>,
        author: Option<UserId>,
        origin: Origin,
    ) -> Result<(), ApplyError> {
        self.apply_update(entry, data, author, origin, UpdateRules::Client).await
    }

    /// [`Self::apply_client_update`] under the given rules.
    pub async fn apply_update(
        &self,
        entry: &Arc<DocEntry>,
        data: Vec<u8>,
        author: Option<UserId>,
        origin: Origin,
        rules: UpdateRules,
    ) -> Result<(), ApplyError> {
        let mut slot = entry.state.lock().await;
        self.ensure(entry, &mut slot).await.map_err(|e| ApplyError::Internal(e.to_string()))?;
        let Some(live) = slot.as_mut() else { return Err(ApplyError::Internal("document not loaded".into())) };
        live.check.take_verdict();
        let verdict = match live.doc.loro().import(&data) {
            Err(e) => Some(format!("the update does not decode: {e}")),
            Ok(status) if status.pending.is_some() => {
                Some("the update depends on changes the server does not have (send from the server's version)".into())
            }
            Ok(_) => match rules {
                UpdateRules::Client => live.check.take(),
                UpdateRules::Replica => {
                    let v = live.check.take_verdict();
                    v.problem.or_else(|| {
                        let base = v.base_changed.then(|| live.doc.base_text())?;
                        pipeline_format::Document::parse(&base)
                            .err()
                            .map(|e| format!("the update makes the base text something that is not YAML: {e}"))
                    })
                }
            },
        };
        if let Some(problem) = verdict {
            // The import may have changed the document: drop it; the next use reloads what the store holds.
            *slot = None;
            return Err(ApplyError::Invalid(problem));
        }
        // Peers get it now, in import order (it passed the checks); the sender's ack waits for durability. A
        // crash before the commit loses nothing: the sender still holds the unacked update and sends it again
        // after reconnecting, and so would any peer (the server lacks it).
        let conn = match &origin {
            Origin::Conn { conn, .. } => Some(*conn),
            Origin::Http(_) => None,
        };
        entry.room.publish_update(conn, &data);
        let append = Append { entry: entry.clone(), data, author, origin };
        self.inner.writer.append(append).await.map_err(|e| ApplyError::Internal(e.to_string()))
    }

    /// Imports what other nodes appended after the document's newest contiguous update, fanning out whatever
    /// is new to this node's connections. Only for documents in memory.
    pub async fn catch_up(&self, id: PipelineId) -> ApiResult<()> {
        let Some(entry) = self.get(id) else { return Ok(()) };
        let mut slot = entry.state.lock().await;
        if slot.is_none() {
            return Ok(());
        }
        self.catch_up_locked(&entry, &mut slot).await
    }

    async fn catch_up_locked(&self, entry: &DocEntry, slot: &mut Option<LiveDoc>) -> ApiResult<()> {
        if slot.is_none() {
            return Ok(());
        }
        let after = entry.complete_seq.load(Ordering::SeqCst);
        let updates = match self.inner.store.updates_since(entry.id, after).await {
            Ok(u) => u,
            Err(pipeline_store::StoreError::Compacted { .. }) => {
                // Compacted by another node past what this one has: reload from the snapshot, and send the
                // room everything (importing is idempotent for clients).
                *slot = None;
                self.ensure(entry, slot).await?;
                if let Some(live) = slot.as_ref() {
                    entry.room.publish_update(None, &live.doc.export_snapshot()?);
                }
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let Some(live) = slot.as_ref() else { return Ok(()) };
        for u in &updates {
            let before = live.doc.version();
            live.doc.import(&u.data)?;
            if live.doc.version() != before {
                entry.room.publish_update(None, &u.data);
                entry.changes.send_modify(|n| *n = n.wrapping_add(1));
            }
            entry.complete_seq.fetch_max(u.seq, Ordering::SeqCst);
        }
        Ok(())
    }
}
