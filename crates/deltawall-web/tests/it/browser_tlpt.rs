//! A real headless Chromium walks a TLPT engagement and the coverage matrix in Japanese:
//! the ATT&CK page, the detection layer's matrix and table, the engagement's gate passed by
//! the control team, and the engagement's layer coloured by outcome. Skipped with a message
//! when `chromedriver` is missing, unless `DELTAWALL_REQUIRE_SERVICES=1`.

use crate::browser::{
    click, client, heading, serve_with_clock, sign_in, start_driver, text, wait_text,
};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use fantoccini::Locator;

const BUNDLE_18: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");

/// Records the three steps' outcomes and the red-team report over HTTP, leaving the
/// testing gate for the browser.
async fn outcomes(app: &TestApp, id: &str) {
    let control = app.a.as_role(Role::Admin);
    for (step, outcome) in [("1", "alerted"), ("2", "undetected"), ("3", "prevented")] {
        let f = [
            ("command", "record_outcome"),
            ("scenario", "1"),
            ("step", step),
            ("outcome", outcome),
            ("started", "2026-05-11T10:00"),
            ("ended", "2026-05-11T10:20"),
        ];
        let r = app
            .form(Method::POST, &format!("/tlpt/{id}/commands"), &control, &f)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let f = [
        ("command", "submit_report"),
        ("kind", "red_team"),
        ("document", "red-1"),
    ];
    let r = app
        .form(
            Method::POST,
            &format!("/tlpt/{id}/commands"),
            &app.a.as_role(Role::Staff),
            &f,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engagement_and_the_coverage_matrix_in_japanese() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = TestApp::new().await;
    let r = crate::tlpt::upload(&app, &app.fsa.as_role(Role::Admin), BUNDLE_18).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = crate::tlpt::engagement_in_testing(&app).await;
    outcomes(&app, &id).await;
    let base = serve_with_clock(&app.db, app.clock.clone()).await;
    let c = client(port).await;

    sign_in(&c, &base, "a-admin").await;
    heading(&c, "ダッシュボード").await;
    c.find(Locator::LinkText("ATT&CK"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    heading(&c, "ATT&CK カバレッジ").await;
    assert!(text(&c, "#attack-releases").await.contains("18.1"));
    click(&c, "#layer-detection").await;
    heading(&c, "検知ルールのカバレッジ").await;
    // the matrix places the pack's technique under its tactic; the table carries its score
    let matrix = text(&c, "#matrix").await;
    assert!(
        matrix.contains("Credential Access") && matrix.contains("T1110.003"),
        "{matrix}"
    );
    let row = text(&c, "#layer-table tr[data-technique='T1110.003']").await;
    assert!(
        row.contains("Password Spraying") || row.contains("T1110.003"),
        "{row}"
    );

    c.goto(&format!("{base}/tlpt")).await.unwrap();
    heading(&c, "TLPT (脅威ベースのペネトレーションテスト)").await;
    c.find(Locator::LinkText("TLPT 2026 本番"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    heading(&c, "TLPT 2026 本番").await;
    assert!(text(&c, "#tlpt-phase").await.contains("テスト実施"));
    assert!(text(&c, "#gate-ready").await.contains("満たされています"));
    click(&c, "#pass-gate").await;
    wait_text(&c, "#tlpt-phase", "終了 (レッド・ブルー報告)").await;
    let steps = text(&c, "#tlpt-steps").await;
    assert!(
        steps.contains("未検知") && steps.contains("パスワードスプレー"),
        "{steps}"
    );
    click(&c, "#tlpt-layer").await;
    heading(&c, "TLPT: TLPT 2026 本番").await;
    let cell = c
        .find(Locator::Css("#matrix li[data-technique='T1110.003']"))
        .await
        .unwrap();
    let style = cell.attr("style").await.unwrap().unwrap_or_default();
    assert!(style.contains("#d7191c"), "undetected is red: {style}");
    let row = text(&c, "#layer-table tr[data-technique='T1110.003']").await;
    assert!(
        row.contains("未検知") || row.contains("undetected"),
        "{row}"
    );
    c.close().await.unwrap();
}
