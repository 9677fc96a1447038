//! Bad input gets a clear 4xx with its location, and nothing is half-written.

use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

#[track_caller]
fn check(r: &crate::util::Resp, status: StatusCode, message_has: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let msg = r.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned()
        + r.json()["error"]["field"].as_str().unwrap_or("");
    assert!(msg.contains(message_has), "{msg:?} lacks {message_has:?}");
}

async fn raw(
    app: &TestApp,
    who: &Who,
    content_type: &str,
    body: impl Into<Body>,
) -> crate::util::Resp {
    let req = TestApp::request(Method::POST, "/api/v1/tokens", who)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn json_errors_name_their_location() {
    let app = TestApp::new().await;
    let who = app.a.as_role(Role::Admin);
    let before = app.audit_count().await;
    check(
        &raw(
            &app,
            &who,
            "application/json",
            "{\"name\": \"x\",\n \"scope\": }",
        )
        .await,
        StatusCode::BAD_REQUEST,
        "line 2",
    );
    check(
        &raw(
            &app,
            &who,
            "application/json",
            r#"{"name":"x","scope":"read","days":3,"admin":true}"#,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown field `admin`",
    );
    check(
        &raw(
            &app,
            &who,
            "application/json",
            r#"{"name":"x","scope":"root","days":3}"#,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown variant `root`",
    );
    check(
        &raw(&app, &who, "text/plain", "name=x").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type",
    );
    check(
        &raw(&app, &who, "application/json", vec![b' '; 2 << 20]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "",
    );
    check(
        &app.json(
            Method::POST,
            "/api/v1/tokens",
            &who,
            &json!({"name":"x","scope":"read","days":0}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "days",
    );
    check(
        &app.get("/api/v1/orgs?limit=abc", &who).await,
        StatusCode::BAD_REQUEST,
        "limit",
    );
    assert_eq!(app.audit_count().await, before, "nothing was written");
}

#[tokio::test]
async fn invalid_values_are_refused_with_the_field() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Admin);
    let no_type = json!({"name_ja": "x", "name_en": "x", "kind": "institution", "region": "kanto"});
    check(
        &app.json(Method::POST, "/api/v1/orgs", &fsa, &no_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "business_type",
    );
    let user = json!({"login": "a b", "display_name": "x", "role": "staff", "password": "a long enough password"});
    check(
        &app.json(
            Method::POST,
            &format!("/api/v1/orgs/{}/users", app.a.org_id),
            &app.a.as_role(Role::Admin),
            &user,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "login",
    );
    let short = json!({"login": "fine", "display_name": "x", "role": "staff", "password": "short"});
    check(
        &app.json(
            Method::POST,
            &format!("/api/v1/orgs/{}/users", app.a.org_id),
            &app.a.as_role(Role::Admin),
            &short,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "password",
    );
    let dup = json!({"login": "a-admin", "display_name": "x", "role": "staff", "password": "a long enough password"});
    check(
        &app.json(
            Method::POST,
            &format!("/api/v1/orgs/{}/users", app.a.org_id),
            &app.a.as_role(Role::Admin),
            &dup,
        )
        .await,
        StatusCode::CONFLICT,
        "already exists",
    );
}

#[tokio::test]
async fn ui_forms_get_localised_errors() {
    let app = TestApp::new().await;
    let who = app.a.as_role(Role::Admin);
    let r = app
        .form(
            Method::POST,
            &format!("/orgs/{}/users", app.a.org_id),
            &who,
            &[("login", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("入力を処理できませんでした"), "{}", r.body);
    let r = app
        .form(
            Method::POST,
            &format!("/orgs/{}/users", app.a.org_id),
            &who,
            &[
                ("login", "ok-login"),
                ("display_name", "x"),
                ("role", "staff"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("12文字以上"), "{}", r.body);
}

#[tokio::test]
async fn nobody_removes_the_last_administrator() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Admin);
    let admin = &app.a.user_ids[&Role::Admin];
    // A supervisor changes nobody inside an institution (issue 18, finding 6), so its
    // administrator cannot be removed from outside; from inside, nobody changes themself.
    let r = app
        .json(
            Method::PATCH,
            &format!("/api/v1/users/{admin}"),
            &fsa,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let me = app
        .json(
            Method::PATCH,
            &format!("/api/v1/users/{admin}"),
            &app.a.as_role(Role::Admin),
            &json!({"role": "staff"}),
        )
        .await;
    check(&me, StatusCode::UNPROCESSABLE_ENTITY, "user");
}
