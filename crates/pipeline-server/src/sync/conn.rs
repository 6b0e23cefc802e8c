//! `GET /api/pipelines/{id}/sync`: authenticate, check the role, upgrade, then run one connection of the sync
//! protocol (docs/protocol.md) until it closes. One task per connection: it reads the client's frames, and
//! writes what the room, the writer (acks) and the shutdown signal send it. A connection that cannot keep up
//! only delays itself (the room's queue drops its backlog and it is resynced).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use loro::awareness::EphemeralStore;
use loro::{LoroValue, VersionVector};
use pipeline_store::{PipelineId, Role, TeamId, User};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::app::{AccessChange, AppState};
use crate::auth::permissions::{Deleted, require_pipeline};
use crate::auth::session::{Via, bearer_secret};
use crate::auth::{Auth, MaybeAuth};
use crate::docs::UpdateRules;
use crate::docs::room::{Outgoing, PRESENCE_TIMEOUT_MS};
use crate::docs::writer::{ConnNote, Origin};
use crate::docs::{ApplyError, DocEntry, view};
use crate::error::ApiError;
use crate::extract::Qs;
use crate::metrics::Metrics;
use crate::sync::protocol::{
    ClientMsg, ConnRole, DEFLATE_FROM, ErrorCode, FLAG_DEFLATE, FLAG_REPLICA, FLAG_TREE, FLAG_VIEWS, MAX_FRAME_BYTES,
    PROTOCOL_VERSION, PresenceUser, ServerMsg, ServerText, WelcomeInfo, deflate_welcome, encode_remote_presence,
    known_flags,
};
use crate::sync::upgrade::{FRAGMENT, Socket, Upgrade, binary_frames};

/// How long a client has to send `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// The close code when the user's role in the pipeline's team changed or they left it (docs/protocol.md).
pub const CLOSE_ACCESS_CHANGED: u16 = 4003;
/// A socket write that takes longer than this means the client is gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection waits for the client's close reply.
const CLOSE_DRAIN: Duration = Duration::from_secs(2);
/// On shutdown, how long to wait for in-flight writes before closing anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// What `shutdown` tells clients to wait before reconnecting.
const RETRY_AFTER_MS: u64 = 500;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// A connection id no sync connection of this node has (for in-process peers such as the replicator, whose
/// updates the room must not echo back to them).
pub fn next_conn_id() -> u64 {
    NEXT_CONN.fetch_add(1, Ordering::Relaxed)
}

const COLOURS: [&str; 12] = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46a0a0", "#f032e6", "#808000", "#9a6324", "#800000",
    "#000075", "#a9a9a9",
];

/// A stable colour per user.
fn colour_of(user: &User) -> String {
    let n = user.id.0.as_u128();
    COLOURS[(n % COLOURS.len() as u128) as usize].to_owned()
}

#[derive(Deserialize, Default)]
pub struct SyncQuery {
    pub token: Option<String>,
    /// The client's `hello` in the URL (its flags; the version is empty): the server answers as soon as the
    /// socket is open, without waiting for a first message (a browser page's early socket, whose page is
    /// busy starting up when the socket opens).
    pub hello: Option<u8>,
}

pub async fn handler(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    Qs(q): Qs<SyncQuery>,
    headers: HeaderMap,
    auth: MaybeAuth,
    ws: Result<Upgrade, ApiError>,
) -> Result<Response, ApiError> {
    if let Some(flags) = q.hello {
        known_flags(flags).map_err(|e| ApiError::bad_request(format!("hello: {e}")))?;
    }
    let (auth, credential) = match (auth.0, q.token) {
        (Some(a), _) => {
            let credential = match &a.via {
                Via::Session { token, .. } => Credential::Session(token.clone()),
                // MaybeAuth took it from the Authorization header.
                Via::Token => {
                    Credential::ApiToken(bearer_secret(&headers).ok_or_else(ApiError::unauthorized)?.to_owned())
                }
            };
            (a, credential)
        }
        (None, Some(secret)) => {
            let token = state.store.authenticate_api_token(&secret).await?.ok_or_else(ApiError::unauthorized)?;
            (Auth { user: state.store.get_user(token.user).await?, via: Via::Token }, Credential::ApiToken(secret))
        }
        (None, None) => return Err(ApiError::unauthorized()),
    };
    if matches!(auth.via, Via::Session { .. }) {
        check_origin(&headers)?;
    }
    let pipeline = require_pipeline(&state, &auth, &raw_id, Role::Viewer, Deleted::Hidden).await?;
    let role = state.store.role(pipeline.team, auth.user.id).await?.ok_or_else(|| ApiError::not_found("pipeline"))?;
    let editor = role.at_least(Role::Member);
    let ws = ws?;
    let user = auth.user;
    let id = pipeline.id;
    let team = pipeline.team;
    // The socket takes up to twice the limit so that a frame a little over it gets a `too_large` answer;
    // beyond that the connection is dropped while reading.
    let access = Access { team, user, editor, credential };
    let hello = q.hello;
    Ok(ws.on_upgrade(2 * MAX_FRAME_BYTES, move |socket| run(state, socket, id, access, hello)))
}

