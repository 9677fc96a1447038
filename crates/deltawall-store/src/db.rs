//! Connections, transactions and backend detection.

use crate::{Result, StoreError, migrate};
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Executor, Transaction, pool::PoolConnection};
use std::time::Duration;

/// Which database engine is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file under the data directory (WAL mode).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A pooled connection for reads.
pub type Conn = PoolConnection<Any>;
/// A write transaction: commit it, or drop it to roll back.
pub type Tx = Transaction<'static, Any>;

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// SQLite only: one connection that does not map the file, for [`Store::write_bulk`].
    bulk: Option<AnyPool>,
    backend: Backend,
}

// `mmap_size`: reads map the file instead of copying each page through the connection's
// 2 MB page cache, which a supervisor's board over 20,000 cases overflows on every request
// (the open-case count reads each case's row: 44 → 25 ms of CPU in a release SQLite,
// docs/BENCHMARKS.md). The mapping is shared through the OS page cache, not per connection.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA mmap_size = 268435456;";

// The bulk connection reads through its own page cache instead: a scan import reads and
// writes a whole asset's findings once, and mapped, those pages stay resident in the
// process (178 MiB of a 345 MiB peak for a 100 MB SARIF re-import, docs/BENCHMARKS.md).
const SQLITE_BULK_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA mmap_size = 0;";

/// The SQLite pool of [`Store::write_bulk`]: one connection, opened on first use and closed
/// after a minute idle.
fn sqlite_bulk_pool(url: &str) -> Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(Duration::from_secs(60))
        .acquire_timeout(Duration::from_secs(60))
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(SQLITE_BULK_PRAGMAS).await?;
                Ok(())
            })
        })
        .connect_lazy(url)?;
    Ok(pool)
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating a SQLite file if
    /// needed, and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(15));
        let url = match backend {
            Backend::Sqlite => {
                // No ping before each acquire: a connection to a local file cannot have
                // been hung up on, and the ping is a hand-off to the connection's thread
                // on every request.
                opts = opts
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    });
                with_create_mode(url)
            }
            Backend::Postgres => {
                opts = opts.max_connections(16);
                url.to_owned()
            }
        };
        let pool = opts.connect(&url).await?;
        // A second pool on an in-memory database would be another, empty database.
        let bulk = match backend {
            Backend::Sqlite if !url.contains(":memory:") => Some(sqlite_bulk_pool(&url)?),
            _ => None,
        };
        Ok(Store {
            pool,
            bulk,
            backend,
        })
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        migrate::run(&mut conn, self.backend).await
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<Conn> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so that concurrent writers wait their turn instead of failing
    /// when they upgrade a read snapshot.
    pub async fn write(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Starts a write transaction for a bulk import that reads and writes many rows once
    /// (a scanner's findings). The same as [`Store::write`] on PostgreSQL; on SQLite it runs
    /// on a connection that does not map the database file, so the pages it touches are
    /// not left resident in the process. Writers still take turns on SQLite's one write
    /// lock, whichever pool they come from.
    pub async fn write_bulk(&self) -> Result<Tx> {
        match &self.bulk {
            Some(bulk) => Ok(bulk.begin_with("BEGIN IMMEDIATE").await?),
            None => self.write().await,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(bulk) = &self.bulk {
            bulk.close().await;
        }
    }

    /// Copies a live SQLite database into `path` as one consistent snapshot.
    pub async fn sqlite_snapshot(&self, path: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_owned())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Shorthand so repository functions take either a pooled connection or a transaction.
pub(crate) type Db = AnyConnection;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://***@h/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
