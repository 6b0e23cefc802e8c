//! The typed model of the format. TODO: being written.
