//! Every route, four properties: an anonymous request is refused; tenant A can neither read
//! nor change tenant B's data; a role without the permission gets 403; a cross-site POST is
//! refused. A tidy test keeps the route table in step with `src/router/`.

use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

/// A route of the table: method, path (with `{org}`, `{user}`, `{token}` placeholders),
/// and the body it is sent with.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub body: Body_,
}

#[derive(Clone, Copy)]
pub enum Body_ {
    None,
    Form(&'static [(&'static str, &'static str)]),
    Json(fn() -> serde_json::Value),
    /// A TAXII envelope, sent as `application/taxii+json;version=2.1`.
    Taxii(fn() -> serde_json::Value),
    /// An evidence upload, sent as `multipart/form-data`.
    Multipart,
}

const USER_FORM: &[(&str, &str)] = &[
    ("login", "intruder"),
    ("display_name", "x"),
    ("role", "admin"),
    ("password", "a very long password 1"),
];
const ORG_FORM: &[(&str, &str)] = &[
    ("name_ja", "乗っ取り"),
    ("name_en", "Hijacked"),
    ("kind", "institution"),
    ("business_type", "shinkin_bank"),
    ("region", "kanto"),
];
const ATTR_FORM: &[(&str, &str)] = &[
    ("kind", "size_band"),
    ("value", "large"),
    ("valid_from", "2024-04-01"),
];
const ROLE_FORM: &[(&str, &str)] = &[("role", "admin"), ("active", "true")];
const TOKEN_FORM: &[(&str, &str)] = &[
    ("name", "x"),
    ("scope", "write"),
    ("days", "30"),
    ("current_password", crate::util::PASSWORD),
];
const INDICATOR_FORM: &[(&str, &str)] = &[
    ("name", "hijack"),
    ("pattern", "[ipv4-addr:value = '198.51.100.9']"),
    ("tlp", "clear"),
];
const REPORT_FORM: &[(&str, &str)] = &[
    ("name", "hijack"),
    ("tlp", "clear"),
    ("ref", "indicator--00000000-0000-4000-8000-000000000088"),
];
const OPINION_FORM: &[(&str, &str)] = &[("opinion", "agree"), ("reporter", "anonymous")];
const SIGHTING_FORM: &[(&str, &str)] = &[
    ("count", "1"),
    ("false_positive", "yes"),
    ("reporter", "anonymous"),
];

fn org_json() -> serde_json::Value {
    json!({"name_ja": "乗っ取り", "name_en": "Hijacked", "kind": "institution", "business_type": "shinkin_bank", "region": "kanto"})
}
fn user_json() -> serde_json::Value {
    json!({"login": "intruder", "display_name": "x", "role": "admin", "password": "a very long password 1"})
}
fn attr_json() -> serde_json::Value {
    json!({"kind": "size_band", "value": "large", "valid_from": 1})
}
fn change_json() -> serde_json::Value {
    json!({"role": "admin"})
}
/// The step-up a token change needs: with it, a foreign token is 404, not a missing proof.
const STEP_UP_FORM: &[(&str, &str)] = &[("current_password", crate::util::PASSWORD)];
fn step_up_json() -> serde_json::Value {
    json!({"current_password": crate::util::PASSWORD})
}
fn token_json() -> serde_json::Value {
    json!({"name": "x", "scope": "write", "days": 30, "current_password": crate::util::PASSWORD})
}

fn root_json() -> serde_json::Value {
    json!({"id": "hijack", "title": "x", "kind": "council"})
}
fn collection_json() -> serde_json::Value {
    json!({"title": "x", "grants": [{"grantee": "kind:institution", "can_read": true}]})
}
fn envelope_json() -> serde_json::Value {
    json!({"objects": [crate::taxii::indicator(77, "2026-06-01T00:00:00.000Z", Some(crate::taxii::CLEAR))]})
}

pub fn r(method: Method, path: &'static str, body: Body_) -> Route {
    Route { method, path, body }
}

/// Every route that needs a signed-in user.
pub fn protected() -> Vec<Route> {
    use Body_::*;
    let mut routes = vec![
        r(Method::GET, "/", None),
        r(Method::GET, "/orgs", None),
        r(Method::GET, "/orgs.csv", None),
        r(Method::GET, "/orgs.xlsx", None),
        r(Method::GET, "/orgs/new", None),
        r(Method::GET, "/orgs/{org}", None),
        r(Method::GET, "/orgs/{org}/users", None),
        r(Method::GET, "/account", None),
        r(Method::GET, "/tokens", None),
        r(Method::GET, "/audit", None),
        r(Method::POST, "/logout", Form(&[])),
        r(Method::POST, "/orgs", Form(ORG_FORM)),
        r(Method::POST, "/orgs/{org}", Form(ORG_FORM)),
        r(Method::POST, "/orgs/{org}/attributes", Form(ATTR_FORM)),
        r(Method::POST, "/orgs/{org}/users", Form(USER_FORM)),
        r(Method::POST, "/users/{user}", Form(ROLE_FORM)),
        r(
            Method::POST,
            "/account/password",
            Form(&[
                ("current_password", "x"),
                ("new_password", "yyyyyyyyyyyyyy"),
            ]),
        ),
        r(Method::POST, "/account/totp", Form(&[])),
        r(
            Method::POST,
            "/account/totp/confirm",
            Form(&[("code", "000000")]),
        ),
        r(Method::POST, "/tokens", Form(TOKEN_FORM)),
        r(Method::POST, "/tokens/{token}/revoke", Form(STEP_UP_FORM)),
        r(Method::GET, "/api/v1/me", None),
        r(Method::GET, "/api/v1/orgs", None),
        r(Method::POST, "/api/v1/orgs", Json(org_json)),
        r(Method::GET, "/api/v1/orgs/{org}", None),
        r(Method::PUT, "/api/v1/orgs/{org}", Json(org_json)),
        r(
            Method::POST,
            "/api/v1/orgs/{org}/attributes",
            Json(attr_json),
        ),
        r(Method::GET, "/api/v1/orgs/{org}/users", None),
        r(Method::POST, "/api/v1/orgs/{org}/users", Json(user_json)),
        r(Method::PATCH, "/api/v1/users/{user}", Json(change_json)),
        r(Method::GET, "/api/v1/tokens", None),
        r(Method::POST, "/api/v1/tokens", Json(token_json)),
        r(Method::DELETE, "/api/v1/tokens/{token}", Json(step_up_json)),
        r(Method::GET, "/api/v1/audit", None),
        r(Method::GET, "/api/v1/sharing/roots", None),
        r(Method::POST, "/api/v1/sharing/roots", Json(root_json)),
        r(
            Method::POST,
            "/api/v1/sharing/roots/{root}/close",
            Json(root_json),
        ),
        r(
            Method::POST,
            "/api/v1/sharing/roots/{root}/reopen",
            Json(root_json),
        ),
        r(
            Method::POST,
            "/api/v1/sharing/roots/{root}/collections",
            Json(collection_json),
        ),
        r(Method::GET, "/sharing", None),
        r(Method::GET, "/sharing/{root}/{collection}", None),
        r(Method::GET, "/sharing/{root}/{collection}/publish", None),
        r(
            Method::POST,
            "/sharing/{root}/{collection}/indicators",
            Form(INDICATOR_FORM),
        ),
        r(
            Method::POST,
            "/sharing/{root}/{collection}/reports",
            Form(REPORT_FORM),
        ),
        r(
            Method::GET,
            "/sharing/{root}/{collection}/objects/{object}",
            None,
        ),
        r(
            Method::POST,
            "/sharing/{root}/{collection}/objects/{object}/sightings",
            Form(SIGHTING_FORM),
        ),
        r(
            Method::POST,
            "/sharing/{root}/{collection}/objects/{object}/opinions",
            Form(OPINION_FORM),
        ),
        r(
            Method::GET,
            "/api/v1/sharing/roots/{root}/collections/{collection}/indicators",
            None,
        ),
        r(Method::GET, "/taxii2/", None),
        r(Method::GET, "/taxii2/{root}/", None),
        r(Method::GET, "/taxii2/{root}/status/{status}/", None),
        r(Method::GET, "/taxii2/{root}/collections/", None),
        r(
            Method::GET,
            "/taxii2/{root}/collections/{collection}/",
            None,
        ),
        r(
            Method::GET,
            "/taxii2/{root}/collections/{collection}/objects/",
            None,
        ),
        r(
            Method::POST,
            "/taxii2/{root}/collections/{collection}/objects/",
            Taxii(envelope_json),
        ),
        r(
            Method::GET,
            "/taxii2/{root}/collections/{collection}/manifest/",
            None,
        ),
        r(
            Method::GET,
            "/taxii2/{root}/collections/{collection}/objects/{object}/",
            None,
        ),
        r(
            Method::DELETE,
            "/taxii2/{root}/collections/{collection}/objects/{object}/",
            None,
        ),
        r(
            Method::GET,
            "/taxii2/{root}/collections/{collection}/objects/{object}/versions/",
            None,
        ),
    ];
    routes.extend(crate::access_posture::routes());
    routes.extend(crate::access_sup_requests::routes());
    routes.extend(crate::sup_figures::access_routes());
    routes.extend(crate::access_sup_rank::routes());
    routes.extend(crate::home::access_routes());
    routes.extend(crate::access_attack::routes());
    routes.extend(crate::exercises::access_routes());
    routes.extend(crate::access_detections::routes());
    routes.extend(crate::access_vuln::routes());
    routes.extend(crate::access_vuln_tp::routes());
    routes.extend(crate::incidents::access_routes());
    routes
}

/// Routes anyone may call.
const PUBLIC: &[&str] = &[
    "/login",
    "/login/mfa",
    "/setup",
    "/lang",
    "/healthz",
    "/readyz",
    "/static/app.css",
    "/static/exercise.js",
    "/api/v1/openapi.json",
];

/// Tenant B's ids to put in the placeholders.
pub struct Target {
    org: String,
    user: String,
    token: String,
    /// A TAXII API root and collection only B holds a grant on, B's object in it, and the
    /// status of B's add request.
    root: String,
    collection: String,
    object: String,
    status: String,
    /// B's posture records: an assessment, an evidence file, a risk, a finding and one of
    /// its milestones.
    posture: crate::posture::Records,
    /// B's own imported catalog and a mapping set into it.
    catalog: String,
    mapping: String,
    /// A request (with B's task) and an alert sent to B.
    sup: crate::access_sup_requests::Records,
    /// An exercise only B took part in.
    exercise: String,
    /// A TLPT engagement of B's.
    engagement: String,
    /// An edition played in the platform only B plays, and a measure proposed to B.
    edition: (String, String),
    /// B's incident case, a task of it and its FSA first report.
    incidents: crate::incidents::Records,
    /// B's vulnerability scope asset, a finding and a pending acceptance.
    vuln: crate::access_vuln::Records,
    /// B's outsourcing contract.
    vcontract: String,
}

pub async fn b_target(app: &TestApp) -> Target {
    let r = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            &app.b.as_role(Role::Admin),
            &token_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (collection, status) = b_collection(app).await;
    let (catalog, mapping) = crate::access_posture::b_catalog_and_mapping(app).await;
    Target {
        catalog,
        mapping,
        org: app.b.org_id.clone(),
        user: app.b.user_ids[&Role::Staff].clone(),
        token: r.json()["id"].as_str().unwrap().to_owned(),
        root: "b-root".into(),
        collection,
        object: crate::taxii::id(88),
        status,
        posture: crate::posture::records(app, &app.b).await,
        sup: crate::access_sup_requests::records(app).await,
        exercise: crate::sup_figures::b_exercise(app).await,
        engagement: crate::access_attack::b_engagement(app).await,
        edition: crate::exercises::b_edition(app).await,
        incidents: crate::incidents::records(app).await,
        vuln: crate::access_vuln::records(app).await,
        vcontract: crate::access_vuln_tp::contract_of(app, &app.b).await,
    }
}

/// An API root `b-root` whose one collection only B may read and write, with one object of
/// B's (marked CLEAR, so only the grant keeps it from A). Returns (collection, status id).
async fn b_collection(app: &TestApp) -> (String, String) {
    use deltawall_app::{Ctx, sharing::taxii as sharing};
    let actor = crate::taxii::fsa_admin(app);
    let ctx = Ctx {
        store: &app.db.store,
        actor: &actor,
        ip: None,
    };
    sharing::create_api_root(&ctx, "b-root", "B only", None, "isac")
        .await
        .unwrap();
    let id = sharing::create_collection(
        &ctx,
        "b-root",
        "B only",
        None,
        &[crate::taxii::grant(&app.b.org_id, true, true, true)],
    )
    .await
    .unwrap();
    let body = json!({"objects": [crate::taxii::indicator(88, "2026-01-01T00:00:00.000Z", Some(crate::taxii::CLEAR))]});
    let r = crate::taxii::post(
        app,
        &format!("/taxii2/b-root/collections/{id}/objects/"),
        &app.b.as_role(Role::Staff),
        &body.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    (id, r.json()["id"].as_str().unwrap().to_owned())
}

pub fn fill(path: &str, t: &Target) -> String {
    let path = crate::access_vuln::fill(path.to_owned(), &t.vuln);
    let path = crate::access_vuln_tp::fill(path, &t.vcontract);
    path.replace("{org}", &t.org)
        .replace("{user}", &t.user)
        .replace("{token}", &t.token)
        .replace("{root}", &t.root)
        .replace("{collection}", &t.collection)
        .replace("{object}", &t.object)
        .replace("{status}", &t.status)
        .replace("{assessment}", &t.posture.assessment)
        .replace("{evidence}", &t.posture.evidence)
        .replace("{risk}", &t.posture.risk)
        .replace("{finding}", &t.posture.finding)
        .replace("{milestone}", &t.posture.milestone)
        .replace("{catalog}", &t.catalog)
        .replace("{mapping}", &t.mapping)
        .replace("{request}", &t.sup.request)
        .replace("{task}", &t.sup.task)
        .replace("{alert}", &t.sup.alert)
        .replace("{edition}", &t.edition.0)
        .replace("{measure}", &t.edition.1)
        .replace("{exercise}", &t.exercise)
        .replace("{figure}", "exercises.csv")
        .replace("{engagement}", &t.engagement)
        .replace("{case}", &t.incidents.case)
        .replace("{itask}", &t.incidents.task)
        .replace("{report}", &t.incidents.report)
        .replace("{room}", &t.incidents.room)
}

pub async fn call(
    app: &TestApp,
    route: &Route,
    path: &str,
    who: &Who,
    cross_site: bool,
) -> crate::util::Resp {
    let mut b = TestApp::request(route.method.clone(), path, who);
    if path.starts_with("/taxii2/") {
        b = b.header("accept", crate::taxii::MT);
    }
    if cross_site {
        b = b
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site");
    }
    let req = match route.body {
        Body_::None => b.body(Body::empty()),
        Body_::Form(f) => b
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(f).unwrap())),
        Body_::Json(j) => b
            .header("content-type", "application/json")
            .body(Body::from(j().to_string())),
        Body_::Taxii(j) => b
            .header("content-type", crate::taxii::MT)
            .body(Body::from(j().to_string())),
        Body_::Multipart => {
            let (ct, body) = crate::access_posture::multipart_body();
            b.header("content-type", ct).body(Body::from(body))
        }
    };
    app.send(req.unwrap()).await
}

