//! Live play at scale: every stream of an edition is fed by one shared poller, which
//! starts with the first reader and stops when the last one leaves, and each reader only
//! hears of its own track's releases; responses arriving together are written in groups,
//! each one checked, stored and audited once.

use crate::exercises::{clock_json, create};
use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use deltawall_app::exercises::live;
use deltawall_domain::role::Role;
use http_body_util::BodyExt;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;

/// An open live stream.
async fn stream(app: &TestApp, id: &str, who: &Who) -> Body {
    let mut req = TestApp::request(
        Method::GET,
        &format!("/exercises/editions/{id}/events"),
        who,
    )
    .body(Body::empty())
    .unwrap();
    let peer: std::net::SocketAddr = "192.0.2.10:40000".parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.into_body()
}

/// The stream's next event within `wait`, or `None`.
async fn next_event(body: &mut Body, wait: Duration) -> Option<String> {
    let frame = tokio::time::timeout(wait, body.frame()).await.ok()??;
    let data = frame.ok()?.into_data().ok()?;
    Some(String::from_utf8_lossy(&data).into_owned())
}

async fn post(app: &TestApp, path: &str, who: &Who, body: serde_json::Value) -> StatusCode {
    app.json(Method::POST, path, who, &body).await.status
}

#[tokio::test]
async fn streams_share_one_poller_that_stops_with_its_last_reader() {
    let app = TestApp::new().await;
    let id = create(&app, &[(&app.a.org_id, "bank"), (&app.b.org_id, "shinkin")]).await;
    let api = format!("/api/v1/exercises/editions/{id}");
    let fsa = app.fsa.as_role(Role::Staff);
    assert_eq!(
        post(&app, &format!("{api}/clock"), &fsa, clock_json()).await,
        StatusCode::NO_CONTENT
    );
    assert!(!live::polling(&id), "nobody reads yet");
    let wait = Duration::from_secs(10);
    let mut a = stream(&app, &id, &app.a.as_role(Role::Staff)).await;
    let mut b = stream(&app, &id, &app.b.as_role(Role::Staff)).await;
    let first_a = next_event(&mut a, wait).await.unwrap();
    assert!(
        first_a.contains("A-01") && !first_a.contains("A-02"),
        "{first_a}"
    );
    let first_b = next_event(&mut b, wait).await.unwrap();
    assert!(
        first_b.contains("B-01") && !first_b.contains("A-0"),
        "{first_b}"
    );
    assert!(live::polling(&id), "the first reader started the poller");

    let release = json!({"inject": "A-02"});
    assert_eq!(
        post(&app, &format!("{api}/releases"), &fsa, release).await,
        StatusCode::NO_CONTENT
    );
    let next_a = next_event(&mut a, wait).await.unwrap();
    assert!(next_a.contains("A-01,A-02"), "{next_a}");
    // B's pulse did not change: the release of the bank track's inject is not sent to it.
    let quiet = next_event(&mut b, Duration::from_millis(500)).await;
    assert_eq!(quiet, None);

    drop(a);
    drop(b);
    let mut stopped = false;
    for _ in 0..100 {
        if !live::polling(&id) {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(stopped, "the poller stops when the last reader leaves");
}

fn response_request(id: &str, who: &Who, inject: &str, n: usize) -> axum::http::Request<Body> {
    let body = json!({"inject": inject, "kind": "decision", "text": format!("decision {n}")});
    let mut req = TestApp::request(
        Method::POST,
        &format!("/api/v1/exercises/editions/{id}/responses"),
        who,
    )
    .header(header::CONTENT_TYPE, "application/json")
    .body(Body::from(body.to_string()))
    .unwrap();
    let peer: std::net::SocketAddr = format!("192.0.2.{}:40000", 20 + n).parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    req
}

#[tokio::test]
async fn responses_posted_together_are_each_recorded_and_audited_once() {
    let app = TestApp::new().await;
    let id = create(&app, &[(&app.a.org_id, "bank"), (&app.b.org_id, "shinkin")]).await;
    let api = format!("/api/v1/exercises/editions/{id}");
    let fsa = app.fsa.as_role(Role::Staff);
    assert_eq!(
        post(&app, &format!("{api}/clock"), &fsa, clock_json()).await,
        StatusCode::NO_CONTENT
    );
    let (a, b) = (app.a.as_role(Role::Staff), app.b.as_role(Role::Staff));
    let before = app.audit_count().await;
    // A on its released inject and on the unreleased one, B on its own: sent at once.
    let plan: Vec<(&Who, &str, StatusCode)> = (0..30)
        .map(|n| match n % 3 {
            0 => (&a, "A-01", StatusCode::CREATED),
            1 => (&a, "A-02", StatusCode::CONFLICT),
            _ => (&b, "B-01", StatusCode::CREATED),
        })
        .collect();
    let sends = plan.iter().enumerate().map(|(n, (who, inject, _))| {
        let req = response_request(&id, who, inject, n);
        app.router.clone().oneshot(req)
    });
    let answers = futures_util::future::join_all(sends).await;
    for ((_, inject, expected), res) in plan.iter().zip(answers) {
        let res = res.unwrap();
        assert_eq!(res.status(), *expected, "{inject}");
    }
    let accepted = plan.iter().filter(|p| p.2 == StatusCode::CREATED).count();
    assert_eq!(accepted, 20);
    // One audit entry per recorded response, the chain intact.
    assert_eq!(app.audit_count().await, before + 20);
    let view = app.get(&api, &fsa).await.json();
    let stored = view["responses"].as_array().map_or(0, Vec::len);
    assert_eq!(stored, 20, "{view}");
    // Each institution still sees only its own.
    let a_view = app.get(&api, &a).await.json();
    let a_orgs: Vec<&str> = a_view["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["org_id"].as_str())
        .collect();
    assert_eq!(a_orgs.len(), 10);
    assert!(a_orgs.iter().all(|o| *o == app.a.org_id), "{a_orgs:?}");
}
