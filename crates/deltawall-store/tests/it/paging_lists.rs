//! Lists paged through `keyset` besides the posture ones (issue 19): coordination rooms,
//! reported incidents and outsourcing contracts, walked one and two rows a page on both
//! databases. Every row comes once, in the unpaged list's order; rows tied on the sort
//! columns are told apart by id; another organisation's rows never appear.

use crate::fixtures::{add_org, add_user, institution, supervisor};
use crate::vuln_contracts::{contract, finding};
use deltawall_domain::OrgScope;
use deltawall_domain::finding::Severity;
use deltawall_domain::incident::case::Category;
use deltawall_domain::incident::council::RoomStatus;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::AttackType;
use deltawall_store::incidents::{
    self,
    rooms::{self, Room},
};
use deltawall_store::keyset::{Cursor, KeysetPage};
use deltawall_store::testing::TestDb;
use deltawall_store::vuln;

/// Every id of a list read `limit` rows a page by `page` (the cursor has `arity` values).
pub(crate) async fn walk<T>(
    arity: usize,
    limit: i64,
    mut page: impl AsyncFnMut(Option<Cursor>, i64) -> KeysetPage<T>,
    id: fn(&T) -> String,
) -> Vec<String> {
    let (mut after, mut seen) = (None, Vec::new());
    loop {
        let p = page(after.take(), limit).await;
        assert!(p.items.len() as i64 <= limit);
        seen.extend(p.items.iter().map(id));
        match p.next {
            Some(n) => after = Some(Cursor::decode(&n, arity).unwrap()),
            None => return seen,
        }
    }
}

fn room(id: &str, fsa: &str, at: i64) -> Room {
    Room {
        id: id.into(),
        title_ja: format!("会議 {id}"),
        title_en: format!("room {id}"),
        category: Category::parse("ddos").unwrap(),
        declared_org: fsa.into(),
        declared_by: "fsa-user".into(),
        declared_at: at,
        status: RoomStatus::Open,
        closed_at: None,
    }
}

async fn rooms_page_in_order(db: &TestDb) {
    let fsa = add_org(&db.store, supervisor("FSA", None)).await;
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
    let mut tx = db.store.write().await.unwrap();
    // Two rooms declared at the same instant, and the newest one closed: open rooms come
    // first, newest first, then by id; the closed one last.
    for (id, at) in [("r1", 10), ("r2", 20), ("r3", 20), ("r4", 30), ("r5", 5)] {
        rooms::create(&mut tx, &room(id, &fsa, at), std::slice::from_ref(&b), at)
            .await
            .unwrap();
    }
    rooms::close(&mut tx, "r4", "fsa-user", 40).await.unwrap();
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let want = ["r2", "r3", "r1", "r5", "r4"];
    let whole: Vec<String> = rooms::list_for(&mut c, &b)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(whole, want);
    for (org, expected) in [(&b, &want[..]), (&fsa, &want[..]), (&a, &[][..])] {
        for limit in [1, 2] {
            let seen = walk(
                3,
                limit,
                async |after, limit| {
                    rooms::page_for(&mut c, org, after.as_ref(), limit)
                        .await
                        .unwrap()
                },
                |r: &Room| r.id.clone(),
            )
            .await;
            assert_eq!(seen, expected, "{org} at {limit} a page");
        }
    }
}

async fn contracts_page_in_order(db: &TestDb) {
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
    let user = add_user(&db.store, &a, "a-staff", Role::Staff).await;
    finding(db, "f3", &a, &user, "issued").await;
    let mut tx = db.store.write().await.unwrap();
    // Three of A's contracts recorded in the same microsecond: the id orders them.
    for (id, org, at) in [
        ("c1", &a, 10),
        ("c2", &a, 30),
        ("c3", &a, 30),
        ("c4", &a, 30),
        ("c5", &a, 20),
        ("cb", &b, 40),
    ] {
        vuln::insert_contract(&mut tx, id, org, &user, &contract("Cloud X", None), at)
            .await
            .unwrap();
    }
    vuln::add_gap(&mut tx, "c3", "diagnosis", "missing", "f3")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let whole: Vec<String> = vuln::contracts(&mut c, &own, None)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(whole, ["c2", "c3", "c4", "c5", "c1"]);
    for limit in [1, 2] {
        let seen = walk(
            2,
            limit,
            async |after, limit| {
                let p = vuln::page_contracts(&mut c, &own, after.as_ref(), limit)
                    .await
                    .unwrap();
                // Each contract of a page carries its gaps, as the unpaged list's do.
                for x in &p.items {
                    assert_eq!(x.gaps.len(), usize::from(x.id == "c3"), "{}", x.id);
                }
                p
            },
            |x: &vuln::Contract| x.id.clone(),
        )
        .await;
        assert_eq!(seen, whole, "{limit} a page");
    }
}

async fn incidents_page_in_order(db: &TestDb) {
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
    let mut tx = db.store.write().await.unwrap();
    // Three of A's incidents on one day: the id orders them.
    for (org, day) in [
        (&a, "2026-01-02"),
        (&a, "2026-03-04"),
        (&a, "2026-03-04"),
        (&a, "2026-03-04"),
        (&a, "2025-12-31"),
        (&b, "2026-05-01"),
    ] {
        let new = incidents::NewIncident {
            org_id: org.clone(),
            occurred_on: day.into(),
            attack_type: AttackType::Ddos,
            severity: Severity::High,
            summary: "ddos".into(),
        };
        incidents::create(&mut tx, &new, "user", 1).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = OrgScope::Own(a.clone());
    let whole = incidents::list(&mut c, &own).await.unwrap();
    assert_eq!(whole.len(), 5);
    assert!(whole.iter().all(|i| i.org_id == a));
    let whole: Vec<String> = whole.into_iter().map(|i| i.id).collect();
    for limit in [1, 2] {
        let seen = walk(
            2,
            limit,
            async |after, limit| {
                incidents::page(&mut c, &own, after.as_ref(), limit)
                    .await
                    .unwrap()
            },
            |i: &incidents::Incident| i.id.clone(),
        )
        .await;
        assert_eq!(seen, whole, "{limit} a page");
    }
}

both!(rooms_in_order, super::rooms_page_in_order);
both!(incidents_in_order, super::incidents_page_in_order);
both!(contracts_in_order, super::contracts_page_in_order);
