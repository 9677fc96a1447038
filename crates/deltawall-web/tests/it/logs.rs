//! Logs never contain passwords, session ids or API tokens, even at the most verbose level.

use crate::util::{PASSWORD, TestApp, Who};
use axum::http::Method;
use deltawall_domain::role::Role;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Process-wide: a thread-local subscriber can miss events while other tests run,
    // because tracing caches each call site's interest globally. Every test's logs then
    // flow into the capture, which only widens the check.
    tracing::subscriber::set_global_default(subscriber)
        .expect("only this test installs a subscriber");

    let app = TestApp::new().await;
    let session = app.login("a-admin", PASSWORD).await;
    let issued = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            &Who::Session(session.clone()),
            &json!({"name": "t", "scope": "read", "days": 1, "current_password": PASSWORD}),
        )
        .await
        .json();
    let token = issued["token"].as_str().unwrap().to_owned();
    app.get("/api/v1/me", &Who::Token(token.clone())).await;
    app.form(
        Method::POST,
        "/login",
        &Who::Anon,
        &[("login", "a-staff"), ("password", "a wrong password xyz")],
    )
    .await;
    app.get("/", &app.a.as_role(Role::Staff)).await;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/api/v1/me"), "the capture works: {logs}");
    for secret in [
        PASSWORD,
        "a wrong password xyz",
        session.as_str(),
        token.as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}
