//! ATT&CK releases and coverage layers through the pages and the API: the bundle upload
//! (refused with a JSON pointer, supervisor administrators only), what a newer release
//! changes for the institution's mappings, and the layers read back by the layer reader.

use crate::tlpt::upload;
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_attack::read_layer;
use deltawall_detect::rules::{RuleSource, rule_texts};
use deltawall_domain::role::Role;
use std::collections::BTreeSet;

const BUNDLE_18: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-18.1.json");
const BUNDLE_19: &str =
    include_str!("../../../deltawall-attack/tests/fixtures/enterprise-19.0.json");

#[tokio::test]
async fn the_detection_layer_lists_every_technique_tagged_in_the_builtin_pack() {
    let app = TestApp::new().await;
    let r = app
        .get(
            "/api/v1/attack/layers/detection",
            &app.a.as_role(Role::Auditor),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let layer = read_layer(&r.body).expect("a valid 4.5 layer");
    let listed: BTreeSet<String> = layer
        .techniques
        .iter()
        .map(|t| t.technique_id.to_string())
        .collect();
    // the oracle reads the pack's YAML text, not the parsed rules the service uses
    let tagged: BTreeSet<String> = rule_texts(&RuleSource::Builtin)
        .expect("pack texts")
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter_map(|l| l.trim().strip_prefix("- attack.t"))
        .map(|rest| format!("T{}", rest.trim().to_uppercase()))
        .collect();
    assert!(tagged.len() >= 5, "{tagged:?}");
    assert_eq!(listed, tagged);
    assert_eq!(layer.versions.layer, "4.5");
    assert_eq!(
        app.get("/api/v1/attack/layers/detection", &crate::util::Who::Anon)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bundles_are_imported_by_supervisor_admins_and_bad_ones_refused_with_a_pointer() {
    let app = TestApp::new().await;
    let admin = app.fsa.as_role(Role::Admin);
    let cases: [(&str, &str); 3] = [
        ("{\"type\": \"bundle\", \"objects\": 3}", "/objects"),
        ("{\"type\": \"bundle\",\n \"objects\": [", "line 2"),
        (
            r#"{"type": "bundle", "id": "bundle--x", "objects": [{"type": "attack-pattern"}]}"#,
            "/objects/0",
        ),
    ];
    for (text, location) in cases {
        let r = upload(&app, &admin, text).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{text}: {}",
            r.body
        );
        assert!(
            r.body.contains(location),
            "{text}: {location} not in {}",
            r.body
        );
    }
    for who in [app.a.as_role(Role::Admin), app.fsa.as_role(Role::Staff)] {
        assert_eq!(
            upload(&app, &who, BUNDLE_18).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        upload(&app, &admin, BUNDLE_18).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        upload(&app, &admin, BUNDLE_18).await.status,
        StatusCode::CONFLICT
    );
    // A maps its own rule to T1562; version 19 moves T1562 to another tactic
    let a = app.a.as_role(Role::Admin);
    let map = [
        ("subject_kind", "rule"),
        ("subject_id", "a-edr-tamper"),
        ("technique", "T1562"),
    ];
    let r = app.form(Method::POST, "/attack/mappings", &a, &map).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .form(
            Method::POST,
            "/attack/mappings",
            &a,
            &[
                ("subject_kind", "rule"),
                ("subject_id", "x"),
                ("technique", "T7777"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        upload(&app, &admin, BUNDLE_19).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get("/attack", &a).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("T1562: 戦術の移動 defense-evasion → defense-impairment: rule:a-edr-tamper"),
        "{}",
        page.body
    );
    // B has no mapping, so no change touches it
    assert!(
        !app.get("/attack", &app.b.as_role(Role::Admin))
            .await
            .body
            .contains("a-edr-tamper")
    );
    // A's own rule is in A's detection layer, not in B's
    let mine = read_layer(&app.get("/attack/layers/detection/download", &a).await.body).unwrap();
    assert!(
        mine.techniques
            .iter()
            .any(|t| t.technique_id.as_str() == "T1562")
    );
    assert_eq!(mine.versions.attack.as_deref(), Some("19"));
    let theirs = read_layer(
        &app.get(
            "/attack/layers/detection/download",
            &app.b.as_role(Role::Admin),
        )
        .await
        .body,
    )
    .unwrap();
    assert!(
        !theirs
            .techniques
            .iter()
            .any(|t| t.technique_id.as_str() == "T1562")
    );
    let matrix = app.get("/attack/layers/detection", &a).await;
    assert!(
        matrix.body.contains("id=\"matrix\"") && matrix.body.contains("data-technique=\"T1562\""),
        "{}",
        matrix.body
    );
}

#[tokio::test]
async fn incident_and_sector_layers_say_what_they_are_built_from_and_who_may_read_them() {
    let app = TestApp::new().await;
    let page = app
        .get("/attack/layers/incidents", &app.a.as_role(Role::Staff))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"layer-note\""), "{}", page.body);
    assert_eq!(
        app.get("/attack/layers/sector", &app.a.as_role(Role::Admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let sector = app
        .get(
            "/attack/layers/sector/download",
            &app.fsa.as_role(Role::Staff),
        )
        .await;
    assert_eq!(sector.status, StatusCode::OK);
    let l = read_layer(&sector.body).unwrap();
    assert!(l.metadata.iter().any(|m| format!("{m:?}").contains('k')));
    assert_eq!(
        app.get("/attack/layers/nope", &app.a.as_role(Role::Admin))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Stores an engagement of a new institution whose one step `technique` went undetected.
pub async fn undetected_at(
    app: &TestApp,
    n: usize,
    region: deltawall_domain::Region,
    technique: &str,
) {
    use deltawall_domain::tlpt::{Deadlines, Engagement, Outcome, Scenario, Step};
    use deltawall_store::orgs::{self, NewOrg};
    let mut tx = app.db.store.write().await.unwrap();
    let org = orgs::create(
        &mut tx,
        &NewOrg {
            name_ja: format!("銀行{n}"),
            name_en: format!("Bank {n}"),
            kind: deltawall_domain::OrgKind::Institution,
            business_type: Some(deltawall_domain::BusinessType::RegionalBank),
            region: Some(region),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    let mut e = Engagement::start(format!("TLPT {n}"), "lead".into(), Deadlines::default(), 1);
    let mut step = Step::planned(technique, None, "step");
    step.outcome = Some(Outcome::Undetected);
    e.critical_functions.push("payments".into());
    e.scenarios.push(Scenario {
        name: "s".into(),
        critical_function: "payments".into(),
        attack_version: "18.1".into(),
        steps: vec![step],
    });
    deltawall_store::tlpt::create(&mut tx, &org, &e, "lead", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_sector_layer_shows_a_technique_only_when_enough_institutions_left_it_undetected() {
    use deltawall_domain::Region;
    let app = TestApp::new().await;
    let k = deltawall_app::attack::layers::SECTOR_K;
    // T1110.003 undetected at k institutions in Kanto; T1562 at k - 1
    for n in 0..k {
        undetected_at(&app, n, Region::Kanto, "T1110.003").await;
    }
    for n in 0..k - 1 {
        undetected_at(&app, 100 + n, Region::Kanto, "T1562").await;
    }
    let layer = |who| {
        let app = &app;
        async move {
            let r = app.get("/attack/layers/sector/download", &who).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            read_layer(&r.body).unwrap()
        }
    };
    let national = layer(app.fsa.as_role(Role::Staff)).await;
    let scores: Vec<(String, Option<i64>)> = national
        .techniques
        .iter()
        .map(|t| (t.technique_id.to_string(), t.score))
        .collect();
    assert_eq!(scores, vec![("T1110.003".to_owned(), Some(k as i64))]);
    let json = serde_json::to_string(&national).unwrap();
    assert!(!json.contains("Bank ") && !json.contains("銀行"), "{json}");
    // the Kinki bureau's reach holds none of them
    assert!(
        layer(app.kinki.as_role(Role::Staff))
            .await
            .techniques
            .is_empty()
    );
}
