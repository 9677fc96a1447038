//! The detections inbox's groups by rule and key and a coordination room's relay messages
//! page with a cursor (issue 19): in the API (`Link: rel="next"`) and in their pages, each
//! row once in the list's order, filters kept in the next links, forged cursors refused, and
//! another institution never sees the groups or a room's messages or status history it is
//! not a member of.

use crate::detections::{alerts, send};
use crate::paging::{PagedList, follow, next_link, pages_each_row_once, swap_types};
use crate::security::token;
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Sends scan alerts for `who`'s institution with a fresh write token of its administrator.
async fn ingest(app: &TestApp, admin: &Who, body: String) {
    let writer = Who::Token(token(app, admin, "write").await);
    let r = send(app, &writer, "application/x-ndjson", body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.json()["rejected"], 0, "{}", r.body);
}

#[tokio::test]
async fn the_groups_page_with_a_cursor_within_the_institution() {
    let app = TestApp::new().await;
    let (a_admin, b_admin) = (app.a.as_role(Role::Admin), app.b.as_role(Role::Admin));
    // Five groups of the rule the pages filter on, three of another rule the filter leaves
    // out, and B's own groups, which A never sees (nor B A's: B has none of the rule).
    let mut body = alerts(5, "grp-rule", "high");
    body.push_str(&alerts(3, "other-rule", "low"));
    ingest(&app, &a_admin, body).await;
    ingest(&app, &b_admin, alerts(2, "b-rule", "high")).await;
    let list = PagedList {
        api: "/api/v1/detections/groups",
        page: "/detections/groups",
        query: "rule=grp-rule&",
        id: "/group_key",
        body: None,
        reader: |app| app.a.as_role(Role::Staff),
        outsider: |app| app.b.as_role(Role::Staff),
    };
    pages_each_row_once(&app, &list).await;

    let a = app.a.as_role(Role::Staff);
    let all = app.get("/api/v1/detections/groups", &a).await.json();
    let rules: BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["rule_key"].as_str().unwrap())
        .collect();
    assert_eq!(rules, BTreeSet::from(["grp-rule", "other-rule"]), "{all}");
    let theirs = app
        .get("/api/v1/detections/groups", &app.b.as_role(Role::Staff))
        .await
        .json();
    assert_eq!(theirs.as_array().unwrap().len(), 2, "{theirs}");
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["rule_key"] == "b-rule")
    );
    // Filters are checked by name, as in the detections list; supervisors have no inbox.
    let r = app.get("/api/v1/detections/groups?level=severe", &a).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "level");
    let r = app
        .get("/api/v1/detections/groups", &app.fsa.as_role(Role::Staff))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A cursor of the detections list is not one of the groups.
    let first = app.get("/api/v1/detections?limit=1", &a).await.json();
    let detections_cursor = first["next"].as_str().unwrap();
    let r = app
        .get(
            &format!("/api/v1/detections/groups?cursor={detections_cursor}"),
            &a,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "cursor");
}

/// The `data-id` rows of the inbox's groups table.
fn group_rows(body: &str) -> usize {
    let start = body.find("id=\"det-groups\"").expect("the groups table");
    let end = start + body[start..].find("</table>").unwrap();
    body[start..end].matches("data-id=").count()
}

