//! The one HTTP error type. Services return `deltawall_app::ServiceError`; handlers convert it to an
//! [`AppError`], which renders as a JSON envelope for the API and as a localised page for
//! the UI.

use crate::i18n::Lang;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
pub use deltawall_app::ServiceError;
use serde::Serialize;

/// The HTTP status for a service error.
pub fn status(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Unauthenticated | ServiceError::BadCredentials => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Invalid(_) | ServiceError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::Throttled => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
                let mut resp = json_error(status(&e), e.code(), e.to_string(), field);
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
                        code: code @ ("err-finding-refused" | "err-tlpt-refused"),
                        message,
                    } => format!("{}: {message}", crate::i18n::t(lang, code)),
                    other => crate::i18n::t(lang, other.code()).to_owned(),
                };
                crate::layout::error_page(status(&e), lang, &detail)
            }
            AppError::Redirect(to) => axum::response::Redirect::to(to).into_response(),
            AppError::Status { status, message } => {
                json_error(status, "err-bad-request", message, None)
            }
            AppError::BadRequest { message, lang } => {
                let detail = format!("{}: {message}", crate::i18n::t(lang, "err-bad-request"));
                crate::layout::error_page(StatusCode::BAD_REQUEST, lang, &detail)
            }
        }
    }
}
