//! Long posture lists page with a cursor, in the API (`Link: rel="next"`) and in the pages
//! (a "next page" link), keeping their filters; every row is seen exactly once, another
//! tenant's rows never appear, and a forged cursor is refused.

use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn risks(app: &TestApp, who: &Who, n: usize, prefix: &str) {
    for i in 0..n {
        let body = json!({"title": format!("{prefix}{i}"), "inherent_likelihood": 3, "inherent_impact": 3,
            "residual_likelihood": 1 + (i % 5) as i64, "residual_impact": 2, "owner": "x",
            "treatment": "accept", "review_on": "2026-12-31"});
        let r = app
            .json(Method::POST, "/api/v1/posture/risks", who, &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
}

/// Follows `Link: rel="next"` from `first`, returning every row's value at the JSON pointer
/// `field` (`/title`) in order, and the number of pages.
pub(crate) async fn follow(
    app: &TestApp,
    who: &Who,
    first: &str,
    field: &str,
) -> (Vec<String>, usize) {
    let mut url = Some(first.to_owned());
    let (mut seen, mut pages) = (Vec::new(), 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, who).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.body);
        let rows: Vec<Value> = serde_json::from_str(&r.body).unwrap();
        assert!(rows.len() <= 2, "{u}");
        seen.extend(
            rows.iter()
                .map(|v| v.pointer(field).unwrap().as_str().unwrap().to_owned()),
        );
        pages += 1;
        url = r.headers.get(header::LINK).map(|l| {
            let l = l.to_str().unwrap();
            assert!(l.ends_with("; rel=\"next\""), "{l}");
            l[1..l.find('>').unwrap()].to_owned()
        });
    }
    (seen, pages)
}

#[tokio::test]
async fn the_api_pages_with_a_cursor_and_keeps_filters() {
    let app = TestApp::new().await;
    let a = app.a.as_role(Role::Staff);
    risks(&app, &a, 5, "a-risk-").await;
    risks(&app, &app.b.as_role(Role::Staff), 3, "b-risk-").await;
    let (titles, pages) = follow(&app, &a, "/api/v1/posture/risks?limit=2", "/title").await;
    assert_eq!(pages, 3);
    let unique: BTreeSet<_> = titles.iter().collect();
    assert_eq!(unique.len(), 5, "{titles:?}");
    assert!(
        titles.iter().all(|t| t.starts_with("a-risk-")),
        "{titles:?}"
    );
    // Highest residual score first, across pages.
    let all = app.get("/api/v1/posture/risks", &a).await.json();
    let whole: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, whole);

    for i in 0..3 {
        let body = json!({"title": format!("f{i}"), "description": "x", "severity": "low",
            "owner_user": app.a.user_ids[&Role::Staff]});
        let r = app
            .json(Method::POST, "/api/v1/posture/findings", &a, &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/posture/findings/{id}/transitions");
        let issued = app
            .json(Method::POST, &path, &a, &json!({"command": "issue"}))
            .await;
        assert!(issued.status.is_success(), "{}", issued.body);
    }
    let draft = json!({"title": "draft", "description": "x", "severity": "low",
        "owner_user": app.a.user_ids[&Role::Staff]});
    let r = app
        .json(Method::POST, "/api/v1/posture/findings", &a, &draft)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (open, pages) = follow(
        &app,
        &a,
        "/api/v1/posture/findings?open=true&limit=2",
        "/title",
    )
    .await;
    assert_eq!(
        (open.len(), pages),
        (3, 2),
        "the draft is filtered out on every page: {open:?}"
    );
    let first = app
        .get("/api/v1/posture/findings?open=true&limit=2", &a)
        .await;
    let link = first.headers[header::LINK].to_str().unwrap().to_owned();
    assert!(
        link.starts_with("</api/v1/posture/findings?open=true&limit=2&cursor="),
        "{link}"
    );

    for bad in ["zz", "7b7d", "5b315d"] {
        let r = app
            .get(&format!("/api/v1/posture/risks?cursor={bad}"), &a)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], "cursor");
    }
}

