//! Vulnerability diagnosis (issue 15): the scope, scanner imports, findings with their
//! clocks and decisions. `api.rs` is the JSON API under `/api/v1/vulnerabilities`;
//! `pages.rs` and `views.rs` with the templates beside them are the pages under
//! `/vulnerabilities`. `spool.rs` copies scan uploads to an anonymous file as they arrive.

pub(crate) mod api;
pub mod pages;
mod spool;
pub(crate) mod views;
