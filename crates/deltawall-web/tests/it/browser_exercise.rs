//! A real headless Chromium plays a small edition in Japanese, every step through the
//! pages: the FSA designs two tracks, enrols three institutions, starts the clock and
//! releases an inject early; two institutions respond from their own accounts and never
//! see each other; the exercise closes; the evaluation is recorded; one improvement
//! measure becomes a finding and a new contingency plan version; the sector feedback hides
//! an issue fewer than k institutions share. Skipped with a message when `chromedriver` is
//! missing, unless `DELTAWALL_REQUIRE_SERVICES=1`.

use crate::browser::{click, client, fill, heading, serve_with_clock, sign_in, start_driver, text};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use fantoccini::{Client, Locator};
use serde_json::json;

const DAY_US: i64 = 86_400 * 1_000_000;
const NAME: &str = "サイバー演習2026（試行）";

/// Two tracks: banks (A-01 at once, A-02 an hour later) and shinkin banks (B-01 at once).
const TRACKS: &str =
    "bank,regional_bank,地方銀行,Regional banks\nshinkin,shinkin_bank,信用金庫,Shinkin banks";
const SCHEDULE: &str = "code,track,phase,offset_min,kind,title,body,depends_on,expected_actions,criteria,respond_within_min\n\
A-01,bank,1,0,message,不審な送金の通報,ネットバンキングで不審な送金が続いている,,internal_sharing=経営陣へ報告,internal_sharing=15分以内に報告,15\n\
A-02,bank,2,60,press_surge,報道機関からの問合せ,記者から事実確認の電話が入った,A-01,customer_response=報道対応,customer_response=ポジションペーパー,30\n\
B-01,shinkin,1,0,simulated_alert,勘定系サーバの異常検知,信金だけが読むべき検知内容,,triage=影響範囲の特定,triage=初動トリアージ,20\n";

/// What only the shinkin track, or B itself, may read.
const B_ONLY: [&str; 4] = [
    "勘定系サーバ",
    "信金だけが読むべき",
    "サーバを隔離した",
    "Shinkin B",
];
/// What only the bank track, or A itself, may read.
const A_ONLY: [&str; 4] = ["不審な送金", "報道機関", "取締役会へ報告した", "Bank A"];

/// Sets a field's value by script: date and time inputs take keys in the browser's
/// locale format, and long Japanese texts are slow to type. The page itself needs none.
async fn set(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

/// Clicks a control that posts a form and waits until the browser left the page: a form
/// that redirects back shows the same heading, so the heading alone cannot tell.
async fn submit(c: &Client, css: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    click(c, css).await;
    for _ in 0..100 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} did not load a new page");
}

async fn choose(c: &Client, select: &str, value: &str) {
    click(c, &format!("#{select} option[value='{value}']")).await;
}

async fn source(c: &Client) -> String {
    c.source().await.unwrap()
}

fn assert_none(page: &str, secrets: &[&str], who: &str) {
    if let Some(s) = secrets.iter().find(|s| page.contains(**s)) {
        panic!("{who} reads {s:?}: {page}");
    }
}

/// Signs in and waits for the dashboard, so the next address is not overtaken by the
/// sign-in's own redirect.
async fn enter(c: &Client, base: &str, login: &str) {
    sign_in(c, base, login).await;
    heading(c, "ダッシュボード").await;
}

async fn sign_out(c: &Client) {
    click(c, "form[action='/logout'] button").await;
    heading(c, "ログイン").await;
}

async fn open_edition(c: &Client, base: &str) {
    c.goto(&format!("{base}/exercises/editions")).await.unwrap();
    heading(c, "プラットフォーム上の演習").await;
    c.find(Locator::LinkText(NAME))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    heading(c, NAME).await;
}

