//! The route tables of vulnerability diagnosis (issue 15, `vuln/`): the pages and the API;
//! `router/mod.rs` mounts them.

use super::AppState;
use crate::vuln::api as v;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// `/api/v1/vulnerabilities…`. KEV and EPSS files may be as large as the importers accept;
/// a scan is streamed to disk by its handler, which counts the same limit; every other body
/// keeps the router's default limit.
pub(super) fn vuln_api_routes() -> Router<AppState> {
    let files = DefaultBodyLimit::max(deltawall_app::vuln::MAX_IMPORT_BYTES);
    Router::new()
        .route("/api/v1/vulnerabilities", get(v::list))
        .route(
            "/api/v1/vulnerabilities/scope",
            get(v::scope).post(v::add_asset),
        )
        .route("/api/v1/vulnerabilities/imports", post(v::import))
        .route("/api/v1/vulnerabilities/kev", post(v::kev).layer(files))
        .route("/api/v1/vulnerabilities/epss", post(v::epss).layer(files))
        .route("/api/v1/vulnerabilities/{id}", get(v::detail))
        .route("/api/v1/vulnerabilities/{id}/decisions", post(v::decide))
        .route(
            "/api/v1/vulnerabilities/{id}/decisions/{decision}/approve",
            post(v::approve),
        )
}

/// `/vulnerabilities…`: the pages. The upload takes the importers' limit plus room for the
/// form's other parts; its file part is streamed to disk as it arrives.
pub(super) fn vuln_ui_routes() -> Router<AppState> {
    use crate::vuln::pages as p;
    let upload = DefaultBodyLimit::max(deltawall_app::vuln::MAX_IMPORT_BYTES + 64 * 1024);
    Router::new()
        .route("/vulnerabilities", get(p::list))
        .route("/vulnerabilities/scope", get(p::scope).post(p::add_asset))
        .route("/vulnerabilities/imports", post(p::import).layer(upload))
        .route("/vulnerabilities/{id}", get(p::detail))
        .route("/vulnerabilities/{id}/decisions", post(p::decide))
        .route(
            "/vulnerabilities/{id}/decisions/{decision}/approve",
            post(p::approve),
        )
}
