//! The facts behind peer benchmarks: each institution's results in its latest submitted
//! assessment against one catalog, with its cohort (business type and current size band).
//! Drafts never count: only assessments with status `submitted` are read, and of each
//! requirement only the latest revision. Institutions are limited to `scope` through
//! [`org_clause`]; callers decide what of these facts may leave (the k rule).
//!
//! A request (要請) asking catalog requirements is a second source: [`request_results`]
//! reads the answers of its accepted tasks only. Draft answers (`sup_task_drafts`) are
//! never read, and a submitted, returned or exempted task does not count: only what the
//! supervisor accepted is the institution's official answer.

use crate::db::Db;
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::org::BusinessType;
use deltawall_domain::posture::Outcome;
use deltawall_domain::supervision::request::{AnswerValue, Task};
use sqlx::{AssertSqlSafe, Row};

/// One institution's latest submitted result for one requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// Its current size band, if it has one.
    pub size_band: Option<String>,
    /// The requirement.
    pub requirement_id: String,
    /// The result.
    pub outcome: Outcome,
}

/// The latest submitted results against catalog `catalog_id` of institutions in `scope`.
pub async fn catalog_results(
    db: &mut Db,
    scope: &OrgScope,
    catalog_id: &str,
) -> Result<Vec<ResultRow>> {
    let clause = org_clause(scope, 2);
    // One statement: the latest submitted assessment of each institution and the latest
    // revision of each of its results, chosen by correlated maxima on indexed columns.
    let sql = format!(
        "SELECT a.org_id, o.business_type, sb.value AS size_band, r.requirement_id, r.result \
         FROM assessments a \
         JOIN organisations o ON o.id = a.org_id \
         LEFT JOIN org_attributes sb ON sb.org_id = o.id AND sb.kind = 'size_band' AND sb.valid_to IS NULL \
         JOIN assessment_results r ON r.assessment_id = a.id \
         WHERE a.catalog_id = $1 AND a.status = 'submitted' \
           AND o.kind = 'institution' AND o.business_type IS NOT NULL AND ({}) \
           AND a.submitted_at = (SELECT MAX(a2.submitted_at) FROM assessments a2 \
                WHERE a2.org_id = a.org_id AND a2.catalog_id = a.catalog_id AND a2.status = 'submitted') \
           AND r.revision = (SELECT MAX(r2.revision) FROM assessment_results r2 \
                WHERE r2.assessment_id = r.assessment_id AND r2.requirement_id = r.requirement_id)",
        clause.sql
    );
    let mut binds = vec![Bind::Text(catalog_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let corrupt = |column: &'static str, value: &str| StoreError::Corrupt {
        table: "assessment_results",
        column,
        value: value.chars().take(80).collect(),
    };
    rows.iter()
        .map(|r| {
            let bt: String = r.try_get("business_type")?;
            let result: String = r.try_get("result")?;
            Ok(ResultRow {
                org_id: r.try_get("org_id")?,
                business_type: BusinessType::from_code(&bt)
                    .ok_or_else(|| corrupt("business_type", &bt))?,
                size_band: r.try_get("size_band")?,
                requirement_id: r.try_get("requirement_id")?,
                outcome: Outcome::from_code(&result).ok_or_else(|| corrupt("result", &result))?,
            })
        })
        .collect()
}

/// The posture outcome of a request answer.
fn answer_outcome(v: AnswerValue) -> Outcome {
    match v {
        AnswerValue::Yes => Outcome::Met,
        AnswerValue::Partial => Outcome::Partial,
        AnswerValue::No => Outcome::NotMet,
        AnswerValue::NotApplicable => Outcome::NotApplicable,
    }
}

/// The answers of the accepted tasks of request `request_id` whose institutions are in
/// `scope`, one row per answered item, with each institution's cohort.
pub async fn request_results(
    db: &mut Db,
    scope: &OrgScope,
    request_id: &str,
) -> Result<Vec<ResultRow>> {
    let clause = org_clause(scope, 2);
    // One statement for every institution; the answers are inside the task document.
    let sql = format!(
        "SELECT t.org_id, o.business_type, sb.value AS size_band, t.document \
         FROM sup_request_tasks t \
         JOIN organisations o ON o.id = t.org_id \
         LEFT JOIN org_attributes sb ON sb.org_id = o.id AND sb.kind = 'size_band' AND sb.valid_to IS NULL \
         WHERE t.request_id = $1 AND t.state = 'accepted' \
           AND o.kind = 'institution' AND o.business_type IS NOT NULL AND ({}) \
         ORDER BY t.org_id",
        clause.sql
    );
    let mut binds = vec![Bind::Text(request_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let bt: String = r.try_get("business_type")?;
        let business_type = BusinessType::from_code(&bt).ok_or_else(|| StoreError::Corrupt {
            table: "organisations",
            column: "business_type",
            value: bt.chars().take(80).collect(),
        })?;
        let doc: String = r.try_get("document")?;
        let task: Task = serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt {
            table: "sup_request_tasks",
            column: "document",
            value: e.to_string(),
        })?;
        let org_id: String = r.try_get("org_id")?;
        let size_band: Option<String> = r.try_get("size_band")?;
        out.extend(task.answers.into_iter().map(|a| ResultRow {
            org_id: org_id.clone(),
            business_type,
            size_band: size_band.clone(),
            requirement_id: a.id,
            outcome: answer_outcome(a.value),
        }));
    }
    Ok(out)
}
