//! The last lists of issue 19 that read a whole table or filtered in Rust, paged with a
//! cursor in the API and in their page: TLPT engagements (only those the reader plays a
//! role in, or every one within a supervisor's reach), exercises (an institution: those it
//! took part in) and the vulnerability scope (its coverage counted over every asset). Each
//! row once, in the whole list's order, filters kept, another tenant's rows never shown;
//! and an incident past the first page of incidents can still be mapped to a technique.

use crate::paging::{
    ObjectList, PagedList, follow, object_pages_each_row_once, pages_each_row_once,
};
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;
use serde_json::json;
use std::collections::BTreeSet;

fn a_staff(app: &TestApp) -> Who {
    app.a.as_role(Role::Staff)
}

/// Every id of `api` as `who` reads it, following its pages of one row.
async fn ids_of(app: &TestApp, who: &Who, api: &str, field: &str) -> BTreeSet<String> {
    let (ids, _) = follow(app, who, &format!("{api}?limit=1"), field).await;
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "{api}: {ids:?}");
    unique
}

#[tokio::test]
async fn tlpt_engagements_page_within_the_readers_roles() {
    let app = TestApp::new().await;
    let list = PagedList {
        api: "/api/v1/tlpt/engagements",
        page: "/tlpt",
        query: "",
        id: "/id",
        body: Some(|_| json!({"title": "TLPT of the core banking system"})),
        reader: a_staff,
        outsider: |app| app.b.as_role(Role::Staff),
    };
    let reader = a_staff(&app);
    for _ in 0..5 {
        let body = (list.body.unwrap())(&app);
        let r = app.json(Method::POST, list.api, &reader, &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    pages_each_row_once(&app, &list).await;
    // A colleague of the same institution who plays no role sees none of them, on no page;
    // the FSA, which observes within its reach, sees all five.
    let colleague = app.a.as_role(Role::Admin);
    assert!(
        ids_of(&app, &colleague, list.api, "/id").await.is_empty(),
        "members only"
    );
    let mine = ids_of(&app, &reader, list.api, "/id").await;
    let fsa = app.fsa.as_role(Role::Staff);
    assert_eq!(ids_of(&app, &fsa, list.api, "/id").await, mine);
    let page = app.get("/tlpt?limit=1", &colleague).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"pager-next\""), "{}", page.body);
}

#[tokio::test]
async fn exercises_page_and_an_institution_sees_those_it_took_part_in() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let mut ids = Vec::new();
    // Two held on one day: the id orders them.
    for (n, day) in [
        "2025-01-10",
        "2025-06-01",
        "2025-06-01",
        "2024-11-30",
        "2025-03-03",
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"name_ja": format!("演習{n}"), "name_en": format!("Exercise {n}"),
            "held_on": day});
        let r = app
            .json(Method::POST, "/api/v1/exercises", &fsa, &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let list = ObjectList {
        api: "/api/v1/exercises".into(),
        page: "/exercises".into(),
        api_query: "",
        page_query: "",
        rows: "/exercises",
        id: "/id",
        reader: fsa.clone(),
    };
    object_pages_each_row_once(&app, &list).await;

    // Institution A took part in two of them: it reads those two across pages, each with
    // its own participation beside it, and B reads none.
    for id in &ids[1..3] {
        let path = format!("/api/v1/exercises/{id}/participants");
        let body = json!({"org_id": app.a.org_id, "reviewed": true});
        let r = app.json(Method::POST, &path, &fsa, &body).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let a = a_staff(&app);
    let mut url = Some("/api/v1/exercises?limit=1".to_owned());
    let (mut seen, mut participations) = (Vec::new(), 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, &a).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.body);
        let body = r.json();
        for e in body["exercises"].as_array().unwrap() {
            seen.push(e["id"].as_str().unwrap().to_owned());
        }
        for p in body["participations"].as_array().unwrap() {
            assert_eq!(p["org_id"], app.a.org_id.as_str());
            assert!(seen.iter().any(|id| p["exercise_id"] == id.as_str()));
            participations += 1;
        }
        url = r.headers.get(header::LINK).map(|l| {
            let l = l.to_str().unwrap();
            l[1..l.find('>').unwrap()].to_owned()
        });
    }
    let expected: BTreeSet<&String> = ids[1..3].iter().collect();
    assert_eq!(seen.iter().collect::<BTreeSet<_>>(), expected, "{seen:?}");
    assert_eq!((seen.len(), participations), (2, 2));
    let b = app.b.as_role(Role::Staff);
    let theirs = app.get("/api/v1/exercises", &b).await.json();
    assert_eq!(theirs["exercises"], json!([]), "{theirs}");
    let page = app.get("/exercises", &b).await;
    assert!(ids.iter().all(|id| !page.body.contains(id.as_str())));
}

