//! What the replicator is doing, for `GET /api/sync-to/status` and the log: the team server's state (listed,
//! unreachable) and each replicated pipeline's (connecting, connected, offline, retrying, gone), with pending
//! local changes and the last time it was in sync. Every change of state is one log line.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pipeline_store::PipelineId;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A replicated pipeline's link to the team server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Opening the first connection.
    Connecting,
    /// Connected: changes flow both ways as they happen.
    Connected,
    /// The connection was lost; the next attempt is scheduled (`retry_in_ms`).
    Retrying,
    /// The team server refused the pipeline (deleted there, or the token lost access); not retried until the
    /// next listing shows it again.
    Gone,
}

/// Whether the team server answered the last listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamState {
    /// No listing yet.
    Starting,
    /// The last listing succeeded.
    Reachable,
    /// The last listing failed; the next one is scheduled (`retry_in_ms`).
    Unreachable,
}

/// One pipeline's replication, as `GET /api/sync-to/status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineSync {
    pub id: String,
    pub name: String,
    pub state: LinkState,
    /// Milliseconds until the next connection attempt (state `retrying`).
    pub retry_in_ms: Option<u64>,
    /// Local operations the team server has not yet acknowledged as durable.
    pub pending_changes: u64,
    /// The last time both sides were known to hold the same document (RFC 3339).
    pub last_synced_at: Option<String>,
    pub error: Option<String>,
}

/// `GET /api/sync-to/status`.
#[derive(Debug, Clone, Serialize)]
pub struct SyncToStatus {
    pub enabled: bool,
    /// The team server's URL.
    pub upstream: String,
    pub state: UpstreamState,
    pub retry_in_ms: Option<u64>,
    pub last_listed_at: Option<String>,
    pub error: Option<String>,
    pub pipelines: Vec<PipelineSync>,
}

struct Entry {
    name: String,
    state: LinkState,
    retry_at: Option<Instant>,
    pending: u64,
    last_synced: Option<OffsetDateTime>,
    error: Option<String>,
}

struct Inner {
    state: UpstreamState,
    retry_at: Option<Instant>,
    last_listed: Option<OffsetDateTime>,
    error: Option<String>,
    pipelines: BTreeMap<PipelineId, Entry>,
}

