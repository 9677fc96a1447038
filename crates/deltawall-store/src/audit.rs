//! The append-only, hash-chained audit trail.
//!
//! Entries are appended inside the same transaction as the change they record, so a change
//! and its audit entry are committed together or not at all. Appends are serialised (SQLite
//! by its write lock, PostgreSQL by a transaction-scoped advisory lock) because each entry
//! links to its predecessor's hash.

use crate::Result;
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, Page, Paged, fetch_page};
use crate::scope::org_clause;
use deltawall_domain::OrgScope;
use deltawall_domain::audit::{AuditEntry, ChainError, ChainVerifier, GENESIS, entry_hash};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An action to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEntry {
    /// When, Unix µs.
    pub at_us: i64,
    /// Acting user.
    pub actor_user: Option<String>,
    /// Organisation concerned.
    pub org_id: Option<String>,
    /// Action code, e.g. `user.create`.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// Summary of the change; never secrets.
    pub summary: serde_json::Value,
    /// Source address.
    pub source_ip: Option<String>,
}

/// An arbitrary constant naming our advisory lock.
const PG_AUDIT_LOCK: i64 = 0x000d_e17a_a0d1;

/// Appends an entry; returns its sequence number.
pub async fn append(db: &mut Db, e: NewEntry) -> Result<i64> {
    let (prev_seq, prev_hash) = chain_head(db).await?;
    let entry = chained(prev_seq, prev_hash, e);
    insert_rows(db, std::slice::from_ref(&entry)).await?;
    Ok(entry.seq)
}

/// Appends several entries in order, reading the chain's head once (a batch of writes
/// committed together, such as exercise responses); returns the last sequence number.
pub async fn append_all(db: &mut Db, entries: Vec<NewEntry>) -> Result<Option<i64>> {
    if entries.is_empty() {
        return Ok(None);
    }
    let (mut seq, mut hash) = chain_head(db).await?;
    let mut chain = Vec::with_capacity(entries.len());
    for e in entries {
        let entry = chained(seq, hash, e);
        seq = entry.seq;
        hash = entry.hash.clone();
        chain.push(entry);
    }
    // A statement per chunk rather than per entry: each statement is a round trip to the
    // database (a thread hand-off on SQLite), and a batch can hold hundreds of entries.
    for chunk in chain.chunks(ROWS_PER_INSERT) {
        insert_rows(db, chunk).await?;
    }
    Ok(Some(seq))
}

/// Takes the append lock and reads the last entry's sequence number and hash.
async fn chain_head(db: &mut Db) -> Result<(i64, String)> {
    if db.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_AUDIT_LOCK)
            .execute(&mut *db)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *db)
        .await?;
    Ok(match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")?,
            row.try_get::<String, _>("hash")?,
        ),
        None => (0, GENESIS.to_owned()),
    })
}

