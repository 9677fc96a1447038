//! Supervision over HTTP: the risk ranking, its weights and monitoring engagements.
//! Institutions are refused on every route; a local bureau ranks, exports and opens
//! engagements only within its region while the FSA sees all; weights are versioned and a
//! refused value names its field; every supervisor action is audited; the total of every
//! ranked row is the sum of its reasons; a finding issued from an engagement reaches the
//! institution, which answers it but never sees the engagement's notes.

use crate::access::call;
use crate::util::{Resp, TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::{Value, json};

/// An edit of a weights body.
type Change = fn(&mut Value);

fn ok(r: &Resp) -> Value {
    assert!(r.status.is_success(), "{}: {}", r.status, r.body);
    r.json()
}

fn plan_body(org: &str) -> Value {
    json!({"org_id": org, "method": "dialogue", "viewpoints": ["FSA-BE1", "FSA-BE4"], "planned_on": "2026-06-01"})
}

async fn plan(app: &TestApp, who: &Who, org: &str) -> String {
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/engagements",
            who,
            &plan_body(org),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn command(app: &TestApp, who: &Who, id: &str, body: Value) -> Resp {
    app.json(
        Method::POST,
        &format!("/api/v1/supervision/engagements/{id}/commands"),
        who,
        &body,
    )
    .await
}

fn names(ranking: &Value) -> Vec<String> {
    let mut n: Vec<String> = ranking["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name_en"].as_str().unwrap().to_owned())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn institutions_are_refused_on_every_supervision_route() {
    let app = TestApp::new().await;
    let before = app.audit_count().await;
    for tenant in [&app.a, &app.b] {
        for role in Role::ALL {
            let who = tenant.as_role(*role);
            for route in crate::access_sup_rank::routes() {
                let path = route.path.replace("{org}", &app.b.org_id);
                let r = call(&app, &route, &path, &who, false).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {} {path}: {}",
                    route.method,
                    r.body
                );
            }
        }
    }
    // A supervisory auditor reads but never acts.
    let auditor = app.fsa.as_role(Role::Auditor);
    assert_eq!(
        app.get("/api/v1/supervision/ranking", &auditor)
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/engagements",
            &auditor,
            &plan_body(&app.a.org_id),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Only first-use seeding was written: weights version 1 and the built-in catalog.
    assert_eq!(app.audit_count().await, before + 2);
}

#[tokio::test]
async fn a_bureau_ranks_and_exports_only_its_region_and_the_fsa_all() {
    let app = TestApp::new().await;
    let kinki = app.kinki.as_role(Role::Staff);
    let fsa = app.fsa.as_role(Role::Staff);
    let r = ok(&app.get("/api/v1/supervision/ranking", &kinki).await);
    assert_eq!(names(&r), ["Bank A"]);
    assert_eq!(r["weights_version"], 1);
    let r = ok(&app.get("/api/v1/supervision/ranking", &fsa).await);
    assert_eq!(names(&r), ["Bank A", "Shinkin B"]);
    // Filters: by business type and by region; another region is empty for the bureau.
    let r = ok(&app
        .get(
            "/api/v1/supervision/ranking?business_type=shinkin_bank",
            &fsa,
        )
        .await);
    assert_eq!(names(&r), ["Shinkin B"]);
    let r = ok(&app
        .get("/api/v1/supervision/ranking?region=kanto", &kinki)
        .await);
    assert!(names(&r).is_empty());
    let bad = app
        .get("/api/v1/supervision/ranking?region=atlantis", &fsa)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["field"], "region");
    // The page, CSV and XLSX hold the same scoped rows.
    let page = app.get("/supervision/ranking", &kinki).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Bank A") && !page.body.contains("Shinkin B"));
    let csv = app.get("/supervision/ranking.csv", &kinki).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    assert!(csv.body.contains(&app.a.org_id) && !csv.body.contains(&app.b.org_id));
    let xlsx = app.get("/supervision/ranking.xlsx", &kinki).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.raw)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains(&app.a.org_id), "{strings}");
    assert!(!strings.contains(&app.b.org_id) && !strings.contains("Shinkin B"));
    let all = app
        .get("/supervision/ranking.csv?business_type=shinkin_bank", &fsa)
        .await;
    assert!(all.body.contains(&app.b.org_id) && !all.body.contains(&app.a.org_id));
    // The landing page for supervisors lists the top of the ranking.
    let home = app.get("/supervision", &kinki).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Bank A"));
    assert!(
        app.get("/", &kinki)
            .await
            .body
            .contains("href=\"/supervision\"")
    );
    assert!(
        !app.get("/", &app.a.as_role(Role::Admin))
            .await
            .body
            .contains("href=\"/supervision\"")
    );
}

