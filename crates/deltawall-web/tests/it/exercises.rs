//! Exercises played in the platform (issue 14), end to end through the router: the access
//! rows of the new routes, blind play (an unreleased inject is invisible on every read path:
//! pages, their CSV downloads, the JSON API and the schedule export), institutions never
//! seeing each other's responses or evaluation, a measure becoming a finding and a plan
//! revision, and the sector feedback's k rule.

use crate::access::{Body_, Route, r};
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::exercise::Viewpoint;
use deltawall_domain::exercise::evaluation::{ImprovementMeasure, MeasureStatus};
use deltawall_domain::finding::Severity;
use deltawall_domain::role::Role;
use serde_json::{Value, json};

const DAY_US: i64 = 86_400 * 1_000_000;

/// A schedule: bank track (A-01 at once, A-02 after an hour), shinkin track (B-01 at once).
pub const SCHEDULE: &str = "code,track,phase,offset_min,kind,title,body,depends_on,expected_actions,criteria,respond_within_min\n\
A-01,bank,1,0,message,Alpha opening,Alpha body,,internal_sharing=escalate,internal_sharing=escalated within 15 min,15\n\
A-02,bank,2,60,press_surge,Alpha hidden sequel,Alpha hidden body,A-01,customer_response=answer press,customer_response=holding statement,30\n\
B-01,shinkin,1,0,simulated_alert,Beta opening,Beta secret body,,triage=triage the alert,triage=triaged,20\n";

fn tomorrow() -> String {
    let now = deltawall_store::records::now_us();
    deltawall_domain::jst::date_of(now + DAY_US).to_string()
}

/// An edition by the FSA with k = 2, its two tracks and [`SCHEDULE`].
pub fn edition_json() -> Value {
    json!({
        "name_ja": "デルタウォール試行", "name_en": "Delta Wall trial", "held_on": tomorrow(),
        "ends_at": "18:00", "feedback_k": 2,
        "tracks": [
            {"code": "bank", "business_type": "regional_bank", "name_ja": "銀行", "name_en": "Banks"},
            {"code": "shinkin", "business_type": "shinkin_bank", "name_ja": "信金", "name_en": "Shinkin"}
        ],
        "schedule_csv": SCHEDULE,
    })
}

