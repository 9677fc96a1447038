//! The report stages owed on each open case, kept on write (migration 24), and the board's
//! reads over them: the supervisor's incident board counts running and overdue reports and
//! lists the most urgent ones in SQL instead of reading every open case and computing all
//! their clocks on each request (issues 13 and 19: under 200 ms at 20,000 open cases).
//!
//! A case's owed stages are its clocks that have a deadline and are neither met nor decided
//! against ([`owed`]); whether one is overdue depends only on the instant of reading, so the
//! rows keep the deadline and readers compare it with their own instant. The rows are
//! refreshed from the case's own rows ([`refresh_case`]) in the transaction of every write
//! that moves its clocks: [`cases::insert`](super::cases::insert),
//! [`cases::update`](super::cases::update), [`reports::insert`](super::reports::insert) and
//! [`reports::insert_decision`](super::reports::insert_decision). Reviews do not move a
//! clock; the submissions awaiting review are counted live.
//!
//! Reads go through [`org_clause`]. The from-scratch reads stay in [`super::board`]; the
//! service's tests check that both give the same board after random writes.

use super::board::milestones_of;
use super::corrupt;
use crate::db::Db;
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::case::{Category, Phase, Priority};
use deltawall_domain::incident::clock::{self, CaseTimes, ClockState};
use deltawall_domain::incident::regime::{Regimes, Stage};
use deltawall_domain::jst::Holidays;
use deltawall_domain::org::{BusinessType, Region};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The migration that creates the table; applying it summarises the existing cases.
pub(crate) const MIGRATION: i64 = 24;

/// The condition on a case (alias `i`) for its stages to be kept: the board's open cases.
const OPEN: &str = "i.case_doc IS NOT NULL AND i.exercise = 0 AND i.phase <> 'closed'";

/// The condition on the institution (alias `o`) of a kept row, as the board reads it.
const INSTITUTION: &str =
    "o.kind = 'institution' AND o.business_type IS NOT NULL AND o.region IS NOT NULL";

fn regimes() -> Result<&'static Regimes> {
    static REGIMES: OnceLock<std::result::Result<Regimes, String>> = OnceLock::new();
    REGIMES
        .get_or_init(|| Regimes::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| StoreError::Corrupt {
            table: "reporting regimes",
            column: "builtin",
            value: e.chars().take(80).collect(),
        })
}

/// The stages of a case still owed at no particular instant: every clock with a deadline
/// that is neither met nor decided against, as (regime, stage, deadline). The board's
/// holidays are none, as on its from-scratch path.
pub fn owed(regimes: &Regimes, times: &CaseTimes) -> Vec<(String, Stage, i64)> {
    // Before every deadline, so an owed stage reads as running with its deadline.
    clock::clocks(regimes, times, &Holidays::none(), i64::MIN)
        .into_iter()
        .filter_map(|c| match c.state {
            ClockState::Running { due_us } | ClockState::Overdue { due_us } => {
                Some((c.regime, c.stage, due_us))
            }
            _ => None,
        })
        .collect()
}

fn times_of(row: &AnyRow) -> Result<CaseTimes> {
    let mut t = CaseTimes::new(code(row, "incidents", "category", Category::from_code)?);
    t.milestones = milestones_of(row)?;
    Ok(t)
}

fn stage_of(row: &AnyRow, table: &'static str) -> Result<Stage> {
    let stage: String = row.try_get("stage")?;
    Stage::from_code(&stage).ok_or_else(|| corrupt(table, "stage", &stage))
}

/// One kept row: case, institution, regime, stage, deadline.
type Due = (String, String, String, Stage, i64);

async fn insert_rows(db: &mut Db, rows: &[Due]) -> Result<()> {
    // Five values a row, 400 rows a statement: well under SQLite's bind limit.
    for chunk in rows.chunks(400) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO incident_board_due (case_id, org_id, regime, stage, due_at) VALUES {}",
            marks.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (case, org, regime, stage, due) in chunk {
            q = q
                .bind(case.clone())
                .bind(org.clone())
                .bind(regime.clone())
                .bind(stage.code())
                .bind(*due);
        }
        q.execute(&mut *db).await?;
    }
    Ok(())
}

