//! The sync protocol's frames (docs/protocol.md): pure encode/decode, no I/O, shared by the server and the Rust
//! client. Binary frames: byte 0 is the type, integers big-endian. Text frames: one JSON object with `type`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use ts_rs::TS;

/// Protocol version, in `welcome`'s info.
pub const PROTOCOL_VERSION: u32 = 1;
/// The largest frame a client may send.
pub const MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;
/// The largest Loro update an `update` frame can carry (the frame less its type byte and seq); larger
/// catch-ups are split (`super::split`).
pub const MAX_UPDATE_BYTES: usize = MAX_FRAME_BYTES - 5;

pub const HELLO: u8 = 0x01;
pub const UPDATE: u8 = 0x02;
pub const PRESENCE: u8 = 0x03;
pub const WELCOME: u8 = 0x81;
pub const ACK: u8 = 0x82;
pub const REMOTE_UPDATE: u8 = 0x83;
pub const REMOTE_PRESENCE: u8 = 0x84;
/// A `welcome` compressed (`hello` flag [`FLAG_DEFLATE`]): the raw DEFLATE of the whole `welcome` frame.
pub const WELCOME_DEFLATE: u8 = 0x85;

/// `hello.flags` bit 0: send `view` messages (YAML and diagnostics).
pub const FLAG_VIEWS: u8 = 0x01;
/// `hello.flags` bit 1: the client relays another server's replica (a local node, docs/local-node.md): its
/// updates may change the base text, which the server then parses and refuses unless it is YAML.
pub const FLAG_REPLICA: u8 = 0x02;
/// `hello.flags` bit 2: with an empty version, put the steps tree as JSON into `welcome`'s info (`tree`), so a
/// browser reads its first model without materialising the tree through WebAssembly.
pub const FLAG_TREE: u8 = 0x04;
/// `hello.flags` bit 3: the client can inflate a compressed `welcome` ([`WELCOME_DEFLATE`]): a 1000-step
/// welcome is ~430 KB as it is and ~100 KB compressed, a quarter of the time on a real network. (In a trace
/// on loopback, a page busy starting also had the compressed one sooner.)
pub const FLAG_DEFLATE: u8 = 0x08;
/// Every `hello` flag this server knows.
pub const FLAGS: u8 = FLAG_VIEWS | FLAG_REPLICA | FLAG_TREE | FLAG_DEFLATE;
/// A `welcome` shorter than this is sent as it is even to a client that can inflate.
pub const DEFLATE_FROM: usize = 16 * 1024;
/// The largest server message the Rust client takes, a compressed `welcome` once inflated included. A
/// server's messages have no protocol limit (a `welcome` holds everything the client lacks, e.g. a local
/// node's whole catch-up); this only bounds memory. The server sends large messages as fragments, so the
/// frame limit is the same.
pub const MAX_SERVER_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Client → server binary messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMsg {
    Hello { flags: u8, version: Vec<u8> },
    Update { seq: u32, update: Vec<u8> },
    Presence { state: Vec<u8> },
}

/// Server → client binary messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMsg {
    Welcome { info: WelcomeInfo, version: Vec<u8>, update: Vec<u8> },
    Ack { seq: u32 },
    Update { update: Vec<u8> },
    Presence { state: Vec<u8> },
}

/// `welcome`'s JSON part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WelcomeInfo {
    pub protocol: u32,
    pub pipeline: String,
    pub role: ConnRole,
    pub client_key: String,
    pub user: PresenceUser,
    /// The steps tree at the welcome's version, as loro-crdt's `LoroTree.toJSON()` gives it: only for a
    /// `hello` with [`FLAG_TREE`] and an empty version, and only when the tree is JSON-safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    pub tree: Option<TreeJson>,
}

/// JSON text put into `welcome`'s info as it is (built once per document version, shared by the
/// connections that ask for it).
#[derive(Debug, Clone)]
pub struct TreeJson(pub Arc<RawValue>);

impl From<Box<RawValue>> for TreeJson {
    fn from(json: Box<RawValue>) -> Self {
        TreeJson(Arc::from(json))
    }
}

impl PartialEq for TreeJson {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}
impl Eq for TreeJson {}

