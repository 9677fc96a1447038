//! Blind play on the paths `exercises.rs` does not read: the live stream (server-sent
//! events), every table of the edition and evaluation pages downloaded as CSV and XLSX
//! (XLSX unpacked, so a secret cannot hide in the compression), the JSON API and the
//! schedule export; each organiser view holding unreleased content leaves one audit entry
//! naming its path, and a participant's reads leave none. Also the plan edited in the
//! pages as a new version, and a plan untested for twelve months flagged in the
//! institution's posture work and the supervisor's ranking.

use crate::exercises::{SCHEDULE, clock_json, create};
use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use http_body_util::BodyExt;
use serde_json::json;
use std::io::Read as _;
use tower::ServiceExt;

/// What the bank-track participant A must never read while A-02 is unreleased: the
/// sequel, and the whole shinkin track.
const HIDDEN: [&str; 5] = [
    "A-02",
    "Alpha hidden",
    "B-01",
    "Beta opening",
    "Beta secret",
];

/// Every text of an XLSX download, unpacked from its XML parts.
fn xlsx_text(raw: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(raw)).expect("an xlsx is a zip");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        if part.name().is_ok_and(|n| n.ends_with(".xml")) {
            part.read_to_string(&mut all).unwrap();
        }
    }
    all
}

/// The first event of the live stream (the stream itself never ends).
async fn first_event(app: &TestApp, id: &str, who: &Who) -> (StatusCode, String) {
    let req = TestApp::request(
        Method::GET,
        &format!("/exercises/editions/{id}/events"),
        who,
    )
    .body(Body::empty())
    .unwrap();
    let mut req = req;
    let peer: std::net::SocketAddr = "192.0.2.10:40000".parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let mut body = res.into_body();
    let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
        .await
        .expect("the stream sends its first pulse at once");
    let data = frame
        .and_then(Result::ok)
        .and_then(|f| f.into_data().ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    (status, data)
}

/// The number of audit entries of `action` whose summary holds `needle`.
async fn audited(app: &TestApp, action: &str, needle: &str) -> usize {
    let mut c = app.db.store.read().await.unwrap();
    let filter = deltawall_store::audit::AuditFilter {
        action_prefix: Some(action.to_owned()),
        org_id: None,
    };
    let all = deltawall_domain::OrgScope::All;
    let page = deltawall_store::Page::new(0, 100);
    let entries = deltawall_store::audit::list(&mut c, &all, &filter, page)
        .await
        .unwrap();
    entries
        .items
        .iter()
        .filter(|e| e.summary.to_string().contains(needle))
        .count()
}

/// Reads every path of A's and checks none holds a hidden text; downloads of every table.
async fn a_reads_nothing_hidden(app: &TestApp, id: &str) {
    let a = app.a.as_role(Role::Staff);
    let (status, event) = first_event(app, id, &a).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        event.contains("event: pulse") && event.contains("A-01"),
        "{event}"
    );
    let pages = [
        (format!("/exercises/editions/{id}"), 3),
        (format!("/exercises/editions/{id}/evaluation"), 3),
    ];
    for (page, tables) in &pages {
        for n in 1..=*tables {
            for format in ["csv", "xlsx"] {
                let path = format!("{page}?format={format}&table={n}");
                let r = app.get(&path, &a).await;
                assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
                let body = if format == "xlsx" {
                    xlsx_text(&r.raw)
                } else {
                    r.body
                };
                assert!(!body.is_empty(), "{path}");
                if let Some(s) = HIDDEN.iter().find(|s| body.contains(**s)) {
                    panic!("{path} holds {s:?}: {body}");
                }
            }
        }
    }
    for path in [
        format!("/api/v1/exercises/editions/{id}"),
        format!("/api/v1/exercises/editions/{id}/evaluation"),
        format!("/api/v1/exercises/editions/{id}/feedback"),
        format!("/exercises/editions/{id}"),
        format!("/exercises/editions/{id}/evaluation"),
    ] {
        let r = app.get(&path, &a).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        if let Some(s) = HIDDEN.iter().find(|s| r.body.contains(**s)) {
            panic!("{path} holds {s:?}: {}", r.body);
        }
    }
    for export in ["schedule.csv", "schedule.xlsx"] {
        let r = app
            .get(&format!("/exercises/editions/{id}/{export}"), &a)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{export}: {}", r.body);
    }
}