#[tokio::test]
async fn the_pages_link_to_the_next_page_and_back() {
    let app = TestApp::new().await;
    let a = app.a.as_role(Role::Staff);
    risks(&app, &a, 3, "r").await;
    let page = app.get("/posture/risks?limit=2", &a).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let start = body.find("id=\"pager-next\"").expect("a next link");
    let href_at = body[..start].rfind("href=\"").unwrap() + 6;
    let next = body[href_at..href_at + body[href_at..].find('"').unwrap()].replace("&#38;", "&");
    assert!(next.starts_with("/posture/risks?limit=2&cursor="), "{next}");
    let second = app.get(&next, &a).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(!second.body.contains("id=\"pager-next\""));
    assert!(second.body.contains("rel=\"first\""));
    for path in ["/posture", "/posture/findings", "/posture/evidence"] {
        let r = app.get(&format!("{path}?limit=1&cursor=zz"), &a).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
}

/// A list that pages: where it is read and written in the API, its page, the JSON pointer
/// of a row's id, the body that adds one row, who adds and reads the rows, and who is out of
/// their reach and must never see one.
pub(crate) struct PagedList {
    pub api: &'static str,
    pub page: &'static str,
    /// Filters every page asks for (`key=value&`), which the next links must keep.
    pub query: &'static str,
    pub id: &'static str,
    /// The body that adds one row at `api`; `None` when the test adds the rows itself.
    pub body: Option<fn(&TestApp) -> Value>,
    pub reader: fn(&TestApp) -> Who,
    pub outsider: fn(&TestApp) -> Who,
}

fn fsa(app: &TestApp) -> Who {
    app.fsa.as_role(Role::Staff)
}

/// The Kinki bureau: every supervisor row below targets institution B in Kanto.
fn kinki(app: &TestApp) -> Who {
    app.kinki.as_role(Role::Staff)
}

const PAGED_LISTS: &[PagedList] = &[
    // Institution A's reported incidents (the sector figures' rows), which B never sees;
    // first, as an incident case (below) adds its row to them too.
    PagedList {
        api: "/api/v1/incidents",
        page: "/incidents",
        query: "",
        id: "/id",
        body: Some(|_| {
            json!({"occurred_on": "2026-02-03", "attack_type": "ddos", "severity": "high",
                "summary": "ddos"})
        }),
        reader: |app| app.a.as_role(Role::Staff),
        outsider: |app| app.b.as_role(Role::Staff),
    },
    PagedList {
        api: "/api/v1/supervision/requests",
        page: "/requests",
        query: "",
        id: "/request/id",
        body: Some(|_| crate::access_sup_requests::request_json()),
        reader: fsa,
        outsider: kinki,
    },
    PagedList {
        api: "/api/v1/supervision/alerts",
        page: "/alerts",
        query: "",
        id: "/alert/id",
        body: Some(|_| crate::access_sup_requests::alert_json()),
        reader: fsa,
        outsider: kinki,
    },
    PagedList {
        api: "/api/v1/supervision/engagements",
        page: "/supervision/engagements",
        query: "",
        id: "/id",
        body: Some(|app| {
            json!({"org_id": app.b.org_id, "method": "dialogue", "viewpoints": ["FSA-BE1"],
                "planned_on": "2026-06-01"})
        }),
        reader: fsa,
        outsider: kinki,
    },
    PagedList {
        api: "/api/v1/incidents/cases",
        page: "/incidents/cases",
        query: "",
        id: "/id",
        body: Some(|_| crate::incidents::case_json()),
        reader: |app| app.a.as_role(Role::Staff),
        outsider: |app| app.b.as_role(Role::Staff),
    },
    // The FSA's rooms whose only member is B: institution A is in none of them.
    PagedList {
        api: "/api/v1/coordination/rooms",
        page: "/coordination",
        query: "",
        id: "/id",
        body: Some(
            |app| json!({"title_ja": "ランサム DDoS", "category": "ddos", "members": [app.b.org_id]}),
        ),
        reader: fsa,
        outsider: |app| app.a.as_role(Role::Staff),
    },
    // The FSA's exercise editions, which no institution plays yet.
    PagedList {
        api: "/api/v1/exercises/editions",
        page: "/exercises/editions",
        query: "",
        id: "/exercise_id",
        body: Some(|_| crate::exercises::edition_json()),
        reader: fsa,
        outsider: |app| app.a.as_role(Role::Staff),
    },
    // Institution A's outsourcing contracts, which B never sees.
    PagedList {
        api: "/api/v1/vulnerabilities/contracts",
        page: "/vulnerabilities/contracts",
        query: "",
        id: "/id",
        body: Some(|_| crate::access_vuln_tp::contract_json()),
        reader: |app| app.a.as_role(Role::Staff),
        outsider: |app| app.b.as_role(Role::Staff),
    },
    // The filters select only the new institutions, in a region the Kinki bureau does not
    // reach.
    PagedList {
        api: "/api/v1/orgs",
        page: "/orgs",
        query: "kind=institution&region=tohoku&",
        id: "/id",
        body: Some(|_| {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json!({"name_ja": format!("東北銀行{n}"), "name_en": format!("Tohoku Bank {n}"),
                "kind": "institution", "business_type": "regional_bank", "region": "tohoku"})
        }),
        reader: |app| app.fsa.as_role(Role::Admin),
        outsider: kinki,
    },
];

/// A cursor handed out by a list with every value's type swapped (an integer for a text,
/// a text for an integer), encoded the way the list encodes its cursors.
pub(crate) fn swap_types(cursor: &str) -> String {
    let bytes: Vec<u8> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16).unwrap())
        .collect();
    let keys: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let swapped: Vec<Value> = keys
        .iter()
        .map(|k| if k.is_string() { json!(7) } else { json!("7") })
        .collect();
    let json = serde_json::to_string(&swapped).unwrap();
    json.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The `href` of the "next page" link of a page, when it has one.
