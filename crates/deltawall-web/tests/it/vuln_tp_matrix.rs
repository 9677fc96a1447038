//! The contract form's responsibility-matrix overrides (issue 15, item 6): a control set in
//! the form is saved and shown on the contract's page, a control left at its default keeps
//! the service model's, a cross-site post is refused, and the other tenant neither sees
//! the contract nor changes it by posting its own.

use crate::access_vuln_tp::CONTRACT_FORM;
use crate::util::TestApp;
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use deltawall_domain::role::Role;

/// The form of A's IaaS contract with the identity control moved to the provider.
fn form_with_override() -> Vec<(&'static str, &'static str)> {
    let mut f: Vec<_> = CONTRACT_FORM
        .iter()
        .copied()
        .filter(|(k, _)| !matches!(*k, "provider" | "service_model"))
        .collect();
    f.extend([
        ("provider", "A Cloud"),
        ("service_model", "iaas"),
        ("matrix_identity", "provider"),
        ("matrix_data", ""),
    ]);
    f
}

/// The matrix of a contract read through the API, as (control, holder) pairs.
async fn matrix(app: &TestApp, who: &crate::util::Who, id: &str) -> Vec<(String, String)> {
    let r = app
        .get(&format!("/api/v1/vulnerabilities/contracts/{id}"), who)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = r.json()["matrix"].as_object().unwrap().clone();
    m.into_iter()
        .map(|(c, h)| (c, h.as_str().unwrap().to_owned()))
        .collect()
}

fn pair(c: &str, h: &str) -> (String, String) {
    (c.to_owned(), h.to_owned())
}

#[tokio::test]
async fn a_matrix_override_is_saved_shown_and_kept_from_the_other_tenant() {
    let app = TestApp::new().await;
    let a = app.a.as_role(Role::Staff);
    let b = app.b.as_role(Role::Staff);

    let page = app.get("/vulnerabilities/contracts", &a).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"name="matrix_identity""#),
        "one select per control"
    );
    assert!(
        page.body.contains(r#"<label for="vc-matrix-physical">"#),
        "labelled"
    );

    let r = app
        .form(
            Method::POST,
            "/vulnerabilities/contracts",
            &a,
            &form_with_override(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location().unwrap().to_owned();
    let id = to.rsplit('/').next().unwrap().to_owned();

    // IaaS puts identity with the institution; the override moves it, the rest stay.
    let m = matrix(&app, &a, &id).await;
    assert!(m.contains(&pair("identity", "provider")), "{m:?}");
    assert!(m.contains(&pair("data", "institution")), "{m:?}");
    assert!(m.contains(&pair("physical", "provider")), "{m:?}");
    let shown = app.get(&to, &a).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains("ID・アクセス管理</th><td>事業者</td>"),
        "the override is shown: {}",
        shown.body
    );

    // B sees neither the contract nor its matrix.
    assert_eq!(app.get(&to, &b).await.status, StatusCode::NOT_FOUND);
    let api = format!("/api/v1/vulnerabilities/contracts/{id}");
    assert_eq!(app.get(&api, &b).await.status, StatusCode::NOT_FOUND);
    let list = app.get("/vulnerabilities/contracts", &b).await;
    assert!(!list.body.contains("A Cloud") && !list.body.contains(&id));

    // B's own post with other overrides makes B's contract and leaves A's as it was.
    let mut other = form_with_override();
    other.retain(|(k, _)| *k != "matrix_identity");
    other.push(("matrix_identity", "shared"));
    let r = app
        .form(Method::POST, "/vulnerabilities/contracts", &b, &other)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_ne!(r.location(), Some(to.as_str()));
    assert_eq!(matrix(&app, &a, &id).await, m);

    // A cross-site post is refused before the handler.
    let body = serde_urlencoded::to_string(form_with_override()).unwrap();
    let req = TestApp::request(Method::POST, "/vulnerabilities/contracts", &a)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    let list = app
        .get("/api/v1/vulnerabilities/contracts", &a)
        .await
        .json();
    let mine = list.as_array().map_or(0, Vec::len);
    assert_eq!(mine, 1, "only the first post made a contract: {list}");
}
