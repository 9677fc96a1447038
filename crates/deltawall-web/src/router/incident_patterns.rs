//! The route tables of incident patterns and the alert drafted from one
//! (`incidents/patterns/`); `incident_response.rs` merges them with the board's.

use super::AppState;
use crate::incidents::patterns as p;
use axum::Router;
use axum::routing::get;

/// `/supervision/incident-board/alert`: the draft and its sending.
pub(super) fn pattern_ui_routes() -> Router<AppState> {
    Router::new().route(
        "/supervision/incident-board/alert",
        get(p::alert_form).post(p::alert_send),
    )
}

/// `/api/v1/supervision/incident-board/{patterns,alert-draft}`.
pub(super) fn pattern_api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/supervision/incident-board/patterns",
            get(p::patterns_api),
        )
        .route(
            "/api/v1/supervision/incident-board/alert-draft",
            get(p::draft_api),
        )
}
