//! Migrations: both backends carry the same versions, and reopening is idempotent.

use deltawall_store::Store;
use deltawall_store::testing::TestDb;

fn versions(dir: &str) -> Vec<String> {
    let path = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<String> = std::fs::read_dir(path)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .split('_')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn both_backends_have_the_same_versions() {
    assert_eq!(versions("sqlite"), versions("postgres"));
    assert!(!versions("sqlite").is_empty());
}

async fn reopen(db: &TestDb) {
    let again = Store::open(&db.url).await.unwrap();
    again.migrate().await.unwrap();
    again.close().await;
}
both!(reopening_is_idempotent, super::reopen);

/// A bulk transaction writes to the same database as the others, waits its turn for the
/// write lock, and on SQLite does not map the file (the ordinary connections do).
async fn bulk_writes(db: &TestDb) {
    use deltawall_store::Backend;
    use sqlx::Row;
    let mut tx = db.store.write().await.unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('bulk-test', 'zero')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut bulk = db.store.write_bulk().await.unwrap();
    sqlx::query("UPDATE settings SET value = 'one' WHERE key = 'bulk-test'")
        .execute(&mut *bulk)
        .await
        .unwrap();
    if db.store.backend() == Backend::Sqlite {
        let mapped = |row: sqlx::any::AnyRow| row.try_get::<i64, _>(0).unwrap();
        let bulk_map = sqlx::query("PRAGMA mmap_size")
            .fetch_one(&mut *bulk)
            .await
            .unwrap();
        assert_eq!(mapped(bulk_map), 0);
        let mut conn = db.store.read().await.unwrap();
        let map = sqlx::query("PRAGMA mmap_size")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(mapped(map), 268_435_456);
    }
    // An ordinary writer started now waits for the bulk transaction (SQLite's write lock,
    // PostgreSQL's row lock), so its change is the one that stays.
    let store = db.store.clone();
    let writer = tokio::spawn(async move {
        let mut tx = store.write().await.unwrap();
        sqlx::query("UPDATE settings SET value = 'two' WHERE key = 'bulk-test'")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    });
    bulk.commit().await.unwrap();
    writer.await.unwrap();
    let mut conn = db.store.read().await.unwrap();
    let value: String = sqlx::query("SELECT value FROM settings WHERE key = 'bulk-test'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("value")
        .unwrap();
    assert_eq!(value, "two");
}
both!(bulk_transactions, super::bulk_writes);

async fn rejects_unknown_url(_: &TestDb) {
    let err = Store::open("mysql://x").await.unwrap_err();
    assert!(
        err.to_string().contains("unsupported database url"),
        "{err}"
    );
}
both!(unknown_url, super::rejects_unknown_url);

/// Four replicas starting together on one empty PostgreSQL database: every one opens, and
/// each migration is applied once (without the advisory lock they race on the same tables).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    use sqlx::{AssertSqlSafe, Connection};
    let admin_url = std::env::var("DELTAWALL_TEST_PG_URL")
        .unwrap_or_else(|_| deltawall_store::testing::DEFAULT_PG_URL.to_owned());
    sqlx::any::install_default_drivers();
    let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) if !deltawall_store::testing::services_required() => {
            eprintln!("skipped: PostgreSQL not reachable at {admin_url} ({e})");
            return;
        }
        Err(e) => panic!("PostgreSQL is required but not reachable at {admin_url}: {e}"),
    };
    let name = format!("dw_test_mig_{}", std::process::id());
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    sqlx::query(AssertSqlSafe(drop.clone()))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{}/{name}", &admin_url[..admin_url.rfind('/').unwrap()]);
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Store::open(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await.unwrap().expect("every replica opens"));
    }
    let mut conn = stores[0].read().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(usize::try_from(n).unwrap(), versions("postgres").len());
    drop_all(conn, stores).await;
    let _ = sqlx::query(AssertSqlSafe(drop)).execute(&mut admin).await;
}

async fn drop_all(conn: deltawall_store::Conn, stores: Vec<Store>) {
    drop(conn);
    for s in stores {
        s.close().await;
    }
}

/// Migration 29 fills the title and requirement count of the editions stored before it
/// from their documents, as the import writes them for new editions: a database taken back
/// to before 29 (the columns dropped, the version forgotten) and migrated again lists the
/// same summaries as the documents give.
async fn catalog_summaries_are_filled(db: &TestDb) {
    use deltawall_domain::catalog::builtin::fsa_2020_viewpoints;
    use deltawall_store::assessments;
    let mut doc = fsa_2020_viewpoints().unwrap();
    let mut english_only = doc.clone();
    english_only.version = "english-only".into();
    english_only.title.ja.clear();
    english_only.sections.truncate(2);
    english_only.sections[1].requirements.clear();
    doc.version = "whole".into();
    let mut tx = db.store.write().await.unwrap();
    for c in [&doc, &english_only] {
        assessments::insert_catalog(&mut tx, c, Some("org-x"), 1)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let summaries = || async {
        let mut conn = db.store.read().await.unwrap();
        let mut got: Vec<(String, String, String, i64)> = assessments::list_catalogs(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.version, c.title.ja, c.title.en, c.requirements))
            .collect();
        got.sort();
        got
    };
    let written = summaries().await;
    let expected: Vec<(String, String, String, i64)> = {
        let mut e: Vec<_> = [&english_only, &doc]
            .iter()
            .map(|c| {
                let n = c.requirements().count() as i64;
                (c.version.clone(), c.title.ja.clone(), c.title.en.clone(), n)
            })
            .collect();
        e.sort();
        e
    };
    assert_eq!(written, expected, "the import writes the summaries");
    assert!(expected[1].3 > expected[0].3 && expected[0].1.is_empty());

    let mut tx = db.store.write().await.unwrap();
    for col in ["title_ja", "title_en", "requirements"] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE catalogs DROP COLUMN {col}"
        )))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM schema_migrations WHERE version = 29")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.store.migrate().await.unwrap();
    assert_eq!(summaries().await, expected, "the migration fills them");
}
both!(
    catalog_summaries_are_filled,
    super::catalog_summaries_are_filled
);
