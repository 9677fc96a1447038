//! Coordination rooms of large incidents: only the members and the declaring supervisor see
//! a room; members report, relay messages with TLP and link their own cases; closing it
//! keeps it readable and refuses every write.

use crate::incidents::records;
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

#[tokio::test]
async fn a_room_is_for_its_members_only_and_closes_read_only() {
    let app = TestApp::new().await;
    // B's case and the FSA's room whose only member is B.
    let rec = records(&app).await;
    let path = format!("/api/v1/coordination/rooms/{}", rec.room);
    let fsa = app.fsa.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);

    // Outsiders (another institution, a bureau that did not declare it) see nothing.
    for who in [
        app.a.as_role(Role::Admin),
        app.a.as_role(Role::Staff),
        app.kinki.as_role(Role::Staff),
    ] {
        assert_eq!(app.get(&path, &who).await.status, StatusCode::NOT_FOUND);
        let page = app.get(&format!("/coordination/{}", rec.room), &who).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/coordination/rooms", &who).await;
        assert_eq!(list.json(), json!([]), "{}", list.body);
        let r = app
            .json(
                Method::POST,
                &format!("{path}/messages"),
                &who,
                &json!({"body": "let me in"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
    // A cannot link its own case into a room it is not in.
    let a_case = app
        .json(
            Method::POST,
            "/api/v1/incidents/cases",
            &app.a.as_role(Role::Staff),
            &crate::incidents::case_json(),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .json(
            Method::POST,
            &format!("{path}/cases"),
            &app.a.as_role(Role::Staff),
            &json!({"case_id": a_case}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The member reports, relays a TLP:RED message and links its own case, once.
    let r = app
        .json(
            Method::POST,
            &format!("{path}/status"),
            &b,
            &json!({"status": "affected", "note": "internet banking slow"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let msg = json!({"body": "attack traffic from 203.0.113.0/24", "tlp": "red"});
    let r = app
        .json(Method::POST, &format!("{path}/messages"), &b, &msg)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let bad = json!({"body": "x", "tlp": "purple"});
    let r = app
        .json(Method::POST, &format!("{path}/messages"), &b, &bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("tlp"), "{}", r.body);
    let link = json!({"case_id": rec.case});
    let r = app
        .json(Method::POST, &format!("{path}/cases"), &b, &link)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .json(Method::POST, &format!("{path}/cases"), &b, &link)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Another institution's case cannot be linked by the member either.
    let r = app
        .json(
            Method::POST,
            &format!("{path}/cases"),
            &b,
            &json!({"case_id": a_case}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // B's auditor reads but never writes; the declarer reads everything.
    let auditor = app.b.as_role(Role::Auditor);
    assert_eq!(app.get(&path, &auditor).await.status, StatusCode::OK);
    let r = app
        .json(Method::POST, &format!("{path}/messages"), &auditor, &msg)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let v = app.get(&path, &fsa).await.json();
    assert_eq!(v["messages"][0]["tlp"], "TLP:RED", "{v}");
    assert_eq!(v["statuses"][0]["status"], "affected", "{v}");
    assert_eq!(v["cases"][0]["case_id"], rec.case.as_str(), "{v}");
    assert_eq!(v["can_close"], true, "{v}");
    let page = app.get(&format!("/coordination/{}", rec.room), &b).await;
    assert!(
        page.body.contains("連携会議")
            && page.body.contains("TLP:RED")
            && page.body.contains("attack traffic from 203.0.113.0/24")
            && page.body.contains("影響あり"),
        "{}",
        page.body
    );

    // Only supervisory staff declare; members must exist.
    let body = json!({"title_ja": "x", "category": "ddos", "members": [app.a.org_id]});
    let r = app
        .json(Method::POST, "/api/v1/coordination/rooms", &b, &body)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let body = json!({"title_ja": "x", "category": "ddos", "members": ["no-such-org"]});
    let r = app
        .json(Method::POST, "/api/v1/coordination/rooms", &fsa, &body)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("members"), "{}", r.body);

    // The member cannot close it; the declarer does; then it is read-only for everyone.
    let r = app
        .json(Method::POST, &format!("{path}/close"), &b, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .json(Method::POST, &format!("{path}/close"), &fsa, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .json(Method::POST, &format!("{path}/messages"), &b, &msg)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let v = app.get(&path, &b).await.json();
    assert_eq!(v["room"]["status"], "closed", "{v}");
    assert_eq!(v["can_write"], false, "{v}");
    assert_eq!(v["messages"].as_array().unwrap().len(), 1, "{v}");
}
