//! Sign-in, throttling, the second factor, first-run setup, sessions and API tokens.

use crate::util::{PASSWORD, TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

async fn attempt(app: &TestApp, login: &str, password: &str, ip: &str) -> StatusCode {
    let body = serde_urlencoded::to_string([("login", login), ("password", password)]).unwrap();
    let req = TestApp::request(Method::POST, "/login", &Who::Anon)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    app.send_from(req, ip).await.status
}

async fn audit_actions(app: &TestApp, prefix: &str) -> Vec<serde_json::Value> {
    let r = app
        .get(
            &format!("/api/v1/audit?action={prefix}&limit=500"),
            &app.fsa.as_role(Role::Admin),
        )
        .await;
    r.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_are_audited() {
    let app = TestApp::new().await;
    for i in 0..5 {
        assert_eq!(
            attempt(&app, "a-staff", "wrong password!!", "198.51.100.1").await,
            StatusCode::UNAUTHORIZED,
            "attempt {i}"
        );
    }
    // Locked now: even the right password, from another address, is refused.
    assert_eq!(
        attempt(&app, "a-staff", PASSWORD, "198.51.100.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other accounts are unaffected.
    assert_eq!(
        attempt(&app, "a-admin", PASSWORD, "198.51.100.2").await,
        StatusCode::SEE_OTHER
    );
    let failures = audit_actions(&app, "login.failure").await;
    assert_eq!(failures.len(), 5);
    assert_eq!(failures[0]["summary"]["locked"], true);
    let refused = audit_actions(&app, "login.refused").await;
    assert_eq!(refused[0]["summary"]["reason"], "account_locked");
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_blocked() {
    let app = TestApp::new().await;
    // Credential stuffing: one address, many different (mostly unknown) accounts.
    for i in 0..20 {
        assert_eq!(
            attempt(&app, &format!("victim{i}"), "guess123456789", "203.0.113.7").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&app, "a-admin", PASSWORD, "203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS,
        "blocked address"
    );
    assert_eq!(
        attempt(&app, "a-admin", PASSWORD, "203.0.113.8").await,
        StatusCode::SEE_OTHER,
        "others still sign in"
    );
    let refused = audit_actions(&app, "login.refused").await;
    assert_eq!(refused[0]["summary"]["reason"], "address_blocked");
    assert_eq!(audit_actions(&app, "login.failure").await.len(), 20);
}

#[tokio::test]
async fn unknown_and_known_accounts_fail_alike() {
    let app = TestApp::new().await;
    let unknown = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "nobody"), ("password", "x")],
        )
        .await;
    let known = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "a-admin"), ("password", "x")],
        )
        .await;
    assert_eq!(
        (unknown.status, known.status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert!(unknown.body.contains("ログインIDまたはパスワード"));
    assert_eq!(unknown.body.replace("nobody", "a-admin"), known.body);
}

#[tokio::test]
async fn second_factor_is_required_once_enabled() {
    let app = TestApp::new().await;
    let who = app.a.as_role(Role::Staff);
    let page = app
        .form(
            Method::POST,
            "/account/totp",
            &who,
            &[("current_password", crate::util::PASSWORD)],
        )
        .await;
    let secret = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let code = deltawall_app::platform::auth::totp::code_at(&secret, now()).unwrap();
    let wrong = app
        .form(
            Method::POST,
            "/account/totp/confirm",
            &who,
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .form(
            Method::POST,
            "/account/totp/confirm",
            &who,
            &[("code", &code)],
        )
        .await;
    assert_eq!(ok.location(), Some("/account?notice=mfa"));

    // Signing in now stops at the second factor; the pending session opens nothing.
    let r = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "a-staff"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.location(), Some("/login/mfa"));
    let pending = Who::Session(r.session_cookie().unwrap());
    assert_eq!(app.get("/", &pending).await.location(), Some("/login/mfa"));
    assert_eq!(
        app.get("/api/v1/me", &pending).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bad = app
        .form(Method::POST, "/login/mfa", &pending, &[("code", "123456")])
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    // The code that confirmed enrolment is spent (single-use, issue 18): replaying it fails,
    // the next step's code (within the one step of skew) signs in.
    let replay = app
        .form(Method::POST, "/login/mfa", &pending, &[("code", &code)])
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    let code = deltawall_app::platform::auth::totp::code_at(&secret, now() + 30).unwrap();
    let done = app
        .form(Method::POST, "/login/mfa", &pending, &[("code", &code)])
        .await;
    assert_eq!(done.location(), Some("/"));
    let again = app
        .form(Method::POST, "/login/mfa", &pending, &[("code", &code)])
        .await;
    assert_ne!(again.location(), Some("/"), "a code was accepted twice");
    let full = Who::Session(done.session_cookie().unwrap());
    assert_eq!(
        app.get("/api/v1/me", &full).await.json()["user"]["totp_enabled"],
        true
    );
    // The pre-second-factor session id is dead.
    assert_eq!(app.get("/", &pending).await.location(), Some("/login"));
    assert_eq!(audit_actions(&app, "login.mfa_failure").await.len(), 2);
}

#[tokio::test]
async fn first_run_setup_creates_the_first_administrator_once() {
    let app = TestApp::without_tenants().await;
    let token = deltawall_app::platform::setup::issue_token(&app.db.store)
        .await
        .unwrap()
        .unwrap();
    let fields = |t: &str| {
        vec![
            ("token", t.to_owned()),
            ("org_name_ja", "金融庁".to_owned()),
            ("org_name_en", "Financial Services Agency".to_owned()),
            ("login", "first-admin".to_owned()),
            ("display_name", "最初の管理者".to_owned()),
            ("password", "a long enough password".to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>();
        let body = serde_urlencoded::to_string(&f).unwrap();
        TestApp::request(Method::POST, "/setup", &Who::Anon)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    assert_eq!(
        app.send(post(fields("wrong-token"))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.send(post(fields(&token))).await.status, StatusCode::OK);
    let session = app.login("first-admin", "a long enough password").await;
    let me = app.get("/api/v1/me", &Who::Session(session)).await.json();
    assert_eq!(
        (me["user"]["role"].as_str(), me["org_kind"].as_str()),
        (Some("admin"), Some("supervisor"))
    );
    // The link worked once.
    assert_eq!(
        app.send(post(fields(&token))).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        deltawall_app::platform::setup::issue_token(&app.db.store)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn api_tokens_are_scoped_and_revocable() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let issue = |scope: &str| json!({"name": format!("siem-{scope}"), "scope": scope, "days": 30, "current_password": PASSWORD});
    let read = app
        .json(Method::POST, "/api/v1/tokens", &admin, &issue("read"))
        .await
        .json();
    let write = app
        .json(Method::POST, "/api/v1/tokens", &admin, &issue("write"))
        .await
        .json();
    let (read_tok, write_tok) = (
        Who::Token(read["token"].as_str().unwrap().into()),
        Who::Token(write["token"].as_str().unwrap().into()),
    );
    assert!(read["token"].as_str().unwrap().starts_with("dw_"));
    assert_eq!(
        app.get("/api/v1/me", &read_tok).await.json()["token_scope"],
        "read"
    );
    let user = json!({"login": "new-analyst", "display_name": "x", "role": "staff", "password": "a long enough password"});
    let path = format!("/api/v1/orgs/{}/users", app.a.org_id);
    assert_eq!(
        app.json(Method::POST, &path, &read_tok, &user).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.json(Method::POST, &path, &write_tok, &user)
            .await
            .status,
        StatusCode::CREATED
    );
    let del = TestApp::request(
        Method::DELETE,
        &format!("/api/v1/tokens/{}", read["id"].as_str().unwrap()),
        &admin,
    )
    .body(Body::empty())
    .unwrap();
    // Revoking needs the step-up too (issue 18, finding 3).
    assert_eq!(app.send(del).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revoked = app
        .json(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", read["id"].as_str().unwrap()),
            &admin,
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    assert_eq!(
        app.get("/api/v1/me", &read_tok).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Tokens are stored hashed: the secret appears nowhere in the database.
    let backup = deltawall_store::backup::export(&app.db.store)
        .await
        .unwrap()
        .to_string();
    assert!(!backup.contains(write["token"].as_str().unwrap()));
    assert!(!backup.contains(PASSWORD));
}

#[tokio::test]
async fn logout_and_password_change_end_sessions() {
    let app = TestApp::new().await;
    let other = Who::Session(app.login("a-executive", PASSWORD).await);
    let who = app.a.as_role(Role::Executive);
    let r = app
        .form(
            Method::POST,
            "/account/password",
            &who,
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long password"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(
        app.get("/", &other).await.location(),
        Some("/login"),
        "every session ended"
    );
    let s = Who::Session(app.login("a-executive", "another long password").await);
    let out = app.form(Method::POST, "/logout", &s, &[]).await;
    assert!(
        out.headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("Max-Age=0"))
    );
    assert_eq!(app.get("/", &s).await.location(), Some("/login"));
}

#[tokio::test]
async fn session_cookie_is_locked_down() {
    let app = TestApp::new().await;
    let r = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "b-admin"), ("password", PASSWORD)],
        )
        .await;
    let cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attr in [
        "__Host-dw_session=",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
    ] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guesses_are_all_counted_and_the_lock_holds() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            attempt(
                &app,
                "b-staff",
                "wrong password!!",
                &format!("198.51.100.{}", 20 + i),
            )
            .await
        }));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            matches!(
                status,
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ),
            "{status}"
        );
    }
    assert_eq!(
        attempt(&app, "b-staff", PASSWORD, "198.51.100.99").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let failures = audit_actions(&app, "login.failure").await;
    let highest = failures
        .iter()
        .filter_map(|e| e["summary"]["consecutive_failures"].as_i64())
        .max()
        .unwrap();
    assert_eq!(
        highest,
        failures.len() as i64,
        "every failure counted once, none lost to a race"
    );
    assert!(highest >= 5);
}
