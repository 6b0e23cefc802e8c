//! Errors of the document layer.

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The text given is not YAML; nothing was changed.
    #[error("the text is not valid YAML: {0}")]
    Parse(pipeline_format::ParseError),
    /// The stored base text does not parse (cannot happen through this API; a corrupt document).
    #[error("the document's base text is not valid YAML: {0}")]
    BaseText(pipeline_format::ParseError),
    #[error(transparent)]
    Write(#[from] pipeline_format::write::WriteError),
    #[error("document error: {0}")]
    Loro(#[from] loro::LoroError),
    #[error("cannot encode the document: {0}")]
    Encode(#[from] loro::LoroEncodeError),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
}
