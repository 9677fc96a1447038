//! Every error a person can meet is a page: answers that left a handler or an extractor
//! without a page (405 from the router, 413 from the body limit, 415, the CSRF refusal, a
//! panic's 500) are rendered inside the layout in the visitor's language, with a way back.
//! A GET on an address that only takes a form's POST (a bookmarked or expired form) goes to
//! the page that holds the form instead. The API and TAXII keep their JSON answers.

use crate::http::visitor_lang;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Addresses whose form lives elsewhere than the parent path.
const FORM_PAGES: &[(&str, &str)] = &[
    ("/supervision/requests", "/supervision/requests/new"),
    ("/supervision/requests/preview", "/supervision/requests/new"),
    ("/supervision/alerts", "/supervision/alerts/new"),
    ("/supervision/alerts/preview", "/supervision/alerts/new"),
    ("/logout", "/"),
    ("/lang", "/"),
    ("/account/totp/confirm", "/account"),
];

/// The page that holds the form posting to `path`: a known one, else the parent path
/// (`/tasks/{id}/submit` → `/tasks/{id}`), with `…/revoke` going to the list.
pub fn form_page(path: &str) -> String {
    if let Some((_, to)) = FORM_PAGES.iter().find(|(from, _)| *from == path) {
        return (*to).to_owned();
    }
    let trimmed = path.trim_end_matches('/');
    let parent = trimmed.rsplit_once('/').map_or("/", |(p, _)| p);
    let parent = if trimmed.ends_with("/revoke") {
        parent.rsplit_once('/').map_or("/", |(p, _)| p)
    } else {
        parent
    };
    if parent.is_empty() {
        "/".into()
    } else {
        parent.to_owned()
    }
}

fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/taxii2")
        || path == "/healthz"
        || path == "/readyz"
}

fn is_page(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

fn message_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        // Handlers answer 403 with a page of their own; a bare 403 on a UI address is the
        // CSRF layer's refusal of a cross-site form.
        403 => "err-csrf",
        404 => "err-not-found",
        405 => "err-method",
        413 => "err-body-too-large",
        415 | 400 | 422 => "err-bad-request",
        429 => "err-throttled",
        503 => "err-busy",
        _ => "err-internal",
    }
}

/// The middleware: turns non-page error answers on UI addresses into pages.
pub async fn as_pages(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let get = req.method() == Method::GET;
    let lang = visitor_lang(req.headers());
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || is_machine_path(&path)
        || is_page(&resp)
        || status == StatusCode::UNAUTHORIZED
    {
        return resp;
    }
    if status == StatusCode::METHOD_NOT_ALLOWED && get {
        return Redirect::to(&form_page(&path)).into_response();
    }
    let retry = resp.headers().get(header::RETRY_AFTER).cloned();
    let mut page = super::error_page(status, lang, crate::i18n::t(lang, message_key(status)));
    if let Some(r) = retry {
        page.headers_mut().insert(header::RETRY_AFTER, r);
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, expected: &str) {
        assert_eq!(form_page(path), expected, "{path}");
    }

    #[test]
    fn forms_are_found_where_they_live() {
        check("/supervision/requests", "/supervision/requests/new");
        check("/tasks/t1/submit", "/tasks/t1");
        check("/alerts/a1/ack", "/alerts/a1");
        check("/tokens/k1/revoke", "/tokens");
        check("/account/password", "/account");
        check("/posture/assessments", "/posture");
        check("/orgs", "/");
    }
}
