//! Small configuration lists page in the API with the same cursor as every other list
//! (issue 19): API tokens, catalog editions and mapping sets. Each row once across pages in
//! the whole list's order, the next link keeping the request's other parameters, forged
//! cursors refused, and another tenant's rows never shown.

use crate::paging::{PagedList, follow, next_link, pages_each_row_once, shows, swap_types};
use crate::util::{PASSWORD, TestApp, Who};
use axum::http::{Method, StatusCode, header};
use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
use deltawall_domain::crosswalk::{Entry, Relationship};
use deltawall_domain::role::Role;
use deltawall_store::assessments;
use deltawall_store::mappings::{self, NewMappingSet};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Pages through `api` two rows a page as `reader`, who sees exactly `count` rows: each
/// once, in the whole list's order; the outsider sees exactly `theirs` rows, of which only
/// `shared` (rows every tenant sees) are the reader's; forged cursors are refused before
/// the database.
async fn api_pages_each_row_once(
    app: &TestApp,
    api: &str,
    (reader, count): (&Who, usize),
    (outsider, theirs, shared): (&Who, usize, usize),
) {
    let first = format!("{api}?limit=2");
    let (ids, pages) = follow(app, reader, &first, "/id").await;
    assert_eq!(pages, count.div_ceil(2), "{api}: {ids:?}");
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), count, "{api}: {ids:?}");
    let whole: Vec<String> = app
        .get(api, reader)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, whole, "{api}: the pages keep the list's order");
    let (other, _) = follow(app, outsider, &first, "/id").await;
    assert_eq!(other.len(), theirs, "{api}: {other:?}");
    assert_eq!(
        other.iter().filter(|id| unique.contains(id)).count(),
        shared,
        "{api}: the outsider sees only the rows every tenant sees"
    );

    let r = app.get(&first, reader).await;
    let link = r.headers[header::LINK].to_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("<{first}&cursor=")), "{link}");
    let cursor = &link[link.find("cursor=").unwrap() + 7..link.find('>').unwrap()];
    for bad in ["zz", "7b7d", "5b315d", &swap_types(cursor)] {
        let r = app.get(&format!("{api}?cursor={bad}"), reader).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{api}: {bad}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], "cursor");
    }
}

