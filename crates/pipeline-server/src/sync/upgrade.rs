//! The WebSocket upgrade of the sync route, on tokio-tungstenite directly rather than through axum's
//! `WebSocketUpgrade`, for one reason: memory per connection. tungstenite keeps its output buffer at the size of
//! the largest frame it ever wrote, and a `welcome` carrying a 1000-step pipeline is ~240 KB, so with axum's
//! `WebSocket` (which cannot send raw frames) every open connection held a quarter of a megabyte after joining.
//! Here large messages go out as WebSocket fragments of `FRAGMENT` bytes (RFC 6455 §5.4; every client library
//! reassembles them), and the read buffer is sized for the small frames clients send.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::error::ApiError;

/// A server-side WebSocket of the sync route.
pub type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Binary messages longer than this are sent in fragments of this size.
pub const FRAGMENT: usize = 16 * 1024;

/// The read buffer: client frames are small (updates of a few edits, presence), larger ones grow it.
const READ_BUFFER: usize = 8 * 1024;

/// An HTTP/1.1 WebSocket upgrade request (RFC 6455 §4.2.1), taken apart.
pub struct Upgrade {
    key: HeaderValue,
    on_upgrade: hyper::upgrade::OnUpgrade,
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let bad = |why: &str| ApiError::bad_request(format!("not a WebSocket upgrade: {why}"));
        if parts.method != Method::GET || parts.version != Version::HTTP_11 {
            return Err(bad("needs GET over HTTP/1.1"));
        }
        if !has_token(&parts.headers, header::CONNECTION, "upgrade")
            || !has_token(&parts.headers, header::UPGRADE, "websocket")
        {
            return Err(bad("no `Connection: upgrade` and `Upgrade: websocket`"));
        }
        if parts.headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
            return Err(bad("Sec-WebSocket-Version must be 13"));
        }
        let key = parts.headers.get(header::SEC_WEBSOCKET_KEY).cloned().ok_or_else(|| bad("no Sec-WebSocket-Key"))?;
        let on_upgrade = parts
            .extensions
            .remove::<hyper::upgrade::OnUpgrade>()
            .ok_or_else(|| bad("the connection cannot be upgraded"))?;
        Ok(Upgrade { key, on_upgrade })
    }
}

impl Upgrade {
    /// Answers `101 Switching Protocols` and runs `run` on the socket once the upgrade is through.
    /// `max_message` bounds what the client may send (frames and reassembled messages).
    pub fn on_upgrade<F, Fut>(self, max_message: usize, run: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => {
                    tracing::debug!(error = %e, "WebSocket upgrade failed");
                    return;
                }
            };
            let config = WebSocketConfig::default()
                .read_buffer_size(READ_BUFFER)
                // Each frame is written out as it is sent (the sync task sends and flushes one message at a
                // time), so the output buffer holds at most one fragment.
                .write_buffer_size(0)
                .max_message_size(Some(max_message))
                .max_frame_size(Some(max_message));
            let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
            run(socket).await;
        });
        (
            StatusCode::SWITCHING_PROTOCOLS,
            [
                (header::CONNECTION, HeaderValue::from_static("upgrade")),
                (header::UPGRADE, HeaderValue::from_static("websocket")),
            ],
            [(header::SEC_WEBSOCKET_ACCEPT, accept)],
        )
            .into_response()
    }
}

/// A binary message as WebSocket frames: itself when small, else fragments of `FRAGMENT` bytes.
pub fn binary_frames(data: Bytes) -> Vec<Message> {
    if data.len() <= FRAGMENT {
        return vec![Message::Binary(data)];
    }
    let count = data.len().div_ceil(FRAGMENT);
    (0..count)
        .map(|i| {
            let chunk = data.slice(i * FRAGMENT..((i + 1) * FRAGMENT).min(data.len()));
            let opcode = if i == 0 { OpCode::Data(Data::Binary) } else { OpCode::Data(Data::Continue) };
            Message::Frame(Frame::message(chunk, opcode, i + 1 == count))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_messages_are_one_frame_large_ones_fragments_in_order() {
        assert!(matches!(binary_frames(Bytes::from_static(b"abc")).as_slice(), [Message::Binary(b)] if b == "abc"));
        let data: Vec<u8> = (0..(2 * FRAGMENT + 5)).map(|i| (i % 251) as u8).collect();
        let frames = binary_frames(Bytes::from(data.clone()));
        assert_eq!(frames.len(), 3);
        let mut joined = Vec::new();
        for (i, m) in frames.iter().enumerate() {
            let Message::Frame(f) = m else { panic!("fragment {i} is not a raw frame") };
            let want = if i == 0 { OpCode::Data(Data::Binary) } else { OpCode::Data(Data::Continue) };
            assert_eq!(f.header().opcode, want);
            assert_eq!(f.header().is_final, i == 2);
            joined.extend_from_slice(f.payload());
        }
        assert_eq!(joined, data);
    }
}
