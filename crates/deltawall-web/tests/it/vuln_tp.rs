//! Outsourcing contracts and the supervisor's roll-up (issue 15, points 5 to 7): a clause
//! gap becomes a posture finding tracked to closure; the roll-up counts only institutions in
//! reach, hides groups and providers below k institutions, and counts overdue decisions,
//! KEV exposure and unresolved gaps.

use crate::access_vuln_tp::contract_json;
use crate::util::TestApp;
use axum::http::{Method, StatusCode};
use deltawall_app::Ctx;
use deltawall_app::vuln::{ContractInput, add_contract};
use deltawall_domain::Actor;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::users::{self, NewUser};
use serde_json::{Value, json};

const DAY_US: i64 = 86_400_000_000;

/// Adds `n` regional banks of `region`, each with a staff user; returns their actors.
pub(crate) async fn regional_banks(app: &TestApp, n: usize, region: Region) -> Vec<Actor> {
    let mut tx = app.db.store.write().await.unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let org = NewOrg {
            name_ja: format!("地銀{i}（{}）", region.code()),
            name_en: format!("Regional {i} {}", region.code()),
            kind: OrgKind::Institution,
            business_type: Some(BusinessType::RegionalBank),
            region: Some(region),
            parent_id: None,
        };
        let org_id = orgs::create(&mut tx, &org).await.unwrap();
        let user = NewUser {
            org_id: org_id.clone(),
            login: format!("rb{i}-{}", region.code()),
            display_name: format!("rb{i}"),
            email: None,
            role: Role::Staff,
            password_hash: "unused: this user never signs in".into(),
            lang: None,
        };
        let user_id = users::create(&mut tx, &user).await.unwrap();
        out.push(Actor {
            user_id,
            org_id,
            org_kind: OrgKind::Institution,
            reach: None,
            role: Role::Staff,
            token_scope: None,
            token_id: None,
        });
    }
    tx.commit().await.unwrap();
    out
}

/// Records a contract with `provider` as `actor`, with the diagnosis clause missing.
pub(crate) async fn contract(app: &TestApp, actor: &Actor, provider: &str) {
    let input = ContractInput {
        provider: provider.into(),
        service: "cloud hosting".into(),
        service_model: "iaas".into(),
        clauses: [("diagnosis", "missing"), ("audit", "present")]
            .iter()
            .map(|(c, s)| ((*c).to_owned(), (*s).to_owned()))
            .collect(),
        ..ContractInput::default()
    };
    let ctx = Ctx {
        store: &app.db.store,
        actor,
        ip: None,
    };
    add_contract(ctx, &input).await.unwrap();
}

fn row<'a>(sector: &'a Value, business_type: &str) -> Option<&'a Value> {
    sector["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["business_type"] == business_type)
}

#[tokio::test]
async fn a_clause_gap_is_a_finding_tracked_to_closure() {
    let app = TestApp::new().await;
    let staff = app.a.as_role(Role::Staff);
    let asset = crate::access_vuln::records_of(&app, &app.a).await.asset;
    let mut body = contract_json();
    body["asset"] = json!(asset);
    body["matrix"] = json!({"identity": "institution"});
    let path = "/api/v1/vulnerabilities/contracts";
    let r = app.json(Method::POST, path, &staff, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    let gaps: Vec<(&str, &str, &str)> = created["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["clause"].as_str().unwrap(),
                g["status"].as_str().unwrap(),
                g["severity"].as_str().unwrap(),
            )
        })
        .collect();
    // On an in-scope asset a missing clause is high and a weak one medium.
    assert_eq!(
        gaps,
        [
            ("diagnosis", "missing", "high"),
            ("incident_notice", "weak", "medium")
        ]
    );
    let finding = created["gaps"][0]["finding_id"].as_str().unwrap();
    let f = app
        .get(&format!("/api/v1/posture/findings/{finding}"), &staff)
        .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    assert!(f.body.contains("B Hosting"), "{}", f.body);
    let id = created["id"].as_str().unwrap();
    let one = app.get(&format!("{path}/{id}"), &staff).await.json();
    assert_eq!(one["gaps"][0]["finding_state"], "issued");
    // SaaS leaves the application to the provider; the contract moved identity to A.
    assert_eq!(one["matrix"]["application"], "provider");
    assert_eq!(one["matrix"]["identity"], "institution");
    assert_eq!(one["asset_id"], asset.as_str());
    let page = app
        .get(&format!("/vulnerabilities/contracts/{id}"), &staff)
        .await;
    assert!(page.body.contains("脆弱性診断の実施権"), "{}", page.body);
    assert!(page.body.contains(&format!("/posture/findings/{finding}")));
    assert!(page.body.contains("§2(1)③イ"));
    let mut bad = contract_json();
    bad["clauses"]["penalty"] = json!("present");
    let r = app.json(Method::POST, path, &staff, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let b_asset = crate::access_vuln::records_of(&app, &app.b).await.asset;
    body["asset"] = json!(b_asset);
    let r = app.json(Method::POST, path, &staff, &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        app.get(path, &staff).await.json().as_array().unwrap().len(),
        1,
        "refused contracts write nothing"
    );
}

