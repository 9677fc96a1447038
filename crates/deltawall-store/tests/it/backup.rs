//! Backup and restore round-trip a live database.

use crate::fixtures::{add_org, add_user, institution};
use deltawall_domain::org::{AttributeKind, BusinessType, Region};
use deltawall_domain::role::Role;
use deltawall_store::audit::{self, NewEntry, Verification};
use deltawall_store::testing::TestDb;
use deltawall_store::{Backend, backup, orgs};
use sqlx::Row;

async fn round_trip(db: &TestDb) {
    let s = &db.store;
    let a = add_org(
        s,
        institution("A", BusinessType::CreditCooperative, Region::Okinawa),
    )
    .await;
    add_user(s, &a, "alice", Role::Executive).await;
    let mut tx = s.write().await.unwrap();
    orgs::set_attribute(&mut tx, &a, AttributeKind::SizeBand, "small", 5, None)
        .await
        .unwrap();
    let e = NewEntry {
        at_us: 1,
        actor_user: None,
        org_id: Some(a.clone()),
        action: "org.create".into(),
        object_type: "organisation".into(),
        object_id: Some(a.clone()),
        summary: serde_json::json!({"name": "A"}),
        source_ip: None,
    };
    audit::append(&mut tx, e).await.unwrap();
    tx.commit().await.unwrap();

    let doc = backup::export(s).await.unwrap();
    let target = db.sibling().await.unwrap();
    let n = backup::restore(&target.store, &doc).await.unwrap();
    assert!(n >= 4, "restored {n} rows");
    assert_eq!(
        backup::export(&target.store).await.unwrap(),
        doc,
        "a restored database exports the same document"
    );
    let mut c = target.store.read().await.unwrap();
    assert_eq!(
        audit::verify(&mut c).await.unwrap(),
        Verification::Intact { entries: 1 }
    );

    // Restoring twice is refused, and the refusal writes nothing.
    let err = backup::restore(&target.store, &doc).await.unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    drop(c);
    target.finish().await;
}
both!(export_restore, super::round_trip);

async fn bad_documents_write_nothing(db: &TestDb) {
    let bad = serde_json::json!({
        "format": "deltawall-backup/1",
        "tables": {"organisations": [["id-1", "x", "x", "institution", null, null, null, 1, 1, 1]], "users": [["too", "short"]]}
    });
    let err = backup::restore(&db.store, &bad).await.unwrap_err();
    assert!(err.to_string().contains("tables.users[0]"), "{err}");
    let mut c = db.store.read().await.unwrap();
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 0, "nothing half-written");
    assert!(
        backup::restore(&db.store, &serde_json::json!({"format": "other"}))
            .await
            .is_err()
    );
}
both!(bad_backup, super::bad_documents_write_nothing);

/// The backup covers every table of the schema.
async fn covers_every_table(db: &TestDb) {
    let sql = match db.store.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'"
        }
    };
    let mut c = db.store.read().await.unwrap();
    let mut found: Vec<String> = sqlx::query(sql)
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name"))
        .collect();
    found.sort();
    let mut covered: Vec<String> = backup::table_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    covered.sort();
    assert_eq!(found, covered);
}
both!(every_table, super::covers_every_table);
