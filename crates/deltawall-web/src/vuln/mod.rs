//! Vulnerability diagnosis (issue 15): the scope, scanner imports, findings with their
//! clocks and decisions. `api.rs` is the JSON API under `/api/v1/vulnerabilities`;
//! `pages.rs` and `views.rs` with the templates beside them are the pages under
//! `/vulnerabilities`. `spool.rs` copies scan uploads to an anonymous file as they arrive.
//! Third parties and the sector: `tp_api.rs` (contracts and the supervisor's roll-up as JSON),
//! `tp_pages.rs` and `tp_views.rs` with `contracts.html`, `contract.html` and `sector.html`.

pub(crate) mod api;
pub mod pages;
mod spool;
pub(crate) mod tp_api;
pub mod tp_pages;
mod tp_views;
pub(crate) mod views;
