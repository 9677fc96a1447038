//! Vulnerability diagnosis (issue 15): the scope, scanner imports, findings with their
//! clocks and decisions. `api.rs` is the JSON API under `/api/v1/vulnerabilities`.

pub(crate) mod api;
