//! Endpoints, filters, negotiation, authentication, rights and trust-group life cycle.

use super::*;
use crate::util::{PASSWORD, TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use deltawall_app::Ctx;
use deltawall_app::sharing::taxii as sharing;
use deltawall_domain::role::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn discovery_api_roots_collections_and_negotiation() {
    let app = TestApp::new().await;
    let (shared, a_only, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);
    let r = get(&app, "/taxii2/", &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], MT);
    assert_eq!(
        r.json()["api_roots"],
        json!(["/taxii2/alerts/", "/taxii2/isac/"])
    );
    // The Kinki bureau holds no grant: no API roots, and the roots are not found.
    let kinki = app.kinki.as_role(Role::Staff);
    assert!(
        get(&app, "/taxii2/", &kinki)
            .await
            .json()
            .get("api_roots")
            .is_none()
    );
    let r = get(&app, "/taxii2/isac/", &kinki).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["http_status"], "404");
    assert!(r.json()["title"].is_string());

    let root = get(&app, "/taxii2/isac/", &a).await.json();
    assert_eq!(root["versions"], json!([MT]));
    assert!(root["max_content_length"].as_u64().unwrap() > 0);

    let list = get(&app, "/taxii2/isac/collections/", &b).await.json();
    let cols = list["collections"].as_array().unwrap();
    assert_eq!(cols.len(), 1, "B sees only the shared collection: {list}");
    assert_eq!(cols[0]["id"], shared.as_str());
    assert_eq!(
        (cols[0]["can_read"].clone(), cols[0]["can_write"].clone()),
        (json!(true), json!(true))
    );
    let fsa = app.fsa.as_role(Role::Staff);
    let one = get(&app, "/taxii2/isac/collections/shared/", &fsa)
        .await
        .json();
    assert_eq!(
        (one["id"].as_str(), one["can_write"].as_bool()),
        (Some(shared.as_str()), Some(false))
    );
    let hidden = get(&app, &format!("/taxii2/isac/collections/{a_only}/"), &b).await;
    let missing = get(
        &app,
        "/taxii2/isac/collections/00000000-0000-4000-8000-000000000000/",
        &b,
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.json()["description"], missing.json()["description"]);
    // Stable order.
    assert_eq!(
        get(&app, "/taxii2/isac/collections/", &a).await.body,
        get(&app, "/taxii2/isac/collections/", &a).await.body
    );

    // Negotiation: versioned, unversioned and wildcard are served; others are 406.
    for accept in [
        MT,
        "application/taxii+json",
        "application/taxii+json;version=2.1, */*;q=0.1",
        "*/*",
    ] {
        let req = TestApp::request(Method::GET, "/taxii2/", &a)
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK, "{accept}");
    }
    for accept in [
        None,
        Some("application/json"),
        Some("application/taxii+json;version=2.0"),
    ] {
        let mut req = TestApp::request(Method::GET, "/taxii2/", &a);
        if let Some(v) = accept {
            req = req.header(header::ACCEPT, v);
        }
        let r = app.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE, "{accept:?}");
        assert_eq!(r.json()["http_status"], "406");
    }
    // A path without its trailing slash is a TAXII 404, never a redirect.
    let r = get(&app, "/taxii2/isac", &a).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.headers[header::CONTENT_TYPE], MT);
}

fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

