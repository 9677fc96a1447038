//! The TLPT JSON API for machine clients: one engagement through every gate with a bearer
//! token, what each role reads back, bad commands named by their place, and an outsider
//! (another tenant, a bureau out of reach, a member of the institution without a role)
//! answered exactly as for an unknown id.

use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::{Value, json};

const BUNDLE_18: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");
const T: i64 = 1_778_472_000_000_000;

/// A write token of the given user, as a machine client holds it.
pub async fn token(app: &TestApp, who: &Who) -> Who {
    let body = json!({"name": "tlpt client", "scope": "write", "days": 30,
        "current_password": crate::util::PASSWORD});
    let r = app.json(Method::POST, "/api/v1/tokens", who, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    Who::Token(r.json()["token"].as_str().unwrap().to_owned())
}

pub async fn cmd(app: &TestApp, who: &Who, id: &str, body: Value) {
    let path = format!("/api/v1/tlpt/engagements/{id}/commands");
    let r = app.json(Method::POST, &path, who, &body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{body}: {}", r.body);
}

fn step(technique: &str, tactic: &str, description: &str) -> Value {
    json!({"technique": technique, "tactic": tactic, "description": description})
}

/// An engagement of A's driven through the API up to testing; the control team's client
/// uses a bearer token. Returns (id, control token).
pub async fn in_testing(app: &TestApp) -> (String, Who) {
    let control = token(app, &app.a.as_role(Role::Admin)).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/tlpt/engagements",
            &control,
            &json!({"title": "API TLPT", "deadlines": {"retest": 90}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let (staff, exec) = (
        &app.a.user_ids[&Role::Staff],
        &app.a.user_ids[&Role::Executive],
    );
    for (user, role) in [
        (staff, "red_team"),
        (exec, "blue_team"),
        (exec, "threat_intelligence"),
    ] {
        cmd(
            app,
            &control,
            &id,
            json!({"command": "add_member", "user_id": user, "role": role}),
        )
        .await;
    }
    cmd(
        app,
        &control,
        &id,
        json!({"command": "add_critical_function", "name": "勘定系"}),
    )
    .await;
    cmd(app, &control, &id, json!({"command": "pass_gate"})).await;
    let blue = app.a.as_role(Role::Executive);
    let ti = json!({"command": "submit_report", "kind": "threat_intelligence", "document": "ti-1"});
    cmd(app, &blue, &id, ti).await;
    cmd(app, &control, &id, json!({"command": "pass_gate"})).await;
    let scenario = json!({"command": "add_scenario", "scenario": {
        "name": "勘定系への侵入", "critical_function": "勘定系", "attack_version": "18.1",
        "steps": [step("T1078", "initial-access", "正規アカウントでログイン"),
                  step("T1110.003", "credential-access", "パスワードスプレー"),
                  step("T1562", "defense-evasion", "EDR の停止")]}});
    cmd(app, &app.a.as_role(Role::Staff), &id, scenario).await;
    cmd(app, &control, &id, json!({"command": "pass_gate"})).await;
    (id, control)
}

#[tokio::test]
async fn a_machine_client_runs_an_engagement_through_every_gate() {
    let app = TestApp::new().await;
    let r = crate::tlpt::upload(&app, &app.fsa.as_role(Role::Admin), BUNDLE_18).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (id, control) = in_testing(&app).await;
    let path = format!("/api/v1/tlpt/engagements/{id}");
    // a gate whose requirement is missing answers 409 with what is missing
    let early = app
        .json(
            Method::POST,
            &format!("{path}/commands"),
            &control,
            &json!({"command": "pass_gate"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body.contains("EveryStepRecorded"), "{}", early.body);
    for (i, outcome) in ["alerted", "undetected", "prevented"].iter().enumerate() {
        let c = json!({"command": "record_outcome", "scenario": 0, "step": i, "outcome": outcome,
            "started_us": T, "ended_us": T + 1_800_000_000, "blue_notes": "SOC BLUE-SECRET-7"});
        cmd(&app, &control, &id, c).await;
    }
    let red = app.a.as_role(Role::Staff);
    let blue = app.a.as_role(Role::Executive);
    let report = |kind: &str| json!({"command": "submit_report", "kind": kind, "document": "doc"});
    cmd(&app, &red, &id, report("red_team")).await;
    cmd(&app, &control, &id, json!({"command": "pass_gate"})).await;
    cmd(&app, &blue, &id, report("blue_team")).await;
    cmd(&app, &control, &id, json!({"command": "pass_gate"})).await;
    let v = app.get(&path, &control).await.json();
    assert_eq!(v["engagement"]["phase"], "remediation_plan", "{v}");
    let gaps = v["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 2, "{v}");
    assert_eq!(
        v["engagement"]["findings"].as_array().unwrap().len(),
        2,
        "{v}"
    );
    cmd(&app, &control, &id, report("remediation_plan")).await;
    cmd(&app, &control, &id, json!({"command": "pass_gate"})).await;
    for i in [1, 2] {
        let c = json!({"command": "record_retest", "scenario": 0, "step": i, "outcome": "prevented_and_alerted"});
        cmd(&app, &control, &id, c).await;
    }
    cmd(&app, &control, &id, json!({"command": "pass_gate"})).await;
    let v = app.get(&path, &control).await.json();
    assert_eq!(v["engagement"]["phase"], "done", "{v}");
    assert!(v["gate"].is_null(), "no gate after the last: {v}");
    assert!(v["history"].as_array().unwrap().len() >= 20, "{v}");
    assert!(
        app.get("/api/v1/tlpt/engagements", &control)
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == id.as_str() && l["roles"][0] == "control_team")
    );

    // the red team reads its steps without the blue side, and no layer
    let rv = app.get(&path, &red).await;
    assert_eq!(rv.status, StatusCode::OK);
    let rj = rv.json();
    assert_eq!(rj["sees_blue"], false);
    assert!(
        rj["engagement"]["scenarios"][0]["steps"][1]["outcome"].is_null(),
        "{rj}"
    );
    assert!(
        rj["history"].as_array().unwrap().is_empty() && rj["gaps"].as_array().unwrap().is_empty()
    );
    assert!(!rv.body.contains("BLUE-SECRET-7"));
    assert_eq!(
        app.get(&format!("{path}/layer"), &red).await.status,
        StatusCode::FORBIDDEN
    );
    // the chain is share-safe for everyone who may see the engagement
    let chain = app.get(&format!("{path}/chain"), &control).await;
    assert_eq!(chain.status, StatusCode::OK);
    assert!(chain.body.contains("T1562") && chain.body.contains("EDR の停止"));
    for secret in ["BLUE-SECRET-7", "undetected", "prevented", "finding"] {
        assert!(!chain.body.contains(secret), "{secret} in {}", chain.body);
    }
    // the layer is a Navigator layer coloured by outcome
    let layer = app.get(&format!("{path}/layer"), &control).await;
    assert_eq!(layer.status, StatusCode::OK, "{}", layer.body);
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
    // the supervisor within reach observes through the API too
    let fsa = app.get(&path, &app.fsa.as_role(Role::Staff)).await;
    assert_eq!(fsa.status, StatusCode::OK);
    assert!(fsa.body.contains("BLUE-SECRET-7"));
    let audit = app
        .get("/api/v1/audit?limit=200", &app.a.as_role(Role::Admin))
        .await
        .body;
    assert_eq!(audit.matches("tlpt.pass_gate").count(), 7, "{audit}");
}

#[tokio::test]
async fn bad_commands_are_named_by_their_place() {
    let app = TestApp::new().await;
    let (id, control) = in_testing(&app).await;
    let path = format!("/api/v1/tlpt/engagements/{id}/commands");
    let long = "x".repeat(501);
    let cases = [
        (
            json!({"command": "add_scenario", "scenario": {"name": "s", "critical_function": "勘定系",
                "attack_version": "18.1", "steps": [step("T1078", "initial-access", "ok"),
                step("T1110", "credential-access", &long)]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "steps[1].description",
        ),
        (
            json!({"command": "record_outcome", "scenario": 0, "step": 7, "outcome": "alerted",
                "started_us": T, "ended_us": T}),
            StatusCode::CONFLICT,
            "step",
        ),
        (
            json!({"command": "jump"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "jump",
        ),
        (
            json!({"command": "pass_gate", "force": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "force",
        ),
        (
            json!({"command": "link_finding", "scenario": 0, "step": 0, "finding_id": "f"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "link_finding",
        ),
    ];
    for (body, status, word) in cases {
        let r = app.json(Method::POST, &path, &control, &body).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(r.body.contains(word), "{body}: {}", r.body);
    }
    let r = app
        .json(
            Method::POST,
            "/api/v1/tlpt/engagements",
            &control,
            &json!({"title": "x", "deadlines": {"retest": 0}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "deadlines");
    // a read-only token changes nothing
    let read = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            &app.a.as_role(Role::Admin),
            &json!({"name": "ro", "scope": "read", "days": 1, "current_password": crate::util::PASSWORD}),
        )
        .await
        .json();
    let ro = Who::Token(read["token"].as_str().unwrap().to_owned());
    let r = app
        .json(Method::POST, &path, &ro, &json!({"command": "pass_gate"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn an_outsider_gets_the_answer_of_an_unknown_id() {
    let app = TestApp::new().await;
    let (id, _) = in_testing(&app).await;
    let unknown = "00000000000000000000000000";
    let routes: [(Method, &str, Option<Value>); 4] = [
        (Method::GET, "", None),
        (Method::GET, "/chain", None),
        (Method::GET, "/layer", None),
        (
            Method::POST,
            "/commands",
            Some(json!({"command": "pass_gate"})),
        ),
    ];
    // B's users, and a member of A without a role in the engagement (the auditor)
    let outsiders = [
        app.b.as_role(Role::Admin),
        app.b.as_role(Role::Staff),
        app.a.as_role(Role::Auditor),
    ];
    let call = |who: Who, method: Method, path: String, body: Option<Value>| {
        let app = &app;
        async move {
            match body {
                Some(b) => app.json(method, &path, &who, &b).await,
                None => app.get(&path, &who).await,
            }
        }
    };
    for who in outsiders {
        for (method, tail, body) in &routes {
            let real = call(
                who.clone(),
                method.clone(),
                format!("/api/v1/tlpt/engagements/{id}{tail}"),
                body.clone(),
            )
            .await;
            let none = call(
                who.clone(),
                method.clone(),
                format!("/api/v1/tlpt/engagements/{unknown}{tail}"),
                body.clone(),
            )
            .await;
            assert_eq!(
                (real.status, &real.body),
                (none.status, &none.body),
                "{who:?} {method} {tail}"
            );
            assert!(
                matches!(real.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{who:?} {tail}: {}",
                real.status
            );
            assert!(!real.body.contains("勘定系"));
        }
        let list = app.get("/api/v1/tlpt/engagements", &who).await.json();
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|l| l["id"] != id.as_str()),
            "{list}"
        );
    }
}