impl Serialize for TreeJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TreeJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(TreeJson(Arc::from(Box::<RawValue>::deserialize(d)?)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnRole {
    Editor,
    ReadOnly,
}

/// Who a connection is, as presence shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PresenceUser {
    pub id: String,
    pub name: String,
    pub colour: String,
}

/// Server → client JSON messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerText {
    View {
        #[ts(type = "number")]
        version: u64,
        yaml: String,
        diagnostics: Vec<crate::types::DiagnosticBody>,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        seq: Option<u32>,
    },
    Shutdown {
        message: String,
        #[ts(type = "number")]
        retry_after_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadFrame,
    TooLarge,
    ReadOnly,
    InvalidUpdate,
    BadPresence,
    Internal,
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("empty frame")]
    Empty,
    #[error("unknown message type 0x{0:02x}")]
    UnknownType(u8),
    #[error("truncated {0} message")]
    Truncated(&'static str),
    #[error("bad welcome info: {0}")]
    BadInfo(String),
    #[error("unknown hello flags 0x{0:02x}")]
    BadFlags(u8),
    #[error("bad compressed welcome: {0}")]
    BadDeflate(String),
}

/// A `welcome` frame (as `ServerMsg::encode` makes it) compressed for a client with [`FLAG_DEFLATE`]. Level 1:
/// the 1000-step welcome, ~430 KB, becomes ~100 KB in a few ms.
pub fn deflate_welcome(frame: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::DeflateEncoder::new(Vec::with_capacity(frame.len() / 4), flate2::Compression::fast());
    z.get_mut().push(WELCOME_DEFLATE);
    // Writing into a Vec cannot fail.
    let _ = z.write_all(frame);
    z.finish().unwrap_or_default()
}

/// `flags` if this server knows every one of them (`hello` as a message, or `?hello=` in the URL).
pub fn known_flags(flags: u8) -> Result<u8, FrameError> {
    if flags & !FLAGS != 0 { Err(FrameError::BadFlags(flags)) } else { Ok(flags) }
}

fn inflate_welcome(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    use std::io::Read;
    let mut out = Vec::new();
    let limit = u64::try_from(MAX_SERVER_MESSAGE_BYTES).unwrap_or(u64::MAX);
    flate2::read::DeflateDecoder::new(body)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| FrameError::BadDeflate(e.to_string()))?;
    if out.len() > MAX_SERVER_MESSAGE_BYTES {
        return Err(FrameError::BadDeflate("inflates beyond the limit".into()));
    }
    if out.first() != Some(&WELCOME) {
        return Err(FrameError::BadDeflate("not a welcome".into()));
    }
    Ok(out)
}

fn u32_at(b: &[u8], at: usize, what: &'static str) -> Result<u32, FrameError> {
    let bytes: [u8; 4] = b.get(at..at + 4).and_then(|s| s.try_into().ok()).ok_or(FrameError::Truncated(what))?;
    Ok(u32::from_be_bytes(bytes))
}

fn len_at(b: &[u8], at: usize, what: &'static str) -> Result<usize, FrameError> {
    usize::try_from(u32_at(b, at, what)?).map_err(|_| FrameError::Truncated(what))
}

impl ClientMsg {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            ClientMsg::Hello { flags, version } => [&[HELLO, *flags][..], version].concat(),
            ClientMsg::Update { seq, update } => [&[UPDATE][..], &seq.to_be_bytes(), update].concat(),
            ClientMsg::Presence { state } => [&[PRESENCE][..], state].concat(),
        }
    }

    pub fn decode(b: &[u8]) -> Result<Self, FrameError> {
        let (&kind, rest) = b.split_first().ok_or(FrameError::Empty)?;
        match kind {
            HELLO => {
                let (&flags, version) = rest.split_first().ok_or(FrameError::Truncated("hello"))?;
                Ok(ClientMsg::Hello { flags: known_flags(flags)?, version: version.to_vec() })
            }
            UPDATE => {
                let seq = u32_at(rest, 0, "update")?;
                Ok(ClientMsg::Update { seq, update: rest[4..].to_vec() })
            }
            PRESENCE => Ok(ClientMsg::Presence { state: rest.to_vec() }),
            other => Err(FrameError::UnknownType(other)),
        }
    }
}