pub(crate) fn next_link(body: &str) -> Option<String> {
    let start = body.find("id=\"pager-next\"")?;
    let href_at = body[..start].rfind("href=\"").unwrap() + 6;
    Some(
        body[href_at..href_at + body[href_at..].find('"').unwrap()]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

#[tokio::test]
async fn every_paged_list_shows_each_row_once_within_reach() {
    let app = TestApp::new().await;
    for list in PAGED_LISTS {
        let reader = (list.reader)(&app);
        for _ in 0..5 {
            let body = (list.body.expect("a body for the row"))(&app);
            let r = app.json(Method::POST, list.api, &reader, &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", list.api, r.body);
        }
        pages_each_row_once(&app, list).await;
    }
}

/// The regulator reports in the supervisor's review list: five first reports of five cases
/// of institution A, which the FSA reads and B never sees.
#[tokio::test]
async fn the_review_list_of_reports_pages_with_a_cursor() {
    let app = TestApp::new().await;
    let (staff, exec) = (app.a.as_role(Role::Staff), app.a.as_role(Role::Executive));
    for _ in 0..5 {
        let r = app
            .json(
                Method::POST,
                "/api/v1/incidents/cases",
                &staff,
                &crate::incidents::case_json(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let case = r.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/incidents/cases/{case}/reports");
        let r = app
            .json(
                Method::POST,
                &path,
                &exec,
                &crate::incidents::first_report_json(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let list = PagedList {
        api: "/api/v1/incidents/reports",
        page: "/incidents/reports",
        query: "",
        id: "/id",
        body: None,
        reader: fsa,
        outsider: |app| app.b.as_role(Role::Staff),
    };
    pages_each_row_once(&app, &list).await;
}

/// Whether a page shows row `id`: a link to it, or a row marked with it where the row has
/// no page of its own.
pub(crate) fn shows(body: &str, id: &str) -> bool {
    body.contains(&format!("/{id}\"")) || body.contains(&format!("data-id=\"{id}\""))
}

/// Pages through `list`, which holds exactly five rows `reader` sees and none the outsider
/// does, in the API and in its page: each row once, in the whole list's order, filters kept
/// in every next link, forged cursors refused.
pub(crate) async fn pages_each_row_once(app: &TestApp, list: &PagedList) {
    let (reader, outsider) = ((list.reader)(app), (list.outsider)(app));
    let first = format!("{}?{}limit=2", list.api, list.query);
    let (ids, pages) = follow(app, &reader, &first, list.id).await;
    assert_eq!(pages, 3, "{}", list.api);
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 5, "{}: {ids:?}", list.api);
    let whole: Vec<String> = app
        .get(&format!("{}?{}", list.api, list.query), &reader)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer(list.id).unwrap().as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, whole, "{}: the pages keep the list's order", list.api);
    let (theirs, _) = follow(app, &outsider, &first, list.id).await;
    assert!(theirs.is_empty(), "{}: {theirs:?}", list.api);

    for bad in ["zz", "7b7d", "5b315d"] {
        let r = app
            .get(&format!("{}?cursor={bad}", list.api), &reader)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {bad}",
            list.api
        );
        assert_eq!(r.json()["error"]["field"], "cursor");
        let r = app
            .get(&format!("{}?cursor={bad}", list.page), &reader)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {bad}",
            list.page
        );
    }

    // A cursor of the right length whose values have the wrong types is refused
    // before it reaches the database, in the API and in the page.
    let link = app.get(&first, &reader).await.headers[header::LINK]
        .to_str()
        .unwrap()
        .to_owned();
    let swapped = swap_types(&link[link.find("cursor=").unwrap() + 7..link.find('>').unwrap()]);
    for base in [list.api, list.page] {
        let r = app
            .get(&format!("{base}?{}cursor={swapped}", list.query), &reader)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{base}: {}",
            r.body
        );
        assert!(
            r.body.contains("where the list sorts on"),
            "{base}: {}",
            r.body
        );
    }

    // The page: two rows, then the next page through its link, to the end.
    let mut url = Some(format!("{}?{}limit=2", list.page, list.query));
    let mut pages = 0;
    let mut seen = BTreeSet::new();
    while let Some(u) = url.take() {
        let page = app.get(&u, &reader).await;
        assert_eq!(page.status, StatusCode::OK, "{u}");
        for id in &ids {
            if shows(&page.body, id) {
                assert!(seen.insert(id.clone()), "{u} repeats {id}");
            }
        }
        pages += 1;
        url = next_link(&page.body);
        if let Some(n) = &url {
            assert!(
                n.starts_with(&format!("{}?{}limit=2&cursor=", list.page, list.query)),
                "{n}"
            );
        }
    }
    assert_eq!((pages, seen.len()), (3, 5), "{}", list.page);
}

/// The audit trail grows by every change, so it pages by its sequence number: each entry once,
/// newest first, the filter kept in the next link, another institution's entries never shown.
#[tokio::test]
async fn the_audit_trail_pages_with_a_cursor() {
    let app = TestApp::new().await;
    risks(&app, &app.a.as_role(Role::Staff), 5, "a-").await;
    risks(&app, &app.b.as_role(Role::Staff), 3, "b-").await;
    let (auditor, theirs) = (app.a.as_role(Role::Auditor), app.b.as_role(Role::Auditor));
    let first = "/api/v1/audit?action=risk.&limit=2";
    let (ids, pages) = follow(&app, &auditor, first, "/hash").await;
    assert_eq!(pages, 3);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "{ids:?}");
    let whole = app.get("/api/v1/audit?action=risk.", &auditor).await.json();
    let whole: Vec<&Value> = whole.as_array().unwrap().iter().collect();
    assert_eq!(whole.len(), 5);
    assert!(whole.iter().all(|e| e["org_id"] == app.a.org_id.as_str()));
    let seqs: Vec<i64> = whole.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    let in_order: Vec<&str> = whole.iter().map(|e| e["hash"].as_str().unwrap()).collect();
    assert_eq!(ids, in_order, "the pages keep the trail's order");
    let (b_ids, _) = follow(&app, &theirs, first, "/hash").await;
    assert_eq!(b_ids.len(), 3);
    assert!(b_ids.iter().all(|h| !ids.contains(h)), "B never sees A's");
    let link = app.get(first, &auditor).await.headers[header::LINK]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        link.starts_with("</api/v1/audit?action=risk.&limit=2&cursor="),
        "{link}"
    );
    for bad in ["zz", "7b7d", "5b312c325d"] {
        let r = app
            .get(&format!("/api/v1/audit?cursor={bad}"), &auditor)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(r.json()["error"]["field"], "cursor");
        let r = app.get(&format!("/audit?cursor={bad}"), &auditor).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // The page: two entries, then the next through its link, to the end, keeping the filter.
    let mut url = Some("/audit?action=risk.&limit=2".to_owned());
    let (mut pages, mut seen) = (0, 0);
    while let Some(u) = url.take() {
        let page = app.get(&u, &auditor).await;
        assert_eq!(page.status, StatusCode::OK, "{u}");
        seen += page.body.matches("<code>risk.create</code>").count();
        pages += 1;
        url = next_link(&page.body);
        if let Some(n) = &url {
            assert!(n.starts_with("/audit?action=risk.&limit=2&cursor="), "{n}");
        }
    }
    assert_eq!((pages, seen), (3, 5));
}

/// A list the API answers as an object: the rows at `rows`, the next page's cursor at
/// `/next` and in the `Link` header, as the indicators of a collection and an institution's
/// tasks are.
pub(crate) struct ObjectList {
    pub api: String,
    pub page: String,
    /// Filters every page asks for (`key=value&`), which the next links must keep.
    pub api_query: &'static str,
    pub page_query: &'static str,
    pub rows: &'static str,
    pub id: &'static str,
    pub reader: Who,
}

/// Follows `Link: rel="next"` from `first` through a list answered as an object, checking
/// that `/next` agrees with the header; returns every row's id and the number of pages.
async fn follow_object(app: &TestApp, list: &ObjectList, first: &str) -> (Vec<String>, usize) {
    let mut url = Some(first.to_owned());
    let (mut seen, mut pages) = (Vec::new(), 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, &list.reader).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.body);
        let body = r.json();
        let rows = body.pointer(list.rows).unwrap().as_array().unwrap();
        assert!(rows.len() <= 2, "{u}");
        seen.extend(
            rows.iter()
                .map(|v| v.pointer(list.id).unwrap().as_str().unwrap().to_owned()),
        );
        pages += 1;
        url = r.headers.get(header::LINK).map(|l| {
            let l = l.to_str().unwrap();
            l[1..l.find('>').unwrap()].to_owned()
        });
        let next = body["next"].as_str();
        assert_eq!(
            url.as_deref()
                .map(|u| u.ends_with(&format!("cursor={}", next.unwrap()))),
            next.map(|_| true),
            "{u}: the body's next and the Link header agree"
        );
    }
    (seen, pages)
}

