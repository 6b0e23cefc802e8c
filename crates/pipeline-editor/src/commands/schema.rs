//! `pipeline-editor schema`: prints the format's JSON Schema (2020-12), generated from the typed model in
//! `pipeline_format::schema`.

use crate::cli::{EXIT_OK, EXIT_USAGE_OR_IO};

pub fn run() -> u8 {
    let schema = pipeline_format::schema::json_schema();
    let mut text = match serde_json::to_string_pretty(&schema) {
        Ok(t) => t,
        Err(e) => {
            super::message(&format!("error: cannot print the schema: {e}"));
            return EXIT_USAGE_OR_IO;
        }
    };
    text.push('\n');
    match super::print_stdout(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            super::message(&format!("error: cannot write to stdout: {e}"));
            EXIT_USAGE_OR_IO
        }
    }
}
