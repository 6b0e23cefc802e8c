//! `StoreError`, the one error type of the crate, and the mapping from database errors to it.
//!
//! Callers match on the kind (`NotFound`, `Conflict`, `Invalid`, `Compacted`) to pick an HTTP status; the
//! database's own error stays inside `Backend` as an opaque source, so that neither sqlx nor SQL text leaks into
//! the server's responses (it logs the source, the client gets a generic message).

use std::fmt;

/// The crate's result alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in a `Store` call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The addressed record does not exist (or, for a reference inside a new record, the referenced one does not).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule would be broken (an email or team name already taken, a snapshot already stored).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The input breaks a rule of the store (an empty name, an email without `@`, a sequence number from the
    /// future); the message says which, in words a user can act on.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The updates asked for were folded into a snapshot and deleted: reload the document with `Store::load`.
    #[error("updates after seq {after} were compacted; the oldest kept update follows seq {snapshot_seq}")]
    Compacted {
        /// The sequence number the caller asked to continue after.
        after: u64,
        /// The sequence number the latest snapshot covers.
        snapshot_seq: u64,
    },
    /// The database failed (I/O, connection, corrupt row, migration). Not the caller's fault; log and retry later.
    #[error("storage backend error: {0}")]
    Backend(#[source] BackendError),
}

/// The cause of a `StoreError::Backend`, opaque so that callers do not depend on sqlx.
pub struct BackendError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl BackendError {
    pub(crate) fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self(err.into())
    }
}

impl fmt::Debug for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl StoreError {
    /// A backend error from any cause (a row that does not decode, a migration failure).
    pub(crate) fn backend(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend(BackendError::new(err))
    }

    /// A value read back from the database that the store itself could not have written.
    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Self::backend(format!("corrupt row: {}", what.into()))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if matches!(err, sqlx::Error::RowNotFound) {
            return Self::NotFound("record");
        }
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return Self::Conflict("already exists".into());
            }
            if db.is_foreign_key_violation() {
                return Self::NotFound("referenced record");
            }
            if db.is_check_violation() {
                return Self::Invalid(db.message().to_owned());
            }
        }
        Self::backend(err)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::backend(err)
    }
}

/// Gives unique and foreign-key violations the caller's vocabulary: "email already taken" is more useful than
/// "already exists", and "pipeline not found" more than "referenced record not found".
pub(crate) trait ResultExt<T> {
    /// On a unique violation, `Conflict(message)`.
    fn on_conflict(self, message: &str) -> Result<T>;
    /// On a foreign-key violation (or no row), `NotFound(what)`.
    fn on_missing(self, what: &'static str) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_conflict(self, message: &str) -> Result<T> {
        self.map_err(StoreError::from).on_conflict(message)
    }

    fn on_missing(self, what: &'static str) -> Result<T> {
        self.map_err(StoreError::from).on_missing(what)
    }
}

impl<T> ResultExt<T> for Result<T> {
    fn on_conflict(self, message: &str) -> Result<T> {
        self.map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(message.to_owned()),
            other => other,
        })
    }

    fn on_missing(self, what: &'static str) -> Result<T> {
        self.map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::NotFound(what),
            other => other,
        })
    }
}