pub async fn create(app: &TestApp, enrol: &[(&str, &str)]) -> String {
    let fsa = app.fsa.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            "/api/v1/exercises/editions",
            &fsa,
            &edition_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for (org, track) in enrol {
        let r = app
            .json(
                Method::POST,
                &format!("/api/v1/exercises/editions/{id}/enrol"),
                &fsa,
                &json!({"org_id": org, "track": track}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    id
}

/// An edition only B plays, and a measure proposed to B (written through the store: the
/// service proposes only after the close, and the shared clock stays put here).
pub async fn b_edition(app: &TestApp) -> (String, String) {
    let id = create(app, &[(&app.b.org_id, "shinkin")]).await;
    let mut tx = app.db.store.write().await.unwrap();
    let measure = ImprovementMeasure {
        org_id: app.b.org_id.clone(),
        viewpoint: Viewpoint::Triage,
        text: "B only measure".into(),
        severity: Severity::Medium,
        status: MeasureStatus::Proposed,
    };
    let m = deltawall_store::exercises::evaluation::propose_measure(&mut tx, &id, &measure, "x", 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (id, m)
}

pub const CLOCK_FORM: &[(&str, &str)] = &[("command", "start")];
pub const RESPONSE_FORM: &[(&str, &str)] =
    &[("inject", "B-01"), ("kind", "decision"), ("text", "hijack")];
pub const CRITERION_FORM: &[(&str, &str)] = &[
    ("criterion", "B-01|triage"),
    ("result", "done"),
    ("reason", ""),
];
pub const RATING_FORM: &[(&str, &str)] = &[
    ("org_id", "nobody"),
    ("criterion", "B-01|triage"),
    ("rating", "1"),
    ("comment", "hijack"),
];
pub const MEASURE_FORM: &[(&str, &str)] = &[
    ("org_id", "nobody"),
    ("viewpoint", "triage"),
    ("text", "hijack"),
    ("severity", "low"),
];
pub const OBSERVATION_FORM: &[(&str, &str)] = &[
    ("org_id", "nobody"),
    ("kind", "common_issue"),
    ("viewpoint", "triage"),
    ("topic", "hijack"),
];
pub const DESIGN_FORM: &[(&str, &str)] = &[
    ("name_ja", "x"),
    ("name_en", "x"),
    ("held_on", "2030-01-01"),
    ("ends_at", "18:00"),
    ("feedback_k", "2"),
    ("tracks", "bank,regional_bank,銀行,Banks"),
    ("schedule_csv", "code"),
];

pub fn clock_json() -> Value {
    json!({"command": "start"})
}
fn release_json() -> Value {
    json!({"inject": "B-01"})
}
fn response_json() -> Value {
    json!({"inject": "B-01", "kind": "decision", "text": "hijack"})
}
fn self_json() -> Value {
    json!({"inject": "B-01", "viewpoint": "triage", "result": "done"})
}
fn rating_json() -> Value {
    json!({"org_id": "nobody", "inject": "B-01", "viewpoint": "triage", "rating": 1})
}
fn measure_json() -> Value {
    json!({"org_id": "nobody", "viewpoint": "triage", "text": "hijack", "severity": "low"})
}
fn observation_json() -> Value {
    json!({"org_id": "nobody", "kind": "common_issue", "viewpoint": "triage", "topic": "hijack"})
}
fn schedule_json() -> Value {
    json!({"schedule_csv": SCHEDULE})
}
fn enrol_json() -> Value {
    json!({"org_id": "nobody", "track": "bank"})
}
fn plan_test_json() -> Value {
    json!({"scenarios": ["ddos"], "gaps": ["hijack"]})
}
fn plan_json() -> Value {
    json!({"plan": {"version": 1, "adopted_at_us": 0, "scenarios": ["ddos"], "roles": [],
        "internal_contacts": [], "external_contacts": [], "objectives": [], "requirement_ids": []}})
}

/// The exercise rows of the access route table; `{edition}` is an edition only B plays and
/// `{measure}` a measure proposed to B.
pub fn access_routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/exercises/editions", None),
        r(Method::POST, "/exercises/editions", Form(DESIGN_FORM)),
        r(Method::GET, "/exercises/editions/{edition}", None),
        r(Method::GET, "/exercises/editions/{edition}/events", None),
        r(
            Method::GET,
            "/exercises/editions/{edition}/schedule.csv",
            None,
        ),
        r(
            Method::GET,
            "/exercises/editions/{edition}/schedule.xlsx",
            None,
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/schedule.xlsx",
            Multipart,
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/schedule",
            Form(&[("schedule_csv", SCHEDULE)]),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/enrol",
            Form(&[("org_id", "nobody"), ("track", "bank")]),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/clock",
            Form(CLOCK_FORM),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/releases",
            Form(&[("inject", "B-01")]),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/responses",
            Form(RESPONSE_FORM),
        ),
        r(
            Method::GET,
            "/exercises/editions/{edition}/evaluation",
            None,
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/self-assessments",
            Form(CRITERION_FORM),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/ratings",
            Form(RATING_FORM),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/measures",
            Form(MEASURE_FORM),
        ),
        r(
            Method::POST,
            "/exercises/editions/{edition}/observations",
            Form(OBSERVATION_FORM),
        ),
        r(
            Method::POST,
            "/exercises/measures/{measure}/accept",
            Form(&[]),
        ),
        r(
            Method::POST,
            "/exercises/measures/{measure}/decline",
            Form(&[]),
        ),
        r(Method::GET, "/contingency-plans", None),
        r(
            Method::POST,
            "/contingency-plans/versions",
            Form(crate::exercises_blind::PLAN_ACCESS_FORM),
        ),
        r(Method::GET, "/api/v1/exercises/editions", None),
        r(
            Method::POST,
            "/api/v1/exercises/editions",
            Json(edition_json),
        ),
        r(Method::GET, "/api/v1/exercises/editions/{edition}", None),
        r(
            Method::PUT,
            "/api/v1/exercises/editions/{edition}/schedule",
            Json(schedule_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/enrol",
            Json(enrol_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/clock",
            Json(clock_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/releases",
            Json(release_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/responses",
            Json(response_json),
        ),
        r(
            Method::GET,
            "/api/v1/exercises/editions/{edition}/evaluation",
            None,
        ),
        r(
            Method::GET,
            "/api/v1/exercises/editions/{edition}/feedback",
            None,
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/self-assessments",
            Json(self_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/ratings",
            Json(rating_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/measures",
            Json(measure_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/observations",
            Json(observation_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/editions/{edition}/plan-tests",
            Json(plan_test_json),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/measures/{measure}/accept",
            Json(|| json!({})),
        ),
        r(
            Method::POST,
            "/api/v1/exercises/measures/{measure}/decline",
            Json(|| json!({})),
        ),
        r(Method::GET, "/api/v1/contingency-plans", None),
        r(Method::POST, "/api/v1/contingency-plans", Json(plan_json)),
    ]
}

const SECRETS: [&str; 4] = ["Alpha hidden", "Beta opening", "Beta secret", "B-01"];

fn leaked(body: &str, secrets: &[&str]) -> Option<String> {
    secrets
        .iter()
        .find(|s| body.contains(**s))
        .map(|s| (*s).to_owned())
}

/// Every read path of bank-track participant A, checked to hold none of `secrets`.
async fn a_reads(app: &TestApp, id: &str, secrets: &[&str]) {
    let who = app.a.as_role(Role::Staff);
    let paths = [
        format!("/exercises/editions/{id}"),
        format!("/exercises/editions/{id}?format=csv&table=1"),
        format!("/exercises/editions/{id}?format=xlsx&table=1"),
        format!("/exercises/editions/{id}/evaluation"),
        format!("/api/v1/exercises/editions/{id}"),
        format!("/api/v1/exercises/editions/{id}/evaluation"),
        format!("/api/v1/exercises/editions/{id}/feedback"),
        "/api/v1/exercises/editions".to_owned(),
        "/exercises/editions".to_owned(),
    ];
    for path in &paths {
        let r = app.get(path, &who).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(leaked(&r.body, secrets), None, "{path}: {}", r.body);
    }
    let csv = app
        .get(&format!("/exercises/editions/{id}/schedule.csv"), &who)
        .await;
    assert_eq!(csv.status, StatusCode::FORBIDDEN, "{}", csv.body);
}

fn released(v: &Value) -> Vec<String> {
    v["injects"]["injects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["inject"]["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn unreleased_injects_are_invisible_on_every_read_path() {
    let app = TestApp::new().await;
    let id = create(&app, &[(&app.a.org_id, "bank"), (&app.b.org_id, "shinkin")]).await;
    let api = format!("/api/v1/exercises/editions/{id}");
    let a = app.a.as_role(Role::Staff);
    let fsa = app.fsa.as_role(Role::Staff);
    // Before the start nothing is released, not even A's own opening.
    a_reads(&app, &id, &[&SECRETS[..], &["Alpha opening"]].concat()).await;
    let start = app
        .json(Method::POST, &format!("{api}/clock"), &fsa, &clock_json())
        .await;
    assert_eq!(start.status, StatusCode::NO_CONTENT, "{}", start.body);
    a_reads(&app, &id, &SECRETS).await;
    assert_eq!(released(&app.get(&api, &a).await.json()), ["A-01"]);
    // The organiser sees everything, and that view is audited.
    let before = app.audit_count().await;
    let all = app.get(&format!("/exercises/editions/{id}"), &fsa).await;
    assert!(all.body.contains("Alpha hidden sequel") && all.body.contains("Beta secret body"));
    assert_eq!(app.audit_count().await, before + 1);
    let csv = app
        .get(&format!("/exercises/editions/{id}/schedule.csv"), &fsa)
        .await;
    assert!(csv.body.starts_with("code,track"), "{}", csv.body);
    assert!(csv.body.contains("Alpha hidden sequel"));
    // Released early by the controller, A-02 reaches A; B-01 never does.
    let rel = app
        .json(
            Method::POST,
            &format!("{api}/releases"),
            &fsa,
            &json!({"inject": "A-02"}),
        )
        .await;
    assert_eq!(rel.status, StatusCode::NO_CONTENT, "{}", rel.body);
    assert_eq!(released(&app.get(&api, &a).await.json()), ["A-01", "A-02"]);
    a_reads(&app, &id, &SECRETS[1..]).await;
    // A response on an inject of the other track is refused and writes nothing.
    let r = app
        .json(
            Method::POST,
            &format!("{api}/responses"),
            &a,
            &response_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Someone who neither organises nor plays does not see that the edition exists.
    let kinki = app.get(&api, &app.kinki.as_role(Role::Staff)).await;
    assert_eq!(kinki.status, StatusCode::NOT_FOUND);
}

async fn respond(app: &TestApp, id: &str, who: &Who, inject: &str, text: &str) {
    let r = app
        .form(
            Method::POST,
            &format!("/exercises/editions/{id}/responses"),
            who,
            &[("inject", inject), ("kind", "notification"), ("text", text)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn post_ok(app: &TestApp, path: &str, who: &Who, body: Value) -> Value {
    let r = app.json(Method::POST, path, who, &body).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

#[tokio::test]
async fn a_played_edition_is_evaluated_and_closes_the_pdca_loop() {
    let app = TestApp::new().await;
    let (a_id, b_id) = (app.a.org_id.clone(), app.b.org_id.clone());
    let id = create(&app, &[(&a_id, "bank"), (&b_id, "shinkin")]).await;
    let api = format!("/api/v1/exercises/editions/{id}");
    let (a, b, fsa) = (
        app.a.as_role(Role::Staff),
        app.b.as_role(Role::Staff),
        app.fsa.as_role(Role::Staff),
    );
    post_ok(&app, &format!("{api}/clock"), &fsa, clock_json()).await;
    respond(&app, &id, &a, "A-01", "A notified the board").await;
    respond(&app, &id, &b, "B-01", "B isolated the server").await;
    // Each institution sees its own response only.
    let page_a = app.get(&format!("/exercises/editions/{id}"), &a).await.body;
    assert!(page_a.contains("A notified the board") && !page_a.contains("B isolated"));
    assert!(!page_a.contains("Shinkin B"), "{page_a}");
    let view_b = app.get(&api, &b).await.json();
    assert_eq!(view_b["responses"].as_array().unwrap().len(), 1, "{view_b}");
    assert!(
        view_b["first_response_us"][&b_id]["B-01"].is_i64(),
        "{view_b}"
    );
    // Evaluation opens at the close; a response after it is refused.
    let early = app
        .json(
            Method::POST,
            &format!("{api}/ratings"),
            &fsa,
            &json!({"org_id": b_id, "inject": "B-01", "viewpoint": "triage", "rating": 4}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    app.clock.advance(3 * DAY_US);
    let late = app
        .json(
            Method::POST,
            &format!("{api}/responses"),
            &b,
            &json!({"inject": "B-01", "kind": "decision", "text": "late"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    let bad = app
        .json(
            Method::POST,
            &format!("{api}/ratings"),
            &fsa,
            &json!({"org_id": b_id, "inject": "B-01", "viewpoint": "triage", "rating": 9}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rating"))
    );
    for (org, inject, vp) in [
        (&a_id, "A-01", "internal_sharing"),
        (&b_id, "B-01", "triage"),
    ] {
        post_ok(&app, &format!("{api}/ratings"), &fsa,
            json!({"org_id": org, "inject": inject, "viewpoint": vp, "rating": 3, "comment": format!("comment for {org}")})).await;
    }
    post_ok(&app, &format!("{api}/self-assessments"), &b,
        json!({"inject": "B-01", "viewpoint": "triage", "result": "not_done", "reason": "no runbook"})).await;
    let eval_a = app.get(&format!("{api}/evaluation"), &a).await;
    assert!(
        !eval_a.body.contains(&b_id) && !eval_a.body.contains("no runbook"),
        "{}",
        eval_a.body
    );
    let eval_b = app.get(&format!("{api}/evaluation"), &b).await.json();
    let row = &eval_b["evaluations"][0];
    assert_eq!(
        (
            row["rating"].as_i64(),
            row["self_assessment"]["reason"].as_str()
        ),
        (Some(3), Some("no runbook")),
        "{eval_b}"
    );
    // A measure B accepts becomes a posture finding and a plan revision task.
    let m = post_ok(&app, &format!("{api}/measures"), &fsa,
        json!({"org_id": b_id, "viewpoint": "triage", "text": "Write a triage runbook", "severity": "medium"})).await;
    let m = m["id"].as_str().unwrap().to_owned();
    let stolen = app
        .json(
            Method::POST,
            &format!("/api/v1/exercises/measures/{m}/accept"),
            &a,
            &json!({}),
        )
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    let done = post_ok(
        &app,
        &format!("/api/v1/exercises/measures/{m}/accept"),
        &b,
        json!({}),
    )
    .await;
    let finding = app
        .get(
            &format!(
                "/api/v1/posture/findings/{}",
                done["finding_id"].as_str().unwrap()
            ),
            &b,
        )
        .await;
    assert_eq!(finding.status, StatusCode::OK, "{}", finding.body);
    assert!(finding.body.contains("Write a triage runbook"));
    let plans = app.get("/api/v1/contingency-plans", &b).await.json();
    assert_eq!(plans["tasks"][0]["measure_id"], m.as_str(), "{plans}");
    let twice = app
        .json(
            Method::POST,
            &format!("/api/v1/exercises/measures/{m}/accept"),
            &b,
            &json!({}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    // Sector feedback by business type at k = 2: only the issue two shinkin banks share shows.
    let c = post_ok(&app, "/api/v1/orgs", &app.fsa.as_role(Role::Admin),
        json!({"name_ja": "信金C", "name_en": "Shinkin C", "kind": "institution", "business_type": "shinkin_bank", "region": "kanto"})).await;
    let c_id = c["id"].as_str().unwrap().to_owned();
    let mut tx = app.db.store.write().await.unwrap();
    deltawall_store::exercises::edition::enrol(&mut tx, &id, &c_id, "shinkin", "x", 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for (org, topic) in [
        (&b_id, "shared-escalation"),
        (&c_id, "shared-escalation"),
        (&a_id, "cross-type"),
        (&b_id, "cross-type"),
        (&b_id, "lonely-issue"),
    ] {
        post_ok(
            &app,
            &format!("{api}/observations"),
            &fsa,
            json!({"org_id": org, "kind": "common_issue", "viewpoint": "triage", "topic": topic}),
        )
        .await;
    }
    let feedback = app.get(&format!("{api}/feedback"), &a).await.body;
    assert!(feedback.contains("shared-escalation"), "{feedback}");
    assert!(
        !feedback.contains("lonely-issue") && !feedback.contains("cross-type"),
        "{feedback}"
    );
    assert!(
        !feedback.contains(&b_id) && !feedback.contains(&c_id),
        "{feedback}"
    );
}

#[tokio::test]
async fn bad_schedules_and_plans_are_refused_by_row_and_field() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let check = |csv: &str, expected: &str| {
        let mut e = edition_json();
        e["schedule_csv"] = json!(csv);
        let expected = expected.to_owned();
        let app = &app;
        let fsa = fsa.clone();
        async move {
            let before = app.audit_count().await;
            let r = app
                .json(Method::POST, "/api/v1/exercises/editions", &fsa, &e)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
            assert!(
                message.contains(&expected),
                "{message} should name {expected}"
            );
            assert_eq!(app.audit_count().await, before, "nothing written");
        }
    };
    let header = SCHEDULE.lines().next().unwrap();
    check(
        &format!("{header}\nX-1,bank,1,0,message,t,b,,,,\n"),
        "row 2",
    )
    .await;
    check(
        &format!("{header}\nX-1,bank,1,0,message,t,b,X-9,triage=x,,\n"),
        "X-9",
    )
    .await;
    check(
        &format!("{header}\nX-1,nowhere,1,0,message,t,b,,triage=x,,\n"),
        "nowhere",
    )
    .await;
    check("nonsense", "row 1").await;
    // An institution may organise its own training, only with itself enrolled.
    let a = app.a.as_role(Role::Staff);
    let own = app
        .json(
            Method::POST,
            "/api/v1/exercises/editions",
            &a,
            &edition_json(),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    let id = own.json()["id"].as_str().unwrap().to_owned();
    let other = app
        .json(
            Method::POST,
            &format!("/api/v1/exercises/editions/{id}/enrol"),
            &a,
            &json!({"org_id": app.b.org_id, "track": "shinkin"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let auditor = app
        .json(
            Method::POST,
            "/api/v1/exercises/editions",
            &app.a.as_role(Role::Auditor),
            &edition_json(),
        )
        .await;
    assert_eq!(auditor.status, StatusCode::FORBIDDEN);
}

/// The demo's Delta Wall of this year: 121 institutions of many business types, played
/// (responses, one inject released early), evaluated (self-assessments beside ratings,
/// measures) and fed back, with common issues and good practices both reaching k.
#[tokio::test]
async fn the_demo_edition_is_played_by_121_institutions() {
    let app = TestApp::without_tenants().await;
    deltawall_demo::seed(&app.db.store, crate::util::PASSWORD)
        .await
        .unwrap();
    let fsa = Who::Session(app.login("fsa-staff", crate::util::PASSWORD).await);
    let list = app.get("/api/v1/exercises/editions", &fsa).await.json();
    let edition = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name_en"].as_str().unwrap().starts_with("Delta Wall FY"))
        .unwrap_or_else(|| panic!("no demo edition in {list}"));
    assert!(edition["held_on"].as_str().unwrap() > "2019", "{edition}");
    let id = edition["exercise_id"].as_str().unwrap();
    let view = app
        .get(&format!("/api/v1/exercises/editions/{id}"), &fsa)
        .await
        .json();
    assert_eq!(view["status"], "closed", "{}", view["status"]);
    let participants = view["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 121);
    let tracks: std::collections::BTreeSet<&str> = participants
        .iter()
        .map(|p| p["track"].as_str().unwrap())
        .collect();
    assert_eq!(tracks.len(), 6, "{tracks:?}");
    // Every institution answered the opening inject; four in five also reported.
    let responses = view["responses"].as_array().unwrap().len();
    assert_eq!(responses, 121 + 121 - 121_usize.div_ceil(5));
    let injects = view["injects"]["injects"].as_array().unwrap();
    assert_eq!(injects.len(), 30);
    assert!(injects.iter().all(|i| i["released_at_us"].is_i64()));
    let ev = app
        .get(&format!("/api/v1/exercises/editions/{id}/evaluation"), &fsa)
        .await
        .json();
    let rows = ev["evaluations"].as_array().unwrap();
    assert_eq!(rows.len(), 121);
    assert!(
        rows.iter()
            .all(|r| !r["self_assessment"].is_null() && !r["rating"].is_null())
    );
    assert_eq!(
        ev["measures"].as_array().unwrap().len(),
        121_usize.div_ceil(5)
    );
    let kinds: std::collections::BTreeSet<&str> = ev["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["common_issue", "good_practice"]
    );
    // A player sees the edition, its own responses and its own evaluation only.
    let bank = Who::Session(app.login("bank-soc", crate::util::PASSWORD).await);
    let own = app
        .get(&format!("/api/v1/exercises/editions/{id}"), &bank)
        .await
        .json();
    assert_eq!(own["participants"].as_array().unwrap().len(), 1);
    assert_eq!(own["responses"].as_array().unwrap().len(), 1);
}
