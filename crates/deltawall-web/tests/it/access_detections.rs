//! The detections rows of the access route table (`access.rs`).

use crate::access::{Body_, Route, r};
use axum::http::Method;
use serde_json::json;

pub const TRIAGE_FORM: &[(&str, &str)] = &[
    ("detection", "det-00000000000000000000000000000000"),
    ("command", "acknowledge"),
];

fn alert_json() -> serde_json::Value {
    json!({"rule_id": "hijack", "title": "hijack", "kind": "match", "event": {"x": 1}})
}

/// The detections routes.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/detections", None),
        r(Method::GET, "/detections/groups", None),
        r(Method::POST, "/detections/triage", Form(TRIAGE_FORM)),
        r(Method::GET, "/api/v1/detections", None),
        r(Method::GET, "/api/v1/detections/groups", None),
        r(Method::POST, "/api/v1/detections", Json(alert_json)),
    ]
}

/// (role, route, path) that must be 403: auditors never ingest or triage.
pub fn forbidden() -> Vec<(deltawall_domain::role::Role, Route, String)> {
    use deltawall_domain::role::Role;
    vec![
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(alert_json)),
            "/api/v1/detections".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Form(TRIAGE_FORM)),
            "/detections/triage".into(),
        ),
    ]
}
