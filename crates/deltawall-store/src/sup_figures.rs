//! The facts behind the sector figures, read set-based: each query groups in SQL, so the
//! cost grows with the number of distinct (institution, month) or (type, month, kind)
//! combinations, never with one query per institution. Only institutions within the
//! reader's [`OrgScope`] count (through [`org_clause`]), and nothing an institution still
//! holds as a draft is read: draft findings are left out here, and monitoring records,
//! incidents, participation and request tasks have no draft form.

use crate::db::Db;
use crate::records::{Bind, bind_all};
use crate::scope::{Clause, org_clause};
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::code::sql_list;
use deltawall_domain::finding::State;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::AttackType;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, HashMap};

fn corrupt(table: &'static str, column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        value: value.chars().take(80).collect(),
    }
}

fn business_type(row: &AnyRow, table: &'static str) -> Result<BusinessType> {
    let code: Option<String> = row.try_get("business_type")?;
    let code = code.unwrap_or_default();
    BusinessType::from_code(&code).ok_or_else(|| corrupt(table, "business_type", &code))
}

async fn rows(db: &mut Db, sql: String, clause: Clause) -> Result<Vec<AnyRow>> {
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?)
}

/// No bound values, for a read that is not limited by scope in SQL.
fn no_binds() -> Clause {
    Clause {
        sql: String::new(),
        binds: vec![],
    }
}

/// Institutions of `scope` with a business type: the population of every figure.
fn institutions(scope: &OrgScope) -> Clause {
    let c = org_clause(scope, 1);
    Clause {
        sql: format!(
            "o.kind = 'institution' AND o.business_type IS NOT NULL AND ({})",
            c.sql
        ),
        binds: c.binds,
    }
}

/// An institution monitored at least once in a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoredMonth {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// The month, `YYYY-MM`.
    pub month: String,
}

/// Which institutions were monitored in which month (from `sup_monitoring`).
pub async fn monitored_months(db: &mut Db, scope: &OrgScope) -> Result<Vec<MonitoredMonth>> {
    let c = institutions(scope);
    let sql = format!(
        "SELECT m.org_id, o.business_type, substr(m.monitored_on, 1, 7) AS month \
         FROM sup_monitoring m JOIN organisations o ON o.id = m.org_id WHERE {} \
         GROUP BY m.org_id, o.business_type, substr(m.monitored_on, 1, 7)",
        c.sql
    );
    rows(db, sql, c)
        .await?
        .iter()
        .map(|r| {
            Ok(MonitoredMonth {
                org_id: r.try_get("org_id")?,
                business_type: business_type(r, "sup_monitoring")?,
                month: r.try_get("month")?,
            })
        })
        .collect()
}

/// How many incidents of one kind institutions of one type reported in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentCount {
    /// Business type.
    pub business_type: BusinessType,
    /// The month of occurrence, `YYYY-MM`.
    pub month: String,
    /// Attack type.
    pub attack_type: AttackType,
    /// How many.
    pub count: i64,
}

/// Incidents counted by business type, month and attack type.
///
/// Counted per institution over the incidents alone, then summed by business type here
/// with the institutions of `scope` ([`business_types`]): two single-table reads. Joined in
/// SQL, PostgreSQL without planner statistics (straight after a bulk load, before
/// autovacuum's `ANALYZE`) estimated one row on each side and compared every incident with
/// every institution in a nested loop: 150 ms for 3,000 incidents in the sector benchmark
/// against 4 ms with statistics. Neither read here has a join for the planner to get wrong.
pub async fn incident_counts(db: &mut Db, scope: &OrgScope) -> Result<Vec<IncidentCount>> {
    let types = business_types(db, scope).await?;
    let sql = "SELECT org_id, substr(occurred_on, 1, 7) AS month, attack_type, COUNT(*) AS n \
               FROM incidents WHERE exercise = 0 \
               GROUP BY org_id, substr(occurred_on, 1, 7), attack_type";
    let counted = rows(db, sql.to_owned(), no_binds()).await?;
    sum_by_type(&counted, &types, ["month", "attack_type"])?
        .into_iter()
        .map(|((business_type, month, attack), count)| {
            Ok(IncidentCount {
                business_type,
                month,
                attack_type: AttackType::from_code(&attack)
                    .ok_or_else(|| corrupt("incidents", "attack_type", &attack))?,
                count,
            })
        })
        .collect()
}