#[tokio::test]
async fn api_tokens_page_with_a_cursor() {
    let app = TestApp::new().await;
    let (a, b) = (app.a.as_role(Role::Admin), app.b.as_role(Role::Admin));
    let issue = |i: usize| {
        json!({"name": format!("siem-{i}"), "scope": "read", "days": 30,
            "current_password": PASSWORD})
    };
    let list = PagedList {
        api: "/api/v1/tokens",
        page: "/tokens",
        query: "",
        id: "/id",
        body: None,
        reader: |app| app.a.as_role(Role::Admin),
        outsider: |app| app.b.as_role(Role::Admin),
    };
    for i in 0..5 {
        let r = app.json(Method::POST, list.api, &a, &issue(i)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    pages_each_row_once(&app, &list).await;
    let r = app.json(Method::POST, list.api, &b, &issue(9)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    api_pages_each_row_once(&app, list.api, (&a, 5), (&b, 1, 0)).await;
}

fn entry() -> Entry {
    Entry {
        from: "FSA-BE1-01".into(),
        to: "FSA-BE1-01".into(),
        relationship: Relationship::Equal,
        strength: 8,
        rationale: "same duty".into(),
    }
}

/// Four editions and five mapping sets of institution A's own, beside the built-in edition
/// every tenant sees: B sees the built-in edition and no set.
#[tokio::test]
async fn catalogs_and_mapping_sets_page_with_a_cursor() {
    let app = TestApp::new().await;
    let (a, b) = (app.a.as_role(Role::Staff), app.b.as_role(Role::Staff));
    // The built-in edition is stored on first read.
    let r = app.get("/api/v1/posture/catalogs", &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let builtin = r.json()[0]["id"].as_str().unwrap().to_owned();
    let doc = fsa_2020_viewpoints().unwrap();
    let user = &app.a.user_ids[&Role::Admin];
    let mut tx = app.db.store.write().await.unwrap();
    let mut own = Vec::new();
    for n in 0..4 {
        let mut imported = doc.clone();
        imported.id = format!("imported-by-a-{n}");
        let (id, _) = assessments::insert_catalog(&mut tx, &imported, Some(user), 10 + n)
            .await
            .unwrap();
        mappings::grant_catalog(&mut tx, &id, &app.a.org_id, 10 + n)
            .await
            .unwrap();
        own.push(id);
    }
    for n in 0..5 {
        let new = NewMappingSet {
            title: format!("A's set {n}"),
            from_catalog: builtin.clone(),
            to_catalog: own[0].clone(),
            provenance: "test".into(),
            fingerprint: format!("fingerprint {n}"),
            owner_org: Some(app.a.org_id.clone()),
            imported_by: Some(user.clone()),
        };
        mappings::insert_set(&mut tx, &new, &[entry()], 20)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    api_pages_each_row_once(&app, "/api/v1/posture/catalogs", (&a, 5), (&b, 1, 1)).await;
    let theirs: Vec<Value> =
        serde_json::from_str(&app.get("/api/v1/posture/catalogs", &b).await.body).unwrap();
    assert_eq!(theirs[0]["id"], builtin.as_str());
    api_pages_each_row_once(&app, "/api/v1/posture/mappings", (&a, 5), (&b, 0, 0)).await;
    let sets = PagedList {
        api: "/api/v1/posture/mappings",
        page: "/posture/mappings",
        query: "",
        id: "/id",
        body: None,
        reader: |app| app.a.as_role(Role::Staff),
        outsider: |app| app.b.as_role(Role::Staff),
    };
    pages_each_row_once(&app, &sets).await;

    // The page keeps the API's order (oldest first: the imports above are dated 10–13 µs).
    let editions: Vec<String> = app
        .get("/api/v1/posture/catalogs", &a)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(editions.len(), 5);
    assert!(own.iter().all(|id| editions.contains(id)));
    assert_eq!(
        page_walk(&app, &a, "/posture/catalogs?limit=2", &editions).await,
        (3, editions.clone())
    );
    assert_eq!(
        page_walk(&app, &b, "/posture/catalogs?limit=2", &editions).await,
        (1, vec![builtin])
    );
    let r = app.get("/posture/catalogs?cursor=zz", &a).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

/// Follows a page's next links from `first` as `who`: how many pages, and which of `ids`
/// they show, in order, each once.
async fn page_walk(app: &TestApp, who: &Who, first: &str, ids: &[String]) -> (usize, Vec<String>) {
    let (mut url, mut pages, mut seen) = (Some(first.to_owned()), 0, Vec::<String>::new());
    while let Some(u) = url.take() {
        let page = app.get(&u, who).await;
        assert_eq!(page.status, StatusCode::OK, "{u}");
        for id in ids.iter().filter(|id| shows(&page.body, id)) {
            assert!(!seen.contains(id), "{u} repeats {id}");
            seen.push(id.clone());
        }
        pages += 1;
        url = next_link(&page.body);
    }
    (pages, seen)
}

/// The sharing home pages by trust group: three roots with a collection granted to A and
/// one granted to B only; A reads its three across pages, each once, and never B's.
#[tokio::test]
async fn the_sharing_home_pages_by_trust_group() {
    use deltawall_store::sharing::{self, ApiRoot, Grant, NewGrant};
    let app = TestApp::new().await;
    let mut tx = app.db.store.write().await.unwrap();
    for (id, grantee) in [
        ("group-a1", &app.a.org_id),
        ("group-a2", &app.a.org_id),
        ("group-b", &app.b.org_id),
        ("group-a3", &app.a.org_id),
    ] {
        let root = ApiRoot {
            id: id.into(),
            title: format!("Trust group {id}"),
            description: None,
            kind: "isac".into(),
            created_at: 1,
            closed_at: None,
        };
        sharing::create_root(&mut tx, &root).await.unwrap();
        let grant = NewGrant {
            grantee: grantee.clone(),
            grant: Grant {
                can_read: true,
                can_write: false,
                recipient: false,
            },
        };
        sharing::create_collection(&mut tx, id, "shared", None, None, &[grant], 1)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    for (who, expected) in [
        (
            app.a.as_role(Role::Staff),
            vec!["group-a1", "group-a2", "group-a3"],
        ),
        (app.b.as_role(Role::Staff), vec!["group-b"]),
    ] {
        let mut url = Some("/sharing?limit=1".to_owned());
        let mut seen = Vec::new();
        while let Some(u) = url.take() {
            let page = app.get(&u, &who).await;
            assert_eq!(page.status, StatusCode::OK, "{u}");
            for id in ["group-a1", "group-a2", "group-a3", "group-b"] {
                if page.body.contains(&format!("data-id=\"{id}\"")) {
                    seen.push(id);
                }
            }
            url = crate::paging::next_link(&page.body);
            if let Some(n) = &url {
                assert!(n.starts_with("/sharing?limit=1&cursor="), "{n}");
            }
        }
        assert_eq!(seen, expected);
    }
    let r = app
        .get("/sharing?cursor=zz", &app.a.as_role(Role::Staff))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The trust groups in the API page by root with the same cursor: A reads the five it holds
/// a grant in, each once with its collection, and never B's.
#[tokio::test]
async fn trust_groups_page_in_the_api() {
    use deltawall_store::sharing::{self, ApiRoot, Grant, NewGrant};
    let app = TestApp::new().await;
    let mut tx = app.db.store.write().await.unwrap();
    for (n, grantee) in [
        &app.a.org_id,
        &app.a.org_id,
        &app.b.org_id,
        &app.a.org_id,
        &app.a.org_id,
        &app.a.org_id,
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("paged-{n}");
        let root = ApiRoot {
            id: id.clone(),
            title: format!("Trust group {n}"),
            description: None,
            kind: "isac".into(),
            created_at: 1,
            closed_at: None,
        };
        sharing::create_root(&mut tx, &root).await.unwrap();
        let grant = NewGrant {
            grantee: grantee.clone(),
            grant: Grant {
                can_read: true,
                can_write: n % 2 == 0,
                recipient: false,
            },
        };
        sharing::create_collection(&mut tx, &id, "shared", None, None, &[grant], 1)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let (a, b) = (app.a.as_role(Role::Staff), app.b.as_role(Role::Staff));
    api_pages_each_row_once(&app, "/api/v1/sharing/roots", (&a, 5), (&b, 1, 0)).await;
    let theirs = app.get("/api/v1/sharing/roots", &b).await.json();
    assert_eq!(theirs[0]["id"], "paged-2");
    assert_eq!(theirs[0]["collections"][0]["can_write"], true);
    assert_eq!(theirs[0]["collections"][0]["title"], "shared");
}