#[tokio::test]
async fn basic_and_bearer_authentication() {
    let app = TestApp::new().await;
    setup(&app).await;
    let r = get(&app, "/taxii2/", &Who::Anon).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let challenge = r.headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.contains("Basic") && challenge.contains("Bearer"),
        "{challenge}"
    );
    assert_eq!(r.json()["http_status"], "401");

    let send = |auth: String| {
        TestApp::request(Method::GET, "/taxii2/isac/", &Who::Anon)
            .header(header::ACCEPT, MT)
            .header(header::AUTHORIZATION, auth)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.send(send(basic("a-staff", PASSWORD))).await.status,
        StatusCode::OK
    );
    let before = app.audit_count().await;
    assert_eq!(
        app.send(send(basic("a-staff", "wrong"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(send("Basic !!!".into())).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.audit_count().await,
        before + 1,
        "the failure is audited"
    );
    // Five failures lock the account like the sign-in form does.
    for _ in 0..5 {
        app.send(send(basic("b-auditor", "wrong"))).await;
    }
    let locked = app.send(send(basic("b-auditor", PASSWORD))).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );

    let tok = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            &app.a.as_role(Role::Admin),
            &json!({"name": "taxii", "scope": "read", "days": 30, "current_password": crate::util::PASSWORD}),
        )
        .await
        .json();
    let token = tok["token"].as_str().unwrap().to_owned();
    let r = get(
        &app,
        "/taxii2/isac/collections/",
        &Who::Token(token.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A read-only token cannot add objects.
    let r = post(
        &app,
        &objects_path("shared"),
        &Who::Token(token),
        &json!({"objects": [indicator(1, "2026-01-01T00:00:00.000Z", Some(GREEN))]}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn add_get_filters_versions_manifest_status_and_delete() {
    let app = TestApp::new().await;
    setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let v1 = "2026-01-01T00:00:00.000Z";
    let v2 = "2026-02-01T00:00:00.000Z";
    let v3 = "2026-03-01T00:00:00.000Z";
    let status = add(
        &app,
        "shared",
        &a,
        &[
            indicator(1, v1, Some(GREEN)),
            indicator(1, v2, Some(GREEN)),
            indicator(2, v1, Some(CLEAR)),
        ],
    )
    .await;
    assert_eq!(
        (
            status["status"].as_str(),
            status["total_count"].as_u64(),
            status["success_count"].as_u64()
        ),
        (Some("complete"), Some(3), Some(3))
    );
    let got = get(
        &app,
        &format!("/taxii2/isac/status/{}/", status["id"].as_str().unwrap()),
        &a,
    )
    .await;
    assert_eq!(got.json(), status);
    // Another organisation's status is not found.
    let other = get(
        &app,
        &format!("/taxii2/isac/status/{}/", status["id"].as_str().unwrap()),
        &app.b.as_role(Role::Staff),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Duplicate, conflict, downgrade, invalid, and a third version.
    let dup = add(&app, "shared", &a, &[indicator(1, v2, Some(GREEN))]).await;
    assert_eq!(
        (dup["success_count"].as_u64(), dup["failure_count"].as_u64()),
        (Some(1), Some(0)),
        "{dup}"
    );
    let mut conflicting = indicator(1, v2, Some(GREEN));
    conflicting["name"] = "changed".into();
    let mut invalid = indicator(9, v1, None);
    invalid.as_object_mut().unwrap().remove("pattern");
    let res = add(
        &app,
        "shared",
        &a,
        &[
            conflicting,
            indicator(1, v3, Some(CLEAR)),
            invalid,
            indicator(1, v3, Some(AMBER)),
        ],
    )
    .await;
    assert_eq!(
        (res["success_count"].as_u64(), res["failure_count"].as_u64()),
        (Some(1), Some(3)),
        "{res}"
    );
    let messages: Vec<&str> = res["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("different object")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("weakened")),
        "{messages:?}"
    );
    let r = get(&app, &objects_path("shared"), &a).await;
    assert_eq!(
        r.json()["objects"].as_array().unwrap().len(),
        2,
        "latest version of each id: {}",
        r.body
    );
    let stored = r.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id(1).as_str())
        .cloned()
        .unwrap();
    assert_eq!(stored["modified"], v3);
    // The stored text is returned exactly as posted.
    assert!(
        r.body.contains(&indicator(2, v1, Some(CLEAR)).to_string()),
        "{}",
        r.body
    );
    assert_eq!(r.headers["x-taxii-date-added-first"].len(), 27);
    let first = r.headers["x-taxii-date-added-first"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        first.ends_with('Z') && first.as_bytes()[19] == b'.',
        "{first}"
    );

    let q = |query: &str| format!("{}?{query}", objects_path("shared"));
    let count = |v: Value| v["objects"].as_array().map_or(0, Vec::len);
    assert_eq!(
        count(get(&app, &q("match[version]=all"), &a).await.json()),
        4
    );
    assert_eq!(
        count(get(&app, &q("match[version]=first"), &a).await.json()),
        2
    );
    assert_eq!(
        count(get(&app, &q("match[version]=first,last"), &a).await.json()),
        3
    );
    assert_eq!(
        count(
            get(&app, &q(&format!("match[version]={v2}")), &a)
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            get(&app, &q(&format!("match[id]={}", id(2))), &a)
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        count(
            get(&app, &q("match[type]=indicator,sighting"), &a)
                .await
                .json()
        ),
        2
    );
    assert_eq!(get(&app, &q("match[type]=grouping"), &a).await.body, "{}");
    assert_eq!(
        count(get(&app, &q("match[spec_version]=2.0"), &a).await.json()),
        0
    );
    assert_eq!(
        count(
            get(&app, &q("match[spec_version]=2.1&match[version]=all"), &a)
                .await
                .json()
        ),
        4
    );
    for bad in [
        "match[version]=all,first",
        "match[version]=last,last",
        "added_after=notadate",
        "limit=0",
        "limit=-1",
        "limit=abc",
        "added_after=2026-01-01T00:00:00Z&added_after=2026-01-01T00:00:00Z",
        "match[type]=a&match[type]=b",
    ] {
        let r = get(&app, &q(bad), &a).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.json()["http_status"], "400");
    }

    let man = get(
        &app,
        "/taxii2/isac/collections/shared/manifest/?match[version]=all",
        &a,
    )
    .await;
    let recs = man.json()["objects"].as_array().unwrap().clone();
    assert_eq!(recs.len(), 4);
    assert!(
        recs.iter()
            .all(|m| m["media_type"] == "application/stix+json;version=2.1"
                && m["date_added"].is_string())
    );
    assert_eq!(
        man.headers["x-taxii-date-added-first"].to_str().unwrap(),
        recs[0]["date_added"]
    );
    assert_eq!(
        man.headers["x-taxii-date-added-last"].to_str().unwrap(),
        recs[3]["date_added"]
    );

    let one = format!("{}{}/", objects_path("shared"), id(1));
    assert_eq!(
        get(&app, &one, &a).await.json()["objects"][0]["modified"],
        v3
    );
    assert_eq!(
        count(
            get(&app, &format!("{one}?match[version]=all"), &a)
                .await
                .json()
        ),
        3
    );
    let vers = get(&app, &format!("{one}versions/"), &a).await;
    assert_eq!(vers.json()["versions"], json!([v1, v2, v3]));
    assert!(vers.headers.contains_key("x-taxii-date-added-last"));

    // Delete one version, then the whole object.
    let del = |path: String| {
        TestApp::request(Method::DELETE, &path, &a)
            .header(header::ACCEPT, MT)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.send(del(format!("{one}?match[version]={v1}")))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, &format!("{one}versions/"), &a).await.json()["versions"],
        json!([v2, v3])
    );
    // B (read and write on the collection) may not delete A's object.
    let bdel = TestApp::request(Method::DELETE, &one, &app.b.as_role(Role::Staff))
        .header(header::ACCEPT, MT)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(bdel).await.status, StatusCode::FORBIDDEN);
    // The FSA reads but does not write: 403.
    let fdel = TestApp::request(Method::DELETE, &one, &app.fsa.as_role(Role::Staff))
        .header(header::ACCEPT, MT)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(fdel).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.send(del(one.clone())).await.status, StatusCode::OK);
    assert_eq!(get(&app, &one, &a).await.status, StatusCode::NOT_FOUND);
    assert!(
        !get(&app, "/taxii2/isac/collections/shared/manifest/", &a)
            .await
            .body
            .contains(&id(1))
    );
}

#[tokio::test]
async fn bad_bodies_and_missing_rights() {
    let app = TestApp::new().await;
    let (_, a_only, _) = setup(&app).await;
    let a = app.a.as_role(Role::Staff);
    let path = objects_path("shared");
    let send = |ct: &'static str, body: &'static str, who: Who| {
        TestApp::request(Method::POST, &path, &who)
            .header(header::ACCEPT, MT)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    for ct in [
        "application/json",
        "application/stix+json;version=2.1",
        "application/taxii+json;version=2.0",
    ] {
        let r = app.send(send(ct, "{\"objects\":[]}", a.clone())).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        assert_eq!(r.json()["http_status"], "415");
    }
    assert_eq!(
        app.send(send(MT, "not json", a.clone())).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.send(send(MT, "{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000001\",\"objects\":[]}", a.clone())).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A bundle with objects is taken for an envelope (stix2's TAXIICollectionSink sends them).
    let bundle = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000002",
                        "objects": [super::indicator(77, "2026-01-01T00:00:00.000Z", Some(super::GREEN))]});
    let r = super::post(&app, &path, &a, &bundle.to_string()).await;
    assert_eq!(
        (r.status, r.json()["success_count"].clone()),
        (StatusCode::ACCEPTED, json!(1))
    );
    let big = format!("{{\"objects\":[],\"x\":\"{}\"}}", "a".repeat(1 << 20));
    let req = TestApp::request(Method::POST, &path, &a)
        .header(header::ACCEPT, MT)
        .header(header::CONTENT_TYPE, MT)
        .body(Body::from(big))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["http_status"], "413");
    assert_eq!(
        app.send(send(MT, "{}", a.clone())).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let body =
        json!({"objects": [indicator(5, "2026-01-01T00:00:00.000Z", Some(GREEN))]}).to_string();
    // Auditors never write; the FSA only reads `shared`; institutions only read alerts; B
    // has no grant at all on `a-only` (not found).
    assert_eq!(
        post(&app, &path, &app.a.as_role(Role::Auditor), &body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&app, &path, &app.fsa.as_role(Role::Admin), &body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let alerts = sharing_alerts_path();
    assert_eq!(
        post(&app, &alerts, &a, &body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            &app,
            &objects_path(&a_only),
            &app.b.as_role(Role::Staff),
            &body
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // The supervisor's alerts reach every institution.
    let fsa = app.fsa.as_role(Role::Staff);
    let r = post(
        &app,
        &alerts,
        &fsa,
        &json!({"objects": [indicator(6, "2026-01-01T00:00:00.000Z", Some(GREEN))]}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    for who in [a.clone(), app.b.as_role(Role::Auditor)] {
        assert_eq!(ids_of(&get(&app, &alerts, &who).await.json()), vec![id(6)]);
    }
    assert_eq!(
        get(&app, &alerts, &app.kinki.as_role(Role::Staff))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

fn sharing_alerts_path() -> String {
    "/taxii2/alerts/collections/alerts/objects/".into()
}

#[tokio::test]
async fn a_council_root_closes() {
    let app = TestApp::new().await;
    let actor = fsa_admin(&app);
    let ctx = Ctx {
        store: &app.db.store,
        actor: &actor,
        ip: None,
    };
    sharing::create_api_root(
        &ctx,
        "council-2026-001",
        "Council: incident 2026-001",
        None,
        "council",
    )
    .await
    .unwrap();
    sharing::create_collection(
        &ctx,
        "council-2026-001",
        "Coordination",
        None,
        &[
            grant(&app.a.org_id, true, true, true),
            grant(&app.fsa.org_id, true, true, true),
        ],
    )
    .await
    .unwrap();
    let a = app.a.as_role(Role::Staff);
    assert_eq!(
        get(&app, "/taxii2/council-2026-001/collections/", &a)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(
            &app,
            "/taxii2/council-2026-001/",
            &app.b.as_role(Role::Staff)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    sharing::close_api_root(&ctx, "council-2026-001")
        .await
        .unwrap();
    assert_eq!(
        get(&app, "/taxii2/council-2026-001/collections/", &a)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Only supervisor or sharing-body administrators manage trust groups.
    let mut staff = actor.clone();
    staff.role = Role::Staff;
    let ctx = Ctx {
        store: &app.db.store,
        actor: &staff,
        ip: None,
    };
    assert!(
        sharing::create_api_root(&ctx, "x", "x", None, "isac")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn write_only_collections_and_the_delete_matrix() {
    let app = TestApp::new().await;
    let (_, a_only, _) = setup(&app).await;
    let actor = fsa_admin(&app);
    let ctx = Ctx {
        store: &app.db.store,
        actor: &actor,
        ip: None,
    };
    // A drop box: B may only write, A reads and writes.
    let drop = sharing::create_collection(
        &ctx,
        "isac",
        "Drop box",
        Some("drop"),
        &[
            grant(&app.b.org_id, false, true, false),
            grant(&app.a.org_id, true, true, true),
        ],
    )
    .await
    .unwrap();
    let b = app.b.as_role(Role::Staff);
    let seen = get(&app, "/taxii2/isac/collections/drop/", &b).await.json();
    assert_eq!(
        (seen["can_read"].clone(), seen["can_write"].clone()),
        (json!(false), json!(true))
    );
    let v = "2026-01-01T00:00:00.000Z";
    let st = add(&app, &drop, &b, &[indicator(31, v, Some(GREEN))]).await;
    assert_eq!(st["success_count"], 1, "{st}");
    for path in [
        objects_path(&drop),
        format!("/taxii2/isac/collections/{drop}/manifest/"),
        format!("{}{}/", objects_path(&drop), id(31)),
        format!("{}{}/versions/", objects_path(&drop), id(31)),
    ] {
        let r = get(&app, &path, &b).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json()["http_status"], "403");
    }
    let delete = |path: String, who: Who| {
        TestApp::request(Method::DELETE, &path, &who)
            .header(header::ACCEPT, MT)
            .body(Body::empty())
            .unwrap()
    };
    // can_read=false, can_write=true: 403; no grant at all: 404.
    let r = app
        .send(delete(
            format!("{}{}/", objects_path(&drop), id(31)),
            b.clone(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .send(delete(
            format!("{}{}/", objects_path(&a_only), id(31)),
            b.clone(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A reads B's drop (GREEN, A is a member) but only B's organisation may delete it.
    let a = app.a.as_role(Role::Staff);
    assert_eq!(
        ids_of(&get(&app, &objects_path(&drop), &a).await.json()),
        vec![id(31)]
    );
    let r = app
        .send(delete(
            format!("{}{}/", objects_path(&drop), id(31)),
            a.clone(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Deleting is audited; refusals are not.
    let before = app.audit_count().await;
    let mine = add(&app, &drop, &a, &[indicator(32, v, Some(GREEN))]).await;
    assert_eq!(mine["success_count"], 1);
    let r = app
        .send(delete(
            format!("{}{}/", objects_path(&drop), id(32)),
            a.clone(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.audit_count().await, before + 2, "one add, one delete");
}

#[tokio::test]
async fn supervisors_open_and_close_councils_through_the_api() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Admin);
    let r = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots",
            &fsa,
            &json!({"id": "council-7", "title": "Council: incident 7", "kind": "council"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let bad = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots",
            &fsa,
            &json!({"id": "Bad Id", "title": "x", "kind": "council"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots/council-7/collections",
            &fsa,
            &json!({"title": "x", "grants": [{"grantee": "no-such-org", "can_read": true}]}),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );
    // Titles are counted in characters: 70 Japanese characters are 210 bytes.
    let title_ja = "大規模インシデント連携会議".repeat(6);
    assert_eq!(title_ja.chars().count(), 78);
    let r = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots/council-7/collections",
            &fsa,
            &json!({"title": title_ja, "grants": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let too_long = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots/council-7/collections",
            &fsa,
            &json!({"title": "あ".repeat(201), "grants": []}),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let grants = json!([
        {"grantee": app.a.org_id, "can_read": true, "can_write": true, "recipient": true},
        {"grantee": app.fsa.org_id, "can_read": true, "can_write": true, "recipient": true},
    ]);
    let r = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots/council-7/collections",
            &fsa,
            &json!({"title": "Coordination", "alias": "coord", "grants": grants}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = app.a.as_role(Role::Staff);
    let r = get(&app, "/taxii2/council-7/collections/coord/", &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        get(&app, "/taxii2/council-7/", &app.b.as_role(Role::Staff))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .json(
            Method::POST,
            "/api/v1/sharing/roots/council-7/close",
            &fsa,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        get(&app, "/taxii2/council-7/", &a).await.status,
        StatusCode::NOT_FOUND
    );
}
