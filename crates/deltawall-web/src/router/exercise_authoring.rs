//! The exercise authoring routes beside `incident_response.rs`'s: a contingency plan edited
//! in the pages and appended as a new version (`exercises/plan_form.rs`), and the
//! organiser's schedule as a workbook, out and in; `router/mod.rs` mounts them.

use super::AppState;
use axum::Router;
use axum::routing::{get, post};

/// `POST /contingency-plans/versions`, and `GET` (export) and `POST` (import) of
/// `/exercises/editions/{id}/schedule.xlsx`.
pub(super) fn exercise_authoring_routes() -> Router<AppState> {
    use crate::exercises::pages as x;
    Router::new()
        .route("/contingency-plans/versions", post(x::plan_version))
        .route(
            "/exercises/editions/{id}/schedule.xlsx",
            get(x::schedule_xlsx).post(x::schedule_xlsx_import),
        )
}
