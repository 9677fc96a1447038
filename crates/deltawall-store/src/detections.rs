//! Detections received from `deltawall scan` (migration 13): written in batches of
//! [`BATCH_ROWS`] with `INSERT … ON CONFLICT DO NOTHING` on `(org_id, id)`, so a resend
//! of the same alerts is counted as duplicates and changes nothing. Keys are per
//! institution: one institution's alert can never collide with, or reveal, another's.
//! Reads go through [`org_clause`].

use crate::db::Db;
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

/// Rows per INSERT statement on SQLite. Statements with thousands of placeholders bind
/// slowly through sqlx on SQLite (measured: 1,000-row statements ingested about 1,500
/// detections a second, 100-row ones about 8,400), so there a batch is sent as several.
/// PostgreSQL took the opposite turn (1,000-row statements 8,400 a second, 100-row ones
/// 1,400) and gets one statement per batch. See docs/BENCHMARKS.md.
const SQLITE_STATEMENT_ROWS: usize = 100;

const COLUMNS: &str = "org_id, id, rule_key, title, level, kind, group_key, first_seen, \
     last_seen, event_count, raw, status, received_at, received_by, updated_at";
const WIDTH: usize = 15;

/// What an ingest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ingested {
    /// New rows written.
    pub accepted: u64,
    /// Detections already stored for this institution.
    pub duplicate: u64,
}

/// Writes `detections` for institution `org_id`, received at `at_us` from `received_by`,
/// inside the caller's transaction (statement size per engine, see `SQLITE_STATEMENT_ROWS`).
pub async fn ingest(
    db: &mut Db,
    org_id: &str,
    received_by: &str,
    detections: &[Detection],
    at_us: i64,
) -> Result<Ingested> {
    let mut out = Ingested::default();
    let rows_per_statement = if db.backend_name() == "SQLite" {
        SQLITE_STATEMENT_ROWS
    } else {
        BATCH_ROWS
    };
    for chunk in detections.chunks(rows_per_statement) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let marks: Vec<String> =
                    (1..=WIDTH).map(|c| format!("${}", r * WIDTH + c)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO detections ({COLUMNS}) VALUES {} ON CONFLICT (org_id, id) DO NOTHING",
            rows.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for d in chunk {
            q = q
                .bind(org_id.to_owned())
                .bind(d.id.clone())
                .bind(d.rule_key.clone())
                .bind(d.title.clone())
                .bind(d.level.map(|l| l.code().to_owned()))
                .bind(d.kind.code())
                .bind(d.group_key.clone())
                .bind(d.first_seen_us)
                .bind(d.last_seen_us)
                .bind(d.count.and_then(|c| i64::try_from(c).ok()))
                .bind(d.raw.to_string())
                .bind(Triage::New.code())
                .bind(at_us)
                .bind(received_by.to_owned())
                .bind(at_us);
        }
        let written = q.execute(&mut *db).await?.rows_affected();
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
