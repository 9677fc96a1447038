//! Two supervision lists that were read whole now page with a cursor (issue 19): the
//! reminders an institution was sent (`/tasks/reminders`, the inbox keeping the latest ten)
//! and the requests a benchmark can be drawn from (`/benchmarks/sources`, the selector of
//! `/benchmarks` keeping the latest twenty). Each row once across pages in order, forged
//! cursors refused, the other institution never sees a row, and the sources keep the reach
//! of requests: a bureau its region's, an institution those it was asked.

use crate::paging::{PagedList, follow, pages_each_row_once};
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use deltawall_store::sup_reminders::{self, Subject};
use serde_json::{Value, json};

async fn send(app: &TestApp, body: &Value) -> String {
    let r = app
        .json(
            Method::POST,
            "/api/v1/supervision/requests",
            &app.fsa.as_role(Role::Staff),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

/// Records reminders as the sweep does: `(subject, subject id, institution, reminder, at)`.
async fn remind(app: &TestApp, rows: &[(Subject, &str, &str, &str, i64)]) {
    let mut tx = app.db.store.write().await.unwrap();
    for (subject, id, org, text, at) in rows {
        assert!(
            sup_reminders::record(&mut tx, *subject, id, org, text, *at)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
}

fn institution_b(app: &TestApp) -> Who {
    app.b.as_role(Role::Staff)
}

fn institution_a(app: &TestApp) -> Who {
    app.a.as_role(Role::Staff)
}

#[tokio::test]
async fn an_institutions_reminders_page_with_a_cursor() {
    let app = TestApp::new().await;
    // Five requests to the Kanto institutions (B only), one reminder each, three of them
    // recorded in the same microsecond.
    let mut requests = Vec::new();
    for _ in 0..5 {
        requests.push(send(&app, &crate::access_sup_requests::request_json()).await);
    }
    let b = app.b.org_id.clone();
    let rows: Vec<_> = requests
        .iter()
        .zip([10, 20, 20, 20, 30])
        .map(|(r, at)| (Subject::Request, r.as_str(), b.as_str(), "r1", at))
        .collect();
    remind(&app, &rows).await;
    // Each reminder names B's task of its request and links to it: the rows' ids.
    let list = PagedList {
        api: "/api/v1/tasks/reminders",
        page: "/tasks/reminders",
        query: "",
        id: "/task_id",
        body: None,
        reader: institution_b,
        outsider: institution_a,
    };
    pages_each_row_once(&app, &list).await;

    // A reminder of A's own: A sees it alone, B still only its five.
    remind(&app, &[(Subject::Alert, "al-a", &app.a.org_id, "r1", 40)]).await;
    let (a, b_who) = (institution_a(&app), institution_b(&app));
    let mine = app.get("/api/v1/tasks/reminders", &a).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["org_id"], app.a.org_id.as_str());
    assert!(mine[0]["task_id"].is_null());
    let page = app.get("/tasks/reminders", &a).await.body;
    assert!(page.contains("href=\"/alerts/al-a\""), "{page}");
    let (theirs, _) = follow(&app, &b_who, "/api/v1/tasks/reminders?limit=2", "/org_id").await;
    assert_eq!(theirs, vec![b.clone(); 5]);

    // The inbox keeps the latest ten and links to the rest once there are more.
    let inbox = app.get("/api/v1/tasks", &b_who).await.json();
    assert_eq!(inbox["reminders"].as_array().unwrap().len(), 5);
    assert_eq!(inbox["more_reminders"], false);
    assert!(
        !app.get("/requests", &b_who)
            .await
            .body
            .contains("id=\"reminders-all\"")
    );
    let more: Vec<String> = (0..6).map(|i| format!("r{}", i + 2)).collect();
    let rows: Vec<_> = more
        .iter()
        .map(|t| {
            (
                Subject::Request,
                requests[0].as_str(),
                b.as_str(),
                t.as_str(),
                50,
            )
        })
        .collect();
    remind(&app, &rows).await;
    let inbox = app.get("/api/v1/tasks", &b_who).await.json();
    let latest = inbox["reminders"].as_array().unwrap();
    assert_eq!(latest.len(), 10);
    assert_eq!(inbox["more_reminders"], true);
    let whole = app.get("/api/v1/tasks/reminders", &b_who).await.json();
    assert_eq!(
        &whole.as_array().unwrap()[..10],
        &latest[..],
        "the latest ten"
    );
    let page = app.get("/requests", &b_who).await.body;
    assert!(page.contains("href=\"/tasks/reminders\""), "{page}");

    // A supervisor receives no reminders: refused as the inbox refuses it.
    let fsa = app.fsa.as_role(Role::Staff);
    let inbox = app.get("/api/v1/tasks", &fsa).await.status;
    assert_eq!(inbox, StatusCode::FORBIDDEN);
    for path in ["/api/v1/tasks/reminders", "/tasks/reminders"] {
        assert_eq!(app.get(path, &fsa).await.status, inbox, "{path}");
    }
}

/// A request asking the built-in catalog's first requirement of `population`.
async fn requirements(app: &TestApp, title: &str, population: Value) -> String {
    let (_, catalog) = deltawall_app::posture::assessments::builtin_catalog(&app.db.store)
        .await
        .unwrap();
    send(
        app,
        &json!({
            "title_ja": format!("{title}（要請）"), "title_en": title,
            "asked": {"kind": "requirements", "catalog_id": catalog.id,
                "requirement_ids": ["FSA-BE1-01"]},
            "population": population,
            "deadline": "2099-12-31",
        }),
    )
    .await
}

/// The ids of every source `who` may pick, through the API's pages.
async fn sources(app: &TestApp, who: &Who) -> Vec<String> {
    follow(app, who, "/api/v1/benchmarks/sources?limit=2", "/id")
        .await
        .0
}

#[tokio::test]
async fn benchmark_sources_page_within_reach() {
    let app = TestApp::new().await;
    let kanto = json!({"filter": {"regions": ["kanto"]}});
    let mut to_b = Vec::new();
    for i in 0..5 {
        to_b.push(requirements(&app, &format!("kanto {i}"), kanto.clone()).await);
    }
    // A questionnaire is never a source.
    let questionnaire = send(&app, &crate::access_sup_requests::request_json()).await;
    // The FSA sees the five, the Kinki bureau none of them (they reach Kanto only).
    let list = PagedList {
        api: "/api/v1/benchmarks/sources",
        page: "/benchmarks/sources",
        query: "",
        id: "/id",
        body: None,
        reader: |app| app.fsa.as_role(Role::Staff),
        outsider: |app| app.kinki.as_role(Role::Staff),
    };
    pages_each_row_once(&app, &list).await;
    let page = app
        .get("/benchmarks/sources", &app.fsa.as_role(Role::Staff))
        .await;
    assert!(
        page.body
            .contains(&format!("href=\"/benchmarks?request={}\"", to_b[4]))
    );
    // Titled in the reader's language (Japanese by default).
    assert!(page.body.contains(">kanto 4（要請）<"), "{}", page.body);

    // One to Kinki (A): the bureau sees it alone; each institution only those it was asked.
    let to_a = requirements(&app, "kinki", json!({"filter": {"regions": ["kinki"]}})).await;
    let newest_first = |mut v: Vec<String>| {
        v.reverse();
        v
    };
    let mut all = to_b.clone();
    all.push(to_a.clone());
    let fsa = sources(&app, &app.fsa.as_role(Role::Staff)).await;
    assert_eq!(fsa, newest_first(all));
    let kinki = sources(&app, &app.kinki.as_role(Role::Staff)).await;
    assert_eq!(kinki, std::slice::from_ref(&to_a));
    let a = sources(&app, &institution_a(&app)).await;
    assert_eq!(a, std::slice::from_ref(&to_a));
    let b = sources(&app, &institution_b(&app)).await;
    assert_eq!(b, newest_first(to_b.clone()));
    assert!(!fsa.contains(&questionnaire) && !b.contains(&questionnaire));
}

#[tokio::test]
async fn the_benchmark_selector_offers_the_latest_twenty() {
    let app = TestApp::new().await;
    let kanto = json!({"filter": {"regions": ["kanto"]}});
    let mut ids = Vec::new();
    for i in 0..21 {
        ids.push(requirements(&app, &format!("source {i}"), kanto.clone()).await);
    }
    let fsa = app.fsa.as_role(Role::Staff);
    let page = app.get("/benchmarks", &fsa).await.body;
    let offered = |page: &str, id: &str| page.contains(&format!("value=\"{id}\""));
    assert!(
        ids[1..].iter().all(|id| offered(&page, id)),
        "the latest twenty"
    );
    assert!(!offered(&page, &ids[0]), "not the oldest");
    assert!(page.contains("href=\"/benchmarks/sources\""));
    // The oldest, picked on the list of all sources, is shown selected.
    let page = app
        .get(&format!("/benchmarks?request={}", ids[0]), &fsa)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("value=\"{}\" selected", ids[0])),
        "{}",
        page.body
    );
    // With twenty or fewer there is nothing more to list.
    let b_page = app.get("/benchmarks", &institution_b(&app)).await.body;
    assert!(
        b_page.contains("href=\"/benchmarks/sources\""),
        "B was asked all 21"
    );
    let a_page = app.get("/benchmarks", &institution_a(&app)).await.body;
    assert!(!a_page.contains("href=\"/benchmarks/sources\""));
}
