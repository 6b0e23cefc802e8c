//! Validation at two levels (DESIGN.md decision 4).
//!
//! - [`pipeline_ex`]: exactly what the real loader (`Pipeline.Config.validate_workflow/1`) accepts and rejects,
//!   rule for rule, in its order; where it would crash we report a clear error instead.
//! - [`lint`]: what the loader accepts but breaks or silently does nothing at run time.
//!
//! Both return every finding they can, not just the first; at the `pipeline_ex` level the first error is the
//! one the real loader would print.

pub mod lint;
pub mod pipeline_ex;
mod suggest;

use crate::diagnostic::Diagnostic;
use crate::parse::Document;

/// Which checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// Only the real loader's rules.
    PipelineEx,
    /// The loader's rules plus lint warnings (the default).
    #[default]
    Lint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    pub level: Level,
    /// Accept `test_echo`, as pipeline_ex does only in its test environment.
    pub allow_test_types: bool,
}

/// Validates a parsed document.
pub fn validate(doc: &Document, opts: &Options) -> Vec<Diagnostic> {
    let mut out = pipeline_ex::check(doc, opts.allow_test_types);
    if opts.level == Level::Lint {
        out.extend(lint::check(doc, opts));
    }
    out
}

/// Parses and validates text; a parse failure is a single error diagnostic.
pub fn validate_text(text: &str, opts: &Options) -> Vec<Diagnostic> {
    match Document::parse(text) {
        Ok(doc) => validate(&doc, opts),
        Err(e) => vec![Diagnostic::from_parse_error(&e)],
    }
}

/// Whether a document looks like a v2 pipeline (a mapping with a `workflow` key). Used to skip other YAML
/// files when a folder is validated.
pub fn looks_like_pipeline(doc: &Document) -> bool {
    doc.root.as_ref().is_some_and(|r| r.entry("workflow").is_some())
}
