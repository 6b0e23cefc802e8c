//! One module per subcommand. Each `run` takes its parsed arguments and returns the process exit status
//! (see `cli::EXIT_*`); errors are reported to the user here, with the file and place concerned.

pub mod admin;
pub mod export;
pub mod import;
pub mod loadtest;
pub mod patch;
pub mod schema;
pub mod serve;
pub mod store;
pub mod validate;

use std::io::{self, Write};

/// Writes `text` to stdout. A closed pipe (`pipeline-editor ... | head`) is not an error.
pub fn print_stdout(text: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// A message for the user on stderr (`error: …`, `note: …`), not a log line.
pub fn message(text: &str) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}
