//! Pages: languages, security headers, every role's dashboard, exports, health.

use crate::util::{TestApp, Who};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;

#[tokio::test]
async fn japanese_first_english_on_request_and_by_preference() {
    let app = TestApp::new().await;
    let anon_ja = app.get("/login", &Who::Anon).await;
    assert!(anon_ja.body.contains("<html lang=\"ja\">") && anon_ja.body.contains("ログイン"));
    let req = TestApp::request(Method::GET, "/login", &Who::Anon)
        .header("accept-language", "en-GB,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    let anon_en = app.send(req).await;
    assert!(anon_en.body.contains("Sign in"), "{}", anon_en.body);
    // A visitor's switch is a cookie; a user's switch is stored on the account.
    let r = app
        .form(
            Method::POST,
            "/lang",
            &Who::Anon,
            &[("lang", "en"), ("next", "//evil.example")],
        )
        .await;
    assert_eq!(r.location(), Some("/"), "no open redirect");
    assert!(
        r.headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("dw_lang=en")
    );
    let who = app.a.as_role(Role::Staff);
    app.form(
        Method::POST,
        "/lang",
        &who,
        &[("lang", "en"), ("next", "/orgs")],
    )
    .await;
    let page = app.get("/orgs", &who).await;
    assert!(
        page.body.contains("<html lang=\"en\">") && page.body.contains("Organisations"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn every_role_of_every_tenant_sees_its_dashboard() {
    let app = TestApp::new().await;
    for tenant in [&app.a, &app.b, &app.fsa, &app.kinki] {
        for role in Role::ALL {
            let r = app.get("/", &tenant.as_role(*role)).await;
            assert_eq!(r.status, StatusCode::OK, "{role:?}");
        }
    }
    let fsa = app.get("/", &app.fsa.as_role(Role::Staff)).await;
    assert!(
        fsa.body.contains("<svg") && fsa.body.contains("<table>"),
        "chart with its table"
    );
    let bank = app.get("/", &app.a.as_role(Role::Staff)).await;
    assert!(
        !bank.body.contains("<svg"),
        "institutions have no sector chart"
    );
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::new().await;
    let r = app.get("/login", &Who::Anon).await;
    let csp = r
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    for h in [
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "cache-control",
    ] {
        assert!(r.headers.contains_key(h), "{h}");
    }
}

#[tokio::test]
async fn organisations_export_as_csv_within_scope() {
    let app = TestApp::new().await;
    let r = app.get("/orgs.csv", &app.kinki.as_role(Role::Staff)).await;
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines.len(), 3, "header, the bureau and Bank A: {lines:?}");
    assert!(!r.body.contains("Shinkin B"));
}

#[tokio::test]
async fn organisations_export_as_xlsx_within_scope() {
    let app = TestApp::new().await;
    let r = app.get("/orgs.xlsx", &app.kinki.as_role(Role::Staff)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.raw)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    let csv = app.get("/orgs.csv", &app.kinki.as_role(Role::Staff)).await;
    for line in csv.body.lines().skip(1) {
        let name_ja = line.split(',').nth(1).unwrap();
        assert!(
            strings.contains(name_ja),
            "{name_ja} missing from {strings}"
        );
    }
    assert!(
        !strings.contains("Shinkin B"),
        "another tenant's row leaked"
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", &Who::Anon).await.body, "ok");
    assert_eq!(app.get("/readyz", &Who::Anon).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/static/app.css", &Who::Anon).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn supervisor_registers_an_institution_and_its_history_is_kept() {
    let app = TestApp::new().await;
    let fsa = app.fsa.as_role(Role::Admin);
    let fields = [
        ("name_ja", "テスト信用組合"),
        ("name_en", "Test Credit Coop"),
        ("kind", "institution"),
        ("business_type", "credit_cooperative"),
        ("region", "tohoku"),
        ("parent_id", ""),
    ];
    let r = app.form(Method::POST, "/orgs", &fsa, &fields).await;
    let loc = r.location().unwrap().to_owned();
    assert!(loc.ends_with("?notice=created"), "{loc}");
    let id = loc
        .trim_start_matches("/orgs/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    for (value, from) in [("small", "2022-04-01"), ("medium", "2024-04-01")] {
        let r = app
            .form(
                Method::POST,
                &format!("/orgs/{id}/attributes"),
                &fsa,
                &[
                    ("kind", "size_band"),
                    ("value", value),
                    ("valid_from", from),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = app.get(&format!("/orgs/{id}"), &fsa).await;
    assert!(
        page.body.contains("テスト信用組合") && page.body.contains("2024-04-01 00:00"),
        "{}",
        page.body
    );
    let audit = app.get("/api/v1/audit?action=org.", &fsa).await.json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["org.set_attribute", "org.set_attribute", "org.create"]
    );
}
