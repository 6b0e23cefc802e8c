//! The pipeline_ex "YAML v2" format: the heart of the editor's compatibility promise.
//!
//! - [`parse`]: YAML text → [`Node`] tree with source spans (YAML 1.2 core schema, duplicate keys refused).
//! - [`model`]: the typed model of every step type; the single definition the JSON Schema comes from.
//! - [`schema`]: the JSON Schema (2020-12) generated from the typed model.
//! - [`validate`]: two levels, `pipeline_ex` (exactly what the real loader accepts) and `lint`.
//! - [`write`]: the format-preserving writer: (original text, new data) → text with minimal changes.
//! - [`patch`]: RFC 6902 JSON Patch applied through the writer.
//!
//! No I/O beyond the text it is given, no async: everything here is a pure function of its input.

pub mod diagnostic;
pub mod model;
pub mod node;
pub mod parse;
pub mod patch;
pub mod path;
pub mod schema;
pub mod span;
pub mod validate;
pub mod value;
pub mod write;

pub use diagnostic::{Diagnostic, Severity};
pub use node::{Entry, Node, NodeKind, Style};
pub use parse::{Document, ParseError};
pub use path::{Path, Seg};
pub use span::{Pos, Span};
