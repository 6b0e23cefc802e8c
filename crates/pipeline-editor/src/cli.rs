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
    /// Run the editor server (HTTP API; the web app comes later).
    ///
    /// With no users yet, creates a local owner and a team and prints a one-time sign-in link.
    Serve(ServeArgs),
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import pipeline files (or folders of them) into the store.
    ///
    /// Pipelines with validation errors are imported with a note; text that is not YAML is refused.
    Import(ImportArgs),
    /// Export every pipeline as one YAML file, keeping original file names.
    Export(ExportArgs),
    /// Load-test a running server's sync WebSocket: create pipelines, open many clients, edit, measure.
    ///
    /// Creates P pipelines of N steps over the HTTP API, connects C sync clients to each, and has every
    /// client set one field of a random step E times a second (open loop). Prints edit→peer and edit→ack
    /// latency percentiles, deliveries, throughput, errors and the server's memory.
    ///
    /// Exit status: 0 when every client connected and every measured edit was acked and reached every peer;
    /// 1 otherwise, or when setup failed; 2 for bad arguments.
    Loadtest(LoadtestArgs),
}

/// Where the data lives: `--data DIR` (SQLite) or `--database-url URL` (PostgreSQL).
#[derive(Debug, Args, Clone, Default)]
pub struct StoreArgs {
    /// Data folder holding the SQLite database [default: the user's data folder/pipeline-editor].
    #[arg(long, value_name = "DIR", conflicts_with = "database_url")]
    pub data: Option<PathBuf>,

    /// A PostgreSQL URL (`postgres://…`) instead of the SQLite data folder.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Mark session cookies `Secure` (set this when users reach the server over https).
    #[arg(long)]
    pub secure_cookies: bool,

    /// Run as a local node of this team server (`http://host:port` or `https://host[:port]`): keep a replica
    /// of every pipeline the token's user can reach there, edit them here (also offline), and sync both ways
    /// whenever it is reachable. See docs/local-node.md.
    #[arg(long, value_name = "URL")]
    pub sync_to: Option<String>,

    /// With an `https://` `--sync-to`: also trust the CA certificates in this PEM file (a team server whose
    /// certificate comes from a private CA). The system's root certificates are always trusted.
    #[arg(long, value_name = "FILE", requires = "sync_to")]
    pub sync_ca: Option<PathBuf>,

    /// The team server's API token for `--sync-to`. The environment variable PIPELINE_EDITOR_SYNC_TOKEN
    /// is read when this is absent (it keeps the token out of the process list).
    #[arg(long, value_name = "TOKEN", requires = "sync_to")]
    pub token: Option<String>,

    /// With `--sync-to`: list the team server's pipelines this often, to pick up new ones [seconds].
    #[arg(long, value_name = "SECS", default_value_t = 10, requires = "sync_to")]
    pub sync_relist_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (or add an existing one to a team) and print a one-time sign-in link.
    Create(UserCreateArgs),
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The user's email (their login).
    #[arg(value_name = "EMAIL")]
    pub email: String,

    /// Display name.
    #[arg(long)]
    pub name: Option<String>,

    /// Team to add the user to, created if needed.
    #[arg(long, default_value = "Local")]
    pub team: String,

    /// Role in the team [default: owner for a new team, member otherwise].
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,

    /// Read a password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Owner,
    Admin,
    Member,
    Viewer,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; the token is the last line of the output.
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The user's email.
    #[arg(value_name = "EMAIL")]
    pub email: String,

    /// A name to recognise the token by.
    #[arg(long, default_value = "command line")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Files or folders (searched recursively for *.yaml and *.yml).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Team that owns the imported pipelines, created if needed.
    #[arg(long, default_value = "Local")]
    pub team: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Folder to write the YAML files to (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Only this team's pipelines (by name).
    #[arg(long)]
    pub team: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoadtestArgs {
    /// The server's HTTP base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub url: String,

    /// An API token (`pipeline-editor token create`) of a user who may create pipelines.
    #[arg(long, value_name = "TOKEN")]
    pub token: String,

    /// Number of pipelines to create.
    #[arg(long, value_name = "P", default_value_t = 1)]
    pub pipelines: u32,

    /// Sync clients per pipeline.
    #[arg(long, value_name = "C", default_value_t = 2)]
    pub clients_per_pipeline: u32,

    /// Seconds of measured editing.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub duration: f64,

    /// Edits per second, per client.
    #[arg(long, value_name = "E", default_value_t = 1.0)]
    pub edits_per_second: f64,

    /// Steps in each generated pipeline.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub steps: u32,

    /// Seconds of editing before measuring starts (not counted).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub warmup: f64,

    /// The server's process id, to read its memory (VmRSS, VmHWM) from /proc.
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
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