#[tokio::test]
async fn lists_answered_as_objects_page_with_a_cursor() {
    let app = TestApp::new().await;
    let (shared, _, _) = crate::taxii::setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    // Five indicators added in one request share their `date_added`: the id orders them.
    let recent = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let indicators: Vec<Value> = (0..5)
        .map(|n| {
            let mut v = crate::taxii::indicator(700 + n, &recent, Some(crate::taxii::GREEN));
            v["created"] = recent.clone().into();
            v
        })
        .collect();
    crate::taxii::add(&app, &shared, &a, &indicators).await;
    // Five requests to the Kanto institutions: five tasks for B.
    for _ in 0..5 {
        let r = app
            .json(
                Method::POST,
                "/api/v1/supervision/requests",
                &fsa(&app),
                &crate::access_sup_requests::request_json(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let lists = [
        ObjectList {
            api: format!("/api/v1/sharing/roots/isac/collections/{shared}/indicators"),
            page: format!("/sharing/isac/{shared}"),
            api_query: "ended=true&",
            page_query: "type=indicator&ended=1&",
            rows: "/items",
            id: "/id",
            reader: a.clone(),
        },
        ObjectList {
            api: "/api/v1/tasks".into(),
            page: "/requests".into(),
            api_query: "",
            page_query: "",
            rows: "/tasks",
            id: "/task/id",
            reader: app.b.as_role(Role::Staff),
        },
    ];
    for list in &lists {
        object_pages_each_row_once(&app, list).await;
    }
}

/// Pages through `list`, which holds exactly five rows its reader sees, in the API and in
/// its page: each row once, in the whole list's order, filters kept in every next link,
/// forged cursors refused.
pub(crate) async fn object_pages_each_row_once(app: &TestApp, list: &ObjectList) {
    let first = format!("{}?{}limit=2", list.api, list.api_query);
    let (ids, pages) = follow_object(app, list, &first).await;
    assert_eq!(pages, 3, "{}", list.api);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "{ids:?}");
    let whole = app
        .get(&format!("{}?{}", list.api, list.api_query), &list.reader)
        .await
        .json();
    let whole: Vec<&str> = whole
        .pointer(list.rows)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer(list.id).unwrap().as_str().unwrap())
        .collect();
    assert_eq!(ids, whole, "{}: the pages keep the list's order", list.api);
    for bad in [
        "zz",
        "5b315d",
        &swap_types(&first_cursor(app, list, &first).await),
    ] {
        let r = app
            .get(&format!("{}?cursor={bad}", list.api), &list.reader)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {bad}",
            list.api
        );
        assert_eq!(r.json()["error"]["field"], "cursor");
    }

    // The page: two rows, then the next page through its link, filters kept, each once.
    let mut url = Some(format!("{}?{}limit=2", list.page, list.page_query));
    let (mut pages, mut seen) = (0, BTreeSet::new());
    while let Some(u) = url.take() {
        let page = app.get(&u, &list.reader).await;
        assert_eq!(page.status, StatusCode::OK, "{u}");
        for id in &ids {
            if shows(&page.body, id) {
                assert!(seen.insert(id.clone()), "{u} repeats {id}");
            }
        }
        pages += 1;
        url = next_link(&page.body);
        if let Some(n) = &url {
            let kept = format!("{}?{}limit=2&cursor=", list.page, list.page_query);
            assert!(n.starts_with(&kept), "{n}");
        }
    }
    assert_eq!((pages, seen.len()), (3, 5), "{}", list.page);
}

