//! Deltawall's web surface: the UI pages, the JSON API under `/api/v1` and the TAXII 2.1
//! server, over the application services of `deltawall_app`.
//!
//! Layers, outermost first:
//! - [`router`]: every route in one file, and the middleware stack (CSRF, limits, headers).
//! - `http`: handlers. Each extracts its input and the actor, calls one service function
//!   of `deltawall_app` and maps the result to a page or JSON. No business rule lives here.
//! - views and templates: what a page shows; [`error`]: the one HTTP error type.
#![deny(missing_docs)]

mod attack;
pub mod config;
mod detections;
pub mod downloads;
pub mod error;
mod exercises;
mod home;
mod http;
// Incident cases and regulator reports (issue 13).
pub mod i18n;
mod incidents;
mod layout;
mod maturity;
pub mod openapi;
mod platform;
mod posture;
pub mod router;
mod sharing;
mod supervision;
mod tlpt;
mod vuln;

pub use config::Config;
pub use router::{AppState, build_router};
