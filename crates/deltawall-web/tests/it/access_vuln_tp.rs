//! The third-party and sector rows of the access route table (`access.rs`), B's contract
//! they are aimed at, and who may add contracts or read the roll-up.

use crate::access::{Body_, Route, r};
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

/// The pages' contract form: no diagnosis right, a weak incident notice.
pub const CONTRACT_FORM: &[(&str, &str)] = &[
    ("provider", "B Hosting"),
    ("service", "website operation"),
    ("service_model", "none"),
    ("asset", ""),
    ("subcontractors", ""),
    ("clause_diagnosis", "missing"),
    ("clause_logs_monitoring", "present"),
    ("clause_security_disclosure", "present"),
    ("clause_incident_notice", "weak"),
    ("clause_audit", "present"),
    ("clause_subcontracting", "present"),
    ("clause_exit", "present"),
];

/// The API's contract: a SaaS with no diagnosis right and a weak incident notice.
pub fn contract_json() -> serde_json::Value {
    json!({"provider": "B Hosting", "service": "internet banking", "service_model": "saas",
        "clauses": {"diagnosis": "missing", "logs_monitoring": "present",
            "security_disclosure": "present", "incident_notice": "weak", "audit": "present",
            "subcontracting": "present", "exit": "present"}})
}

/// Records a contract of `tenant`'s through the API; returns its id.
pub async fn contract_of(app: &TestApp, tenant: &crate::util::Tenant) -> String {
    let r = app
        .json(
            Method::POST,
            "/api/v1/vulnerabilities/contracts",
            &tenant.as_role(Role::Staff),
            &contract_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Fills `{vcontract}` with B's contract.
pub fn fill(path: String, contract: &str) -> String {
    path.replace("{vcontract}", contract)
}

/// The third-party and sector routes.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/api/v1/vulnerabilities/contracts", None),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/contracts",
            Json(contract_json),
        ),
        r(
            Method::GET,
            "/api/v1/vulnerabilities/contracts/{vcontract}",
            None,
        ),
        r(Method::GET, "/api/v1/vulnerabilities/sector", None),
        r(Method::GET, "/vulnerabilities/contracts", None),
        r(
            Method::POST,
            "/vulnerabilities/contracts",
            Form(CONTRACT_FORM),
        ),
        r(Method::GET, "/vulnerabilities/contracts/{vcontract}", None),
        r(Method::GET, "/vulnerabilities/sector", None),
    ]
}

/// (role, route, path) that must be 403: auditors record no contract, institutions read no
/// sector roll-up.
pub fn forbidden() -> Vec<(Role, Route, String)> {
    vec![
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(contract_json)),
            "/api/v1/vulnerabilities/contracts".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Form(CONTRACT_FORM)),
            "/vulnerabilities/contracts".into(),
        ),
        (
            Role::Executive,
            r(Method::GET, "", Body_::None),
            "/api/v1/vulnerabilities/sector".into(),
        ),
        (
            Role::Staff,
            r(Method::GET, "", Body_::None),
            "/vulnerabilities/sector".into(),
        ),
    ]
}

/// Supervisors record no contract and read none.
#[tokio::test]
async fn supervisors_neither_record_nor_read_contracts() {
    let app = TestApp::new().await;
    let contract = contract_of(&app, &app.b).await;
    for who in [app.fsa.as_role(Role::Staff), app.kinki.as_role(Role::Admin)] {
        let r = app
            .json(
                Method::POST,
                "/api/v1/vulnerabilities/contracts",
                &who,
                &contract_json(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let path = format!("/api/v1/vulnerabilities/contracts/{contract}");
        let one = app.get(&path, &who).await;
        assert_eq!(one.status, StatusCode::FORBIDDEN, "{}", one.body);
        assert!(!one.body.contains("B Hosting"));
    }
    let anon = app.get("/api/v1/vulnerabilities/sector", &Who::Anon).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}