#[tokio::test]
async fn the_sector_roll_up_is_k_anonymous_and_in_reach() {
    let app = TestApp::new().await;
    // A and four more regional banks in Kinki share one cloud; B (a shinkin bank in Kanto)
    // uses a provider nobody else does, and two Kanto regional banks a third one.
    let kinki = regional_banks(&app, 4, Region::Kinki).await;
    let kanto = regional_banks(&app, 2, Region::Kanto).await;
    for actor in &kinki {
        contract(&app, actor, "Shared Cloud").await;
    }
    for actor in &kanto {
        contract(&app, actor, "Kanto DC").await;
    }
    crate::access_vuln_tp::contract_of(&app, &app.b).await;
    let mut a_contract = contract_json();
    a_contract["provider"] = json!("ｓｈａｒｅｄ　cloud");
    let staff = app.a.as_role(Role::Staff);
    let path = "/api/v1/vulnerabilities/contracts";
    let r = app.json(Method::POST, path, &staff, &a_contract).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A's imported findings wait for a decision past every clock of the policy.
    crate::access_vuln::records_of(&app, &app.a).await;
    app.clock.advance(120 * DAY_US);

    let fsa = app
        .get(
            "/api/v1/vulnerabilities/sector",
            &app.fsa.as_role(Role::Staff),
        )
        .await;
    assert_eq!(fsa.status, StatusCode::OK, "{}", fsa.body);
    let fsa = fsa.json();
    let banks = row(&fsa, "regional_bank").unwrap();
    assert_eq!(banks["institutions"], 7);
    let f = &banks["figures"];
    assert_eq!(
        (f["contracts"].as_i64(), f["open_gaps"].as_i64()),
        (Some(7), Some(38))
    );
    assert_eq!(f["institutions_with_gaps"], 7);
    assert_eq!(f["institutions_overdue"], 1, "{fsa}");
    assert!(f["overdue_decisions"].as_u64().unwrap() >= 1);
    let shinkin = row(&fsa, "shinkin_bank").unwrap();
    assert_eq!(shinkin["institutions"], 1);
    assert!(shinkin["figures"].is_null(), "one institution is below k");
    assert_eq!(
        fsa["providers"],
        json!([{"provider": "Shared Cloud", "institutions": 5}])
    );
    assert_eq!(fsa["unnamed_providers"], 2);
    assert!(!fsa.to_string().contains("B Hosting") && !fsa.to_string().contains("Kanto DC"));

    let bureau = app
        .get(
            "/api/v1/vulnerabilities/sector",
            &app.kinki.as_role(Role::Staff),
        )
        .await
        .json();
    assert_eq!(row(&bureau, "regional_bank").unwrap()["institutions"], 5);
    assert!(row(&bureau, "shinkin_bank").is_none(), "{bureau}");
    assert_eq!(bureau["unnamed_providers"], 0);
    assert_eq!(bureau["total"]["figures"]["contracts"], 5);
    let page = app
        .get("/vulnerabilities/sector", &app.kinki.as_role(Role::Staff))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Shared Cloud") && page.body.contains("地方銀行"));
}