const CASE_COLUMNS: &str = "i.id, i.org_id, i.category, i.recognised_at, i.classified_major_at, \
     i.recovered_at, i.root_cause_at";

/// Recomputes the stages owed on case `case_id` from its own rows (none once it is closed,
/// an exercise or not a case).
pub async fn refresh_case(db: &mut Db, case_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM incident_board_due WHERE case_id = $1")
        .bind(case_id.to_owned())
        .execute(&mut *db)
        .await?;
    let sql = format!("SELECT {CASE_COLUMNS} FROM incidents i WHERE i.id = $1 AND {OPEN}");
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(case_id.to_owned())
        .fetch_optional(&mut *db)
        .await?
    else {
        return Ok(());
    };
    let org: String = row.try_get("org_id")?;
    let mut times = times_of(&row)?;
    let subs = sqlx::query(
        "SELECT regime, stage, MIN(submitted_at) AS first_at FROM incident_reports \
         WHERE case_id = $1 GROUP BY regime, stage",
    )
    .bind(case_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    for r in &subs {
        let regime: String = r.try_get("regime")?;
        times.submitted(
            &regime,
            stage_of(r, "incident_reports")?,
            r.try_get("first_at")?,
        );
    }
    let decisions =
        sqlx::query("SELECT regime, decided_at FROM incident_report_decisions WHERE case_id = $1")
            .bind(case_id.to_owned())
            .fetch_all(&mut *db)
            .await?;
    for r in &decisions {
        times
            .not_reporting
            .insert(r.try_get("regime")?, r.try_get("decided_at")?);
    }
    let rows: Vec<Due> = owed(regimes()?, &times)
        .into_iter()
        .map(|(regime, stage, due)| (case_id.to_owned(), org.clone(), regime, stage, due))
        .collect();
    insert_rows(db, &rows).await
}

/// Replaces every kept row by the stages owed on the existing cases, set-based (three
/// reads, multi-row writes). Run by the migration that creates the table.
pub async fn rebuild_all(db: &mut Db) -> Result<()> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM incidents i WHERE {OPEN}");
    let cases = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *db).await?;
    let mut times: BTreeMap<String, (String, CaseTimes)> = BTreeMap::new();
    for r in &cases {
        times.insert(r.try_get("id")?, (r.try_get("org_id")?, times_of(r)?));
    }
    let sql = format!(
        "SELECT r.case_id, r.regime, r.stage, MIN(r.submitted_at) AS first_at \
         FROM incident_reports r JOIN incidents i ON i.id = r.case_id WHERE {OPEN} \
         GROUP BY r.case_id, r.regime, r.stage"
    );
    for r in &sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *db).await? {
        let case: String = r.try_get("case_id")?;
        if let Some((_, t)) = times.get_mut(&case) {
            let regime: String = r.try_get("regime")?;
            t.submitted(
                &regime,
                stage_of(r, "incident_reports")?,
                r.try_get("first_at")?,
            );
        }
    }
    let sql = format!(
        "SELECT d.case_id, d.regime, d.decided_at FROM incident_report_decisions d \
         JOIN incidents i ON i.id = d.case_id WHERE {OPEN}"
    );
    for r in &sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *db).await? {
        let case: String = r.try_get("case_id")?;
        if let Some((_, t)) = times.get_mut(&case) {
            t.not_reporting
                .insert(r.try_get("regime")?, r.try_get("decided_at")?);
        }
    }
    let regimes = regimes()?;
    let mut rows = Vec::new();
    for (case, (org, t)) in &times {
        for (regime, stage, due) in owed(regimes, t) {
            rows.push((case.clone(), org.clone(), regime, stage, due));
        }
    }
    sqlx::query("DELETE FROM incident_board_due")
        .execute(&mut *db)
        .await?;
    insert_rows(db, &rows).await
}

