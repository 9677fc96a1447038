//! The posture rows of the access route table (`access.rs`), with the bodies they are sent with.

use crate::access::{Body_, Route, r};
use axum::http::Method;
use serde_json::json;

pub const ASSESSMENT_FORM: &[(&str, &str)] = &[
    ("kind", "self"),
    ("scope", "hijack"),
    ("as_of", "2026-03-31"),
];
pub const ANSWER_FORM: &[(&str, &str)] = &[
    ("requirement_id", "FSA-BE1-01"),
    ("result", "met"),
    ("rationale", "hijacked"),
    ("confidence", "high"),
];
pub const REQ_FORM: &[(&str, &str)] = &[("requirement_id", "FSA-BE1-01")];
pub const RISK_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("inherent_likelihood", "3"),
    ("inherent_impact", "3"),
    ("residual_likelihood", "2"),
    ("residual_impact", "2"),
    ("owner", "x"),
    ("treatment", "accept"),
    ("review_on", "2026-12-31"),
];
pub const FINDING_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("severity", "low"),
    ("owner_user", "nobody"),
];
pub const COMMAND_FORM: &[(&str, &str)] = &[("command", "issue")];
pub const MILESTONE_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("owner", "x"),
    ("due_on", "2026-12-31"),
];

pub fn assessment_json() -> serde_json::Value {
    json!({"kind": "self", "scope": "hijack", "as_of": "2026-03-31"})
}
pub fn answer_json() -> serde_json::Value {
    json!({"requirement_id": "FSA-BE1-01", "result": "met", "rationale": "hijacked", "confidence": "high"})
}
pub fn risk_json() -> serde_json::Value {
    json!({"title": "hijack", "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 2, "residual_impact": 2, "owner": "x", "treatment": "accept", "review_on": "2026-12-31"})
}
pub fn finding_json() -> serde_json::Value {
    json!({"title": "hijack", "description": "x", "severity": "low", "owner_user": "nobody"})
}
pub fn command_json() -> serde_json::Value {
    json!({"command": "issue"})
}
pub fn milestone_json() -> serde_json::Value {
    json!({"title": "hijack", "owner": "x", "due_on": "2026-12-31"})
}

/// A multipart body with one small text file.
pub fn multipart_body() -> (String, String) {
    let boundary = "dw-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"collected_on\"\r\n\r\n2026-03-01\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"owner\"\r\n\r\nintruder\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"tlp\"\r\n\r\namber\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nhijack\r\n\
         --{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The posture routes: pages, CSV exports and the JSON API.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/posture", None),
        r(Method::POST, "/posture/assessments", Form(ASSESSMENT_FORM)),
        r(Method::GET, "/posture/assessments/{assessment}", None),
        r(
            Method::GET,
            "/posture/assessments/{assessment}/results.csv",
            None,
        ),
        r(
            Method::POST,
            "/posture/assessments/{assessment}/answers",
            Form(ANSWER_FORM),
        ),
        r(
            Method::POST,
            "/posture/assessments/{assessment}/confirm",
            Form(REQ_FORM),
        ),
        r(
            Method::POST,
            "/posture/assessments/{assessment}/submit",
            Form(&[]),
        ),
        r(
            Method::GET,
            "/posture/assessments/{assessment}/history",
            None,
        ),
        r(Method::GET, "/posture/evidence", None),
        r(Method::POST, "/posture/evidence", Multipart),
        r(Method::GET, "/posture/evidence.csv", None),
        r(Method::GET, "/posture/evidence/{evidence}", None),
        r(Method::GET, "/posture/risks", None),
        r(Method::POST, "/posture/risks", Form(RISK_FORM)),
        r(Method::GET, "/posture/risks.csv", None),
        r(Method::POST, "/posture/risks/{risk}", Form(RISK_FORM)),
        r(Method::GET, "/posture/findings", None),
        r(Method::POST, "/posture/findings", Form(FINDING_FORM)),
        r(Method::GET, "/posture/findings.csv", None),
        r(Method::GET, "/posture/findings/{finding}", None),
        r(
            Method::POST,
            "/posture/findings/{finding}/transition",
            Form(COMMAND_FORM),
        ),
        r(
            Method::POST,
            "/posture/findings/{finding}/milestones",
            Form(MILESTONE_FORM),
        ),
        r(
            Method::POST,
            "/posture/findings/{finding}/milestones/{milestone}/done",
            Form(&[]),
        ),
        r(Method::GET, "/posture/group", None),
        r(Method::GET, "/posture/group.csv", None),
        r(Method::GET, "/posture/report", None),
        r(Method::GET, "/posture/report.csv?table=open", None),
        r(Method::GET, "/posture/report.xlsx", None),
        r(Method::GET, "/posture/findings/{finding}?format=xlsx", None),
        r(
            Method::GET,
            "/posture/assessments/{assessment}?format=csv&table=1",
            None,
        ),
        r(Method::GET, "/api/v1/posture/catalog", None),
        r(Method::GET, "/api/v1/posture/assessments", None),
        r(
            Method::POST,
            "/api/v1/posture/assessments",
            Json(assessment_json),
        ),
        r(
            Method::GET,
            "/api/v1/posture/assessments/{assessment}",
            None,
        ),
        r(
            Method::POST,
            "/api/v1/posture/assessments/{assessment}/answers",
            Json(answer_json),
        ),
        r(
            Method::GET,
            "/api/v1/posture/assessments/{assessment}/history",
            None,
        ),
        r(
            Method::POST,
            "/api/v1/posture/assessments/{assessment}/submit",
            None,
        ),
        r(Method::GET, "/api/v1/posture/evidence", None),
        r(Method::POST, "/api/v1/posture/evidence", Multipart),
        r(Method::GET, "/api/v1/posture/evidence/{evidence}", None),
        r(Method::GET, "/api/v1/posture/risks", None),
        r(Method::POST, "/api/v1/posture/risks", Json(risk_json)),
        r(Method::PUT, "/api/v1/posture/risks/{risk}", Json(risk_json)),
        r(Method::GET, "/api/v1/posture/findings", None),
        r(Method::POST, "/api/v1/posture/findings", Json(finding_json)),
        r(Method::GET, "/api/v1/posture/findings/{finding}", None),
        r(
            Method::POST,
            "/api/v1/posture/findings/{finding}/transitions",
            Json(command_json),
        ),
        r(
            Method::POST,
            "/api/v1/posture/findings/{finding}/milestones",
            Json(milestone_json),
        ),
        r(
            Method::POST,
            "/api/v1/posture/findings/{finding}/milestones/{milestone}/done",
            None,
        ),
        r(Method::GET, "/api/v1/posture/report", None),
        r(Method::GET, "/api/v1/posture/group", None),
    ]
    .into_iter()
    .chain(oscal_routes())
    .collect()
}

