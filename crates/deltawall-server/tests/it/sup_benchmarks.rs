//! Peer benchmarks: the k rule holds on every path (page, CSV, XLSX, API), an institution
//! never sees another's answers, drafts never count, a bureau's cohorts are its region's,
//! and k is changed only by supervisor administrators, audited.

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
    let (catalog_id, _) = deltawall_server::service::posture::builtin_catalog(&app.db.store)
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
    let page = app.get("/benchmarks", who).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csv = app.get("/benchmarks.csv", who).await;
    assert_eq!(csv.status, StatusCode::OK);
    let xlsx = app.get("/benchmarks.xlsx", who).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.raw)).unwrap();
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    let api = app.get("/api/v1/benchmarks", who).await;
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
