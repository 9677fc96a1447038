//! A real headless Chromium walks vulnerability diagnosis in Japanese (issue 15): an
//! institution adds an asset to its scope, imports a scanner report, decides on a finding
//! and records a contract with a clause gap, which becomes a finding; then the FSA reads the
//! sector roll-up, where the shared provider is named and a lone institution's business type
//! is hidden. Skipped with a message when `chromedriver` is missing, unless
//! `DELTAWALL_REQUIRE_SERVICES=1`.

use crate::browser::{
    choose, click, client, fill, heading, serve_with_clock, sign_in, start_driver, text, wait_text,
};
use crate::util::TestApp;
use deltawall_domain::org::Region;
use fantoccini::Locator;

const NESSUS: &str = include_str!("../../../deltawall-vuln/tests/fixtures/two-hosts.nessus");

/// The institution's walk: scope, import, decision.
async fn scope_import_decide(c: &fantoccini::Client, base: &str, scan: &std::path::Path) {
    c.goto(&format!("{base}/vulnerabilities/scope"))
        .await
        .unwrap();
    heading(c, "診断対象と網羅率").await;
    fill(c, "va-name", "www.a-bank.example.jp").await;
    fill(c, "va-owner", "システム部").await;
    fill(c, "va-operator", "Shared Cloud").await;
    choose(c, "va-kind", "website").await;
    choose(c, "va-criticality", "high").await;
    click(c, "#vuln-add-asset button").await;
    wait_text(c, "#vuln-assets", "www.a-bank.example.jp").await;
    assert!(text(c, "#vuln-coverage").await.contains("未診断 1"));
    choose(c, "vi-format", "nessus").await;
    let file = c.find(Locator::Id("vi-file")).await.unwrap();
    file.send_keys(scan.to_str().unwrap()).await.unwrap();
    click(c, "#vuln-import button").await;
    wait_text(c, "body", "取り込みました").await;
    assert!(text(c, "#vuln-coverage").await.contains("100%"));

    c.goto(&format!("{base}/vulnerabilities")).await.unwrap();
    heading(c, "脆弱性の指摘").await;
    click(c, "#vuln-findings tbody a").await;
    wait_text(c, "#vd-kind", "修正済み").await;
    choose(c, "vd-kind", "fixed").await;
    click(c, "#vuln-decide button").await;
    wait_text(c, "body", "修正済みと宣言").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_institution_walks_scope_import_decision_and_contract_and_the_fsa_sees_the_sector() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = TestApp::new().await;
    // Four more regional banks of Kinki use the same cloud, so with A it reaches k = 5.
    for actor in crate::vuln_tp::regional_banks(&app, 4, Region::Kinki).await {
        crate::vuln_tp::contract(&app, &actor, "Shared Cloud").await;
    }
    let dir = std::env::temp_dir().join(format!("dw-browser-vuln-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scan = dir.join("a-bank.nessus");
    std::fs::write(&scan, NESSUS).unwrap();
    let base = serve_with_clock(&app.db, app.clock.clone()).await;
    let c = client(port).await;

    sign_in(&c, &base, "a-staff").await;
    heading(&c, "ダッシュボード").await;
    scope_import_decide(&c, &base, &scan).await;

    c.goto(&format!("{base}/vulnerabilities")).await.unwrap();
    click(&c, "#vtp-contracts-link").await;
    heading(&c, "委託先・クラウドの契約").await;
    fill(&c, "vc-provider", "Shared Cloud").await;
    fill(&c, "vc-service", "インターネットバンキング").await;
    choose(&c, "vc-model", "saas").await;
    c.find(Locator::Id("vc-asset"))
        .await
        .unwrap()
        .select_by_index(1)
        .await
        .unwrap();
    choose(&c, "vc-clause-diagnosis", "missing").await;
    choose(&c, "vc-clause-incident_notice", "weak").await;
    click(&c, "#vtp-add button").await;
    heading(&c, "Shared Cloud — インターネットバンキング").await;
    let clauses = text(&c, "#vtp-clauses").await;
    assert!(
        clauses.contains("脆弱性診断の実施権") && clauses.contains("規定なし"),
        "{clauses}"
    );
    assert!(
        clauses.contains("規定が不十分") && clauses.contains("発行済"),
        "{clauses}"
    );
    let matrix = text(&c, "#vtp-matrix").await;
    assert!(
        matrix.contains("アプリケーション") && matrix.contains("事業者"),
        "{matrix}"
    );
    // The gap is a posture finding, tracked like any other.
    click(&c, "#vtp-clauses a").await;
    wait_text(&c, "h1", "Shared Cloud").await;
    click(&c, "form[action='/logout'] button").await;

    sign_in(&c, &base, "fsa-staff").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&format!("{base}/vulnerabilities/sector"))
        .await
        .unwrap();
    heading(&c, "脆弱性対応の業界横断状況").await;
    let sector = text(&c, "#vtp-sector").await;
    assert!(sector.contains("地方銀行"), "{sector}");
    assert!(
        sector.contains("機関数がk未満のため非表示"),
        "B alone is hidden: {sector}"
    );
    let providers = text(&c, "#vtp-providers").await;
    assert!(
        providers.contains("Shared Cloud") && providers.contains('5'),
        "{providers}"
    );
    c.close().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
