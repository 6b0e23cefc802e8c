//! A room: the sync connections of one pipeline on this node. Outgoing messages go through a bounded
//! broadcast channel, so one slow connection never slows the others (it lags, and is resynced); presence is a
//! Loro `EphemeralStore` kept by the server, so a newcomer gets everyone's state and a leaver is cleared.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::Bytes;
use loro::awareness::EphemeralStore;
use tokio::sync::broadcast;

use crate::sync::protocol::encode_remote_presence;

/// Messages kept for each connection before it counts as fallen behind.
pub const ROOM_QUEUE: usize = 1024;
/// Presence entries expire after this long without a refresh (docs/protocol.md).
pub const PRESENCE_TIMEOUT_MS: i64 = 30_000;

/// What a room sends to its connections.
#[derive(Clone, Debug)]
pub enum Outgoing {
    /// A document update (a ready `update` frame), checked and imported. `from` is the connection that sent
    /// it (which gets an ack instead), if any.
    Update { from: Option<u64>, frame: Bytes, published_at: Instant },
    /// Presence bytes (a ready `presence` frame) from connection `from` (or the server, for leavers).
    Presence { from: Option<u64>, frame: Bytes },
    /// A `view` text message (for connections that asked for views).
    View(std::sync::Arc<str>),
}

pub struct Room {
    tx: broadcast::Sender<Outgoing>,
    pub presence: EphemeralStore,
    connections: AtomicUsize,
    viewers: AtomicUsize,
}

impl Default for Room {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(ROOM_QUEUE);
        Room {
            tx,
            presence: EphemeralStore::new(PRESENCE_TIMEOUT_MS),
            connections: AtomicUsize::new(0),
            viewers: AtomicUsize::new(0),
        }
    }
}

impl Room {
    pub fn subscribe(&self) -> broadcast::Receiver<Outgoing> {
        self.tx.subscribe()
    }

    pub fn publish(&self, msg: Outgoing) {
        // No receivers is fine: nobody is connected.
        let _ = self.tx.send(msg);
    }

    pub fn publish_update(&self, from: Option<u64>, update: &[u8]) {
        if self.connections() > 0 {
            let frame = Bytes::from(crate::sync::protocol::encode_remote_update(update));
            self.publish(Outgoing::Update { from, frame, published_at: Instant::now() });
        }
    }

    /// Removes `key`'s presence and tells the others.
    pub fn clear_presence(&self, key: &str) {
        self.presence.delete(key);
        let bytes = self.presence.encode(key);
        self.publish(Outgoing::Presence { from: None, frame: Bytes::from(encode_remote_presence(&bytes)) });
    }

    pub fn join(&self, views: bool) {
        self.connections.fetch_add(1, Ordering::SeqCst);
        if views {
            self.viewers.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub fn leave(&self, views: bool) {
        self.connections.fetch_sub(1, Ordering::SeqCst);
        if views {
            self.viewers.fetch_sub(1, Ordering::SeqCst);
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn viewers(&self) -> usize {
        self.viewers.load(Ordering::SeqCst)
    }
}