/// The replicator's state, shared with the status route.
pub struct Board {
    upstream: String,
    inner: Mutex<Inner>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn remaining(at: Option<Instant>) -> Option<u64> {
    at.map(|t| u64::try_from(t.saturating_duration_since(Instant::now()).as_millis()).unwrap_or(u64::MAX))
}

impl Board {
    pub fn new(upstream: &str) -> Board {
        Board {
            upstream: upstream.to_owned(),
            inner: Mutex::new(Inner {
                state: UpstreamState::Starting,
                retry_at: None,
                last_listed: None,
                error: None,
                pipelines: BTreeMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Plain values only: a panic elsewhere cannot leave them half-written.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A listing succeeded.
    pub fn listed(&self) {
        let mut inner = self.lock();
        if inner.state != UpstreamState::Reachable {
            tracing::info!(upstream = %self.upstream, "sync-to: the team server is reachable");
        }
        inner.state = UpstreamState::Reachable;
        inner.retry_at = None;
        inner.error = None;
        inner.last_listed = Some(OffsetDateTime::now_utc());
    }

    /// A listing failed; the next is in `retry_in`.
    pub fn unreachable(&self, error: &str, retry_in: Duration) {
        let mut inner = self.lock();
        // Logged when it becomes unreachable, and again when the reason changes (e.g. from "connection refused"
        // to a refused certificate).
        if inner.state != UpstreamState::Unreachable || inner.error.as_deref() != Some(error) {
            tracing::warn!(upstream = %self.upstream, %error, retry_in_s = retry_in.as_secs_f64(),
                "sync-to: the team server is unreachable");
        }
        inner.state = UpstreamState::Unreachable;
        inner.retry_at = Some(Instant::now() + retry_in);
        inner.error = Some(error.to_owned());
    }

    /// Sets a pipeline's state (adding it if new); logs when the state changes.
    pub fn set(&self, id: PipelineId, name: &str, state: LinkState, retry_in: Option<Duration>, error: Option<String>) {
        let mut inner = self.lock();
        let entry = inner.pipelines.entry(id).or_insert_with(|| Entry {
            name: name.to_owned(),
            state: LinkState::Connecting,
            retry_at: None,
            pending: 0,
            last_synced: None,
            error: None,
        });
        if entry.state != state {
            match (&error, retry_in) {
                (Some(e), Some(d)) => {
                    tracing::info!(pipeline = %id, ?state, error = %e, retry_in_s = d.as_secs_f64(), "sync-to: {name}")
                }
                (Some(e), None) => tracing::info!(pipeline = %id, ?state, error = %e, "sync-to: {name}"),
                _ => tracing::info!(pipeline = %id, ?state, "sync-to: {name}"),
            }
        }
        entry.name = name.to_owned();
        entry.state = state;
        entry.retry_at = retry_in.map(|d| Instant::now() + d);
        if error.is_some() || state == LinkState::Connected {
            entry.error = error;
        }
    }

    /// A connected pipeline's progress: `pending` local operations not yet durable upstream. With none, both
    /// sides are in sync now.
    pub fn progress(&self, id: PipelineId, pending: u64) {
        let mut inner = self.lock();
        if let Some(entry) = inner.pipelines.get_mut(&id) {
            entry.pending = pending;
            if pending == 0 && entry.state == LinkState::Connected {
                entry.last_synced = Some(OffsetDateTime::now_utc());
            }
        }
    }

    /// Pending local operations of a pipeline, while offline (counted against what the server last held).
    pub fn pending(&self, id: PipelineId, pending: u64) {
        if let Some(entry) = self.lock().pipelines.get_mut(&id) {
            entry.pending = pending;
        }
    }

    pub fn snapshot(&self) -> SyncToStatus {
        let inner = self.lock();
        SyncToStatus {
            enabled: true,
            upstream: self.upstream.clone(),
            state: inner.state,
            retry_in_ms: remaining(inner.retry_at),
            last_listed_at: inner.last_listed.map(rfc3339),
            error: inner.error.clone(),
            pipelines: inner
                .pipelines
                .iter()
                .map(|(id, e)| PipelineSync {
                    id: id.to_string(),
                    name: e.name.clone(),
                    state: e.state,
                    retry_in_ms: remaining(e.retry_at),
                    pending_changes: e.pending,
                    last_synced_at: e.last_synced.map(rfc3339),
                    error: e.error.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipeline_is_synced_when_connected_with_nothing_pending() {
        let board = Board::new("http://team");
        let id = PipelineId::new();
        board.set(id, "p", LinkState::Connecting, None, None);
        board.progress(id, 0);
        assert_eq!(board.snapshot().pipelines[0].last_synced_at, None, "not connected yet");
        board.set(id, "p", LinkState::Connected, None, None);
        board.progress(id, 3);
        assert_eq!(board.snapshot().pipelines[0].last_synced_at, None, "changes pending");
        board.progress(id, 0);
        let s = board.snapshot();
        assert!(s.pipelines[0].last_synced_at.is_some());
        board.set(id, "p", LinkState::Retrying, Some(Duration::from_secs(5)), Some("down".into()));
        board.pending(id, 2);
        let p = &board.snapshot().pipelines[0];
        assert_eq!((p.state, p.pending_changes, p.error.as_deref()), (LinkState::Retrying, 2, Some("down")));
        assert!(p.retry_in_ms.is_some_and(|ms| ms <= 5000 && ms > 3000), "{:?}", p.retry_in_ms);
    }

    #[test]
    fn the_team_server_state_follows_listings() {
        let board = Board::new("http://team");
        assert_eq!(board.snapshot().state, UpstreamState::Starting);
        board.unreachable("refused", Duration::from_secs(2));
        let s = board.snapshot();
        assert_eq!((s.state, s.error.as_deref()), (UpstreamState::Unreachable, Some("refused")));
        board.listed();
        let s = board.snapshot();
        assert_eq!((s.state, s.error, s.retry_in_ms), (UpstreamState::Reachable, None, None));
        assert!(s.last_listed_at.is_some());
    }
}
