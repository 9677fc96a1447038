//! The supervision ranking and engagement rows of the access route table (`access.rs`).
//! Every one refuses institutions before looking at an id, so the engagement id is filled
//! with tenant B's organisation id (an id that names no engagement); the real cross-region
//! checks with existing engagements are in `sup_rank.rs`.

use crate::access::{Body_, Route, r};
use axum::http::Method;
use serde_json::json;

pub const PLAN_FORM: &[(&str, &str)] = &[
    ("org_id", "nobody"),
    ("method", "dialogue"),
    ("planned_on", "2026-06-01"),
    ("vp.FSA-BE1", "on"),
];
pub const COMMAND_FORM: &[(&str, &str)] = &[("command", "start")];
pub const ISSUE_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("severity", "low"),
    ("owner_user", "nobody"),
];
pub const WEIGHTS_FORM: &[(&str, &str)] = &[("per_year_since_monitored", "1")];

pub fn plan_json() -> serde_json::Value {
    json!({"org_id": "nobody", "method": "dialogue", "viewpoints": ["FSA-BE1"], "planned_on": "2026-06-01"})
}
pub fn command_json() -> serde_json::Value {
    json!({"command": "start"})
}
pub fn issue_json() -> serde_json::Value {
    json!({"title": "hijack", "severity": "low", "owner_user": "nobody"})
}
pub fn weights_json() -> serde_json::Value {
    let w = deltawall_domain::supervision::score::ScoreWeights::initial(
        "x",
        jiff::civil::Date::constant(2020, 6, 30),
    );
    let mut v = serde_json::to_value(w).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("version");
    o.remove("author");
    o.insert("effective_from".into(), json!("2026-06-01"));
    v
}

/// The supervision routes: pages, exports and the JSON API.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/supervision", None),
        r(Method::GET, "/supervision/ranking", None),
        r(Method::GET, "/supervision/ranking.csv", None),
        r(Method::GET, "/supervision/ranking.xlsx", None),
        r(Method::GET, "/supervision/weights", None),
        r(Method::POST, "/supervision/weights", Form(WEIGHTS_FORM)),
        r(Method::GET, "/supervision/engagements", None),
        r(Method::POST, "/supervision/engagements", Form(PLAN_FORM)),
        r(Method::GET, "/supervision/engagements/{org}", None),
        r(
            Method::POST,
            "/supervision/engagements/{org}/commands",
            Form(COMMAND_FORM),
        ),
        r(
            Method::POST,
            "/supervision/engagements/{org}/findings",
            Form(ISSUE_FORM),
        ),
        r(Method::GET, "/api/v1/supervision/ranking", None),
        r(Method::GET, "/api/v1/supervision/weights", None),
        r(
            Method::POST,
            "/api/v1/supervision/weights",
            Json(weights_json),
        ),
        r(Method::GET, "/api/v1/supervision/engagements", None),
        r(
            Method::POST,
            "/api/v1/supervision/engagements",
            Json(plan_json),
        ),
        r(Method::GET, "/api/v1/supervision/engagements/{org}", None),
        r(
            Method::POST,
            "/api/v1/supervision/engagements/{org}/commands",
            Json(command_json),
        ),
        r(
            Method::POST,
            "/api/v1/supervision/engagements/{org}/findings",
            Json(issue_json),
        ),
    ]
}
