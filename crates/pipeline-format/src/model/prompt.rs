//! Prompt items (format reference §3): the entries of a `prompt:` list, rendered in order and joined with a
//! newline. Templates (`{{…}}`) inside any string of an item have already been substituted by the executor.

use std::num::NonZeroU32;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// One entry of a `prompt:` list, selected by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PromptItem {
    Static(StaticItem),
    File(FileItem),
    PreviousResponse(PreviousResponseItem),
    SessionContext(SessionContextItem),
    ClaudeContinue(ClaudeContinueItem),
}

impl PromptItem {
    /// The item's `type` value.
    pub fn type_name(&self) -> &'static str {
        match self {
            PromptItem::Static(_) => "static",
            PromptItem::File(_) => "file",
            PromptItem::PreviousResponse(_) => "previous_response",
            PromptItem::SessionContext(_) => "session_context",
            PromptItem::ClaudeContinue(_) => "claude_continue",
        }
    }
}

/// A literal text fragment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StaticItem {
    /// The text, inserted as is (after template substitution). Numbers and booleans are rendered as text; a
    /// mapping or list crashes the run.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<TextScalar>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The contents of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileItem {
    /// Path of the file, relative to the directory pipeline_ex runs in (not the workspace). A missing or
    /// unreadable file crashes the run.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Ignored by pipeline_ex: placeholders in the file are never substituted.
    #[schemars(extend("x-ignored" = "pipeline_ex inserts the file verbatim; put the values in a static item or a template instead"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Map<String, Value>>,
    /// Ignored by pipeline_ex: the file's text is always inserted in place.
    #[schemars(extend("x-ignored" = "remove it; the file's text is always inserted where the item stands"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inject_as: Option<String>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The stored result of an earlier step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PreviousResponseItem {
    /// Name of the step whose result is inserted (strings as is, mappings as pretty JSON). The loader requires a
    /// top-level step of this name; if that step has not run yet when this prompt is built, the run crashes.
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Dot path into the result's map keys (`a.b.c`); no array indices and no JSONPath.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract: Option<String>,
    /// With `extract`: when true (the default) a missing path fails the step; when false it renders as `nil`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Ignored at run time (only the test-only validator checks it; its only accepted value is
    /// `content_extractor`).
    #[schemars(extend("x-ignored" = "remove it; the response is inserted unprocessed (use a claude_extract step to post-process)"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract_with: Option<ExtractWith>,
    /// Ignored at run time: the response is never summarized.
    #[schemars(extend("x-ignored" = "remove it; summarize with a separate step if needed"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<bool>,
    /// Ignored at run time: the response is never truncated.
    #[schemars(extend("x-ignored" = "remove it; pipeline_ex inserts the whole response"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<NonZeroU32>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The only value the enhanced validator accepts for `extract_with`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtractWith {
    ContentExtractor,
}

/// Context of a Claude session. pipeline_ex renders this item as an empty string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionContextItem {
    /// The session whose history would be inserted (required by the loader; nothing is inserted).
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// How many past turns to include (validated by the test-only validator; nothing is inserted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_last_n: Option<NonZeroU32>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Continuation of a Claude session. pipeline_ex renders this item as an empty string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClaudeContinueItem {
    /// The session to continue (required by the loader; nothing is inserted).
    #[schemars(required)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The follow-up prompt (not inserted: the item renders as an empty string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_prompt: Option<String>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A scalar rendered as text: a string, or a number or boolean converted to text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TextScalar {
    Text(String),
    Number(Number),
    Bool(bool),
}

/// A prompt that may be plain text or a list of prompt items (claude_batch tasks accept both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PromptText {
    Text(String),
    Items(Vec<PromptItem>),
}
