//! Per-institution facts kept up to date on write, so the supervisor's ranking and home
//! read one row per institution rather than every assessment revision and every request
//! task (issue 19's aim: under 200 ms at 2,000 institutions and 100,000 tasks).
//!
//! Two facts are kept, each refreshed from the institution's own rows in the transaction of
//! the write that changes it:
//! - the posture (`sup_org_facts`): the latest answers of the latest submitted assessment (by as-of day,
//!   then id) grouped by catalog element ([`element_posture`]); refreshed by
//!   [`assessments::submit`](crate::assessments::submit) and by every result appended to a
//!   submitted assessment;
//! - what it owes (`sup_org_owed`): its request tasks still assigned, in progress or
//!   returned, counted per deadline; refreshed whenever a task is inserted or updated.
//!   Lateness depends on the time of reading, so readers count the rows with a deadline
//!   before their own instant ([`late_by_org`], [`late_groups`]).
//!
//! Reads go through [`org_clause`] like every tenant read. The from-scratch aggregation
//! stays in [`sup_ranking::facts`](crate::sup_ranking::facts) and
//! [`sup_work::late_counts_from_tasks`](crate::sup_work::late_counts_from_tasks): the
//! storage tests check that both agree after random sequences of writes.

use crate::db::Db;
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::catalog::Catalog;
use deltawall_domain::code::sql_list;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::posture::Outcome;
use deltawall_domain::supervision::request::TaskState;
use deltawall_domain::supervision::score::{ElementPosture, element_posture};
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};

use crate::sup_work::LateRow;

/// The migration that creates the table; applying it summarises the existing rows.
pub(crate) const MIGRATION: i64 = 20;

/// One institution's stored facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFactsRow {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// Its region.
    pub region: Region,
    /// Whether it is active (the ranking skips inactive institutions).
    pub active: bool,
    /// Its latest submitted posture by element; `None` when nothing was submitted.
    pub posture: Option<Vec<ElementPosture>>,
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "sup_org_facts",
        column,
        value: value.chars().take(80).collect(),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("facts serialise")
}

/// The latest submitted assessment of `org_id`, with its catalog edition.
async fn latest_submitted(db: &mut Db, org_id: &str) -> Result<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT id, catalog_id FROM assessments WHERE org_id = $1 AND status = 'submitted' \
         ORDER BY as_of DESC, id DESC LIMIT 1",
    )
    .bind(org_id.to_owned())
    .fetch_optional(&mut *db)
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("catalog_id")?)))
        .transpose()
}

/// The latest revision of every answer of one assessment.
async fn latest_answers(db: &mut Db, assessment_id: &str) -> Result<Vec<(String, Outcome)>> {
    let rows = sqlx::query(
        "SELECT r.requirement_id, r.result FROM assessment_results r WHERE r.assessment_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM assessment_results r2 WHERE r2.assessment_id = r.assessment_id \
           AND r2.requirement_id = r.requirement_id AND r2.revision > r.revision)",
    )
    .bind(assessment_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("requirement_id")?,
                code(r, "assessment_results", "result", Outcome::from_code)?,
            ))
        })
        .collect()
}

