//! A bare client of the sync protocol for tests, written from docs/protocol.md with tokio-tungstenite and
//! `loro`: it sends and reads raw frames, so tests can also send wrong ones.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use loro::{ExportMode, LoroDoc, LoroMap, ValueOrContainer, VersionVector};
use pipeline_server::sync::protocol::{ClientMsg, ServerMsg, WelcomeInfo};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent, decoded.
#[derive(Debug)]
pub enum Got {
    Bin(ServerMsg),
    Text(Value),
    Close(Option<u16>),
}

pub struct WsClient {
    pub socket: Socket,
    pub doc: LoroDoc,
    pub info: WelcomeInfo,
    /// The version the server has (as far as this client knows).
    pub sent: VersionVector,
    pub next_seq: u32,
    /// Messages read while waiting for something else.
    pub backlog: Vec<Got>,
}

pub fn sync_url(addr: std::net::SocketAddr, pipeline: &str) -> String {
    format!("ws://{addr}/api/pipelines/{pipeline}/sync")
}

/// Opens the socket; `Err(status)` if the upgrade is refused.
pub async fn open(url: &str, token: Option<&str>) -> Result<Socket, u16> {
    let mut req = url.into_client_request().unwrap();
    if let Some(t) = token {
        req.headers_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((s, _)) => Ok(s),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

pub async fn read(socket: &mut Socket) -> Got {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .map(|m| m.expect("read"));
        match msg {
            None => return Got::Close(None),
            Some(Message::Binary(b)) => return Got::Bin(ServerMsg::decode(&b).expect("server frame decodes")),
            Some(Message::Text(t)) => return Got::Text(serde_json::from_str(&t).expect("server JSON")),
            Some(Message::Close(f)) => return Got::Close(f.map(|f| u16::from(f.code))),
            Some(_) => {}
        }
    }
}

impl WsClient {
    /// Connects with a fresh replica (or `doc`), says hello and imports the welcome.
    pub async fn connect(url: &str, token: &str, flags: u8, doc: Option<LoroDoc>) -> WsClient {
        let mut socket = open(url, Some(token)).await.expect("upgrade");
        let doc = doc.unwrap_or_default();
        let hello = ClientMsg::Hello { flags, version: doc.oplog_vv().encode() };
        socket.send(Message::Binary(hello.encode().into())).await.unwrap();
        let Got::Bin(ServerMsg::Welcome { info, version, update }) = read(&mut socket).await else {
            panic!("expected welcome")
        };
        if !update.is_empty() {
            doc.import(&update).unwrap();
        }
        let server_vv = VersionVector::decode(&version).unwrap();
        let mut c = WsClient { socket, doc, info, sent: server_vv, next_seq: 1, backlog: Vec::new() };
        // Offline changes: send what the server lacks.
        if c.doc.oplog_vv() != c.sent {
            let seq = c.push().await;
            c.wait_ack(seq).await;
        }
        c
    }

    /// Sends everything the server has not been sent; returns the seq.
    pub async fn push(&mut self) -> u32 {
        self.doc.commit();
        let update = self.doc.export(ExportMode::updates(&self.sent)).unwrap();
        self.sent = self.doc.oplog_vv();
        self.send_update(update).await
    }

    pub async fn send_update(&mut self, update: Vec<u8>) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send_raw(ClientMsg::Update { seq, update }.encode()).await;
        seq
    }

    pub async fn send_raw(&mut self, frame: Vec<u8>) {
        self.socket.send(Message::Binary(frame.into())).await.unwrap();
    }

    /// Reads until `pred` matches, importing updates on the way; returns the match.
    pub async fn until(&mut self, mut pred: impl FnMut(&Got) -> bool) -> Got {
        loop {
            let got = read(&mut self.socket).await;
            if let Got::Bin(ServerMsg::Update { update }) = &got {
                self.doc.import(update).unwrap();
            }
            if pred(&got) {
                return got;
            }
            if matches!(got, Got::Close(_)) {
                panic!("closed while waiting: {got:?}");
            }
            self.backlog.push(got);
        }
    }

    /// The next message that is not presence (closes included).
    pub async fn next(&mut self) -> Got {
        loop {
            let got = read(&mut self.socket).await;
            if !matches!(got, Got::Bin(ServerMsg::Presence { .. })) {
                return got;
            }
        }
    }

    pub async fn wait_ack(&mut self, seq: u32) {
        self.until(|g| matches!(g, Got::Bin(ServerMsg::Ack { seq: s }) if *s == seq)).await;
    }

    /// Reads (importing) until the document's step field equals `want`.
    pub async fn wait_field(&mut self, step: usize, field: &str, want: &str) {
        while field_of(&self.doc, step, field).as_deref() != Some(want) {
            self.until(|g| matches!(g, Got::Bin(ServerMsg::Update { .. }))).await;
        }
    }

    /// Sets a field of the `step`-th top-level step.
    pub fn set_field(&self, step: usize, field: &str, value: &str) {
        fields_of(&self.doc, step).insert(field, value).unwrap();
    }
}

pub fn fields_of(doc: &LoroDoc, step: usize) -> LoroMap {
    let tree = doc.get_tree("steps");
    let node = tree.roots()[step];
    match tree.get_meta(node).unwrap().get("fields") {
        Some(ValueOrContainer::Container(loro::Container::Map(m))) => m,
        other => panic!("step {step} has no fields map: {other:?}"),
    }
}

pub fn field_of(doc: &LoroDoc, step: usize, field: &str) -> Option<String> {
    match fields_of(doc, step).get(field) {
        Some(ValueOrContainer::Value(loro::LoroValue::String(s))) => Some(s.to_string()),
        _ => None,
    }
}
