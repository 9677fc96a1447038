//! The request tasks of the sector counted per deadline, business type, region and state,
//! kept up to date on write (migration 26), so the sector figures' completion chart reads a
//! few thousand counts instead of joining and grouping every task (issue 19: the FSA's
//! figures took seconds at 100,000 tasks).
//!
//! Only institutions with a business type and a region are counted, as in the figures.
//! The tally changes by one in the transaction of each write that adds a task or moves it
//! to another state ([`count_task`], [`task_moved`]), and by an institution's whole task
//! counts when its business type or region changes ([`org_moved`]). Rows whose count falls
//! to zero are deleted. The from-scratch aggregation stays in
//! [`sup_figures::task_counts`](crate::sup_figures::task_counts): the storage tests check
//! that both agree after random sequences of writes.

use crate::Result;
use crate::db::Db;
use crate::records::{Bind, bind_all};
use crate::scope::Clause;
use sqlx::{AssertSqlSafe, Row};

/// The migration that creates the table; applying it counts the existing tasks.
pub(crate) const MIGRATION: i64 = 26;

/// Where an institution's tasks are counted: its business type and region codes, or
/// `None` when it is not counted (not an institution, or either is missing).
pub(crate) type Key = Option<(String, String)>;

/// The tally key of organisation `org_id` as stored now.
pub(crate) async fn key_of(db: &mut Db, org_id: &str) -> Result<Key> {
    let row = sqlx::query("SELECT kind, business_type, region FROM organisations WHERE id = $1")
        .bind(org_id.to_owned())
        .fetch_optional(&mut *db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: String = row.try_get("kind")?;
    let business_type: Option<String> = row.try_get("business_type")?;
    let region: Option<String> = row.try_get("region")?;
    Ok(match (kind.as_str(), business_type, region) {
        ("institution", Some(b), Some(r)) => Some((b, r)),
        _ => None,
    })
}

/// Adds `delta` to one count, deleting it when it reaches zero.
async fn add(
    db: &mut Db,
    deadline: i64,
    key: &(String, String),
    state: &str,
    delta: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_task_tally (deadline, business_type, region, state, tasks) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (deadline, business_type, region, state) \
         DO UPDATE SET tasks = sup_task_tally.tasks + excluded.tasks",
    )
    .bind(deadline)
    .bind(key.0.clone())
    .bind(key.1.clone())
    .bind(state.to_owned())
    .bind(delta)
    .execute(&mut *db)
    .await?;
    if delta < 0 {
        sqlx::query(
            "DELETE FROM sup_task_tally WHERE deadline = $1 AND business_type = $2 \
             AND region = $3 AND state = $4 AND tasks = 0",
        )
        .bind(deadline)
        .bind(key.0.clone())
        .bind(key.1.clone())
        .bind(state.to_owned())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Counts `delta` tasks of request `request_id` for `org_id` in `state` (1 for a new
/// task, -1 for a task leaving that state).
pub(crate) async fn count_task(
    db: &mut Db,
    request_id: &str,
    org_id: &str,
    state: &str,
    delta: i64,
) -> Result<()> {
    let Some(key) = key_of(db, org_id).await? else {
        return Ok(());
    };
    let deadline: Option<i64> =
        sqlx::query_scalar("SELECT deadline FROM sup_requests WHERE id = $1")
            .bind(request_id.to_owned())
            .fetch_optional(&mut *db)
            .await?;
    match deadline {
        Some(d) => add(db, d, &key, state, delta).await,
        None => Ok(()),
    }
}

/// The request and state of a task before a write changes it.
pub(crate) async fn before(db: &mut Db, task_id: &str) -> Result<Option<(String, String)>> {
    let row = sqlx::query("SELECT request_id, state FROM sup_request_tasks WHERE id = $1")
        .bind(task_id.to_owned())
        .fetch_optional(&mut *db)
        .await?;
    row.map(|r| Ok((r.try_get("request_id")?, r.try_get("state")?)))
        .transpose()
}

/// Moves one task of `org_id` from the state it had (`before`) to `state`.
pub(crate) async fn task_moved(
    db: &mut Db,
    before: Option<(String, String)>,
    org_id: &str,
    state: &str,
) -> Result<()> {
    let Some((request_id, old)) = before else {
        return Ok(());
    };
    if old == state {
        return Ok(());
    }
    count_task(db, &request_id, org_id, &old, -1).await?;
    count_task(db, &request_id, org_id, state, 1).await
}

/// Adds `sign` times every task of `org_id`, grouped by deadline and state, under `key`.
async fn add_org(db: &mut Db, org_id: &str, key: &(String, String), sign: i64) -> Result<()> {
    let groups = sqlx::query(
        "SELECT r.deadline, t.state, COUNT(*) AS n FROM sup_request_tasks t \
         JOIN sup_requests r ON r.id = t.request_id WHERE t.org_id = $1 \
         GROUP BY r.deadline, t.state",
    )
    .bind(org_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    for g in &groups {
        let state: String = g.try_get("state")?;
        let n: i64 = g.try_get("n")?;
        add(db, g.try_get("deadline")?, key, &state, sign * n).await?;
    }
    Ok(())
}

/// Moves the tasks of `org_id` to where it is counted now, after a write that may have
/// changed its business type or region (`before` is its key read before that write).
pub(crate) async fn org_moved(db: &mut Db, org_id: &str, before: Key) -> Result<()> {
    let after = key_of(db, org_id).await?;
    if after == before {
        return Ok(());
    }
    if let Some(k) = &before {
        add_org(db, org_id, k, -1).await?;
    }
    if let Some(k) = &after {
        add_org(db, org_id, k, 1).await?;
    }
    Ok(())
}

/// Replaces the tally by the counts of every task, in one `INSERT … SELECT`. Run by the
/// migration that creates the table, and by anything that writes tasks in bulk without the
/// per-write count (the benchmark sector generators).
pub async fn rebuild_all(db: &mut Db) -> Result<()> {
    sqlx::query("DELETE FROM sup_task_tally")
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO sup_task_tally (deadline, business_type, region, state, tasks) \
         SELECT r.deadline, o.business_type, o.region, t.state, COUNT(*) FROM sup_request_tasks t \
         JOIN sup_requests r ON r.id = t.request_id JOIN organisations o ON o.id = t.org_id \
         WHERE o.kind = 'institution' AND o.business_type IS NOT NULL AND o.region IS NOT NULL \
         GROUP BY r.deadline, o.business_type, o.region, t.state",
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// One count read from the tally, summed over the regions in reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyRow {
    /// The request's deadline, Unix µs.
    pub deadline_us: i64,
    /// Business type code.
    pub business_type: String,
    /// Task state code.
    pub state: String,
    /// How many tasks.
    pub count: i64,
}

/// The counts by deadline, business type and state within `clause` (a condition over the
/// tally aliased `k`, from [`scope::tally_clause`](crate::scope::tally_clause)).
pub(crate) async fn read(db: &mut Db, clause: Clause) -> Result<Vec<TallyRow>> {
    let sql = format!(
        "SELECT k.deadline, k.business_type, k.state, CAST(SUM(k.tasks) AS BIGINT) AS n \
         FROM sup_task_tally k WHERE {} GROUP BY k.deadline, k.business_type, k.state",
        clause.sql
    );
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TallyRow {
                deadline_us: r.try_get("deadline")?,
                business_type: r.try_get("business_type")?,
                state: r.try_get("state")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// The table of migration 26 for the logical backup: it travels with the tasks it counts,
/// so a restored database reads the same figures without a rebuild.
pub(crate) const BACKUP_TABLES: &[crate::backup::Table] = {
    use crate::backup::Kind::{Int, Text};
    &[(
        "sup_task_tally",
        &[
            ("deadline", Int),
            ("business_type", Text),
            ("region", Text),
            ("state", Text),
            ("tasks", Int),
        ],
    )]
};
