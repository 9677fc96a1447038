//! The route tables of third parties and the sector roll-up (issue 15, points 5 to 7,
//! `vuln/tp_*.rs`): contracts with their clause gaps, and the supervisor's k-anonymous
//! view; `router/mod.rs` mounts them. Every body keeps the router's default limit.

use super::AppState;
use axum::Router;
use axum::routing::get;

/// `/api/v1/vulnerabilities/contracts…` and `/api/v1/vulnerabilities/sector`.
pub(super) fn vuln_tp_api_routes() -> Router<AppState> {
    use crate::vuln::tp_api as t;
    Router::new()
        .route(
            "/api/v1/vulnerabilities/contracts",
            get(t::contracts).post(t::add_contract),
        )
        .route("/api/v1/vulnerabilities/contracts/{id}", get(t::contract))
        .route("/api/v1/vulnerabilities/sector", get(t::sector))
}

/// `/vulnerabilities/contracts…` and `/vulnerabilities/sector`: the pages.
pub(super) fn vuln_tp_ui_routes() -> Router<AppState> {
    use crate::vuln::tp_pages as p;
    Router::new()
        .route(
            "/vulnerabilities/contracts",
            get(p::contracts).post(p::add_contract),
        )
        .route("/vulnerabilities/contracts/{id}", get(p::contract))
        .route("/vulnerabilities/sector", get(p::sector))
}
