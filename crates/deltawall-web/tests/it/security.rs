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
            &json!({"name": "probe", "scope": scope, "days": 30, "current_password": PASSWORD}),
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
}

/// Fires `n` wrong sign-ins for `login` in parallel from one address; returns the statuses
/// and how many argon2 verifications the burst really computed.
async fn parallel_logins(app: &TestApp, login: &str, n: usize) -> (Vec<StatusCode>, usize) {
    use deltawall_app::platform::auth::password::counting_verifications;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let verified = Arc::new(AtomicUsize::new(0));
    // Every request is sent before any is awaited: they run at once on the runtime's
    // worker threads, racing for the counters.
    let tasks = (0..n).map(|i| {
        let router = app.router.clone();
        let body =
            serde_urlencoded::to_string([("login", login), ("password", &format!("wrong {i}"))])
                .unwrap();
        let counter = Arc::clone(&verified);
        tokio::spawn(counting_verifications(counter, async move {
            use tower::ServiceExt;
            let mut req = axum::http::Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(axum::body::Body::from(body))
                .unwrap();
            let addr: std::net::SocketAddr = "198.51.100.7:40000".parse().unwrap();
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
            router.oneshot(req).await.unwrap().status()
        }))
    });
    let tasks: Vec<_> = tasks.collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    (out, verified.load(Ordering::SeqCst))
}

/// Finding 2: fifty wrong sign-ins in parallel compute at most the lockout limit's worth
/// of password verifications (counted at the argon2 call itself), each one a verdict
/// (401); all others are refused unchecked (429), and the account is locked after.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_logins_verify_at_most_the_lockout_limit() {
    let app = TestApp::new().await;
    let limit = deltawall_domain::throttle::ThrottlePolicy::default().account_failures as usize;
    let (statuses, verified) = parallel_logins(&app, "a-staff", 50).await;
    let count = |s| statuses.iter().filter(|x| **x == s).count();
    let (verdicts, refused) = (
        count(StatusCode::UNAUTHORIZED),
        count(StatusCode::TOO_MANY_REQUESTS),
    );
    assert!(verified >= 1, "no password was verified: {statuses:?}");
    assert!(
        verified <= limit,
        "{verified} argon2 verifications for a limit of {limit}: {statuses:?}"
    );
    assert_eq!(verdicts, verified, "a verdict without a verification");
    assert_eq!(verdicts + refused, 50, "{statuses:?}");
    // Locked: even the right password is refused now.
    let r = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "a-staff"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

/// Finding 2, unknown names: they lock exactly as known ones do, so the answers do not
/// tell which accounts exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_names_lock_like_known_ones() {
    let app = TestApp::new().await;
    let (known, known_verified) = parallel_logins(&app, "a-staff", 8).await;
    let (unknown, unknown_verified) = parallel_logins(&app, "nobody-here", 8).await;
    // Unknown names cost a (decoy) verification as known ones do: the timing tells nothing.
    assert_eq!(known_verified, unknown_verified);
    let count = |v: &[StatusCode], s| v.iter().filter(|x| **x == s).count();
    assert_eq!(
        count(&known, StatusCode::UNAUTHORIZED),
        count(&unknown, StatusCode::UNAUTHORIZED),
        "known {known:?} unknown {unknown:?}"
    );
}

/// Finding 2, TAXII Basic: the same race, the same bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_basic_logins_get_at_most_the_limit_of_verdicts() {
    use base64::Engine;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let app = TestApp::new().await;
    let verified = Arc::new(AtomicUsize::new(0));
    let tasks = (0..30).map(|i| {
        let router = app.router.clone();
        let cred = base64::engine::general_purpose::STANDARD.encode(format!("a-staff:wrong {i}"));
        let counter = Arc::clone(&verified);
        let work = async move {
            use tower::ServiceExt;
            let mut req = axum::http::Request::get("/taxii2/")
                .header("accept", crate::taxii::MT)
                .header("authorization", format!("Basic {cred}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let addr: std::net::SocketAddr = "198.51.100.8:40000".parse().unwrap();
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
            router.oneshot(req).await.unwrap().status()
        };
        tokio::spawn(deltawall_app::platform::auth::password::counting_verifications(counter, work))
    });
    let tasks: Vec<_> = tasks.collect();
    let mut unauthorized = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            unauthorized += 1;
        }
    }
    assert!(unauthorized <= 5, "{unauthorized} verdicts");
    let verified = verified.load(Ordering::SeqCst);
    assert!(verified <= 5, "{verified} argon2 verifications");
}

