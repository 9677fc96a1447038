//! The vulnerability-diagnosis rows of the access route table (`access.rs`), B's records
//! they are aimed at, and the API walked through end to end.

use crate::access::{Body_, Route, r};
use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

const NESSUS: &str = include_str!("../../../deltawall-vuln/tests/fixtures/two-hosts.nessus");

/// B's asset, one of its findings and a pending acceptance of it.
#[derive(Debug, Clone)]
pub struct Records {
    pub asset: String,
    pub finding: String,
    pub decision: String,
}

/// The pages' add-asset form.
pub const ASSET_FORM: &[(&str, &str)] = &[
    ("name", "www.b.example.jp"),
    ("kind", "website"),
    ("owner", "IT"),
    ("criticality", "high"),
    ("cadence_days", "30"),
];

/// The pages' decision form: ask to accept the risk.
pub const DECISION_FORM: &[(&str, &str)] = &[
    ("kind", "accept"),
    ("due", "2099-01-31"),
    ("reason", "isolated"),
];

fn asset_json() -> serde_json::Value {
    json!({"name": "www.b.example.jp", "kind": "website", "owner": "IT", "criticality": "high",
        "cadence_days": 30})
}

fn decision_json() -> serde_json::Value {
    json!({"kind": "accept", "due": "2099-01-31", "reason": "isolated"})
}

/// Sends a scan file as the body of an import.
pub async fn import(app: &TestApp, who: &Who, asset: &str, body: &str) -> crate::util::Resp {
    let path = format!("/api/v1/vulnerabilities/imports?scope={asset}");
    let req = TestApp::request(Method::POST, &path, who)
        .header("content-type", "application/xml")
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(req).await
}

/// An asset of B's scope with an imported scan and a pending acceptance.
pub async fn records(app: &TestApp) -> Records {
    records_of(app, &app.b).await
}

/// An asset of `tenant`'s scope with an imported scan and a pending acceptance.
pub async fn records_of(app: &TestApp, tenant: &crate::util::Tenant) -> Records {
    let staff = tenant.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            "/api/v1/vulnerabilities/scope",
            &staff,
            &asset_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let asset = r.json()["id"].as_str().unwrap().to_owned();
    let r = import(app, &staff, &asset, NESSUS).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = app.get("/api/v1/vulnerabilities", &staff).await.json();
    let finding = list["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/vulnerabilities/{finding}/decisions");
    let r = app
        .json(Method::POST, &path, &staff, &decision_json())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let decision = r.json()["id"].as_str().unwrap().to_owned();
    Records {
        asset,
        finding,
        decision,
    }
}

/// Fills the vulnerability placeholders with B's records.
pub fn fill(path: String, v: &Records) -> String {
    path.replace("{vasset}", &v.asset)
        .replace("{vfinding}", &v.finding)
        .replace("{vdecision}", &v.decision)
}

/// The vulnerability routes.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/api/v1/vulnerabilities", None),
        r(Method::GET, "/api/v1/vulnerabilities/scope", None),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/scope",
            Json(asset_json),
        ),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/imports?scope={vasset}",
            Json(asset_json),
        ),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/kev",
            Json(asset_json),
        ),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/epss",
            Json(asset_json),
        ),
        r(Method::GET, "/api/v1/vulnerabilities/{vfinding}", None),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/{vfinding}/decisions",
            Json(decision_json),
        ),
        r(
            Method::POST,
            "/api/v1/vulnerabilities/{vfinding}/decisions/{vdecision}/approve",
            None,
        ),
        r(Method::GET, "/vulnerabilities", None),
        r(Method::GET, "/vulnerabilities/scope", None),
        r(Method::POST, "/vulnerabilities/scope", Form(ASSET_FORM)),
        r(Method::POST, "/vulnerabilities/imports", Multipart),
        r(Method::GET, "/vulnerabilities/{vfinding}", None),
        r(
            Method::POST,
            "/vulnerabilities/{vfinding}/decisions",
            Form(DECISION_FORM),
        ),
        r(
            Method::POST,
            "/vulnerabilities/{vfinding}/decisions/{vdecision}/approve",
            None,
        ),
    ]
}

/// (role, route, path) that must be 403: auditors change nothing, staff approve no
/// acceptance.
pub fn forbidden(v: &Records) -> Vec<(Role, Route, String)> {
    vec![
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(asset_json)),
            "/api/v1/vulnerabilities/scope".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(asset_json)),
            format!("/api/v1/vulnerabilities/imports?scope={}", v.asset),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(decision_json)),
            format!("/api/v1/vulnerabilities/{}/decisions", v.finding),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::None),
            format!(
                "/api/v1/vulnerabilities/{}/decisions/{}/approve",
                v.finding, v.decision
            ),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Form(ASSET_FORM)),
            "/vulnerabilities/scope".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Form(DECISION_FORM)),
            format!("/vulnerabilities/{}/decisions", v.finding),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::None),
            format!(
                "/vulnerabilities/{}/decisions/{}/approve",
                v.finding, v.decision
            ),
        ),
    ]
}

/// Through the API: the scope, an import with its counts, a re-import that changes
/// nothing, a refused file with its location, and four eyes on an acceptance.
#[tokio::test]
async fn the_api_imports_lists_and_decides() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            "/api/v1/vulnerabilities/scope",
            &staff,
            &asset_json(),
        )
        .await;
    let asset = r.json()["id"].as_str().unwrap().to_owned();
    let again = app
        .json(
            Method::POST,
            "/api/v1/vulnerabilities/scope",
            &staff,
            &asset_json(),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let first = import(&app, &staff, &asset, NESSUS).await.json();
    assert_eq!(
        (first["format"].as_str(), first["new"].as_u64()),
        (Some("nessus"), Some(3))
    );
    let second = import(&app, &staff, &asset, NESSUS).await.json();
    assert_eq!(
        (second["new"].as_u64(), second["unchanged"].as_u64()),
        (Some(0), Some(3))
    );
    let bad = import(&app, &staff, &asset, &NESSUS[..NESSUS.len() / 2]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["error"]["field"], "file");
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line")
    );
    let unknown = app
        .get("/api/v1/vulnerabilities?state=nonsense", &staff)
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app
        .get("/api/v1/vulnerabilities?limit=2", &staff)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/vulnerabilities?limit=2&cursor={next}"),
            &staff,
        )
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    let finding = page["items"][0]["id"].as_str().unwrap();
    let exec = app.a.as_role(Role::Executive);
    let path = format!("/api/v1/vulnerabilities/{finding}/decisions");
    let asked = app
        .json(Method::POST, &path, &exec, &decision_json())
        .await
        .json();
    let approve = format!("{path}/{}/approve", asked["id"].as_str().unwrap());
    let own = app
        .send(
            TestApp::request(Method::POST, &approve, &exec)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.body);
    assert_eq!(own.json()["error"]["code"], "err-vuln-four-eyes");
    let detail = app
        .get(&format!("/api/v1/vulnerabilities/{finding}"), &staff)
        .await
        .json();
    assert_eq!(detail["view"]["state"], "open");
    let kinds: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["new", "accept_requested"]);
}
