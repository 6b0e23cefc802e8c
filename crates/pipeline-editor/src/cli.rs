//! The command line, as clap derive definitions. This file only describes arguments; the work is done in
//! `commands/`. The interface (subcommands, flags, exit codes) is relied on by scripts and CI: change it
//! only deliberately.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit status when every checked file is free of errors (warnings allowed).
pub const EXIT_OK: u8 = 0;
/// Exit status when a file has an error, a patch cannot be applied, or a file cannot be parsed.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status for a usage error (clap's own) or a file that cannot be read as text.
pub const EXIT_USAGE_OR_IO: u8 = 2;

/// Pipeline Editor: validate, describe and patch pipeline_ex "YAML v2" pipeline files.
///
/// Exit status: 0 success (warnings allowed); 1 a file has errors, a patch cannot apply or a file cannot be
/// parsed; 2 usage error, or a file missing, unreadable, binary, not UTF-8 or over 16 MiB.
#[derive(Debug, Parser)]
#[command(name = "pipeline-editor", version)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check pipeline files and report errors and warnings.
    ///
    /// A folder is searched recursively for *.yaml and *.yml files (hidden folders are not entered); a file
    /// found there that is not a pipeline (no top-level `workflow` key) is skipped with a note on stderr.
    /// Files named on the command line are always checked. `-` reads standard input.
    Validate(ValidateArgs),
    /// Print the JSON Schema (2020-12) of the pipeline format.
    Schema,
    /// Apply an RFC 6902 JSON Patch to a pipeline file, keeping its formatting and comments.
    ///
    /// Prints the new YAML on stdout, or with --in-place replaces the file atomically.
    Patch(PatchArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Which checks to run: `pipeline_ex` (exactly what the real loader rejects) or `lint` (also what
    /// breaks or does nothing at run time).
    #[arg(long, value_enum, default_value_t = LevelArg::Lint)]
    pub level: LevelArg,

    /// Accept the `test_echo` step type, as pipeline_ex does in its test environment.
    #[arg(long)]
    pub allow_test_types: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,

    /// Files or folders to check (`-` for standard input).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    /// Only the real pipeline_ex loader's rules.
    #[value(name = "pipeline_ex", alias = "pipeline-ex")]
    PipelineEx,
    /// The loader's rules plus lint checks.
    Lint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// rustc-style messages with the source line and a caret underline.
    Human,
    /// One JSON array with an object per file.
    Json,
    /// SARIF 2.1.0, for code-scanning annotations in CI.
    Sarif,
}

#[derive(Debug, Args)]
pub struct PatchArgs {
    /// The pipeline file to patch.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// A JSON file holding the RFC 6902 patch (an array of operations).
    #[arg(value_name = "PATCH.json")]
    pub patch: PathBuf,

    /// Replace FILE (atomically: a temporary file in the same folder, then a rename) instead of printing.
    #[arg(long)]
    pub in_place: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
