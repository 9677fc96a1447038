//! An organisation's users page with a cursor, in the API (`Link: rel="next"`, a JSON
//! array) and in the page (a "next page" link): every account is seen once in login order,
//! another tenant's accounts never appear, and a forged cursor is refused.

use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;
use serde_json::{Value, json};

/// The logins of every page from `first` on, following `Link: rel="next"`, and the number
/// of pages.
async fn follow(app: &TestApp, who: &Who, first: &str) -> (Vec<String>, usize) {
    let mut url = Some(first.to_owned());
    let (mut seen, mut pages) = (Vec::new(), 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, who).await;
        assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.body);
        let rows: Vec<Value> = serde_json::from_str(&r.body).unwrap();
        assert!(rows.len() <= 2, "{u}");
        seen.extend(rows.iter().map(|v| v["login"].as_str().unwrap().to_owned()));
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
async fn an_organisations_users_page_by_login() {
    let app = TestApp::new().await;
    let admin = app.a.as_role(Role::Admin);
    let path = format!("/api/v1/orgs/{}/users", app.a.org_id);
    for login in ["pg-c", "pg-a", "pg-b"] {
        let body = json!({"login": login, "display_name": login, "role": "staff",
            "password": "correct horse battery"});
        let r = app.json(Method::POST, &path, &admin, &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let whole: Vec<String> = app
        .get(&path, &admin)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = whole.clone();
    sorted.sort();
    assert_eq!(whole, sorted, "by login");
    assert!(
        whole.len() >= 7,
        "four role accounts and three new: {whole:?}"
    );
    let (paged, pages) = follow(&app, &admin, &format!("{path}?limit=2")).await;
    assert_eq!(paged, whole, "each account once, in order");
    assert_eq!(pages, whole.len().div_ceil(2));

    // Institution B's administrator cannot list A's accounts, and A's list holds none of B's.
    let b_logins = app
        .get(
            &format!("/api/v1/orgs/{}/users", app.b.org_id),
            &app.b.as_role(Role::Admin),
        )
        .await
        .json();
    for u in b_logins.as_array().unwrap() {
        let login = u["login"].as_str().unwrap();
        assert!(!whole.iter().any(|w| w == login), "{login}");
    }
    let foreign = app.get(&path, &app.b.as_role(Role::Admin)).await;
    assert!(foreign.status.is_client_error(), "{}", foreign.status);

    for bad in ["zz", "7b7d", "5b315d"] {
        let r = app.get(&format!("{path}?cursor={bad}"), &admin).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }

    let page = app
        .get(&format!("/orgs/{}/users?limit=2", app.a.org_id), &admin)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"pager-next\""), "a next-page link");
    assert!(
        page.body.contains(&format!(">{}<", whole[0])),
        "the first login"
    );
    assert!(
        !page.body.contains(&format!(">{}<", whole[2])),
        "not the third"
    );
}
