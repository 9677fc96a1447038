//! The storage test suite. Every test runs on SQLite and on PostgreSQL through the
//! [`both!`] macro, so the two backends are held to the same behaviour.

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

mod attack_tlpt;
mod audit;
mod auth;
mod backup;
mod bulk_escaping;
mod detections;
mod detections_inbox;
mod exercises;
mod fixtures;
mod incidents;
mod jobs;
mod mappings;
mod migrations;
mod orgs;
mod paging_config;
mod paging_inbox;
mod paging_lists;
mod paging_reach;
mod paging_sup;
mod paging_whole;
mod posture;
mod posture_history;
mod sharing;
mod sharing_feedback;
mod sup_facts;
mod sup_figures;
mod sup_rank;
mod sup_requests;
mod vuln;
mod vuln_contracts;
