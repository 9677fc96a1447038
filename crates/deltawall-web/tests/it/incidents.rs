//! Incident cases and regulator reports over HTTP: the loop from detections to a case, an
//! FSA first report with its deadline, the supervisor's acceptance; the refusals (another
//! institution's detections, a second submission of a stage, a report without its
//! required items or not by an executive); the bureau's region; and the access-table rows.

use crate::access::{Body_, Route, r};
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::incident::detection::parse_batch;
use deltawall_domain::role::Role;
use serde_json::{Value, json};

const LINE: &str = r#"{"rule_id":"list-attack","title":"Many failed logins","level":"high","kind":"correlation","first_seen":"2026-11-02T01:00:00Z","last_seen":"2026-11-02T01:05:00Z","group":{"src_ip":"198.51.100.7"},"count":40}"#;

pub const CASE_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("category", "list_attack_login"),
    ("summary", "hijack"),
    ("occurred_on", "2026-01-05"),
    ("urgency", "ongoing"),
];
pub const CHANGE_FORM: &[(&str, &str)] = &[
    ("version", "1"),
    ("command", "add_note"),
    ("text", "hijack"),
];
pub const TASK_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("owner_user_id", "x"),
    ("due_on", "2099-12-31"),
];
pub const CUSTOMER_FORM: &[(&str, &str)] = &[
    ("kind", "notice"),
    ("channel", "website"),
    ("text", "hijack"),
];
pub const OBS_FORM: &[(&str, &str)] = &[("kind", "ip"), ("value", "203.0.113.9")];
pub const REPORT_FORM: &[(&str, &str)] = &[
    ("regime", "fsa_incident_report"),
    ("stage", "first"),
    ("item.summary", "hijack"),
    ("attest", "1"),
];
pub const DECISION_FORM: &[(&str, &str)] = &[("regime", "eu_nis2"), ("reason", "hijack")];
pub const REVIEW_FORM: &[(&str, &str)] = &[("decision", "return"), ("reason", "hijack")];
pub const SHARE_FORM: &[(&str, &str)] = &[
    ("obs", "x"),
    ("tlp", "amber"),
    ("root", "b-root"),
    ("collection", "x"),
];
pub const PREVENTION_FORM: &[(&str, &str)] = &[
    ("title", "hijack"),
    ("severity", "low"),
    ("owner_user", "b-staff"),
];

pub const PATTERN_ALERT_FORM: &[(&str, &str)] = &[
    ("title_ja", "hijack"),
    ("title_en", "hijack"),
    ("body_ja", "hijack"),
    ("body_en", "hijack"),
    ("bt.shinkin_bank", "1"),
    ("respond_by", "2099-12-31"),
];

pub const ROOM_FORM: &[(&str, &str)] = &[
    ("title_ja", "hijack"),
    ("category", "ddos"),
    ("members", "x"),
];
pub const MESSAGE_FORM: &[(&str, &str)] = &[("body", "hijack"), ("tlp", "clear")];
pub const STATUS_FORM: &[(&str, &str)] = &[("status", "affected"), ("note", "hijack")];
pub const LINK_FORM: &[(&str, &str)] = &[("case_id", "x")];
fn room_json() -> Value {
    json!({"title_ja": "hijack", "category": "ddos", "members": ["x"]})
}
fn message_json() -> Value {
    json!({"body": "hijack", "tlp": "clear"})
}
fn status_json() -> Value {
    json!({"status": "affected", "note": "hijack"})
}
fn link_json() -> Value {
    json!({"case_id": "x"})
}

