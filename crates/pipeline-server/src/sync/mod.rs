//! Real-time sync over WebSocket (docs/protocol.md).
//!
//! - `protocol`: the frames, encode/decode, no I/O (shared by server and client);
//! - `conn`: the route and one task per connection (auth, role, hello/welcome, updates, presence, shutdown);
//! - `check`: is a client's update well-formed (what it changed, from Loro's diff events);
//! - `upgrade`: the WebSocket handshake and fragmented sends (tokio-tungstenite, for memory per connection);
//! - `client`: a complete Rust client (tests, `pipeline-editor loadtest`).
//!
//! The documents, rooms, the writer (group commit) and the fan-out between nodes live in `crate::docs`.

pub mod check;
pub mod client;
pub mod conn;
pub mod protocol;
pub mod upgrade;
