//! Requests (要請) and alerts (注意喚起) through the API and the pages: one cycle with a
//! draft the supervisor never sees, an executive's attestation, a return and a resubmission;
//! overdue and reminders by moving the services' clock; tenant isolation between
//! institutions and a local bureau's regional reach; refusals with their reason; and an
//! audit entry for every supervisor action.

use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::DAY_US;
use serde_json::{Value, json};

/// The day `days` from now (by the app's clock), Japan time, as `YYYY-MM-DD`.
fn day(app: &TestApp, days: i64) -> String {
    let jst_days = (app.clock.now_us() + 9 * 3600 * 1_000_000).div_euclid(DAY_US);
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(jst_days + days))
        .unwrap()
        .to_string()
}

fn request(app: &TestApp, population: Value, deadline_in_days: i64) -> Value {
    json!({
        "title_ja": "脆弱性診断の実施", "title_en": "Run a vulnerability diagnosis",
        "asked": {"kind": "questions", "questions": [
            {"id": "vuln", "text": {"ja": "脆弱性診断を実施したか", "en": "Was a vulnerability diagnosis run?"}},
            {"id": "logs", "text": {"ja": "ログ監視を整備したか", "en": "Is log monitoring organised?"}}
        ]},
        "population": population,
        "deadline": day(app, deadline_in_days),
        "reminders": {"days_before": [1], "overdue_every_days": 1},
    })
}

fn banks_and_shinkin() -> Value {
    json!({"filter": {"business_types": ["regional_bank", "shinkin_bank"]}})
}

