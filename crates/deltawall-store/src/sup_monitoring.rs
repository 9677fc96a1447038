//! The monitoring record (実態把握 carried out): one row per institution and day, written
//! when an engagement completes or imported from earlier years. It feeds "time since last
//! monitored" in the ranking and the count of institutions monitored per year.

use crate::db::Db;
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, new_id};
use deltawall_domain::OrgScope;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// A monitoring to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMonitoring {
    /// The institution.
    pub org_id: String,
    /// The day (`YYYY-MM-DD`).
    pub monitored_on: String,
    /// `dialogue`, `questionnaire` or `on_site`.
    pub method: String,
    /// The engagement it closed, if any.
    pub engagement_id: Option<String>,
    /// Who recorded it (user id).
    pub recorded_by: String,
}

/// A monitoring as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Monitoring {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// The day.
    pub monitored_on: String,
    /// How.
    pub method: String,
    /// The engagement, if any.
    pub engagement_id: Option<String>,
}

/// Records a monitoring; returns its id.
pub async fn record(db: &mut Db, new: &NewMonitoring, at_us: i64) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO sup_monitoring (id, org_id, monitored_on, method, engagement_id, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(new.monitored_on.clone())
    .bind(new.method.clone())
    .bind(new.engagement_id.clone())
    .bind(new.recorded_by.clone())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// The monitoring history of institution `org_id` within `scope`, newest first.
pub async fn history(db: &mut Db, scope: &OrgScope, org_id: &str) -> Result<Vec<Monitoring>> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT m.id, m.org_id, m.monitored_on, m.method, m.engagement_id FROM sup_monitoring m \
         JOIN organisations o ON o.id = m.org_id WHERE m.org_id = $1 AND {} ORDER BY m.monitored_on DESC, m.id",
        clause.sql
    );
    let mut binds = vec![Bind::Text(org_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Monitoring {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                monitored_on: r.try_get("monitored_on")?,
                method: r.try_get("method")?,
                engagement_id: r.try_get("engagement_id")?,
            })
        })
        .collect()
}
