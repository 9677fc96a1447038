//! Detections received from `deltawall scan` (migration 13): written in batches of
//! [`BATCH_ROWS`] with `INSERT … ON CONFLICT DO NOTHING` on `(org_id, id)`, so a resend
//! of the same alerts is counted as duplicates and changes nothing. Keys are per
//! institution: one institution's alert can never collide with, or reveal, another's.
//! Reads go through [`org_clause`].

use crate::db::Db;
use crate::pg_rows::rows_json;
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::detection::{Detection, Level, Triage};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// Detections per batch: the scanner sends, and the caller commits, this many at a time.
pub const BATCH_ROWS: usize = 1_000;

/// The columns of one row that differ between detections, bound per row.
const ROW_COLUMNS: &str = "id, rule_key, title, level, kind, group_key, first_seen, last_seen, \
     event_count, raw";
const ROW_WIDTH: usize = 10;

/// The columns every row of a batch shares: `org_id`, `status`, `received_at` (also
/// `updated_at`) and `received_by`.
const SHARED: usize = 4;

/// What an ingest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ingested {
    /// New rows written.
    pub accepted: u64,
    /// Detections already stored for this institution.
    pub duplicate: u64,
}

/// Who sent a batch and when: the values every row shares.
struct Shared<'a> {
    org_id: &'a str,
    received_by: &'a str,
    at_us: i64,
}

/// The SQLite INSERT for `rows` detections. Every value is an anonymous `?`, bound in
/// order: its driver finds a numbered or named parameter's position with a linear search of
/// the statement's parameter names, which makes binding a statement with thousands of `$N`
/// quadratic (measured in docs/BENCHMARKS.md).
fn sqlite_insert_sql(rows: usize) -> String {
    let group = format!("({})", vec!["?"; ROW_WIDTH + SHARED + 1].join(", "));
    format!(
        "INSERT INTO detections (org_id, {ROW_COLUMNS}, status, received_at, received_by, updated_at) \
         VALUES {} ON CONFLICT (org_id, id) DO NOTHING",
        vec![group; rows].join(", ")
    )
}

/// The PostgreSQL INSERT of one batch: the shared columns bound once as `$1`..`$4`, the
/// rows as one JSON array in `$5` (see [`crate::pg_rows`]). Rows come out of
/// `json_to_recordset` in array order, so a detection repeated within a batch is written
/// once and counted once as a duplicate, as with `VALUES`. `json`, not `jsonb`: the batch is
/// read once, so building the binary form (and sorting each object's keys) is wasted work.
const PG_INSERT: &str = "INSERT INTO detections (org_id, id, rule_key, title, level, kind, \
     group_key, first_seen, last_seen, event_count, raw, status, received_at, received_by, \
     updated_at) \
     SELECT $1, r.id, r.rule_key, r.title, r.level, r.kind, r.group_key, r.first_seen, \
     r.last_seen, r.event_count, r.raw, $2, $3, $4, $3 \
     FROM json_to_recordset($5::json) AS r(id text, rule_key text, title text, level text, \
     kind text, group_key text, first_seen bigint, last_seen bigint, event_count bigint, \
     raw text) \
     ON CONFLICT (org_id, id) DO NOTHING";

/// One detection as a row of [`PG_INSERT`]'s JSON array.
#[derive(Serialize)]
struct PgRow<'a> {
    id: &'a str,
    rule_key: &'a str,
    title: &'a str,
    level: Option<&'static str>,
    kind: &'static str,
    group_key: &'a str,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    event_count: Option<i64>,
    raw: String,
}

impl<'a> PgRow<'a> {
    fn of(d: &'a Detection) -> Self {
        PgRow {
            id: &d.id,
            rule_key: &d.rule_key,
            title: &d.title,
            level: d.level.map(|l| l.code()),
            kind: d.kind.code(),
            group_key: &d.group_key,
            first_seen: d.first_seen_us,
            last_seen: d.last_seen_us,
            event_count: event_count(d),
            raw: d.raw.to_string(),
        }
    }
}

fn event_count(d: &Detection) -> Option<i64> {
    d.count.and_then(|c| i64::try_from(c).ok())
}

/// Writes one batch on PostgreSQL; returns the rows written.
async fn insert_pg(db: &mut Db, shared: &Shared<'_>, chunk: &[Detection]) -> Result<u64> {
    let rows: Vec<PgRow> = chunk.iter().map(PgRow::of).collect();
    let done = sqlx::query(PG_INSERT)
        .bind(shared.org_id.to_owned())
        .bind(Triage::New.code())
        .bind(shared.at_us)
        .bind(shared.received_by.to_owned())
        .bind(rows_json(&rows)?)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected())
}

