//! Regression tests for the holes of issue 18, found by attacking the running demo: each
//! test failed before its fix.

use crate::access::{b_target, call, fill, protected};
use crate::util::{PASSWORD, TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

/// Issues an API token of `scope` for a session; returns its secret.
pub async fn token(app: &TestApp, who: &Who, scope: &str) -> String {
    let r = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            who,
            &json!({"name": "probe", "scope": scope, "days": 30}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["token"].as_str().unwrap().to_owned()
}

/// Finding 1: a read-only token sends nothing but safe methods, on every API and TAXII
/// route, for the owner of the records and for the supervisor alike; nothing is audited.
#[tokio::test]
async fn a_read_only_token_never_writes() {
    let app = TestApp::new().await;
    let t = b_target(&app).await;
    let readers = [
        token(&app, &app.b.as_role(Role::Admin), "read").await,
        token(&app, &app.fsa.as_role(Role::Admin), "read").await,
    ];
    let before = app.audit_count().await;
    let mut checked = 0;
    for route in protected() {
        let path = fill(route.path, &t);
        let token_route = path.starts_with("/api/") || path.starts_with("/taxii2/");
        if route.method == Method::GET || !token_route {
            continue;
        }
        for reader in &readers {
            let r = call(&app, &route, &path, &Who::Token(reader.clone()), false).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} {path}: {}",
                route.method,
                r.body
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} write routes checked");
    assert_eq!(
        app.audit_count().await,
        before,
        "a refused write was audited"
    );
    let _ = PASSWORD;
}
