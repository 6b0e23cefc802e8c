//! One replicated pipeline: a bridge Loro document between this node's live document and a sync client
//! connected to the team server.
//!
//! - The bridge starts as a copy of the local document (so `hello` carries the local version vector and only
//!   what is missing crosses, after a restart of either side too); a pipeline new to this node starts empty
//!   and is created locally, with the same id, from what the team server's `welcome` brought.
//! - Upstream → local: after the client imports the team server's changes into the bridge, what the local
//!   document lacks (by version vector) goes through `DocCache::apply_update` under the replica rules: the
//!   same path as a local sync client's update (checked, fanned out to local browsers, durable).
//! - Local → upstream: after every durable local change (`DocEntry::subscribe_changes`), what the bridge lacks
//!   is imported into it and pushed; the client keeps it until acknowledged and sends it again after every
//!   reconnect (backoff 0.5 s → 10 s).
//! - A periodic tick repeats both transfers, so a missed notification or a failed local write only delays.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipeline_doc::PipelineDoc;
use pipeline_doc::loro::{ExportMode, LoroDoc, VersionVector};
use pipeline_store::{NewPipeline, PipelineId, StoreError};
use tokio::sync::mpsc;

use super::status::{Board, LinkState};
use super::{Listed, ReplicaError, SyncToConfig};
use crate::app::AppState;
use crate::docs::writer::{ConnNote, Origin};
use crate::docs::{ApplyError, DocEntry, UpdateRules, cached_fields, display_name};
use crate::sync::client::{ClientAuth, ClientError, ClientOptions, Event, SyncClient, backoff_delay};
use crate::sync::protocol::FLAG_REPLICA;

/// Both transfers are repeated this often even without a notification.
const TICK: Duration = Duration::from_secs(2);
/// Origin of imports of local changes into the bridge.
const LOCAL_ORIGIN: &str = "local";

/// What every link shares.
pub struct Ctx {
    pub state: AppState,
    pub config: SyncToConfig,
    pub board: Arc<Board>,
}

/// Why a session ended without an error.
enum End {
    /// The node is stopping.
    Shutdown,
    /// The team server refused the pipeline (deleted there, or no longer reachable with the token).
    Gone(String),
}

/// Operations in `replica` that `durable` lacks.
pub fn pending_ops(replica: &VersionVector, durable: &VersionVector) -> u64 {
    replica
        .iter()
        .map(|(peer, &counter)| {
            let have = durable.get(peer).copied().unwrap_or(0);
            u64::try_from(counter.saturating_sub(have)).unwrap_or(0)
        })
        .sum()
}