#[tokio::test]
async fn anonymous_requests_are_refused() {
    let app = TestApp::new().await;
    let t = b_target(&app).await;
    for route in protected() {
        let path = fill(route.path, &t);
        let r = call(&app, &route, &path, &Who::Anon, false).await;
        if path.starts_with("/taxii2/") {
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{} {path}",
                route.method
            );
            assert_eq!(r.json()["http_status"], "401");
            assert!(r.headers.contains_key("www-authenticate"));
        } else if path.starts_with("/api/") {
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{} {path}",
                route.method
            );
            assert_eq!(r.json()["error"]["code"], "err-unauthenticated");
        } else {
            assert_eq!(
                (r.status, r.location()),
                (StatusCode::SEE_OTHER, Some("/login")),
                "{} {path}",
                route.method
            );
        }
    }
    let forged = Who::Session("forged-session-id".into());
    assert_eq!(app.get("/", &forged).await.location(), Some("/login"));
    assert_eq!(
        app.get("/api/v1/me", &Who::Token("dw_forged".into()))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tenant_a_never_reads_or_changes_tenant_b() {
    let app = TestApp::new().await;
    let t = b_target(&app).await;
    let before = app
        .get(
            &format!("/api/v1/orgs/{}", t.org),
            &app.b.as_role(Role::Admin),
        )
        .await
        .body;
    for role in [Role::Admin, Role::Executive, Role::Staff, Role::Auditor] {
        let who = app.a.as_role(role);
        for route in protected().into_iter().filter(|r| r.path != "/logout") {
            let path = fill(route.path, &t);
            let r = call(&app, &route, &path, &who, false).await;
            let secrets = [
                "Shinkin B",
                t.org.as_str(),
                "b-admin",
                "b-staff",
                t.object.as_str(),
                t.collection.as_str(),
                "B only",
            ];
            let leaked = secrets.iter().find(|s| r.body.contains(**s));
            assert!(
                leaked.is_none(),
                "{role:?} {} {path} leaked {leaked:?}: {}",
                route.method,
                r.body
            );
            if route.path.contains('{') {
                assert!(
                    matches!(
                        r.status,
                        StatusCode::NOT_FOUND
                            | StatusCode::FORBIDDEN
                            | StatusCode::UNPROCESSABLE_ENTITY
                    ),
                    "{role:?} {} {path}: {}",
                    route.method,
                    r.status
                );
            }
        }
    }
    // B is exactly as it was: same profile, the staff user still staff, the token still valid.
    assert_eq!(
        app.get(
            &format!("/api/v1/orgs/{}", t.org),
            &app.b.as_role(Role::Admin)
        )
        .await
        .body,
        before
    );
    let users = app
        .get(
            &format!("/api/v1/orgs/{}/users", t.org),
            &app.b.as_role(Role::Admin),
        )
        .await
        .json();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["login"] == "b-staff" && u["role"] == "staff")
    );
    assert!(
        !users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["login"] == "intruder")
    );
    let tokens = app
        .get("/api/v1/tokens", &app.b.as_role(Role::Admin))
        .await
        .json();
    assert!(tokens[0]["revoked_at"].is_null());
    // B's shared object is still there, unchanged, and nothing was added.
    let objects = crate::taxii::get(
        &app,
        &format!("/taxii2/b-root/collections/{}/objects/", t.collection),
        &app.b.as_role(Role::Staff),
    )
    .await
    .json();
    assert_eq!(objects["objects"].as_array().unwrap().len(), 1, "{objects}");
    assert_eq!(objects["objects"][0]["id"], t.object.as_str());
}

