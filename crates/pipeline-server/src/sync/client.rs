//! A complete client of the sync protocol (docs/protocol.md), used by the integration tests and by
//! `pipeline-editor loadtest`.
//!
//! [`SyncClient::connect`] opens the socket, sends `hello` with the replica's version, imports `welcome` and
//! sends what the server lacks, then hands the socket to a background task. That task imports others'
//! updates into the replica as they arrive, keeps the presence store, and (with
//! [`ClientOptions::auto_reconnect`]) reconnects with backoff after the connection is lost, re-sending every
//! change the server does not have, acked or not. The caller edits the replica ([`SyncClient::doc`]) and
//! calls [`SyncClient::push`] to send its changes; [`SyncClient::wait_acked`] waits until they are durable.
//!
//! Changes larger than a frame allows go as several updates (`super::split`). `wss://` URLs connect with TLS
//! (`super::tls`: the configuration given in [`ClientOptions::tls`], else the system's roots).
//!
//! One task per connection and no thread: thousands of clients share one tokio runtime.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pipeline_doc::loro::awareness::EphemeralStore;
use pipeline_doc::loro::{ImportStatus, LoroDoc, LoroValue, VersionVector};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
/// Re-exported so that callers of [`SyncClient::send_raw`] use the same `Message` type.
pub use tokio_tungstenite::tungstenite;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use tungstenite::Message;
use tungstenite::client::IntoClientRequest;
use tungstenite::http::{HeaderValue, header};
use tungstenite::protocol::WebSocketConfig;

use super::protocol::{ClientMsg, ErrorCode, MAX_UPDATE_BYTES, ServerMsg, ServerText, WelcomeInfo};
use super::split::{SplitError, split_updates};
use super::tls::{self, TlsFailure};

/// Presence entries expire after this long without a refresh (protocol.md: the store's timeout).
const PRESENCE_TIMEOUT_MS: i64 = 30_000;
/// A client refreshes its own presence this often while it has one.
const PRESENCE_REFRESH: Duration = Duration::from_secs(10);
/// Connecting, upgrading and receiving `welcome` together may take this long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Closing politely (close frame, then the server's answer) may take this long before the socket is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Events the caller has not read yet; past this, new ones are dropped (and counted) rather than queued
/// without bound for a caller that never reads them. The replica and the ack state never depend on events.
const EVENT_QUEUE: usize = 1024;
/// First reconnect delay; it doubles per failed attempt up to [`BACKOFF_MAX`].
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// Origin given to imports of the server's bytes, so that subscribers can tell them from local commits.
pub const REMOTE_ORIGIN: &str = "sync";

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How the client authenticates (protocol.md, "Connecting").
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `Authorization: Bearer <api token>`.
    Bearer(String),
    /// `?token=<api token>` in the URL, as a browser's `WebSocket` does it.
    QueryToken(String),
    /// The `pe_session` cookie's value; the client then sends an `Origin` naming the server itself.
    Cookie(String),
    /// No credentials (the server answers 401).
    None,
}

