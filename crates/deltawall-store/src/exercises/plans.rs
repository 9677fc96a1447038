//! Contingency plans in storage: versions are appended, never edited (a trigger refuses
//! updates and deletes); the exercises that tested a version; the revision tasks accepted
//! improvement measures created; and the "never tested in 12 months" flag read by posture
//! and the supervisor's ranking inputs.

use super::ExerciseError;
use super::edition::corrupt;
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use deltawall_domain::OrgScope;
use deltawall_domain::exercise::plan::{PlanTest, PlanVersion, never_tested_within};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// Appends a plan version after checking it against the latest one.
pub async fn add_version(
    db: &mut Db,
    plan: &PlanVersion,
    by: &str,
    now_us: i64,
) -> Result<(), ExerciseError> {
    let latest = latest(db, &plan.org_id).await?;
    plan.check(latest.as_ref())?;
    sqlx::query(
        "INSERT INTO contingency_plans (org_id, version, adopted_at, document, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(plan.org_id.clone())
    .bind(i64::from(plan.version))
    .bind(plan.adopted_at_us)
    .bind(serde_json::to_string(plan).expect("a plan serialises"))
    .bind(by.to_owned())
    .bind(now_us)
    .execute(&mut *db)
    .await?;
    Ok(())
}

fn plan_from(doc: &str) -> Result<PlanVersion, ExerciseError> {
    serde_json::from_str(doc).map_err(|_| corrupt("contingency_plans", "document", doc))
}

/// The latest version of an institution's plan. Unscoped: callers pass an organisation
/// they already resolved through scope (the institution itself, or a measure's owner).
pub(crate) async fn latest(
    db: &mut Db,
    org_id: &str,
) -> Result<Option<PlanVersion>, ExerciseError> {
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT document FROM contingency_plans WHERE org_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(org_id.to_owned())
    .fetch_optional(&mut *db)
    .await?;
    doc.as_deref().map(plan_from).transpose()
}

/// The latest version number of an institution's plan.
pub(crate) async fn latest_version(
    db: &mut Db,
    org_id: &str,
) -> Result<Option<u32>, ExerciseError> {
    Ok(latest(db, org_id).await?.map(|p| p.version))
}

/// The posture requirement ids a plan version answers (none without a plan).
pub(crate) async fn requirement_ids(
    db: &mut Db,
    org_id: &str,
    version: Option<u32>,
) -> Result<Vec<String>, ExerciseError> {
    let Some(version) = version else {
        return Ok(vec![]);
    };
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT document FROM contingency_plans WHERE org_id = $1 AND version = $2",
    )
    .bind(org_id.to_owned())
    .bind(i64::from(version))
    .fetch_optional(&mut *db)
    .await?;
    Ok(doc
        .as_deref()
        .map(plan_from)
        .transpose()?
        .map(|p| p.requirement_ids)
        .unwrap_or_default())
}

/// Every plan version within `scope`, by institution then version.
pub async fn versions(db: &mut Db, scope: &OrgScope) -> Result<Vec<PlanVersion>, ExerciseError> {
    versions_in(db, scope, None).await
}

/// `AND <column> IN (…)` over `orgs` with placeholders from `first`, or nothing when every
/// organisation within the scope is wanted.
fn only(column: &str, orgs: Option<&[String]>, first: usize) -> (String, Vec<Bind>) {
    match orgs {
        None => (String::new(), Vec::new()),
        // An empty page names no organisation: `IN ()` is not SQL, and no row matches.
        Some([]) => (" AND 1 = 0".into(), Vec::new()),
        Some(orgs) => {
            let marks: Vec<String> = (first..first + orgs.len())
                .map(|i| format!("${i}"))
                .collect();
            (
                format!(" AND {column} IN ({})", marks.join(", ")),
                orgs.iter().cloned().map(Bind::Text).collect(),
            )
        }
    }
}

