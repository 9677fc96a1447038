//! Scheduled jobs that run once per due time across every replica sharing the database.
//!
//! Each job has a row in `job_leases` with the time it is next due. A replica that finds a
//! job due claims it in one write transaction: on PostgreSQL it first locks the row with
//! `SELECT … FOR UPDATE SKIP LOCKED` (a replica that finds the row locked by another moves
//! on instead of waiting), then on both engines one conditional `UPDATE` moves the due time
//! to the next point of the job's grid and records the lease. A second replica that comes
//! later finds the job no longer due and claims nothing. Every claim writes a `job_runs`
//! row (job, due time, replica, started, finished, outcome), so runs can be counted.
//!
//! A lease bounds how long a run may hold the job: while it is live the job is not claimed
//! again even if its next due time passes, and if the holder dies its lease simply expires.

use crate::db::{Backend, Db};
use crate::{Result, Store, new_id};
use sqlx::Row;

/// How often a job falls due and how long a claim holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Time between due times, µs (at least 1).
    pub interval_us: i64,
    /// How long a claim keeps other replicas off the job if its run never finishes, µs.
    pub lease_us: i64,
}

/// A job claimed for one due time by one replica: run it, then [`finish`] it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The `job_runs` row of this run (also the lease holder).
    pub run_id: String,
    /// The job's name.
    pub job: String,
    /// The due time this run serves, Unix µs.
    pub due_at: i64,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job did its work; the text says what (e.g. rows purged).
    Ok(String),
    /// The job failed with this error.
    Failed(String),
}

/// One recorded run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// Run id.
    pub id: String,
    /// Job name.
    pub job: String,
    /// The due time it served, Unix µs.
    pub due_at: i64,
    /// The replica that ran it.
    pub replica: String,
    /// Started, Unix µs.
    pub started_at: i64,
    /// Finished, Unix µs; `None` while running (or if the replica died).
    pub finished_at: Option<i64>,
    /// `ok` or `failed`; `None` while running.
    pub outcome: Option<String>,
    /// What the run reported, or its error.
    pub detail: Option<String>,
}

/// The condition under which a job may be claimed: due, and no live lease.
const CLAIMABLE: &str =
    "job = $1 AND next_due_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)";

/// Claims `job` for `replica` if it is due at `now`, or returns `None` when it is not due,
/// its lease is held, or another replica is claiming it at this moment. The first claim of
/// a job never seen before is due at once.
pub async fn claim(
    store: &Store,
    job: &str,
    replica: &str,
    now: i64,
    schedule: Schedule,
) -> Result<Option<Claim>> {
    let interval = schedule.interval_us.max(1);
    let mut tx = store.write().await?;
    sqlx::query(
        "INSERT INTO job_leases (job, next_due_at) VALUES ($1, $2) ON CONFLICT (job) DO NOTHING",
    )
    .bind(job.to_owned())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if store.backend() == Backend::Postgres {
        let locked = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT job FROM job_leases WHERE {CLAIMABLE} FOR UPDATE SKIP LOCKED"
        )))
        .bind(job.to_owned())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if locked.is_none() {
            return Ok(None);
        }
    }
    let run_id = new_id();
    // The right-hand sides read the row as it was, so `last_due_at` is the due time being
    // served and the next one is the first point of the grid after `now` (missed due times
    // while every replica was down are not run one by one).
    let due: Option<i64> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE job_leases SET last_due_at = next_due_at, \
         next_due_at = next_due_at + $3 * (($2 - next_due_at) / $3 + 1), \
         holder = $4, lease_until = $5 WHERE {CLAIMABLE} RETURNING last_due_at"
    )))
    .bind(job.to_owned())
    .bind(now)
    .bind(interval)
    .bind(run_id.clone())
    .bind(now.saturating_add(schedule.lease_us.max(1)))
    .fetch_optional(&mut *tx)
    .await?
    .map(|row| row.try_get("last_due_at"))
    .transpose()?;
    let Some(due_at) = due else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO job_runs (id, job, due_at, replica, started_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(run_id.clone())
    .bind(job.to_owned())
    .bind(due_at)
    .bind(replica.chars().take(200).collect::<String>())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Claim {
        run_id,
        job: job.to_owned(),
        due_at,
    }))
}

/// Records how a claimed run ended and releases its lease (only if this run still holds
/// it: an expired lease may have passed to another run meanwhile).
pub async fn finish(store: &Store, claim: &Claim, now: i64, outcome: &Outcome) -> Result<()> {
    let (code, detail) = match outcome {
        Outcome::Ok(d) => ("ok", d),
        Outcome::Failed(e) => ("failed", e),
    };
    let mut tx = store.write().await?;
    sqlx::query("UPDATE job_runs SET finished_at = $2, outcome = $3, detail = $4 WHERE id = $1")
        .bind(claim.run_id.clone())
        .bind(now)
        .bind(code)
        .bind(detail.chars().take(2000).collect::<String>())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE job_leases SET holder = NULL, lease_until = NULL WHERE job = $1 AND holder = $2",
    )
    .bind(claim.job.clone())
    .bind(claim.run_id.clone())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The runs of `job`, oldest due time first.
pub async fn runs(db: &mut Db, job: &str) -> Result<Vec<JobRun>> {
    let rows = sqlx::query(
        "SELECT id, job, due_at, replica, started_at, finished_at, outcome, detail FROM job_runs \
         WHERE job = $1 ORDER BY due_at, started_at, id",
    )
    .bind(job.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(JobRun {
                id: row.try_get("id")?,
                job: row.try_get("job")?,
                due_at: row.try_get("due_at")?,
                replica: row.try_get("replica")?,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
                outcome: row.try_get("outcome")?,
                detail: row.try_get("detail")?,
            })
        })
        .collect()
}

/// Makes `job` due at `now` (an operator asking for a run now); the next replica to look
/// claims it. Returns whether the job was known.
pub async fn make_due(db: &mut Db, job: &str, now: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE job_leases SET next_due_at = $2 WHERE job = $1")
        .bind(job.to_owned())
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes the records of runs that started before `before`.
pub async fn purge_runs(db: &mut Db, before: i64) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM job_runs WHERE started_at < $1 AND finished_at IS NOT NULL")
            .bind(before)
            .execute(&mut *db)
            .await?;
    Ok(done.rows_affected())
}

/// The tables of migration 18 for the logical backup: the schedule travels with the data,
/// so a restored database continues each job's grid instead of running everything at once.
pub(crate) const BACKUP_TABLES: &[crate::backup::Table] = {
    use crate::backup::Kind::{Int, Text};
    &[
        (
            "job_leases",
            &[
                ("job", Text),
                ("next_due_at", Int),
                ("last_due_at", Int),
                ("holder", Text),
                ("lease_until", Int),
            ],
        ),
        (
            "job_runs",
            &[
                ("id", Text),
                ("job", Text),
                ("due_at", Int),
                ("replica", Text),
                ("started_at", Int),
                ("finished_at", Int),
                ("outcome", Text),
                ("detail", Text),
            ],
        ),
    ]
};