/// Writes one batch on SQLite; returns the rows written.
async fn insert_sqlite(db: &mut Db, shared: &Shared<'_>, chunk: &[Detection]) -> Result<u64> {
    let mut q = sqlx::query(AssertSqlSafe(sqlite_insert_sql(chunk.len())));
    for d in chunk {
        q = q
            .bind(shared.org_id.to_owned())
            .bind(d.id.clone())
            .bind(d.rule_key.clone())
            .bind(d.title.clone())
            .bind(d.level.map(|l| l.code().to_owned()))
            .bind(d.kind.code())
            .bind(d.group_key.clone())
            .bind(d.first_seen_us)
            .bind(d.last_seen_us)
            .bind(event_count(d))
            .bind(d.raw.to_string())
            .bind(Triage::New.code())
            .bind(shared.at_us)
            .bind(shared.received_by.to_owned())
            .bind(shared.at_us);
    }
    Ok(q.execute(&mut *db).await?.rows_affected())
}

/// Writes `detections` for institution `org_id`, received at `at_us` from `received_by`,
/// inside the caller's transaction. Each statement inserts a batch of [`BATCH_ROWS`];
/// what the institution already has is skipped by `ON CONFLICT DO NOTHING` and counted
/// from the rows affected.
pub async fn ingest(
    db: &mut Db,
    org_id: &str,
    received_by: &str,
    detections: &[Detection],
    at_us: i64,
) -> Result<Ingested> {
    let mut out = Ingested::default();
    let sqlite = db.backend_name() == "SQLite";
    let shared = Shared {
        org_id,
        received_by,
        at_us,
    };
    for chunk in detections.chunks(BATCH_ROWS) {
        let written = if sqlite {
            insert_sqlite(db, &shared, chunk).await?
        } else {
            insert_pg(db, &shared, chunk).await?
        };
        out.accepted += written;
        out.duplicate += chunk.len() as u64 - written;
    }
    Ok(out)
}

/// A detection as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDetection {
    /// The institution.
    pub org_id: String,
    /// Stable id.
    pub id: String,
    /// Rule id, name or title.
    pub rule_key: String,
    /// Title.
    pub title: String,
    /// Level.
    pub level: Option<Level>,
    /// Group key.
    pub group_key: String,
    /// First event, Unix µs.
    pub first_seen: Option<i64>,
    /// Triage state.
    pub status: Triage,
    /// Received, Unix µs.
    pub received_at: i64,
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "detections",
        column,
        value: value.chars().take(80).collect(),
    }
}

fn from_row(row: &AnyRow) -> Result<StoredDetection> {
    let level: Option<String> = row.try_get("level")?;
    let status: String = row.try_get("status")?;
    Ok(StoredDetection {
        org_id: row.try_get("org_id")?,
        id: row.try_get("id")?,
        rule_key: row.try_get("rule_key")?,
        title: row.try_get("title")?,
        level: level
            .map(|l| Level::from_code(&l).ok_or_else(|| corrupt("level", &l)))
            .transpose()?,
        group_key: row.try_get("group_key")?,
        first_seen: row.try_get("first_seen")?,
        status: Triage::from_code(&status).ok_or_else(|| corrupt("status", &status))?,
        received_at: row.try_get("received_at")?,
    })
}

/// Detections of institutions within `scope`, optionally in one triage state, newest
/// first (at most `limit`, capped at 500).
pub async fn list(
    db: &mut Db,
    scope: &OrgScope,
    status: Option<Triage>,
    limit: i64,
) -> Result<Vec<StoredDetection>> {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut filter = String::new();
    if let Some(s) = status {
        binds.push(Bind::Text(s.code().to_owned()));
        filter = format!(" AND d.status = ${}", binds.len());
    }
    binds.push(Bind::Int(limit.clamp(1, 500)));
    let sql = format!(
        "SELECT d.org_id, d.id, d.rule_key, d.title, d.level, d.group_key, d.first_seen, d.status, d.received_at \
         FROM detections d JOIN organisations o ON o.id = d.org_id WHERE {}{filter} \
         ORDER BY d.received_at DESC, d.id LIMIT ${}",
        clause.sql,
        binds.len()
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Moves a detection of `org_id` from triage state `from` to `to` (decided by the
/// domain's `triage`), linking `case_id` when escalated. A stale `from` changes nothing
/// and is a conflict.
pub async fn set_triage(
    db: &mut Db,
    org_id: &str,
    id: &str,
    from: Triage,
    to: Triage,
    case_id: Option<&str>,
    at_us: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE detections SET status = $1, case_id = COALESCE($2, case_id), updated_at = $3 \
         WHERE org_id = $4 AND id = $5 AND status = $6",
    )
    .bind(to.code())
    .bind(case_id.map(str::to_owned))
    .bind(at_us)
    .bind(org_id.to_owned())
    .bind(id.to_owned())
    .bind(from.code())
    .execute(&mut *db)
    .await?
    .rows_affected();
    if done == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict("detection triage"))
    }
}
