//! The detections inbox on both databases: filters, keyset paging that neither skips nor
//! repeats rows when more arrive, groups by rule and key, triage states and assignment
//! keyed by institution, and a batch ingest of mixed new and known detections.

use super::fixtures::{add_org, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::detection::{Level, Triage, parse_batch};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::detections;
use deltawall_store::detections_inbox::{self as inbox, Cursor, Filter};
use deltawall_store::testing::TestDb;

pub(crate) fn line(rule: &str, level: &str, ip: u32, minute: u32) -> String {
    format!(
        r#"{{"rule_id":"{rule}","title":"{rule} title","level":"{level}","kind":"correlation","first_seen":"2026-11-02T01:{minute:02}:00Z","last_seen":"2026-11-02T01:59:00Z","group":{{"src_ip":"198.51.100.{ip}"}},"count":3}}"#
    )
}

pub(crate) async fn put(db: &TestDb, org: &str, lines: &[String], at: i64) -> detections::Ingested {
    let batch = parse_batch(&lines.join("\n"));
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let mut tx = db.store.write().await.unwrap();
    let done = detections::ingest(&mut tx, org, "token", &batch.detections, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    done
}

async fn ids(db: &TestDb, org: &str, f: &Filter) -> Vec<String> {
    let mut c = db.store.read().await.unwrap();
    let (rows, _) = inbox::page(&mut c, &OrgScope::Own(org.to_owned()), f, None, 500)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

async fn filters_pages_groups_and_assigns(db: &TestDb) {
    let bank = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let other = add_org(
        &db.store,
        institution("Bank B", BusinessType::ShinkinBank, Region::Kinki),
    )
    .await;
    let first: Vec<String> = (0..5).map(|i| line("stuffing", "high", i % 2, 0)).collect();
    // Two lines share a group and window: the second is the same detection.
    assert_eq!(
        put(db, &bank, &first, 100).await,
        detections::Ingested {
            accepted: 2,
            duplicate: 0
        }
    );
    let spray: Vec<String> = (0..3)
        .map(|i| line("spray", "medium", 10 + i, 30 + i))
        .collect();
    assert_eq!(put(db, &bank, &spray, 200).await.accepted, 3);
    assert_eq!(
        put(db, &other, &spray, 300).await.accepted,
        3,
        "another institution's own copy"
    );

    // Mixed new and known in one batch: only the new ones count as accepted.
    let mixed = vec![
        line("spray", "medium", 10, 30),
        line("spray", "medium", 20, 40),
    ];
    assert_eq!(
        put(db, &bank, &mixed, 250).await,
        detections::Ingested {
            accepted: 1,
            duplicate: 1
        }
    );

    let all = ids(db, &bank, &Filter::default()).await;
    assert_eq!(all.len(), 6);
    let f = |rule: &str| Filter {
        rule: Some(rule.into()),
        ..Filter::default()
    };
    assert_eq!(ids(db, &bank, &f("spray")).await.len(), 4);
    let medium = Filter {
        level: Some(Level::Medium),
        ..Filter::default()
    };
    assert_eq!(ids(db, &bank, &medium).await.len(), 4);
    // First events 01:30 to 01:32 UTC (the range is half-open).
    let from = 1_793_581_200_000_000 + 30 * 60_000_000;
    let window = Filter {
        from_us: Some(from),
        to_us: Some(from + 3 * 60_000_000),
        ..Filter::default()
    };
    assert_eq!(ids(db, &bank, &window).await.len(), 3);

    // Keyset paging: two rows a page, a new detection arriving in between is not a repeat.
    let scope = OrgScope::Own(bank.clone());
    let mut c = db.store.read().await.unwrap();
    let (p1, next) = inbox::page(&mut c, &scope, &Filter::default(), None, 2)
        .await
        .unwrap();
    drop(c);
    assert_eq!(p1.len(), 2);
    put(db, &bank, &[line("late", "low", 99, 50)], 400).await;
    let mut seen: Vec<String> = p1.iter().map(|r| r.id.clone()).collect();
    let mut cursor = next;
    while let Some(cur) = cursor {
        let cur = Cursor::decode(&cur.encode()).expect("cursor round-trips");
        let mut c = db.store.read().await.unwrap();
        let (rows, next) = inbox::page(&mut c, &scope, &Filter::default(), Some(&cur), 2)
            .await
            .unwrap();
        seen.extend(rows.into_iter().map(|r| r.id));
        cursor = next;
    }
    assert_eq!(
        seen, all,
        "the same rows in the same order, the newer one not mixed in"
    );

    // Groups by rule and key, most recently received first.
    let mut c = db.store.read().await.unwrap();
    let groups = inbox::groups(&mut c, &scope, &Filter::default(), None, 50)
        .await
        .unwrap()
        .items;
    assert_eq!(groups[0].rule_key, "late");
    let stuffing: Vec<(&str, i64)> = groups
        .iter()
        .filter(|g| g.rule_key == "stuffing")
        .map(|g| (g.group_key.as_str(), g.total))
        .collect();
    assert_eq!(
        stuffing,
        [("src_ip=198.51.100.0", 1), ("src_ip=198.51.100.1", 1)]
    );
    // B's rows never show in A's scope, nor A's states in B's.
    let theirs = inbox::groups(
        &mut c,
        &OrgScope::Own(other.clone()),
        &Filter::default(),
        None,
        50,
    )
    .await
    .unwrap()
    .items;
    assert_eq!(theirs.iter().map(|g| g.total).sum::<i64>(), 3);
    let states = inbox::states(&mut c, &other, &all).await.unwrap();
    assert_eq!(states.len(), 3, "only the ids B also holds: {states:?}");
    assert!(states.iter().all(|(_, t)| *t == Triage::New));
    drop(c);

    let mut tx = db.store.write().await.unwrap();
    inbox::assign(&mut tx, &bank, &all[0], Some("user-1"), 500)
        .await
        .unwrap();
    assert!(
        inbox::assign(&mut tx, &other, "det-nothing", Some("user-1"), 500)
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    let (rows, _) = inbox::page(&mut c, &scope, &Filter::default(), None, 500)
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.id == all[0]).unwrap();
    assert_eq!(row.assignee.as_deref(), Some("user-1"));
    assert_eq!(row.alert["rule_id"], row.rule_key.as_str());
}

both!(inbox_reads, super::filters_pages_groups_and_assigns);
