//! Detections: batched ingest with dedup per institution, scoped reads, triage updates,
//! and the append-only and closed-room guarantees of migration 13.

use super::fixtures::{add_org, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::detection::{Triage, parse_batch};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::detections;
use deltawall_store::testing::TestDb;

fn lines(n: usize, rule: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                r#"{{"rule_id":"{rule}","title":"Many failed logins","level":"high","kind":"correlation","first_seen":"2026-11-02T01:00:00Z","last_seen":"2026-11-02T01:05:00Z","group":{{"src_ip":"198.51.100.{i}"}},"count":{i}}}"#
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn ingest_dedups_per_institution(db: &TestDb) {
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
    // More than one batch, so the batching and the per-batch counts are exercised.
    let batch = parse_batch(&lines(1_203, "list-attack"));
    assert_eq!(batch.detections.len(), 1_203);
    let mut tx = db.store.write().await.unwrap();
    let first = detections::ingest(&mut tx, &bank, "token-1", &batch.detections, 10)
        .await
        .unwrap();
    assert_eq!((first.accepted, first.duplicate), (1_203, 0));
    let again = detections::ingest(&mut tx, &bank, "token-1", &batch.detections[..1_100], 11)
        .await
        .unwrap();
    assert_eq!((again.accepted, again.duplicate), (0, 1_100));
    // The same alerts from another institution are its own, not duplicates.
    let theirs = detections::ingest(&mut tx, &other, "token-2", &batch.detections[..5], 12)
        .await
        .unwrap();
    assert_eq!((theirs.accepted, theirs.duplicate), (5, 0));
    tx.commit().await.unwrap();

    let mut c = db.store.read().await.unwrap();
    let own = detections::list(&mut c, &OrgScope::Own(other.clone()), None, 500)
        .await
        .unwrap();
    assert_eq!(own.len(), 5);
    assert!(
        own.iter()
            .all(|d| d.org_id == other && d.status == Triage::New)
    );
    let all = detections::list(&mut c, &OrgScope::All, Some(Triage::New), 500)
        .await
        .unwrap();
    assert_eq!(all.len(), 500, "pages are capped");
    drop(c);

    let id = own[0].id.clone();
    let mut tx = db.store.write().await.unwrap();
    detections::set_triage(
        &mut tx,
        &other,
        &id,
        Triage::New,
        Triage::Acknowledged,
        None,
        20,
    )
    .await
    .unwrap();
    // A stale state, or another institution's key, changes nothing.
    assert!(
        detections::set_triage(
            &mut tx,
            &other,
            &id,
            Triage::New,
            Triage::Acknowledged,
            None,
            21
        )
        .await
        .is_err()
    );
    assert!(
        detections::set_triage(
            &mut tx,
            &bank,
            &id,
            Triage::Acknowledged,
            Triage::FalsePositive,
            None,
            21
        )
        .await
        .is_err()
    );
    tx.commit().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    let acked = detections::list(
        &mut c,
        &OrgScope::Own(other),
        Some(Triage::Acknowledged),
        10,
    )
    .await
    .unwrap();
    assert_eq!(
        acked.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
}
both!(ingest, super::ingest_dedups_per_institution);

/// The timeline is append-only and a closed coordination room takes no more messages.
async fn histories_are_append_only(db: &TestDb) {
    let bank = add_org(
        &db.store,
        institution("Bank A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let mut tx = db.store.write().await.unwrap();
    sqlx::query("INSERT INTO incidents (id, org_id, occurred_on, attack_type, severity, summary, reported_by, reported_at, category, phase) VALUES ('c1', $1, '2026-11-02', 'ddos', 'high', 's', 'u', 1, 'ddos', 'detection')")
        .bind(bank.clone()).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO incident_timeline (case_id, seq, org_id, at, actor, kind, entry) VALUES ('c1', 1, $1, 1, 'u', 'opened', '{}')")
        .bind(bank.clone()).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO coordination_rooms (id, title_ja, title_en, category, declared_org, declared_by, declared_at, status) VALUES ('r1', '脅迫型DDoS', 'Ransom DDoS', 'ddos', $1, 'u', 1, 'open')")
        .bind(bank.clone()).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO coordination_messages (id, room_id, from_org, author, body, sent_at) VALUES ('m1', 'r1', $1, 'u', 'hello', 2)")
        .bind(bank.clone()).execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE coordination_rooms SET status = 'closed', closed_at = 3 WHERE id = 'r1'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for sql in [
        "UPDATE incident_timeline SET kind = 'x'",
        "DELETE FROM incident_timeline",
        "DELETE FROM coordination_messages",
        "UPDATE coordination_rooms SET status = 'open'",
    ] {
        let mut tx = db.store.write().await.unwrap();
        assert!(sqlx::query(sql).execute(&mut *tx).await.is_err(), "{sql}");
    }
    let mut tx = db.store.write().await.unwrap();
    let late = sqlx::query("INSERT INTO coordination_messages (id, room_id, from_org, author, body, sent_at) VALUES ('m2', 'r1', $1, 'u', 'late', 4)")
        .bind(bank.clone()).execute(&mut *tx).await;
    assert!(
        late.unwrap_err()
            .to_string()
            .contains("the coordination room is closed")
    );
    drop(tx);
    // Accounts are never shareable, whatever the caller writes.
    let mut tx = db.store.write().await.unwrap();
    let account = sqlx::query("INSERT INTO incident_observables (id, case_id, org_id, kind, value, shareable, note, added_by, added_at) VALUES ('o1', 'c1', $1, 'account', 'customer-1', 1, '', 'u', 1)")
        .bind(bank).execute(&mut *tx).await;
    assert!(account.is_err());
}
both!(append_only, super::histories_are_append_only);