/// What a connection was authorised with, checked again every `Config::access_recheck`.
enum Credential {
    /// The session cookie's secret.
    Session(String),
    /// An API token's secret (Bearer header or `?token=`).
    ApiToken(String),
}

/// Who a connection is for and what it may do.
struct Access {
    team: TeamId,
    user: User,
    editor: bool,
    credential: Credential,
}

/// A cookie-authenticated socket must come from a page of this server: browsers send cookies with WebSockets
/// opened by any site, and `SameSite` does not cover every case (same-site subdomains).
fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    let origin_host = origin.and_then(|o| o.split_once("://")).map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        // No Origin: not a browser, so not a cross-site request.
        (None, _) if origin.is_none() => Ok(()),
        _ => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "cross-origin WebSocket with a session cookie")),
    }
}

type Sink = SplitSink<Socket, Message>;

/// Why a connection ends.
enum End {
    /// The client closed or went away.
    Gone,
    /// Close with this code (after any message already sent).
    Close(u16, &'static str),
}

struct Conn {
    state: AppState,
    entry: Arc<DocEntry>,
    id: u64,
    team: TeamId,
    user: User,
    editor: bool,
    credential: Credential,
    views: bool,
    /// `hello` said the client relays another server's replica: its updates may change the base text.
    replica: bool,
    /// `hello` asked for the steps tree as JSON in the welcome (flag `tree`).
    tree: bool,
    /// `hello` flag `deflate`: a large welcome goes compressed.
    deflate: bool,
    key: String,
    presence_user: PresenceUser,
    client_vv: VersionVector,
    notes: mpsc::UnboundedSender<ConnNote>,
    inflight: usize,
    sink: Sink,
}

async fn run(state: AppState, socket: Socket, pipeline: PipelineId, access: Access, url_hello: Option<u8>) {
    let Access { team, user, editor, credential } = access;
    let metrics = state.metrics.clone();
    metrics.connections.inc();
    let (sink, mut stream) = socket.split();
    let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let span = tracing::debug_span!("sync", conn = id, pipeline = %pipeline, user = %user.id);
    let _ = tracing::Instrument::instrument(
        async move {
            let (notes, notes_rx) = mpsc::unbounded_channel();
            let entry = state.docs.entry(pipeline);
            let presence_user =
                PresenceUser { id: user.id.to_string(), name: user.name.clone(), colour: colour_of(&user) };
            let key = format!("{}:{id}", user.id);
            let mut conn = Conn {
                state: state.clone(),
                entry,
                id,
                team,
                user,
                editor,
                credential,
                views: false,
                replica: false,
                tree: false,
                deflate: false,
                key,
                presence_user,
                client_vv: VersionVector::default(),
                notes,
                inflight: 0,
                sink,
            };
            let end = conn.session(&mut stream, notes_rx, url_hello).await;
            if let End::Close(code, reason) = end {
                let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                let _ = tokio::time::timeout(SEND_TIMEOUT, conn.sink.send(Message::Close(Some(frame)))).await;
                // The closing handshake: what the client still sends is read (and dropped) until its close
                // reply. Closed with unread data, the socket would be reset by the kernel, and the client could
                // lose our close frame and its code (it would then reconnect instead of showing the refusal).
                let drain = async {
                    while let Some(Ok(m)) = stream.next().await {
                        if m.is_close() {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(CLOSE_DRAIN, drain).await;
            }
        },
        span,
    )
    .await;
    metrics.connections.dec();
}

impl Conn {
    fn metrics(&self) -> &Metrics {
        &self.state.metrics
    }

    /// Sends one message, a large binary one as fragments (see `upgrade`), each written out before the next.
    async fn send(&mut self, msg: Message, kind: &'static str) -> Result<(), End> {
        match msg {
            Message::Binary(data) if data.len() > FRAGMENT => {
                for frame in binary_frames(data) {
                    self.send_frame(frame).await?;
                }
            }
            msg => self.send_frame(msg).await?,
        }
        self.metrics().sent.get_or_create(&Metrics::kind(kind)).inc();
        Ok(())
    }

    async fn send_frame(&mut self, msg: Message) -> Result<(), End> {
        match tokio::time::timeout(SEND_TIMEOUT, self.sink.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(End::Gone),
        }
    }

    async fn error(&mut self, code: ErrorCode, message: impl Into<String>, seq: Option<u32>) -> Result<(), End> {
        let label = match code {
            ErrorCode::BadFrame => "bad_frame",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::InvalidUpdate => "invalid_update",
            ErrorCode::BadPresence => "bad_presence",
            ErrorCode::Internal => "internal",
        };
        self.metrics().errors.get_or_create(&Metrics::kind(label)).inc();
        let text = ServerText::error(code, message, seq).to_json();
        self.send(Message::Text(text.into()), "error").await
    }

    /// Sends an error and ends with a close code.
    async fn fail(&mut self, code: ErrorCode, message: impl Into<String>, close: u16) -> End {
        let reason = match close {
            1009 => "too large",
            1011 => "internal error",
            _ => "protocol error",
        };
        match self.error(code, message, None).await {
            Ok(()) => End::Close(close, reason),
            Err(end) => end,
        }
    }

    async fn session(
        &mut self,
        stream: &mut futures_util::stream::SplitStream<Socket>,
        mut notes_rx: mpsc::UnboundedReceiver<ConnNote>,
        url_hello: Option<u8>,
    ) -> End {
        let hello = match url_hello {
            Some(flags) => Ok(ClientMsg::Hello { flags, version: Vec::new() }),
            None => match tokio::time::timeout(HELLO_TIMEOUT, stream.next()).await {
                Ok(Some(Ok(Message::Binary(b)))) => ClientMsg::decode(&b),
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return End::Gone,
                Ok(Some(Ok(_))) => {
                    return self.fail(ErrorCode::BadFrame, "the first message must be a binary hello", 1008).await;
                }
                Err(_) => return self.fail(ErrorCode::BadFrame, "no hello within 10 seconds", 1008).await,
            },
        };
        let (flags, version) = match hello {
            Ok(ClientMsg::Hello { flags, version }) => (flags, version),
            Ok(_) => return self.fail(ErrorCode::BadFrame, "the first message must be hello", 1008).await,
            Err(e) => return self.fail(ErrorCode::BadFrame, e.to_string(), 1008).await,
        };
        self.metrics().received.get_or_create(&Metrics::kind("hello")).inc();
        if !version.is_empty() {
            match VersionVector::decode(&version) {
                Ok(vv) => self.client_vv = vv,
                Err(e) => return self.fail(ErrorCode::BadFrame, format!("hello: bad version vector: {e}"), 1008).await,
            }
        }
        self.views = flags & FLAG_VIEWS != 0;
        self.replica = flags & FLAG_REPLICA != 0;
        self.tree = flags & FLAG_TREE != 0;
        self.deflate = flags & FLAG_DEFLATE != 0;

        self.entry.room.join(self.views);
        if self.entry.room.connections() == 1 {
            self.metrics().rooms.inc();
        }
        let end = self.joined(stream, &mut notes_rx).await;
        self.entry.room.leave(self.views);
        if self.entry.room.connections() == 0 {
            self.metrics().rooms.dec();
        }
        if self.entry.room.presence.get(&self.key).is_some() {
            self.entry.room.clear_presence(&self.key);
        }
        end
    }

    async fn joined(
        &mut self,
        stream: &mut futures_util::stream::SplitStream<Socket>,
        notes_rx: &mut mpsc::UnboundedReceiver<ConnNote>,
    ) -> End {
        // Subscribe under the document's lock, together with the export: every update is then either in the
        // welcome or arrives through the room (or both: importing twice is harmless).
        let entry = self.entry.clone();
        let client_vv = self.client_vv.clone();
        let wants_tree = self.tree && client_vv.is_empty();
        let joined = self
            .state
            .docs
            .with_doc(&entry, |d| {
                let rx = entry.room.subscribe();
                // A new replica gets a snapshot: it imports faster and decodes its state lazily.
                let update =
                    if client_vv.is_empty() { d.export_snapshot() } else { d.export_updates_since(&client_vv) };
                // The tree at the same version as the snapshot, so the client can tell it holds exactly that.
                let tree = if wants_tree { entry.tree_json(d) } else { None };
                update.map(|update| (rx, update, d.version(), tree))
            })
            .await;
        let (mut rx, update, server_vv, tree) = match joined {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => return self.fail(ErrorCode::Internal, e.to_string(), 1011).await,
            Err(e) => return self.fail(ErrorCode::Internal, e.to_string(), 1011).await,
        };
        let version = server_vv.encode();
        // Once it has imported the welcome the client holds everything up to `server_vv`: a resync need only
        // send what came after (not the whole document again, which for a fresh client would be all of it).
        self.client_vv = server_vv;
        let info = WelcomeInfo {
            protocol: PROTOCOL_VERSION,
            pipeline: self.entry.id.to_string(),
            role: if self.editor { ConnRole::Editor } else { ConnRole::ReadOnly },
            client_key: self.key.clone(),
            user: self.presence_user.clone(),
            tree,
        };
        let mut welcome = ServerMsg::Welcome { info, version, update }.encode();
        if self.deflate && welcome.len() >= DEFLATE_FROM {
            // A few ms for a large document: off the runtime's threads.
            welcome = match tokio::task::spawn_blocking(move || deflate_welcome(&welcome)).await {
                Ok(z) => z,
                Err(e) => return self.fail(ErrorCode::Internal, e.to_string(), 1011).await,
            };
        }
        if let Err(end) = self.send(Message::Binary(welcome.into()), "welcome").await {
            return end;
        }
        let everyone = self.entry.room.presence.encode_all();
        if let Err(end) = self.send(Message::Binary(encode_remote_presence(&everyone).into()), "presence").await {
            return end;
        }
        if self.views {
            match view::latest(&self.entry) {
                Some(text) => {
                    if let Err(end) = self.send(Message::Text(text.as_ref().into()), "view").await {
                        return end;
                    }
                }
                None => view::schedule(&self.entry),
            }
        }

        let mut shutdown = self.state.shutdown.subscribe();
        let mut access = self.state.memberships.subscribe();
        // (A zero period would make `interval_at` panic.)
        let every = self.state.config.access_recheck.max(Duration::from_millis(10));
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut closing = *shutdown.borrow();
        let mut drain_deadline: Option<tokio::time::Instant> = None;
        if closing {
            return match self.begin_close(&mut drain_deadline).await {
                Ok(()) => End::Close(1012, "server restarting"),
                Err(end) => end,
            };
        }
        loop {
            if closing && self.inflight == 0 {
                return End::Close(1012, "server restarting");
            }
            let deadline = drain_deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            let step = tokio::select! {
                biased;
                note = notes_rx.recv() => self.on_note(note).await,
                out = rx.recv() => self.on_outgoing(out).await,
                msg = stream.next(), if !closing => self.on_message(msg).await,
                changed = shutdown.changed(), if !closing => {
                    if changed.is_ok() && *shutdown.borrow() {
                        closing = true;
                        self.begin_close(&mut drain_deadline).await
                    } else {
                        Ok(())
                    }
                }
                change = access.recv() => match change {
                    // The role changed or the member left: the reconnect is authorised again (read-only, or
                    // refused). Missed notices (lagged) might have been this one.
                    Ok(AccessChange::Member(team, user)) if team == self.team && user == self.user.id => {
                        Err(End::Close(CLOSE_ACCESS_CHANGED, "access changed"))
                    }
                    Ok(AccessChange::Credentials(user)) if user == self.user.id => self.recheck_access().await,
                    Ok(AccessChange::Unknown) => self.recheck_access().await,
                    Err(broadcast::error::RecvError::Lagged(_)) => Err(End::Close(CLOSE_ACCESS_CHANGED, "access changed")),
                    _ => Ok(()),
                },
                _ = recheck.tick() => self.recheck_access().await,
                () = tokio::time::sleep_until(deadline), if drain_deadline.is_some() => {
                    Err(End::Close(1012, "server restarting"))
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// Checks the connection's authorisation again (periodically, and when access changes may have been missed):
    /// closes it if the session or API token is no longer valid (signed out, revoked, expired) or the user's role
    /// no longer gives the access it was opened with, or if either cannot be read.
    async fn recheck_access(&self) -> Result<(), End> {
        let store = &self.state.store;
        let holder = match &self.credential {
            Credential::Session(secret) => store.session(secret).await.map(|s| s.map(|s| s.user)),
            Credential::ApiToken(secret) => store.authenticate_api_token(secret).await.map(|t| t.map(|t| t.user)),
        };
        let role = match holder {
            Ok(Some(user)) if user == self.user.id => store.role(self.team, self.user.id).await,
            Ok(_) => return Err(End::Close(CLOSE_ACCESS_CHANGED, "signed out")),
            Err(e) => Err(e),
        };
        match role {
            Ok(Some(role)) if role.at_least(Role::Member) == self.editor => Ok(()),
            Ok(_) => Err(End::Close(CLOSE_ACCESS_CHANGED, "access changed")),
            Err(e) => {
                tracing::warn!(error = %e, "checking access again failed; closing");
                Err(End::Close(CLOSE_ACCESS_CHANGED, "access changed"))
            }
        }
    }

    /// Tells the client the node is stopping; the loop then waits for in-flight acks.
    async fn begin_close(&mut self, deadline: &mut Option<tokio::time::Instant>) -> Result<(), End> {
        *deadline = Some(tokio::time::Instant::now() + DRAIN_TIMEOUT);
        let text = ServerText::Shutdown { message: "the server is restarting".into(), retry_after_ms: RETRY_AFTER_MS };
        self.send(Message::Text(text.to_json().into()), "shutdown").await
    }

    async fn on_note(&mut self, note: Option<ConnNote>) -> Result<(), End> {
        match note {
            Some(ConnNote::Acked(seq)) => {
                self.inflight = self.inflight.saturating_sub(1);
                self.send(Message::Binary(ServerMsg::Ack { seq }.encode().into()), "ack").await
            }
            Some(ConnNote::Failed(msg)) => {
                tracing::warn!(error = %msg, "an update could not be stored");
                Err(self.fail(ErrorCode::Internal, "the update could not be stored; reconnect", 1011).await)
            }
            None => Ok(()),
        }
    }

    async fn on_outgoing(&mut self, out: Result<Outgoing, broadcast::error::RecvError>) -> Result<(), End> {
        match out {
            Ok(Outgoing::Update { from, frame, published_at }) => {
                if from == Some(self.id) {
                    return Ok(());
                }
                self.send(Message::Binary(frame), "update").await?;
                Metrics::observe(&self.metrics().fanout, published_at.elapsed());
                Ok(())
            }
            Ok(Outgoing::Presence { from, frame }) => {
                if from == Some(self.id) {
                    return Ok(());
                }
                self.send(Message::Binary(frame), "presence").await
            }
            Ok(Outgoing::View(text)) => {
                if !self.views {
                    return Ok(());
                }
                self.send(Message::Text(text.as_ref().into()), "view").await
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                // Fell behind: send everything since the welcome or the last resync (the client may already
                // have some of it; importing what it has is a no-op). Later updates come through the room.
                self.metrics().resyncs.inc();
                let entry = self.entry.clone();
                let vv = self.client_vv.clone();
                match self.state.docs.with_doc(&entry, |d| d.export_updates_since(&vv).map(|u| (u, d.version()))).await
                {
                    Ok(Ok((update, now))) => {
                        self.client_vv = now;
                        let frame = ServerMsg::Update { update }.encode();
                        self.send(Message::Binary(frame.into()), "update").await
                    }
                    _ => Err(self.fail(ErrorCode::Internal, "could not resync", 1011).await),
                }
            }
            Err(broadcast::error::RecvError::Closed) => Err(End::Gone),
        }
    }

    async fn on_message(
        &mut self,
        msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<(), End> {
        let bytes = match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Err(End::Gone),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => return Ok(()),
            Some(Ok(Message::Text(_))) => {
                return Err(self.fail(ErrorCode::BadFrame, "clients send binary frames only", 1008).await);
            }
            Some(Ok(Message::Binary(b))) => b,
        };
        if bytes.len() > MAX_FRAME_BYTES {
            return Err(self.fail(ErrorCode::TooLarge, "frames are limited to 8 MiB", 1009).await);
        }
        match ClientMsg::decode(&bytes) {
            Err(e) => Err(self.fail(ErrorCode::BadFrame, e.to_string(), 1008).await),
            Ok(ClientMsg::Hello { .. }) => Err(self.fail(ErrorCode::BadFrame, "hello was already sent", 1008).await),
            Ok(ClientMsg::Update { seq, update }) => self.on_update(seq, update).await,
            Ok(ClientMsg::Presence { state }) => self.on_presence(&state).await,
        }
    }

    async fn on_update(&mut self, seq: u32, update: Vec<u8>) -> Result<(), End> {
        self.metrics().received.get_or_create(&Metrics::kind("update")).inc();
        if !self.editor {
            return self.error(ErrorCode::ReadOnly, "you can read this pipeline but not edit it", Some(seq)).await;
        }
        let origin = Origin::Conn { conn: self.id, seq, notes: self.notes.clone(), received: Instant::now() };
        self.inflight += 1;
        let entry = self.entry.clone();
        let rules = if self.replica { UpdateRules::Replica } else { UpdateRules::Client };
        match self.state.docs.apply_update(&entry, update, Some(self.user.id), origin, rules).await {
            Ok(()) => Ok(()),
            Err(ApplyError::Invalid(msg)) => {
                self.inflight -= 1;
                self.error(ErrorCode::InvalidUpdate, msg, Some(seq)).await?;
                Err(End::Close(1008, "invalid update"))
            }
            Err(ApplyError::Internal(msg)) => {
                self.inflight -= 1;
                tracing::warn!(error = %msg, "could not apply an update");
                Err(self.fail(ErrorCode::Internal, "the server could not take the update; reconnect", 1011).await)
            }
        }
    }

    /// Takes the client's own presence entry if it is its own and names its own user, with the server's clock
    /// (so an entry expires on the server's time, whatever the client's clock says).
    async fn on_presence(&mut self, state: &[u8]) -> Result<(), End> {
        self.metrics().received.get_or_create(&Metrics::kind("presence")).inc();
        let scratch = EphemeralStore::new(PRESENCE_TIMEOUT_MS);
        if let Err(e) = scratch.apply(state) {
            return self.error(ErrorCode::BadPresence, format!("presence does not decode: {e}"), None).await;
        }
        let keys = scratch.keys();
        if keys.iter().any(|k| *k != self.key) {
            return self.error(ErrorCode::BadPresence, "presence may only set the connection's own key", None).await;
        }
        let Some(value) = scratch.get(&self.key) else { return Ok(()) };
        if !self.names_own_user(&value) {
            return self
                .error(ErrorCode::BadPresence, "presence must carry the user, name and colour from welcome", None)
                .await;
        }
        self.entry.room.presence.set(&self.key, value);
        let frame = encode_remote_presence(&self.entry.room.presence.encode(&self.key));
        self.entry.room.publish(Outgoing::Presence { from: Some(self.id), frame: frame.into() });
        Ok(())
    }

    fn names_own_user(&self, value: &LoroValue) -> bool {
        let LoroValue::Map(map) = value else { return false };
        let is = |k: &str, want: &str| matches!(map.get(k), Some(LoroValue::String(s)) if s.as_str() == want);
        is("user", &self.presence_user.id)
            && is("name", &self.presence_user.name)
            && is("colour", &self.presence_user.colour)
    }
}