#[tokio::test]
async fn the_vulnerability_scope_pages_and_counts_every_asset() {
    let app = TestApp::new().await;
    let a = a_staff(&app);
    for name in ["www", "api", "mail", "vpn", "dns"] {
        let body = json!({"name": format!("{name}.a.example.jp"), "kind": "website",
            "owner": "IT", "criticality": "high", "cadence_days": 30});
        let r = app
            .json(Method::POST, "/api/v1/vulnerabilities/scope", &a, &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let b = app.b.as_role(Role::Staff);
    let body = json!({"name": "www.b.example.jp", "kind": "website", "owner": "IT",
        "criticality": "high", "cadence_days": 30});
    let r = app
        .json(Method::POST, "/api/v1/vulnerabilities/scope", &b, &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = ObjectList {
        api: "/api/v1/vulnerabilities/scope".into(),
        page: "/vulnerabilities/scope".into(),
        api_query: "",
        page_query: "",
        rows: "/assets",
        id: "/asset/id",
        reader: a.clone(),
    };
    object_pages_each_row_once(&app, &list).await;
    // The counts are the whole scope's on every page, not the page's.
    let first = app
        .get("/api/v1/vulnerabilities/scope?limit=2", &a)
        .await
        .json();
    assert_eq!(first["assets"].as_array().unwrap().len(), 2);
    assert_eq!(
        (&first["current"], &first["stale"], &first["never"]),
        (&json!(0), &json!(0), &json!(5))
    );
    // The import form offers every asset, not only the page's.
    let page = app.get("/vulnerabilities/scope?limit=2", &a).await;
    let select = &page.body[page.body.find("id=\"vi-scope\"").expect("the import form")..];
    let select = &select[..select.find("</select>").unwrap()];
    assert_eq!(select.matches("<option").count(), 5, "{select}");
    // The counts of an import just made are shown once: the next page's link drops them.
    let after_import = app
        .get(
            "/vulnerabilities/scope?new=3&unchanged=0&resolved=0&reopened=0&limit=2",
            &a,
        )
        .await;
    let next = crate::paging::next_link(&after_import.body).expect("a next page");
    assert!(
        next.starts_with("/vulnerabilities/scope?limit=2&cursor="),
        "{next}"
    );
    let theirs = app.get("/api/v1/vulnerabilities/scope", &b).await.json();
    assert_eq!(theirs["assets"].as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(theirs["never"], 1);
}

const BUNDLE_18: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");

/// More incidents than a page of them: the oldest one is still mapped to a technique, and
/// another institution's incident is still not.
#[tokio::test]
async fn an_incident_past_the_first_page_is_mapped() {
    let app = TestApp::new().await;
    let r = crate::tlpt::upload(&app, &app.fsa.as_role(Role::Admin), BUNDLE_18).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new = |org: &str, day: &str| deltawall_store::incidents::NewIncident {
        org_id: org.to_owned(),
        occurred_on: day.into(),
        attack_type: deltawall_domain::supervision::AttackType::Ddos,
        severity: deltawall_domain::finding::Severity::High,
        summary: "ddos".into(),
    };
    let mut tx = app.db.store.write().await.unwrap();
    let create = deltawall_store::incidents::create;
    let oldest = create(&mut tx, &new(&app.a.org_id, "2020-01-01"), "u", 1)
        .await
        .unwrap();
    for _ in 0..deltawall_store::keyset::MAX_LIMIT + 1 {
        create(&mut tx, &new(&app.a.org_id, "2026-01-01"), "u", 1)
            .await
            .unwrap();
    }
    let theirs = create(&mut tx, &new(&app.b.org_id, "2026-01-01"), "u", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let staff = a_staff(&app);
    let first = app.get("/api/v1/incidents?limit=500", &staff).await;
    assert!(
        !first.body.contains(&oldest),
        "the oldest is past the first page"
    );
    for (subject, status) in [
        (&oldest, StatusCode::SEE_OTHER),
        (&theirs, StatusCode::NOT_FOUND),
    ] {
        let form = [
            ("subject_kind", "incident"),
            ("subject_id", subject.as_str()),
            ("technique", "T1078"),
        ];
        let r = app
            .form(Method::POST, "/attack/mappings", &staff, &form)
            .await;
        assert_eq!(r.status, status, "{}", r.body);
    }
}

/// Contingency plans page institution by institution for a supervisor: five Kanto
/// institutions with plans, which the FSA reads each once across pages and the Kinki bureau
/// never sees.
#[tokio::test]
async fn contingency_plans_page_by_institution() {
    use deltawall_domain::exercise::Scenario;
    use deltawall_domain::exercise::plan::PlanVersion;
    let app = TestApp::new().await;
    let admin = app.fsa.as_role(Role::Admin);
    let mut orgs = Vec::new();
    for n in 0..5 {
        let body = json!({"name_ja": format!("関東銀行{n}"), "name_en": format!("Kanto Bank {n}"),
            "kind": "institution", "business_type": "regional_bank", "region": "kanto"});
        let r = app.json(Method::POST, "/api/v1/orgs", &admin, &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        orgs.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let mut tx = app.db.store.write().await.unwrap();
    for org in &orgs {
        for version in 1..=2 {
            let plan = PlanVersion {
                org_id: org.clone(),
                version,
                adopted_at_us: 1,
                scenarios: vec![Scenario::Ddos],
                roles: vec![],
                internal_contacts: vec![],
                external_contacts: vec![],
                objectives: vec![],
                requirement_ids: vec![],
            };
            deltawall_store::exercises::plans::add_version(&mut tx, &plan, "admin", 1)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
    let list = ObjectList {
        api: "/api/v1/contingency-plans".into(),
        page: "/contingency-plans".into(),
        api_query: "",
        page_query: "",
        rows: "/statuses",
        id: "/org_id",
        reader: app.fsa.as_role(Role::Staff),
    };
    object_pages_each_row_once(&app, &list).await;
    // Each page carries the versions of its own institutions only.
    let first = app
        .get("/api/v1/contingency-plans?limit=2", &list.reader)
        .await
        .json();
    let on_page: BTreeSet<&str> = first["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["org_id"].as_str().unwrap())
        .collect();
    let versions = first["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 4, "{first}");
    assert!(
        versions
            .iter()
            .all(|v| on_page.contains(v["org_id"].as_str().unwrap()))
    );
    let kinki = app.kinki.as_role(Role::Staff);
    let theirs = app.get("/api/v1/contingency-plans", &kinki).await.json();
    assert_eq!(theirs["statuses"], json!([]), "{theirs}");
}