/// Connection options.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// `hello.flags` (e.g. [`super::protocol::FLAG_VIEWS`]); sent as given, so tests can send bad flags.
    pub flags: u8,
    /// Reconnect after a lost connection: 0.5 s doubling to 10 s, ±50 % jitter (or the `retry_after_ms` of a
    /// `shutdown`). A connection closed for a protocol error (1008, 1009) or refused with 401/403/404 on
    /// reconnect is not retried: the same bytes or credentials would fail again.
    pub auto_reconnect: bool,
    /// TLS for `wss://` URLs (see [`super::tls::client_config`]); without it, the system's root certificates.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// What happened on the connection, in order. Read with [`SyncClient::next_event`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The update with this `seq` (and all earlier ones) is durable.
    Ack(u32),
    /// Others' changes were imported into the replica.
    RemoteUpdate { bytes: usize },
    /// Presence bytes were applied to the presence store (see [`SyncClient::presence_states`]).
    Presence(Vec<u8>),
    /// The exported YAML and its diagnostics (only with [`super::protocol::FLAG_VIEWS`]).
    View { version: u64, yaml: String, diagnostics: Vec<crate::types::DiagnosticBody> },
    /// The server's `error` message.
    Error { code: ErrorCode, message: String, seq: Option<u32> },
    /// The server is stopping; the client reconnects after `retry_after_ms` if it reconnects at all.
    Shutdown { message: String, retry_after_ms: u64 },
    /// The connection was lost or closed by the server (`code` is the close code when there was one).
    Disconnected { code: Option<u16>, reason: String },
    /// A new connection is up: `welcome` imported and the server's missing changes sent.
    Reconnected,
    /// The connection is down; the next attempt is in `delay` (`attempt` counts from 1).
    Retrying { attempt: u32, delay: Duration },
    /// The server sent something this client could not decode or import; the connection stays.
    Invalid(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("bad URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    /// The server answered the upgrade request with an HTTP error (401, 404, 400…).
    #[error("the server refused the connection: HTTP {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("WebSocket error: {0}")]
    WebSocket(Box<tungstenite::Error>),
    /// TLS with the server failed: its certificate was refused, or the handshake failed.
    #[error("TLS: {0}")]
    Tls(TlsFailure),
    /// No TLS configuration could be built for a `wss://` URL.
    #[error("TLS setup: {0}")]
    TlsConfig(String),
    /// The changes to send could not be cut into updates that fit in a frame.
    #[error("cannot send the changes: {0}")]
    Split(#[from] SplitError),
    /// The server broke the protocol (no `welcome` first, undecodable frame during the handshake…).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server's `error` message (during the handshake, or for a refused update in `wait_acked`).
    #[error("server error {code:?}: {message}")]
    Server { code: ErrorCode, message: String, seq: Option<u32> },
    /// Importing or exporting the replica failed.
    #[error("document error: {0}")]
    Doc(String),
    #[error("presence must be a map, got {0}")]
    BadPresence(String),
    #[error("timed out")]
    Timeout,
    /// The connection is down and the client is reconnecting; local changes stay in the replica and are sent
    /// after the reconnect.
    #[error("not connected")]
    NotConnected,
    /// The client was closed, or gave up reconnecting.
    #[error("the client is closed")]
    Closed,
}

impl From<tungstenite::Error> for ClientError {
    fn from(e: tungstenite::Error) -> Self {
        match e {
            tungstenite::Error::Http(resp) => {
                let body = resp.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default().into_owned();
                ClientError::Refused { status: resp.status().as_u16(), body }
            }
            e => match tls::failure(&e) {
                Some(failure) => ClientError::Tls(failure),
                None => ClientError::WebSocket(Box::new(e)),
            },
        }
    }
}

/// The reconnect delay before attempt `attempt` (0-based): 0.5 s doubling to at most 10 s, times a factor
/// between 0.5 and 1.5 taken from `jitter` (in `[0, 1)`), so that clients dropped together do not come back
/// together.
pub fn backoff_delay(attempt: u32, jitter: f64) -> Duration {
    let base = BACKOFF_FIRST.as_secs_f64() * 2f64.powi(attempt.min(16) as i32);
    let base = base.min(BACKOFF_MAX.as_secs_f64());
    Duration::from_secs_f64(base * (0.5 + jitter.clamp(0.0, 1.0)))
}

/// After a `shutdown`: its `retry_after_ms` plus up to 50 % jitter.
fn shutdown_delay(retry_after: Duration, jitter: f64) -> Duration {
    retry_after.mul_f64(1.0 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Acks as [`SyncClient::wait_acked`] sees them.
#[derive(Debug, Default)]
struct AckState {
    /// Every seq up to this one is durable.
    acked: u32,
    /// Updates the server refused (`read_only`, `invalid_update`), by seq.
    refused: BTreeMap<u32, (ErrorCode, String)>,
    /// The background task has ended: nothing more will be acked.
    closed: bool,
}

/// State shared by the handle and the background task.
struct Shared {
    info: Mutex<WelcomeInfo>,
    presence: EphemeralStore,
    acks: watch::Sender<AckState>,
    /// What the server is known to hold durably: its `welcome` version, what it sent, and acked updates.
    durable: Mutex<VersionVector>,
    dropped_events: AtomicU64,
}

impl Shared {
    fn info(&self) -> MutexGuard<'_, WelcomeInfo> {
        // The lock only guards a plain value; a panic elsewhere cannot leave it half-written.
        self.info.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn durable(&self) -> MutexGuard<'_, VersionVector> {
        self.durable.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

enum Cmd {
    Push(oneshot::Sender<Result<Option<u32>, ClientError>>),
    Presence(LoroValue, oneshot::Sender<Result<(), ClientError>>),
    Raw(Message, oneshot::Sender<Result<(), ClientError>>),
    Close,
}

/// A connected client. Dropping it closes the connection (in the background); [`Self::close`] waits for it.
pub struct SyncClient {
    doc: LoroDoc,
    shared: Arc<Shared>,
    cmds: mpsc::UnboundedSender<Cmd>,
    events: mpsc::Receiver<Event>,
    task: JoinHandle<()>,
}

impl SyncClient {
    /// Connects to `url` (`ws://HOST:PORT/api/pipelines/{id}/sync`) with `doc` as the local replica (a
    /// reference clone: the caller's `LoroDoc` is the same document). `doc` may hold changes made offline.
    /// Resolves once `welcome` is imported and the changes the server lacks have been sent (as update 1).
    /// The first connection is not retried: its error is returned.
    pub async fn connect(
        url: &str,
        auth: ClientAuth,
        doc: LoroDoc,
        opts: ClientOptions,
    ) -> Result<SyncClient, ClientError> {
        let (mut ws, info, server_vv) = open(url, &auth, &opts, &doc).await?;
        let (acks, _) = watch::channel(AckState::default());
        let shared = Arc::new(Shared {
            info: Mutex::new(info.clone()),
            presence: EphemeralStore::new(PRESENCE_TIMEOUT_MS),
            acks,
            durable: Mutex::new(VersionVector::default()),
            dropped_events: AtomicU64::new(0),
        });
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::channel(EVENT_QUEUE);
        let mut worker = Worker {
            url: url.to_owned(),
            auth,
            opts,
            doc: doc.clone(),
            shared: shared.clone(),
            events: ev_tx,
            cmds: cmd_rx,
            last_seq: 0,
            server_has: VersionVector::default(),
            sent: BTreeMap::new(),
            own_presence: None,
        };
        worker.after_welcome(&mut ws, info, server_vv).await?;
        let task = tokio::spawn(worker.run(ws));
        Ok(SyncClient { doc, shared, cmds: cmd_tx, events: ev_rx, task })
    }

    /// The local replica. Edit it, then [`Self::push`].
    pub fn doc(&self) -> &LoroDoc {
        &self.doc
    }

    /// The latest `welcome`'s info (it changes on reconnect: a new `client_key`).
    pub fn info(&self) -> WelcomeInfo {
        self.shared.info().clone()
    }

    /// Commits pending local changes and sends everything the server has not been sent yet as one `update`.
    /// Returns its seq, or `None` when there was nothing to send. While reconnecting: `NotConnected` (the
    /// changes stay in the replica and go out after the reconnect).
    pub async fn push(&self) -> Result<Option<u32>, ClientError> {
        let (tx, rx) = oneshot::channel();
        self.cmds.send(Cmd::Push(tx)).map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Waits until the update `seq` is durable (acked directly, or covered by a later ack, or by a reconnect
    /// whose `welcome` showed the server already had it). Fails if the server refused it.
    pub async fn wait_acked(&self, seq: u32, timeout: Duration) -> Result<(), ClientError> {
        let mut rx = self.shared.acks.subscribe();
        let wait = async {
            loop {
                {
                    let state = rx.borrow_and_update();
                    if let Some((code, message)) = state.refused.get(&seq) {
                        return Err(ClientError::Server { code: *code, message: message.clone(), seq: Some(seq) });
                    }
                    if state.acked >= seq {
                        return Ok(());
                    }
                    if state.closed {
                        return Err(ClientError::Closed);
                    }
                }
                rx.changed().await.map_err(|_| ClientError::Closed)?;
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| ClientError::Timeout)?
    }

    /// The highest seq known durable.
    pub fn acked(&self) -> u32 {
        self.shared.acks.borrow().acked
    }

    /// What the server is known to hold durably: its latest `welcome` version, the updates it sent, and this
    /// client's acknowledged updates. The replica's changes beyond it are not yet safe on the server.
    pub fn server_version(&self) -> VersionVector {
        self.shared.durable().clone()
    }

    /// The next event, or `None` once the client has stopped and every event was read.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Events dropped because the caller did not read them fast enough (see [`Self::next_event`]).
    pub fn dropped_events(&self) -> u64 {
        self.shared.dropped_events.load(Ordering::Relaxed)
    }

    /// Sets this connection's presence: `value` must be a map (`cursor`, `selection`, `viewport`…); `user`,
    /// `name` and `colour` from `welcome` are merged in. It is refreshed every 10 s while the client runs and
    /// sent again after a reconnect (under the new `client_key`).
    pub async fn set_presence(&self, value: LoroValue) -> Result<(), ClientError> {
        if !matches!(value, LoroValue::Map(_)) {
            return Err(ClientError::BadPresence(format!("{value:?}")));
        }
        let (tx, rx) = oneshot::channel();
        self.cmds.send(Cmd::Presence(value, tx)).map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Everyone's presence by key (this connection's own included), without expired entries.
    pub fn presence_states(&self) -> HashMap<String, LoroValue> {
        self.shared.presence.remove_outdated();
        self.shared.presence.get_all_states().into_iter().collect()
    }

    /// Sends a frame as is: for tests of what the server does with malformed input.
    pub async fn send_raw(&self, frame: Message) -> Result<(), ClientError> {
        let (tx, rx) = oneshot::channel();
        self.cmds.send(Cmd::Raw(frame, tx)).map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Closes the connection (close code 1000) and waits for the background task to end.
    pub async fn close(self) {
        let _ = self.cmds.send(Cmd::Close);
        let _ = self.task.await;
    }
}

/// Connects, upgrades, sends `hello` and waits for `welcome`, whose update it imports into `doc`.
/// Returns the socket, the info and the server's version vector.
async fn open(
    url: &str,
    auth: &ClientAuth,
    opts: &ClientOptions,
    doc: &LoroDoc,
) -> Result<(Ws, WelcomeInfo, VersionVector), ClientError> {
    let flags = opts.flags;
    let request = request(url, auth)?;
    // Small read buffers: a load test holds a thousand of these; write buffer 0: every frame goes out now.
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(crate::sync::protocol::MAX_SERVER_MESSAGE_BYTES))
        .max_frame_size(Some(crate::sync::protocol::MAX_SERVER_MESSAGE_BYTES));
    let connector = match request.uri().scheme_str() {
        Some("wss") => Some(Connector::Rustls(match &opts.tls {
            Some(tls) => tls.clone(),
            None => system_tls()?,
        })),
        _ => None,
    };
    let handshake = async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, connector).await?;
        doc.commit();
        let hello = ClientMsg::Hello { flags, version: doc.oplog_vv().encode() };
        ws.send(Message::binary(hello.encode())).await?;
        let (info, version, update) = loop {
            match ws.next().await {
                None => return Err(ClientError::Protocol("connection closed before welcome".into())),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Binary(b))) => match ServerMsg::decode(&b) {
                    Ok(ServerMsg::Welcome { info, version, update }) => break (info, version, update),
                    Ok(other) => return Err(ClientError::Protocol(format!("expected welcome, got {}", name(&other)))),
                    Err(e) => return Err(ClientError::Protocol(format!("bad welcome: {e}"))),
                },
                Some(Ok(Message::Text(t))) => {
                    return Err(match serde_json::from_str::<ServerText>(&t) {
                        Ok(ServerText::Error { code, message, seq }) => ClientError::Server { code, message, seq },
                        _ => ClientError::Protocol(format!("expected welcome, got text {t}")),
                    });
                }
                Some(Ok(Message::Close(frame))) => {
                    let why = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason)).unwrap_or_default();
                    return Err(ClientError::Protocol(format!("closed before welcome: {why}")));
                }
                Some(Ok(_)) => {}
            }
        };
        if !update.is_empty() {
            doc.import_with(&update, REMOTE_ORIGIN).map_err(|e| ClientError::Doc(e.to_string()))?;
        }
        let server_vv = if version.is_empty() {
            VersionVector::default()
        } else {
            VersionVector::decode(&version).map_err(|e| ClientError::Protocol(format!("bad welcome version: {e}")))?
        };
        Ok((ws, info, server_vv))
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await.map_err(|_| ClientError::Timeout)?
}

/// The TLS configuration of `wss://` connections without one of their own: the system's roots, read once.
fn system_tls() -> Result<Arc<rustls::ClientConfig>, ClientError> {
    static SYSTEM: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    SYSTEM.get_or_init(|| tls::client_config(None).map_err(|e| e.to_string())).clone().map_err(ClientError::TlsConfig)
}

fn name(msg: &ServerMsg) -> &'static str {
    match msg {
        ServerMsg::Welcome { .. } => "welcome",
        ServerMsg::Ack { .. } => "ack",
        ServerMsg::Update { .. } => "update",
        ServerMsg::Presence { .. } => "presence",
    }
}

/// The upgrade request with the credentials in place.
fn request(url: &str, auth: &ClientAuth) -> Result<tungstenite::handshake::client::Request, ClientError> {
    let bad = |reason: String| ClientError::Url { url: url.to_owned(), reason };
    let url = match auth {
        ClientAuth::QueryToken(token) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}token={}", percent_encode(token))
        }
        _ => url.to_owned(),
    };
    let mut req = url.as_str().into_client_request().map_err(|e| bad(e.to_string()))?;
    let header = |v: String| HeaderValue::from_str(&v).map_err(|e| bad(e.to_string()));
    match auth {
        ClientAuth::Bearer(token) => {
            let v = header(format!("Bearer {token}"))?;
            req.headers_mut().insert(header::AUTHORIZATION, v);
        }
        ClientAuth::Cookie(session) => {
            // The server accepts a cookie only with an Origin naming itself (no cross-site sockets).
            let scheme = if req.uri().scheme_str() == Some("wss") { "https" } else { "http" };
            let host = req.uri().authority().map(|a| a.as_str().to_owned()).ok_or_else(|| bad("no host".into()))?;
            let origin = header(format!("{scheme}://{host}"))?;
            let cookie = header(format!("pe_session={session}"))?;
            req.headers_mut().insert(header::ORIGIN, origin);
            req.headers_mut().insert(header::COOKIE, cookie);
        }
        ClientAuth::QueryToken(_) | ClientAuth::None => {}
    }
    Ok(req)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why one connection ended.
enum Ended {
    /// The caller closed the client (or dropped it).
    ByUser,
    Lost {
        code: Option<u16>,
        reason: String,
        retry: Retry,
    },
}

enum Retry {
    Backoff,
    After(Duration),
    Never,
}

/// The background task: owns the socket, and the reconnect loop.
struct Worker {
    url: String,
    auth: ClientAuth,
    opts: ClientOptions,
    doc: LoroDoc,
    shared: Arc<Shared>,
    events: mpsc::Sender<Event>,
    cmds: mpsc::UnboundedReceiver<Cmd>,
    /// The last seq given out. Seqs keep increasing across reconnects (the protocol only asks them to grow
    /// within a connection), so `wait_acked(seq)` stays meaningful after a reconnect.
    last_seq: u32,
    /// What the server is known to have: its `welcome` version, plus everything sent or received since.
    /// `push` exports from here.
    server_has: VersionVector,
    /// The replica's version when each unacked update was sent: an ack makes it durable on the server.
    sent: BTreeMap<u32, VersionVector>,
    /// The caller's presence value (before `user`, `name`, `colour` are merged in), re-sent on refresh and
    /// after a reconnect.
    own_presence: Option<LoroValue>,
}

impl Worker {
    fn emit(&self, event: Event) {
        if self.events.try_send(event).is_err() {
            self.shared.dropped_events.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn run(mut self, mut ws: Ws) {
        loop {
            match self.serve(&mut ws).await {
                Ended::ByUser => break,
                Ended::Lost { code, reason, retry } => {
                    self.emit(Event::Disconnected { code, reason });
                    if !self.opts.auto_reconnect || matches!(retry, Retry::Never) {
                        break;
                    }
                    match self.reconnect(retry).await {
                        Some(new) => {
                            ws = new;
                            self.emit(Event::Reconnected);
                        }
                        None => break,
                    }
                }
            }
        }
        self.shared.acks.send_modify(|a| a.closed = true);
    }

    /// After `welcome`: take the new identity, re-key presence, send what the server lacks.
    async fn after_welcome(
        &mut self,
        ws: &mut Ws,
        info: WelcomeInfo,
        server_vv: VersionVector,
    ) -> Result<(), ClientError> {
        let old_key = std::mem::replace(&mut *self.shared.info(), info).client_key;
        let new_key = self.shared.info().client_key.clone();
        if old_key != new_key {
            self.shared.presence.delete(&old_key);
        }
        self.shared.durable().merge(&server_vv);
        self.server_has = server_vv;
        match self.send_pending(ws).await? {
            Some(_) => {}
            // The server already has every change of the replica, so everything pushed before is durable
            // even if its ack was lost with the old connection.
            None => {
                self.sent.clear();
                let last = self.last_seq;
                self.shared.acks.send_modify(|a| a.acked = a.acked.max(last));
            }
        }
        if self.own_presence.is_some() {
            self.send_presence(ws).await?;
        }
        Ok(())
    }

    /// Commits, and sends what the server lacks: one `update`, or several in order when it would not fit in
    /// a frame (`super::split`). Returns the last seq.
    async fn send_pending(&mut self, ws: &mut Ws) -> Result<Option<u32>, ClientError> {
        self.doc.commit();
        let now = self.doc.oplog_vv();
        if self.server_has.includes_vv(&now) {
            return Ok(None);
        }
        let chunks = split_updates(&self.doc, &self.server_has, &now, MAX_UPDATE_BYTES)?;
        let mut last = None;
        for chunk in chunks {
            let seq = self.last_seq.wrapping_add(1);
            self.last_seq = seq;
            self.sent.insert(seq, chunk.version.clone());
            ws.send(Message::binary(ClientMsg::Update { seq, update: chunk.update }.encode())).await?;
            self.server_has.merge(&chunk.version);
            last = Some(seq);
        }
        Ok(last)
    }

    async fn send_presence(&mut self, ws: &mut Ws) -> Result<(), ClientError> {
        let Some(value) = &self.own_presence else { return Ok(()) };
        let info = self.shared.info().clone();
        let mut map: HashMap<String, LoroValue> = match value {
            LoroValue::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => HashMap::new(),
        };
        map.insert("user".into(), info.user.id.into());
        map.insert("name".into(), info.user.name.into());
        map.insert("colour".into(), info.user.colour.into());
        self.shared.presence.set(&info.client_key, map);
        let state = self.shared.presence.encode(&info.client_key);
        ws.send(Message::binary(ClientMsg::Presence { state }.encode())).await?;
        Ok(())
    }

    /// One connection's life: frames in, commands out, presence refresh.
    async fn serve(&mut self, ws: &mut Ws) -> Ended {
        let mut refresh = tokio::time::interval(PRESENCE_REFRESH);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        refresh.reset(); // the first tick in 10 s, not now: presence was just sent after welcome
        let mut shutdown: Option<Duration> = None;
        let lost = |code, reason: String, shutdown: Option<Duration>| {
            let retry = match code {
                Some(1008 | 1009) => Retry::Never,
                _ => shutdown.map_or(Retry::Backoff, Retry::After),
            };
            Ended::Lost { code, reason, retry }
        };
        loop {
            tokio::select! {
                frame = ws.next() => match frame {
                    None => return lost(None, "connection closed".into(), shutdown),
                    Some(Err(e)) => return lost(None, e.to_string(), shutdown),
                    Some(Ok(Message::Binary(b))) => self.on_binary(&b),
                    Some(Ok(Message::Text(t))) => {
                        if let Some(after) = self.on_text(&t) {
                            shutdown = Some(after);
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let (code, reason) = match frame {
                            Some(f) => (Some(u16::from(f.code)), f.reason.to_string()),
                            None => (None, "closed by the server".into()),
                        };
                        // Answer the close handshake; the socket is dropped either way.
                        let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
                        return lost(code, reason, shutdown);
                    }
                    // Pings are answered by tungstenite itself.
                    Some(Ok(_)) => {}
                },
                cmd = self.cmds.recv() => match cmd {
                    None | Some(Cmd::Close) => {
                        close(ws).await;
                        return Ended::ByUser;
                    }
                    Some(Cmd::Push(reply)) => {
                        let result = self.send_pending(ws).await;
                        if let Err(e @ (ClientError::WebSocket(_) | ClientError::Tls(_))) = result {
                            let _ = reply.send(Err(ClientError::NotConnected));
                            return lost(None, e.to_string(), shutdown);
                        }
                        let _ = reply.send(result);
                    }
                    Some(Cmd::Presence(value, reply)) => {
                        self.own_presence = Some(value);
                        let result = self.send_presence(ws).await;
                        if let Err(e @ (ClientError::WebSocket(_) | ClientError::Tls(_))) = result {
                            let _ = reply.send(Err(ClientError::NotConnected));
                            return lost(None, e.to_string(), shutdown);
                        }
                        let _ = reply.send(result);
                    }
                    Some(Cmd::Raw(frame, reply)) => {
                        let result = ws.send(frame).await.map_err(ClientError::from);
                        let _ = reply.send(result);
                    }
                },
                _ = refresh.tick() => {
                    if let Err(e) = self.send_presence(ws).await {
                        return lost(None, e.to_string(), shutdown);
                    }
                }
            }
        }
    }

    fn on_binary(&mut self, bytes: &[u8]) {
        match ServerMsg::decode(bytes) {
            Err(e) => self.emit(Event::Invalid(e.to_string())),
            Ok(ServerMsg::Welcome { .. }) => self.emit(Event::Invalid("a second welcome".into())),
            Ok(ServerMsg::Ack { seq }) => {
                // An ack covers every earlier update too (a resend after a reconnect carries them all).
                let later = self.sent.split_off(&seq.saturating_add(1));
                let done = std::mem::replace(&mut self.sent, later);
                if !done.is_empty() {
                    let mut durable = self.shared.durable();
                    for vv in done.values() {
                        durable.merge(vv);
                    }
                }
                self.shared.acks.send_modify(|a| a.acked = a.acked.max(seq));
                self.emit(Event::Ack(seq));
            }
            Ok(ServerMsg::Update { update }) => match self.doc.import_with(&update, REMOTE_ORIGIN) {
                Ok(status) => {
                    self.note_received(&status);
                    self.emit(Event::RemoteUpdate { bytes: update.len() });
                }
                Err(e) => self.emit(Event::Invalid(format!("cannot import an update: {e}"))),
            },
            Ok(ServerMsg::Presence { state }) => match self.shared.presence.apply(&state) {
                Ok(()) => self.emit(Event::Presence(state)),
                Err(e) => self.emit(Event::Invalid(format!("cannot apply presence: {e}"))),
            },
        }
    }

    /// The server has what it sent us: push need not send it back.
    fn note_received(&mut self, status: &ImportStatus) {
        // Each peer's ops are causally contiguous, so the server holding ops up to `end` holds all before.
        let got: VersionVector = status.success.iter().map(|(peer, &(_, end))| (*peer, end)).collect();
        self.shared.durable().merge(&got);
        self.server_has.merge(&got);
    }

    /// Handles a JSON message; returns the reconnect delay a `shutdown` asked for.
    fn on_text(&mut self, text: &str) -> Option<Duration> {
        match serde_json::from_str::<ServerText>(text) {
            Err(e) => self.emit(Event::Invalid(format!("bad text message: {e}"))),
            Ok(ServerText::View { version, yaml, diagnostics }) => {
                self.emit(Event::View { version, yaml, diagnostics })
            }
            Ok(ServerText::Error { code, message, seq }) => {
                if let Some(seq) = seq {
                    let m = message.clone();
                    self.shared.acks.send_modify(|a| {
                        a.refused.insert(seq, (code, m));
                    });
                }
                self.emit(Event::Error { code, message, seq });
            }
            Ok(ServerText::Shutdown { message, retry_after_ms }) => {
                self.emit(Event::Shutdown { message, retry_after_ms });
                return Some(Duration::from_millis(retry_after_ms));
            }
        }
        None
    }

    /// Waits and retries until connected again (`Some`) or the caller closes / an error is permanent (`None`).
    /// Commands keep being answered meanwhile: pushes get `NotConnected`, presence is kept for later.
    async fn reconnect(&mut self, first: Retry) -> Option<Ws> {
        let mut delay = match first {
            Retry::After(d) => shutdown_delay(d, fastrand::f64()),
            _ => backoff_delay(0, fastrand::f64()),
        };
        let mut attempt = 0u32;
        loop {
            self.emit(Event::Retrying { attempt: attempt.saturating_add(1), delay });
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    () = &mut sleep => break,
                    cmd = self.cmds.recv() => match cmd {
                        None | Some(Cmd::Close) => return None,
                        Some(Cmd::Push(reply)) => {
                            self.doc.commit();
                            let _ = reply.send(Err(ClientError::NotConnected));
                        }
                        Some(Cmd::Presence(value, reply)) => {
                            self.own_presence = Some(value);
                            let _ = reply.send(Ok(()));
                        }
                        Some(Cmd::Raw(_, reply)) => {
                            let _ = reply.send(Err(ClientError::NotConnected));
                        }
                    }
                }
            }
            attempt = attempt.saturating_add(1);
            let error = match open(&self.url, &self.auth, &self.opts, &self.doc).await {
                Ok((mut ws, info, server_vv)) => match self.after_welcome(&mut ws, info, server_vv).await {
                    Ok(()) => return Some(ws),
                    Err(e) => e,
                },
                Err(e) => e,
            };
            // Credentials revoked or pipeline gone: retrying cannot help.
            if let ClientError::Refused { status: 401 | 403 | 404, .. } = error {
                self.emit(Event::Disconnected { code: None, reason: error.to_string() });
                return None;
            }
            tracing::debug!(%error, attempt, "sync reconnect failed");
            delay = backoff_delay(attempt, fastrand::f64());
        }
    }
}

/// Closes politely: close frame 1000, then wait (briefly) for the server's close.
async fn close(ws: &mut Ws) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if ws.close(None).await.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_doc::loro::ExportMode;

    #[test]
    fn backoff_doubles_from_half_a_second_to_ten() {
        let mid: Vec<f64> = (0..8).map(|a| backoff_delay(a, 0.5).as_secs_f64()).collect();
        assert_eq!(mid, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]);
        assert_eq!(backoff_delay(u32::MAX, 0.5), Duration::from_secs(10));
    }

    #[test]
    fn backoff_jitter_is_plus_minus_half() {
        assert_eq!(backoff_delay(0, 0.0), Duration::from_millis(250));
        assert_eq!(backoff_delay(1, 1.0), Duration::from_millis(1500));
        assert_eq!(backoff_delay(10, 0.0), Duration::from_secs(5));
        assert_eq!(backoff_delay(10, 1.0), Duration::from_secs(15));
        // Out-of-range jitter is clamped rather than producing negative or huge delays.
        assert_eq!(backoff_delay(0, -3.0), Duration::from_millis(250));
        assert_eq!(backoff_delay(0, 7.0), Duration::from_millis(750));
    }

    #[test]
    fn shutdown_delay_adds_up_to_half() {
        assert_eq!(shutdown_delay(Duration::from_millis(1000), 0.0), Duration::from_millis(1000));
        assert_eq!(shutdown_delay(Duration::from_millis(1000), 1.0), Duration::from_millis(1500));
    }

    #[test]
    fn credentials_go_where_the_protocol_says() {
        let url = "ws://127.0.0.1:9/api/pipelines/x/sync";
        let r = request(url, &ClientAuth::Bearer("t0k".into())).expect("request");
        assert_eq!(r.headers()[header::AUTHORIZATION], "Bearer t0k");
        let r = request(url, &ClientAuth::QueryToken("a b/c".into())).expect("request");
        assert_eq!(r.uri().query(), Some("token=a%20b%2Fc"));
        let r = request(&format!("{url}?x=1"), &ClientAuth::QueryToken("t".into())).expect("request");
        assert_eq!(r.uri().query(), Some("x=1&token=t"));
        let r = request(url, &ClientAuth::Cookie("s3".into())).expect("request");
        assert_eq!(r.headers()[header::COOKIE], "pe_session=s3");
        assert_eq!(r.headers()[header::ORIGIN], "http://127.0.0.1:9");
        assert!(request("not a url", &ClientAuth::None).is_err());
        assert!(request(url, &ClientAuth::Bearer("bad\nvalue".into())).is_err());
    }

    #[test]
    fn received_updates_count_as_held_by_the_server() {
        let a = LoroDoc::new();
        a.get_map("data").insert("k", 1).expect("insert");
        a.commit();
        let bytes = a.export(ExportMode::all_updates()).expect("export");
        let b = LoroDoc::new();
        let status = b.import(&bytes).expect("import");
        let got: VersionVector = status.success.iter().map(|(peer, &(_, end))| (*peer, end)).collect();
        assert!(got.includes_vv(&b.oplog_vv()));
    }

    /// A minimal server on a real socket: welcome, then ack and keep every update, except on the first
    /// connection, which it drops at the first update without keeping it (a crash before the write).
    async fn flaky_server(listener: tokio::net::TcpListener, doc: LoroDoc) {
        use super::super::protocol::{ConnRole, PresenceUser};
        for conn in 0u32.. {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let mut ws = tokio_tungstenite::accept_async(tcp).await.expect("upgrade");
            let Some(Ok(Message::Binary(hello))) = ws.next().await else { panic!("no hello") };
            let Ok(ClientMsg::Hello { version, .. }) = ClientMsg::decode(&hello) else { panic!("not hello") };
            let vv = VersionVector::decode(&version).unwrap_or_default();
            let update = doc.export(ExportMode::updates(&vv)).expect("export");
            let user = PresenceUser { id: "u".into(), name: "Ann".into(), colour: "#123456".into() };
            let info = WelcomeInfo {
                protocol: 1,
                pipeline: "p".into(),
                role: ConnRole::Editor,
                client_key: format!("k{conn}"),
                user,
                tree: None,
            };
            let welcome = ServerMsg::Welcome { info, version: doc.oplog_vv().encode(), update };
            ws.send(Message::binary(welcome.encode())).await.expect("welcome");
            while let Some(Ok(frame)) = ws.next().await {
                let Message::Binary(b) = frame else { continue };
                if let Ok(ClientMsg::Update { seq, update }) = ClientMsg::decode(&b) {
                    if conn == 0 {
                        break;
                    }
                    doc.import(&update).expect("import");
                    ws.send(Message::binary(ServerMsg::Ack { seq }.encode())).await.expect("ack");
                }
            }
        }
    }

    #[tokio::test]
    async fn a_change_lost_with_the_connection_is_sent_again_after_reconnecting() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/api/pipelines/p/sync", listener.local_addr().expect("addr"));
        let server = LoroDoc::new();
        tokio::spawn(flaky_server(listener, server.clone()));

        let opts = ClientOptions { flags: 0, auto_reconnect: true, tls: None };
        let mut client =
            SyncClient::connect(&url, ClientAuth::Bearer("t".into()), LoroDoc::new(), opts).await.expect("connect");
        assert_eq!(client.info().client_key, "k0");
        assert_eq!(client.push().await.expect("push"), None, "nothing to send yet");
        client.doc().get_map("data").insert("name", "offline-proof").expect("edit");
        let seq = client.push().await.expect("push").expect("a seq");
        assert_eq!(seq, 1);
        client.wait_acked(seq, Duration::from_secs(10)).await.expect("acked after the reconnect");
        assert_eq!(client.info().client_key, "k1");
        let got = server.get_map("data").get("name").and_then(|v| v.into_value().ok());
        assert_eq!(got, Some(LoroValue::from("offline-proof")));
        let mut events = Vec::new();
        while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(100), client.next_event()).await {
            events.push(e);
        }
        assert!(matches!(events.first(), Some(Event::Disconnected { .. })), "{events:?}");
        assert!(events.contains(&Event::Reconnected), "{events:?}");
        assert!(events.contains(&Event::Ack(2)), "the resend is a new seq: {events:?}");
        client.close().await;
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_typed_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/x", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut tcp, _) = listener.accept().await.expect("accept");
            let body = r#"{"error":{"code":"unauthorized","message":"no"}}"#;
            let resp = format!("HTTP/1.1 401 Unauthorized\r\ncontent-length: {}\r\n\r\n{body}", body.len());
            tcp.write_all(resp.as_bytes()).await.expect("write");
        });
        let err = SyncClient::connect(&url, ClientAuth::None, LoroDoc::new(), ClientOptions::default()).await;
        assert!(matches!(err, Err(ClientError::Refused { status: 401, .. })), "{:?}", err.err());
    }
}