#[tokio::test]
async fn the_inbox_shows_the_latest_groups_and_links_to_all_of_them() {
    let app = TestApp::new().await;
    let a = app.a.as_role(Role::Staff);
    let shown = deltawall_app::detections::GROUPS_SHOWN as usize;
    let mut body = alerts(shown + 5, "many", "high");
    body.push_str(&alerts(3, "few", "high"));
    ingest(&app, &app.a.as_role(Role::Admin), body).await;

    let inbox = app.get("/detections?rule=many&level=high", &a).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(group_rows(&inbox.body), shown);
    let start = inbox
        .body
        .find("id=\"det-all-groups\"")
        .expect("a link to all groups");
    let href_at = inbox.body[..start].rfind("href=\"").unwrap() + 6;
    let href = inbox.body[href_at..href_at + inbox.body[href_at..].find('"').unwrap()]
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert_eq!(href, "/detections/groups?rule=many&level=high");
    let all = app.get(&href, &a).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        group_rows(&all.body),
        shown + 5,
        "one page of the default size"
    );
    assert!(next_link(&all.body).is_none());
    // The form of the groups page filters the groups page.
    assert!(
        all.body.contains("action=\"/detections/groups\""),
        "{}",
        all.body
    );

    // Few groups: all of them shown, no link; B's inbox shows none of A's.
    let few = app.get("/detections?rule=few", &a).await;
    assert_eq!(group_rows(&few.body), 3);
    assert!(!few.body.contains("det-all-groups"));
    let theirs = app.get("/detections", &app.b.as_role(Role::Staff)).await;
    assert_eq!(group_rows(&theirs.body), 0, "{}", theirs.body);
    let theirs = app
        .get("/detections/groups?rule=many", &app.b.as_role(Role::Staff))
        .await;
    assert_eq!(group_rows(&theirs.body), 0, "{}", theirs.body);
}

/// The FSA declares a room whose only member is `org`; returns its id.
async fn room_with(app: &TestApp, org: &str) -> String {
    let body = json!({"title_ja": "ランサム DDoS", "category": "ddos", "members": [org]});
    let r = app
        .json(
            Method::POST,
            "/api/v1/coordination/rooms",
            &app.fsa.as_role(Role::Staff),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rooms_messages_page_newest_first_for_its_members_only() {
    let app = TestApp::new().await;
    let (a, b) = (app.a.as_role(Role::Staff), app.b.as_role(Role::Staff));
    let room = room_with(&app, &app.a.org_id).await;
    let theirs = room_with(&app, &app.b.org_id).await;
    let api = format!("/api/v1/coordination/rooms/{room}/messages");
    for (i, tlp) in ["clear", "green", "amber", "amber+strict", "red"]
        .iter()
        .enumerate()
    {
        let msg = json!({"body": format!("update {i}"), "tlp": tlp});
        let r = app.json(Method::POST, &api, &a, &msg).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let msg = json!({"body": "B's own room", "tlp": "red"});
    let b_api = format!("/api/v1/coordination/rooms/{theirs}/messages");
    let r = app.json(Method::POST, &b_api, &b, &msg).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // The API: two a page, each once, in the whole list's order, newest first; the
    // declaring supervisor reads the same.
    let (ids, pages) = follow(&app, &a, &format!("{api}?limit=2"), "/id").await;
    assert_eq!(pages, 3);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5, "{ids:?}");
    let whole = app.get(&api, &a).await.json();
    let whole: Vec<&Value> = whole.as_array().unwrap().iter().collect();
    let in_order: Vec<&str> = whole.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, in_order);
    let sent: Vec<i64> = whole
        .iter()
        .map(|m| m["sent_at"].as_i64().unwrap())
        .collect();
    assert!(
        sent.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {sent:?}"
    );
    assert_eq!(whole[0]["body"], "update 4", "the last one sent first");
    let (fsa_ids, _) = follow(
        &app,
        &app.fsa.as_role(Role::Staff),
        &format!("{api}?limit=2"),
        "/id",
    )
    .await;
    assert_eq!(fsa_ids, ids);
    // The room itself carries the newest page and the cursor of the older ones.
    let view = app
        .get(&format!("/api/v1/coordination/rooms/{room}?limit=2"), &a)
        .await
        .json();
    assert_eq!(view["messages"].as_array().unwrap().len(), 2, "{view}");
    let older = view["messages_next"].as_str().unwrap();
    let rest = app.get(&format!("{api}?cursor={older}"), &a).await.json();
    let rest: Vec<&str> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(rest, ids[2..]);

    // B, not a member, finds neither the room nor its messages, even with a real cursor;
    // its own room holds only its own message.
    for path in [
        api.clone(),
        format!("{api}?cursor={older}"),
        format!("/coordination/{room}"),
        format!("/coordination/{room}?cursor={older}"),
    ] {
        let r = app.get(&path, &b).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(!r.body.contains("update "), "{path}");
    }
    let own = app.get(&b_api, &b).await.json();
    assert_eq!(own.as_array().unwrap().len(), 1, "{own}");
    assert_eq!(own[0]["body"], "B's own room");

    // Forged cursors, in the API and in the page.
    let page = format!("/coordination/{room}");
    for bad in ["zz", "7b7d", "5b315d", &swap_types(older)] {
        let r = app.get(&format!("{api}?cursor={bad}"), &a).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], "cursor");
        let r = app.get(&format!("{page}?cursor={bad}"), &a).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // The page: two messages, then older ones through its link, to the end.
    let mut url = Some(format!("{page}?limit=2"));
    let (mut pages, mut seen) = (0, Vec::new());
    while let Some(u) = url.take() {
        let r = app.get(&u, &a).await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
        seen.extend(
            ids.iter()
                .filter(|id| r.body.contains(&format!("data-id=\"{id}\"")))
                .cloned(),
        );
        pages += 1;
        url = next_link(&r.body);
        if let Some(n) = &url {
            assert!(n.starts_with(&format!("{page}?limit=2&cursor=")), "{n}");
        }
    }
    assert_eq!((pages, &seen), (3, &ids));
    // The response of the API carries the next page in its Link header only when there is one.
    let last = app.get(&format!("{api}?limit=5"), &a).await;
    assert!(last.headers.get(header::LINK).is_none());
}

