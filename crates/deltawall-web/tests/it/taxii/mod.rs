//! TAXII 2.1: every endpoint and filter, paging, version negotiation, authentication, and
//! the TLP property: RED and AMBER objects never reach an organisation outside their
//! audience through any path (objects, object, manifest, versions, paging, errors, writes).

mod api;
mod tlp;

use crate::util::{Resp, TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use deltawall_app::Ctx;
use deltawall_app::sharing::taxii as sharing;
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind};
use deltawall_store::sharing::{Grant, NewGrant};
use serde_json::{Value, json};

pub const MT: &str = "application/taxii+json;version=2.1";
pub const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// The FSA administrator as an actor, to create trust groups through the service layer.
pub fn fsa_admin(app: &TestApp) -> Actor {
    Actor {
        user_id: app.fsa.user_ids[&Role::Admin].clone(),
        org_id: app.fsa.org_id.clone(),
        org_kind: OrgKind::Supervisor,
        reach: Some(SupervisorReach::National),
        role: Role::Admin,
        token_scope: None,
        token_id: None,
    }
}

pub fn grant(grantee: &str, read: bool, write: bool, recipient: bool) -> NewGrant {
    NewGrant {
        grantee: grantee.to_owned(),
        grant: Grant {
            can_read: read,
            can_write: write,
            recipient,
        },
    }
}

/// The trust groups of these tests: `isac` with `shared` (A: read, write, AMBER recipient;
/// B: read, write; the FSA: read) and `a-only` (A only); `alerts` (the FSA writes,
/// institutions read). Returns (shared id, a-only id, alerts id).
pub async fn setup(app: &TestApp) -> (String, String, String) {
    let actor = fsa_admin(app);
    let ctx = Ctx {
        store: &app.db.store,
        actor: &actor,
        ip: None,
    };
    sharing::create_api_root(&ctx, "isac", "Financials ISAC", None, "isac")
        .await
        .unwrap();
    sharing::create_api_root(&ctx, "alerts", "FSA alerts", None, "alerts")
        .await
        .unwrap();
    let shared = sharing::create_collection(
        &ctx,
        "isac",
        "Shared",
        Some("shared"),
        &[
            grant(&app.a.org_id, true, true, true),
            grant(&app.b.org_id, true, true, false),
            grant(&app.fsa.org_id, true, false, false),
        ],
    )
    .await
    .unwrap();
    let a_only = sharing::create_collection(
        &ctx,
        "isac",
        "A only",
        None,
        &[grant(&app.a.org_id, true, true, true)],
    )
    .await
    .unwrap();
    let alerts = sharing::create_collection(
        &ctx,
        "alerts",
        "Alerts",
        Some("alerts"),
        &[
            grant(&app.fsa.org_id, true, true, true),
            grant("kind:institution", true, false, false),
        ],
    )
    .await
    .unwrap();
    (shared, a_only, alerts)
}

pub fn indicator(n: u32, modified: &str, marking: Option<&str>) -> Value {
    let mut v = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "name": format!("indicator {n}"),
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    });
    if let Some(m) = marking {
        v["object_marking_refs"] = json!([m]);
    }
    v
}

pub fn id(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

pub async fn get(app: &TestApp, path: &str, who: &Who) -> Resp {
    let req = TestApp::request(Method::GET, path, who)
        .header(header::ACCEPT, MT)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

pub async fn post(app: &TestApp, path: &str, who: &Who, body: &str) -> Resp {
    let req = TestApp::request(Method::POST, path, who)
        .header(header::ACCEPT, MT)
        .header(header::CONTENT_TYPE, MT)
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send(req).await
}

pub async fn add(app: &TestApp, coll: &str, who: &Who, objects: &[Value]) -> Value {
    let body = json!({ "objects": objects }).to_string();
    let r = post(
        app,
        &format!("/taxii2/isac/collections/{coll}/objects/"),
        who,
        &body,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    r.json()
}

pub fn ids_of(v: &Value) -> Vec<String> {
    v["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn objects_path(coll: &str) -> String {
    format!("/taxii2/isac/collections/{coll}/objects/")
}
