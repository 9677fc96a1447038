//! The supervisor's incident board (issue 13, point 4): the open cases of the institutions
//! within reach with only the columns their regulator clocks need, and the submissions and
//! decisions not to report of those cases, each in one set-based query through
//! [`org_clause`], so the board costs three queries whatever the sector's size.
//!
//! Exercise cases and closed cases are left out; so are cases of organisations that are not
//! institutions (a supervisor has no cases of its own).

use super::corrupt;
use crate::Result;
use crate::db::Db;
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use deltawall_domain::OrgScope;
use deltawall_domain::incident::case::{Category, Milestone, Phase, Priority};
use deltawall_domain::incident::regime::Stage;
use deltawall_domain::org::{BusinessType, Region};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

/// An open case as the board needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardCase {
    /// Case id.
    pub id: String,
    /// The institution's id.
    pub org_id: String,
    /// The institution's Japanese name.
    pub org_name_ja: String,
    /// The institution's English name.
    pub org_name_en: String,
    /// The institution's business type.
    pub business_type: BusinessType,
    /// The institution's region (its local finance bureau's).
    pub region: Region,
    /// Title.
    pub title: String,
    /// Category.
    pub category: Category,
    /// Priority.
    pub priority: Priority,
    /// Current phase.
    pub phase: Phase,
    /// Milestones with their times, Unix µs.
    pub milestones: BTreeMap<Milestone, i64>,
}

/// The first submission of one (case, regime, stage), and whether one waits for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardSubmission {
    /// Case id.
    pub case_id: String,
    /// Regime code.
    pub regime: String,
    /// Stage.
    pub stage: Stage,
    /// The first submission, Unix µs.
    pub first_submitted_us: i64,
    /// Submissions of this stage waiting for the supervisor's review.
    pub pending: i64,
}

/// Where the open cases of institutions within `scope` are read from (alias `i`, `o`).
const OPEN_CASES: &str = "FROM incidents i JOIN organisations o ON o.id = i.org_id \
     WHERE i.case_doc IS NOT NULL AND i.exercise = 0 AND i.phase <> 'closed' \
     AND o.kind = 'institution' AND o.business_type IS NOT NULL AND o.region IS NOT NULL";

async fn rows(db: &mut Db, sql: String, binds: Vec<String>) -> Result<Vec<AnyRow>> {
    let binds: Vec<Bind> = binds.into_iter().map(Bind::Text).collect();
    Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?)
}

/// The milestones recorded in a row of `incidents`.
pub(super) fn milestones_of(row: &AnyRow) -> Result<BTreeMap<Milestone, i64>> {
    let mut milestones = BTreeMap::new();
    for (m, column) in [
        (Milestone::Recognised, "recognised_at"),
        (Milestone::ClassifiedMajor, "classified_major_at"),
        (Milestone::Recovered, "recovered_at"),
        (Milestone::RootCauseIdentified, "root_cause_at"),
    ] {
        if let Some(at) = row.try_get::<Option<i64>, _>(column)? {
            milestones.insert(m, at);
        }
    }
    Ok(milestones)
}

fn board_case(row: &AnyRow) -> Result<BoardCase> {
    let milestones = milestones_of(row)?;
    Ok(BoardCase {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        business_type: code(
            row,
            "organisations",
            "business_type",
            BusinessType::from_code,
        )?,
        region: code(row, "organisations", "region", Region::from_code)?,
        title: row.try_get("title")?,
        category: code(row, "incidents", "category", Category::from_code)?,
        priority: code(row, "incidents", "priority", Priority::from_code)?,
        phase: code(row, "incidents", "phase", Phase::from_code)?,
        milestones,
    })
}

/// The open cases of institutions within `scope`.
pub async fn open_cases(db: &mut Db, scope: &OrgScope) -> Result<Vec<BoardCase>> {
    let c = org_clause(scope, 1);
    let sql = format!(
        "SELECT i.id, i.org_id, o.name_ja, o.name_en, o.business_type, o.region, i.title, \
         i.category, i.priority, i.phase, i.recognised_at, i.classified_major_at, \
         i.recovered_at, i.root_cause_at {OPEN_CASES} AND {} ORDER BY i.id",
        c.sql
    );
    rows(db, sql, c.binds)
        .await?
        .iter()
        .map(board_case)
        .collect()
}

/// The first submission of every stage of the open cases within `scope`, with the number
/// of its submissions waiting for review.
pub async fn submissions(db: &mut Db, scope: &OrgScope) -> Result<Vec<BoardSubmission>> {
    let c = org_clause(scope, 1);
    let sql = format!(
        "SELECT r.case_id, r.regime, r.stage, MIN(r.submitted_at) AS first_at, \
         SUM(CASE WHEN r.review = 'pending' THEN 1 ELSE 0 END) AS pending \
         FROM incident_reports r JOIN incidents i ON i.id = r.case_id \
         JOIN organisations o ON o.id = i.org_id \
         WHERE i.case_doc IS NOT NULL AND i.exercise = 0 AND i.phase <> 'closed' \
         AND o.kind = 'institution' AND {} \
         GROUP BY r.case_id, r.regime, r.stage",
        c.sql
    );
    rows(db, sql, c.binds)
        .await?
        .iter()
        .map(|row| {
            let stage: String = row.try_get("stage")?;
            Ok(BoardSubmission {
                case_id: row.try_get("case_id")?,
                regime: row.try_get("regime")?,
                stage: Stage::from_code(&stage)
                    .ok_or_else(|| corrupt("incident_reports", "stage", &stage))?,
                first_submitted_us: row.try_get("first_at")?,
                pending: row.try_get("pending")?,
            })
        })
        .collect()
}

/// Decisions not to report on the open cases within `scope`: (case id, regime, when).
pub async fn decisions(db: &mut Db, scope: &OrgScope) -> Result<Vec<(String, String, i64)>> {
    let c = org_clause(scope, 1);
    let sql = format!(
        "SELECT d.case_id, d.regime, d.decided_at \
         FROM incident_report_decisions d JOIN incidents i ON i.id = d.case_id \
         JOIN organisations o ON o.id = i.org_id \
         WHERE i.case_doc IS NOT NULL AND i.exercise = 0 AND i.phase <> 'closed' \
         AND o.kind = 'institution' AND {}",
        c.sql
    );
    rows(db, sql, c.binds)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("case_id")?,
                row.try_get("regime")?,
                row.try_get("decided_at")?,
            ))
        })
        .collect()
}
