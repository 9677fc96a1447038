//! The route tables of the incident-response features (有事): the detections inbox and its
//! API, incident cases and regulator reports, exercises played in the platform, ATT&CK
//! coverage and TLPT engagements. `router/mod.rs` mounts them.

use super::AppState;
use crate::detections::{api as det_api, pages as det_pages};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The ATT&CK, TLPT and group-maturity pages (`attack/`, `tlpt/`, `maturity/`).
pub(super) fn attack_ui_routes() -> Router<AppState> {
    use crate::attack::pages as a;
    use crate::tlpt::pages as t;
    let bundle_limit = deltawall_app::attack::MAX_BUNDLE_BYTES + 64 * 1024;
    Router::new()
        .route("/attack", get(a::home))
        .route(
            "/attack/releases",
            post(a::import).layer(DefaultBodyLimit::max(bundle_limit)),
        )
        .route("/attack/mappings", post(a::map))
        .route("/attack/layers/{layer}", get(a::layer))
        .route("/attack/layers/{layer}/download", get(a::download))
        .route("/tlpt", get(t::list).post(t::create))
        .route("/tlpt/{id}", get(t::show))
        .route("/tlpt/{id}/commands", post(t::command))
        .route("/tlpt/{id}/scenarios", post(t::scenario))
        .route("/tlpt/{id}/chain", get(t::chain))
        .route("/tlpt/{id}/layer", get(t::layer))
        .route("/tlpt/{id}/layer/download", get(t::layer_download))
        .route(
            "/posture/group/maturity",
            get(crate::maturity::pages::group),
        )
}

/// The TLPT JSON API (`tlpt/api.rs`).
pub(super) fn tlpt_api_routes() -> Router<AppState> {
    use crate::tlpt::api as t;
    Router::new()
        .route("/api/v1/tlpt/engagements", get(t::list).post(t::create))
        .route("/api/v1/tlpt/engagements/{id}", get(t::show))
        .route("/api/v1/tlpt/engagements/{id}/commands", post(t::command))
        .route("/api/v1/tlpt/engagements/{id}/chain", get(t::chain))
        .route("/api/v1/tlpt/engagements/{id}/layer", get(t::layer))
}

/// Exercises played in the platform (`exercises/`): design, blind play with live events,
/// evaluation and contingency plans.
pub(super) fn exercise_ui_routes() -> Router<AppState> {
    use crate::exercises::{events as xe, pages as x};
    Router::new()
        .route("/exercises/editions", get(x::editions).post(x::create))
        .route("/exercises/editions/{id}", get(x::edition))
        .route("/exercises/editions/{id}/events", get(xe::events))
        .route(
            "/exercises/editions/{id}/schedule.csv",
            get(x::schedule_csv),
        )
        .route(
            "/exercises/editions/{id}/schedule",
            post(x::schedule_import),
        )
        .route("/exercises/editions/{id}/enrol", post(x::enrol))
        .route("/exercises/editions/{id}/clock", post(x::clock))
        .route("/exercises/editions/{id}/releases", post(x::release))
        .route("/exercises/editions/{id}/responses", post(x::respond))
        .route(
            "/exercises/editions/{id}/evaluation",
            get(x::evaluation_page),
        )
        .route(
            "/exercises/editions/{id}/self-assessments",
            post(x::self_assess),
        )
        .route("/exercises/editions/{id}/ratings", post(x::rate))
        .route("/exercises/editions/{id}/measures", post(x::propose))
        .route("/exercises/editions/{id}/observations", post(x::observe))
        .route("/exercises/measures/{measure}/accept", post(x::accept))
        .route("/exercises/measures/{measure}/decline", post(x::decline))
        .route("/contingency-plans", get(x::plans_page))
}

/// The exercise JSON API (`exercises/api.rs`).
pub(super) fn exercise_api_routes() -> Router<AppState> {
    use crate::exercises::api as x;
    Router::new()
        .route("/api/v1/exercises/editions", get(x::list).post(x::create))
        .route("/api/v1/exercises/editions/{id}", get(x::get))
        .route(
            "/api/v1/exercises/editions/{id}/schedule",
            axum::routing::put(x::schedule),
        )
        .route("/api/v1/exercises/editions/{id}/enrol", post(x::enrol))
        .route("/api/v1/exercises/editions/{id}/clock", post(x::clock))
        .route("/api/v1/exercises/editions/{id}/releases", post(x::release))
        .route(
            "/api/v1/exercises/editions/{id}/responses",
            post(x::respond),
        )
        .route(
            "/api/v1/exercises/editions/{id}/evaluation",
            get(x::evaluation_get),
        )
        .route("/api/v1/exercises/editions/{id}/feedback", get(x::feedback))
        .route(
            "/api/v1/exercises/editions/{id}/self-assessments",
            post(x::self_assess),
        )
        .route("/api/v1/exercises/editions/{id}/ratings", post(x::rate))
        .route("/api/v1/exercises/editions/{id}/measures", post(x::propose))
        .route(
            "/api/v1/exercises/editions/{id}/observations",
            post(x::observe),
        )
        .route(
            "/api/v1/exercises/editions/{id}/plan-tests",
            post(x::plan_test),
        )
        .route(
            "/api/v1/exercises/measures/{measure}/accept",
            post(x::accept),
        )
        .route(
            "/api/v1/exercises/measures/{measure}/decline",
            post(x::decline),
        )
        .route(
            "/api/v1/contingency-plans",
            get(x::plans_get).post(x::plan_add),
        )
}

