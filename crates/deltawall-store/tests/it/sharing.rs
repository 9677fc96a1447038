//! Sharing storage: grants per organisation and per kind, strictly increasing
//! `date_added` per collection (also under concurrent writers), statuses per organisation.

use crate::fixtures::{add_org, institution, supervisor};
use deltawall_domain::OrgKind;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::scope::grantee_clause;
use deltawall_store::sharing::{self, ApiRoot, Grant, NewGrant, NewObject, ObjectFilter};
use deltawall_store::testing::TestDb;
use deltawall_store::{Store, StoreError};

pub fn grant(grantee: &str, read: bool, write: bool) -> NewGrant {
    NewGrant {
        grantee: grantee.to_owned(),
        grant: Grant {
            can_read: read,
            can_write: write,
            recipient: false,
        },
    }
}

pub fn object(n: usize, org: &str) -> NewObject {
    NewObject {
        stix_id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
        version: "2026-01-01T00:00:00.000Z".into(),
        version_us: 1,
        spec_version: "2.1".into(),
        object_type: "indicator".into(),
        tlp: "green".into(),
        markings: "[]".into(),
        json: format!("{{\"n\":{n}}}"),
        origin_org: org.to_owned(),
        added_by: "u".into(),
        reach: 0xff,
    }
}

