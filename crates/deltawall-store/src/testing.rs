//! Test support: a fresh, migrated database per test, on SQLite or PostgreSQL.
//!
//! PostgreSQL tests use the server at `DELTAWALL_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), create a database of their own and drop
//! it afterwards. When no server answers they are skipped with a message, unless
//! `DELTAWALL_REQUIRE_SERVICES=1` is set (as CI does), in which case they fail.

use crate::{Backend, Store};
use sqlx::{AssertSqlSafe, Connection};

/// The default maintenance URL of the local PostgreSQL.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Whether missing services must fail tests instead of skipping them.
pub fn services_required() -> bool {
    std::env::var("DELTAWALL_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    /// The store, migrated.
    pub store: Store,
    /// The URL it was opened with.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Pg { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database on `backend`, or `None` (with a message) when PostgreSQL is not
    /// available and not required.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open sqlite");
        TestDb {
            store,
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A fresh PostgreSQL database, if a server answers.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url =
            std::env::var("DELTAWALL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
        let name = format!("dw_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::any::install_default_drivers();
        let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if !services_required() => {
                eprintln!(
                    "skipped: PostgreSQL not reachable at {admin_url} ({e}); set DELTAWALL_REQUIRE_SERVICES=1 to fail instead"
                );
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL is required (DELTAWALL_REQUIRE_SERVICES=1) but not reachable at {admin_url}: {e}"
            ),
        };
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let url = match admin_url.rfind('/') {
            Some(i) => format!("{}/{name}", &admin_url[..i]),
            None => panic!("DELTAWALL_TEST_PG_URL must end in /DATABASE"),
        };
        let store = Store::open(&url).await.expect("open postgres");
        Some(TestDb {
            store,
            url,
            cleanup: Cleanup::Pg { admin_url, name },
        })
    }

    /// A second, empty and migrated database on the same backend (for restore tests).
    pub async fn sibling(&self) -> Option<TestDb> {
        TestDb::new(self.store.backend()).await
    }

    /// Closes the store and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Cleanup::Pg { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = sqlx::AnyConnection::connect(admin_url).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(AssertSqlSafe(drop)).execute(&mut admin).await;
        }
    }
}
