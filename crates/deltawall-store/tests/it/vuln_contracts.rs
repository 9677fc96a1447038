//! Outsourcing contracts (migration 25): a contract reads back whole with its gaps and their
//! findings' states, only within its institution's scope; the sector reads count
//! institutions in reach, open gaps by their finding's state, and provider uses.

use super::fixtures::{add_org, add_user, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_store::testing::TestDb;
use deltawall_store::vuln::{self, NewAsset, NewContract};
use std::collections::BTreeMap;

pub fn contract(provider: &str, asset: Option<&str>) -> NewContract {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    NewContract {
        provider: provider.into(),
        provider_key: provider.to_lowercase(),
        service: "hosting".into(),
        service_model: "iaas".into(),
        asset_id: asset.map(str::to_owned),
        subcontractors: vec!["Sub Ltd".into()],
        clauses: map(&[
            ("diagnosis", "missing"),
            ("audit", "weak"),
            ("exit", "present"),
        ]),
        matrix: map(&[("data", "institution"), ("physical", "provider")]),
    }
}

pub async fn finding(db: &TestDb, id: &str, org: &str, user: &str, state: &str) {
    let mut tx = db.store.write().await.unwrap();
    sqlx::query(
        "INSERT INTO findings (id, org_id, origin, title, description, requirement_ids, \
         severity, state, owner_user, document, version, created_at, updated_at) \
         VALUES ($1, $2, 'assessment', 't', '', '[]', 'high', $3, $4, '{}', 1, 0, 0)",
    )
    .bind(id.to_owned())
    .bind(org.to_owned())
    .bind(state.to_owned())
    .bind(user.to_owned())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A's contract (`a_contract`, written at `at`) for a scoped asset with two clause gaps, and
/// B's contract with one, all on the same provider.
async fn pair(
    tx: &mut deltawall_store::Tx,
    [(a, ua), (b, ub)]: [(&str, &str); 2],
    site: &NewAsset,
    a_contract: &str,
    at: i64,
) {
    vuln::add_asset(tx, "as1", a, ua, site, 5).await.unwrap();
    let on_asset = contract("Cloud X", Some("as1"));
    vuln::insert_contract(tx, a_contract, a, ua, &on_asset, at)
        .await
        .unwrap();
    vuln::add_gap(tx, a_contract, "diagnosis", "missing", "fa1")
        .await
        .unwrap();
    vuln::add_gap(tx, a_contract, "audit", "weak", "fa2")
        .await
        .unwrap();
    let other = contract("Cloud X", None);
    vuln::insert_contract(tx, "cb", b, ub, &other, 20)
        .await
        .unwrap();
    vuln::add_gap(tx, "cb", "diagnosis", "missing", "fb1")
        .await
        .unwrap();
}

async fn contracts_gaps_and_sector(db: &TestDb) {
    let a = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        &db.store,
        institution("Shinkin B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let ua = add_user(&db.store, &a, "a-staff", Role::Staff).await;
    let ub = add_user(&db.store, &b, "b-staff", Role::Staff).await;
    finding(db, "fa1", &a, &ua, "issued").await;
    finding(db, "fa2", &a, &ua, "closed").await;
    finding(db, "fb1", &b, &ub, "acknowledged").await;
    let mut tx = db.store.write().await.unwrap();
    let site = NewAsset {
        name: "www.a.example.jp".into(),
        kind: "website".into(),
        owner: "IT".into(),
        operator: "Cloud X".into(),
        criticality: "high".into(),
        cadence_days: 90,
    };
    let who = [(a.as_str(), ua.as_str()), (b.as_str(), ub.as_str())];
    pair(&mut tx, who, &site, "ca", 10).await;
    let twice = vuln::add_gap(&mut tx, "cb", "diagnosis", "missing", "fb1").await;
    assert!(twice.is_err(), "one finding per clause of a contract");
    drop(tx);
    let mut tx = db.store.write().await.unwrap();
    vuln::insert_contract(&mut tx, "ca", &a, &ua, &contract("Cloud X", None), 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The rolled-back transaction kept nothing: only this contract of A's, without gaps.
    let mut c = db.store.read().await.unwrap();
    let own = vuln::contracts(&mut c, &OrgScope::Own(a.clone()), None)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert!(own[0].gaps.is_empty() && own[0].asset_id.is_none());
    drop(c);

    let mut tx = db.store.write().await.unwrap();
    pair(&mut tx, who, &site, "ca2", 30).await;
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let one = vuln::contracts(&mut c, &OrgScope::Own(a.clone()), Some("ca2"))
        .await
        .unwrap();
    let got = &one[0];
    assert_eq!(got.asset_name.as_deref(), Some("www.a.example.jp"));
    assert_eq!(got.subcontractors, ["Sub Ltd"]);
    assert_eq!(got.clauses["audit"], "weak");
    assert_eq!(got.matrix["data"], "institution");
    let states: Vec<(&str, &str)> = got
        .gaps
        .iter()
        .map(|g| (g.clause.as_str(), g.finding_state.as_str()))
        .collect();
    assert_eq!(states, [("audit", "closed"), ("diagnosis", "issued")]);
    let other = vuln::contracts(&mut c, &OrgScope::Own(a.clone()), Some("cb"))
        .await
        .unwrap();
    assert!(other.is_empty(), "B's contract is not A's to read");

    let kinki = OrgScope::Region {
        own: "bureau".into(),
        region: Region::Kinki,
    };
    let all = vuln::institutions(&mut c, &OrgScope::All).await.unwrap();
    assert_eq!(all.len(), 2);
    let region = vuln::institutions(&mut c, &kinki).await.unwrap();
    assert_eq!(region.len(), 1);
    assert_eq!(region[0].business_type, "shinkin_bank");
    let mut counts = vuln::gap_counts(&mut c, &OrgScope::All).await.unwrap();
    counts.sort();
    let mut expected = vec![(a.clone(), 2, 1), (b.clone(), 1, 1)];
    expected.sort();
    assert_eq!(counts, expected, "a closed finding's gap is not open");
    let uses = vuln::provider_uses(&mut c, &kinki).await.unwrap();
    assert_eq!(uses, [("Cloud X".to_owned(), b.clone())]);
}
both!(contracts_and_sector, super::contracts_gaps_and_sector);