/// The notes of a status history answer, in order.
fn notes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s["note"].as_str().unwrap().to_owned())
        .collect()
}

/// The board holds each member's latest report; the history holds every report, newest
/// first, a page at a time, for members only.
#[tokio::test]
async fn a_rooms_status_history_pages_newest_first_for_its_members_only() {
    let app = TestApp::new().await;
    let (a, b) = (app.a.as_role(Role::Staff), app.b.as_role(Role::Staff));
    let room = room_with(&app, &app.a.org_id).await;
    let report = format!("/api/v1/coordination/rooms/{room}/status");
    for (i, status) in [
        "affected",
        "affected",
        "recovering",
        "recovering",
        "recovered",
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"status": status, "note": format!("report {i}")});
        let r = app.json(Method::POST, &report, &a, &body).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let view = app
        .get(&format!("/api/v1/coordination/rooms/{room}"), &a)
        .await
        .json();
    assert_eq!(notes(&view["statuses"]), ["report 4"], "{view}");

    let api = format!("/api/v1/coordination/rooms/{room}/statuses");
    let newest_first: Vec<String> = (0..5).rev().map(|i| format!("report {i}")).collect();
    assert_eq!(notes(&app.get(&api, &a).await.json()), newest_first);
    let (mut url, mut seen, mut pages) = (Some(format!("{api}?limit=2")), Vec::new(), 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, &a).await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
        seen.extend(notes(&r.json()));
        pages += 1;
        url = r.headers.get(header::LINK).map(|l| {
            let l = l.to_str().unwrap();
            l[1..l.find('>').unwrap()].to_owned()
        });
    }
    assert_eq!((pages, &seen), (3, &newest_first));

    let page = format!("/coordination/{room}/statuses");
    let (mut url, mut pages, mut shown) = (Some(format!("{page}?limit=2")), 0, 0);
    while let Some(u) = url.take() {
        let r = app.get(&u, &a).await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
        shown += newest_first
            .iter()
            .filter(|n| r.body.contains(n.as_str()))
            .count();
        pages += 1;
        url = next_link(&r.body);
    }
    assert_eq!((pages, shown), (3, 5));
    let room_page = app.get(&format!("/coordination/{room}"), &a).await;
    assert!(room_page.body.contains(&format!("href=\"{page}\"")));

    for path in [api.clone(), page.clone()] {
        let r = app.get(&path, &b).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(!r.body.contains("report "), "{path}");
        let r = app.get(&format!("{path}?cursor=zz"), &a).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
}
