//! The request and alert rows of the access route table (`access.rs`), and tenant B's
//! records they are called with.

use crate::access::{Body_, Route, r};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

pub const DECISION_FORM: &[(&str, &str)] = &[("decision", "exempt"), ("reason", "hijack")];
pub const ANSWER_FORM: &[(&str, &str)] = &[("v.q1", "yes"), ("attest", "1")];
pub const COMPOSE_FORM: &[(&str, &str)] = &[
    ("title_ja", "乗っ取り"),
    ("title_en", "hijack"),
    ("questions", "q1 | 質問 | question"),
    ("rg.kanto", "1"),
    ("deadline", "2099-12-31"),
];
pub const ALERT_FORM: &[(&str, &str)] = &[
    ("title_ja", "乗っ取り"),
    ("title_en", "hijack"),
    ("body_ja", "本文"),
    ("body_en", "body"),
    ("rg.kanto", "1"),
    ("respond_by", "2099-12-31"),
];

fn decision_json() -> serde_json::Value {
    json!({"decision": "exempt", "reason": "hijack"})
}
fn answers_json() -> serde_json::Value {
    json!({"answers": [{"id": "q1", "value": "yes"}], "attest": true})
}
fn ack_json() -> serde_json::Value {
    json!({"answers": []})
}
pub fn request_json() -> serde_json::Value {
    json!({
        "title_ja": "乗っ取り", "title_en": "hijack",
        "asked": {"kind": "questions", "questions": [{"id": "q1", "text": {"ja": "質問", "en": "question"}}]},
        "population": {"filter": {"regions": ["kanto"]}},
        "deadline": "2099-12-31",
    })
}
pub fn alert_json() -> serde_json::Value {
    json!({
        "title_ja": "乗っ取り", "title_en": "hijack", "body_ja": "本文", "body_en": "body",
        "population": {"filter": {"regions": ["kanto"]}},
        "respond_by": "2099-12-31",
    })
}

/// The request and alert routes.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/requests", None),
        r(Method::GET, "/alerts", None),
        r(Method::POST, "/supervision/requests", Form(COMPOSE_FORM)),
        r(Method::GET, "/supervision/requests/new", None),
        r(
            Method::POST,
            "/supervision/requests/preview",
            Form(COMPOSE_FORM),
        ),
        r(Method::GET, "/supervision/requests/{request}", None),
        r(
            Method::GET,
            "/supervision/requests/{request}/tasks/{task}",
            None,
        ),
        r(
            Method::POST,
            "/supervision/requests/{request}/tasks/{task}/decision",
            Form(DECISION_FORM),
        ),
        r(Method::GET, "/tasks/reminders", None),
        r(Method::GET, "/tasks/{task}", None),
        r(Method::POST, "/tasks/{task}/draft", Form(ANSWER_FORM)),
        r(Method::POST, "/tasks/{task}/submit", Form(ANSWER_FORM)),
        r(Method::POST, "/supervision/alerts", Form(ALERT_FORM)),
        r(Method::GET, "/supervision/alerts/new", None),
        r(
            Method::POST,
            "/supervision/alerts/preview",
            Form(ALERT_FORM),
        ),
        r(Method::GET, "/supervision/alerts/{alert}", None),
        r(Method::GET, "/alerts/{alert}", None),
        r(Method::POST, "/alerts/{alert}/ack", Form(&[])),
        r(Method::GET, "/api/v1/supervision/requests", None),
        r(
            Method::POST,
            "/api/v1/supervision/requests",
            Json(request_json),
        ),
        r(
            Method::POST,
            "/api/v1/supervision/requests/preview",
            Json(request_json),
        ),
        r(Method::GET, "/api/v1/supervision/requests/{request}", None),
        r(
            Method::GET,
            "/api/v1/supervision/requests/{request}/tasks/{task}",
            None,
        ),
        r(
            Method::POST,
            "/api/v1/supervision/requests/{request}/tasks/{task}/decision",
            Json(decision_json),
        ),
        r(Method::GET, "/api/v1/tasks", None),
        r(Method::GET, "/api/v1/tasks/reminders", None),
        r(Method::GET, "/api/v1/tasks/{task}", None),
        r(
            Method::PUT,
            "/api/v1/tasks/{task}/draft",
            Json(answers_json),
        ),
        r(
            Method::POST,
            "/api/v1/tasks/{task}/submit",
            Json(answers_json),
        ),
        r(Method::GET, "/api/v1/supervision/alerts", None),
        r(Method::POST, "/api/v1/supervision/alerts", Json(alert_json)),
        r(
            Method::POST,
            "/api/v1/supervision/alerts/preview",
            Json(alert_json),
        ),
        r(Method::GET, "/api/v1/supervision/alerts/{alert}", None),
        r(Method::GET, "/api/v1/alerts", None),
        r(Method::GET, "/api/v1/alerts/{alert}", None),
        r(Method::POST, "/api/v1/alerts/{alert}/ack", Json(ack_json)),
    ]
}

/// A request and an alert sent by the FSA to tenant B (the only institution in Kanto),
/// and B's task.
#[derive(Debug, Clone)]
pub struct Records {
    pub request: String,
    pub task: String,
    pub alert: String,
}

pub async fn records(app: &TestApp) -> Records {
    let fsa = app.fsa.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/requests",
            &fsa,
            &request_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let request = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/alerts",
            &fsa,
            &alert_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let alert = r.json()["id"].as_str().unwrap().to_owned();
    let tasks = app
        .get("/api/v1/tasks", &app.b.as_role(Role::Staff))
        .await
        .json();
    let task = tasks["tasks"][0]["task"]["id"].as_str().unwrap().to_owned();
    Records {
        request,
        task,
        alert,
    }
}
