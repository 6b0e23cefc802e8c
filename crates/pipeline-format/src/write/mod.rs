//! The format-preserving writer. TODO: being written.

use serde_json::Value;

use crate::parse::Document;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    /// The data cannot be written as a pipeline file (for example a non-string map key cannot occur in JSON,
    /// so this is for values YAML cannot represent faithfully).
    #[error("cannot write this value: {0}")]
    Unrepresentable(String),
}

/// Writes `target` as YAML, reusing `doc`'s text wherever the data did not change.
pub fn write(doc: &Document, target: &Value) -> Result<String, WriteError> {
    let _ = (doc, target);
    Err(WriteError::Unrepresentable("writer not written yet".into()))
}
