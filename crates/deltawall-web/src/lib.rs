//! Deltawall's web service: the UI pages, the JSON API under `/api/v1`, authentication, and
//! the service layer they share.
//!
//! Layers, outermost first:
//! - [`router`]: every route in one file, and the middleware stack (CSRF, limits, headers).
//! - `http`: handlers. Each extracts its input and the [`auth::Actor`], calls one service
//!   function and maps the result to a page or JSON. No business rule lives here.
//! - [`service`]: the operations (sign in, create a user, …). Each checks permissions,
//!   runs one transaction and writes its audit entry in that same transaction.
//! - `deltawall_store`: SQL, with tenant scoping applied in one place.
#![deny(missing_docs)]

pub mod auth;
pub mod config;
pub mod demo;
pub mod demo_large;
mod demo_posture;
mod demo_sup_figures;
mod demo_sup_monitoring;
mod demo_sup_requests;
pub mod error;
pub mod export;
pub mod export_html;
mod export_report;
mod http;
pub mod i18n;
pub mod openapi;
pub mod router;
pub mod service;
mod views;
mod views_oscal;
mod views_posture;
mod views_sup_alerts;
mod views_sup_figures;
mod views_sup_rank;
mod views_sup_requests;

pub use config::Config;
pub use router::{AppState, build_router};
