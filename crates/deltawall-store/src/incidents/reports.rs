//! Regulator-report submissions and decisions not to report. The database keeps one
//! standing submission per (case, regime, stage): a second pending or accepted one is
//! refused by a unique index even if two submitters race, and a returned one may be
//! followed by a new version. Decisions not to report are append-only.

use super::{corrupt, from_json, to_json};
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::incident::regime::Stage;
use deltawall_domain::incident::report::{NotReportingDecision, Review, Submission};
use deltawall_domain::org::OrgKind;
use deltawall_domain::role::Role;
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::request::Attestation;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A submission as stored, with its case and institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSubmission {
    /// Id.
    pub id: String,
    /// The case.
    pub case_id: String,
    /// The case's title.
    pub case_title: String,
    /// The institution.
    pub org_id: String,
    /// Its Japanese name.
    pub org_name_ja: String,
    /// Its English name.
    pub org_name_en: String,
    /// The submission.
    pub submission: Submission,
}

/// Records submission `s` of case `case_id`; a standing submission of the same stage is
/// a conflict.
pub async fn insert(
    db: &mut Db,
    id: &str,
    case_id: &str,
    org_id: &str,
    s: &Submission,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_reports (id, case_id, org_id, regime, stage, version, items, attested_by, \
         attested_at, submitted_by, submitted_at, review) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending')",
    )
    .bind(id.to_owned())
    .bind(case_id.to_owned())
    .bind(org_id.to_owned())
    .bind(s.regime.clone())
    .bind(s.stage.code())
    .bind(i64::from(s.version))
    .bind(to_json(&s.items))
    .bind(s.attestation.by.user_id.clone())
    .bind(s.attestation.at_us)
    .bind(s.submitted_by.clone())
    .bind(s.submitted_at_us)
    .execute(&mut *db)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("a submission of this report stage")
        } else {
            e.into()
        }
    })?;
    super::board_kept::refresh_case(db, case_id).await
}

/// Records the supervisor's review of pending submission `id`; a submission no longer
/// pending is a conflict.
pub async fn review(db: &mut Db, id: &str, review: &Review) -> Result<()> {
    let (by, at, reason) = match review {
        Review::Pending => return Err(StoreError::Conflict("a pending review")),
        Review::Accepted { by_user_id, at_us } => (by_user_id, *at_us, None),
        Review::Returned {
            by_user_id,
            at_us,
            reason,
        } => (by_user_id, *at_us, Some(reason.clone())),
    };
    let done = sqlx::query(
        "UPDATE incident_reports SET review = $2, reviewed_by = $3, reviewed_at = $4, review_reason = $5 \
         WHERE id = $1 AND review = 'pending'",
    )
    .bind(id.to_owned())
    .bind(review.code())
    .bind(by.clone())
    .bind(at)
    .bind(reason)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("a newer review of the report"));
    }
    Ok(())
}

const COLUMNS: &str = "r.id, r.case_id, i.title, r.org_id, o.name_ja, o.name_en, r.regime, r.stage, \
     r.version, r.items, r.attested_by, r.attested_at, r.submitted_by, r.submitted_at, r.review, \
     r.reviewed_by, r.reviewed_at, r.review_reason";
const FROM: &str = "FROM incident_reports r JOIN incidents i ON i.id = r.case_id \
     JOIN organisations o ON o.id = r.org_id";

fn review_of(row: &AnyRow) -> Result<Review> {
    let code: String = row.try_get("review")?;
    let by: Option<String> = row.try_get("reviewed_by")?;
    let at: Option<i64> = row.try_get("reviewed_at")?;
    Ok(match (code.as_str(), by, at) {
        ("pending", _, _) => Review::Pending,
        ("accepted", Some(by_user_id), Some(at_us)) => Review::Accepted { by_user_id, at_us },
        ("returned", Some(by_user_id), Some(at_us)) => Review::Returned {
            by_user_id,
            at_us,
            reason: row
                .try_get::<Option<String>, _>("review_reason")?
                .unwrap_or_default(),
        },
        _ => return Err(corrupt("incident_reports", "review", &code)),
    })
}

