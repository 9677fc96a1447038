//! Service-level tests of `deltawall-app`. Every test runs on SQLite and on PostgreSQL
//! through the [`both!`] macro (PostgreSQL skips with a message when no server answers,
//! unless `DELTAWALL_REQUIRE_SERVICES=1`).

/// Defines a test module with one test per backend running the same async body.
macro_rules! both {
    ($name:ident, $body:path) => {
        mod $name {
            use deltawall_store::Backend;
            use deltawall_store::testing::TestDb;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = TestDb::new(Backend::Sqlite).await.unwrap();
                $body(&db).await;
                db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = TestDb::new(Backend::Postgres).await else {
                    return;
                };
                $body(&db).await;
                db.finish().await;
            }
        }
    };
}

mod incident_board;
mod ranking_clock;
mod vuln;