fn chained(prev_seq: i64, prev_hash: String, e: NewEntry) -> AuditEntry {
    let mut entry = AuditEntry {
        seq: prev_seq + 1,
        at_us: e.at_us,
        actor_user: e.actor_user,
        org_id: e.org_id,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        summary: e.summary,
        source_ip: e.source_ip,
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    entry
}

const INSERT: &str = "INSERT INTO audit_log (seq, at_us, actor_user, org_id, action, object_type, object_id, summary, source_ip, prev_hash, hash) VALUES ";

/// Rows per insert statement: 11 binds each keeps a statement below SQLite's oldest limit
/// of 999 binds.
const ROWS_PER_INSERT: usize = 80;

/// Inserts `entries` (already chained) with one statement; one entry or a chunk of a batch.
async fn insert_rows(db: &mut Db, entries: &[AuditEntry]) -> Result<()> {
    let rows: Vec<String> = (0..entries.len())
        .map(|n| {
            let marks: Vec<String> = (1..=11).map(|k| format!("${}", n * 11 + k)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!("{INSERT}{}", rows.join(", "));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for entry in entries {
        q = bind_entry(q, entry);
    }
    q.execute(&mut *db).await?;
    Ok(())
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds one entry's eleven columns in the order of [`INSERT`].
fn bind_entry<'q>(q: Query<'q>, entry: &AuditEntry) -> Query<'q> {
    q.bind(entry.seq)
        .bind(entry.at_us)
        .bind(entry.actor_user.clone())
        .bind(entry.org_id.clone())
        .bind(entry.action.clone())
        .bind(entry.object_type.clone())
        .bind(entry.object_id.clone())
        .bind(entry.summary.to_string())
        .bind(entry.source_ip.clone())
        .bind(entry.prev_hash.clone())
        .bind(entry.hash.clone())
}

const COLUMNS: &str = "a.seq, a.at_us, a.actor_user, a.org_id, a.action, a.object_type, a.object_id, a.summary, a.source_ip, a.prev_hash, a.hash";

fn from_row(row: &AnyRow) -> Result<AuditEntry> {
    let summary: String = row.try_get("summary")?;
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at_us: row.try_get("at_us")?,
        actor_user: row.try_get("actor_user")?,
        org_id: row.try_get("org_id")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        summary: serde_json::from_str(&summary).map_err(|_| crate::StoreError::Corrupt {
            table: "audit_log",
            column: "summary",
            value: summary.chars().take(80).collect(),
        })?,
        source_ip: row.try_get("source_ip")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only actions starting with this prefix (e.g. `login.`).
    pub action_prefix: Option<String>,
    /// Only this organisation.
    pub org_id: Option<String>,
}

/// The `FROM … WHERE …` of the entries within `scope` matching `filter`, with its binds.
fn filtered(scope: &OrgScope, filter: &AuditFilter) -> (String, Vec<Bind>) {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let scope_sql = match scope {
        OrgScope::All => "1 = 1".to_owned(),
        _ => clause.sql,
    };
    let mut conds = vec![scope_sql];
    if let Some(p) = &filter.action_prefix {
        binds.push(Bind::Text(format!("{}%", p.replace('%', ""))));
        conds.push(format!("a.action LIKE ${}", binds.len()));
    }
    if let Some(o) = &filter.org_id {
        binds.push(Bind::Text(o.clone()));
        conds.push(format!("a.org_id = ${}", binds.len()));
    }
    let from = format!(
        "FROM audit_log a LEFT JOIN organisations o ON o.id = a.org_id WHERE {}",
        conds.join(" AND ")
    );
    (from, binds)
}

/// Entries of organisations within `scope`, newest first. Entries without an organisation
/// (system events) are visible only with [`OrgScope::All`].
pub async fn list(
    db: &mut Db,
    scope: &OrgScope,
    filter: &AuditFilter,
    page: Page,
) -> Result<Paged<AuditEntry>> {
    let (from, binds) = filtered(scope, filter);
    fetch_page(db, COLUMNS, &from, binds, "a.seq DESC", page, from_row).await
}

/// The trail's order: newest first; the sequence number is unique, so it alone keys a row.
const ORDER: &[keyset::Col] = &[("a.seq", Dir::Desc, Kind::Int)];

/// One page of the entries [`list`] would return, starting after `after`. The trail only
/// grows, so a cursor is what lets a reader walk it without skipping or repeating entries
/// appended meanwhile.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    filter: &AuditFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<AuditEntry>> {
    let (from, binds) = filtered(scope, filter);
    let query = keyset::Query {
        select: format!("SELECT {COLUMNS} {from}"),
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |e| vec![Key::Int(e.seq)])
        .await
}

/// The outcome of verifying the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every entry verified.
    Intact {
        /// Entries checked.
        entries: i64,
    },
    /// The first broken link.
    Broken {
        /// Entries verified before it.
        verified: i64,
        /// What is wrong.
        error: ChainError,
    },
}

/// Recomputes the chain from the first entry, in batches, and stops at the first broken link.
pub async fn verify(db: &mut Db) -> Result<Verification> {
    const BATCH: i64 = 1000;
    let mut verifier = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let sql =
            format!("SELECT {COLUMNS} FROM audit_log a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after)
            .bind(BATCH)
            .fetch_all(&mut *db)
            .await?;
        if rows.is_empty() {
            return Ok(Verification::Intact {
                entries: verifier.verified(),
            });
        }
        for row in &rows {
            let entry = from_row(row)?;
            if let Err(error) = verifier.check(&entry) {
                return Ok(Verification::Broken {
                    verified: verifier.verified(),
                    error,
                });
            }
            after = entry.seq;
        }
    }
}