impl ServerMsg {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            ServerMsg::Welcome { info, version, update } => {
                // Serialising a struct of strings cannot fail.
                let info = serde_json::to_vec(info).unwrap_or_default();
                let mut out = Vec::with_capacity(9 + info.len() + version.len() + update.len());
                out.push(WELCOME);
                out.extend_from_slice(&(info.len() as u32).to_be_bytes());
                out.extend_from_slice(&info);
                out.extend_from_slice(&(version.len() as u32).to_be_bytes());
                out.extend_from_slice(version);
                out.extend_from_slice(update);
                out
            }
            ServerMsg::Ack { seq } => [&[ACK][..], &seq.to_be_bytes()].concat(),
            ServerMsg::Update { update } => encode_remote_update(update),
            ServerMsg::Presence { state } => [&[REMOTE_PRESENCE][..], state].concat(),
        }
    }

    pub fn decode(b: &[u8]) -> Result<Self, FrameError> {
        let (&kind, rest) = b.split_first().ok_or(FrameError::Empty)?;
        match kind {
            WELCOME => {
                let info_len = len_at(rest, 0, "welcome")?;
                let info_end = 4usize.checked_add(info_len).ok_or(FrameError::Truncated("welcome"))?;
                let info = rest.get(4..info_end).ok_or(FrameError::Truncated("welcome"))?;
                let info: WelcomeInfo = serde_json::from_slice(info).map_err(|e| FrameError::BadInfo(e.to_string()))?;
                let vv_len = len_at(rest, info_end, "welcome")?;
                let vv_end = (info_end + 4).checked_add(vv_len).ok_or(FrameError::Truncated("welcome"))?;
                let version = rest.get(info_end + 4..vv_end).ok_or(FrameError::Truncated("welcome"))?.to_vec();
                Ok(ServerMsg::Welcome { info, version, update: rest[vv_end..].to_vec() })
            }
            ACK => Ok(ServerMsg::Ack { seq: u32_at(rest, 0, "ack")? }),
            REMOTE_UPDATE => Ok(ServerMsg::Update { update: rest.to_vec() }),
            REMOTE_PRESENCE => Ok(ServerMsg::Presence { state: rest.to_vec() }),
            WELCOME_DEFLATE => ServerMsg::decode(&inflate_welcome(rest)?),
            other => Err(FrameError::UnknownType(other)),
        }
    }
}

/// An `update` frame for others, built once and shared by every connection it goes to.
pub fn encode_remote_update(update: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + update.len());
    out.push(REMOTE_UPDATE);
    out.extend_from_slice(update);
    out
}

pub fn encode_remote_presence(state: &[u8]) -> Vec<u8> {
    [&[REMOTE_PRESENCE][..], state].concat()
}

impl ServerText {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn error(code: ErrorCode, message: impl Into<String>, seq: Option<u32>) -> Self {
        ServerText::Error { code, message: message.into(), seq }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compressed_welcome_inflates_to_the_welcome_and_nothing_else() {
        let welcome = ServerMsg::Welcome { info: info(), version: vec![1, 2], update: vec![7; 50_000] };
        let z = deflate_welcome(&welcome.encode());
        assert_eq!(z[0], WELCOME_DEFLATE);
        assert!(z.len() < 1000, "{} bytes", z.len());
        assert_eq!(ServerMsg::decode(&z).ok(), Some(welcome));
        // Not DEFLATE, or DEFLATE of another message: refused.
        assert!(matches!(ServerMsg::decode(&[WELCOME_DEFLATE, 0xff, 0x00]), Err(FrameError::BadDeflate(_))));
        let mut ack = deflate_welcome(&ServerMsg::Ack { seq: 3 }.encode());
        assert!(matches!(ServerMsg::decode(&ack), Err(FrameError::BadDeflate(m)) if m.contains("not a welcome")));
        ack.truncate(ack.len() / 2);
        assert!(ServerMsg::decode(&ack).is_err());
    }

    fn info() -> WelcomeInfo {
        WelcomeInfo {
            protocol: PROTOCOL_VERSION,
            pipeline: "p".into(),
            role: ConnRole::Editor,
            client_key: "k".into(),
            user: PresenceUser { id: "u".into(), name: "Ann".into(), colour: "#123456".into() },
            tree: None,
        }
    }

