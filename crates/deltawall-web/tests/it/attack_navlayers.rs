//! Every kind of layer the web service serves, as a client downloads it (the detection
//! layer of the API and of the page, an engagement's layer of the API and of the page, the
//! incidents layer and the supervisor's sector layer), checked by mitreattack-python's
//! navlayers loader (`navloader`, shared with the attack crate's tests). Each layer holds
//! techniques, so the loader reads something; and a served layer, broken, fails it.

use crate::navloader::{load, python};
use crate::util::{TestApp, Who};
use axum::http::{Method, StatusCode};
use deltawall_domain::role::Role;
use serde_json::json;

const BUNDLE_18: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");

async fn served(app: &TestApp, who: &Who, path: &str) -> String {
    let r = app.get(path, who).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("a layer is JSON");
    assert!(
        !v["techniques"].as_array().unwrap().is_empty(),
        "{path} holds techniques: {}",
        r.body
    );
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_the_service_serves_passes_the_navlayers_loader() {
    let Some(py) = tokio::task::spawn_blocking(python).await.unwrap() else {
        return;
    };
    let app = TestApp::new().await;
    let r = crate::tlpt::upload(&app, &app.fsa.as_role(Role::Admin), BUNDLE_18).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let staff = app.a.as_role(Role::Staff);
    // an incident of A's with its technique, for the incidents layer
    let incident = json!({"occurred_on": "2026-02-03", "attack_type": "phishing",
        "severity": "high", "summary": "valid accounts abused"});
    let r = app
        .json(Method::POST, "/api/v1/incidents", &staff, &incident)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let incident_id = r.json()["id"].as_str().unwrap().to_owned();
    let mapping = [
        ("subject_kind", "incident"),
        ("subject_id", incident_id.as_str()),
        ("technique", "T1078"),
    ];
    let r = app
        .form(Method::POST, "/attack/mappings", &staff, &mapping)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // an engagement with every outcome recorded, for its layer
    let (id, control) = crate::tlpt_api::in_testing(&app).await;
    for (i, outcome) in ["alerted", "undetected", "prevented"].iter().enumerate() {
        let c = json!({"command": "record_outcome", "scenario": 0, "step": i,
            "outcome": outcome, "started_us": 1, "ended_us": 2});
        crate::tlpt_api::cmd(&app, &control, &id, c).await;
    }
    // enough institutions left a technique undetected for the sector layer to show it
    for n in 0..deltawall_app::attack::layers::SECTOR_K {
        crate::attack::undetected_at(&app, n, deltawall_domain::Region::Kanto, "T1110.003").await;
    }
    let admin = app.a.as_role(Role::Admin);
    let layers = [
        (
            "detection-api",
            served(&app, &control, "/api/v1/attack/layers/detection").await,
        ),
        (
            "detection-page",
            served(&app, &staff, "/attack/layers/detection/download").await,
        ),
        (
            "engagement-api",
            served(
                &app,
                &control,
                &format!("/api/v1/tlpt/engagements/{id}/layer"),
            )
            .await,
        ),
        (
            "engagement-page",
            served(&app, &admin, &format!("/tlpt/{id}/layer/download")).await,
        ),
        (
            "incidents",
            served(&app, &staff, "/attack/layers/incidents/download").await,
        ),
        (
            "sector",
            served(
                &app,
                &app.fsa.as_role(Role::Staff),
                "/attack/layers/sector/download",
            )
            .await,
        ),
    ];
    let named: Vec<(String, String)> = layers
        .iter()
        .map(|(n, t)| ((*n).to_owned(), t.clone()))
        .collect();
    let verdicts = tokio::task::spawn_blocking({
        let (py, named) = (py.clone(), named.clone());
        move || load(&py, &named)
    })
    .await
    .unwrap();
    for verdict in verdicts {
        assert!(verdict.starts_with("ok "), "{verdict}");
    }
    // the loader is no rubber stamp for what the service serves either
    let broken: Vec<(String, String)> = named
        .iter()
        .map(|(n, t)| {
            let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
            v["techniques"][0]["score"] = json!("high");
            (format!("{n}-bad-score"), v.to_string())
        })
        .collect();
    let verdicts = tokio::task::spawn_blocking(move || load(&py, &broken))
        .await
        .unwrap();
    for verdict in verdicts {
        assert!(verdict.starts_with("FAIL "), "{verdict}");
    }
}
