//! `pipeline-editor patch FILE PATCH.json [--in-place]`: applies an RFC 6902 JSON Patch through
//! `pipeline_format::patch::apply`, which splices the changes into the original text (comments, quoting and
//! key order elsewhere survive; the empty patch returns the file byte for byte).
//!
//! Exit status: 0 applied; 1 the file does not parse, the patch is not valid JSON Patch, an operation cannot
//! apply or the result cannot be written as YAML; 2 a file cannot be read or written.

use std::fs;
use std::io::Write;
use std::path::Path;

use pipeline_format::patch::{self, PatchError};
use pipeline_format::{Diagnostic, Document};

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_OR_IO, PatchArgs};
use crate::input;
use crate::report::{self, FileReport};

pub fn run(args: &PatchArgs) -> u8 {
    let file = args.file.display().to_string();
    let patch_file = args.patch.display().to_string();
    let text = match input::read_text(&args.file) {
        Ok(t) => t,
        Err(e) => return read_failure(&file, &e),
    };
    let patch_text = match input::read_text(&args.patch) {
        Ok(t) => t,
        Err(e) => return read_failure(&patch_file, &e),
    };

    let doc = match Document::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            let rep = FileReport {
                file: file.clone(),
                source: Some(text.clone()),
                diagnostics: vec![Diagnostic::from_parse_error(&e)],
                read_error: None,
            };
            let mut out = String::new();
            for item in rep.items() {
                report::human::render_item(&mut out, &rep.file, rep.source.as_deref(), &item);
            }
            // The rendering starts `error[code]: message` and ` --> FILE:LINE:COL`, then shows the line.
            super::message(out.trim_end());
            return EXIT_FINDINGS;
        }
    };
    let ops = match patch::parse_patch(&patch_text) {
        Ok(p) => p,
        Err(PatchError::Invalid(e)) => {
            super::message(&format!(
                "error: {patch_file}:{}:{}: not a valid JSON Patch: {}",
                e.line(),
                e.column(),
                strip_location(&e.to_string())
            ));
            return EXIT_FINDINGS;
        }
        Err(e) => {
            super::message(&format!("error: {patch_file}: {e}"));
            return EXIT_FINDINGS;
        }
    };
    tracing::debug!(operations = ops.0.len(), %file, "applying patch");
    let new_text = match patch::apply(&doc, &ops) {
        Ok(t) => t,
        Err(e @ PatchError::Apply { .. }) => {
            super::message(&format!("error: cannot apply {patch_file} to {file}: {e}"));
            return EXIT_FINDINGS;
        }
        Err(e) => {
            super::message(&format!("error: cannot write {file} after applying {patch_file}: {e}"));
            return EXIT_FINDINGS;
        }
    };

    if !args.in_place {
        return match super::print_stdout(new_text.as_bytes()) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                super::message(&format!("error: cannot write to stdout: {e}"));
                EXIT_USAGE_OR_IO
            }
        };
    }
    if new_text == text {
        tracing::info!(%file, "unchanged; not rewritten");
        return EXIT_OK;
    }
    match write_atomically(&args.file, new_text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            super::message(&format!("error: cannot write {file}: {e}"));
            EXIT_USAGE_OR_IO
        }
    }
}

fn read_failure(file: &str, e: &input::InputError) -> u8 {
    let at = e.location().map_or(String::new(), |l| format!(":{}:{}", l.line, l.col));
    super::message(&format!("error: cannot read {file}{at}: {e}"));
    EXIT_USAGE_OR_IO
}

/// serde_json's messages end in ` at line L column C`, which we already print in front.
fn strip_location(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

/// Replaces `path`'s content: a temporary file in the same folder, with the original's permissions,
/// flushed to disk, then renamed over the original (following a symbolic link to its target), so a reader
/// sees either the old file or the new one, never a partial one.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let target = fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let perms = fs::metadata(&target)?.permissions();
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().set_permissions(perms)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // Make the rename itself durable; not every platform can open a folder, so this is best effort.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_location_suffix_is_stripped() {
        assert_eq!(strip_location("expected value at line 1 column 2"), "expected value");
        assert_eq!(strip_location("plain"), "plain");
    }
}
