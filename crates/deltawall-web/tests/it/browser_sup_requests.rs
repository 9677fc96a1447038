//! One supervision cycle in real headless Chromium, in Japanese: the FSA sends a request
//! to regional banks and shinkin banks, two institutions submit (an executive attests),
//! one is returned and resubmitted, one never answers and is overdue; the completion
//! chart's table and the before/after view show exactly that. Skipped like the other
//! browser tests when chromedriver is missing.

use crate::browser::{
    choose, click, client, heading, serve_with_clock, sign_in, start_driver, text, wait_text,
    wait_url,
};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::DAY_US;
use deltawall_store::orgs::{self, NewOrg};
use fantoccini::Locator;
use serde_json::json;

/// `YYYY-MM-DD`, `days` from the app clock's today in Japan.
fn day(app: &TestApp, days: i64) -> String {
    let jst_days = (app.clock.now_us() + 9 * 3600 * 1_000_000).div_euclid(DAY_US);
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(jst_days + days))
        .unwrap()
        .to_string()
}

/// Shinkin C (Kanto), with no users: it will never answer.
async fn add_silent_shinkin(app: &TestApp) -> String {
    let mut tx = app.db.store.write().await.unwrap();
    let id = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: "しんきんC".into(),
            name_en: "Shinkin C".into(),
            kind: OrgKind::Institution,
            business_type: Some(BusinessType::ShinkinBank),
            region: Some(Region::Kanto),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// The survey before the request (the "before" of the before/after view), answered "no"
/// by A and B and accepted, through the API.
async fn baseline(app: &TestApp) -> String {
    let fsa = app.fsa.as_role(Role::Staff);
    let body = json!({
        "title_ja": "前年度の実態調査", "title_en": "Last year's survey",
        "asked": {"kind": "questions", "questions": [{"id": "vuln", "text": {"ja": "脆弱性診断を実施したか", "en": "Vulnerability diagnosis run?"}}]},
        "population": {"filter": {"business_types": ["regional_bank", "shinkin_bank"]}},
        "deadline": day(app, 1),
    });
    let r = app
        .json(Method::POST, "/api/v1/supervision/requests", &fsa, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for t in [&app.a, &app.b] {
        let inbox = app
            .get("/api/v1/tasks", &t.as_role(Role::Staff))
            .await
            .json();
        let task = inbox["tasks"][0]["task"]["id"].as_str().unwrap().to_owned();
        let answers = json!({"answers": [{"id": "vuln", "value": "no"}], "attest": true});
        let r = app
            .json(
                Method::POST,
                &format!("/api/v1/tasks/{task}/submit"),
                &t.as_role(Role::Executive),
                &answers,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r = app
            .json(
                Method::POST,
                &format!("/api/v1/supervision/requests/{id}/tasks/{task}/decision"),
                &fsa,
                &json!({"decision": "accept"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    id
}

async fn sign_out(c: &fantoccini::Client) {
    click(c, "form[action='/logout'] button").await;
    heading(c, "ログイン").await;
}

/// The row of a table whose header cell reads `label`, as text.
async fn row(c: &fantoccini::Client, table: &str, label: &str) -> String {
    for tr in c
        .find_all(Locator::Css(&format!("{table} tr")))
        .await
        .unwrap()
    {
        let t = tr.text().await.unwrap();
        if t.starts_with(label) || t.contains(&format!(" {label} ")) {
            return t;
        }
    }
    panic!("no row {label} in {table}: {}", text(c, table).await);
}

/// Opens the task of `org_name` under the request page at `request_url`.
async fn open_task(c: &fantoccini::Client, request_url: &str, org_name: &str) {
    c.goto(request_url).await.unwrap();
    c.find(Locator::LinkText(org_name))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    heading(c, org_name).await;
}

async fn answer_and_submit(c: &fantoccini::Client, base: &str, value: &str) {
    c.goto(&format!("{base}/requests")).await.unwrap();
    heading(c, "受け取った要請・注意喚起").await;
    click(c, "#my-tasks a[href^='/tasks/']").await;
    wait_url(c, "/tasks/").await;
    choose(c, "v-vuln", value).await;
    click(c, "#attest").await;
    click(c, "#task-submit").await;
    wait_text(c, "#task-status", "提出済み").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_cycle_in_japanese_shows_the_truth() {
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = TestApp::new().await;
    add_silent_shinkin(&app).await;
    let base_id = baseline(&app).await;
    let base = serve_with_clock(&app.db, app.clock.clone()).await;
    let c = client(port).await;

    sign_in(&c, &base, "fsa-staff").await;
    heading(&c, "ダッシュボード").await;
    // The supervisor ranks targets: every institution in reach is scored, and each row
    // opens to the reasons behind its score.
    c.goto(&format!("{base}/supervision")).await.unwrap();
    heading(&c, "監督").await;
    c.find(Locator::LinkText("リスクランキング"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    heading(&c, "リスクランキング").await;
    let ranking = text(&c, "#ranking").await;
    assert!(ranking.contains("しんきんC"), "{ranking}");
    click(&c, "#ranking details summary").await;
    let reasons = text(&c, "#ranking details table.reasons").await;
    assert!(reasons.contains("スコア"), "{reasons}");

    // Compose: regional banks and shinkin banks; the preview lists the three matched.
    c.goto(&format!("{base}/requests")).await.unwrap();
    heading(&c, "要請").await;
    click(&c, "#req-new").await;
    heading(&c, "新しい要請").await;
    crate::browser::fill(&c, "title_ja", "脆弱性診断の実施に関する要請").await;
    crate::browser::fill(&c, "title_en", "Request to run a vulnerability diagnosis").await;
    crate::browser::fill(
        &c,
        "questions",
        "vuln | 脆弱性診断を実施したか | Vulnerability diagnosis run?",
    )
    .await;
    click(&c, "#bt-regional_bank").await;
    click(&c, "#bt-shinkin_bank").await;
    // A date input's typing order depends on the browser's locale; set its value directly.
    c.execute(
        "document.getElementById('deadline').value = arguments[0];",
        vec![json!(day(&app, 3))],
    )
    .await
    .unwrap();
    // Reminders must fall between now and the deadline: one day before it.
    let days = c.find(Locator::Id("days_before")).await.unwrap();
    days.clear().await.unwrap();
    days.send_keys("1").await.unwrap();
    choose(&c, "baseline", &base_id).await;
    click(&c, "#req-preview").await;
    wait_text(&c, "#preview", "対象となる機関").await;
    if let Ok(e) = c.find(Locator::Id("preview-error")).await {
        panic!("preview refused: {}", e.text().await.unwrap());
    }
    assert!(
        wait_text(&c, "#preview-count", "3 機関")
            .await
            .contains("3")
    );
    let matched = text(&c, "#preview-table").await;
    for name in ["Bank A（日本）", "Shinkin B（日本）", "しんきんC"] {
        assert!(matched.contains(name), "{matched}");
    }
    click(&c, "#req-send").await;
    // Wait for the request's own page before reading its address: the compose and preview
    // pages live under the same prefix, so waiting on the address alone can return early.
    heading(&c, "脆弱性診断の実施に関する要請").await;
    let request_url = c.current_url().await.unwrap().to_string();
    assert!(
        !request_url.ends_with("/preview") && !request_url.ends_with("/new"),
        "{request_url}"
    );
    sign_out(&c).await;

    // Two institutions submit; each executive attests.
    for login in ["a-executive", "b-executive"] {
        sign_in(&c, &base, login).await;
        heading(&c, "ダッシュボード").await;
        answer_and_submit(&c, &base, "yes").await;
        sign_out(&c).await;
    }

    // The supervisor returns A with a reason and accepts B.
    sign_in(&c, &base, "fsa-staff").await;
    heading(&c, "ダッシュボード").await;
    open_task(&c, &request_url, "Bank A（日本）").await;
    assert!(text(&c, "#task-answers").await.contains("はい"));
    crate::browser::fill(&c, "return-reason", "診断の対象範囲を記載してください").await;
    click(&c, "#task-return").await;
    wait_text(&c, "#task-status", "差戻し").await;
    open_task(&c, &request_url, "Shinkin B（日本）").await;
    click(&c, "#task-accept").await;
    wait_text(&c, "#task-status", "受理").await;
    sign_out(&c).await;

    // A reads the reason and resubmits; the supervisor accepts.
    sign_in(&c, &base, "a-executive").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&format!("{base}/requests")).await.unwrap();
    click(&c, "#my-tasks a[href^='/tasks/']").await;
    assert!(
        wait_text(&c, "#returned-reason", "診断の対象範囲")
            .await
            .contains("差戻し")
    );
    click(&c, "#attest").await;
    click(&c, "#task-submit").await;
    wait_text(&c, "#task-status", "提出済み").await;
    sign_out(&c).await;
    sign_in(&c, &base, "fsa-staff").await;
    heading(&c, "ダッシュボード").await;
    open_task(&c, &request_url, "Bank A（日本）").await;
    click(&c, "#task-accept").await;
    wait_text(&c, "#task-status", "受理").await;

    // The deadline passes: C, which never answered, is overdue.
    app.clock.advance(5 * DAY_US);
    c.goto(&request_url).await.unwrap();
    heading(&c, "脆弱性診断の実施に関する要請").await;
    // Columns: type, targeted, submitted, returned, accepted, overdue, completion, answered.
    let bank = row(&c, "#completion-bt", "地方銀行").await;
    assert_eq!(bank, "地方銀行 1 0 0 1 0 100% (1/1) 100% (1/1)", "{bank}");
    let shinkin = row(&c, "#completion-bt", "信用金庫").await;
    assert_eq!(
        shinkin, "信用金庫 2 0 0 1 1 50% (1/2) 50% (1/2)",
        "{shinkin}"
    );
    let total = row(&c, "#completion-bt", "合計").await;
    assert_eq!(total, "合計 3 0 0 2 1 67% (2/3) 67% (2/3)", "{total}");
    let chart = c
        .find(Locator::Css("#completion-chart svg"))
        .await
        .unwrap()
        .html(false)
        .await
        .unwrap();
    assert!(
        chart.contains("地方銀行") && chart.contains(">100<") && chart.contains(">50<"),
        "{chart}"
    );
    let kanto = row(&c, "#completion-region", "関東").await;
    assert!(kanto.contains("50% (1/2)"), "{kanto}");
    assert!(text(&c, "#req-tasks").await.contains("期限超過"));
    // Before: both answered "no" to last year's survey; after: both accepted "yes".
    let ba = text(&c, "#before-after").await;
    assert!(ba.contains("vuln 地方銀行 0% (0/1) 100% (1/1)"), "{ba}");
    assert!(ba.contains("vuln 信用金庫 0% (0/1) 100% (1/1)"), "{ba}");
    c.close().await.unwrap();

    // The same figures over the API, and the audit trail has every supervisor action.
    let fsa = app.fsa.as_role(Role::Admin);
    let audit = app
        .get("/api/v1/audit?limit=500&action=request.", &fsa)
        .await
        .json();
    let count = |a: &str| {
        audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == a)
            .count()
    };
    assert_eq!(
        (
            count("request.send"),
            count("request.task.return"),
            count("request.task.accept")
        ),
        (2, 1, 4)
    );
}