/// The table of migration 24 for the logical backup: it travels with the cases it
/// summarises, so a restored database shows the same board without a rebuild.
pub(crate) const BACKUP_TABLES: &[crate::backup::Table] = {
    use crate::backup::Kind::{Int, Text};
    &[(
        "incident_board_due",
        &[
            ("case_id", Text),
            ("org_id", Text),
            ("regime", Text),
            ("stage", Text),
            ("due_at", Int),
        ],
    )]
};

/// The board's counts for one business type and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// Open cases.
    pub open_cases: i64,
    /// Institutions with an open case.
    pub institutions: i64,
    /// Owed report stages whose deadline passed before the instant of reading.
    pub reports_overdue: i64,
    /// Owed report stages still running at that instant.
    pub reports_running: i64,
    /// Submissions on open cases waiting for the supervisor's review.
    pub awaiting_review: i64,
}

async fn grouped(db: &mut Db, sql: String, binds: &[Bind]) -> Result<Vec<AnyRow>> {
    Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
        .fetch_all(&mut *db)
        .await?)
}

fn group_key(row: &AnyRow) -> Result<(BusinessType, Region)> {
    Ok((
        code(
            row,
            "organisations",
            "business_type",
            BusinessType::from_code,
        )?,
        code(row, "organisations", "region", Region::from_code)?,
    ))
}

/// The board's counts by business type and region of the institutions within `scope`, at
/// `now_us` (a stage is overdue when `now_us` is past its deadline), in three grouped
/// queries. Groups without an open case are absent.
pub async fn group_counts(
    db: &mut Db,
    scope: &OrgScope,
    now_us: i64,
) -> Result<BTreeMap<(BusinessType, Region), GroupCounts>> {
    let mut out: BTreeMap<(BusinessType, Region), GroupCounts> = BTreeMap::new();
    let c = org_clause(scope, 1);
    let binds: Vec<Bind> = c.binds.iter().cloned().map(Bind::Text).collect();
    // Grouped by institution first, only over the institutions in scope, so only one row
    // per institution is joined and sorted and a bureau reads only its region's rows.
    let sql = format!(
        "SELECT o.business_type, o.region, CAST(SUM(k.n) AS BIGINT) AS cases, COUNT(*) AS orgs \
         FROM (SELECT i.org_id, COUNT(*) AS n FROM incidents i WHERE {OPEN} \
           AND i.org_id IN (SELECT o.id FROM organisations o WHERE {INSTITUTION} AND {c}) \
           GROUP BY i.org_id) k \
         JOIN organisations o ON o.id = k.org_id GROUP BY o.business_type, o.region",
        c = c.sql
    );
    for r in grouped(db, sql, &binds).await? {
        let g = out.entry(group_key(&r)?).or_default();
        g.open_cases = r.try_get("cases")?;
        g.institutions = r.try_get("orgs")?;
    }
    let sql = format!(
        "SELECT o.business_type, o.region, COUNT(*) AS n FROM incident_reports r \
         JOIN incidents i ON i.id = r.case_id JOIN organisations o ON o.id = i.org_id \
         WHERE r.review = 'pending' AND {OPEN} AND {INSTITUTION} AND {} \
         GROUP BY o.business_type, o.region",
        c.sql
    );
    for r in grouped(db, sql, &binds).await? {
        out.entry(group_key(&r)?).or_default().awaiting_review = r.try_get("n")?;
    }
    let c = org_clause(scope, 2);
    let mut binds = vec![Bind::Int(now_us)];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    // Counted per institution in scope over the (org_id, due_at) index alone, then by group.
    let sql = format!(
        "SELECT o.business_type, o.region, CAST(SUM(d.n) AS BIGINT) AS n, \
         CAST(SUM(d.overdue) AS BIGINT) AS overdue \
         FROM (SELECT org_id, COUNT(*) AS n, COUNT(CASE WHEN due_at < $1 THEN 1 END) AS overdue \
           FROM incident_board_due \
           WHERE org_id IN (SELECT o.id FROM organisations o WHERE {INSTITUTION} AND {c}) \
           GROUP BY org_id) d \
         JOIN organisations o ON o.id = d.org_id GROUP BY o.business_type, o.region",
        c = c.sql
    );
    for r in grouped(db, sql, &binds).await? {
        let g = out.entry(group_key(&r)?).or_default();
        let (n, overdue): (i64, i64) = (r.try_get("n")?, r.try_get("overdue")?);
        g.reports_overdue = overdue;
        g.reports_running = n - overdue;
    }
    Ok(out)
}