#[tokio::test]
async fn unreleased_injects_stay_hidden_on_streams_and_downloads_and_organiser_views_are_audited() {
    let app = TestApp::new().await;
    let id = create(&app, &[(&app.a.org_id, "bank"), (&app.b.org_id, "shinkin")]).await;
    let fsa = app.fsa.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/exercises/editions/{id}/clock"),
            &fsa,
            &clock_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let view = "exercise.unreleased.view";
    a_reads_nothing_hidden(&app, &id).await;
    assert_eq!(
        audited(&app, view, "").await,
        0,
        "a participant's reads are not"
    );

    // The organiser's stream carries codes of released injects only, never content.
    let (_, event) = first_event(&app, &id, &fsa).await;
    assert!(event.contains("A-01") && event.contains("B-01"), "{event}");
    assert!(
        !event.contains("A-02") && !event.contains("Alpha"),
        "{event}"
    );
    // Each organiser view of unreleased content is audited with the path it went through.
    let reads = [
        (format!("/exercises/editions/{id}"), "\"through\":\"page\""),
        (
            format!("/exercises/editions/{id}?format=csv&table=1"),
            "\"through\":\"page\"",
        ),
        (
            format!("/api/v1/exercises/editions/{id}"),
            "\"through\":\"page\"",
        ),
        (
            format!("/exercises/editions/{id}/schedule.csv"),
            "\"through\":\"schedule.csv\"",
        ),
        (
            format!("/exercises/editions/{id}/schedule.xlsx"),
            "\"through\":\"schedule.xlsx\"",
        ),
    ];
    for (n, (path, via)) in reads.iter().enumerate() {
        let before = audited(&app, view, via).await;
        let r = app.get(path, &fsa).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let body = if path.ends_with(".xlsx") {
            xlsx_text(&r.raw)
        } else {
            r.body
        };
        assert!(body.contains("Alpha hidden sequel"), "{path}");
        assert_eq!(audited(&app, view, via).await, before + 1, "{path}");
        assert_eq!(audited(&app, view, "").await, n + 1, "{path}");
    }
    // B reads its own track only, and the kinki bureau does not see the edition exists.
    let b = app.b.as_role(Role::Staff);
    let (_, event) = first_event(&app, &id, &b).await;
    assert!(event.contains("B-01") && !event.contains("A-0"), "{event}");
    let (status, _) = first_event(&app, &id, &app.kinki.as_role(Role::Staff)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        SCHEDULE.contains("Alpha hidden sequel"),
        "the fixture holds the secret"
    );
}

const PLAN_FORM: &[(&str, &str)] = &[
    ("version", "1"),
    ("sc.ddos", "1"),
    ("sc.ransomware", "1"),
    ("roles", "CSIRT lead,first decision\nPress officer,press"),
    (
        "internal_contacts",
        "CSIRT lead,Press officer\nPress officer",
    ),
    ("external_contacts", "fsa,CSIRT lead,60\npolice,CSIRT lead"),
    ("objectives", "internet banking,240,60"),
    ("requirement_ids", "FSA-1-1"),
    ("completes_task", ""),
];

/// The plan form of the access table (`POST /contingency-plans/versions`).
pub const PLAN_ACCESS_FORM: &[(&str, &str)] = PLAN_FORM;

