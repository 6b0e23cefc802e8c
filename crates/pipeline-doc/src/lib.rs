//! The collaborative pipeline document (DESIGN.md decisions 2 and 3).
//!
//! A pipeline lives in a Loro document ([`PipelineDoc`]): workflow fields as nested maps and lists, steps in
//! a movable tree (loop bodies and inline child pipelines are children), canvas layout and comment threads
//! beside them, and the base text. Import parses YAML into it; export renders the model through
//! `pipeline_format`'s format-preserving writer into the base text. Text typed in the YAML pane becomes the
//! new base text and its model difference is applied as ordinary edits.
//!
//! - [`doc`]: the document, import/export, sync bytes, versions and restore;
//! - [`steps`]: steps in the tree and how a list of steps is synced into it;
//! - [`convert`]: JSON ↔ Loro maps and lists, and the minimal-edit sync of values;
//! - [`order`]: key order for export; [`comments`]: comment threads; [`history`]: diffs between versions.
//!
//! No I/O and no async: replicas exchange bytes, the server and the browser move them.

pub mod comments;
pub mod convert;
pub mod doc;
pub mod edit;
pub mod error;
pub mod history;
pub mod order;
pub mod steps;
pub mod summary;

pub use doc::{PipelineDoc, StepRef};
pub use edit::Place;
pub use error::DocError;
pub use loro;
pub use summary::{Summary, summarize};