#[tokio::test]
async fn a_bureau_cannot_open_or_plan_an_engagement_of_another_region() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let kinki = app.kinki.as_role(Role::Staff);
    let with_b = plan(&app, &fsa, &app.b.org_id).await;
    let with_a = plan(&app, &kinki, &app.a.org_id).await;
    for path in [
        format!("/api/v1/supervision/engagements/{with_b}"),
        format!("/supervision/engagements/{with_b}"),
    ] {
        assert_eq!(
            app.get(&path, &kinki).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = command(&app, &kinki, &with_b, json!({"command": "start"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/engagements",
            &kinki,
            &plan_body(&app.b.org_id),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = ok(&app.get("/api/v1/supervision/engagements", &kinki).await);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [with_a.as_str()]);
    // The FSA sees both, and the same history of the bureau's engagement.
    let list = ok(&app.get("/api/v1/supervision/engagements", &fsa).await);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let by_fsa = ok(&app
        .get(&format!("/api/v1/supervision/engagements/{with_a}"), &fsa)
        .await);
    let by_kinki = ok(&app
        .get(&format!("/api/v1/supervision/engagements/{with_a}"), &kinki)
        .await);
    assert_eq!(by_fsa["events"], by_kinki["events"]);
}

#[tokio::test]
async fn weights_are_versioned_and_refusals_name_the_field() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let v1 = ok(&app.get("/api/v1/supervision/weights", &fsa).await);
    assert_eq!(v1.as_array().unwrap().len(), 1);
    assert_eq!(v1[0]["author"], "deltawall-default");
    let mut body = crate::access_sup_rank::weights_json();
    // Data-driven refusals: (change, field).
    let cases: Vec<(Change, &str)> = vec![
        (
            |b| b["per_open_finding"]["high"] = json!(-1),
            "per_open_finding.high",
        ),
        (
            |b| b["per_year_since_monitored"] = json!(5000),
            "per_year_since_monitored",
        ),
        (
            |b| b["max_years_since_monitored"] = json!(0),
            "max_years_since_monitored",
        ),
        (
            |b| b["incident_window_months"] = json!(61),
            "incident_window_months",
        ),
        (
            |b| b["business_type"]["shinkin_bank"] = json!(1001),
            "business_type.shinkin_bank",
        ),
        (
            |b| b["per_incident"]["ransomware"] = json!(-0.5),
            "per_incident.ransomware",
        ),
        (
            |b| b["attributes"][1]["value"] = json!("huge"),
            "attributes[1]",
        ),
        (
            |b| b["effective_from"] = json!("2019-01-01"),
            "effective_from",
        ),
        (|b| b["effective_from"] = json!("soon"), "effective_from"),
    ];
    for (change, field) in cases {
        let mut bad = body.clone();
        change(&mut bad);
        let r = app
            .json(Method::POST, "/api/v1/supervision/weights", &fsa, &bad)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], field, "{}", r.body);
    }
    // Only FSA staff save a version.
    for who in [
        app.kinki.as_role(Role::Admin),
        app.fsa.as_role(Role::Auditor),
    ] {
        let r = app
            .json(Method::POST, "/api/v1/supervision/weights", &who, &body)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    body["per_overdue_request"] = json!(12.5);
    let r = app
        .json(Method::POST, "/api/v1/supervision/weights", &fsa, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    let list = ok(&app.get("/api/v1/supervision/weights", &fsa).await);
    let versions: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2], "old versions are kept");
    assert_eq!(list[0]["per_overdue_request"], 8.0);
    assert_eq!(list[1]["per_overdue_request"], 12.5);
    assert_eq!(list[1]["author"], app.fsa.user_ids[&Role::Staff].as_str());
    // The editor page: a refused value is shown again, marked at its input.
    let page = app.get("/supervision/weights", &fsa).await;
    assert!(page.body.contains("name=\"per_open_finding.high\""));
    let mut form: Vec<(String, String)> = vec![];
    for (k, v) in [
        ("per_year_since_monitored", "10"),
        ("max_years_since_monitored", "5"),
        ("per_element_gap", "20"),
        ("posture_unknown", "30"),
        ("per_overdue_request", "8"),
        ("incident_window_months", "12"),
        ("per_open_finding.low", "1"),
        ("per_open_finding.medium", "2"),
        ("per_open_finding.high", "abc"),
        ("per_open_finding.critical", "10"),
        ("per_overdue_finding.low", "2"),
        ("per_overdue_finding.medium", "4"),
        ("per_overdue_finding.high", "10"),
        ("per_overdue_finding.critical", "20"),
        ("business_type.shinkin_bank", "10"),
        ("attribute.size_band.large", "5"),
    ] {
        form.push((k.into(), v.into()));
    }
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app
        .form(Method::POST, "/supervision/weights", &fsa, &refs)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"per_open_finding.high-error\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"abc\""));
    form[8].1 = "1001".into();
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app
        .form(Method::POST, "/supervision/weights", &fsa, &refs)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"per_open_finding.high-error\""));
    form[8].1 = "6".into();
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app
        .form(Method::POST, "/supervision/weights", &fsa, &refs)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = ok(&app.get("/api/v1/supervision/weights", &fsa).await);
    assert_eq!(list[2]["per_open_finding"]["high"], 6.0);
    assert_eq!(list[2]["attributes"].as_array().unwrap().len(), 1);
    assert_eq!(
        ok(&app.get("/api/v1/supervision/ranking", &fsa).await)["weights_version"],
        3
    );
}

