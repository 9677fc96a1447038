//! A real headless Chromium signs in (with and without a second factor), switches language
//! and reads the audit log. Skipped with a message when `chromedriver` is missing, unless
//! `DELTAWALL_REQUIRE_SERVICES=1`.

use crate::util::PASSWORD;
use deltawall_store::testing::{TestDb, services_required};
use deltawall_web::{AppState, Config, build_router};
use fantoccini::{ClientBuilder, Locator};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_driver() -> Option<(Driver, u16)> {
    let port = free_port();
    match Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => Some((Driver(child), port)),
        Err(e) if !services_required() => {
            eprintln!(
                "skipped: chromedriver not available ({e}); install chromium and chromium-driver, or set DELTAWALL_REQUIRE_SERVICES=1 to fail instead"
            );
            None
        }
        Err(e) => panic!("chromedriver is required (DELTAWALL_REQUIRE_SERVICES=1): {e}"),
    }
}

async fn serve(db: &TestDb) -> String {
    serve_with_clock(db, Default::default()).await
}

/// Serves the app with a given clock for its request and alert services.
pub async fn serve_with_clock(
    db: &TestDb,
    clock: deltawall_app::supervision::clock::Clock,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let public = format!("http://localhost:{}", addr.port());
    let config = Config {
        public_url: public.clone(),
        clock,
        ..Config::default()
    };
    let app = build_router(AppState {
        store: db.store.clone(),
        config: Arc::new(config),
    });
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    public
}

pub async fn client(port: u16) -> fantoccini::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut caps = serde_json::Map::new();
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--lang=ja",
    ];
    caps.insert("goog:chromeOptions".into(), serde_json::json!({"args": args, "binary": "/usr/bin/chromium", "prefs": {"intl.accept_languages": "ja"}}));
    let mut last = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("cannot reach chromedriver: {last:?}");
}

pub async fn sign_in(c: &fantoccini::Client, base: &str, login: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "login", login).await;
    fill(c, "password", PASSWORD).await;
    click(c, "#login-submit").await;
}

pub async fn fill(c: &fantoccini::Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(value)
        .await
        .unwrap();
}

