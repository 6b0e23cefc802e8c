//! After changes, render the document's YAML and diagnostics, debounced (latest wins): pushed to the
//! connections that asked for views (150 ms quiet, at most 1 s apart under a stream of edits), and written to
//! the store's cached fields (name, description, YAML, search text). When nobody is watching, only the cached
//! fields are refreshed, less often (5 s quiet, at most 30 s apart) and without validating: exporting and
//! validating a 1000-step pipeline costs about 10 ms of CPU, and a node with a hundred busy documents would
//! otherwise spend most of a core on views nobody reads. One task per document, started by the first change
//! and ended after a minute without one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::{DocEntry, cached_fields, cached_update};
use pipeline_doc::PipelineDoc;
use pipeline_store::StoreError;

use crate::diagnostics;
use crate::docs::room::Outgoing;
use crate::metrics::Metrics;
use crate::sync::protocol::ServerText;

const IDLE: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct ViewState {
    notify: Notify,
    dirty: AtomicBool,
    running: AtomicBool,
    version: AtomicU64,
    /// The latest `view` message, for connections that join.
    latest: Mutex<Option<Arc<str>>>,
    /// The YAML last written to the store's cache.
    cached_yaml: Mutex<Option<String>>,
}

fn timings(entry: &DocEntry) -> (Duration, Duration) {
    if entry.room.viewers() > 0 {
        (Duration::from_millis(150), Duration::from_secs(1))
    } else {
        (Duration::from_secs(5), Duration::from_secs(30))
    }
}

/// The document changed: (re)start the debounce.
pub fn schedule(entry: &Arc<DocEntry>) {
    entry.view.dirty.store(true, Ordering::SeqCst);
    entry.view.notify.notify_one();
    if !entry.view.running.swap(true, Ordering::SeqCst) {
        tokio::spawn(run(entry.clone()));
    }
}

/// The latest view message, if one was rendered.
pub fn latest(entry: &DocEntry) -> Option<Arc<str>> {
    entry.view.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

/// An HTTP edit refreshed the store's cache itself.
pub fn forget_cached_yaml(entry: &DocEntry) {
    *entry.view.cached_yaml.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
}

async fn run(entry: Arc<DocEntry>) {
    loop {
        if tokio::time::timeout(IDLE, entry.view.notify.notified()).await.is_err() {
            entry.view.running.store(false, Ordering::SeqCst);
            // A change that came just now saw `running` and did not start a task: take it on.
            if entry.view.dirty.load(Ordering::SeqCst) && !entry.view.running.swap(true, Ordering::SeqCst) {
                continue;
            }
            return;
        }
        let (quiet, max) = timings(&entry);
        let started = Instant::now();
        loop {
            let left = max.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(quiet.min(left), entry.view.notify.notified()).await {
                Ok(()) => continue,
                Err(_) => break,
            }
        }
        entry.view.dirty.store(false, Ordering::SeqCst);
        render(&entry).await;
    }
}

/// Render now if changes are waiting (the node is stopping).
pub async fn flush(entry: &Arc<DocEntry>) {
    if entry.view.dirty.swap(false, Ordering::SeqCst) {
        render(entry).await;
    }
}

async fn render(entry: &Arc<DocEntry>) {
    let Some(cache) = entry.cache() else { return };
    if cache.stopped() {
        return;
    }
    let _turn = cache.render_turn().await;
    let viewers = entry.room.viewers() > 0;
    let guard = entry.state.clone().lock_owned().await;
    let started = Instant::now();
    // Rendering is CPU work (milliseconds for a large pipeline): off the async workers. Only the export needs
    // the document; its lock is released before validation, so edits are not held up by it.
    let rendered = tokio::task::spawn_blocking(move || {
        let live = &guard.as_ref()?.doc;
        let fields = if viewers {
            cached_fields(live).ok()?
        } else {
            // Nobody is looking: render from a copy, so that the live document keeps its state undecoded
            // (exporting YAML touches every step, which would decode them all: 0.13 -> 4 MiB for 1000 steps,
            // for as long as the document stays loaded). The copy is dropped when done.
            let snapshot = live.export_snapshot().ok()?;
            drop(guard);
            cached_fields(&PipelineDoc::from_bytes(&snapshot).ok()?).ok()?
        };
        let diagnostics = viewers.then(|| diagnostics::of_text(&fields.0));
        Some((fields, diagnostics))
    })
    .await;
    Metrics::observe(&cache.metrics().view_render, started.elapsed());
    let Ok(Some((fields, diagnostics))) = rendered else { return };
    let latest = diagnostics.map(|diagnostics| {
        let version = entry.view.version.fetch_add(1, Ordering::SeqCst) + 1;
        let text: Arc<str> = ServerText::View { version, yaml: fields.0.clone(), diagnostics }.to_json().into();
        entry.room.publish(Outgoing::View(text.clone()));
        text
    });
    // Without viewers the last view is out of date: forget it, so that a viewer who joins gets a fresh one.
    *entry.view.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = latest;
    let stale = {
        let cached = entry.view.cached_yaml.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cached.as_deref() != Some(fields.0.as_str())
    };
    if stale {
        let yaml = fields.0.clone();
        match cache.store().update_pipeline(entry.id, cached_update(fields)).await {
            Ok(_) => *entry.view.cached_yaml.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(yaml),
            // The pipeline was deleted meanwhile, or the node is stopping (the pool is closed): nothing to keep.
            Err(StoreError::NotFound(_)) => {}
            Err(e) => tracing::warn!(pipeline = %entry.id, error = %e, "could not refresh cached fields"),
        }
    }
}
