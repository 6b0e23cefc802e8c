//! `pipeline-editor validate`: checks files and folders and reports in the chosen format.
//!
//! Which files are checked:
//! - A file named on the command line is always checked, whatever its name or content.
//! - A folder is searched recursively for `*.yaml` / `*.yml` (any case), in sorted order. Hidden folders
//!   (`.git`, `.github`, …) are not entered and symbolic links to folders are not followed.
//! - A file found in a folder is checked only if it is a pipeline: it parses and has a top-level `workflow`
//!   key. A file that does not parse is still checked (and its syntax error reported) when a line of it
//!   starts with a `workflow:` key, since it is then most likely a broken pipeline; otherwise it is skipped
//!   (Kubernetes manifests, Helm templates, CI files…). Each skipped file gets a note on stderr.
//! - A file that cannot be read as text (missing, unreadable, binary, not UTF-8, over 16 MiB) is reported
//!   as an error wherever it was found, and makes the exit status 2.

use std::fs;
use std::path::{Path, PathBuf};

use pipeline_format::Document;
use pipeline_format::validate::{self, Level, Options};

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE_OR_IO, FormatArg, LevelArg, ValidateArgs};
use crate::input::{self, InputError};
use crate::report::{self, FileReport, ReadFailure, Totals};

/// What happened to one file.
enum Outcome {
    Checked(FileReport),
    /// Found in a folder and not a pipeline: the reason, for the note.
    Skipped(String),
}

pub fn run(args: &ValidateArgs) -> u8 {
    let opts = Options {
        level: match args.level {
            LevelArg::PipelineEx => Level::PipelineEx,
            LevelArg::Lint => Level::Lint,
        },
        allow_test_types: args.allow_test_types,
    };
    let mut reports = Vec::new();
    let mut skipped = 0;
    for path in &args.paths {
        let is_dir = path.as_os_str() != "-" && fs::metadata(path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            if let Outcome::Checked(r) = check(path, true, &opts) {
                reports.push(r);
            }
            continue;
        }
        let mut files = Vec::new();
        walk(path, &mut files, &mut reports);
        if files.is_empty() {
            super::message(&format!("note: no *.yaml or *.yml files under {}", path.display()));
        }
        for file in files {
            match check(&file, false, &opts) {
                Outcome::Checked(r) => reports.push(r),
                Outcome::Skipped(why) => {
                    skipped += 1;
                    super::message(&format!("note: skipped {}: {why}", file.display()));
                }
            }
        }
    }

    let unreadable = reports.iter().filter(|r| r.read_error.is_some()).count();
    if args.format != FormatArg::Human {
        // Machine formats keep stdout parseable; people still see read failures on stderr.
        for r in reports.iter().filter(|r| r.read_error.is_some()) {
            if let Some(e) = &r.read_error {
                let at = e.at.map_or(String::new(), |l| format!(":{}:{}", l.line, l.col));
                super::message(&format!("error: cannot read {}{at}: {}", r.file, e.message));
            }
        }
    }
    let totals = Totals::new(&reports, skipped);
    tracing::info!(
        checked = totals.checked,
        skipped = totals.skipped,
        errors = totals.errors,
        warnings = totals.warnings,
        "validation finished"
    );
    let text = match args.format {
        FormatArg::Human => report::human::render(&reports, &totals),
        FormatArg::Json => report::json::render(&reports),
        FormatArg::Sarif => report::sarif::render(&reports),
    };
    if let Err(e) = super::print_stdout(text.as_bytes()) {
        super::message(&format!("error: cannot write to stdout: {e}"));
        return EXIT_USAGE_OR_IO;
    }
    if unreadable > 0 {
        EXIT_USAGE_OR_IO
    } else if totals.files_with_errors > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Reads, parses and validates one file. `named` is true for files named on the command line.
fn check(path: &Path, named: bool, opts: &Options) -> Outcome {
    let stdin = path.as_os_str() == "-";
    let file = if stdin { "<stdin>".to_string() } else { path.display().to_string() };
    tracing::debug!(%file, "checking");
    let read = if stdin { input::read_stdin() } else { input::read_text(path) };
    let text = match read {
        Ok(t) => t,
        Err(e) => return Outcome::Checked(unreadable(file, &e)),
    };
    let diagnostics = match Document::parse(&text) {
        Ok(doc) => {
            if !named && !validate::looks_like_pipeline(&doc) {
                return Outcome::Skipped("not a pipeline (no top-level `workflow` key)".into());
            }
            validate::validate(&doc, opts)
        }
        Err(e) => {
            if !named && !mentions_workflow_key(&text) {
                return Outcome::Skipped(format!(
                    "not valid YAML ({}:{}: {}) and no top-level `workflow:` line",
                    e.line, e.col, e.message
                ));
            }
            vec![pipeline_format::Diagnostic::from_parse_error(&e)]
        }
    };
    Outcome::Checked(FileReport { file, source: Some(text), diagnostics, read_error: None })
}

fn unreadable(file: String, e: &InputError) -> FileReport {
    FileReport { file, source: None, diagnostics: Vec::new(), read_error: Some(ReadFailure::from(e)) }
}

/// Whether a line of `text` starts (unindented) with a `workflow` key, quoted or not. Used only for text
/// that is not valid YAML, to tell a broken pipeline from other YAML-named files.
fn mentions_workflow_key(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start_matches('{');
        let rest = ["workflow", "\"workflow\"", "'workflow'"].iter().find_map(|k| l.strip_prefix(k));
        rest.is_some_and(|r| r.trim_start().starts_with(':'))
    })
}

/// Collects `*.yaml`/`*.yml` files under `dir`, sorted, into `files`; a folder that cannot be listed is
/// reported into `reports` as unreadable.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, reports: &mut Vec<FileReport>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let err = input::InputError::Io(e);
            reports.push(unreadable(dir.display().to_string(), &err));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = fs::symlink_metadata(&p) else { continue };
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if meta.is_dir() {
            if name.starts_with('.') {
                tracing::debug!(folder = %p.display(), "hidden folder not entered");
            } else {
                walk(&p, files, reports);
            }
        } else if is_yaml_name(&name) && (meta.is_file() || fs::metadata(&p).is_ok_and(|m| m.is_file())) {
            files.push(p);
        }
    }
}

fn is_yaml_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_key_heuristic() {
        assert!(mentions_workflow_key("# c\nworkflow:\n  name: [\n"));
        assert!(mentions_workflow_key("\"workflow\" : {"));
        assert!(mentions_workflow_key("{workflow: {name: x"));
        assert!(!mentions_workflow_key("on:\n  workflow_dispatch:\n"));
        assert!(!mentions_workflow_key("  workflow: nested\n"));
    }

    #[test]
    fn yaml_names() {
        assert!(is_yaml_name("a.yaml") && is_yaml_name("B.YML"));
        assert!(!is_yaml_name("a.json") && !is_yaml_name("yaml"));
    }
}
