//! The one HTTP error type. Services return [`ServiceError`]; handlers convert it to an
//! [`AppError`], which renders as a JSON envelope for the API and as a localised page for
//! the UI.

use crate::i18n::Lang;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use deltawall_domain::validate::Invalid;
use deltawall_store::StoreError;
use serde::Serialize;

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
    /// The bounded password-hashing pool is full; answered 503 with `Retry-After`.
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

impl From<crate::auth::password::Busy> for ServiceError {
    fn from(_: crate::auth::password::Busy) -> Self {
        ServiceError::Busy
    }
}

impl ServiceError {
    /// A failed password hash: [`ServiceError::Busy`] when the pool was full, else internal.
    pub fn from_hash(e: anyhow::Error) -> Self {
        if e.downcast_ref::<crate::auth::password::Busy>().is_some() {
            ServiceError::Busy
        } else {
            ServiceError::Internal(e)
        }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ServiceError::Unauthenticated | ServiceError::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            ServiceError::Forbidden => StatusCode::FORBIDDEN,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Invalid(_) | ServiceError::Refused { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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

/// How an error is shown to the client.
#[derive(Debug)]
pub enum AppError {
    /// As the API's JSON envelope.
    Json(ServiceError),
    /// As a localised HTML page.
    Page(ServiceError, Lang),
    /// Go elsewhere first (sign in, second factor).
    Redirect(&'static str),
    /// A request the API's extractors refused (bad JSON, unknown field, wrong content type),
    /// with the status they chose and their message, which names the location.
    Status {
        /// 400, 413, 415 or 422.
        status: StatusCode,
        /// What is wrong.
        message: String,
    },
    /// A malformed UI form caught before any service ran; shown as a localised page.
    BadRequest {
        /// What is wrong, with its location when known.
        message: String,
        /// Language of a page answer.
        lang: Lang,
    },
}

/// The API's error envelope: `{"error": {"code", "message", "field"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `err-forbidden`.
    pub code: String,
    /// English message.
    pub message: String,
    /// The input field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn log_internal(e: &ServiceError) {
    if let ServiceError::Internal(inner) = e {
        tracing::error!(error = %format!("{inner:#}"), "internal error");
    }
}

/// Renders the JSON envelope.
pub fn json_error(
    status: StatusCode,
    code: &str,
    message: String,
    field: Option<String>,
) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
            field,
        },
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let busy = matches!(
            self,
            AppError::Json(ServiceError::Busy) | AppError::Page(ServiceError::Busy, _)
        );
        let mut resp = self.render();
        if busy {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        resp
    }
}

impl AppError {
    fn render(self) -> Response {
        match self {
            AppError::Json(e) => {
                log_internal(&e);
                let field = match &e {
                    ServiceError::Invalid(i) => Some(i.field.to_owned()),
                    ServiceError::Refused { field, .. } => Some((*field).to_owned()),
                    _ => None,
                };
                let mut resp = json_error(e.status(), e.code(), e.to_string(), field);
                if matches!(e, ServiceError::Unauthenticated) {
                    resp.headers_mut().insert(
                        "www-authenticate",
                        axum::http::HeaderValue::from_static("Bearer"),
                    );
                }
                resp
            }
            AppError::Page(e, lang) => {
                log_internal(&e);
                if matches!(e, ServiceError::Unauthenticated) {
                    return axum::response::Redirect::to("/login").into_response();
                }
                let detail = match &e {
                    ServiceError::Invalid(i) => format!(
                        "{}: {}",
                        crate::i18n::t(lang, &format!("field-{}", i.field)),
                        crate::i18n::t(lang, i.code)
                    ),
                    ServiceError::Refused { code, message, .. } => {
                        format!("{}: {message}", crate::i18n::t(lang, code))
                    }
                    // The domain's reason for refusing a finding command, after the
                    // localised summary, so the user learns what to do instead.
                    ServiceError::Conflict {
                        code: code @ "err-finding-refused",
                        message,
                    } => format!("{}: {message}", crate::i18n::t(lang, code)),
                    other => crate::i18n::t(lang, other.code()).to_owned(),
                };
                crate::views::error_page(e.status(), lang, &detail)
            }
            AppError::Redirect(to) => axum::response::Redirect::to(to).into_response(),
            AppError::Status { status, message } => {
                json_error(status, "err-bad-request", message, None)
            }
            AppError::BadRequest { message, lang } => {
                let detail = format!("{}: {message}", crate::i18n::t(lang, "err-bad-request"));
                crate::views::error_page(StatusCode::BAD_REQUEST, lang, &detail)
            }
        }
    }
}