#[tokio::test]
async fn a_plan_edited_in_the_pages_is_a_new_version_and_bad_lines_are_named() {
    let app = TestApp::new().await;
    let b = app.b.as_role(Role::Staff);
    let post = |form: Vec<(&'static str, &'static str)>, who: Who| {
        let app = &app;
        async move {
            app.form(Method::POST, "/contingency-plans/versions", &who, &form)
                .await
        }
    };
    let r = post(PLAN_FORM.to_vec(), b.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plans = app.get("/api/v1/contingency-plans", &b).await.json();
    let v1 = &plans["versions"][0];
    assert_eq!(v1["version"], 1, "{plans}");
    assert_eq!(v1["scenarios"], json!(["ddos", "ransomware"]));
    assert_eq!(
        v1["internal_contacts"][0]["then_calls"],
        json!(["Press officer"])
    );
    assert_eq!(v1["external_contacts"][1]["within_min"], json!(null));
    assert_eq!(v1["objectives"][0]["rto_min"], 240);
    // The page offers version 2, prefilled with version 1's lines.
    let page = app.get("/contingency-plans", &b).await.body;
    assert!(page.contains("name=\"version\" value=\"2\""), "{page}");
    assert!(
        page.contains("internet banking,240,60")
            && page.contains("id=\"scenarios-ransomware\" value=\"1\" checked")
    );
    // A wrong line is named and nothing is written; a stale version is refused.
    let before = app.audit_count().await;
    for (field, value, expected) in [
        (
            "objectives",
            "internet banking,fast,60",
            "objectives line 1",
        ),
        ("roles", "\nno duty", "roles line 2"),
        ("version", "1", "version: expected 2"),
    ] {
        let mut form: Vec<_> = PLAN_FORM
            .iter()
            .filter(|(k, _)| *k != field)
            .copied()
            .collect();
        form.push((field, value));
        if field != "version" {
            form.retain(|(k, v)| *k != "version" || *v != "1");
            form.push(("version", "2"));
        }
        let r = post(form, b.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        assert!(r.body.contains(expected), "{field}: {}", r.body);
    }
    assert_eq!(app.audit_count().await, before, "nothing written");
    // Someone who does not answer for an institution's plan cannot add one.
    for who in [app.b.as_role(Role::Auditor), app.fsa.as_role(Role::Staff)] {
        let r = post(PLAN_FORM.to_vec(), who).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    // A's version 1 is A's own and leaves B's plan as it was.
    let r = post(PLAN_FORM.to_vec(), app.a.as_role(Role::Staff)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plans = app.get("/api/v1/contingency-plans", &b).await.json();
    assert_eq!(plans["versions"].as_array().unwrap().len(), 1, "{plans}");
}

/// Uploads `bytes` as the schedule workbook of `id`.
async fn upload(app: &TestApp, id: &str, who: &Who, bytes: &[u8]) -> crate::util::Resp {
    let boundary = "dw-xlsx-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.xlsx\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = TestApp::request(
        Method::POST,
        &format!("/exercises/editions/{id}/schedule.xlsx"),
        who,
    )
    .header(
        "content-type",
        format!("multipart/form-data; boundary={boundary}"),
    )
    .body(Body::from(body))
    .unwrap();
    app.send(req).await
}

/// A workbook of `rows` under the schedule's CSV header, written by the download module.
fn workbook(rows: Vec<Vec<&str>>) -> Vec<u8> {
    let header = SCHEDULE.lines().next().unwrap();
    deltawall_web::downloads::table::xlsx(&deltawall_app::Table {
        sheet: "schedule".into(),
        headers: header.split(',').map(str::to_owned).collect(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(str::to_owned).collect())
            .collect(),
    })
    .unwrap()
}

#[tokio::test]
async fn the_schedule_goes_out_and_back_in_as_a_workbook() {
    let app = TestApp::new().await;
    let id = create(&app, &[]).await;
    let fsa = app.fsa.as_role(Role::Staff);
    let csv_path = format!("/exercises/editions/{id}/schedule.csv");
    let before = app.get(&csv_path, &fsa).await.body;
    let xlsx = app
        .get(&format!("/exercises/editions/{id}/schedule.xlsx"), &fsa)
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx_text(&xlsx.raw).contains("Alpha hidden sequel"));
    // The exported workbook imports back to the same schedule.
    let r = upload(&app, &id, &fsa, &xlsx.raw).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.get(&csv_path, &fsa).await.body, before);
    // A workbook typed by hand, in Japanese, with an empty last cell, replaces it.
    let typed = workbook(vec![vec![
        "J-01",
        "bank",
        "1",
        "0",
        "message",
        "日本語の題",
        "日本語の本文",
        "",
        "triage=確認",
        "",
        "",
    ]]);
    let r = upload(&app, &id, &fsa, &typed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = app.get(&csv_path, &fsa).await.body;
    assert!(
        after.contains("J-01,bank,1,0,message,日本語の題") && !after.contains("A-01"),
        "{after}"
    );
    // Refusals name the cell's row or the file, and change nothing.
    let audits = app.audit_count().await;
    for (bytes, expected) in [
        (
            workbook(vec![vec![
                "X-1", "nowhere", "1", "0", "message", "t", "b", "", "triage=x", "", "",
            ]]),
            "nowhere",
        ),
        (
            workbook(vec![vec![
                "X-1", "bank", "one", "0", "message", "t", "b", "", "triage=x", "", "",
            ]]),
            "row 2",
        ),
        (b"not a workbook".to_vec(), "not an xlsx workbook"),
    ] {
        let r = upload(&app, &id, &fsa, &bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(expected), "{expected}: {}", r.body);
    }
    assert_eq!(app.audit_count().await, audits);
    assert_eq!(app.get(&csv_path, &fsa).await.body, after);
    // Only the organiser's staff import: a participant is refused before its file is read.
    let a = app.a.as_role(Role::Staff);
    assert_eq!(
        upload(&app, &id, &a, &typed).await.status,
        StatusCode::NOT_FOUND
    );
}

/// B's row of the FSA's ranking, as JSON text.
async fn b_ranking_row(app: &TestApp) -> String {
    let r = app
        .get("/api/v1/supervision/ranking", &app.fsa.as_role(Role::Staff))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .find(|row| row.contains(&app.b.org_id))
        .expect("B is ranked")
}

async fn b_work(app: &TestApp) -> String {
    app.get("/api/v1/me/work", &app.b.as_role(Role::Staff))
        .await
        .body
}

/// Records that an edition B plays tested B's plan version 1 at `at_us` (written through
/// the store: the service dates a test at the edition's close, which is not 13 months ago).
async fn tested_at(app: &TestApp, at_us: i64) {
    let edition = create(app, &[(&app.b.org_id, "shinkin")]).await;
    let mut tx = app.db.store.write().await.unwrap();
    let test = deltawall_domain::exercise::plan::PlanTest {
        edition_id: edition,
        tested_at_us: at_us,
        scenarios: vec![deltawall_domain::exercise::Scenario::Ddos],
        gaps: vec![],
    };
    deltawall_store::exercises::plans::record_test(&mut tx, &app.b.org_id, 1, &test)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_plan_untested_for_twelve_months_is_flagged_in_posture_work_and_the_ranking() {
    let app = TestApp::new().await;
    // Without a plan there is nothing to flag.
    assert!(!b_ranking_row(&app).await.contains("untested_plan"));
    assert!(!b_work(&app).await.contains("work-test-plan"));
    let r = app
        .form(
            Method::POST,
            "/contingency-plans/versions",
            &app.b.as_role(Role::Staff),
            PLAN_FORM,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A plan no exercise ever tested is flagged: a posture work item and a ranking reason.
    let row = b_ranking_row(&app).await;
    assert!(row.contains("untested_plan"), "{row}");
    let work = b_work(&app).await;
    assert!(
        work.contains("work-test-plan") && work.contains("/contingency-plans"),
        "{work}"
    );
    assert!(
        !app.get("/api/v1/me/work", &app.a.as_role(Role::Staff))
            .await
            .body
            .contains("work-test-plan")
    );
    // A test thirteen months ago does not clear it; one this month does.
    let now = deltawall_store::records::now_us();
    tested_at(&app, now - 13 * 30 * 86_400 * 1_000_000).await;
    assert!(b_ranking_row(&app).await.contains("untested_plan"));
    assert!(b_work(&app).await.contains("work-test-plan"));
    tested_at(&app, now - 86_400 * 1_000_000).await;
    assert!(!b_ranking_row(&app).await.contains("untested_plan"));
    assert!(!b_work(&app).await.contains("work-test-plan"));
}