/// Keeps one pipeline in sync until the node stops or the team server refuses it.
pub async fn run(ctx: Arc<Ctx>, listed: Listed) {
    let mut failures = 0u32;
    let mut shutdown = ctx.state.shutdown.subscribe();
    loop {
        if *shutdown.borrow() {
            return;
        }
        match session(&ctx, &listed, &mut failures).await {
            Ok(End::Shutdown) => return,
            Ok(End::Gone(reason)) => {
                ctx.board.set(listed.id, &listed.name, LinkState::Gone, None, Some(reason));
                return;
            }
            Err(e) => {
                let delay = backoff_delay(failures, fastrand::f64());
                failures = failures.saturating_add(1);
                ctx.board.set(listed.id, &listed.name, LinkState::Retrying, Some(delay), Some(e.to_string()));
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    }
}

/// The local document's state as a new Loro document, or `None` when this node does not have the pipeline.
async fn local_copy(state: &AppState, id: PipelineId) -> Result<Option<LoroDoc>, ReplicaError> {
    match state.store.get_pipeline(id).await {
        Ok(_) => {}
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let snapshot = state
        .docs
        .with_doc(&state.docs.entry(id), PipelineDoc::export_snapshot)
        .await
        .map_err(|e| ReplicaError::Doc(e.to_string()))?
        .map_err(|e| ReplicaError::Doc(e.to_string()))?;
    let doc = LoroDoc::new();
    doc.import(&snapshot).map_err(|e| ReplicaError::Doc(e.to_string()))?;
    Ok(Some(doc))
}

/// Creates the local pipeline, with the team server's id, from the bridge's content.
async fn create_local(ctx: &Ctx, listed: &Listed, bridge: &LoroDoc) -> Result<(), ReplicaError> {
    let snapshot = bridge.export(ExportMode::Snapshot).map_err(|e| ReplicaError::Doc(e.to_string()))?;
    let doc = PipelineDoc::from_bytes(&snapshot).map_err(|e| ReplicaError::Doc(e.to_string()))?;
    let (yaml, name, description, search_text) = cached_fields(&doc).map_err(|e| ReplicaError::Doc(e.message))?;
    let new = NewPipeline {
        id: Some(listed.id),
        team: ctx.config.local_team,
        name: display_name(&name, &listed.name),
        description,
        file_name: listed.file_name.clone(),
        is_template: listed.is_template,
        created_by: None,
        yaml,
        search_text,
        initial_update: Some(snapshot),
    };
    match ctx.state.store.create_pipeline(new).await {
        // Created meanwhile (another session of this link before a restart): the next transfers catch up.
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// One connection's life (with the client's own reconnects inside it).
async fn session(ctx: &Ctx, listed: &Listed, failures: &mut u32) -> Result<End, ReplicaError> {
    let id = listed.id;
    let board = &ctx.board;
    let mut shutdown = ctx.state.shutdown.subscribe();
    let local = local_copy(&ctx.state, id).await?;
    let exists = local.is_some();
    let bridge = local.unwrap_or_default();
    if *failures == 0 {
        board.set(id, &listed.name, LinkState::Connecting, None, None);
    }
    let url = ctx.config.upstream.sync_url(id);
    let auth = ClientAuth::Bearer(ctx.config.token.clone());
    let opts = ClientOptions { flags: FLAG_REPLICA, auto_reconnect: true, tls: ctx.config.tls.clone() };
    let connect = SyncClient::connect(&url, auth, bridge.clone(), opts);
    let mut client = tokio::select! {
        c = connect => match c {
            Ok(c) => c,
            Err(ClientError::Refused { status: status @ (401 | 403 | 404), body }) => {
                return Ok(End::Gone(format!("the team server refused the pipeline: HTTP {status}: {body}")));
            }
            Err(e) => return Err(e.into()),
        },
        _ = shutdown.changed() => return Ok(End::Shutdown),
    };
    *failures = 0;
    if !exists {
        create_local(ctx, listed, &bridge).await?;
    }
    board.set(id, &listed.name, LinkState::Connected, None, None);
    let mut link = Bridge::new(&ctx.state, id, bridge);
    let mut changes = link.entry.subscribe_changes();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connected = true;
    let result = loop {
        let step: Result<(), ReplicaError> = tokio::select! {
            event = client.next_event() => match event {
                None => break Err(ReplicaError::Client(ClientError::Closed)),
                Some(Event::RemoteUpdate { .. }) => link.pull_down(&ctx.state).await,
                Some(Event::Reconnected) => {
                    connected = true;
                    board.set(id, &listed.name, LinkState::Connected, None, None);
                    link.pull_down(&ctx.state).await
                }
                Some(Event::Disconnected { reason, .. }) => {
                    connected = false;
                    board.set(id, &listed.name, LinkState::Retrying, None, Some(reason));
                    Ok(())
                }
                Some(Event::Retrying { delay, .. }) => {
                    board.set(id, &listed.name, LinkState::Retrying, Some(delay), None);
                    Ok(())
                }
                Some(Event::Error { code, message, .. }) => {
                    tracing::warn!(pipeline = %id, ?code, %message, "sync-to: the team server reported an error");
                    Ok(())
                }
                Some(_) => Ok(()),
            },
            changed = changes.changed() => match changed {
                Ok(()) => link.push_up(&ctx.state, &client).await,
                Err(_) => break Err(ReplicaError::Doc("the local document was dropped".into())),
            },
            note = link.notes_rx.recv() => {
                if let Some(ConnNote::Failed(e)) = note {
                    // Retried by the next tick: the local document is reloaded from the store, which lacks it.
                    tracing::warn!(pipeline = %id, error = %e, "sync-to: could not store the team server's changes");
                }
                Ok(())
            }
            _ = tick.tick() => async {
                link.pull_down(&ctx.state).await?;
                link.push_up(&ctx.state, &client).await
            }.await,
            _ = shutdown.changed() => break Ok(End::Shutdown),
        };
        if let Err(e) = step {
            tracing::warn!(pipeline = %id, error = %e, "sync-to: transfer failed (retried)");
        }
        let pending = pending_ops(&link.bridge.oplog_vv(), &client.server_version());
        if connected {
            board.progress(id, pending);
        } else {
            board.pending(id, pending);
        }
    };
    client.close().await;
    result
}

/// The bridge document and the local side's handles.
struct Bridge {
    bridge: LoroDoc,
    entry: Arc<DocEntry>,
    conn: u64,
    seq: u32,
    notes: mpsc::UnboundedSender<ConnNote>,
    notes_rx: mpsc::UnboundedReceiver<ConnNote>,
}

impl Bridge {
    fn new(state: &AppState, id: PipelineId, bridge: LoroDoc) -> Bridge {
        let (notes, notes_rx) = mpsc::unbounded_channel();
        Bridge { bridge, entry: state.docs.entry(id), conn: crate::sync::conn::next_conn_id(), seq: 0, notes, notes_rx }
    }

    /// What the local document lacks of the bridge (the team server's changes), applied like a replica
    /// connection's update.
    async fn pull_down(&mut self, state: &AppState) -> Result<(), ReplicaError> {
        let local_vv =
            state.docs.with_doc(&self.entry, PipelineDoc::version).await.map_err(|e| ReplicaError::Doc(e.message))?;
        if local_vv.includes_vv(&self.bridge.oplog_vv()) {
            return Ok(());
        }
        let update =
            self.bridge.export(ExportMode::updates(&local_vv)).map_err(|e| ReplicaError::Doc(e.to_string()))?;
        self.seq = self.seq.wrapping_add(1);
        let origin =
            Origin::Conn { conn: self.conn, seq: self.seq, notes: self.notes.clone(), received: Instant::now() };
        match state.docs.apply_update(&self.entry, update, None, origin, UpdateRules::Replica).await {
            Ok(()) => Ok(()),
            Err(ApplyError::Invalid(e)) => Err(ReplicaError::Refused(e)),
            Err(ApplyError::Internal(e)) => Err(ReplicaError::Doc(e)),
        }
    }

    /// What the bridge lacks of the local document (this node's changes), imported and pushed upstream.
    async fn push_up(&mut self, state: &AppState, client: &SyncClient) -> Result<(), ReplicaError> {
        let bridge_vv = self.bridge.oplog_vv();
        let update = state
            .docs
            .with_doc(&self.entry, |d| {
                (!bridge_vv.includes_vv(&d.version())).then(|| d.export_updates_since(&bridge_vv))
            })
            .await
            .map_err(|e| ReplicaError::Doc(e.message))?;
        let Some(update) = update else { return Ok(()) };
        let update = update.map_err(|e| ReplicaError::Doc(e.to_string()))?;
        self.bridge.import_with(&update, LOCAL_ORIGIN).map_err(|e| ReplicaError::Doc(e.to_string()))?;
        match client.push().await {
            // Offline: the change stays in the bridge and goes out after the reconnect.
            Ok(_) | Err(ClientError::NotConnected) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_counts_operations_the_server_lacks() {
        let a = LoroDoc::new();
        a.set_peer_id(1).expect("peer");
        a.get_map("data").insert("x", 1).expect("insert");
        a.get_map("data").insert("y", 2).expect("insert");
        a.commit();
        let held = a.oplog_vv();
        a.get_map("data").insert("z", 3).expect("insert");
        a.commit();
        assert_eq!(pending_ops(&a.oplog_vv(), &held), 1);
        assert_eq!(pending_ops(&a.oplog_vv(), &VersionVector::default()), 3);
        assert_eq!(pending_ops(&held, &a.oplog_vv()), 0, "the server holding more is nothing pending");
    }
}