pub const PREFILL_FORM: &[(&str, &str)] = &[("mapping_set_id", "nope")];
pub const BUILTIN_FORM: &[(&str, &str)] = &[("to_catalog", "nope")];

pub fn builtin_json() -> serde_json::Value {
    json!({"to_catalog": "nope"})
}
pub fn prefill_json() -> serde_json::Value {
    json!({"mapping_set_id": "nope"})
}
pub fn confirm_json() -> serde_json::Value {
    json!({"requirement_id": "FSA-BE1-01"})
}

/// Catalogs, OSCAL import and export, mappings and pre-fill. `{catalog}` and `{mapping}`
/// are B's own imported catalog and mapping set.
fn oscal_routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/posture/catalogs", None),
        r(Method::POST, "/posture/catalogs", Multipart),
        r(Method::GET, "/posture/catalogs/{catalog}", None),
        r(Method::GET, "/posture/mappings", None),
        r(Method::POST, "/posture/mappings", Multipart),
        r(
            Method::POST,
            "/posture/mappings/builtin",
            Form(BUILTIN_FORM),
        ),
        r(Method::GET, "/posture/mappings/{mapping}", None),
        r(Method::GET, "/posture/mappings/{mapping}/entries.csv", None),
        r(
            Method::GET,
            "/posture/mappings/{mapping}/entries.xlsx",
            None,
        ),
        r(
            Method::POST,
            "/posture/assessments/{assessment}/prefill",
            Form(PREFILL_FORM),
        ),
        r(
            Method::GET,
            "/posture/assessments/{assessment}/oscal-assessment-results.json",
            None,
        ),
        r(
            Method::GET,
            "/posture/assessments/{assessment}/oscal-poam.json",
            None,
        ),
        r(Method::GET, "/api/v1/posture/catalogs", None),
        r(Method::POST, "/api/v1/posture/catalogs", Multipart),
        r(Method::GET, "/api/v1/posture/catalogs/{catalog}", None),
        r(Method::GET, "/api/v1/posture/mappings", None),
        r(Method::POST, "/api/v1/posture/mappings", Multipart),
        r(
            Method::POST,
            "/api/v1/posture/mappings/builtin",
            Json(builtin_json),
        ),
        r(Method::GET, "/api/v1/posture/mappings/{mapping}", None),
        r(
            Method::POST,
            "/api/v1/posture/assessments/{assessment}/prefill",
            Json(prefill_json),
        ),
        r(
            Method::POST,
            "/api/v1/posture/assessments/{assessment}/confirm",
            Json(confirm_json),
        ),
        r(
            Method::GET,
            "/api/v1/posture/assessments/{assessment}/oscal/assessment-results",
            None,
        ),
        r(
            Method::GET,
            "/api/v1/posture/assessments/{assessment}/oscal/poam",
            None,
        ),
    ]
}

/// B's own imported catalog and a mapping set into it, for the access table: (catalog,
/// mapping set).
pub async fn b_catalog_and_mapping(app: &crate::util::TestApp) -> (String, String) {
    use deltawall_domain::role::Role;
    let admin = app.b.as_role(Role::Admin);
    let r = crate::oscal_map::import(app, &admin, crate::oscal_map::SMALL, "b-only-catalog").await;
    assert!(r.status.is_success(), "{}", r.body);
    let catalog = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .json(
            Method::POST,
            "/api/v1/posture/mappings/builtin",
            &admin,
            &json!({"to_catalog": catalog}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    (catalog, r.json()["id"].as_str().unwrap().to_owned())
}
