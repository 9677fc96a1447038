//! What a service call returns when an operation did not happen. The web layer maps each
//! variant to an HTTP status, a JSON envelope or a localised page; nothing here knows HTTP.

use deltawall_domain::validate::Invalid;
use deltawall_store::StoreError;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in, but the role lacks the permission.
    #[error("permission denied")]
    Forbidden,
    /// The record does not exist or is not visible to the caller (indistinguishable on purpose).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An input value is wrong.
    #[error("{0}")]
    Invalid(Invalid),
    /// An uploaded document is refused; `message` says why and where (JSON path, line and
    /// column, or CSV line), so it is shown as it is.
    #[error("{message}")]
    Refused {
        /// Stable message key.
        code: &'static str,
        /// The input field (upload part) at fault.
        field: &'static str,
        /// What is wrong, with its location.
        message: String,
    },
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// Stable message key.
        code: &'static str,
        /// English message.
        message: String,
    },
    /// Refused by login throttling.
    #[error("too many attempts; try again later")]
    Throttled,
    /// The bounded password-hashing pool is full; the web layer answers 503 with
    /// `Retry-After`.
    #[error("the server is busy; try again shortly")]
    Busy,
    /// Wrong login name, password or code (never says which).
    #[error("login name or password is wrong")]
    BadCredentials,
    /// Anything else; details go to the log, not the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ServiceError::NotFound(what),
            StoreError::Conflict(what) => ServiceError::Conflict {
                code: "err-conflict",
                message: format!("{what} already exists"),
            },
            StoreError::BadCursor(why) => ServiceError::Refused {
                code: "err-bad-request",
                field: "cursor",
                message: format!("cursor: not one this list handed out ({why})"),
            },
            other => ServiceError::Internal(other.into()),
        }
    }
}

impl From<deltawall_store::DbError> for ServiceError {
    fn from(e: deltawall_store::DbError) -> Self {
        ServiceError::Internal(e.into())
    }
}

impl From<Invalid> for ServiceError {
    fn from(e: Invalid) -> Self {
        ServiceError::Invalid(e)
    }
}

impl From<crate::platform::auth::password::Busy> for ServiceError {
    fn from(_: crate::platform::auth::password::Busy) -> Self {
        ServiceError::Busy
    }
}

impl ServiceError {
    /// A failed password hash: [`ServiceError::Busy`] when the pool was full, else internal.
    pub fn from_hash(e: anyhow::Error) -> Self {
        if e.downcast_ref::<crate::platform::auth::password::Busy>()
            .is_some()
        {
            ServiceError::Busy
        } else {
            ServiceError::Internal(e)
        }
    }

    /// The stable message key, for localisation and for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthenticated => "err-unauthenticated",
            ServiceError::Forbidden => "err-forbidden",
            ServiceError::NotFound(_) => "err-not-found",
            ServiceError::Invalid(i) => i.code,
            ServiceError::Refused { code, .. } => code,
            ServiceError::Conflict { code, .. } => code,
            ServiceError::Throttled => "err-throttled",
            ServiceError::Busy => "err-busy",
            ServiceError::BadCredentials => "err-bad-credentials",
            ServiceError::Internal(_) => "err-internal",
        }
    }
}
