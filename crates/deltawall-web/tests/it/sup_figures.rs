//! Incidents, exercises and the sector figures over HTTP: each institution sees only its
//! own records, a local bureau only its region, institutions never reach the figures, every
//! change is audited, and a fresh demo reproduces the report's figure 4 totals.

use crate::access::{Body_, Route, r};
use crate::util::{PASSWORD, TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

fn incident(summary: &str) -> serde_json::Value {
    json!({"occurred_on": "2020-02-03", "attack_type": "ddos", "severity": "high", "summary": summary})
}

/// The `total` column of each row of a figure's CSV, keyed by the row's first cell.
fn totals(csv: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let at = head
        .iter()
        .position(|h| *h == "total")
        .expect("total column");
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_owned(), cells[at].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn incidents_stay_with_their_institution_and_the_supervisors_reach() {
    let app = TestApp::new().await;
    let (a, b) = (app.a.as_role(Role::Staff), app.b.as_role(Role::Staff));
    let before = app.audit_count().await;
    let r = app
        .form(
            Method::POST,
            "/incidents",
            &a,
            &[
                ("occurred_on", "2019-08-01"),
                ("attack_type", "phishing"),
                ("severity", "medium"),
                ("summary", "phishing site of bank A"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .json(
            Method::POST,
            "/api/v1/incidents",
            &b,
            &incident("ddos on shinkin B"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "each report is audited"
    );

    // Who may not report: an auditor, a supervisor; bad input is refused with its field.
    for who in [app.a.as_role(Role::Auditor), app.fsa.as_role(Role::Staff)] {
        let r = app
            .json(Method::POST, "/api/v1/incidents", &who, &incident("x"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    let bad = json!({"occurred_on": "2020-02-03", "attack_type": "asteroid", "severity": "high", "summary": "x"});
    let r = app.json(Method::POST, "/api/v1/incidents", &a, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("attack_type"), "{}", r.body);
    let future = json!({"occurred_on": "2999-01-01", "attack_type": "ddos", "severity": "high", "summary": "x"});
    let r = app
        .json(Method::POST, "/api/v1/incidents", &a, &future)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let summaries = |r: &crate::util::Resp| -> Vec<String> {
        let mut v: Vec<String> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["summary"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    check_list(&app, &a, &["phishing site of bank A"]).await;
    check_list(&app, &b, &["ddos on shinkin B"]).await;
    check_list(
        &app,
        &app.kinki.as_role(Role::Staff),
        &["phishing site of bank A"],
    )
    .await;
    let r = app
        .get("/api/v1/incidents", &app.fsa.as_role(Role::Auditor))
        .await;
    assert_eq!(
        summaries(&r),
        ["ddos on shinkin B", "phishing site of bank A"]
    );

    let page = app.get("/incidents", &a).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("phishing site of bank A") && !page.body.contains("shinkin B"));
    assert!(
        page.body.contains(r#"action="/incidents""#),
        "staff get the form"
    );
    let csv = app.get("/incidents.csv", &b).await;
    assert!(csv.body.contains("ddos on shinkin B") && !csv.body.contains("bank A"));
}

async fn check_list(app: &TestApp, who: &Who, expected: &[&str]) {
    let r = app.get("/api/v1/incidents", who).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let got: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["summary"].as_str().unwrap())
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn exercises_are_recorded_by_supervisors_within_their_reach() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let kinki = app.kinki.as_role(Role::Staff);
    let new = json!({"name_ja": "Delta Wall IV", "name_en": "Delta Wall FY2019", "held_on": "2019-10-15"});
    for who in [app.a.as_role(Role::Admin), app.fsa.as_role(Role::Auditor)] {
        let r = app
            .json(Method::POST, "/api/v1/exercises", &who, &new)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    let before = app.audit_count().await;
    let r = app
        .json(Method::POST, "/api/v1/exercises", &fsa, &new)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/exercises/{id}/participants");
    // The Kinki bureau does not reach B (Kanto): B does not exist for it.
    let r = app
        .json(
            Method::POST,
            &path,
            &kinki,
            &json!({"org_id": app.b.org_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app
        .json(
            Method::POST,
            &path,
            &kinki,
            &json!({"org_id": app.a.org_id, "reviewed": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .form(
            Method::POST,
            &format!("/exercises/{id}/participants"),
            &fsa,
            &[("org_id", &app.b.org_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A supervisor is not a participant.
    let r = app
        .json(
            Method::POST,
            &path,
            &fsa,
            &json!({"org_id": app.kinki.org_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count().await, before + 3);

    let r = app
        .get("/api/v1/exercises", &app.a.as_role(Role::Staff))
        .await;
    let v = r.json();
    assert_eq!(
        v["exercises"][0]["participants"], 1,
        "A counts only itself: {v}"
    );
    let parts = v["participations"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["org_id"], app.a.org_id.as_str());
    assert_eq!(parts[0]["reviewed"], true);
    let r = app.get("/api/v1/exercises", &fsa).await;
    assert_eq!(r.json()["exercises"][0]["participants"], 2);
    let page = app.get(&format!("/exercises/{id}"), &kinki).await;
    assert!(
        page.body.contains("Bank A") && !page.body.contains("Shinkin B"),
        "{}",
        page.body
    );
    let page = app.get("/exercises", &app.b.as_role(Role::Staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("own-participation") && page.body.contains("Delta Wall"));
}

#[tokio::test]
async fn figures_are_for_supervisors_and_scoped_to_their_region() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let r = app
        .json(
            Method::POST,
            "/api/v1/exercises",
            &fsa,
            &json!({"name_ja": "DW", "name_en": "DW", "held_on": "2019-10-15"}),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for org in [&app.a.org_id, &app.b.org_id] {
        let r = app
            .json(
                Method::POST,
                &format!("/api/v1/exercises/{id}/participants"),
                &fsa,
                &json!({"org_id": org}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    for (who, summary) in [
        (app.a.as_role(Role::Staff), "a"),
        (app.b.as_role(Role::Staff), "b"),
    ] {
        app.json(Method::POST, "/api/v1/incidents", &who, &incident(summary))
            .await;
    }

    // Institutions never reach the figures, on any path.
    for path in [
        "/supervision/figures",
        "/supervision/figures/exercises.csv",
        "/supervision/figures/incidents.svg",
        "/supervision/figures/monitored.xlsx",
        "/api/v1/supervision/figures",
    ] {
        for who in [app.a.as_role(Role::Admin), app.b.as_role(Role::Executive)] {
            assert_eq!(
                app.get(path, &who).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }

    let page = app.get("/supervision/figures", &fsa).await;
    assert_eq!(page.status, StatusCode::OK);
    for key in [
        "monitored",
        "completion",
        "findings",
        "incidents",
        "exercises",
    ] {
        assert!(
            page.body.contains(&format!(r#"id="fig-{key}-table""#)),
            "{key} table"
        );
        assert!(
            page.body
                .contains(&format!("/supervision/figures/{key}.svg")),
            "{key} svg link"
        );
    }
    let csv = app.get("/supervision/figures/exercises.csv", &fsa).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("fiscal_year,regional_bank,shinkin_bank,total\r\n"),
        "{}",
        csv.body
    );
    assert_eq!(totals(&csv.body), [("2019".to_owned(), "2".to_owned())]);
    // The Kinki bureau's figures hold its region only.
    let kinki = app.kinki.as_role(Role::Staff);
    let csv = app.get("/supervision/figures/exercises.csv", &kinki).await;
    assert_eq!(csv.body, "fiscal_year,regional_bank,total\r\n2019,1,1\r\n");
    let csv = app.get("/supervision/figures/incidents.csv", &kinki).await;
    assert_eq!(
        csv.body, "year,ddos,total\r\n2019,1,1\r\n",
        "February 2020 is administrative year 2019"
    );
    let api = app.get("/api/v1/supervision/figures", &kinki).await.json();
    assert_eq!(api["figures"][4]["rows"][0]["values"], json!([1]), "{api}");
    // A filter by business type reaches every figure.
    let csv = app
        .get(
            "/supervision/figures/incidents.csv?business_type=shinkin_bank",
            &fsa,
        )
        .await;
    assert_eq!(csv.body, "year,ddos,total\r\n2019,1,1\r\n");
    assert_eq!(
        app.get("/supervision/figures?business_type=bogus", &fsa)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let svg = app.get("/supervision/figures/exercises.svg", &fsa).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(
        svg.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(
        svg.body
            .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    );
    let xlsx = app.get("/supervision/figures/exercises.xlsx", &fsa).await;
    assert!(xlsx.raw.starts_with(b"PK"));
    assert_eq!(
        app.get("/supervision/figures/nothing.csv", &fsa)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/supervision/figures/exercises.pdf", &fsa)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_demo_reproduces_figure_4() {
    let app = TestApp::without_tenants().await;
    deltawall_demo::seed(&app.db.store, PASSWORD).await.unwrap();
    let fsa = Who::Session(app.login("fsa-staff", PASSWORD).await);
    let expected: Vec<(String, String)> =
        deltawall_domain::supervision::figures::FIGURE_4_PARTICIPANTS
            .iter()
            .map(|(y, n)| (y.to_string(), n.to_string()))
            .collect();
    let csv = app.get("/supervision/figures/exercises.csv", &fsa).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    // The report's years first; the demo's own sector edition, held this year, may add its
    // year after them.
    let got = totals(&csv.body);
    assert_eq!(got[..expected.len()], expected[..], "{}", csv.body);
    assert!(
        got[expected.len()..]
            .iter()
            .all(|(y, _)| y.as_str() > "2019"),
        "{}",
        csv.body
    );
    assert_eq!(
        expected.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(),
        ["77", "101", "105", "121"]
    );
    let api = app.get("/api/v1/supervision/figures", &fsa).await.json();
    let rows = api["figures"][4]["rows"].as_array().unwrap();
    let sums: Vec<u64> = rows
        .iter()
        .map(|r| {
            r["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .sum()
        })
        .collect();
    assert_eq!(sums[..4], [77, 101, 105, 121]);
    let page = app.get("/supervision/figures", &fsa).await;
    for (year, n) in &expected {
        let cell = format!(r#"<th scope="row">{year}</th>"#);
        let at = page.body.find(r#"id="fig-exercises-table""#).unwrap();
        let row = &page.body[at..];
        let row = &row[row.find(&cell).unwrap_or_else(|| panic!("row {year}"))..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains(&format!(r#"<td class="num">{n}</td></tr"#))
                || row.ends_with(&format!(r#"<td class="num">{n}</td>"#)),
            "{year}: {row}"
        );
    }
    // Several years of incidents.
    let csv = app.get("/supervision/figures/incidents.csv", &fsa).await;
    assert!(totals(&csv.body).len() >= 4, "{}", csv.body);

    // The sector report of the year of the demo bank's finding (issued 240 days ago): it
    // is one institution's, so the common issues withhold it (k = 5) rather than point at
    // the bank.
    let issued = deltawall_app::time::today()
        .checked_sub(jiff::Span::new().days(240))
        .unwrap();
    let year = deltawall_domain::supervision::figures::administrative_year(issued);
    let page = app
        .get(&format!("/supervision/report?year={year}"), &fsa)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let issues = &page.body[page.body.find(r#"id="report-issues""#).unwrap()..];
    let issues = &issues[..issues.find("</table>").unwrap()];
    assert!(!issues.contains("FSA-BE"), "withheld: {issues}");
    assert!(
        page.body.contains("(k = 5; "),
        "k and the withheld count are shown"
    );
    assert!(
        !page.body.contains("(k = 5; 0)"),
        "the bank's finding was withheld"
    );
    assert!(page.body.contains(r#"id="rep-fig-exercises-h""#));
    let xlsx = app
        .get(&format!("/supervision/report.xlsx?year={year}"), &fsa)
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.raw)).unwrap();
    assert_eq!(
        zip.file_names()
            .filter(|n| n
                .as_ref()
                .is_ok_and(|n| n.starts_with("xl/worksheets/sheet")))
            .count(),
        8
    );
}

#[tokio::test]
async fn the_sector_report_is_for_supervisors() {
    let app = TestApp::new().await;
    for path in [
        "/supervision/report?year=2019",
        "/supervision/report.xlsx?year=2019",
    ] {
        assert_eq!(
            app.get(path, &app.a.as_role(Role::Admin)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(path, &app.kinki.as_role(Role::Staff)).await.status,
            StatusCode::OK
        );
    }
    let bad = app
        .get(
            "/supervision/report?year=1900",
            &app.fsa.as_role(Role::Staff),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The routes of this area for the access route table (`access.rs`).
pub fn access_routes() -> Vec<Route> {
    use Body_::*;
    const INCIDENT: &[(&str, &str)] = &[
        ("occurred_on", "2020-01-01"),
        ("attack_type", "ddos"),
        ("severity", "low"),
        ("summary", "hijack"),
    ];
    const EXERCISE: &[(&str, &str)] = &[
        ("name_ja", "hijack"),
        ("name_en", "hijack"),
        ("held_on", "2020-01-01"),
    ];
    fn incident_json() -> serde_json::Value {
        incident("hijack")
    }
    fn exercise_json() -> serde_json::Value {
        json!({"name_ja": "hijack", "name_en": "hijack", "held_on": "2020-01-01"})
    }
    fn k_json() -> serde_json::Value {
        json!({"k": 2})
    }
    vec![
        r(Method::GET, "/incidents", None),
        r(Method::POST, "/incidents", Form(INCIDENT)),
        r(Method::GET, "/incidents.csv", None),
        r(Method::GET, "/exercises", None),
        r(Method::POST, "/exercises", Form(EXERCISE)),
        r(Method::GET, "/exercises/{exercise}", None),
        r(
            Method::POST,
            "/exercises/{exercise}/participants",
            Form(&[("org_id", "x")]),
        ),
        r(Method::GET, "/supervision/figures", None),
        r(Method::GET, "/supervision/figures/{figure}", None),
        r(Method::GET, "/supervision/report", None),
        r(Method::GET, "/supervision/report.xlsx", None),
        r(Method::GET, "/benchmarks", None),
        r(Method::GET, "/benchmarks.csv", None),
        r(Method::GET, "/benchmarks.xlsx", None),
        r(Method::GET, "/benchmarks/sources", None),
        r(
            Method::POST,
            "/supervision/benchmarks/k",
            Form(&[("k", "2")]),
        ),
        r(Method::GET, "/api/v1/incidents", None),
        r(Method::POST, "/api/v1/incidents", Json(incident_json)),
        r(Method::GET, "/api/v1/exercises", None),
        r(Method::POST, "/api/v1/exercises", Json(exercise_json)),
        r(
            Method::POST,
            "/api/v1/exercises/{exercise}/participants",
            Json(k_json),
        ),
        r(Method::GET, "/api/v1/supervision/figures", None),
        r(Method::GET, "/api/v1/benchmarks", None),
        r(Method::GET, "/api/v1/benchmarks/sources", None),
        r(
            Method::PUT,
            "/api/v1/supervision/benchmarks/k",
            Json(k_json),
        ),
    ]
}

/// An exercise that only B took part in.
pub async fn b_exercise(app: &TestApp) -> String {
    let fsa = app.fsa.as_role(Role::Staff);
    let new = json!({"name_ja": "B only", "name_en": "B only", "held_on": "2019-10-15"});
    let r = app
        .json(Method::POST, "/api/v1/exercises", &fsa, &new)
        .await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .json(
            Method::POST,
            &format!("/api/v1/exercises/{id}/participants"),
            &fsa,
            &json!({"org_id": app.b.org_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    id
}
