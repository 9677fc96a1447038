//! The ATT&CK and TLPT rows of the access route table (`access.rs`). `{engagement}` is an
//! engagement of tenant B (titled "B only", which the table's leak check looks for);
//! `{layer}` is left as written, since every layer is built from the reader's own scope
//! (the cross-tenant checks of layers are in `attack.rs`).

use crate::access::{Body_, Route, r};
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;

/// A form's fields.
type Fields = &'static [(&'static str, &'static str)];

const CREATE_FORM: &[(&str, &str)] = &[("title", "hijack")];
const COMMAND_FORM: &[(&str, &str)] = &[("command", "pass_gate")];
const SCENARIO_FORM: &[(&str, &str)] = &[
    ("name", "hijack"),
    ("critical_function", "x"),
    ("attack_version", "18.1"),
    ("steps", "T1078 hijack"),
];
const MAPPING_FORM: &[(&str, &str)] = &[
    ("subject_kind", "rule"),
    ("subject_id", "hijack"),
    ("technique", "T1078"),
];

fn create_json() -> serde_json::Value {
    serde_json::json!({"title": "hijack"})
}
fn command_json() -> serde_json::Value {
    serde_json::json!({"command": "pass_gate"})
}

/// The ATT&CK and TLPT routes.
pub fn routes() -> Vec<Route> {
    use Body_::*;
    vec![
        r(Method::GET, "/attack", None),
        r(Method::POST, "/attack/releases", Multipart),
        r(Method::POST, "/attack/mappings", Form(MAPPING_FORM)),
        r(Method::GET, "/attack/layers/{layer}", None),
        r(Method::GET, "/attack/layers/{layer}/download", None),
        r(Method::GET, "/api/v1/attack/layers/detection", None),
        r(Method::GET, "/tlpt", None),
        r(Method::POST, "/tlpt", Form(CREATE_FORM)),
        r(Method::GET, "/tlpt/{engagement}", None),
        r(
            Method::POST,
            "/tlpt/{engagement}/commands",
            Form(COMMAND_FORM),
        ),
        r(
            Method::POST,
            "/tlpt/{engagement}/scenarios",
            Form(SCENARIO_FORM),
        ),
        r(Method::GET, "/tlpt/{engagement}/chain", None),
        r(Method::GET, "/tlpt/{engagement}/layer", None),
        r(Method::GET, "/tlpt/{engagement}/layer/download", None),
        r(Method::GET, "/api/v1/tlpt/engagements", None),
        r(Method::POST, "/api/v1/tlpt/engagements", Json(create_json)),
        r(Method::GET, "/api/v1/tlpt/engagements/{engagement}", None),
        r(
            Method::POST,
            "/api/v1/tlpt/engagements/{engagement}/commands",
            Json(command_json),
        ),
        r(
            Method::GET,
            "/api/v1/tlpt/engagements/{engagement}/chain",
            None,
        ),
        r(
            Method::GET,
            "/api/v1/tlpt/engagements/{engagement}/layer",
            None,
        ),
        r(Method::GET, "/posture/group/maturity", None),
    ]
}

/// An engagement of B's, with a critical function only B knows.
pub async fn b_engagement(app: &TestApp) -> String {
    let who = app.b.as_role(Role::Admin);
    let r = app
        .form(Method::POST, "/tlpt", &who, &[("title", "B only TLPT")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r
        .location()
        .unwrap()
        .trim_start_matches("/tlpt/")
        .to_owned();
    let r = app
        .form(
            Method::POST,
            &format!("/tlpt/{id}/commands"),
            &who,
            &[
                ("command", "add_critical_function"),
                ("name", "Shinkin B 勘定系"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id
}

/// Who may not write: auditors and supervisors start no engagement, institutions import no
/// release, and a member of the institution without a role in the engagement changes
/// nothing of it.
#[tokio::test]
async fn roles_without_the_permission_or_the_engagement_role_are_refused() {
    let app = TestApp::new().await;
    let a_id = {
        let r = app
            .form(
                Method::POST,
                "/tlpt",
                &app.a.as_role(Role::Admin),
                CREATE_FORM,
            )
            .await;
        r.location()
            .unwrap()
            .trim_start_matches("/tlpt/")
            .to_owned()
    };
    let commands = format!("/tlpt/{a_id}/commands");
    let cases: Vec<(Who, &str, Fields, StatusCode)> = vec![
        (
            app.a.as_role(Role::Auditor),
            "/tlpt",
            CREATE_FORM,
            StatusCode::FORBIDDEN,
        ),
        (
            app.fsa.as_role(Role::Admin),
            "/tlpt",
            CREATE_FORM,
            StatusCode::FORBIDDEN,
        ),
        (
            app.a.as_role(Role::Auditor),
            "/attack/mappings",
            MAPPING_FORM,
            StatusCode::FORBIDDEN,
        ),
        (
            app.a.as_role(Role::Auditor),
            &commands,
            COMMAND_FORM,
            StatusCode::FORBIDDEN,
        ),
        (
            app.a.as_role(Role::Staff),
            &commands,
            COMMAND_FORM,
            StatusCode::NOT_FOUND,
        ),
        (
            app.fsa.as_role(Role::Admin),
            &commands,
            COMMAND_FORM,
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, path, form, status) in cases {
        let r = app.form(Method::POST, path, &who, form).await;
        assert_eq!(r.status, status, "{path} {form:?}: {}", r.body);
    }
}
