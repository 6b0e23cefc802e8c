//! The JSON Schema of the format. TODO: being written.