fn from_row(row: &AnyRow) -> Result<StoredSubmission> {
    let org_id: String = row.try_get("org_id")?;
    let stage: String = row.try_get("stage")?;
    let version: i64 = row.try_get("version")?;
    let items: String = row.try_get("items")?;
    let submission = Submission {
        regime: row.try_get("regime")?,
        stage: Stage::from_code(&stage)
            .ok_or_else(|| corrupt("incident_reports", "stage", &stage))?,
        version: u32::try_from(version)
            .map_err(|_| corrupt("incident_reports", "version", &version.to_string()))?,
        items: from_json("incident_reports", "items", &items)?,
        // Only an executive of the institution can attest (checked at submission).
        attestation: Attestation {
            by: Party {
                user_id: row.try_get("attested_by")?,
                org_id: org_id.clone(),
                org_kind: OrgKind::Institution,
                role: Role::Executive,
            },
            at_us: row.try_get("attested_at")?,
        },
        submitted_by: row.try_get("submitted_by")?,
        submitted_at_us: row.try_get("submitted_at")?,
        review: review_of(row)?,
    };
    Ok(StoredSubmission {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        case_title: row.try_get("title")?,
        org_id,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        submission,
    })
}

/// Every submission of case `case_id` (obtained through [`super::cases::get`]), by regime,
/// stage and version.
pub async fn of_case(db: &mut Db, case_id: &str) -> Result<Vec<StoredSubmission>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE r.case_id = $1 ORDER BY r.regime, r.submitted_at, r.version"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(case_id.to_owned())
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Submission `id` if its institution is within `scope`; otherwise not found.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<StoredSubmission> {
    let clause = org_clause(scope, 2);
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE r.id = $1 AND {}", clause.sql);
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("report"))?;
    from_row(&row)
}

/// The order of the review list: pending first, then newest first, then by id.
const ORDER: &[keyset::Col] = &[
    (
        "(CASE WHEN r.review = 'pending' THEN 0 ELSE 1 END)",
        Dir::Asc,
        Kind::Int,
    ),
    ("r.submitted_at", Dir::Desc, Kind::Int),
    ("r.id", Dir::Asc, Kind::Text),
];

/// One page of the submissions of institutions within `scope` (the supervisor's review
/// list), pending first, newest first, starting after `after`.
pub async fn in_scope(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredSubmission>> {
    let clause = org_clause(scope, 1);
    let query = keyset::Query {
        select: format!("SELECT {COLUMNS} {FROM} WHERE {}", clause.sql),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |s| {
            vec![
                Key::Int(i64::from(s.submission.review != Review::Pending)),
                Key::Int(s.submission.submitted_at_us),
                Key::Text(s.id.clone()),
            ]
        })
        .await
}

/// Records a decision not to report; a second decision for the same regime is a conflict.
pub async fn insert_decision(
    db: &mut Db,
    case_id: &str,
    org_id: &str,
    d: &NotReportingDecision,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_report_decisions (case_id, regime, org_id, reason, executive_user_id, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case_id.to_owned())
    .bind(d.regime.clone())
    .bind(org_id.to_owned())
    .bind(d.reason.clone())
    .bind(d.executive_user_id.clone())
    .bind(d.at_us)
    .execute(&mut *db)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("a decision not to report under this regime")
        } else {
            e.into()
        }
    })?;
    super::board_kept::refresh_case(db, case_id).await
}

/// The decisions not to report of case `case_id`.
pub async fn decisions(db: &mut Db, case_id: &str) -> Result<Vec<NotReportingDecision>> {
    let rows = sqlx::query(
        "SELECT regime, reason, executive_user_id, decided_at FROM incident_report_decisions \
         WHERE case_id = $1 ORDER BY decided_at, regime",
    )
    .bind(case_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(NotReportingDecision {
                regime: row.try_get("regime")?,
                reason: row.try_get("reason")?,
                executive_user_id: row.try_get("executive_user_id")?,
                at_us: row.try_get("decided_at")?,
            })
        })
        .collect()
}