/// The cursor of the first page of `list` starting at `first`.
pub(crate) async fn first_cursor(app: &TestApp, list: &ObjectList, first: &str) -> String {
    let body = app.get(first, &list.reader).await.json();
    body["next"].as_str().unwrap().to_owned()
}

/// The alerts sent to an institution page in its API: five alerts to the Kanto
/// institutions, which B reads each once across pages and A, in Kinki, never sees.
#[tokio::test]
async fn an_institutions_alerts_page_with_a_cursor() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        let body = crate::access_sup_requests::alert_json();
        let r = app
            .json(
                Method::POST,
                "/api/v1/supervision/alerts",
                &fsa(&app),
                &body,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let (b, a) = (app.b.as_role(Role::Staff), app.a.as_role(Role::Staff));
    let first = "/api/v1/alerts?limit=2";
    let (ids, pages) = follow(&app, &b, first, "/alert/id").await;
    assert_eq!(pages, 3);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "{ids:?}");
    let whole = app.get("/api/v1/alerts", &b).await.json();
    let whole: Vec<&str> = whole
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["alert"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, whole, "the pages keep the list's order");
    let (theirs, _) = follow(&app, &a, first, "/alert/id").await;
    assert!(theirs.is_empty(), "{theirs:?}");
    for bad in ["zz", "7b7d", "5b315d"] {
        let r = app.get(&format!("/api/v1/alerts?cursor={bad}"), &b).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(r.json()["error"]["field"], "cursor");
    }
}
