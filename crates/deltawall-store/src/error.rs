use thiserror::Error;

/// A storage failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not one we support.
    #[error("unsupported database url `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// A uniqueness rule was violated (e.g. a login name already taken).
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A referenced record does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A stored value could not be read back as its type.
    #[error("corrupt value in {table}.{column}: {value}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// What was found.
        value: String,
    },
    /// A cursor from a client does not fit the list it was sent to (its values' number or
    /// types differ from the list's sort columns).
    #[error("cursor: {0}")]
    BadCursor(String),
    /// A backup file could not be restored.
    #[error("backup: {0}")]
    Backup(String),
    /// Any other database error.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the error is a violated unique constraint.
    pub fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
    }
}
