//! The real loader's rules (format reference §5.1, BASEVAL). TODO: being written.

use crate::diagnostic::Diagnostic;
use crate::parse::Document;

pub fn check(_doc: &Document, _allow_test_types: bool) -> Vec<Diagnostic> {
    Vec::new()
}