    #[test]
    fn welcome_carries_the_tree_verbatim_and_only_when_there_is_one() {
        let plain = ServerMsg::Welcome { info: info(), version: vec![], update: vec![] }.encode();
        assert!(!String::from_utf8_lossy(&plain).contains("\"tree\""), "no tree key without a tree");
        let text = r#"[{"id":"0@1","parent":null,"meta":{"slot":"","fields":{"n":1.5}},"index":0,"children":[]}]"#;
        let with = WelcomeInfo { tree: Some(RawValue::from_string(text.to_string()).expect("json").into()), ..info() };
        let frame = ServerMsg::Welcome { info: with.clone(), version: vec![1], update: vec![2] }.encode();
        assert!(String::from_utf8_lossy(&frame).contains(&format!("\"tree\":{text}")), "the text as it was built");
        assert_eq!(ServerMsg::decode(&frame), Ok(ServerMsg::Welcome { info: with, version: vec![1], update: vec![2] }));
        // A tree that is not JSON makes the info undecodable.
        let bad = br##"{"protocol":1,"pipeline":"p","role":"editor","client_key":"k","user":{"id":"u","name":"A","colour":"#123456"},"tree":[1,}"##;
        let frame = [&[WELCOME][..], &(bad.len() as u32).to_be_bytes(), bad, &0u32.to_be_bytes()].concat();
        assert!(matches!(ServerMsg::decode(&frame), Err(FrameError::BadInfo(_))));
        let hello = ClientMsg::Hello { flags: FLAG_VIEWS | FLAG_TREE, version: vec![] };
        assert_eq!(ClientMsg::decode(&hello.encode()), Ok(hello));
    }

    #[test]
    fn client_messages_round_trip_with_documented_layout() {
        let hello = ClientMsg::Hello { flags: FLAG_VIEWS, version: vec![9, 8] };
        assert_eq!(hello.encode(), [0x01, 0x01, 9, 8]);
        let update = ClientMsg::Update { seq: 258, update: vec![7] };
        assert_eq!(update.encode(), [0x02, 0, 0, 1, 2, 7]);
        for m in [hello, update, ClientMsg::Presence { state: vec![1, 2, 3] }] {
            assert_eq!(ClientMsg::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn server_messages_round_trip_with_documented_layout() {
        assert_eq!(ServerMsg::Ack { seq: 1 }.encode(), [0x82, 0, 0, 0, 1]);
        let w = ServerMsg::Welcome { info: info(), version: vec![1, 2], update: vec![3, 4, 5] };
        let bytes = w.encode();
        assert_eq!(bytes[0], 0x81);
        let info_len = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]) as usize;
        let json: serde_json::Value = serde_json::from_slice(&bytes[5..5 + info_len]).expect("json");
        assert_eq!(json["role"], "editor");
        assert_eq!(json["user"]["colour"], "#123456");
        assert_eq!(&bytes[5 + info_len..9 + info_len], [0, 0, 0, 2]);
        for m in
            [w, ServerMsg::Ack { seq: 7 }, ServerMsg::Update { update: vec![1] }, ServerMsg::Presence { state: vec![] }]
        {
            assert_eq!(ServerMsg::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert_eq!(ClientMsg::decode(&[]), Err(FrameError::Empty));
        assert_eq!(ClientMsg::decode(&[0x7f]), Err(FrameError::UnknownType(0x7f)));
        assert_eq!(ClientMsg::decode(&[0x01]), Err(FrameError::Truncated("hello")));
        assert_eq!(ClientMsg::decode(&[0x01, 0x80]), Err(FrameError::BadFlags(0x80)));
        assert_eq!(ClientMsg::decode(&[0x02, 0, 0]), Err(FrameError::Truncated("update")));
        assert!(ServerMsg::decode(&[0x81, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(ServerMsg::decode(&[0x81, 0, 0, 0, 2, b'{', b'}']).is_err());
    }

    #[test]
    fn text_messages_match_the_documented_json() {
        let e = ServerText::error(ErrorCode::ReadOnly, "viewer", Some(3)).to_json();
        assert_eq!(e, r#"{"type":"error","code":"read_only","message":"viewer","seq":3}"#);
        let s = ServerText::Shutdown { message: "restart".into(), retry_after_ms: 500 }.to_json();
        assert_eq!(s, r#"{"type":"shutdown","message":"restart","retry_after_ms":500}"#);
    }
}
