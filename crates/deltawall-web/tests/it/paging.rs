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

/// Follows `Link: rel="next"` from `first`, returning every row's `field` in order.
async fn follow(app: &TestApp, who: &Who, first: &str, field: &str) -> (Vec<String>, usize) {
    let mut url = Some(first.to_owned());
    let (mut seen, mut pages) = (Vec::new(), 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, who).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.body);
        let rows: Vec<Value> = serde_json::from_str(&r.body).unwrap();
        assert!(rows.len() <= 2, "{u}");
        seen.extend(rows.iter().map(|v| v[field].as_str().unwrap().to_owned()));
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
    let (titles, pages) = follow(&app, &a, "/api/v1/posture/risks?limit=2", "title").await;
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
        "title",
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
