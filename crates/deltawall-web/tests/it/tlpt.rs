//! TLPT engagements through the pages: one engagement through every gate, its gaps becoming
//! findings with a retest and a rule to write, what the red team and the supervisor see,
//! the share-safe chain and the engagement's layer read back by the layer reader.

use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;

/// A form's fields.
type Fields<'a> = &'a [(&'a str, &'a str)];

const BUNDLE_18: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");

/// Posts a form and expects the redirect back to the engagement (or the given page).
async fn ok(app: &TestApp, who: &Who, path: &str, fields: &[(&str, &str)]) -> String {
    let r = app.form(Method::POST, path, who, fields).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{path} {fields:?}: {}",
        r.body
    );
    r.location().unwrap_or_default().to_owned()
}

async fn command(app: &TestApp, who: &Who, id: &str, fields: &[(&str, &str)]) {
    ok(app, who, &format!("/tlpt/{id}/commands"), fields).await;
}

/// A multipart upload of one part `bundle`.
pub fn bundle_body(text: &str) -> (String, String) {
    let boundary = "dw-attack-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"bundle\"; filename=\"enterprise.json\"\r\nContent-Type: application/json\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(app: &TestApp, who: &Who, text: &str) -> crate::util::Resp {
    let (ct, body) = bundle_body(text);
    let req = TestApp::request(Method::POST, "/attack/releases", who)
        .header("content-type", ct)
        .header("sec-fetch-site", "same-origin")
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send(req).await
}

/// A's engagement up to the testing phase: teams, a critical function, the
/// threat-intelligence report and one scenario of three steps. Returns its id.
pub async fn engagement_in_testing(app: &TestApp) -> String {
    let control = app.a.as_role(Role::Admin);
    let loc = ok(
        app,
        &control,
        "/tlpt",
        &[("title", "TLPT 2026 本番"), ("deadline.retest", "90")],
    )
    .await;
    let id = loc.trim_start_matches("/tlpt/").to_owned();
    let staff = app.a.user_ids[&Role::Staff].clone();
    let exec = app.a.user_ids[&Role::Executive].clone();
    for (user, role) in [
        (&staff, "red_team"),
        (&exec, "blue_team"),
        (&exec, "threat_intelligence"),
    ] {
        command(
            app,
            &control,
            &id,
            &[("command", "add_member"), ("user_id", user), ("role", role)],
        )
        .await;
    }
    command(
        app,
        &control,
        &id,
        &[
            ("command", "add_critical_function"),
            ("name", "インターネットバンキング"),
        ],
    )
    .await;
    command(app, &control, &id, &[("command", "pass_gate")]).await;
    let blue = app.a.as_role(Role::Executive);
    command(
        app,
        &blue,
        &id,
        &[
            ("command", "submit_report"),
            ("kind", "threat_intelligence"),
            ("document", "ti-report-1"),
        ],
    )
    .await;
    command(app, &control, &id, &[("command", "pass_gate")]).await;
    let red = app.a.as_role(Role::Staff);
    let steps = "T1078 [initial-access] 窃取した正規アカウントでログイン\n\
                 T1110.003 [credential-access] パスワードスプレー\n\
                 T1562 [defense-evasion] EDR の停止";
    ok(
        app,
        &red,
        &format!("/tlpt/{id}/scenarios"),
        &[
            ("name", "送金系への侵入"),
            ("critical_function", "インターネットバンキング"),
            ("attack_version", "18.1"),
            ("steps", steps),
        ],
    )
    .await;
    command(app, &control, &id, &[("command", "pass_gate")]).await;
    id
}

