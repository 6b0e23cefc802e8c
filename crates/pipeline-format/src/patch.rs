//! RFC 6902 JSON Patch applied to a file's data, written back through the format-preserving writer.

use crate::parse::Document;
use crate::value::doc_to_json;
use crate::write::{self, WriteError};

#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("the patch is not a valid JSON Patch document: {0}")]
    Invalid(#[from] serde_json::Error),
    #[error("operation {index} ({op} {path}) cannot be applied: {reason}")]
    Apply { index: usize, op: String, path: String, reason: String },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Parses a JSON Patch document.
pub fn parse_patch(json: &str) -> Result<json_patch::Patch, PatchError> {
    Ok(serde_json::from_str(json)?)
}

/// Applies `patch` to `doc`'s data and returns the new text. The empty patch returns the text unchanged.
pub fn apply(doc: &Document, patch: &json_patch::Patch) -> Result<String, PatchError> {
    if patch.0.is_empty() {
        return Ok(doc.text.clone());
    }
    let mut data = doc_to_json(doc);
    json_patch::patch(&mut data, &patch.0).map_err(|e| {
        let op = patch.0.get(e.operation);
        PatchError::Apply {
            index: e.operation,
            op: op.map_or_else(String::new, op_name),
            path: e.path.to_string(),
            reason: e.kind.to_string(),
        }
    })?;
    Ok(write::write(doc, &data)?)
}

fn op_name(op: &json_patch::PatchOperation) -> String {
    use json_patch::PatchOperation as P;
    match op {
        P::Add(_) => "add",
        P::Remove(_) => "remove",
        P::Replace(_) => "replace",
        P::Move(_) => "move",
        P::Copy(_) => "copy",
        P::Test(_) => "test",
    }
    .to_string()
}
