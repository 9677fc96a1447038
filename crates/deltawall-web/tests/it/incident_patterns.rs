//! Patterns of similar incidents on the supervisor's board and the alert composed from one:
//! the FSA sees the pattern over every region, the Kinki bureau only over its region's
//! institutions, an institution not at all; the draft is pre-filled and, once sent, reaches
//! the institutions of the business type like any alert.

use crate::incidents::case_json;
use crate::util::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use deltawall_app::incidents::cases::{self, CaseInput};
use deltawall_domain::Actor;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_store::orgs::{self, NewOrg};
use deltawall_store::users::{self, NewUser};
use serde_json::Value;

/// A regional bank in `region` with a staff user, as the actor of that user.
pub async fn regional_bank(app: &TestApp, name: &str, region: Region) -> Actor {
    let hash = deltawall_app::platform::auth::password::hash(PASSWORD.into())
        .await
        .unwrap();
    let mut tx = app.db.store.write().await.unwrap();
    let org = NewOrg {
        name_ja: format!("{name}（日本）"),
        name_en: name.to_owned(),
        kind: OrgKind::Institution,
        business_type: Some(BusinessType::RegionalBank),
        region: Some(region),
        parent_id: None,
    };
    let org_id = orgs::create(&mut tx, &org).await.unwrap();
    let user = NewUser {
        org_id: org_id.clone(),
        login: format!("{}-staff", name.to_lowercase().replace(' ', "-")),
        display_name: name.to_owned(),
        email: None,
        role: Role::Staff,
        password_hash: hash,
        lang: None,
    };
    let user_id = users::create(&mut tx, &user).await.unwrap();
    tx.commit().await.unwrap();
    Actor {
        user_id,
        org_id,
        org_kind: OrgKind::Institution,
        reach: None,
        role: Role::Staff,
        token_scope: None,
        token_id: None,
    }
}

/// Opens the list-type attack case of [`case_json`] for `actor`'s institution.
pub async fn open_case(app: &TestApp, actor: &Actor) -> String {
    let ctx = deltawall_app::Ctx {
        store: &app.db.store,
        actor,
        ip: None,
    };
    let input: CaseInput = serde_json::from_value(case_json()).unwrap();
    cases::open(ctx, &app.clock, &input).await.unwrap()
}

/// A (Kinki), C (Kanto) and D (Kinki), three regional banks, each with a list-type attack
/// case recognised the same morning.
async fn three_banks() -> TestApp {
    let app = TestApp::new().await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/incidents/cases",
            &app.a.as_role(Role::Staff),
            &case_json(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (name, region) in [("Bank C", Region::Kanto), ("Bank D", Region::Kinki)] {
        let actor = regional_bank(&app, name, region).await;
        open_case(&app, &actor).await;
    }
    app
}

fn only_pattern(r: &crate::util::Resp) -> Value {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    list[0].clone()
}

#[tokio::test]
async fn a_bureau_sees_patterns_of_its_region_only_and_an_institution_none() {
    let app = three_banks().await;
    let path = "/api/v1/supervision/incident-board/patterns";
    let fsa = only_pattern(&app.get(path, &app.fsa.as_role(Role::Staff)).await);
    assert_eq!(fsa["category"], "list_attack_login", "{fsa}");
    assert_eq!(fsa["business_type"], "regional_bank", "{fsa}");
    assert_eq!(
        (fsa["institutions"].as_u64(), fsa["cases"].as_u64()),
        (Some(3), Some(3))
    );
    let kinki = only_pattern(&app.get(path, &app.kinki.as_role(Role::Staff)).await);
    assert_eq!(kinki["institutions"], 2, "{kinki}");
    for who in [app.a.as_role(Role::Admin), app.b.as_role(Role::Staff)] {
        assert_eq!(app.get(path, &who).await.status, StatusCode::FORBIDDEN);
        let r = app.get("/supervision/incident-board/alert?category=list_attack_login&business_type=regional_bank", &who).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
}

#[tokio::test]
async fn the_draft_is_prefilled_from_the_pattern_and_missing_patterns_are_not_found() {
    let app = three_banks().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let q = "category=list_attack_login&business_type=regional_bank";
    let r = app
        .get(
            &format!("/api/v1/supervision/incident-board/alert-draft?{q}"),
            &fsa,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(
        d["title_ja"],
        "【注意喚起】地方銀行におけるリスト型攻撃による不正ログインについて"
    );
    assert!(
        d["body_ja"].as_str().unwrap().contains("地方銀行の3先"),
        "{d}"
    );
    assert!(
        d["body_en"]
            .as_str()
            .unwrap()
            .contains("3 Regional bank institutions"),
        "{d}"
    );
    assert_eq!(
        d["population"]["filter"]["business_types"][0],
        "regional_bank"
    );
    // B (a shinkin bank) is alone: no pattern for its business type.
    let r = app
        .get("/api/v1/supervision/incident-board/alert-draft?category=list_attack_login&business_type=shinkin_bank", &fsa)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn the_alert_composed_from_the_board_reaches_the_institutions() {
    let app = three_banks().await;
    let fsa = app.fsa.as_role(Role::Staff);
    let board = app.get("/supervision/incident-board", &fsa).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    let link = "/supervision/incident-board/alert?category=list_attack_login&amp;business_type=regional_bank";
    assert!(board.body.contains(link), "{}", board.body);
    let page = app.get(&link.replace("&amp;", "&"), &fsa).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("多要素認証"), "{}", page.body);
    let respond_by = deltawall_domain::jst::format_date(deltawall_domain::jst::date_of(
        app.clock.now_us() + 14 * 86_400_000_000,
    ));
    let form = [
        ("title_ja", "【注意喚起】リスト型攻撃について（編集済み）"),
        ("title_en", "Alert: list-type attacks (edited)"),
        ("body_ja", "多要素認証を確認してください。"),
        ("body_en", "Check your multi-factor authentication."),
        ("bt.regional_bank", "1"),
        ("respond_by", respond_by.as_str()),
        ("days_before", "1"),
        ("overdue_every", "3"),
    ];
    let r = app
        .form(
            Method::POST,
            "/supervision/incident-board/alert",
            &fsa,
            &form,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().unwrap().starts_with("/supervision/alerts/"));
    // A (a regional bank) has it; B (a shinkin bank) does not.
    let a = app.get("/api/v1/alerts", &app.a.as_role(Role::Staff)).await;
    assert!(a.body.contains("(edited)"), "{}", a.body);
    let b = app.get("/api/v1/alerts", &app.b.as_role(Role::Staff)).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    assert!(!b.body.contains("(edited)"), "{}", b.body);
}