#[tokio::test]
async fn an_engagement_passes_every_gate_and_its_gaps_become_findings_and_rules_to_write() {
    let app = TestApp::new().await;
    let r = upload(&app, &app.fsa.as_role(Role::Admin), BUNDLE_18).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = engagement_in_testing(&app).await;
    let control = app.a.as_role(Role::Admin);
    // a gate whose requirement is missing is refused and says what is missing
    let early = app
        .form(
            Method::POST,
            &format!("/tlpt/{id}/commands"),
            &control,
            &[("command", "pass_gate")],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("EveryStepRecorded"), "{}", early.body);
    for (step, outcome) in [("1", "alerted"), ("2", "undetected"), ("3", "prevented")] {
        command(
            &app,
            &control,
            &id,
            &[
                ("command", "record_outcome"),
                ("scenario", "1"),
                ("step", step),
                ("outcome", outcome),
                ("started", "2026-05-11T10:00"),
                ("ended", "2026-05-11T10:30"),
                ("blue_notes", "SOC チケット BLUE-SECRET-42"),
            ],
        )
        .await;
    }
    let red = app.a.as_role(Role::Staff);
    command(
        &app,
        &red,
        &id,
        &[
            ("command", "submit_report"),
            ("kind", "red_team"),
            ("document", "red-1"),
        ],
    )
    .await;
    command(&app, &control, &id, &[("command", "pass_gate")]).await;
    let blue = app.a.as_role(Role::Executive);
    command(
        &app,
        &blue,
        &id,
        &[
            ("command", "submit_report"),
            ("kind", "blue_team"),
            ("document", "blue-1"),
        ],
    )
    .await;
    let findings_before = app.get("/api/v1/posture/findings", &control).await.json();
    command(&app, &control, &id, &[("command", "pass_gate")]).await;

    // closure passed: two gaps, each with a finding; the one no rule covers is a rule to write
    let page = app.get(&format!("/tlpt/{id}"), &control).await;
    assert_eq!(page.status, StatusCode::OK);
    let gaps = page
        .body
        .split("id=\"tlpt-gaps\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<&str> = gaps.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 2, "{gaps}");
    assert!(
        rows[0].contains("T1110.003") && rows[0].contains("rule-to-write\">—"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("T1562") && rows[1].contains("要作成"),
        "{}",
        rows[1]
    );
    assert!(rows.iter().all(|r| r.contains("/posture/findings/")));
    let findings = app.get("/api/v1/posture/findings", &control).await.json();
    let count = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
    assert_eq!(count(&findings), count(&findings_before) + 2, "{findings}");
    let finding_id = rows[1]
        .split("/posture/findings/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let f = app
        .get(&format!("/api/v1/posture/findings/{finding_id}"), &control)
        .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    assert!(
        f.body.contains("T1562") && f.body.contains("TLPT retest"),
        "{}",
        f.body
    );
    assert!(
        f.body.contains("medium"),
        "prevented without an alert is a medium gap: {}",
        f.body
    );

    command(
        &app,
        &control,
        &id,
        &[
            ("command", "submit_report"),
            ("kind", "remediation_plan"),
            ("document", "plan-1"),
        ],
    )
    .await;
    command(&app, &control, &id, &[("command", "pass_gate")]).await;
    for step in ["2", "3"] {
        command(
            &app,
            &control,
            &id,
            &[
                ("command", "record_retest"),
                ("scenario", "1"),
                ("step", step),
                ("outcome", "prevented_and_alerted"),
            ],
        )
        .await;
    }
    command(&app, &control, &id, &[("command", "pass_gate")]).await;
    let done = app.get(&format!("/tlpt/{id}"), &control).await;
    assert!(done.body.contains("完了"), "{}", done.body);
    assert!(
        !done.body.contains("id=\"pass-gate\""),
        "no gate after the last"
    );

    // the red team sees its steps but none of the blue team's side
    let red_view = app.get(&format!("/tlpt/{id}"), &red).await;
    assert_eq!(red_view.status, StatusCode::OK);
    assert!(red_view.body.contains("パスワードスプレー"));
    assert!(!red_view.body.contains("BLUE-SECRET-42") && !red_view.body.contains("未検知"));
    assert_eq!(
        app.get(&format!("/tlpt/{id}/layer"), &red).await.status,
        StatusCode::FORBIDDEN
    );
    // the share-safe chain carries the steps and nothing of the defence
    let chain = app.get(&format!("/tlpt/{id}/chain"), &control).await;
    assert_eq!(chain.status, StatusCode::OK);
    assert!(chain.body.contains("T1562") && chain.body.contains("EDR の停止"));
    for secret in ["BLUE-SECRET-42", "undetected", "prevented", "finding"] {
        assert!(!chain.body.contains(secret), "{secret} in {}", chain.body);
    }
    // the engagement's layer: each technique coloured by its outcome, valid when read back
    let layer = app
        .get(&format!("/tlpt/{id}/layer/download"), &control)
        .await;
    assert_eq!(layer.status, StatusCode::OK);
    let l = deltawall_attack::read_layer(&layer.body).expect("the layer reads back");
    let score = |t: &str| {
        l.techniques
            .iter()
            .find(|x| x.technique_id.as_str() == t)
            .and_then(|x| x.score)
    };
    assert_eq!(
        (score("T1078"), score("T1110.003"), score("T1562")),
        (Some(1), Some(0), Some(2))
    );
    assert_eq!(l.versions.attack.as_deref(), Some("18"));
    let matrix = app.get(&format!("/tlpt/{id}/layer"), &control).await;
    assert!(
        matrix.body.contains("Credential Access")
            && matrix.body.contains("data-technique=\"T1562\""),
        "{}",
        matrix.body
    );
    // the supervisor within reach observes; the other institution sees nothing
    let fsa = app
        .get(&format!("/tlpt/{id}"), &app.fsa.as_role(Role::Staff))
        .await;
    assert_eq!(fsa.status, StatusCode::OK);
    assert!(fsa.body.contains("BLUE-SECRET-42"));
    assert_eq!(
        app.get(&format!("/tlpt/{id}"), &app.b.as_role(Role::Admin))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // a member of A who plays no role does not see it either
    assert_eq!(
        app.get(&format!("/tlpt/{id}"), &app.a.as_role(Role::Auditor))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // every gate and every raised finding is in the audit trail
    let audit = app.get("/api/v1/audit?limit=200", &control).await.body;
    assert_eq!(audit.matches("tlpt.pass_gate").count(), 7, "{audit}");
    assert_eq!(audit.matches("tlpt.gap_finding").count(), 2);
}

#[tokio::test]
async fn bad_scenarios_and_commands_are_refused_with_their_location() {
    let app = TestApp::new().await;
    let control = app.a.as_role(Role::Admin);
    let loc = ok(&app, &control, "/tlpt", &[("title", "x")]).await;
    let id = loc.trim_start_matches("/tlpt/");
    let cases: [(Fields, StatusCode, &str); 3] = [
        (
            &[
                ("command", "add_member"),
                ("user_id", &app.b.user_ids[&Role::Staff]),
                ("role", "red_team"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "user",
        ),
        (
            &[("command", "jump")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "command",
        ),
        (
            &[
                ("command", "record_retest"),
                ("scenario", "0"),
                ("step", "1"),
                ("outcome", "alerted"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "scenario",
        ),
    ];
    for (fields, status, word) in cases {
        let r = app
            .form(
                Method::POST,
                &format!("/tlpt/{id}/commands"),
                &control,
                fields,
            )
            .await;
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
        assert!(
            r.body.to_lowercase().contains(word)
                || r.body.contains("ユーザー")
                || r.body.contains("シナリオ")
                || r.body.contains("操作"),
            "{fields:?}: {}",
            r.body
        );
    }
    // the red team's step list names the line at fault
    let staff = app.a.user_ids[&Role::Staff].clone();
    command(
        &app,
        &control,
        id,
        &[
            ("command", "add_member"),
            ("user_id", &staff),
            ("role", "red_team"),
        ],
    )
    .await;
    let r = app
        .form(
            Method::POST,
            &format!("/tlpt/{id}/scenarios"),
            &app.a.as_role(Role::Staff),
            &[
                ("name", "s"),
                ("critical_function", "x"),
                ("attack_version", "18.1"),
                ("steps", "T1078 ok\nT1110"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("line 2"), "{}", r.body);
}

/// The demo (`serve --demo`): the group's control team sees the ATT&CK matrix of the demo
/// release and an engagement in the remediation-plan phase whose gaps are findings; the red
/// team sees the steps without outcomes; the FSA observes.
#[tokio::test]
async fn the_demo_shows_the_matrix_and_an_engagement_in_remediation() {
    use crate::util::PASSWORD;
    let app = TestApp::without_tenants().await;
    deltawall_demo::seed(&app.db.store, PASSWORD).await.unwrap();
    let control = Who::Session(app.login("mfg-admin", PASSWORD).await);
    let list = app.get("/api/v1/tlpt/engagements", &control).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["phase"], "remediation_plan");
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let v = app
        .get(&format!("/api/v1/tlpt/engagements/{id}"), &control)
        .await
        .json();
    assert_eq!(v["engagement"]["scenarios"].as_array().unwrap().len(), 2);
    let gaps: Vec<(String, bool)> = v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert!(g["finding_id"].is_string(), "{g}");
            let t = g["technique"].as_str().unwrap().to_owned();
            (t, g["rule_to_write"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        gaps,
        [
            ("T1078".to_owned(), false),
            ("T1021".to_owned(), true),
            ("T1562".to_owned(), true)
        ]
    );
    let page = app.get(&format!("/tlpt/{id}"), &control).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("勘定系への横展開"), "{}", page.body);
    let matrix = app.get("/attack/layers/detection", &control).await;
    assert_eq!(matrix.status, StatusCode::OK);
    assert!(
        matrix.body.contains("Credential Access")
            && matrix.body.contains("data-technique=\"T1110.003\""),
        "{}",
        matrix.body
    );
    let layer = app.get(&format!("/tlpt/{id}/layer"), &control).await;
    assert!(
        layer.body.contains("data-technique=\"T1021\""),
        "{}",
        layer.body
    );
    let red = Who::Session(app.login("mfg-red", PASSWORD).await);
    let r = app.get(&format!("/tlpt/{id}"), &red).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("INC-0"), "{}", r.body);
    let fsa = Who::Session(app.login("fsa-staff", PASSWORD).await);
    assert_eq!(
        app.get(&format!("/tlpt/{id}"), &fsa).await.status,
        StatusCode::OK
    );
}
