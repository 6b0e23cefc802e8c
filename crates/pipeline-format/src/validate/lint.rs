//! Lint rules (format reference §4.3, §5.4, §6). TODO: being written.

use crate::diagnostic::Diagnostic;
use crate::parse::Document;
use crate::validate::Options;

pub fn check(_doc: &Document, _opts: &Options) -> Vec<Diagnostic> {
    Vec::new()
}