async fn versions_in(
    db: &mut Db,
    scope: &OrgScope,
    orgs: Option<&[String]>,
) -> Result<Vec<PlanVersion>, ExerciseError> {
    let clause = org_clause(scope, 1);
    let (filter, more) = only("p.org_id", orgs, clause.binds.len() + 1);
    let sql = format!(
        "SELECT p.document FROM contingency_plans p JOIN organisations o ON o.id = p.org_id \
         WHERE {}{filter} ORDER BY p.org_id, p.version",
        clause.sql
    );
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.extend(more);
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| plan_from(&r.try_get::<String, _>("document")?))
        .collect()
}

/// Records that an exercise tested a plan version, with the gaps it found.
pub async fn record_test(
    db: &mut Db,
    org_id: &str,
    plan_version: u32,
    test: &PlanTest,
) -> Result<(), ExerciseError> {
    sqlx::query(
        "INSERT INTO contingency_plan_tests (org_id, plan_version, exercise_id, tested_at, document) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(org_id.to_owned())
    .bind(i64::from(plan_version))
    .bind(test.edition_id.clone())
    .bind(test.tested_at_us)
    .bind(serde_json::to_string(test).expect("a plan test serialises"))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// An institution's plan status for posture and the supervisor's ranking inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanStatus {
    /// The institution.
    pub org_id: String,
    /// Its latest plan version.
    pub version: u32,
    /// When it was last tested by an exercise, if ever.
    pub last_tested_at_us: Option<i64>,
    /// Gaps found by the tests of its versions.
    pub gaps: Vec<String>,
    /// No exercise tested any of its versions in the twelve months before now.
    pub untested_12_months: bool,
}

/// The plan status of every institution within `scope` that has a plan.
pub async fn statuses(
    db: &mut Db,
    scope: &OrgScope,
    now_us: i64,
) -> Result<Vec<PlanStatus>, ExerciseError> {
    statuses_in(db, scope, None, now_us).await
}

async fn statuses_in(
    db: &mut Db,
    scope: &OrgScope,
    orgs: Option<&[String]>,
    now_us: i64,
) -> Result<Vec<PlanStatus>, ExerciseError> {
    let clause = org_clause(scope, 1);
    let (filter, more) = only("o.id", orgs, clause.binds.len() + 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.extend(more);
    let sql = format!(
        "SELECT p.org_id, MAX(p.version) AS version FROM contingency_plans p \
         JOIN organisations o ON o.id = p.org_id WHERE {}{filter} GROUP BY p.org_id ORDER BY p.org_id",
        clause.sql
    );
    let latest = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let sql = format!(
        "SELECT t.org_id, t.document FROM contingency_plan_tests t \
         JOIN organisations o ON o.id = t.org_id WHERE {}{filter}",
        clause.sql
    );
    let mut tests: BTreeMap<String, Vec<PlanTest>> = BTreeMap::new();
    for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?
    {
        let doc: String = r.try_get("document")?;
        let test: PlanTest = serde_json::from_str(&doc)
            .map_err(|_| corrupt("contingency_plan_tests", "document", &doc))?;
        tests.entry(r.try_get("org_id")?).or_default().push(test);
    }
    latest
        .iter()
        .map(|r| {
            let org_id: String = r.try_get("org_id")?;
            let version: i64 = r.try_get("version")?;
            let own = tests.get(&org_id).map(Vec::as_slice).unwrap_or_default();
            Ok(PlanStatus {
                version: u32::try_from(version)
                    .map_err(|_| corrupt("contingency_plans", "version", &version.to_string()))?,
                last_tested_at_us: deltawall_domain::exercise::plan::last_tested(own, now_us)
                    .map(|t| t.tested_at_us),
                gaps: own.iter().flat_map(|t| t.gaps.iter().cloned()).collect(),
                untested_12_months: never_tested_within(own, now_us),
                org_id,
            })
        })
        .collect()
}

/// A plan revision task created by an accepted improvement measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionTask {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// The version to revise.
    pub plan_version: Option<u32>,
    /// The measure that created it.
    pub measure_id: String,
    /// What to address.
    pub reason: String,
    /// The version that addressed it, once done.
    pub done_version: Option<u32>,
}

/// Revision tasks within `scope`.
pub async fn revision_tasks(
    db: &mut Db,
    scope: &OrgScope,
) -> Result<Vec<RevisionTask>, ExerciseError> {
    revision_tasks_in(db, scope, None).await
}

async fn revision_tasks_in(
    db: &mut Db,
    scope: &OrgScope,
    orgs: Option<&[String]>,
) -> Result<Vec<RevisionTask>, ExerciseError> {
    let clause = org_clause(scope, 1);
    let (filter, more) = only("t.org_id", orgs, clause.binds.len() + 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.extend(more);
    let sql = format!(
        "SELECT t.id, t.org_id, t.plan_version, t.measure_id, t.reason, t.done_version \
         FROM contingency_plan_tasks t JOIN organisations o ON o.id = t.org_id WHERE {}{filter} \
         ORDER BY t.created_at, t.id",
        clause.sql
    );
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let version = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    rows.iter()
        .map(|r| {
            Ok(RevisionTask {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                plan_version: version(r.try_get("plan_version")?),
                measure_id: r.try_get("measure_id")?,
                reason: r.try_get("reason")?,
                done_version: version(r.try_get("done_version")?),
            })
        })
        .collect()
}

/// Marks a revision task done by a new plan version of the same institution, which must
/// exist and be later than the version the task revises.
pub async fn complete_revision(
    db: &mut Db,
    task_id: &str,
    org_id: &str,
    done_version: u32,
) -> Result<(), ExerciseError> {
    let done = sqlx::query(
        "UPDATE contingency_plan_tasks SET done_version = $3 WHERE id = $1 AND org_id = $2 \
         AND done_version IS NULL AND (plan_version IS NULL OR plan_version < $3) \
         AND EXISTS (SELECT 1 FROM contingency_plans p WHERE p.org_id = $2 AND p.version = $3)",
    )
    .bind(task_id.to_owned())
    .bind(org_id.to_owned())
    .bind(i64::from(done_version))
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::StoreError::NotFound("open revision task for that plan version").into());
    }
    Ok(())
}

