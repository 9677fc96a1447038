//! Incident cases and regulator reports (issue 13): the case list and page, opening a case
//! (also from detections of the inbox), phases, milestones, tasks, customer response,
//! observables, the regulator-report clocks, staged reports attested by an executive, and
//! the supervisor's accept / return of submissions in its reach. Routes are in
//! `router.rs` (`incident_ui_routes`, `incident_api_routes`).

pub mod api;
pub mod board;
pub mod pages;
pub mod patterns;
pub mod rooms;
pub(crate) mod views;