/// The FSA designs the edition, enrols A, B and C, starts the clock and releases A-02.
async fn design_and_start(c: &Client, base: &str, enrol: &[(&str, &str)]) {
    enter(c, base, "fsa-staff").await;
    heading(c, "ダッシュボード").await;
    c.goto(&format!("{base}/exercises/editions")).await.unwrap();
    heading(c, "プラットフォーム上の演習").await;
    fill(c, "name_ja", NAME).await;
    fill(c, "name_en", "Cyber exercise 2026 (trial)").await;
    let tomorrow = deltawall_domain::jst::date_of(deltawall_store::records::now_us() + DAY_US);
    set(c, "held_on", &tomorrow.to_string()).await;
    set(c, "ends_at", "17:00").await;
    set(c, "feedback_k", "2").await;
    set(c, "tracks", TRACKS).await;
    set(c, "schedule_csv", SCHEDULE).await;
    submit(c, "#design button[type='submit']").await;
    heading(c, NAME).await;
    assert!(text(c, "#status").await.contains("開始前"));
    for (org, track) in enrol {
        fill(c, "org_id", org).await;
        choose(c, "track", track).await;
        submit(c, "#enrol button[type='submit']").await;
        heading(c, NAME).await;
    }
    assert_eq!(
        c.find_all(Locator::Css("#participants tbody tr"))
            .await
            .unwrap()
            .len(),
        3
    );
    submit(c, "button[name='command'][value='start']").await;
    heading(c, NAME).await;
    assert!(text(c, "#status").await.contains("実施中"));
    // The organiser reads the unreleased sequel (an audited view) and releases it early.
    assert!(text(c, "#injects").await.contains("報道機関からの問合せ"));
    submit(c, "#release-A-02").await;
    heading(c, NAME).await;
    assert!(c.find(Locator::Css("#release-A-02")).await.is_err());
    sign_out(c).await;
}

/// An institution reads its track's injects only and responds to `inject`.
async fn play(c: &Client, base: &str, login: &str, inject: &str, response: &str) -> String {
    enter(c, base, login).await;
    heading(c, "ダッシュボード").await;
    open_edition(c, base).await;
    choose(c, "inject", inject).await;
    choose(c, "kind", "decision").await;
    fill(c, "text", response).await;
    submit(c, "#respond button[type='submit']").await;
    heading(c, NAME).await;
    assert!(text(c, "#responses").await.contains(response));
    let page = source(c).await;
    sign_out(c).await;
    page
}

/// The FSA, after the close, rates B, proposes B a measure and records observations.
async fn evaluate(c: &Client, base: &str, b: &str, observations: &[(&str, &str)]) {
    enter(c, base, "fsa-staff").await;
    open_edition(c, base).await;
    assert!(text(c, "#status").await.contains("終了"));
    click(c, "a[href$='/evaluation']").await;
    heading(c, "事後評価").await;
    choose(c, "r_org", b).await;
    choose(c, "r_criterion", "B-01|triage").await;
    fill(c, "rating", "3").await;
    fill(c, "comment", "初動は適切だが記録が不足").await;
    submit(c, "#rate button[type='submit']").await;
    heading(c, "事後評価").await;
    assert!(
        text(c, "#evaluations")
            .await
            .contains("初動は適切だが記録が不足")
    );
    choose(c, "m_org", b).await;
    choose(c, "m_vp", "triage").await;
    fill(c, "m_text", "トリアージ手順書を整備する").await;
    choose(c, "severity", "high").await;
    submit(c, "#propose button[type='submit']").await;
    heading(c, "事後評価").await;
    let measures = text(c, "#measures").await;
    assert!(
        measures.contains("トリアージ手順書を整備する") && measures.contains("高"),
        "{measures}"
    );
    for (org, topic) in observations {
        choose(c, "o_org", org).await;
        choose(c, "o_vp", "triage").await;
        fill(c, "topic", topic).await;
        submit(c, "#observe button[type='submit']").await;
        heading(c, "事後評価").await;
    }
    sign_out(c).await;
}