async fn send(app: &TestApp, who: &Who, body: &Value) -> String {
    let r = app
        .json(Method::POST, "/api/v1/supervision/requests", who, body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// The id of an institution's task under a request.
async fn task_of(app: &TestApp, who: &Who, request: &str) -> String {
    let inbox = app.get("/api/v1/tasks", who).await.json();
    inbox["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["request"]["id"] == request)
        .map(|t| t["task"]["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no task for {request}: {inbox}"))
}

fn answers(note: &str) -> Value {
    json!({"answers": [
        {"id": "vuln", "value": "yes", "note": note},
        {"id": "logs", "value": "partial", "note": ""}
    ], "attest": true})
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &Who,
    body: &Value,
) -> crate::util::Resp {
    app.json(method, path, who, body).await
}

async fn actions(app: &TestApp, prefix: &str) -> Vec<String> {
    let r = app
        .get(
            &format!("/api/v1/audit?limit=500&action={prefix}"),
            &app.fsa.as_role(Role::Admin),
        )
        .await
        .json();
    r.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn one_cycle_draft_hidden_attested_returned_resubmitted_accepted() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let id = send(&app, &fsa, &request(&app, banks_and_shinkin(), 10)).await;
    let a_task = task_of(&app, &app.a.as_role(Role::Staff), &id).await;
    let b_task = task_of(&app, &app.b.as_role(Role::Staff), &id).await;

    // B's staff prepares a draft; the supervisor never sees it, nor its note.
    let r = call(
        &app,
        Method::PUT,
        &format!("/api/v1/tasks/{b_task}/draft"),
        &app.b.as_role(Role::Staff),
        &answers("draft-secret-note"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let mine = app
        .get(
            &format!("/api/v1/tasks/{b_task}"),
            &app.b.as_role(Role::Executive),
        )
        .await;
    assert!(mine.body.contains("draft-secret-note"), "{}", mine.body);
    assert_eq!(mine.json()["status"]["state"], "in_progress");
    for path in [
        format!("/api/v1/supervision/requests/{id}"),
        format!("/api/v1/supervision/requests/{id}/tasks/{b_task}"),
        format!("/supervision/requests/{id}"),
        format!("/supervision/requests/{id}/tasks/{b_task}"),
    ] {
        let r = app.get(&path, &fsa).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            !r.body.contains("draft-secret-note"),
            "{path} shows the draft"
        );
    }
    let seen = app
        .get(
            &format!("/api/v1/supervision/requests/{id}/tasks/{b_task}"),
            &fsa,
        )
        .await
        .json();
    assert_eq!(seen["task"]["task"]["task"]["answers"], json!([]));

    // Staff cannot submit: only an executive attests. The refusal names the reason.
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{b_task}/submit"),
        &app.b.as_role(Role::Staff),
        &answers("final"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "task-err-not-executive");
    // Without the attestation ticked, the field is named.
    let mut unattested = answers("final");
    unattested["attest"] = json!(false);
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{b_task}/submit"),
        &app.b.as_role(Role::Executive),
        &unattested,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "attest");
    for (task, who) in [
        (&b_task, app.b.as_role(Role::Executive)),
        (&a_task, app.a.as_role(Role::Executive)),
    ] {
        let r = call(
            &app,
            Method::POST,
            &format!("/api/v1/tasks/{task}/submit"),
            &who,
            &answers("final"),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let seen = app
        .get(
            &format!("/api/v1/supervision/requests/{id}/tasks/{b_task}"),
            &fsa,
        )
        .await
        .json();
    assert_eq!(seen["task"]["task"]["task"]["answers"][0]["note"], "final");
    assert_eq!(
        seen["task"]["task"]["task"]["attestation"]["by"]["role"],
        "executive"
    );

    // Accept B; accepting again is refused with the reason (409).
    let decide = |d: &'static str, reason: &'static str| json!({"decision": d, "reason": reason});
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{b_task}/decision"),
        &fsa,
        &decide("accept", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{b_task}/decision"),
        &fsa,
        &decide("accept", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "task-err-state");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Accepted"),
        "{}",
        r.body
    );
    // A return needs a reason.
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{a_task}/decision"),
        &fsa,
        &decide("return", " "),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "task-err-no-reason");
    // An auditor of the supervisor only reads; an institution cannot decide.
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{a_task}/decision"),
        &app.fsa.as_role(Role::Auditor),
        &decide("accept", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{a_task}/decision"),
        &app.a.as_role(Role::Admin),
        &decide("accept", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Return A with a reason; A sees it on its page, resubmits, and is accepted.
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{a_task}/decision"),
        &fsa,
        &decide("return", "診断範囲が不明確です"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let page = app
        .get(&format!("/tasks/{a_task}"), &app.a.as_role(Role::Staff))
        .await;
    assert!(page.body.contains("診断範囲が不明確です"), "{}", page.body);
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{a_task}/submit"),
        &app.a.as_role(Role::Executive),
        &answers("scope: all internet-facing systems"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{a_task}/decision"),
        &fsa,
        &decide("accept", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let d = app
        .get(&format!("/api/v1/supervision/requests/{id}"), &fsa)
        .await
        .json();
    assert_eq!(d["completion"]["total"]["accepted"], 2, "{d}");
    assert_eq!(
        d["completion"]["by_business_type"]["regional_bank"]["accepted"],
        1
    );
    assert_eq!(d["completion"]["by_region"]["kanto"]["accepted"], 1);

    // Every supervisor action is in the audit trail.
    let acts = actions(&app, "request.").await;
    for (action, n) in [
        ("request.send", 1),
        ("request.task.accept", 2),
        ("request.task.return", 1),
    ] {
        assert_eq!(
            acts.iter().filter(|a| *a == action).count(),
            n,
            "{action}: {acts:?}"
        );
    }
    let task_acts = actions(&app, "task.").await;
    assert!(
        task_acts.iter().filter(|a| *a == "task.submit").count() == 3,
        "{task_acts:?}"
    );
}

#[tokio::test]
async fn overdue_is_computed_on_read_and_reminders_are_recorded_once() {
    use deltawall_app::supervision::reminders::sweep;
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let id = send(&app, &fsa, &request(&app, banks_and_shinkin(), 2)).await;
    let b = app.b.as_role(Role::Staff);
    let b_task = task_of(&app, &b, &id).await;
    let a_task = task_of(&app, &app.a.as_role(Role::Staff), &id).await;
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{a_task}/submit"),
        &app.a.as_role(Role::Executive),
        &answers("done"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Nothing due yet.
    let s = sweep(&app.db.store, app.clock.now_us()).await.unwrap();
    assert_eq!(s.requests, 0);
    // One day before the deadline: B (still owing) gets one reminder; A (submitted) none.
    app.clock.advance(2 * DAY_US);
    let s = sweep(&app.db.store, app.clock.now_us()).await.unwrap();
    assert_eq!(s.requests, 1);
    let again = sweep(&app.db.store, app.clock.now_us()).await.unwrap();
    assert_eq!(again.requests, 0, "a reminder is recorded once");
    // Past the deadline: overdue on read, without any sweep.
    app.clock.advance(3 * DAY_US);
    let d = app
        .get(&format!("/api/v1/supervision/requests/{id}"), &fsa)
        .await
        .json();
    assert_eq!(d["completion"]["total"]["overdue"], 1, "{d}");
    let mine = app.get(&format!("/api/v1/tasks/{b_task}"), &b).await.json();
    assert_eq!(mine["status"]["overdue"], true);
    assert!(mine["status"]["days_late"].as_i64().unwrap() >= 2);
    let s = sweep(&app.db.store, app.clock.now_us()).await.unwrap();
    assert_eq!(s.requests, 1, "one overdue reminder, not a burst");
    // The institution sees its reminders (there is no e-mail); A sees none.
    let page = app.get("/requests", &b).await;
    assert!(page.body.contains("期限の1日前"), "{}", page.body);
    assert!(page.body.contains("日超過"), "{}", page.body);
    let page = app.get("/requests", &app.a.as_role(Role::Staff)).await;
    assert!(!page.body.contains("id=\"reminders\""), "{}", page.body);
    assert_eq!(actions(&app, "request.reminder").await.len(), 2);
}

#[tokio::test]
async fn institutions_never_see_each_others_tasks_or_acknowledgements() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let id = send(&app, &fsa, &request(&app, banks_and_shinkin(), 10)).await;
    let b_task = task_of(&app, &app.b.as_role(Role::Staff), &id).await;
    let alert = alert_to(&app, json!({"filter": {}})).await;
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/alerts/{alert}/ack"),
        &app.b.as_role(Role::Staff),
        &ack("yes", "b-ack-secret"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    for role in [Role::Admin, Role::Executive, Role::Staff, Role::Auditor] {
        let a = app.a.as_role(role);
        for path in [
            format!("/api/v1/tasks/{b_task}"),
            format!("/tasks/{b_task}"),
        ] {
            assert_eq!(
                app.get(&path, &a).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let inbox = app.get("/api/v1/tasks", &a).await;
        assert_eq!(inbox.json()["tasks"].as_array().unwrap().len(), 1);
        assert!(!inbox.body.contains(&app.b.org_id) && !inbox.body.contains(&b_task));
        // The population (which could list other institutions) is not shown.
        assert_eq!(
            inbox.json()["tasks"][0]["request"]["doc"]["request"]["population"]["filter"],
            Value::Null
        );
        let mine = app.get(&format!("/api/v1/alerts/{alert}"), &a).await;
        assert_eq!(
            mine.json()["alert"]["alert"]["population"]["filter"],
            Value::Null
        );
        assert!(mine.json()["ack"].is_null(), "{}", mine.body);
        assert!(!mine.body.contains("b-ack-secret"));
        for path in [
            format!("/api/v1/supervision/requests/{id}"),
            format!("/api/v1/supervision/alerts/{alert}"),
        ] {
            assert_eq!(
                app.get(&path, &a).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        let r = call(
            &app,
            Method::PUT,
            &format!("/api/v1/tasks/{b_task}/draft"),
            &a,
            &answers("x"),
        )
        .await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{}",
            r.status
        );
    }
}

#[tokio::test]
async fn a_bureau_sees_only_its_regions_tasks_acks_and_figures() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let id = send(&app, &fsa, &request(&app, banks_and_shinkin(), 10)).await;
    let b_task = task_of(&app, &app.b.as_role(Role::Staff), &id).await;
    let kinki = app.kinki.as_role(Role::Staff);
    let d = app
        .get(&format!("/api/v1/supervision/requests/{id}"), &kinki)
        .await;
    assert_eq!(d.status, StatusCode::OK);
    let d = d.json();
    assert_eq!(d["tasks"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["completion"]["total"]["targeted"], 1);
    assert!(d["completion"]["by_region"].get("kanto").is_none(), "{d}");
    assert!(
        d["completion"]["by_business_type"]
            .get("shinkin_bank")
            .is_none()
    );
    assert!(!d.to_string().contains(&app.b.org_id));
    let page = app
        .get(&format!("/supervision/requests/{id}"), &kinki)
        .await;
    assert!(!page.body.contains("Shinkin B"), "{}", page.body);
    assert_eq!(
        app.get(
            &format!("/api/v1/supervision/requests/{id}/tasks/{b_task}"),
            &kinki
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/supervision/requests/{id}/tasks/{b_task}/decision"),
        &kinki,
        &json!({"decision": "exempt", "reason": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The bureau's own population reaches only its region.
    let r = call(
        &app,
        Method::POST,
        "/api/v1/supervision/requests/preview",
        &kinki,
        &request(&app, banks_and_shinkin(), 10),
    )
    .await;
    let list = r.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name_en"].as_str().unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, ["Bank A"]);
    let r = call(
        &app,
        Method::POST,
        "/api/v1/supervision/requests/preview",
        &kinki,
        &request(&app, json!({"include": [app.b.org_id]}), 10),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "population");
    // Alert tracking: only Kinki's institutions.
    let alert = alert_to(&app, json!({"filter": {}})).await;
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/alerts/{alert}/ack"),
        &app.b.as_role(Role::Staff),
        &ack("no", "b-secret"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let t = app
        .get(&format!("/api/v1/supervision/alerts/{alert}"), &kinki)
        .await;
    assert!(
        !t.body.contains("b-secret") && !t.body.contains(&app.b.org_id),
        "{}",
        t.body
    );
    assert_eq!(t.json()["targets"].as_array().unwrap().len(), 1);
    assert_eq!(t.json()["tracking"]["acknowledged"], 0);
}

#[tokio::test]
async fn refusals_name_the_field_before_anything_is_sent() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let before = app.audit_count().await;
    let cases = [
        (request(&app, banks_and_shinkin(), -1), "deadline"),
        (
            request(
                &app,
                json!({"filter": {"business_types": ["crypto_exchange"]}}),
                10,
            ),
            "population",
        ),
        (request(&app, json!({}), 10), "population"),
        (
            request(&app, json!({"include": ["no-such-org"]}), 10),
            "population",
        ),
    ];
    for (body, field) in &cases {
        for path in [
            "/api/v1/supervision/requests/preview",
            "/api/v1/supervision/requests",
        ] {
            let r = call(&app, Method::POST, path, &fsa, body).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {field}: {}",
                r.body
            );
            assert_eq!(r.json()["error"]["field"], *field, "{}", r.body);
        }
    }
    let mut bad_reminder = request(&app, banks_and_shinkin(), 3);
    bad_reminder["reminders"] = json!({"days_before": [7]});
    let r = call(
        &app,
        Method::POST,
        "/api/v1/supervision/requests",
        &fsa,
        &bad_reminder,
    )
    .await;
    assert_eq!(r.json()["error"]["field"], "reminders");
    // Who may send: supervisory staff, not an auditor, never an institution.
    for who in [
        app.fsa.as_role(Role::Auditor),
        app.a.as_role(Role::Admin),
        app.a.as_role(Role::Executive),
    ] {
        let r = call(
            &app,
            Method::POST,
            "/api/v1/supervision/requests",
            &who,
            &request(&app, banks_and_shinkin(), 10),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.audit_count().await, before, "nothing was sent");
    // The page shows the empty population and the past deadline, with no send button.
    let form = |deadline: String, bt: &'static str| {
        vec![
            ("title_ja".to_owned(), "診断".to_owned()),
            ("title_en".to_owned(), "Diagnosis".to_owned()),
            (
                "questions".to_owned(),
                "vuln | 診断を実施したか | Diagnosis run?".to_owned(),
            ),
            (format!("bt.{bt}"), "1".to_owned()),
            ("deadline".to_owned(), deadline),
        ]
    };

    let empty = preview_form(&app, &fsa, form(day(&app, 10), "crypto_exchange")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.body.contains("id=\"preview-error\"")
            && empty.body.contains("該当する機関がありません"),
        "{}",
        empty.body
    );
    assert!(!empty.body.contains("id=\"req-send\""));
    let past = preview_form(&app, &fsa, form(day(&app, -1), "regional_bank")).await;
    assert!(
        past.body.contains("期限: 将来の日付を指定してください"),
        "{}",
        past.body
    );
    let ok = preview_form(&app, &fsa, form(day(&app, 10), "regional_bank")).await;
    assert!(
        ok.body.contains("id=\"req-send\"") && ok.body.contains("Bank A（日本）"),
        "{}",
        ok.body
    );
    assert!(!ok.body.contains("Shinkin B"));
}

async fn alert_to(app: &TestApp, population: Value) -> String {
    let body = json!({
        "title_ja": "リスト型攻撃及びDDoS攻撃への注意喚起", "title_en": "Alert: credential lists and ransom DDoS",
        "body_ja": "不正ログインと脅迫型DDoSに備えてください。", "body_en": "Prepare for credential-list logins and ransom DDoS.",
        "population": population,
        "respond_by": day(app, 3),
        "checklist": [{"id": "mfa", "text": {"ja": "多要素認証を導入しているか", "en": "Is multi-factor login in place?"}}],
        "reminders": {"days_before": [1], "overdue_every_days": 2},
    });
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/alerts",
            &app.fsa.as_role(Role::Staff),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

fn ack(value: &str, note: &str) -> Value {
    json!({"answers": [{"item_id": "mfa", "value": value, "note": note}]})
}

#[tokio::test]
async fn alerts_are_tracked_per_institution_with_reminders() {
    use deltawall_app::supervision::reminders::sweep;
    let app = TestApp::new().await;
    let alert = alert_to(&app, json!({"filter": {}})).await;
    // An acknowledgement must answer the checklist.
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/alerts/{alert}/ack"),
        &app.a.as_role(Role::Staff),
        &json!({"answers": []}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "alert-err-answers");
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/alerts/{alert}/ack"),
        &app.a.as_role(Role::Auditor),
        &ack("yes", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/alerts/{alert}/ack"),
        &app.a.as_role(Role::Staff),
        &ack("yes", "TOTP for all"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    app.clock.advance(6 * DAY_US);
    let t = app
        .get(
            &format!("/api/v1/supervision/alerts/{alert}"),
            &app.fsa.as_role(Role::Staff),
        )
        .await
        .json();
    assert_eq!(t["tracking"]["acknowledged"], 1, "{t}");
    assert_eq!(t["tracking"]["overdue"], 1);
    assert_eq!(
        t["tracking"]["institutions"][&app.b.org_id]["state"],
        "overdue"
    );
    assert_eq!(t["tracking"]["answers"]["mfa"]["yes"], 1);
    let page = app
        .get(
            &format!("/supervision/alerts/{alert}"),
            &app.fsa.as_role(Role::Auditor),
        )
        .await;
    assert!(
        page.body.contains("期限超過") && page.body.contains("確認済み"),
        "{}",
        page.body
    );
    let s = sweep(&app.db.store, app.clock.now_us()).await.unwrap();
    assert_eq!(s.alerts, 1, "only B, which has not acknowledged");
    let inbox = app.get("/requests", &app.b.as_role(Role::Staff)).await;
    assert!(inbox.body.contains("注意喚起: 期限から"), "{}", inbox.body);
    assert_eq!(actions(&app, "alert.send").await.len(), 1);
    assert_eq!(actions(&app, "alert.ack").await.len(), 1);
}

async fn preview_form(app: &TestApp, who: &Who, f: Vec<(String, String)>) -> crate::util::Resp {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.form(Method::POST, "/supervision/requests/preview", who, &pairs)
        .await
}

/// The demo's completed request shows the report's before/after shape for shinkin banks
/// and credit cooperatives, read through the pages' service; the open request has tasks
/// in several states; the October 2019 alert has acknowledgements and overdue ones.
#[tokio::test]
async fn the_demo_shows_the_reported_request_effect() {
    use deltawall_domain::supervision::figures::REPORTED_REQUEST_EFFECT;
    let app = TestApp::without_tenants().await;
    deltawall_demo::seed(&app.db.store, crate::util::PASSWORD)
        .await
        .unwrap();
    let fsa = Who::Session(app.login("fsa-staff", crate::util::PASSWORD).await);
    let list = app.get("/api/v1/supervision/requests", &fsa).await.json();
    let find = |prefix: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["request"]["doc"]["request"]["title"]["ja"]
                    .as_str()
                    .unwrap()
                    .starts_with(prefix)
            })
            .unwrap_or_else(|| panic!("{prefix}: {list}"))["request"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let done = app
        .get(
            &format!("/api/v1/supervision/requests/{}", find("脆弱性診断")),
            &fsa,
        )
        .await
        .json();
    let pct =
        |r: &Value| 100.0 * r["numerator"].as_f64().unwrap() / r["denominator"].as_f64().unwrap();
    for (i, measure) in ["vulnerability_diagnosis", "external_exercise"]
        .iter()
        .enumerate()
    {
        let reported = &REPORTED_REQUEST_EFFECT[i];
        let effect = done["effects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["item_id"] == *measure)
            .unwrap();
        for bt in ["shinkin_bank", "credit_cooperative"] {
            let row = &effect["rows"][bt];
            let (before, after) = (pct(&row["before"]), pct(&row["after"]));
            let about = f64::from(reported.before_about_percent);
            assert!(
                (before - about).abs() <= 5.0,
                "{measure} {bt} before {before}"
            );
            assert!(
                after >= f64::from(reported.after_at_least_percent),
                "{measure} {bt} after {after}"
            );
        }
    }
    assert_eq!(
        done["completion"]["total"]["accepted"],
        done["completion"]["total"]["targeted"]
    );
    let open = app
        .get(
            &format!("/api/v1/supervision/requests/{}", find("ログ監視")),
            &fsa,
        )
        .await
        .json();
    let t = &open["completion"]["total"];
    for state in [
        "assigned",
        "in_progress",
        "submitted",
        "returned",
        "accepted",
    ] {
        assert!(t[state].as_u64().unwrap() >= 1, "{state}: {t}");
    }
    let alerts = app.get("/api/v1/supervision/alerts", &fsa).await.json();
    let tr = &alerts[0]["tracking"];
    assert!(
        tr["acknowledged"].as_u64().unwrap() > 0
            && tr["late"].as_u64().unwrap() > 0
            && tr["overdue"].as_u64().unwrap() > 0,
        "{tr}"
    );
    let page = app
        .get(
            &format!("/supervision/requests/{}", find("脆弱性診断")),
            &fsa,
        )
        .await;
    assert!(
        page.body.contains("id=\"before-after\"") && page.body.contains("信用金庫"),
        "{}",
        page.body
    );
    let bank = Who::Session(app.login("bank-ciso", crate::util::PASSWORD).await);
    let inbox = app.get("/api/v1/tasks", &bank).await.json();
    assert!(!inbox["tasks"].as_array().unwrap().is_empty(), "{inbox}");
}

/// The alert pages: compose with a preview, send, the institution acknowledges by form,
/// and the tracking page shows it.
#[tokio::test]
async fn alert_pages_compose_acknowledge_and_track() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    assert_eq!(
        app.get("/supervision/alerts/new", &fsa).await.status,
        StatusCode::OK
    );
    let respond_by = day(&app, 5);
    let form = [
        ("title_ja", "DDoS攻撃への注意喚起"),
        ("title_en", "DDoS alert"),
        ("body_ja", "脅迫型DDoSに備えてください"),
        ("body_en", "Prepare for ransom DDoS"),
        (
            "checklist",
            "ddos | 対応手順を確認したか | Procedure checked?",
        ),
        ("bt.shinkin_bank", "1"),
        ("respond_by", respond_by.as_str()),
        ("days_before", "1"),
    ];
    let preview = app
        .form(Method::POST, "/supervision/alerts/preview", &fsa, &form)
        .await;
    assert!(
        preview.body.contains("1 機関") && preview.body.contains("Shinkin B（日本）"),
        "{}",
        preview.body
    );
    let sent = app
        .form(Method::POST, "/supervision/alerts", &fsa, &form)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let tracking_url = sent.location().unwrap().to_owned();
    let id = tracking_url.rsplit('/').next().unwrap().to_owned();
    let b = app.b.as_role(Role::Staff);
    let page = app.get(&format!("/alerts/{id}"), &b).await;
    assert!(
        page.body.contains("対応手順を確認したか") && page.body.contains("未確認"),
        "{}",
        page.body
    );
    assert_eq!(
        app.get(&format!("/alerts/{id}"), &app.a.as_role(Role::Staff))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .form(
            Method::POST,
            &format!("/alerts/{id}/ack"),
            &b,
            &[("v.ddos", "yes"), ("n.ddos", "手順書を改訂済み")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        app.get(&format!("/alerts/{id}"), &b)
            .await
            .body
            .contains("確認済み")
    );
    let t = app.get(&tracking_url, &fsa).await;
    assert!(
        t.body.contains("ddos: はい") && t.body.contains("Shinkin B（日本）"),
        "{}",
        t.body
    );
    let list = app.get("/alerts", &fsa).await;
    assert!(list.body.contains("DDoS攻撃への注意喚起"));
    assert_eq!(app.get("/alerts", &b).await.status, StatusCode::SEE_OTHER);
}

/// A new request's baseline is chosen among the latest requests in reach, newest first,
/// read lean: the FSA is offered both requests, the Kinki bureau only the one that reached
/// its region.
#[tokio::test]
async fn baselines_offered_are_the_requests_in_reach() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let both = send(&app, &fsa, &request(&app, banks_and_shinkin(), 10)).await;
    let shinkin = json!({"filter": {"business_types": ["shinkin_bank"]}});
    let kanto_only = send(&app, &fsa, &request(&app, shinkin, 10)).await;
    let offered = |body: &str| -> Vec<String> {
        let select = &body[body.find("id=\"baseline\"").unwrap()..];
        let select = &select[..select.find("</select>").unwrap()];
        select
            .split("<option value=\"")
            .skip(2)
            .map(|o| o[..o.find('"').unwrap()].to_owned())
            .collect()
    };
    let page = app.get("/supervision/requests/new", &fsa).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(offered(&page.body), [kanto_only.clone(), both.clone()]);
    assert!(
        page.body.contains("Run a vulnerability diagnosis")
            || page.body.contains("脆弱性診断の実施")
    );
    let page = app
        .get("/supervision/requests/new", &app.kinki.as_role(Role::Staff))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(offered(&page.body), [both]);
}