/// Per-institution counts (`org_id`, the two `columns`, `n`) summed by business type and
/// the two columns, keeping only the institutions in `types` (those of the reader's scope).
fn sum_by_type(
    counted: &[AnyRow],
    types: &HashMap<String, BusinessType>,
    columns: [&str; 2],
) -> Result<BTreeMap<(BusinessType, String, String), i64>> {
    let mut sums = BTreeMap::new();
    for r in counted {
        let org: String = r.try_get("org_id")?;
        let Some(bt) = types.get(&org) else { continue };
        let key = (*bt, r.try_get(columns[0])?, r.try_get(columns[1])?);
        *sums.entry(key).or_default() += r.try_get::<i64, _>("n")?;
    }
    Ok(sums)
}

/// The business type of every institution within `scope` that has one, by id.
async fn business_types(db: &mut Db, scope: &OrgScope) -> Result<HashMap<String, BusinessType>> {
    let c = institutions(scope);
    let sql = format!(
        "SELECT o.id, o.business_type FROM organisations o WHERE {}",
        c.sql
    );
    rows(db, sql, c)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, business_type(r, "organisations")?)))
        .collect()
}

/// How many findings with one set of requirements and one state institutions of one type
/// have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingCount {
    /// Business type.
    pub business_type: BusinessType,
    /// The requirements the findings concern (JSON array as stored).
    pub requirement_ids: Vec<String>,
    /// The state code.
    pub state: String,
    /// How many.
    pub count: i64,
}

/// Findings that are neither drafts nor closed nor withdrawn, counted by business type,
/// requirements and state.
pub async fn open_finding_counts(db: &mut Db, scope: &OrgScope) -> Result<Vec<FindingCount>> {
    // Counted per institution and summed here, for the reason given at [`incident_counts`].
    let types = business_types(db, scope).await?;
    let sql = format!(
        "SELECT org_id, requirement_ids, state, COUNT(*) AS n FROM findings \
         WHERE state IN ({}) GROUP BY org_id, requirement_ids, state",
        sql_list(State::UNRESOLVED)
    );
    let counted = rows(db, sql, no_binds()).await?;
    sum_by_type(&counted, &types, ["requirement_ids", "state"])?
        .into_iter()
        .map(|((business_type, reqs, state), count)| {
            Ok(FindingCount {
                business_type,
                requirement_ids: serde_json::from_str(&reqs)
                    .map_err(|_| corrupt("findings", "requirement_ids", &reqs))?,
                state,
                count,
            })
        })
        .collect()
}

/// How many tasks of requests with one deadline are in one state, for one business type
/// and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCount {
    /// The request's deadline, Unix µs.
    pub deadline_us: i64,
    /// Business type.
    pub business_type: BusinessType,
    /// Region.
    pub region: Region,
    /// The task state code.
    pub state: String,
    /// How many.
    pub count: i64,
}