async fn write_posture(
    db: &mut Db,
    org_id: &str,
    posture: Option<(&str, &[ElementPosture])>,
    at_us: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_org_facts (org_id, assessment_id, posture, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET \
         assessment_id = excluded.assessment_id, posture = excluded.posture, updated_at = excluded.updated_at",
    )
    .bind(org_id.to_owned())
    .bind(posture.map(|p| p.0.to_owned()))
    .bind(posture.map(|p| to_json(&p.1)))
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Recomputes the posture of `org_id` from its latest submitted assessment.
pub async fn refresh_posture(db: &mut Db, org_id: &str, at_us: i64) -> Result<()> {
    let Some((assessment, catalog_id)) = latest_submitted(db, org_id).await? else {
        return write_posture(db, org_id, None, at_us).await;
    };
    let catalog = crate::assessments::catalog_document(db, &catalog_id).await?;
    let answers = latest_answers(db, &assessment).await?;
    let posture = element_posture(&catalog, answers.iter().map(|(r, o)| (r.as_str(), *o)));
    write_posture(db, org_id, Some((&assessment, &posture)), at_us).await
}

/// Recomputes the posture of the institution owning `assessment_id` when that assessment
/// is submitted (a draft's answers count for nothing yet).
pub async fn refresh_posture_of(db: &mut Db, assessment_id: &str, at_us: i64) -> Result<()> {
    let row = sqlx::query("SELECT org_id, status FROM assessments WHERE id = $1")
        .bind(assessment_id.to_owned())
        .fetch_optional(&mut *db)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let status: String = row.try_get("status")?;
    if status != "submitted" {
        return Ok(());
    }
    let org: String = row.try_get("org_id")?;
    refresh_posture(db, &org, at_us).await
}

/// Recomputes what `org_id` still owes: its outstanding tasks counted per deadline.
pub async fn refresh_tasks(db: &mut Db, org_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sup_org_owed WHERE org_id = $1")
        .bind(org_id.to_owned())
        .execute(&mut *db)
        .await?;
    let sql = format!(
        "INSERT INTO sup_org_owed (org_id, deadline, tasks) \
         SELECT t.org_id, r.deadline, COUNT(*) FROM sup_request_tasks t \
         JOIN sup_requests r ON r.id = t.request_id \
         WHERE t.org_id = $1 AND t.state IN ({}) GROUP BY t.org_id, r.deadline",
        sql_list(TaskState::OUTSTANDING)
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(org_id.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// One institution's facts while rebuilding.
type Pending = (String, Vec<ElementPosture>);

/// Replaces every stored fact by a summary of the existing rows, set-based (two reads and
/// multi-row writes for the posture, one `INSERT … SELECT` for what is owed). Run by the migration that creates the table, and by anything
/// that writes assessments or tasks in bulk without the per-write refresh (the benchmark
/// sector generators).
pub async fn rebuild_all(db: &mut Db) -> Result<()> {
    let mut by_org: BTreeMap<String, Pending> = BTreeMap::new();
    let latest = sqlx::query(
        "SELECT a.org_id, a.id, a.catalog_id FROM assessments a WHERE a.status = 'submitted' \
         AND NOT EXISTS (SELECT 1 FROM assessments a2 WHERE a2.org_id = a.org_id AND a2.status = 'submitted' \
           AND (a2.as_of > a.as_of OR (a2.as_of = a.as_of AND a2.id > a.id)))",
    )
    .fetch_all(&mut *db)
    .await?;
    let mut answers: HashMap<String, Vec<(String, Outcome)>> = HashMap::new();
    let rows = sqlx::query(
        "SELECT r.assessment_id, r.requirement_id, r.result FROM assessments a \
         JOIN assessment_results r ON r.assessment_id = a.id WHERE a.status = 'submitted' \
         AND NOT EXISTS (SELECT 1 FROM assessments a2 WHERE a2.org_id = a.org_id AND a2.status = 'submitted' \
           AND (a2.as_of > a.as_of OR (a2.as_of = a.as_of AND a2.id > a.id))) \
         AND NOT EXISTS (SELECT 1 FROM assessment_results r2 WHERE r2.assessment_id = r.assessment_id \
           AND r2.requirement_id = r.requirement_id AND r2.revision > r.revision)",
    )
    .fetch_all(&mut *db)
    .await?;
    for r in &rows {
        answers
            .entry(r.try_get("assessment_id")?)
            .or_default()
            .push((
                r.try_get("requirement_id")?,
                code(r, "assessment_results", "result", Outcome::from_code)?,
            ));
    }
    let mut catalogs: HashMap<String, Catalog> = HashMap::new();
    for r in &latest {
        let (org, id, catalog_id): (String, String, String) = (
            r.try_get("org_id")?,
            r.try_get("id")?,
            r.try_get("catalog_id")?,
        );
        if !catalogs.contains_key(&catalog_id) {
            let c = crate::assessments::catalog_document(db, &catalog_id).await?;
            catalogs.insert(catalog_id.clone(), c);
        }
        let list = answers.get(&id).map(Vec::as_slice).unwrap_or_default();
        let posture = element_posture(
            &catalogs[&catalog_id],
            list.iter().map(|(q, o)| (q.as_str(), *o)),
        );
        by_org.insert(org, (id, posture));
    }
    sqlx::query("DELETE FROM sup_org_facts")
        .execute(&mut *db)
        .await?;
    let at = crate::records::now_us();
    let all: Vec<(String, Pending)> = by_org.into_iter().collect();
    // Four values a row, 400 rows a statement: well under SQLite's bind limit.
    for chunk in all.chunks(400) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 4;
                format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4)
            })
            .collect();
        let sql = format!(
            "INSERT INTO sup_org_facts (org_id, assessment_id, posture, updated_at) VALUES {}",
            marks.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (org, (id, posture)) in chunk {
            q = q
                .bind(org.clone())
                .bind(id.clone())
                .bind(to_json(posture))
                .bind(at);
        }
        q.execute(&mut *db).await?;
    }
    sqlx::query("DELETE FROM sup_org_owed")
        .execute(&mut *db)
        .await?;
    let sql = format!(
        "INSERT INTO sup_org_owed (org_id, deadline, tasks) \
         SELECT t.org_id, r.deadline, COUNT(*) FROM sup_request_tasks t \
         JOIN sup_requests r ON r.id = t.request_id \
         WHERE t.state IN ({}) GROUP BY t.org_id, r.deadline",
        sql_list(TaskState::OUTSTANDING)
    );
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *db).await?;
    Ok(())
}

