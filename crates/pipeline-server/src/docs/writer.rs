//! The writer: one task that makes document updates durable, for every pipeline of this node. Requests queue
//! in order; each round takes everything queued (up to `MAX_BATCH`) and appends it in one transaction (group
//! commit: one fsync for many edits), then, in queue order, acknowledges each sender (and fans HTTP edits out
//! to the pipeline's room; sync updates were fanned out when imported). A barrier request returns once
//! everything queued before it is settled.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use pipeline_store::{NewUpdate, Store, UserId};
use tokio::sync::{mpsc, oneshot};

use super::DocEntry;
use crate::metrics::Metrics;

/// Updates per transaction at most.
pub const MAX_BATCH: usize = 512;
/// Requests queued before senders wait.
const QUEUE: usize = 8192;

/// What the sender of an update is told.
#[derive(Debug)]
pub enum ConnNote {
    /// The update with this client seq is durable.
    Acked(u32),
    /// It could not be stored; the connection should close (the client sends it again after reconnecting).
    Failed(String),
}

/// Who waits for an update.
pub enum Origin {
    /// A sync connection: `conn` (skipped by the fan-out) is told through `notes`.
    Conn { conn: u64, seq: u32, notes: mpsc::UnboundedSender<ConnNote>, received: Instant },
    /// An HTTP request waiting for the sequence number.
    Http(oneshot::Sender<Result<u64, String>>),
}

pub struct Append {
    pub entry: Arc<DocEntry>,
    pub data: Vec<u8>,
    pub author: Option<UserId>,
    pub origin: Origin,
}

enum Request {
    Append(Append),
    Barrier(oneshot::Sender<()>),
}

#[derive(Debug, thiserror::Error)]
#[error("the writer has stopped")]
pub struct WriterStopped;

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Request>,
}

impl Writer {
    pub fn start(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, metrics, rx));
        Writer { tx }
    }

    /// Queues an append. Fails only if the writer has stopped.
    pub async fn append(&self, a: Append) -> Result<(), WriterStopped> {
        self.tx.send(Request::Append(a)).await.map_err(|_| WriterStopped)
    }

    /// Waits until everything queued so far is durable (or has failed).
    pub async fn barrier(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Request::Barrier(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(store: Arc<dyn Store>, metrics: Arc<Metrics>, mut rx: mpsc::Receiver<Request>) {
    let mut queued: Vec<Request> = Vec::new();
    while rx.recv_many(&mut queued, MAX_BATCH).await > 0 {
        let mut appends = Vec::new();
        let mut barriers = Vec::new();
        for r in queued.drain(..) {
            match r {
                Request::Append(a) => appends.push(a),
                Request::Barrier(b) => barriers.push(b),
            }
        }
        if !appends.is_empty() {
            commit(store.as_ref(), &metrics, appends).await;
        }
        for b in barriers {
            let _ = b.send(());
        }
    }
}

async fn commit(store: &dyn Store, metrics: &Metrics, appends: Vec<Append>) {
    let started = Instant::now();
    let batch = appends
        .iter()
        .map(|a| NewUpdate { pipeline: a.entry.id, data: a.data.clone(), author: a.author })
        .collect::<Vec<_>>();
    let result = store.append_updates(batch).await;
    Metrics::observe(&metrics.append, started.elapsed());
    metrics.append_batch.observe(appends.len() as f64);
    match result {
        Ok(seqs) => {
            for (a, seq) in appends.into_iter().zip(seqs) {
                a.entry.durable(seq);
                match a.origin {
                    // Other connections got it when it was imported (`DocCache::apply_client_update`).
                    Origin::Conn { seq: client_seq, notes, received, .. } => {
                        let _ = notes.send(ConnNote::Acked(client_seq));
                        Metrics::observe(&metrics.edit_to_ack, received.elapsed());
                    }
                    Origin::Http(done) => {
                        a.entry.room.publish_update(None, &a.data);
                        let _ = done.send(Ok(seq));
                    }
                }
                a.entry.changed();
            }
        }
        Err(e) => {
            // One failure fails the batch (one transaction). The documents in memory may hold what the store
            // lacks: mark them for reloading; the senders retry (clients resend after reconnecting).
            tracing::error!(error = %e, updates = appends.len(), "could not append document updates");
            for a in appends {
                a.entry.poisoned.store(true, Ordering::SeqCst);
                match a.origin {
                    Origin::Conn { notes, .. } => {
                        let _ = notes.send(ConnNote::Failed(e.to_string()));
                    }
                    Origin::Http(done) => {
                        let _ = done.send(Err(e.to_string()));
                    }
                }
            }
        }
    }
}