pub fn case_json() -> Value {
    json!({
        "title": "List-type attack on internet banking", "category": "list_attack_login",
        "summary": "many failed logins", "occurred_on": "2026-01-05", "urgency": "ongoing",
        "customers_affected": 12, "recognised_at": "2026-01-05T09:30",
        "services": [{"name": "インターネットバンキング", "customer_facing": true, "status": "degraded"}],
    })
}
fn command_json() -> Value {
    json!({"version": 1, "command": "add_note", "text": "hijack"})
}
fn task_json() -> Value {
    json!({"title": "hijack", "owner_user_id": "x", "due_on": "2099-12-31"})
}
fn customer_json() -> Value {
    json!({"kind": "notice", "channel": "website", "text": "hijack"})
}
fn obs_json() -> Value {
    json!({"kind": "ip", "value": "203.0.113.9"})
}
pub fn first_report_json() -> Value {
    json!({"regime": "fsa_incident_report", "stage": "first", "attest": true, "items": {
        "summary": "list-type attack", "recognised_at": "2026-01-05 09:30 by monitoring",
        "affected_services": "internet banking", "customer_impact": "12 accounts",
        "response": "source addresses blocked", "contact": "CSIRT 03-0000-0000"}})
}
fn decision_json() -> Value {
    json!({"regime": "eu_nis2", "reason": "hijack"})
}
fn share_json() -> Value {
    json!({"observable_ids": ["x"], "tlp": "amber", "root": "b-root", "collection": "x"})
}
fn prevention_json() -> Value {
    json!({"title": "hijack", "severity": "low", "owner_user": "b-staff"})
}
fn review_json() -> Value {
    json!({"decision": "return", "reason": "hijack"})
}

