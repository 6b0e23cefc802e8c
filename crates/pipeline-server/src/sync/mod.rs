//! Real-time sync over WebSocket (docs/protocol.md).
//!
//! - `protocol`: the frames, encode/decode, no I/O (shared by server and client);
//! - `conn`: the route and one task per connection (auth, role, hello/welcome, updates, presence, shutdown);
//! - `check`: is a client's update well-formed (what it changed, from Loro's diff events);
//! - `upgrade`: the WebSocket handshake and fragmented sends (tokio-tungstenite, for memory per connection);
//! - `client`: a complete Rust client (tests, `pipeline-editor loadtest`, the local node's links);
//! - `split`: a catch-up larger than a frame, as several updates in causal order;
//! - `tls`: the client's TLS configuration (rustls, ring; system roots plus `--sync-ca`).
//!
//! The documents, rooms, the writer (group commit) and the fan-out between nodes live in `crate::docs`.

pub mod check;
pub mod client;
pub mod conn;
pub mod protocol;
pub mod split;
pub mod tls;
pub mod upgrade;