/// B assesses itself, accepts the measure (a finding) and records the plan's new version
/// that completes the revision task.
async fn b_closes_the_loop(c: &Client, base: &str) {
    enter(c, base, "b-staff").await;
    open_edition(c, base).await;
    click(c, "a[href$='/evaluation']").await;
    heading(c, "事後評価").await;
    choose(c, "criterion", "B-01|triage").await;
    choose(c, "result", "not_done").await;
    fill(c, "reason", "手順書がなかった").await;
    submit(c, "#self button[type='submit']").await;
    heading(c, "事後評価").await;
    let rows = text(c, "#evaluations").await;
    assert!(
        rows.contains("未実施: 手順書がなかった") && rows.contains("3"),
        "{rows}"
    );
    submit(c, "#measures form[action$='/accept'] button").await;
    heading(c, "指摘事項: トリアージ手順書を整備する").await;
    c.goto(&format!("{base}/contingency-plans")).await.unwrap();
    heading(c, "コンティンジェンシープラン").await;
    let tasks = text(c, "#tasks").await;
    assert!(tasks.contains("トリアージ手順書を整備する"), "{tasks}");
    // The revision: version 2 of the plan, covering the played scenario, completes the task.
    click(c, "#scenarios-ransomware").await;
    set(c, "roles", "CSIRT責任者,初動判断\n広報責任者,報道対応").await;
    set(c, "internal_contacts", "CSIRT責任者,広報責任者\n広報責任者").await;
    set(c, "external_contacts", "fsa,CSIRT責任者,60").await;
    set(c, "objectives", "勘定系,240,60").await;
    click(c, "#completes_task option:not([value=''])").await;
    submit(c, "#plan-version button[type='submit']").await;
    heading(c, "コンティンジェンシープラン").await;
    assert_eq!(text(c, "#plans tbody tr td:nth-child(2)").await, "2");
    let tasks = text(c, "#tasks").await;
    assert!(
        tasks.trim_end().ends_with('2'),
        "the task is done by version 2: {tasks}"
    );
    sign_out(c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_edition_is_played_in_japanese() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = TestApp::new().await;
    // A second shinkin bank, so one issue reaches k = 2 institutions of the same type.
    let c_org = app
        .json(
            Method::POST,
            "/api/v1/orgs",
            &app.fsa.as_role(Role::Admin),
            &json!({"name_ja": "信金C", "name_en": "Shinkin C", "kind": "institution",
                "business_type": "shinkin_bank", "region": "kanto"}),
        )
        .await;
    assert_eq!(c_org.status, StatusCode::CREATED, "{}", c_org.body);
    let c_id = c_org.json()["id"].as_str().unwrap().to_owned();
    // B's first plan version, so an accepted measure has a plan to revise.
    let plan = json!({"plan": {"version": 1, "adopted_at_us": 0, "scenarios": ["ddos"],
        "roles": [], "internal_contacts": [], "external_contacts": [], "objectives": [],
        "requirement_ids": []}});
    let r = app
        .json(
            Method::POST,
            "/api/v1/contingency-plans",
            &app.b.as_role(Role::Staff),
            &plan,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let (a_id, b_id) = (app.a.org_id.clone(), app.b.org_id.clone());
    let base = serve_with_clock(&app.db, app.clock.clone()).await;
    let c = client(port).await;

    let enrol = [
        (a_id.as_str(), "bank"),
        (b_id.as_str(), "shinkin"),
        (c_id.as_str(), "shinkin"),
    ];
    design_and_start(&c, &base, &enrol).await;

    let a_page = play(&c, &base, "a-staff", "A-02", "取締役会へ報告した").await;
    assert!(a_page.contains("不審な送金") && a_page.contains("報道機関からの問合せ"));
    assert_none(&a_page, &B_ONLY, "A");
    let b_page = play(&c, &base, "b-staff", "B-01", "サーバを隔離した").await;
    assert!(b_page.contains("勘定系サーバの異常検知"));
    assert_none(&b_page, &A_ONLY, "B");

    // The end time passes: the exercise closes and responses are over.
    app.clock.advance(3 * DAY_US);
    let observations = [
        (b_id.as_str(), "エスカレーション基準が曖昧"),
        (c_id.as_str(), "エスカレーション基準が曖昧"),
        (b_id.as_str(), "B固有の孤立した課題"),
    ];
    evaluate(&c, &base, &b_id, &observations).await;
    b_closes_the_loop(&c, &base).await;

    // A sees the shared issue of the shinkin banks, never the one only B has, nor B.
    enter(&c, &base, "a-staff").await;
    open_edition(&c, &base).await;
    assert!(text(&c, "#status").await.contains("終了"));
    assert!(
        c.find(Locator::Id("respond")).await.is_err(),
        "no response after the close"
    );
    click(&c, "a[href$='/evaluation']").await;
    heading(&c, "事後評価").await;
    let feedback = text(&c, "#feedback").await;
    assert!(
        feedback.contains("エスカレーション基準が曖昧") && feedback.contains("信用金庫"),
        "{feedback}"
    );
    let page = source(&c).await;
    assert_none(
        &page,
        &[
            "B固有の孤立した課題",
            "トリアージ手順書",
            "手順書がなかった",
        ],
        "A",
    );
    assert_none(&page, &B_ONLY, "A");
    c.close().await.unwrap();
}
