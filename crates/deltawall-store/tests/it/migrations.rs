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

async fn rejects_unknown_url(_: &TestDb) {
    let err = Store::open("mysql://x").await.unwrap_err();
    assert!(
        err.to_string().contains("unsupported database url"),
        "{err}"
    );
}
both!(unknown_url, super::rejects_unknown_url);