pub async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub async fn text(c: &fantoccini::Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits (up to 10 s) until the page's `h1` reads `expected`; clicks navigate asynchronously.
pub async fn heading(c: &fantoccini::Client, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css("h1")).await
            && let Ok(t) = el.text().await
        {
            if t == expected {
                return;
            }
            seen = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("expected heading {expected:?}, page shows {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_and_without_second_factor_switch_language_read_audit_log() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = crate::util::TestApp::new().await;
    let base = serve(&app.db).await;
    let c = client(port).await;

    // Without a second factor, in Japanese (the default).
    sign_in(&c, &base, "fsa-admin").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&format!("{base}/audit")).await.unwrap();
    heading(&c, "監査ログ").await;
    assert!(text(&c, "#audit-table").await.contains("login.success"));

    // Switch to English: stored on the account, so it sticks.
    click(&c, "form.lang-switch button").await;
    heading(&c, "Audit log").await;
    c.goto(&format!("{base}/")).await.unwrap();
    heading(&c, "Dashboard").await;

    // Set up a second factor, sign out, and sign in with it.
    c.goto(&format!("{base}/account")).await.unwrap();
    fill(&c, "totp_password", PASSWORD).await;
    click(&c, "#totp-start").await;
    heading(&c, "Account").await;
    let secret = text(&c, "#totp-secret").await;
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let code = deltawall_app::platform::auth::totp::code_at(&secret, now()).unwrap();
    fill(&c, "code", &code).await;
    click(&c, "#totp-confirm").await;
    heading(&c, "Account").await;
    assert_eq!(text(&c, "#mfa-status").await, "Second factor enabled");
    click(&c, "form[action='/logout'] button").await;
    heading(&c, "Sign in").await;
    sign_in(&c, &base, "fsa-admin").await;
    heading(&c, "Second factor").await;
    // The confirming code is spent (single-use); the next step's code is within the skew.
    let code = deltawall_app::platform::auth::totp::code_at(&secret, now() + 30).unwrap();
    fill(&c, "code", &code).await;
    click(&c, "#mfa-submit").await;
    heading(&c, "Dashboard").await;
    c.goto(&format!("{base}/audit?action=login."))
        .await
        .unwrap();
    heading(&c, "Audit log").await;
    let log = text(&c, "#audit-table").await;
    assert!(
        log.contains("login.password_ok") && log.contains("login.success"),
        "{log}"
    );
    c.close().await.unwrap();
}

/// Waits (up to 10 s) until the element at `css` contains `expected`; returns its text.
pub async fn wait_text(c: &fantoccini::Client, css: &str, expected: &str) -> String {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && let Ok(t) = el.text().await
        {
            if t.contains(expected) {
                return t;
            }
            seen = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("expected {css} to read {expected:?}, page shows {seen:?}");
}

/// Waits until the page's URL contains `part`; returns the URL.
pub async fn wait_url(c: &fantoccini::Client, part: &str) -> String {
    for _ in 0..100 {
        if let Ok(u) = c.current_url().await
            && u.as_str().contains(part)
        {
            return u.to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the page never reached {part}");
}

pub async fn choose(c: &fantoccini::Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessment_finding_verified_closed_and_reported_in_both_languages() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = crate::util::TestApp::new().await;
    let base = serve(&app.db).await;
    let c = client(port).await;

    // Staff start an assessment and answer one requirement.
    sign_in(&c, &base, "a-staff").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&format!("{base}/posture")).await.unwrap();
    heading(&c, "サイバーセキュリティ態勢").await;
    fill(&c, "scope", "全社").await;
    click(&c, "#start-assessment").await;
    let assessment = wait_url(&c, "/posture/assessments/").await;
    choose(&c, "res-FSA-BE4-01", "not_met").await;
    fill(&c, "rat-FSA-BE4-01", "no exercise in two years").await;
    click(&c, "#FSA-BE4-01 form[action$='/answers'] button").await;
    wait_text(&c, "#FSA-BE4-01 .answer", "未充足").await;

    // A finding on that requirement, taken to a claimed remediation by its owner.
    click(&c, "#FSA-BE4-01 a[href^='/posture/findings?']").await;
    heading(&c, "指摘事項").await;
    fill(&c, "title", "Contingency plan never exercised").await;
    choose(
        &c,
        "owner_user",
        &app.a.user_ids[&deltawall_domain::role::Role::Staff],
    )
    .await;
    click(&c, "#create-finding").await;
    let finding = wait_url(&c, "/posture/findings/").await;
    for (cmd, state) in [
        ("issue", "発行済"),
        ("acknowledge", "受領済"),
        ("accept_plan", "改善計画承認済"),
        ("start_remediation", "改善中"),
        ("claim_remediation", "改善完了の申告済"),
    ] {
        click(&c, &format!("#cmd-{cmd}")).await;
        wait_text(&c, "#finding-state", state).await;
    }
    assert!(
        c.find(Locator::Id("cmd-verify_pass")).await.is_err(),
        "the claimant is offered no verification"
    );

    // Another user verifies and closes.
    click(&c, "form[action='/logout'] button").await;
    heading(&c, "ログイン").await;
    sign_in(&c, &base, "a-executive").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&finding).await.unwrap();
    click(&c, "#cmd-verify_pass").await;
    wait_text(&c, "#finding-state", "検証済").await;
    click(&c, "#cmd-close").await;
    wait_text(&c, "#finding-state", "完了").await;

    // The management report, in Japanese and then in English.
    c.goto(&format!("{base}/posture/report")).await.unwrap();
    heading(&c, "経営報告").await;
    wait_text(&c, "#maturity-table", "1").await;
    assert!(c.find(Locator::Css("figure svg")).await.is_ok());
    click(&c, "form.lang-switch button").await;
    heading(&c, "Management report").await;
    wait_text(&c, "#maturity-table", "Maturity").await;
    c.goto(&assessment).await.unwrap();
    wait_text(&c, "#FSA-BE4-01 .answer", "Not met").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_an_indicator_and_report_a_sighting() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = crate::util::TestApp::new().await;
    let (shared, _, _) = crate::taxii::setup(&app).await;
    let base = serve(&app.db).await;
    let c = client(port).await;

    sign_in(&c, &base, "a-staff").await;
    heading(&c, "ダッシュボード").await;
    click(&c, "a[href='/sharing']").await;
    heading(&c, "情報共有").await;
    click(&c, &format!("a[href='/sharing/isac/{shared}']")).await;
    heading(&c, "Shared").await;
    click(&c, "a[href$='/publish']").await;
    heading(&c, "公開する").await;
    fill(&c, "ind-name", "browser-ioc").await;
    fill(&c, "ind-pattern", "[domain-name:value = 'phish.example']").await;
    click(&c, "form[action$='/indicators'] button").await;
    wait_text(&c, "h1", "browser-ioc").await;
    assert!(text(&c, "h1").await.contains("TLP:AMBER"));

    let count = c.find(Locator::Id("count")).await.unwrap();
    count.clear().await.unwrap();
    count.send_keys("2").await.unwrap();
    click(&c, "input[name='false_positive'][value='yes']").await;
    click(&c, "input[name='reporter'][value='named']").await;
    click(&c, "form[action$='/sightings'] button").await;
    assert_eq!(wait_text(&c, "#fb-false-positives", "1").await, "1");
    assert!(text(&c, "#fb-named").await.contains("Bank A"));
    c.close().await.unwrap();
}