/// One page of the plans within `scope`, a page holding whole institutions: their
/// statuses, every version and their revision tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlansPage {
    /// Each institution's latest version, last test, gaps and the twelve-month flag.
    pub statuses: Vec<PlanStatus>,
    /// Every version of those institutions, by institution then version.
    pub versions: Vec<PlanVersion>,
    /// Their revision tasks.
    pub tasks: Vec<RevisionTask>,
    /// Where the next page of institutions starts, when there is one.
    pub next: Option<String>,
}

/// The order of the institutions of plan pages (each at most once, so unique).
const ORG_ORDER: &[keyset::Col] = &[("x.org_id", Dir::Asc, Kind::Text)];

fn org_of(r: &AnyRow) -> crate::Result<String> {
    Ok(r.try_get("org_id")?)
}

/// One page of institutions within `scope` with a plan or a revision task, by id, starting
/// after `after`, with their statuses at `now_us`, versions and tasks.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
    now_us: i64,
) -> Result<PlansPage, ExerciseError> {
    let clause = org_clause(scope, 1);
    // An institution with tasks but no version yet (a measure accepted before its first
    // plan) is listed too; UNION keeps each institution once.
    let query = keyset::Query {
        select: format!(
            "SELECT x.org_id FROM (SELECT org_id FROM contingency_plans \
             UNION SELECT org_id FROM contingency_plan_tasks) x \
             JOIN organisations o ON o.id = x.org_id WHERE {}",
            clause.sql
        ),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORG_ORDER,
    };
    let orgs = query
        .page(db, after, limit, org_of, |o| vec![Key::Text(o.clone())])
        .await?;
    let only = Some(orgs.items.as_slice());
    Ok(PlansPage {
        statuses: statuses_in(db, scope, only, now_us).await?,
        versions: versions_in(db, scope, only).await?,
        tasks: revision_tasks_in(db, scope, only).await?,
        next: orgs.next,
    })
}