/// One owed report stage with what the board lists of its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrgentReport {
    /// Case id.
    pub case_id: String,
    /// Case title.
    pub title: String,
    /// The institution's Japanese name.
    pub org_name_ja: String,
    /// The institution's English name.
    pub org_name_en: String,
    /// Business type.
    pub business_type: BusinessType,
    /// Region.
    pub region: Region,
    /// Category.
    pub category: Category,
    /// Priority.
    pub priority: Priority,
    /// Current phase.
    pub phase: Phase,
    /// Regime code.
    pub regime: String,
    /// Stage.
    pub stage: Stage,
    /// Deadline, Unix µs.
    pub due_us: i64,
}

fn urgent(row: &AnyRow) -> Result<UrgentReport> {
    Ok(UrgentReport {
        case_id: row.try_get("case_id")?,
        title: row.try_get("title")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        business_type: code(
            row,
            "organisations",
            "business_type",
            BusinessType::from_code,
        )?,
        region: code(row, "organisations", "region", Region::from_code)?,
        category: code(row, "incidents", "category", Category::from_code)?,
        priority: code(row, "incidents", "priority", Priority::from_code)?,
        phase: code(row, "incidents", "phase", Phase::from_code)?,
        regime: row.try_get("regime")?,
        stage: stage_of(row, "incident_board_due")?,
        due_us: row.try_get("due_at")?,
    })
}

/// The `limit` owed stages of institutions within `scope` with the earliest deadlines
/// (overdue ones first, since they are the earliest), ordered by deadline, case, regime and
/// stage. The deadline of the `limit`-th is found by the index first; then only the rows up
/// to it are read with their names, and ties are ordered here rather than by the database's
/// collation.
pub async fn most_urgent(db: &mut Db, scope: &OrgScope, limit: usize) -> Result<Vec<UrgentReport>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let c = org_clause(scope, 1);
    let binds: Vec<Bind> = c.binds.iter().cloned().map(Bind::Text).collect();
    let sql = format!(
        "SELECT d.due_at FROM incident_board_due d JOIN organisations o ON o.id = d.org_id \
         WHERE {INSTITUTION} AND {} ORDER BY d.due_at LIMIT 1 OFFSET {}",
        c.sql,
        limit - 1
    );
    let last: Option<i64> = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("due_at"))
        .transpose()?;
    let mut binds = binds;
    let upto = match last {
        Some(due) => {
            binds.push(Bind::Int(due));
            format!(" AND d.due_at <= ${}", binds.len())
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT d.case_id, d.regime, d.stage, d.due_at, i.title, i.category, i.priority, i.phase, \
         o.name_ja, o.name_en, o.business_type, o.region \
         FROM incident_board_due d JOIN incidents i ON i.id = d.case_id \
         JOIN organisations o ON o.id = d.org_id WHERE {INSTITUTION} AND {}{upto}",
        c.sql
    );
    let mut out = grouped(db, sql, &binds)
        .await?
        .iter()
        .map(urgent)
        .collect::<Result<Vec<_>>>()?;
    out.sort_unstable_by(|a, b| {
        (a.due_us, &a.case_id, &a.regime, a.stage).cmp(&(b.due_us, &b.case_id, &b.regime, b.stage))
    });
    out.truncate(limit);
    Ok(out)
}

/// Every kept row as (case, institution, regime, stage, deadline), ordered: to compare the
/// rows kept on write with a rebuild.
pub async fn all_rows(db: &mut Db) -> Result<Vec<(String, String, String, Stage, i64)>> {
    let rows = sqlx::query("SELECT case_id, org_id, regime, stage, due_at FROM incident_board_due")
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("case_id")?,
                r.try_get("org_id")?,
                r.try_get("regime")?,
                stage_of(r, "incident_board_due")?,
                r.try_get("due_at")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    Ok(out)
}