/// One engagement through its life, counting the audit entries of each supervisor action.
#[tokio::test]
async fn engagement_lifecycle_is_audited_and_the_institution_answers_its_finding() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let kinki = app.kinki.as_role(Role::Staff);
    ok(&app.get("/api/v1/supervision/weights", &fsa).await);
    let mut count = app.audit_count().await;
    let mut audited = async |what: &str| {
        let now = app.audit_count().await;
        assert_eq!(now, count + 1, "{what} writes one audit entry");
        count = now;
    };
    let id = plan(&app, &kinki, &app.a.org_id).await;
    audited("plan").await;
    let early = command(&app, &fsa, &id, json!({"command": "complete"})).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    ok(&command(&app, &fsa, &id, json!({"command": "start"})).await);
    audited("start").await;
    let note = json!({"command": "note", "viewpoint": "FSA-BE1", "text": "SECRET-NOTE board reviews yearly"});
    ok(&command(&app, &kinki, &id, note).await);
    audited("note").await;
    let r = command(&app, &kinki, &id, json!({"command": "complete"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "FSA-BE4 has no note yet");
    let bad = command(
        &app,
        &kinki,
        &id,
        json!({"command": "note", "viewpoint": "FSA-BE2", "text": "x"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    ok(&command(
        &app,
        &kinki,
        &id,
        json!({"command": "note", "viewpoint": "FSA-BE4", "text": "logs kept 90 days"}),
    )
    .await);
    audited("second note").await;
    // A finding to the institution, from the engagement.
    let owner = app.a.user_ids[&Role::Staff].clone();
    let issue = json!({"title": "Incident plan untested", "severity": "high", "owner_user": owner, "due_on": "2026-12-31", "requirement_ids": ["FSA-BE1-01"]});
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/supervision/engagements/{id}/findings"),
            &fsa,
            &issue,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let finding = r.json()["id"].as_str().unwrap().to_owned();
    audited("issue finding").await;
    let stranger =
        json!({"title": "x", "severity": "low", "owner_user": app.b.user_ids[&Role::Staff]});
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/supervision/engagements/{id}/findings"),
            &fsa,
            &stranger,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "owner must be of the institution"
    );
    // Follow-ups: the FSA assigns the bureau; an institution user cannot be assigned.
    let kinki_user = app.kinki.user_ids[&Role::Staff].clone();
    let fu = json!({"command": "follow_up", "title": "Check the exercise", "assignee": kinki_user, "due_on": "2099-01-31", "finding_id": finding});
    ok(&command(&app, &fsa, &id, fu).await);
    audited("follow-up").await;
    let wrong =
        json!({"command": "follow_up", "title": "x", "assignee": owner, "due_on": "2099-01-31"});
    assert_eq!(
        command(&app, &fsa, &id, wrong).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    ok(&command(&app, &fsa, &id, json!({"command": "complete"})).await);
    audited("complete").await;
    ok(&command(
        &app,
        &kinki,
        &id,
        json!({"command": "follow_up_done", "index": 0}),
    )
    .await);
    audited("follow-up done").await;
    let cancel = command(
        &app,
        &fsa,
        &id,
        json!({"command": "cancel", "reason": "late"}),
    )
    .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT);
    // Completion wrote the monitoring record: the ranking now shows it.
    let r = ok(&app.get("/api/v1/supervision/ranking", &kinki).await);
    let today = r["today"].as_str().unwrap().to_owned();
    assert_eq!(r["rows"][0]["last_monitored"], today.as_str());
    let reasons = r["rows"][0]["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|x| x["factor"]["factor"] == "open_findings"),
        "{reasons:?}"
    );
    // Both bodies see the same history; the page renders in both languages.
    let detail = ok(&app
        .get(&format!("/api/v1/supervision/engagements/{id}"), &fsa)
        .await);
    assert_eq!(detail["events"].as_array().unwrap().len(), 7);
    assert_eq!(detail["finding_ids"], json!([finding]));
    let page = app
        .get(&format!("/supervision/engagements/{id}"), &kinki)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("SECRET-NOTE") && page.body.contains("Incident plan untested"));
    // The institution sees and answers the finding, never the engagement or its notes.
    let a = app.a.as_role(Role::Staff);
    let mine = app.get("/api/v1/posture/findings", &a).await;
    assert!(
        mine.body.contains("Incident plan untested"),
        "{}",
        mine.body
    );
    assert!(!mine.body.contains("SECRET-NOTE"));
    let f = ok(&app
        .get(&format!("/api/v1/posture/findings/{finding}"), &a)
        .await);
    assert!(!f.to_string().contains("SECRET-NOTE"));
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/posture/findings/{finding}/transitions"),
            &a,
            &json!({"command": "acknowledge"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get(&format!("/api/v1/supervision/engagements/{id}"), &a)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let b = app.b.as_role(Role::Admin);
    assert_eq!(
        app.get(&format!("/api/v1/posture/findings/{finding}"), &b)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A second engagement cancelled with a reason, through the pages.
    let form = [
        ("org_id", app.a.org_id.as_str()),
        ("method", "on_site"),
        ("planned_on", "2026-07-01"),
        ("vp.FSA-BE2", "on"),
    ];
    let r = app
        .form(Method::POST, "/supervision/engagements", &kinki, &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let second = r
        .location()
        .unwrap()
        .trim_start_matches("/supervision/engagements/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .form(
            Method::POST,
            &format!("/supervision/engagements/{second}/commands"),
            &kinki,
            &[("command", "cancel"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .form(
            Method::POST,
            &format!("/supervision/engagements/{second}/commands"),
            &kinki,
            &[
                ("command", "cancel"),
                ("reason", "merged into the July dialogue"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app
        .get(&format!("/supervision/engagements/{second}"), &fsa)
        .await;
    assert!(page.body.contains("merged into the July dialogue"));
    let list = app.get("/supervision/engagements", &fsa).await;
    assert_eq!(list.status, StatusCode::OK);
    let planned = app
        .get(
            &format!("/supervision/engagements?org={}", app.a.org_id),
            &kinki,
        )
        .await;
    assert!(
        planned
            .body
            .contains(&format!("value=\"{}\" selected", app.a.org_id))
    );
}

/// Data-driven: under several weight versions and inputs, every ranked row's total is the
/// sum of its reasons' contributions, and rows are ordered by total.
#[tokio::test]
async fn every_total_is_the_sum_of_its_reasons() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let kinki = app.kinki.as_role(Role::Staff);
    // Inputs: B has a monitoring record and an issued finding; A has none of either.
    let id = plan(&app, &fsa, &app.b.org_id).await;
    ok(&command(&app, &fsa, &id, json!({"command": "start"})).await);
    for vp in ["FSA-BE1", "FSA-BE4"] {
        ok(&command(
            &app,
            &fsa,
            &id,
            json!({"command": "note", "viewpoint": vp, "text": "n"}),
        )
        .await);
    }
    let issue = json!({"title": "t", "severity": "critical", "owner_user": app.b.user_ids[&Role::Staff], "due_on": "2020-01-01"});
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/supervision/engagements/{id}/findings"),
            &fsa,
            &issue,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    ok(&command(&app, &fsa, &id, json!({"command": "complete"})).await);
    let changes: [fn(&mut Value); 3] = [
        |_| {},
        |b| {
            b["per_overdue_finding"]["critical"] = json!(333.25);
            b["per_year_since_monitored"] = json!(0.1);
        },
        |b| {
            b["business_type"] = json!({});
            b["posture_unknown"] = json!(999.5);
            b["per_open_finding"]["critical"] = json!(0);
        },
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut body = crate::access_sup_rank::weights_json();
        body["effective_from"] = json!(null);
        change(&mut body);
        let r = app
            .json(Method::POST, "/api/v1/supervision/weights", &fsa, &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        for who in [&fsa, &kinki] {
            let r = ok(&app.get("/api/v1/supervision/ranking", who).await);
            assert_eq!(r["weights_version"], i + 2);
            let mut last = f64::INFINITY;
            for row in r["rows"].as_array().unwrap() {
                let sum: f64 = row["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["contribution"].as_f64().unwrap())
                    .sum();
                let total = row["total"].as_f64().unwrap();
                assert!((total - sum).abs() < 1e-9, "{total} != {sum}: {row}");
                assert!(total <= last);
                last = total;
            }
        }
    }
    let r = ok(&app
        .get(
            "/api/v1/supervision/ranking?business_type=shinkin_bank",
            &fsa,
        )
        .await);
    let reasons = r["rows"][0]["reasons"].as_array().unwrap();
    let overdue = reasons
        .iter()
        .find(|x| x["factor"]["factor"] == "overdue_findings")
        .unwrap();
    assert_eq!(overdue["observed"]["value"], 1);
    assert_eq!(overdue["contribution"], 20.0);
}

/// The demo sector carries the supervision history: weights version 1, monitoring over
/// the years, and four engagements in four states, of which the Kinki bureau sees its own.
#[tokio::test]
async fn the_demo_has_monitoring_history_and_engagements() {
    let app = TestApp::without_tenants().await;
    let password = "demo password for the tests";
    deltawall_demo::seed(&app.db.store, password).await.unwrap();
    let fsa = Who::Session(app.login("fsa-staff", password).await);
    let kinki = Who::Session(app.login("kinki-staff", password).await);
    let r = ok(&app.get("/api/v1/supervision/ranking", &fsa).await);
    assert_eq!(r["weights_version"], 1);
    let rows = r["rows"].as_array().unwrap();
    assert!(rows.len() > 50, "{}", rows.len());
    let monitored: Vec<&str> = rows
        .iter()
        .filter_map(|x| x["last_monitored"].as_str())
        .collect();
    assert!(
        monitored
            .iter()
            .any(|d| d.starts_with("2016") || d.starts_with("2017") || d.starts_with("2018"))
    );
    assert!(
        monitored
            .iter()
            .any(|d| d.starts_with("2025") || d.starts_with("2026"))
    );
    assert!(rows.iter().any(|x| x["last_monitored"].is_null()));
    let list = ok(&app.get("/api/v1/supervision/engagements", &fsa).await);
    let mut states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    states.sort();
    assert_eq!(states, ["cancelled", "completed", "in_progress", "planned"]);
    let completed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["state"] == "completed")
        .unwrap();
    let detail = ok(&app
        .get(
            &format!(
                "/api/v1/supervision/engagements/{}",
                completed["id"].as_str().unwrap()
            ),
            &fsa,
        )
        .await);
    assert_eq!(detail["overdue_follow_ups"], json!([0]));
    assert_eq!(detail["finding_ids"].as_array().unwrap().len(), 1);
    let mine = ok(&app.get("/api/v1/supervision/engagements", &kinki).await);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["state"], "in_progress");
    for path in [
        "/supervision",
        "/supervision/ranking",
        "/supervision/weights",
        "/supervision/engagements",
    ] {
        let page = app.get(path, &fsa).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
    }
    let page = app
        .get(
            &format!(
                "/supervision/engagements/{}",
                completed["id"].as_str().unwrap()
            ),
            &fsa,
        )
        .await;
    assert!(
        page.body.contains("class=\"overdue\""),
        "the overdue follow-up is marked"
    );
}