/// The incident routes of the access table.
pub fn access_routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/incidents/cases", None),
        r(Method::GET, "/incidents/new", None),
        r(Method::POST, "/incidents/new", Form(CASE_FORM)),
        r(Method::GET, "/incidents/cases/{case}", None),
        r(
            Method::POST,
            "/incidents/cases/{case}/change",
            Form(CHANGE_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/tasks",
            Form(TASK_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/tasks/{itask}/done",
            Form(&[]),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/customer",
            Form(CUSTOMER_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/observables",
            Form(OBS_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/reports",
            Form(REPORT_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/not-reporting",
            Form(DECISION_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/share",
            Form(SHARE_FORM),
        ),
        r(
            Method::POST,
            "/incidents/cases/{case}/prevention",
            Form(PREVENTION_FORM),
        ),
        r(Method::GET, "/incidents/reports", None),
        r(Method::GET, "/incidents/reports/{report}", None),
        r(
            Method::POST,
            "/incidents/reports/{report}/review",
            Form(REVIEW_FORM),
        ),
        r(Method::GET, "/api/v1/incidents/cases", None),
        r(Method::POST, "/api/v1/incidents/cases", Json(case_json)),
        r(Method::GET, "/api/v1/incidents/cases/{case}", None),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/commands",
            Json(command_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/tasks",
            Json(task_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/customer",
            Json(customer_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/observables",
            Json(obs_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/reports",
            Json(first_report_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/not-reporting",
            Json(decision_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/share",
            Json(share_json),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/cases/{case}/prevention",
            Json(prevention_json),
        ),
        r(Method::GET, "/api/v1/incidents/reports", None),
        r(Method::GET, "/api/v1/incidents/reports/{report}", None),
        r(
            Method::POST,
            "/api/v1/incidents/reports/{report}/review",
            Json(review_json),
        ),
        r(Method::GET, "/supervision/incident-board", None),
        r(Method::GET, "/api/v1/supervision/incident-board", None),
        r(
            Method::GET,
            "/supervision/incident-board/alert?category=list_attack_login&business_type=shinkin_bank",
            None,
        ),
        r(
            Method::POST,
            "/supervision/incident-board/alert",
            Form(PATTERN_ALERT_FORM),
        ),
        r(
            Method::GET,
            "/api/v1/supervision/incident-board/patterns",
            None,
        ),
        r(
            Method::GET,
            "/api/v1/supervision/incident-board/alert-draft?category=list_attack_login&business_type=shinkin_bank",
            None,
        ),
        r(Method::GET, "/coordination", None),
        r(Method::POST, "/coordination", Form(ROOM_FORM)),
        r(Method::GET, "/coordination/{room}", None),
        r(Method::GET, "/coordination/{room}/statuses", None),
        r(
            Method::POST,
            "/coordination/{room}/messages",
            Form(MESSAGE_FORM),
        ),
        r(
            Method::POST,
            "/coordination/{room}/status",
            Form(STATUS_FORM),
        ),
        r(Method::POST, "/coordination/{room}/cases", Form(LINK_FORM)),
        r(Method::POST, "/coordination/{room}/close", Form(&[])),
        r(Method::GET, "/api/v1/coordination/rooms", None),
        r(Method::POST, "/api/v1/coordination/rooms", Json(room_json)),
        r(Method::GET, "/api/v1/coordination/rooms/{room}", None),
        r(
            Method::GET,
            "/api/v1/coordination/rooms/{room}/messages",
            None,
        ),
        r(
            Method::GET,
            "/api/v1/coordination/rooms/{room}/statuses",
            None,
        ),
        r(
            Method::POST,
            "/api/v1/coordination/rooms/{room}/messages",
            Json(message_json),
        ),
        r(
            Method::POST,
            "/api/v1/coordination/rooms/{room}/status",
            Json(status_json),
        ),
        r(
            Method::POST,
            "/api/v1/coordination/rooms/{room}/cases",
            Json(link_json),
        ),
        r(
            Method::POST,
            "/api/v1/coordination/rooms/{room}/close",
            Json(|| json!({})),
        ),
    ]
}

/// B's case, an open task of it, and B's pending FSA first report.
#[derive(Debug, Clone)]
pub struct Records {
    pub case: String,
    pub task: String,
    pub report: String,
    /// A coordination room the FSA opened with B as its only member.
    pub room: String,
}

fn created(r: &crate::util::Resp) -> String {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

pub async fn records(app: &TestApp) -> Records {
    let staff = app.b.as_role(Role::Staff);
    let case = created(
        &app.json(
            Method::POST,
            "/api/v1/incidents/cases",
            &staff,
            &case_json(),
        )
        .await,
    );
    let owner = app.b.user_ids[&Role::Staff].clone();
    let path = format!("/api/v1/incidents/cases/{case}/tasks");
    let task = json!({"title": "block sources", "owner_user_id": owner, "due_on": "2099-12-31"});
    let r = app.json(Method::POST, &path, &staff, &task).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let detail = app
        .get(&format!("/api/v1/incidents/cases/{case}"), &staff)
        .await
        .json();
    let task = detail["tasks"][0]["id"].as_str().unwrap().to_owned();
    let exec = app.b.as_role(Role::Executive);
    let path = format!("/api/v1/incidents/cases/{case}/reports");
    let report = created(
        &app.json(Method::POST, &path, &exec, &first_report_json())
            .await,
    );
    let fsa = app.fsa.as_role(Role::Staff);
    let body =
        json!({"title_ja": "Ransom DDoS wave", "category": "ddos", "members": [app.b.org_id]});
    let room = created(
        &app.json(Method::POST, "/api/v1/coordination/rooms", &fsa, &body)
            .await,
    );
    Records {
        case,
        task,
        report,
        room,
    }
}

async fn ingest(app: &TestApp, org: &str, ip: &str) -> String {
    let batch = parse_batch(&LINE.replace("198.51.100.7", ip));
    let mut tx = app.db.store.write().await.unwrap();
    deltawall_store::detections::ingest(&mut tx, org, "test", &batch.detections, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    batch.detections[0].id.clone()
}

fn clock_state(detail: &Value, regime: &str, stage: &str) -> Value {
    detail["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["regime"] == regime && c["stage"] == stage)
        .map(|c| c["state"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn detections_to_a_case_to_an_accepted_fsa_report() {
    let app = TestApp::new().await;
    let det_a = ingest(&app, &app.a.org_id, "198.51.100.7").await;
    // A different group, so a different stable id that exists only for B.
    let det_b = ingest(&app, &app.b.org_id, "198.51.100.8").await;
    let staff = app.a.as_role(Role::Staff);
    // Another institution's detection is not found and nothing is opened.
    let mut form: Vec<(&str, &str)> = CASE_FORM.to_vec();
    form.push(("detection", &det_b));
    let r = app
        .form(Method::POST, "/incidents/new", &staff, &form)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let none = app.get("/api/v1/incidents/cases", &staff).await.json();
    assert_eq!(none.as_array().unwrap().len(), 0);
    // The form with repeated `detection` fields opens the case and escalates A's detection.
    let mut form: Vec<(&str, &str)> = CASE_FORM.to_vec();
    form.extend([
        ("detection", det_a.as_str()),
        ("recognised_at", "2026-01-05T09:30"),
    ]);
    let r = app
        .form(Method::POST, "/incidents/new", &staff, &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case = r.headers["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let detail = app
        .get(&format!("/api/v1/incidents/cases/{case}"), &staff)
        .await
        .json();
    assert_eq!(detail["detections"], json!([det_a]));
    assert_eq!(detail["case"]["case"]["priority"], "p3", "{detail}");
    // The FSA first report counts 24 hours from recognition (09:30 JST on 5 January).
    assert_eq!(
        clock_state(&detail, "fsa_incident_report", "first"),
        json!({"state": "overdue", "due_us": 1_767_659_400_000_000i64})
    );
    // Triage moves the phase forward, and a stale version is a conflict.
    let cmd = json!({"version": 1, "command": "enter_phase", "code": "triage"});
    let path = format!("/api/v1/incidents/cases/{case}/commands");
    assert_eq!(
        app.json(Method::POST, &path, &staff, &cmd).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.json(Method::POST, &path, &staff, &cmd).await.status,
        StatusCode::CONFLICT
    );
    // Reports: staff may not submit; missing items are named; the executive submits once.
    let path = format!("/api/v1/incidents/cases/{case}/reports");
    let r = app
        .json(Method::POST, &path, &staff, &first_report_json())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let exec = app.a.as_role(Role::Executive);
    let thin = json!({"regime": "fsa_incident_report", "stage": "first", "attest": true, "items": {"summary": "x"}});
    let r = app.json(Method::POST, &path, &exec, &thin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("items.recognised_at"), "{}", r.body);
    let report = created(
        &app.json(Method::POST, &path, &exec, &first_report_json())
            .await,
    );
    let again = app
        .json(Method::POST, &path, &exec, &first_report_json())
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert!(again.body.contains("already submitted"), "{}", again.body);
    // The Kinki bureau (A's region) sees it; B never does; the FSA accepts it.
    let kinki = app
        .get("/api/v1/incidents/reports", &app.kinki.as_role(Role::Staff))
        .await
        .json();
    assert_eq!(kinki[0]["id"], report.as_str());
    let b = app
        .get("/api/v1/incidents/reports", &app.b.as_role(Role::Staff))
        .await
        .json();
    assert_eq!(b, json!([]));
    let fsa = app.fsa.as_role(Role::Staff);
    let path = format!("/incidents/reports/{report}/review");
    let r = app
        .form(Method::POST, &path, &fsa, &[("decision", "accept")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .form(Method::POST, &path, &fsa, &[("decision", "accept")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "reviewed twice");
    let detail = app
        .get(&format!("/api/v1/incidents/cases/{case}"), &staff)
        .await
        .json();
    assert_eq!(
        detail["reports"][0]["submission"]["review"]["review"],
        "accepted"
    );
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "detection_linked",
            "phase_entered",
            "report_submitted",
            "report_reviewed"
        ]
    );
    assert!(clock_state(&detail, "fsa_incident_report", "first")["state"] == "met");
    // The printable report, and its items as a download (the page's own table).
    let page = app.get(&format!("/incidents/reports/{report}"), &fsa).await;
    assert!(
        page.body.contains("受理") && page.body.contains("source addresses blocked"),
        "{}",
        page.body
    );
    let csv = app
        .get(&format!("/incidents/reports/{report}?format=csv"), &staff)
        .await;
    assert!(
        csv.body.contains("source addresses blocked"),
        "{}",
        csv.body
    );
    let xlsx = app
        .get(&format!("/incidents/reports/{report}?format=xlsx"), &staff)
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    // The case page shows the clocks and the report in Japanese.
    let page = app.get(&format!("/incidents/cases/{case}"), &staff).await;
    assert!(
        page.body.contains("障害発生等報告") && page.body.contains("受理"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_bureau_sees_only_its_region_and_institutions_only_their_own() {
    let app = TestApp::new().await;
    let rec = records(&app).await;
    // B is in Kanto: the Kinki bureau and institution A see nothing of it.
    for who in [
        app.kinki.as_role(Role::Staff),
        app.a.as_role(Role::Executive),
    ] {
        let list = app.get("/api/v1/incidents/cases", &who).await.json();
        assert_eq!(list, json!([]));
        let r = app
            .get(&format!("/api/v1/incidents/cases/{}", rec.case), &who)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .get(&format!("/incidents/reports/{}", rec.report), &who)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let fsa = app
        .get("/api/v1/incidents/cases", &app.fsa.as_role(Role::Staff))
        .await
        .json();
    assert_eq!(fsa[0]["id"], rec.case.as_str());
    // An institution cannot review, even its own report.
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/incidents/reports/{}/review", rec.report),
            &app.b.as_role(Role::Executive),
            &review_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A decision not to report needs an executive and a reason.
    let path = format!("/api/v1/incidents/cases/{}/not-reporting", rec.case);
    let r = app
        .json(
            Method::POST,
            &path,
            &app.b.as_role(Role::Staff),
            &decision_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let blank = json!({"regime": "eu_nis2", "reason": " "});
    let r = app
        .json(Method::POST, &path, &app.b.as_role(Role::Executive), &blank)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .json(
            Method::POST,
            &path,
            &app.b.as_role(Role::Executive),
            &decision_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

#[tokio::test]
async fn an_amber_indicator_reaches_the_isac_members_and_no_one_else() {
    let app = TestApp::new().await;
    crate::taxii::setup(&app).await;
    // The ISAC's members for this collection: A and B receive TLP:AMBER (recipient grants);
    // the FSA reads the collection but is not an AMBER recipient.
    let actor = crate::taxii::fsa_admin(&app);
    let ctx = deltawall_app::Ctx {
        store: &app.db.store,
        actor: &actor,
        ip: None,
    };
    let shared = deltawall_app::sharing::taxii::create_collection(
        &ctx,
        "isac",
        "Members",
        None,
        &[
            crate::taxii::grant(&app.a.org_id, true, true, true),
            crate::taxii::grant(&app.b.org_id, true, false, true),
            crate::taxii::grant(&app.fsa.org_id, true, false, false),
        ],
    )
    .await
    .unwrap();
    let staff = app.a.as_role(Role::Staff);
    let case = created(
        &app.json(
            Method::POST,
            "/api/v1/incidents/cases",
            &staff,
            &case_json(),
        )
        .await,
    );
    let path = format!("/api/v1/incidents/cases/{case}/observables");
    let ip = created(
        &app.json(
            Method::POST,
            &path,
            &staff,
            &json!({"kind": "ip", "value": "203.0.113.9"}),
        )
        .await,
    );
    let account = created(
        &app.json(
            Method::POST,
            &path,
            &staff,
            &json!({"kind": "account", "value": "customer-42"}),
        )
        .await,
    );
    let path = format!("/api/v1/incidents/cases/{case}/share");
    let share = |ids: Vec<&str>, tlp: &str, named: bool| json!({"observable_ids": ids, "tlp": tlp, "root": "isac", "collection": shared, "name_institution": named});
    // Accounts are never shared; naming the institution needs TLP:RED.
    let r = app
        .json(
            Method::POST,
            &path,
            &staff,
            &share(vec![&account], "amber", false),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .json(
            Method::POST,
            &path,
            &staff,
            &share(vec![&ip], "amber", true),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .json(
            Method::POST,
            &path,
            &staff,
            &share(vec![&ip], "amber", false),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let out = r.json();
    // The indicator, its sighting and the case's incident object.
    assert_eq!(out["status"]["success_count"], 3, "{out}");
    let indicator = out["indicators"][0].as_str().unwrap().to_owned();
    let sighting = out["sightings"][0].as_str().unwrap().to_owned();
    let incident = out["incident"].as_str().unwrap().to_owned();
    assert!(sighting.starts_with("sighting--") && incident.starts_with("incident--"));
    let objects = format!("/taxii2/isac/collections/{shared}/objects/");
    let sees = |body: &str| body.contains(&indicator);
    // The ISAC's members A and B receive it, marked AMBER.
    for who in [app.a.as_role(Role::Staff), app.b.as_role(Role::Staff)] {
        let r = crate::taxii::get(&app, &objects, &who).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(sees(&r.body), "{}", r.body);
        assert!(r.body.contains(crate::taxii::AMBER) && r.body.contains("203.0.113.9"));
        assert!(r.body.contains(&sighting) && r.body.contains(&incident));
        // Below TLP:RED nothing names A or points at its identity.
        let identity = deltawall_app::sharing::hub::identity_of(&app.a.org_id);
        assert!(!r.body.contains("Bank A") && !r.body.contains(&identity));
    }
    // A reader of the collection who is not an AMBER recipient does not.
    let r = crate::taxii::get(&app, &objects, &app.fsa.as_role(Role::Staff)).await;
    assert!(!sees(&r.body), "{}", r.body);
    // No one else: the Kinki bureau holds no grant and the collection does not exist for it.
    let r = crate::taxii::get(&app, &objects, &app.kinki.as_role(Role::Staff)).await;
    assert!(!sees(&r.body), "{}", r.body);
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // At TLP:RED, named: the sighting is by A's identity and the incident names A.
    let r = app
        .json(Method::POST, &path, &staff, &share(vec![&ip], "red", true))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let red = r.json();
    let r = crate::taxii::get(&app, &objects, &staff).await;
    let identity = deltawall_app::sharing::hub::identity_of(&app.a.org_id);
    let found: Value = serde_json::from_str(&r.body).unwrap();
    let by_id = |id: &Value| {
        found["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == *id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing from {}", r.body))
    };
    let s = by_id(&red["sightings"][0]);
    assert_eq!(s["where_sighted_refs"], json!([identity]), "{s}");
    assert_eq!(s["sighting_of_ref"], red["indicators"][0], "{s}");
    let i = by_id(&red["incident"]);
    assert!(i["description"].as_str().unwrap().contains("Bank A"), "{i}");
    // Recurrence prevention becomes A's own posture finding with the incident as origin.
    let path = format!("/api/v1/incidents/cases/{case}/prevention");
    let body = json!({"title": "Require MFA for internet banking", "severity": "high", "owner_user": app.a.user_ids[&Role::Staff], "due_on": "2099-03-31"});
    let finding = created(&app.json(Method::POST, &path, &staff, &body).await);
    let f = app
        .get(&format!("/api/v1/posture/findings/{finding}"), &staff)
        .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    let f = f.json();
    assert_eq!(f["finding"]["origin_ref"], case.as_str(), "{f}");
    assert_eq!(f["finding"]["state"], "draft");
}
