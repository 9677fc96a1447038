//! The audit trail: append-only, hash-chained, tamper-evident, and safe under concurrency.

use crate::fixtures::{add_org, institution};
use deltawall_domain::OrgScope;
use deltawall_domain::audit::ChainError;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::Backend;
use deltawall_store::audit::{self, AuditFilter, NewEntry, Verification};
use deltawall_store::testing::TestDb;
use deltawall_store::{Page, Store};

fn entry(org: Option<&str>, action: &str, n: i64) -> NewEntry {
    NewEntry {
        at_us: n,
        actor_user: Some("u".into()),
        org_id: org.map(str::to_owned),
        action: action.into(),
        object_type: "user".into(),
        object_id: Some(format!("obj{n}")),
        summary: serde_json::json!({"n": n, "name": "テスト"}),
        source_ip: Some("192.0.2.9".into()),
    }
}

async fn append_n(store: &Store, org: Option<&str>, n: i64) {
    for i in 0..n {
        let mut tx = store.write().await.unwrap();
        audit::append(&mut tx, entry(org, "user.create", i))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn chain_and_scope(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    append_n(s, Some(&a), 3).await;
    append_n(s, Some(&b), 2).await;
    append_n(s, None, 1).await;
    let mut c = s.read().await.unwrap();
    assert_eq!(
        audit::verify(&mut c).await.unwrap(),
        Verification::Intact { entries: 6 }
    );
    let mine = audit::list(
        &mut c,
        &OrgScope::Own(a.clone()),
        &AuditFilter::default(),
        Page::default(),
    )
    .await
    .unwrap();
    assert_eq!(mine.total, 3);
    assert!(
        mine.items
            .iter()
            .all(|e| e.org_id.as_deref() == Some(a.as_str()))
    );
    assert_eq!(mine.items[0].summary["name"], "テスト");
    let all = audit::list(
        &mut c,
        &OrgScope::All,
        &AuditFilter::default(),
        Page::default(),
    )
    .await
    .unwrap();
    assert_eq!(all.total, 6);
    let filtered = AuditFilter {
        action_prefix: Some("login.".into()),
        ..Default::default()
    };
    assert_eq!(
        audit::list(&mut c, &OrgScope::All, &filtered, Page::default())
            .await
            .unwrap()
            .total,
        0
    );
}
both!(chain_verifies_and_reads_are_scoped, super::chain_and_scope);

/// Entries appended together are written a chunk per statement; the chain runs on across
/// chunks and after them.
async fn appended_together_chain_across_chunks(db: &TestDb) {
    let s = &db.store;
    append_n(s, None, 1).await;
    let mut tx = s.write().await.unwrap();
    let batch: Vec<NewEntry> = (1..=201)
        .map(|n| entry(None, "exercise.response", n))
        .collect();
    assert_eq!(audit::append_all(&mut tx, batch).await.unwrap(), Some(202));
    assert_eq!(audit::append_all(&mut tx, vec![]).await.unwrap(), None);
    tx.commit().await.unwrap();
    append_n(s, None, 1).await;
    let mut c = s.read().await.unwrap();
    assert_eq!(
        audit::verify(&mut c).await.unwrap(),
        Verification::Intact { entries: 203 }
    );
}
both!(
    appended_together_chain_across_chunks,
    super::appended_together_chain_across_chunks
);

async fn pages_walk_the_trail_once(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    let b = add_org(
        s,
        institution("B", BusinessType::RegionalBank, Region::Kanto),
    )
    .await;
    append_n(s, Some(&a), 5).await;
    append_n(s, Some(&b), 2).await;
    let mut c = s.read().await.unwrap();
    let mine = OrgScope::Own(a.clone());
    let whole = audit::list(&mut c, &mine, &AuditFilter::default(), Page::default())
        .await
        .unwrap();
    let (mut seqs, mut after, mut pages) = (Vec::new(), None, 0);
    loop {
        let page = audit::page(&mut c, &mine, &AuditFilter::default(), after.as_ref(), 2)
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seqs.extend(page.items.iter().map(|e| e.seq));
        pages += 1;
        match page.next {
            Some(n) => after = Some(deltawall_store::keyset::Cursor::decode(&n, 1).unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<i64> = whole.items.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, expected, "newest first, each entry once, only A's");
}
both!(
    audit_pages_walk_the_trail_once,
    super::pages_walk_the_trail_once
);

async fn database_refuses_changes(db: &TestDb) {
    append_n(&db.store, None, 2).await;
    let mut c = db.store.read().await.unwrap();
    let upd = sqlx::query("UPDATE audit_log SET action = 'x' WHERE seq = 1")
        .execute(&mut *c)
        .await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&mut *c)
        .await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
}
both!(append_only, super::database_refuses_changes);

/// Someone with direct database access removes the guard and edits a row: `verify` names
/// the entry.
async fn tampering_is_detected(db: &TestDb) {
    append_n(&db.store, None, 5).await;
    let mut c = db.store.read().await.unwrap();
    let drop_guard = match db.store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    sqlx::query(drop_guard).execute(&mut *c).await.unwrap();
    sqlx::query("UPDATE audit_log SET summary = '{\"n\":99}' WHERE seq = 3")
        .execute(&mut *c)
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&mut c).await.unwrap(),
        Verification::Broken {
            verified: 2,
            error: ChainError::Tampered { seq: 3 }
        }
    );
}
both!(tampering, super::tampering_is_detected);

/// Concurrent writers never fork the chain.
async fn concurrent_appends(db: &TestDb) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let mut tx = store.write().await.unwrap();
                audit::append(&mut tx, entry(None, "x", t * 100 + i))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut c = db.store.read().await.unwrap();
    assert_eq!(
        audit::verify(&mut c).await.unwrap(),
        Verification::Intact { entries: 80 }
    );
}
both!(concurrency, super::concurrent_appends);

/// A transaction that is rolled back leaves no audit entry behind.
async fn rollback_leaves_nothing(db: &TestDb) {
    let mut tx = db.store.write().await.unwrap();
    audit::append(&mut tx, entry(None, "x", 1)).await.unwrap();
    tx.rollback().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    assert_eq!(
        audit::verify(&mut c).await.unwrap(),
        Verification::Intact { entries: 0 }
    );
}
both!(rollback, super::rollback_leaves_nothing);