/// The detections inbox (`detections/pages.rs`).
pub(super) fn detection_ui_routes() -> Router<AppState> {
    Router::new()
        .route("/detections", get(det_pages::inbox))
        .route("/detections/groups", get(det_pages::groups))
        .route("/detections/triage", post(det_pages::triage))
}

/// The detections API (`detections/api.rs`); a batch of scan output has its own body limit.
pub(super) fn detection_api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/detections",
            get(det_api::list)
                .post(det_api::ingest)
                .layer(DefaultBodyLimit::max(
                    deltawall_app::detections::MAX_INGEST_BYTES,
                )),
        )
        .route("/api/v1/detections/groups", get(det_api::groups))
}

/// The pages of incident cases and regulator reports (`incidents/`).
pub(super) fn incident_ui_routes() -> Router<AppState> {
    use crate::incidents::pages as p;
    Router::new()
        .route("/incidents/cases", get(p::list))
        .route("/incidents/new", get(p::new_form).post(p::open))
        .route("/incidents/cases/{id}", get(p::detail))
        .route("/incidents/cases/{id}/change", post(p::change))
        .route("/incidents/cases/{id}/tasks", post(p::add_task))
        .route(
            "/incidents/cases/{id}/tasks/{task}/done",
            post(p::task_done),
        )
        .route("/incidents/cases/{id}/customer", post(p::customer))
        .route("/incidents/cases/{id}/observables", post(p::observable))
        .route("/incidents/cases/{id}/reports", post(p::submit))
        .route(
            "/incidents/cases/{id}/not-reporting",
            post(p::not_reporting),
        )
        .route("/incidents/cases/{id}/share", post(p::share_back))
        .route("/incidents/cases/{id}/prevention", post(p::prevention))
        .route("/incidents/reports", get(p::report_list))
        .route("/incidents/reports/{id}", get(p::report))
        .route("/incidents/reports/{id}/review", post(p::review))
        .route(
            "/supervision/incident-board",
            get(crate::incidents::board::page),
        )
        .merge(room_ui_routes())
        .merge(super::incident_patterns::pattern_ui_routes())
}

/// The pages of coordination rooms (`incidents/rooms/pages.rs`).
fn room_ui_routes() -> Router<AppState> {
    use crate::incidents::rooms::pages as r;
    Router::new()
        .route("/coordination", get(r::list).post(r::declare))
        .route("/coordination/{id}", get(r::room))
        .route("/coordination/{id}/messages", post(r::post))
        .route("/coordination/{id}/statuses", get(r::history))
        .route("/coordination/{id}/status", post(r::status))
        .route("/coordination/{id}/cases", post(r::link))
        .route("/coordination/{id}/close", post(r::close))
}

/// The JSON API of coordination rooms (`incidents/rooms/api.rs`).
fn room_api_routes() -> Router<AppState> {
    use crate::incidents::rooms::api as r;
    Router::new()
        .route("/api/v1/coordination/rooms", get(r::list).post(r::declare))
        .route("/api/v1/coordination/rooms/{id}", get(r::get))
        .route(
            "/api/v1/coordination/rooms/{id}/messages",
            get(r::messages).post(r::post),
        )
        .route("/api/v1/coordination/rooms/{id}/statuses", get(r::statuses))
        .route("/api/v1/coordination/rooms/{id}/status", post(r::status))
        .route("/api/v1/coordination/rooms/{id}/cases", post(r::link))
        .route("/api/v1/coordination/rooms/{id}/close", post(r::close))
}

/// The JSON API of incident cases and regulator reports (`incidents/api.rs`).
pub(super) fn incident_api_routes() -> Router<AppState> {
    use crate::incidents::api as a;
    Router::new()
        .route("/api/v1/incidents/cases", get(a::list).post(a::open))
        .route("/api/v1/incidents/cases/{id}", get(a::detail))
        .route("/api/v1/incidents/cases/{id}/commands", post(a::command))
        .route("/api/v1/incidents/cases/{id}/tasks", post(a::task))
        .route("/api/v1/incidents/cases/{id}/customer", post(a::customer))
        .route(
            "/api/v1/incidents/cases/{id}/observables",
            post(a::observable),
        )
        .route("/api/v1/incidents/cases/{id}/reports", post(a::submit))
        .route(
            "/api/v1/incidents/cases/{id}/not-reporting",
            post(a::not_reporting),
        )
        .route("/api/v1/incidents/cases/{id}/share", post(a::share_back))
        .route(
            "/api/v1/incidents/cases/{id}/prevention",
            post(a::prevention),
        )
        .route("/api/v1/incidents/reports", get(a::reports_list))
        .route("/api/v1/incidents/reports/{id}", get(a::report))
        .route("/api/v1/incidents/reports/{id}/review", post(a::review))
        .route(
            "/api/v1/supervision/incident-board",
            get(crate::incidents::board::api),
        )
        .merge(room_api_routes())
        .merge(super::incident_patterns::pattern_api_routes())
}
