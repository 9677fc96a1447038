//! Decisions on findings and the KEV / EPSS data an institution imported.

use crate::db::Db;
use crate::{Result, StoreError};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// An acceptance waiting for an executive's approval.
    Pending,
    /// The decision in force.
    InForce,
    /// Replaced by a later decision.
    Superseded,
}

impl DecisionStatus {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InForce => "in_force",
            Self::Superseded => "superseded",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [Self::Pending, Self::InForce, Self::Superseded]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A decision on a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Id.
    pub id: String,
    /// The finding.
    pub finding_id: String,
    /// `fix`, `mitigate`, `defer` or `accept`.
    pub kind: String,
    /// A fix's due date, a deferral's new decision date or an acceptance's end, Unix µs.
    pub due_at: Option<i64>,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: DecisionStatus,
    /// Who decided or asked for the acceptance.
    pub requested_by: String,
    /// When, Unix µs.
    pub requested_at: i64,
    /// The executive who approved an acceptance.
    pub approved_by: Option<String>,
    /// When, Unix µs.
    pub approved_at: Option<i64>,
}

/// Records a decision of institution `org_id`; any earlier decision of the finding that is
/// pending or in force is superseded first, so at most one stands.
pub async fn add_decision(db: &mut Db, org_id: &str, d: &Decision) -> Result<()> {
    sqlx::query(
        "UPDATE vuln_decisions SET status = $1 WHERE finding_id = $2 AND status IN ($3, $4)",
    )
    .bind(DecisionStatus::Superseded.code())
    .bind(d.finding_id.clone())
    .bind(DecisionStatus::Pending.code())
    .bind(DecisionStatus::InForce.code())
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO vuln_decisions (id, org_id, finding_id, kind, due_at, reason, status, \
         requested_by, requested_at, approved_by, approved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(d.id.clone())
    .bind(org_id.to_owned())
    .bind(d.finding_id.clone())
    .bind(d.kind.clone())
    .bind(d.due_at)
    .bind(d.reason.clone())
    .bind(d.status.code())
    .bind(d.requested_by.clone())
    .bind(d.requested_at)
    .bind(d.approved_by.clone())
    .bind(d.approved_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Puts a pending decision of the finding in force, approved by `by`; a decision that is no
/// longer pending (approved or superseded meanwhile) is a conflict.
pub async fn approve_decision(
    db: &mut Db,
    finding_id: &str,
    decision_id: &str,
    by: &str,
    at_us: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE vuln_decisions SET status = $1, approved_by = $2, approved_at = $3 \
         WHERE id = $4 AND finding_id = $5 AND status = $6",
    )
    .bind(DecisionStatus::InForce.code())
    .bind(by.to_owned())
    .bind(at_us)
    .bind(decision_id.to_owned())
    .bind(finding_id.to_owned())
    .bind(DecisionStatus::Pending.code())
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound("pending decision"))
    }
}

/// The decisions on a finding, oldest first; call after the finding was read through its
/// scope.
pub async fn decisions_of(db: &mut Db, finding_id: &str) -> Result<Vec<Decision>> {
    let rows =
        sqlx::query("SELECT * FROM vuln_decisions WHERE finding_id = $1 ORDER BY requested_at, id")
            .bind(finding_id.to_owned())
            .fetch_all(&mut *db)
            .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get("status")?;
            Ok(Decision {
                id: row.try_get("id")?,
                finding_id: row.try_get("finding_id")?,
                kind: row.try_get("kind")?,
                due_at: row.try_get("due_at")?,
                reason: row.try_get("reason")?,
                status: DecisionStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt {
                    table: "vuln_decisions",
                    column: "status",
                    value: status.chars().take(80).collect(),
                })?,
                requested_by: row.try_get("requested_by")?,
                requested_at: row.try_get("requested_at")?,
                approved_by: row.try_get("approved_by")?,
                approved_at: row.try_get("approved_at")?,
            })
        })
        .collect()
}

/// One imported KEV entry (`kind` `kev`) or EPSS score (`kind` `epss`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrichmentRow {
    /// `kev` or `epss`.
    pub kind: &'static str,
    /// The CVE, upper-case.
    pub cve: String,
    /// The date of its file (`YYYY-MM-DD`).
    pub as_of: String,
    /// KEV due date.
    pub kev_due: Option<String>,
    /// KEV known ransomware use.
    pub kev_ransomware: bool,
    /// EPSS score in millionths.
    pub epss_millionths: Option<i64>,
}

/// Rows per INSERT statement when replacing enrichment data.
const BATCH: usize = 200;

/// Replaces institution `org_id`'s rows of `kind` with `rows`, inside the caller's
/// transaction (a file of a kind is a complete snapshot).
pub async fn replace_enrichment(
    db: &mut Db,
    org_id: &str,
    kind: &str,
    rows: &[EnrichmentRow],
) -> Result<()> {
    sqlx::query("DELETE FROM vuln_enrichment WHERE org_id = $1 AND kind = $2")
        .bind(org_id.to_owned())
        .bind(kind.to_owned())
        .execute(&mut *db)
        .await?;
    for chunk in rows.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let b = r * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO vuln_enrichment (org_id, kind, cve, as_of, kev_due, kev_ransomware, \
             epss_millionths) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            q = q
                .bind(org_id.to_owned())
                .bind(row.kind)
                .bind(row.cve.clone())
                .bind(row.as_of.clone())
                .bind(row.kev_due.clone())
                .bind(i64::from(row.kev_ransomware))
                .bind(row.epss_millionths);
        }
        q.execute(&mut *db).await?;
    }
    Ok(())
}

/// Institution `org_id`'s imported rows for `cves`, KEV and EPSS alike.
pub async fn enrichment_for(
    db: &mut Db,
    org_id: &str,
    cves: &[String],
) -> Result<Vec<EnrichmentRow>> {
    let mut out = Vec::new();
    for chunk in cves.chunks(BATCH) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT kind, cve, as_of, kev_due, kev_ransomware, epss_millionths \
             FROM vuln_enrichment WHERE org_id = $1 AND cve IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org_id.to_owned());
        for cve in chunk {
            q = q.bind(cve.clone());
        }
        for row in q.fetch_all(&mut *db).await? {
            let kind: String = row.try_get("kind")?;
            let ransomware: i64 = row.try_get("kev_ransomware")?;
            out.push(EnrichmentRow {
                kind: if kind == "kev" { "kev" } else { "epss" },
                cve: row.try_get("cve")?,
                as_of: row.try_get("as_of")?,
                kev_due: row.try_get("kev_due")?,
                kev_ransomware: ransomware != 0,
                epss_millionths: row.try_get("epss_millionths")?,
            });
        }
    }
    Ok(out)
}