/// The posture of every institution within `scope` (with a business type and a region),
/// optionally of one business type and one region, ordered by id. An institution without
/// a stored row has no posture.
pub async fn read(
    db: &mut Db,
    scope: &OrgScope,
    business_type: Option<BusinessType>,
    region: Option<Region>,
) -> Result<Vec<OrgFactsRow>> {
    let c = org_clause(scope, 1);
    let mut binds: Vec<Bind> = c.binds.into_iter().map(Bind::Text).collect();
    let mut extra = String::new();
    if let Some(b) = business_type {
        binds.push(Bind::Text(b.code().to_owned()));
        extra.push_str(&format!(" AND o.business_type = ${}", binds.len()));
    }
    if let Some(r) = region {
        binds.push(Bind::Text(r.code().to_owned()));
        extra.push_str(&format!(" AND o.region = ${}", binds.len()));
    }
    let sql = format!(
        "SELECT o.id, o.business_type, o.region, o.active, f.posture \
         FROM organisations o LEFT JOIN sup_org_facts f ON f.org_id = o.id \
         WHERE o.kind = 'institution' AND o.business_type IS NOT NULL AND o.region IS NOT NULL \
         AND {}{extra} ORDER BY o.id",
        c.sql
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            let posture: Option<String> = r.try_get("posture")?;
            Ok(OrgFactsRow {
                org_id: r.try_get("id")?,
                business_type: code(r, "organisations", "business_type", BusinessType::from_code)?,
                region: code(r, "organisations", "region", Region::from_code)?,
                active: r.try_get::<i64, _>("active")? != 0,
                posture: posture
                    .map(|p| serde_json::from_str(&p).map_err(|_| corrupt("posture", &p)))
                    .transpose()?,
            })
        })
        .collect()
}

/// The table of migration 20 for the logical backup: it travels with the rows it
/// summarises, so a restored database reads the same facts without a rebuild.
pub(crate) const BACKUP_TABLES: &[crate::backup::Table] = {
    use crate::backup::Kind::{Int, Text};
    &[
        (
            "sup_org_facts",
            &[
                ("org_id", Text),
                ("assessment_id", Text),
                ("posture", Text),
                ("updated_at", Int),
            ],
        ),
        (
            "sup_org_owed",
            &[("org_id", Text), ("deadline", Int), ("tasks", Int)],
        ),
    ]
};

/// Filters of the institutions a read of what is owed covers: `scope`, an optional
/// business type and region, and (for the ranking) active ones only.
fn owed_filter(
    scope: &OrgScope,
    first: usize,
    business_type: Option<BusinessType>,
    region: Option<Region>,
) -> (String, Vec<Bind>) {
    let c = org_clause(scope, first);
    let mut binds: Vec<Bind> = c.binds.into_iter().map(Bind::Text).collect();
    let mut sql = format!(
        "o.kind = 'institution' AND o.business_type IS NOT NULL AND o.region IS NOT NULL AND {}",
        c.sql
    );
    if let Some(b) = business_type {
        binds.push(Bind::Text(b.code().to_owned()));
        sql.push_str(&format!(
            " AND o.business_type = ${}",
            first + binds.len() - 1
        ));
    }
    if let Some(r) = region {
        binds.push(Bind::Text(r.code().to_owned()));
        sql.push_str(&format!(" AND o.region = ${}", first + binds.len() - 1));
    }
    (sql, binds)
}

/// How many tasks each institution within `scope` owes past a deadline before `now_us`
/// (institutions owing none are absent).
pub async fn late_by_org(
    db: &mut Db,
    scope: &OrgScope,
    now_us: i64,
    business_type: Option<BusinessType>,
    region: Option<Region>,
) -> Result<HashMap<String, i64>> {
    let (filter, extra) = owed_filter(scope, 2, business_type, region);
    let sql = format!(
        "SELECT w.org_id, CAST(SUM(w.tasks) AS BIGINT) AS n FROM sup_org_owed w JOIN organisations o ON o.id = w.org_id \
         WHERE w.deadline < $1 AND {filter} GROUP BY w.org_id"
    );
    let mut binds = vec![Bind::Int(now_us)];
    binds.extend(extra);
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("org_id")?, r.try_get("n")?)))
        .collect()
}

/// The institutions within `scope` owing a task past a deadline before `now_us`, and those
/// tasks, counted per business type and region (ordered by their codes).
pub async fn late_groups(db: &mut Db, scope: &OrgScope, now_us: i64) -> Result<Vec<LateRow>> {
    let (filter, extra) = owed_filter(scope, 2, None, None);
    let sql = format!(
        "SELECT o.business_type, o.region, COUNT(DISTINCT o.id) AS institutions, CAST(SUM(w.tasks) AS BIGINT) AS tasks \
         FROM sup_org_owed w JOIN organisations o ON o.id = w.org_id \
         WHERE w.deadline < $1 AND {filter} GROUP BY o.business_type, o.region"
    );
    let mut binds = vec![Bind::Int(now_us)];
    binds.extend(extra);
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(LateRow {
                business_type: code(r, "organisations", "business_type", BusinessType::from_code)?,
                region: code(r, "organisations", "region", Region::from_code)?,
                institutions: r.try_get("institutions")?,
                tasks: r.try_get("tasks")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|r| (r.business_type.code(), r.region.code()));
    Ok(out)
}
