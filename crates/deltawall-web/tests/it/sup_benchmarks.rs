//! Peer benchmarks: the k rule holds on every path (page, CSV, XLSX, API), an institution
//! never sees another's answers, drafts never count, a bureau's cohorts are its region's,
//! and k is changed only by supervisor administrators, audited. The same holds for a
//! request as the source: only accepted answers count, never drafts, submissions awaiting
//! review or returned ones; an institution it did not target gets 404.

use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::posture::{Answer, AssessmentKind, Confidence, Outcome};
use deltawall_domain::role::Role;
use deltawall_store::assessments::{self, NewAssessment, Recording};
use deltawall_store::orgs::{self, NewOrg};
use serde_json::json;
use std::io::Read as _;

const REQ: &str = "FSA-BE1-01";

/// An assessment of `org` answering [`REQ`] with `outcome`, submitted or left a draft.
async fn assess(app: &TestApp, org: &str, outcome: Outcome, submit: bool) {
    let (catalog_id, _) = deltawall_app::posture::assessments::builtin_catalog(&app.db.store)
        .await
        .unwrap();
    let mut tx = app.db.store.write().await.unwrap();
    let new = NewAssessment {
        org_id: org.to_owned(),
        catalog_id,
        kind: AssessmentKind::SelfAssessment,
        scope: "whole".into(),
        as_of: "2020-03-31".into(),
        cycle: 1,
        previous_id: None,
        created_by: "u".into(),
    };
    let id = assessments::create(&mut tx, &new, 1).await.unwrap();
    let answer = Answer {
        requirement_id: REQ.into(),
        outcome,
        justification: None,
        maturity: Some(2),
        rationale: "r".into(),
        confidence: Confidence::Medium,
        evidence: vec![],
    };
    let how = Recording {
        answered_by: "u".into(),
        reviewed_by: None,
        carried: false,
        at_us: 2,
    };
    assessments::append_result(&mut tx, &id, &answer, &how)
        .await
        .unwrap();
    if submit {
        assessments::submit(&mut tx, org, &id, 3).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn bank(app: &TestApp, name: &str, region: Region) -> String {
    let mut tx = app.db.store.write().await.unwrap();
    let id = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: name.into(),
            name_en: name.into(),
            kind: OrgKind::Institution,
            business_type: Some(BusinessType::RegionalBank),
            region: Some(region),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// What each path shows `who` about [`REQ`] in the regional-bank cohort: the page's row,
/// the CSV row, whether the XLSX holds a count, and the API's distribution.
struct Seen {
    page: String,
    csv: String,
    xlsx: String,
    api: serde_json::Value,
}

async fn seen(app: &TestApp, who: &Who) -> Seen {
    seen_at(app, who, "").await
}

/// [`seen`] for a source query (`?request=ID`, or empty for the catalog).
async fn seen_at(app: &TestApp, who: &Who, query: &str) -> Seen {
    let page = app.get(&format!("/benchmarks{query}"), who).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csv = app.get(&format!("/benchmarks.csv{query}"), who).await;
    assert_eq!(csv.status, StatusCode::OK);
    let xlsx = app.get(&format!("/benchmarks.xlsx{query}"), who).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.raw)).unwrap();
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    let api = app.get(&format!("/api/v1/benchmarks{query}"), who).await;
    assert_eq!(api.status, StatusCode::OK);
    let csv_row = csv
        .body
        .lines()
        .find(|l| l.contains(REQ) && (l.starts_with("regional_bank") || l.starts_with(REQ)))
        .unwrap_or_default()
        .to_owned();
    Seen {
        page: page.body,
        csv: csv_row,
        xlsx: strings,
        api: api.json(),
    }
}

#[tokio::test]
async fn the_k_rule_holds_on_every_path() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let a = app.a.as_role(Role::Staff);
    // A (Kinki) met the requirement; three peers did not; a fifth peer has only a draft.
    assess(&app, &app.a.org_id, Outcome::Met, true).await;
    let mut peers = Vec::new();
    for (i, region) in [Region::Kinki, Region::Kanto, Region::Kanto]
        .into_iter()
        .enumerate()
    {
        let id = bank(&app, &format!("Peer {i}"), region).await;
        assess(&app, &id, Outcome::NotMet, true).await;
        peers.push(id);
    }
    let drafter = bank(&app, "Drafter", Region::Kinki).await;
    assess(&app, &drafter, Outcome::Partial, false).await;

    // k - 1 = 4 submitted institutions: nothing is revealed on any path, to anyone.
    for who in [&fsa, &a] {
        let s = seen(&app, who).await;
        assert!(
            s.csv.contains("withheld") && !s.csv.contains(",4,"),
            "{}",
            s.csv
        );
        assert!(
            s.page.contains("Withheld") || s.page.contains("非表示"),
            "page"
        );
        assert!(s.xlsx.contains("withheld"));
        let text = s.api.to_string();
        assert!(!text.contains("\"institutions\""), "{text}");
    }

    // The drafter submits: k = 5 institutions, and the distribution appears everywhere.
    assess(&app, &drafter, Outcome::Partial, true).await;
    let s = seen(&app, &fsa).await;
    assert_eq!(s.csv, format!("regional_bank,,{REQ},revealed,5,3,1,1"));
    assert!(
        s.page.contains("<td>5</td><td>3</td><td>1</td><td>1</td>"),
        "page"
    );
    assert!(s.xlsx.contains("revealed"));
    let cohort = &s.api["cohorts"].as_array().unwrap()[0];
    assert_eq!(
        cohort["distribution"],
        json!({"institutions": 5, "not_met": 3, "partial": 1, "met": 1})
    );
    // A sees its own result and position, counts only, never another institution.
    let s = seen(&app, &a).await;
    assert_eq!(s.csv, format!("{REQ},met,revealed,5,3,1,1,4,1,0"));
    assert_eq!(s.api["view"], "own");
    assert_eq!(
        s.api["positions"][0]["position"],
        json!({"below": 4, "same": 1, "above": 0})
    );
    for other in peers.iter().chain([&drafter, &app.b.org_id]) {
        for body in [&s.page, &s.api.to_string(), &s.xlsx] {
            assert!(
                !body.contains(other.as_str()),
                "another institution's id leaked"
            );
        }
    }
    assert!(!s.page.contains("Peer 0"));

    // The Kinki bureau's cohorts are its region's: three institutions, withheld.
    let s = seen(&app, &app.kinki.as_role(Role::Staff)).await;
    assert!(s.csv.contains("withheld"), "{}", s.csv);
    assert!(!s.api.to_string().contains("\"institutions\""));

    // An institution with no submitted assessment sees nothing of its cohort.
    let r = app
        .get("/api/v1/benchmarks", &app.b.as_role(Role::Staff))
        .await
        .json();
    assert_eq!(r["positions"], json!([]));

    // k: only supervisor administrators, at least 2, audited.
    for who in [app.a.as_role(Role::Admin), app.fsa.as_role(Role::Staff)] {
        let r = app
            .json(
                Method::PUT,
                "/api/v1/supervision/benchmarks/k",
                &who,
                &json!({"k": 3}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let admin = app.fsa.as_role(Role::Admin);
    let r = app
        .json(
            Method::PUT,
            "/api/v1/supervision/benchmarks/k",
            &admin,
            &json!({"k": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let before = app.audit_count().await;
    let r = app
        .form(
            Method::POST,
            "/supervision/benchmarks/k",
            &admin,
            &[("k", "6")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.audit_count().await, before + 1);
    let s = seen(&app, &fsa).await;
    assert!(
        s.csv.contains("withheld"),
        "k = 6 withholds five: {}",
        s.csv
    );
    assert!(s.page.contains(r#"<p id="bench-k">"#) && s.page.contains(": 6</p>"));
    let r = app
        .json(
            Method::PUT,
            "/api/v1/supervision/benchmarks/k",
            &admin,
            &json!({"k": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let s = seen(&app, &app.kinki.as_role(Role::Staff)).await;
    assert!(
        s.csv
            .starts_with(&format!("regional_bank,,{REQ},revealed,3,")),
        "{}",
        s.csv
    );
}

/// The day `days` from now (by the app's clock), Japan time, as `YYYY-MM-DD`.
fn day(app: &TestApp, days: i64) -> String {
    let jst_days = (app.clock.now_us() + 9 * 3600 * 1_000_000)
        .div_euclid(deltawall_domain::supervision::DAY_US);
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(jst_days + days))
        .unwrap()
        .to_string()
}

/// Sends a request to every regional bank asking `asked`; returns its id.
async fn send_request(app: &TestApp, asked: serde_json::Value) -> String {
    let body = json!({
        "title_ja": "要請ベンチ", "title_en": "Request bench",
        "asked": asked,
        "population": {"filter": {"business_types": ["regional_bank"]}},
        "deadline": day(app, 10),
    });
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/requests",
            &app.fsa.as_role(Role::Staff),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// The task of `org` under `request`, as stored.
async fn stored_task(
    app: &TestApp,
    request: &str,
    org: &str,
) -> deltawall_store::sup_requests::StoredTask {
    let mut conn = app.db.store.read().await.unwrap();
    deltawall_store::sup_requests::tasks_of(&mut conn, &deltawall_domain::OrgScope::All, request)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.task.org_id == org)
        .unwrap_or_else(|| panic!("{org} has no task under {request}"))
}

/// An executive of `org` submits `value` for [`REQ`] (through the domain's state machine,
/// as the service does); returns the task id.
async fn submit_as(app: &TestApp, request: &str, org: &str, value: &str) -> String {
    use deltawall_domain::supervision::Party;
    use deltawall_domain::supervision::request::{Answer, Attestation, TaskCommand};
    let t = stored_task(app, request, org).await;
    let mut tx = app.db.store.write().await.unwrap();
    let r = deltawall_store::sup_requests::get_request(
        &mut tx,
        &deltawall_domain::OrgScope::All,
        request,
    )
    .await
    .unwrap();
    let by = Party {
        user_id: format!("exec-{org}"),
        org_id: org.to_owned(),
        org_kind: OrgKind::Institution,
        role: Role::Executive,
    };
    let now = app.clock.now_us();
    let command = TaskCommand::Submit {
        answers: vec![Answer {
            id: REQ.into(),
            value: serde_json::from_value(json!(value)).unwrap(),
            note: String::new(),
        }],
        attestation: Attestation {
            by: by.clone(),
            at_us: now,
        },
    };
    let next = t.task.apply(&r.doc.request, &by, command, now).unwrap();
    deltawall_store::sup_requests::update_task(&mut tx, &t.id, t.updated_at, &next, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    t.id
}

/// The supervisor's decision on a task, through the API.
async fn decide(app: &TestApp, request: &str, task: &str, decision: &str) {
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/supervision/requests/{request}/tasks/{task}/decision"),
            &app.fsa.as_role(Role::Staff),
            &json!({"decision": decision, "reason": "see the note"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

/// The status of every path for `who` and a source query.
async fn statuses(app: &TestApp, who: &Who, query: &str) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for path in [
        "/benchmarks",
        "/benchmarks.csv",
        "/benchmarks.xlsx",
        "/api/v1/benchmarks",
    ] {
        out.push(app.get(&format!("{path}{query}"), who).await.status);
    }
    out
}

#[tokio::test]
async fn a_requests_accepted_answers_are_benchmarked_under_the_k_rule() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let (_, catalog) = deltawall_app::posture::assessments::builtin_catalog(&app.db.store)
        .await
        .unwrap();
    let mut peers = Vec::new();
    for (i, region) in [Region::Kinki, Region::Kanto, Region::Kanto]
        .into_iter()
        .enumerate()
    {
        peers.push(bank(&app, &format!("Peer {i}"), region).await);
    }
    let returned = bank(&app, "Returned", Region::Kinki).await;
    let pending = bank(&app, "Pending", Region::Kanto).await;
    let drafter = bank(&app, "Drafter", Region::Kinki).await;
    let id = send_request(
        &app,
        json!({"kind": "requirements", "catalog_id": catalog.id, "requirement_ids": [REQ]}),
    )
    .await;
    let query = format!("?request={id}");

    // A (Kinki) met the requirement and three peers did not, all accepted; one partial
    // answer was returned, one awaits review, one is only a draft.
    let a_task = submit_as(&app, &id, &app.a.org_id, "yes").await;
    decide(&app, &id, &a_task, "accept").await;
    for p in &peers {
        let t = submit_as(&app, &id, p, "no").await;
        decide(&app, &id, &t, "accept").await;
    }
    let t = submit_as(&app, &id, &returned, "partial").await;
    decide(&app, &id, &t, "return").await;
    let pending_task = submit_as(&app, &id, &pending, "partial").await;
    let t = stored_task(&app, &id, &drafter).await;
    let mut tx = app.db.store.write().await.unwrap();
    let draft = vec![deltawall_domain::supervision::request::Answer {
        id: REQ.into(),
        value: deltawall_domain::supervision::request::AnswerValue::Partial,
        note: String::new(),
    }];
    deltawall_store::sup_requests::save_draft(&mut tx, &t.id, &drafter, &draft, "u", 5)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // k - 1 = 4 accepted: nothing is revealed on any path, to the supervisor or to A.
    for who in [&fsa, &a] {
        let s = seen_at(&app, who, &query).await;
        assert!(
            s.csv.contains("withheld") && !s.csv.contains(",4,"),
            "{}",
            s.csv
        );
        assert!(s.page.contains("Withheld") || s.page.contains("非表示"));
        assert!(s.page.contains(r#"id="bench-intro-request""#));
        // One row: its cell says withheld (the header names the column "revealed").
        assert!(s.xlsx.contains("withheld"));
        let text = s.api.to_string();
        assert!(!text.contains("\"institutions\""), "{text}");
        assert_eq!(s.api["request_id"], json!(id));
    }

    // The pending submission is accepted: five institutions, the distribution appears;
    // the returned answer and the draft still do not count.
    decide(&app, &id, &pending_task, "accept").await;
    let s = seen_at(&app, &fsa, &query).await;
    assert_eq!(s.csv, format!("regional_bank,,{REQ},revealed,5,3,1,1"));
    assert!(s.page.contains("<td>5</td><td>3</td><td>1</td><td>1</td>"));
    assert!(s.xlsx.contains("revealed") && !s.xlsx.contains("withheld"));
    assert_eq!(
        s.api["cohorts"][0]["distribution"],
        json!({"institutions": 5, "not_met": 3, "partial": 1, "met": 1})
    );
    // A sees its own position, counts only; no other institution appears.
    let s = seen_at(&app, &a, &query).await;
    assert_eq!(s.csv, format!("{REQ},met,revealed,5,3,1,1,4,1,0"));
    assert_eq!(s.api["view"], "own");
    for other in peers.iter().chain([&returned, &pending, &drafter]) {
        for body in [&s.page, &s.api.to_string(), &s.xlsx, &s.csv] {
            assert!(!body.contains(other.as_str()), "another institution leaked");
        }
    }

    // B (a shinkin bank) was not targeted: not found on every path, and the request is
    // not offered as a source.
    assert_eq!(
        statuses(&app, &b, &query).await,
        vec![StatusCode::NOT_FOUND; 4]
    );
    assert!(!app.get("/benchmarks", &b).await.body.contains(&id));
    assert!(app.get("/benchmarks", &a).await.body.contains(&id));
    // A request that does not exist is not found either.
    assert_eq!(
        statuses(&app, &fsa, "?request=no-such-request").await,
        vec![StatusCode::NOT_FOUND; 4]
    );

    // The Kinki bureau sees its region's cohort only: A and Peer 0 accepted, withheld.
    let kinki = app.kinki.as_role(Role::Staff);
    let s = seen_at(&app, &kinki, &query).await;
    assert!(s.csv.contains("withheld"), "{}", s.csv);
    assert!(!s.api.to_string().contains("\"institutions\""));
    let r = app
        .json(
            Method::PUT,
            "/api/v1/supervision/benchmarks/k",
            &app.fsa.as_role(Role::Admin),
            &json!({"k": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let s = seen_at(&app, &kinki, &query).await;
    assert_eq!(s.csv, format!("regional_bank,,{REQ},revealed,2,1,0,1"));

    // A questionnaire has no requirements: a clear 422 naming the reason, on every path.
    let q = send_request(
        &app,
        json!({"kind": "questions", "questions": [
            {"id": "q1", "text": {"ja": "質問", "en": "Question"}}]}),
    )
    .await;
    let qq = format!("?request={q}");
    assert_eq!(
        statuses(&app, &fsa, &qq).await,
        vec![StatusCode::UNPROCESSABLE_ENTITY; 4]
    );
    let r = app.get(&format!("/api/v1/benchmarks{qq}"), &fsa).await;
    assert_eq!(
        r.json()["error"]["code"],
        "bench-err-questions",
        "{}",
        r.body
    );

    // The request detail page and A's task page link to the benchmark; a questionnaire's
    // page does not.
    let link = format!("/benchmarks?request={id}");
    let detail = app.get(&format!("/supervision/requests/{id}"), &fsa).await;
    assert!(detail.body.contains(&link), "detail page");
    let mine = app.get(&format!("/tasks/{a_task}"), &a).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains(&link), "task page");
    let qdetail = app.get(&format!("/supervision/requests/{q}"), &fsa).await;
    assert!(!qdetail.body.contains("id=\"bench-link\""));
    // The supervisor's selector offers the requirements request, not the questionnaire.
    let page = app.get("/benchmarks", &fsa).await.body;
    assert!(page.contains(&format!("value=\"{id}\"")) && !page.contains(&q));
}

/// In real headless Chromium: the supervisor follows the link from a request's page to its
/// benchmark and picks it in the source selector; the institution follows the link from
/// its task page and sees its own position. Skipped when chromedriver is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_benchmark_is_reached_from_its_pages_in_the_browser() {
    use crate::browser::{
        choose, click, client, heading, serve_with_clock, sign_in, start_driver, text, wait_url,
    };
    let Some((_driver, port)) = start_driver() else {
        return;
    };
    let app = TestApp::new().await;
    let r = app
        .json(
            Method::PUT,
            "/api/v1/supervision/benchmarks/k",
            &app.fsa.as_role(Role::Admin),
            &json!({"k": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let peer = bank(&app, "Peer", Region::Kanto).await;
    let (_, catalog) = deltawall_app::posture::assessments::builtin_catalog(&app.db.store)
        .await
        .unwrap();
    let id = send_request(
        &app,
        json!({"kind": "requirements", "catalog_id": catalog.id, "requirement_ids": [REQ]}),
    )
    .await;
    let a_task = submit_as(&app, &id, &app.a.org_id, "yes").await;
    decide(&app, &id, &a_task, "accept").await;
    let t = submit_as(&app, &id, &peer, "partial").await;
    decide(&app, &id, &t, "accept").await;

    let base = serve_with_clock(&app.db, app.clock.clone()).await;
    let c = client(port).await;
    sign_in(&c, &base, "fsa-staff").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&format!("{base}/supervision/requests/{id}"))
        .await
        .unwrap();
    click(&c, "#bench-link").await;
    wait_url(&c, "/benchmarks?request=").await;
    let table = text(&c, "#benchmarks").await;
    assert!(table.contains(REQ) && table.contains("2"), "{table}");
    // Back to the catalog, then the request again through the selector.
    c.goto(&format!("{base}/benchmarks")).await.unwrap();
    heading(&c, "ピアベンチマーク").await;
    assert!(
        c.find(fantoccini::Locator::Id("bench-intro-request"))
            .await
            .is_err()
    );
    choose(&c, "bench-request", &id).await;
    click(&c, "#bench-source button").await;
    wait_url(&c, &format!("request={id}")).await;
    let note = text(&c, "#bench-intro-request").await;
    assert!(note.contains("受理"), "{note}");
    // The downloads keep the source.
    let href = c
        .find(fantoccini::Locator::Css("a[href^='/benchmarks.csv']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert_eq!(
        href.as_deref(),
        Some(format!("/benchmarks.csv?request={id}").as_str())
    );
    click(&c, "form[action='/logout'] button").await;
    heading(&c, "ログイン").await;

    // Bank A follows the link from its task page: its own result, never the peer's.
    sign_in(&c, &base, "a-staff").await;
    heading(&c, "ダッシュボード").await;
    c.goto(&format!("{base}/tasks/{a_task}")).await.unwrap();
    click(&c, "#bench-link").await;
    wait_url(&c, "/benchmarks?request=").await;
    let table = text(&c, "#benchmarks").await;
    assert!(table.contains(REQ) && table.contains("met"), "{table}");
    assert!(!table.contains("Peer") && !table.contains(&peer), "{table}");
}