/// (role of tenant A, method, path, body) that must be 403.
#[tokio::test]
async fn roles_without_the_permission_get_403() {
    let app = TestApp::new().await;
    let a = &app.a.org_id;
    let exec = &app.a.user_ids[&Role::Executive];
    let (shared, _, _) = crate::taxii::setup(&app).await;
    let cases: Vec<(Role, Route, String)> = vec![
        (
            Role::Admin,
            r(Method::POST, "/api/v1/orgs", Body_::Json(org_json)),
            "/api/v1/orgs".into(),
        ),
        (
            Role::Admin,
            r(Method::POST, "", Body_::Json(attr_json)),
            format!("/api/v1/orgs/{a}/attributes"),
        ),
        (
            Role::Admin,
            r(Method::GET, "", Body_::None),
            "/orgs/new".into(),
        ),
        (
            Role::Admin,
            r(Method::POST, "", Body_::Form(ORG_FORM)),
            "/orgs".into(),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Json(user_json)),
            format!("/api/v1/orgs/{a}/users"),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Form(USER_FORM)),
            format!("/orgs/{a}/users"),
        ),
        (
            Role::Staff,
            r(Method::PATCH, "", Body_::Json(change_json)),
            format!("/api/v1/users/{exec}"),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Form(ROLE_FORM)),
            format!("/users/{exec}"),
        ),
        (
            Role::Staff,
            r(Method::GET, "", Body_::None),
            "/api/v1/tokens".into(),
        ),
        (
            Role::Staff,
            r(Method::GET, "", Body_::None),
            "/tokens".into(),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Json(token_json)),
            "/api/v1/tokens".into(),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Form(TOKEN_FORM)),
            "/tokens".into(),
        ),
        (
            Role::Staff,
            r(Method::GET, "", Body_::None),
            "/api/v1/audit".into(),
        ),
        (
            Role::Staff,
            r(Method::GET, "", Body_::None),
            "/audit".into(),
        ),
        (
            Role::Staff,
            r(Method::PUT, "", Body_::Json(org_json)),
            format!("/api/v1/orgs/{a}"),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(user_json)),
            format!("/api/v1/orgs/{a}/users"),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Json(token_json)),
            "/api/v1/tokens".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Form(ORG_FORM)),
            format!("/orgs/{a}"),
        ),
        (
            Role::Executive,
            r(Method::POST, "", Body_::Json(token_json)),
            "/api/v1/tokens".into(),
        ),
        (
            Role::Admin,
            r(Method::POST, "", Body_::Json(root_json)),
            "/api/v1/sharing/roots".into(),
        ),
        (
            Role::Admin,
            r(Method::POST, "", Body_::Json(collection_json)),
            "/api/v1/sharing/roots/isac/collections".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Taxii(envelope_json)),
            format!("/taxii2/isac/collections/{shared}/objects/"),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Taxii(envelope_json)),
            "/taxii2/alerts/collections/alerts/objects/".into(),
        ),
        (
            Role::Auditor,
            r(
                Method::POST,
                "",
                Body_::Json(crate::access_posture::assessment_json),
            ),
            "/api/v1/posture/assessments".into(),
        ),
        (
            Role::Auditor,
            r(
                Method::POST,
                "",
                Body_::Form(crate::access_posture::ASSESSMENT_FORM),
            ),
            "/posture/assessments".into(),
        ),
        (
            Role::Auditor,
            r(
                Method::POST,
                "",
                Body_::Json(crate::access_posture::risk_json),
            ),
            "/api/v1/posture/risks".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Multipart),
            "/api/v1/posture/evidence".into(),
        ),
        (
            Role::Auditor,
            r(
                Method::POST,
                "",
                Body_::Form(crate::access_posture::FINDING_FORM),
            ),
            "/posture/findings".into(),
        ),
        (
            Role::Auditor,
            r(Method::POST, "", Body_::Form(INDICATOR_FORM)),
            format!("/sharing/isac/{shared}/indicators"),
        ),
        (
            Role::Staff,
            r(Method::POST, "", Body_::Form(INDICATOR_FORM)),
            "/sharing/alerts/alerts/indicators".into(),
        ),
    ];
    let own_vuln = crate::access_vuln::records_of(&app, &app.a).await;
    let cases: Vec<(Role, Route, String)> = cases
        .into_iter()
        .chain(crate::access_detections::forbidden())
        .chain(crate::access_vuln::forbidden(&own_vuln))
        .chain(crate::access_vuln_tp::forbidden())
        .collect();
    let audit_before = app.audit_count().await;
    for (role, route, path) in &cases {
        let resp = call(&app, route, path, &app.a.as_role(*role), false).await;
        assert_eq!(
            resp.status,
            StatusCode::FORBIDDEN,
            "{role:?} {} {path}: {}",
            route.method,
            resp.body
        );
    }
    assert_eq!(
        app.audit_count().await,
        audit_before,
        "refused actions change nothing"
    );
    // The auditor reads the audit log; the FSA administrator reads everybody's.
    assert_eq!(
        app.get("/api/v1/audit", &app.a.as_role(Role::Auditor))
            .await
            .status,
        StatusCode::OK
    );
    let all = app
        .get("/api/v1/audit?action=login.", &app.fsa.as_role(Role::Admin))
        .await
        .json();
    assert!(all.as_array().unwrap().len() >= 16, "{all}");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = TestApp::new().await;
    let t = b_target(&app).await;
    let own = Target {
        org: app.a.org_id.clone(),
        user: app.a.user_ids[&Role::Staff].clone(),
        token: t.token.clone(),
        ..t
    };
    let before = app.audit_count().await;
    for route in protected().into_iter().filter(|r| r.method != Method::GET) {
        let path = fill(route.path, &own);
        let r = call(&app, &route, &path, &app.a.as_role(Role::Admin), true).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {path}", route.method);
        if path.starts_with("/api/") || path.starts_with("/taxii2") {
            assert_eq!(r.json()["error"]["code"], "err-csrf");
        } else {
            // A person's refused form gets a page in their language, not JSON.
            assert!(
                r.body.contains("別のサイトからの送信は受け付けません"),
                "{path}"
            );
        }
    }
    for path in ["/login", "/lang", "/setup", "/login/mfa"] {
        let route = r(
            Method::POST,
            "",
            Body_::Form(&[("login", "a-admin"), ("password", crate::util::PASSWORD)]),
        );
        assert_eq!(
            call(&app, &route, path, &Who::Anon, true).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(app.audit_count().await, before, "nothing happened");
}

#[tokio::test]
async fn a_local_bureau_sees_only_its_region() {
    let app = TestApp::new().await;
    let list = app
        .get("/api/v1/orgs?limit=500", &app.kinki.as_role(Role::Staff))
        .await
        .json();
    let mut names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name_en"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Bank A", "Kinki Bureau"]);
    let b = app
        .get(
            &format!("/api/v1/orgs/{}", app.b.org_id),
            &app.kinki.as_role(Role::Staff),
        )
        .await;
    assert_eq!(b.status, StatusCode::NOT_FOUND);
    let fsa = app
        .get(
            "/api/v1/orgs?kind=institution",
            &app.fsa.as_role(Role::Staff),
        )
        .await
        .json();
    assert_eq!(fsa.as_array().unwrap().len(), 2, "{fsa}");
}

#[test]
fn the_route_table_covers_the_router() {
    let src = [
        include_str!("../../src/router/mod.rs"),
        include_str!("../../src/router/incident_response.rs"),
        include_str!("../../src/router/vuln.rs"),
        include_str!("../../src/router/vuln_tp.rs"),
    ]
    .concat();
    // Placeholder names differ between the table and the router: compare without them.
    let shape = |p: &str| {
        p.split('?')
            .next()
            .unwrap_or_default()
            .split('/')
            .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    };
    let table: Vec<String> = protected().iter().map(|r| shape(r.path)).collect();
    let mut missing = Vec::new();
    // `.route(` followed by the path on the same line or, as rustfmt writes long ones, the next.
    for part in src.split(".route(").skip(1) {
        let Some(rest) = part.trim_start().strip_prefix('"') else {
            continue;
        };
        let path = rest.split('"').next().unwrap();
        if !table.iter().any(|t| *t == shape(path)) && !PUBLIC.contains(&path) {
            missing.push(path.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "routes without access tests: {missing:?}"
    );
}
