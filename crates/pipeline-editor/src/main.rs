//! `pipeline-editor`: the binary. It parses the command line, sets up logging and hands over to
//! `commands`; everything that does work lives there, in `pipeline-format` and in `pipeline-server`.

mod cli;
mod commands;
mod input;
mod report;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc returns freed memory to the system where glibc's malloc kept it (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.verbose);
    // HTTP clients built without a TLS configuration of their own (`loadtest`) use ring, the one provider
    // this build has.
    pipeline_server::sync::tls::install_default_provider();
    let code = match cli.command {
        cli::Command::Validate(args) => commands::validate::run(&args),
        cli::Command::Schema => commands::schema::run(),
        cli::Command::Patch(args) => commands::patch::run(&args),
        cli::Command::Serve(args) => commands::serve::run(&args),
        cli::Command::User { command: cli::UserCommand::Create(args) } => commands::admin::user_create(&args),
        cli::Command::Token { command: cli::TokenCommand::Create(args) } => commands::admin::token_create(&args),
        cli::Command::Import(args) => commands::import::run(&args),
        cli::Command::Export(args) => commands::export::run(&args),
        cli::Command::Loadtest(args) => commands::loadtest::run(&args),
    };
    ExitCode::from(code)
}

/// Logs go to stderr; `RUST_LOG` wins over `-v`.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