/// Finding 3: starting TOTP enrolment (which turns the current second factor off) needs
/// the current password; a session alone is not enough.
#[tokio::test]
async fn two_factor_cannot_be_changed_with_the_session_alone() {
    let app = TestApp::new().await;
    let who = app.a.as_role(Role::Staff);
    for fields in [&[][..], &[("current_password", "not the password")][..]] {
        let r = app.form(Method::POST, "/account/totp", &who, fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(!r.body.contains("totp-secret"));
    }
    let r = app
        .form(
            Method::POST,
            "/account/totp",
            &who,
            &[("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("totp-secret"));
}

/// Finding 8: once set up, `/setup` is gone: 256 parallel posts are all answered 404
/// before any password is hashed (had any been hashed, the bounded pool would have
/// answered some of them 503).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn setup_is_gone_after_setup_and_hashes_nothing() {
    let app = TestApp::new().await;
    let before = app.audit_count().await;
    let body = serde_urlencoded::to_string([
        ("token", "guess"),
        ("org_name_ja", "偽"),
        ("org_name_en", "Fake"),
        ("login", "fake-admin"),
        ("display_name", "x"),
        ("password", "a long enough password"),
    ])
    .unwrap();
    let tasks: Vec<_> = (0..256)
        .map(|_| {
            let router = app.router.clone();
            let body = body.clone();
            tokio::spawn(async move {
                use tower::ServiceExt;
                let req = axum::http::Request::post("/setup")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(body))
                    .unwrap();
                router.oneshot(req).await.unwrap().status()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.audit_count().await, before);
}

/// Finding 3, step-up: a wrong current password given to change credentials counts toward
/// the account lock exactly as a wrong sign-in does. Twenty parallel wrong proofs from one
/// session compute at most the limit's worth of argon2 verifications; the lock then ends
/// the session and refuses even the right password at sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_step_ups_count_toward_the_account_lock() {
    use deltawall_app::platform::auth::password::counting_verifications;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let app = TestApp::new().await;
    let limit = deltawall_domain::throttle::ThrottlePolicy::default().account_failures as usize;
    let admin = app.a.as_role(Role::Admin);
    let verified = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let router = app.router.clone();
            let body = json!({"name": "probe", "scope": "read", "days": 30,
                              "current_password": format!("wrong {i}")});
            let req = TestApp::request(Method::POST, "/api/v1/tokens", &admin)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let counter = Arc::clone(&verified);
            tokio::spawn(counting_verifications(counter, async move {
                use tower::ServiceExt;
                let mut req = req;
                let addr: std::net::SocketAddr = "192.0.2.10:40000".parse().unwrap();
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
                router.oneshot(req).await.unwrap().status()
            }))
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let verified = verified.load(Ordering::SeqCst);
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert!(verified >= 1, "no proof was checked: {statuses:?}");
    assert!(
        verified <= limit,
        "{verified} verifications for a limit of {limit}: {statuses:?}"
    );
    assert_eq!(wrong, verified, "{statuses:?}");
    assert!(
        !statuses.contains(&StatusCode::CREATED),
        "a token was issued: {statuses:?}"
    );
    // The lock ended the session that was guessing, and holds at sign-in.
    let r = app.get("/api/v1/tokens", &admin).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "a-admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

/// Finding 3, step-up: wrong proofs on the page forms count too, and a right proof clears
/// the count as a sign-in does; the fifth consecutive wrong proof locks the account.
#[tokio::test]
async fn a_right_step_up_clears_the_count_and_the_fifth_wrong_one_locks() {
    let app = TestApp::new().await;
    let admin = app.b.as_role(Role::Admin);
    let wrong_password_change = || async {
        app.form(
            Method::POST,
            "/account/password",
            &admin,
            &[
                ("current_password", "not the password"),
                ("new_password", "a brand new password 42"),
            ],
        )
        .await
        .status
    };
    for _ in 0..4 {
        assert_eq!(
            wrong_password_change().await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    token(&app, &admin, "read").await;
    for _ in 0..4 {
        assert_eq!(
            wrong_password_change().await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = app
        .form(
            Method::POST,
            "/account/totp",
            &admin,
            &[("current_password", "still not the password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .form(
            Method::POST,
            "/login",
            &Who::Anon,
            &[("login", "b-admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let mut c = app.db.store.read().await.unwrap();
    let filter = deltawall_store::audit::AuditFilter {
        action_prefix: Some("user.step_up_failure".into()),
        org_id: None,
    };
    let failures = deltawall_store::audit::list(
        &mut c,
        &deltawall_domain::OrgScope::All,
        &filter,
        deltawall_store::Page::new(0, 20),
    )
    .await
    .unwrap();
    assert_eq!(failures.items.len(), 9);
    assert_eq!(failures.items[0].summary["locked"], true);
}