/// Request tasks counted by deadline, business type, region and state.
pub async fn task_counts(db: &mut Db, scope: &OrgScope) -> Result<Vec<TaskCount>> {
    let c = institutions(scope);
    let sql = format!(
        "SELECT r.deadline, o.business_type, o.region, t.state, COUNT(*) AS n \
         FROM sup_request_tasks t JOIN sup_requests r ON r.id = t.request_id \
         JOIN organisations o ON o.id = t.org_id WHERE o.region IS NOT NULL AND {} \
         GROUP BY r.deadline, o.business_type, o.region, t.state",
        c.sql
    );
    rows(db, sql, c)
        .await?
        .iter()
        .map(|r| {
            let region: String = r.try_get("region")?;
            Ok(TaskCount {
                deadline_us: r.try_get("deadline")?,
                business_type: business_type(r, "sup_request_tasks")?,
                region: Region::from_code(&region)
                    .ok_or_else(|| corrupt("organisations", "region", &region))?,
                state: r.try_get("state")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// How many tasks of requests with one deadline are in one state, for one business type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStateCount {
    /// The request's deadline, Unix µs.
    pub deadline_us: i64,
    /// Business type.
    pub business_type: BusinessType,
    /// The task state code.
    pub state: String,
    /// How many.
    pub count: i64,
}

/// Request tasks counted by deadline, business type and state: [`task_counts`] summed over
/// regions, all the completion figure needs. Read from the tally kept on write
/// ([`sup_tally`](crate::sup_tally)) when the scope is the sector or a region; counted from
/// every task for one organisation's own scope.
pub async fn task_state_counts(db: &mut Db, scope: &OrgScope) -> Result<Vec<TaskStateCount>> {
    let Some(clause) = crate::scope::tally_clause(scope, 1) else {
        return task_state_counts_from_tasks(db, scope).await;
    };
    crate::sup_tally::read(db, clause)
        .await?
        .into_iter()
        .map(|t| {
            Ok(TaskStateCount {
                deadline_us: t.deadline_us,
                business_type: BusinessType::from_code(&t.business_type)
                    .ok_or_else(|| corrupt("sup_task_tally", "business_type", &t.business_type))?,
                state: t.state,
                count: t.count,
            })
        })
        .collect()
}

/// [`task_state_counts`] counted from every task (the from-scratch aggregation the tally
/// is checked against).
pub async fn task_state_counts_from_tasks(
    db: &mut Db,
    scope: &OrgScope,
) -> Result<Vec<TaskStateCount>> {
    let c = institutions(scope);
    let sql = format!(
        "SELECT r.deadline, o.business_type, t.state, COUNT(*) AS n \
         FROM sup_request_tasks t JOIN sup_requests r ON r.id = t.request_id \
         JOIN organisations o ON o.id = t.org_id WHERE o.region IS NOT NULL AND {} \
         GROUP BY r.deadline, o.business_type, t.state",
        c.sql
    );
    rows(db, sql, c)
        .await?
        .iter()
        .map(|r| {
            Ok(TaskStateCount {
                deadline_us: r.try_get("deadline")?,
                business_type: business_type(r, "sup_request_tasks")?,
                state: r.try_get("state")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// An institution that took part in exercises held on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participated {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// The day the exercise was held.
    pub held_on: String,
}

/// Who took part in exercises, by day held.
pub async fn participation(db: &mut Db, scope: &OrgScope) -> Result<Vec<Participated>> {
    let c = institutions(scope);
    let sql = format!(
        "SELECT p.org_id, o.business_type, e.held_on \
         FROM exercise_participants p JOIN exercises e ON e.id = p.exercise_id \
         JOIN organisations o ON o.id = p.org_id WHERE {} \
         GROUP BY p.org_id, o.business_type, e.held_on",
        c.sql
    );
    rows(db, sql, c)
        .await?
        .iter()
        .map(|r| {
            Ok(Participated {
                org_id: r.try_get("org_id")?,
                business_type: business_type(r, "exercise_participants")?,
                held_on: r.try_get("held_on")?,
            })
        })
        .collect()
}

/// How many findings (not drafts) one institution received for one set of requirements
/// between two instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedFindings {
    /// The institution (for counting distinct institutions; never shown).
    pub org_id: String,
    /// The requirements the findings concern.
    pub requirement_ids: Vec<String>,
    /// How many.
    pub count: i64,
}

/// Findings other than drafts created in `[from_us, to_us)`, grouped by institution and
/// requirements.
pub async fn findings_created(
    db: &mut Db,
    scope: &OrgScope,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<IssuedFindings>> {
    let c = org_clause(scope, 3);
    let sql = format!(
        "SELECT f.org_id, f.requirement_ids, COUNT(*) AS n \
         FROM findings f JOIN organisations o ON o.id = f.org_id \
         WHERE f.state <> 'draft' AND f.created_at >= $1 AND f.created_at < $2 \
           AND o.kind = 'institution' AND ({}) \
         GROUP BY f.org_id, f.requirement_ids",
        c.sql
    );
    let mut binds = vec![Bind::Int(from_us), Bind::Int(to_us)];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            let reqs: String = r.try_get("requirement_ids")?;
            Ok(IssuedFindings {
                org_id: r.try_get("org_id")?,
                requirement_ids: serde_json::from_str(&reqs)
                    .map_err(|_| corrupt("findings", "requirement_ids", &reqs))?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// Alerts sent in a period, as the institutions within a scope received them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AlertCounts {
    /// Alerts with at least one target in scope.
    pub alerts: i64,
    /// Targets in scope (alert × institution).
    pub targets: i64,
    /// Of those, how many acknowledged at least once.
    pub acknowledged: i64,
}

/// Alerts sent in `[from_us, to_us)` to institutions within `scope`.
pub async fn alert_counts(
    db: &mut Db,
    scope: &OrgScope,
    from_us: i64,
    to_us: i64,
) -> Result<AlertCounts> {
    let c = org_clause(scope, 3);
    let sql = format!(
        "SELECT COUNT(DISTINCT t.alert_id) AS alerts, COUNT(*) AS targets, \
           COUNT(CASE WHEN EXISTS (SELECT 1 FROM sup_alert_acks k WHERE k.alert_id = t.alert_id AND k.org_id = t.org_id) THEN 1 END) AS acknowledged \
         FROM sup_alert_targets t JOIN sup_alerts a ON a.id = t.alert_id \
         JOIN organisations o ON o.id = t.org_id \
         WHERE a.sent_at >= $1 AND a.sent_at < $2 AND ({})",
        c.sql
    );
    let mut binds = vec![Bind::Int(from_us), Bind::Int(to_us)];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let r = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_one(&mut *db)
        .await?;
    Ok(AlertCounts {
        alerts: r.try_get("alerts")?,
        targets: r.try_get("targets")?,
        acknowledged: r.try_get("acknowledged")?,
    })
}