pub async fn root_and_collection(s: &Store, grants: &[NewGrant]) -> String {
    let mut tx = s.write().await.unwrap();
    sharing::create_root(
        &mut tx,
        &ApiRoot {
            id: "isac".into(),
            title: "ISAC".into(),
            description: None,
            kind: "isac".into(),
            created_at: 1,
            closed_at: None,
        },
    )
    .await
    .unwrap();
    let id = sharing::create_collection(&mut tx, "isac", "Shared", None, None, grants, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn grants_and_statuses(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let fsa = add_org(s, supervisor("FSA", None)).await;
    let coll = root_and_collection(
        s,
        &[
            grant("kind:institution", true, false),
            grant(&a, false, true),
        ],
    )
    .await;
    let mut tx = s.write().await.unwrap();
    sharing::create_collection(&mut tx, "isac", "One", None, Some("one"), &[], 1)
        .await
        .unwrap();
    assert!(matches!(
        sharing::create_collection(&mut tx, "isac", "Two", None, Some("one"), &[], 1).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut c = s.read().await.unwrap();
    let mine = sharing::collections(&mut c, "isac", &grantee_clause(&a, OrgKind::Institution, 1))
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].grant.can_read, mine[0].grant.can_write),
        (true, true),
        "grants add up"
    );
    let theirs = sharing::collections(
        &mut c,
        "isac",
        &grantee_clause(&fsa, OrgKind::Supervisor, 1),
    )
    .await
    .unwrap();
    assert!(theirs.is_empty(), "no grant, no collection");
    drop(c);
    let mut tx = s.write().await.unwrap();
    sharing::put_status(&mut tx, "st1", "isac", &a, "{\"id\":\"st1\"}", 1)
        .await
        .unwrap();
    sharing::close_root(&mut tx, "isac", 2).await.unwrap();
    tx.commit().await.unwrap();
    let mut c = s.read().await.unwrap();
    assert_eq!(
        sharing::get_status(&mut c, "isac", "st1", &a, 1)
            .await
            .unwrap(),
        "{\"id\":\"st1\"}"
    );
    assert!(
        matches!(
            sharing::get_status(&mut c, "isac", "st1", &a, 2).await,
            Err(StoreError::NotFound(_))
        ),
        "expired"
    );
    assert!(matches!(
        sharing::get_status(&mut c, "isac", "st1", &fsa, 0).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        sharing::collections(&mut c, "isac", &grantee_clause(&a, OrgKind::Institution, 1))
            .await
            .unwrap()
            .is_empty(),
        "closed roots are not served"
    );
    assert!(
        sharing::objects(&mut c, &coll, &ObjectFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);
    let mut tx = s.write().await.unwrap();
    assert_eq!(sharing::purge_statuses(&mut tx, 1).await.unwrap(), 0);
    assert_eq!(sharing::purge_statuses(&mut tx, 2).await.unwrap(), 1);
    tx.commit().await.unwrap();
}
both!(grants_and_statuses_on, super::grants_and_statuses);

async fn date_added_strictly_increases(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let coll = root_and_collection(s, &[grant(&a, true, true)]).await;
    // Many inserts with the same clock reading, in one transaction and from concurrent ones.
    let mut tx = s.write().await.unwrap();
    for n in 0..50 {
        sharing::insert_object(&mut tx, &coll, &object(n, &a), 1_000)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let (s, coll, a) = (s.clone(), coll.clone(), a.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..10 {
                let mut tx = s.write().await.unwrap();
                sharing::insert_object(&mut tx, &coll, &object(100 + w * 10 + n, &a), 1_000)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut c = s.read().await.unwrap();
    let rows = sharing::objects(&mut c, &coll, &ObjectFilter::default())
        .await
        .unwrap();
    assert_eq!(rows.len(), 90);
    assert!(
        rows.windows(2).all(|w| w[0].date_added < w[1].date_added),
        "strictly increasing"
    );
    // The same id and version twice is a conflict; deleting by date_added removes one row.
    let mut tx = s.write().await.unwrap();
    assert!(matches!(
        sharing::insert_object(&mut tx, &coll, &object(0, &a), 1_000).await,
        Err(StoreError::Conflict(_))
    ));
    drop(tx);
    let mut tx = s.write().await.unwrap();
    assert_eq!(
        sharing::delete_rows(&mut tx, &coll, &[rows[0].date_added])
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    let filter = ObjectFilter {
        ids: vec![rows[1].stix_id.clone()],
        types: vec!["indicator".into()],
    };
    let one = sharing::objects(&mut c, &coll, &filter).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        sharing::objects(&mut c, &coll, &ObjectFilter::default())
            .await
            .unwrap()
            .len(),
        89
    );
}
async fn sharing_data_survives_backup(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let coll = root_and_collection(s, &[grant(&a, true, true)]).await;
    let mut tx = s.write().await.unwrap();
    for n in 0..3 {
        sharing::insert_object(&mut tx, &coll, &object(n, &a), 7)
            .await
            .unwrap();
    }
    sharing::put_status(&mut tx, "st", "isac", &a, "{}", 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let doc = deltawall_store::backup::export(s).await.unwrap();
    assert_eq!(doc["tables"]["taxii_objects"].as_array().unwrap().len(), 3);
    let target = db.sibling().await.unwrap();
    deltawall_store::backup::restore(&target.store, &doc)
        .await
        .unwrap();
    assert_eq!(
        deltawall_store::backup::export(&target.store)
            .await
            .unwrap(),
        doc
    );
    // The restored collection continues its date_added sequence.
    let mut tx = target.store.write().await.unwrap();
    let next = sharing::insert_object(&mut tx, &coll, &object(9, &a), 7)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(next, 10);
    target.finish().await;
}
both!(backup_round_trip, super::sharing_data_survives_backup);

both!(
    date_added_strictly_increases_on,
    super::date_added_strictly_increases
);

/// A version of `n` from `org` at version time `at` (µs), with the given reach and spec.
fn version(n: usize, org: &str, at: i64, reach: i64, spec: &str) -> NewObject {
    NewObject {
        version: format!("v{at}"),
        version_us: at,
        spec_version: spec.into(),
        reach,
        json: format!("{{\"n\":{n},\"at\":{at}}}"),
        ..object(n, org)
    }
}

/// Reads filter by `reach` in SQL (NULL reaches nobody) and select versions among what the
/// viewer receives only, with paging, on both backends.
async fn pages_filter_by_reach(db: &TestDb) {
    use deltawall_store::sharing::{PageQuery, VersionSelect, Viewer, audience_bit};
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let coll = root_and_collection(s, &[grant("kind:institution", true, true)]).await;
    let member = audience_bit(false, false, true);
    let owner = audience_bit(true, false, true) | audience_bit(true, true, true);
    let everyone = 0xff;
    let mut tx = s.write().await.unwrap();
    // 1: A, two versions everyone gets, then a third only A gets.
    // 2: A, only A. 3: B, everyone. 4: A, reach not computed (NULL). 5: A, spec 2.0 then 2.1.
    let rows = [
        version(1, &a, 10, everyone, "2.1"),
        version(1, &a, 20, everyone, "2.1"),
        version(1, &a, 30, owner, "2.1"),
        version(2, &a, 10, owner, "2.1"),
        version(3, &b, 10, member | owner, "2.1"),
        version(5, &a, 10, everyone, "2.0"),
        version(5, &a, 20, everyone, "2.1"),
    ];
    for (i, r) in rows.iter().enumerate() {
        sharing::insert_object(&mut tx, &coll, r, 100 + i as i64)
            .await
            .unwrap();
    }
    sharing::insert_object(&mut tx, &coll, &version(4, &a, 10, 0, "2.1"), 200)
        .await
        .unwrap();
    sqlx::query("UPDATE taxii_objects SET reach = NULL WHERE json LIKE '{\"n\":4,%'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let reader = |org: &str| {
        Viewer::new(
            org,
            Grant {
                can_read: true,
                can_write: true,
                recipient: false,
            },
        )
    };
    let (va, vb) = (reader(&a), reader(&b));
    let mut c = s.read().await.unwrap();
    let got = |rows: Vec<sharing::StoredObject>| -> Vec<(String, i64)> {
        rows.into_iter()
            .map(|r| {
                (
                    r.json
                        .split(',')
                        .next()
                        .unwrap()
                        .trim_start_matches("{\"n\":")
                        .to_owned(),
                    r.version_us,
                )
            })
            .collect()
    };
    let check = |q: &PageQuery, v: &Viewer| (q.clone(), v.clone());
    type Case<'a> = ((PageQuery, Viewer), Vec<(&'a str, i64)>);
    let cases: Vec<Case> = vec![
        (
            check(&PageQuery::default().last(), &va),
            vec![("1", 30), ("2", 10), ("3", 10), ("5", 20)],
        ),
        (
            check(&PageQuery::default().last(), &vb),
            vec![("1", 20), ("3", 10), ("5", 20)],
        ),
        (
            check(&PageQuery::default().first(), &vb),
            vec![("1", 10), ("3", 10), ("5", 20)],
        ),
        (
            check(
                &PageQuery {
                    spec_versions: vec!["2.0".into()],
                    ..PageQuery::default().last()
                },
                &vb,
            ),
            vec![("5", 10)],
        ),
        (
            check(
                &PageQuery {
                    spec_versions: vec!["2.0".into(), "2.1".into()],
                    ..PageQuery::default().first()
                },
                &vb,
            ),
            vec![("1", 10), ("3", 10), ("5", 10)],
        ),
        (
            check(
                &PageQuery {
                    versions: VersionSelect {
                        all: true,
                        ..VersionSelect::default()
                    },
                    ..PageQuery::default()
                },
                &vb,
            ),
            vec![("1", 10), ("1", 20), ("3", 10), ("5", 20)],
        ),
        (
            check(
                &PageQuery {
                    versions: VersionSelect {
                        at: vec![10, 30],
                        ..VersionSelect::default()
                    },
                    ..PageQuery::default()
                },
                &vb,
            ),
            vec![("1", 10), ("3", 10)],
        ),
        (
            check(
                &PageQuery {
                    ids: vec![format!("indicator--00000000-0000-4000-8000-{:012}", 3)],
                    ..PageQuery::default().last()
                },
                &vb,
            ),
            vec![("3", 10)],
        ),
        (
            check(
                &PageQuery {
                    types: vec!["malware".into()],
                    ..PageQuery::default().last()
                },
                &va,
            ),
            vec![],
        ),
        (
            check(
                &PageQuery {
                    after: Some(101),
                    limit: Some(2),
                    ..PageQuery::default().last()
                },
                &va,
            ),
            vec![("1", 30), ("2", 10)],
        ),
    ];
    for ((q, v), want) in cases {
        let rows = sharing::page(&mut c, &coll, &v, &q).await.unwrap();
        let want: Vec<(String, i64)> = want.into_iter().map(|(n, t)| (n.to_owned(), t)).collect();
        assert_eq!(got(rows), want, "{q:?} {}", v.org_id);
    }
    let id = |n: usize| format!("indicator--00000000-0000-4000-8000-{n:012}");
    assert!(
        sharing::has_object(&mut c, &coll, &va, &id(2))
            .await
            .unwrap()
    );
    assert!(
        !sharing::has_object(&mut c, &coll, &vb, &id(2))
            .await
            .unwrap()
    );
    assert!(
        !sharing::has_object(&mut c, &coll, &va, &id(4))
            .await
            .unwrap(),
        "NULL reaches nobody"
    );
    assert_eq!(sharing::unreached(&mut c, 10).await.unwrap().len(), 1);
}
both!(pages_on, super::pages_filter_by_reach);

/// Named recipients (TLP:RED): a version whose `reach` carries `NAMED_BIT` reaches the
/// organisations stored for it in `taxii_recipients` and no one else, through `page`,
/// `has_object` and `Viewer::admits`; without the bit the rows admit no one; `readers`
/// lists who holds a read grant; deleting the version deletes its recipients.
async fn named_recipients_reach_only_them(db: &TestDb) {
    use deltawall_store::sharing::{NAMED_BIT, PageQuery, Viewer, audience_bit};
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kinki),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let c = add_org(
        s,
        institution("C", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let coll = root_and_collection(s, &[grant("kind:institution", true, true)]).await;
    let originator = audience_bit(true, false, true);
    let mut tx = s.write().await.unwrap();
    // 1: RED naming B (bit set). 2: rows naming B but without the bit (reaches A only).
    let red = sharing::insert_object(
        &mut tx,
        &coll,
        &version(1, &a, 10, originator | NAMED_BIT, "2.1"),
        100,
    )
    .await
    .unwrap();
    sharing::put_recipients(&mut tx, &coll, red, std::slice::from_ref(&b))
        .await
        .unwrap();
    let unbit = sharing::insert_object(&mut tx, &coll, &version(2, &a, 10, originator, "2.1"), 101)
        .await
        .unwrap();
    sharing::put_recipients(&mut tx, &coll, unbit, std::slice::from_ref(&b))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let member = Grant {
        can_read: true,
        can_write: true,
        recipient: false,
    };
    let mut conn = s.read().await.unwrap();
    let ids =
        |rows: &[sharing::StoredObject]| rows.iter().map(|r| r.date_added).collect::<Vec<_>>();
    for (org, want) in [(&a, vec![red, unbit]), (&b, vec![red]), (&c, vec![])] {
        let v = Viewer::new(org, member);
        let rows = sharing::page(&mut conn, &coll, &v, &PageQuery::default().last())
            .await
            .unwrap();
        assert_eq!(ids(&rows), want, "{org}");
        let id1 = "indicator--00000000-0000-4000-8000-000000000001";
        assert_eq!(
            sharing::has_object(&mut conn, &coll, &v, id1)
                .await
                .unwrap(),
            want.contains(&red),
            "{org}"
        );
        let all = sharing::objects(&mut conn, &coll, &ObjectFilter::default())
            .await
            .unwrap();
        let admitted: Vec<i64> = all
            .iter()
            .filter(|r| v.admits(r))
            .map(|r| r.date_added)
            .collect();
        assert_eq!(admitted, want, "admits agrees with SQL for {org}");
    }
    let readers: Vec<String> = sharing::readers(&mut conn, &coll)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    for org in [&a, &b, &c] {
        assert!(readers.contains(org));
    }
    drop(conn);
    let mut tx = s.write().await.unwrap();
    sharing::delete_rows(&mut tx, &coll, &[red]).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = s.read().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM taxii_recipients")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(left, 1, "only the deleted version's recipients are gone");
}

both!(named_recipients_on, super::named_recipients_reach_only_them);
