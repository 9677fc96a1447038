//! Alerts (注意喚起) as stored: the alert document, its targeted institutions and the
//! append-only acknowledgements. Targets and acknowledgements are read through
//! [`org_clause`] over their institution, so a local bureau reads only its region's and an
//! institution only its own; an alert is visible to its issuer and to whoever reaches one
//! of its targets.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use crate::{Result, StoreError};
use deltawall_domain::OrgScope;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::alert::{Acknowledgement, Alert};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAlert {
    /// Id.
    pub id: String,
    /// The supervisor that sent it.
    pub issuer_org: String,
    /// When it was sent, Unix µs.
    pub sent_at: i64,
    /// Who sent it.
    pub created_by: String,
    /// The alert.
    pub alert: Alert,
}

/// A targeted institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The institution.
    pub org_id: String,
    /// Its name in Japanese.
    pub name_ja: String,
    /// Its name in English.
    pub name_en: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// Its region.
    pub region: Region,
}

fn corrupt(table: &'static str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        table,
        column: "document",
        value: e.to_string(),
    }
}

fn alert_from_row(row: &AnyRow) -> Result<StoredAlert> {
    let doc: String = row.try_get("document")?;
    Ok(StoredAlert {
        id: row.try_get("id")?,
        issuer_org: row.try_get("issuer_org")?,
        sent_at: row.try_get("sent_at")?,
        created_by: row.try_get("created_by")?,
        alert: serde_json::from_str(&doc).map_err(|e| corrupt("sup_alerts", e))?,
    })
}

/// Records an alert and its targets.
pub async fn insert(
    db: &mut Db,
    id: &str,
    issuer_org: &str,
    alert: &Alert,
    targets: &[String],
    by: &str,
    at_us: i64,
) -> Result<()> {
    let doc = serde_json::to_string(alert).expect("alerts serialise");
    sqlx::query(
        "INSERT INTO sup_alerts (id, issuer_org, respond_by, sent_at, document, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $4)",
    )
    .bind(id.to_owned())
    .bind(issuer_org.to_owned())
    .bind(alert.respond_by_us)
    .bind(at_us)
    .bind(doc)
    .bind(by.to_owned())
    .execute(&mut *db)
    .await?;
    for org in targets {
        sqlx::query("INSERT INTO sup_alert_targets (alert_id, org_id) VALUES ($1, $2)")
            .bind(id.to_owned())
            .bind(org.clone())
            .execute(&mut *db)
            .await?;
    }
    Ok(())
}

fn visible_sql(scope: &OrgScope, first: usize) -> (String, Vec<Bind>) {
    let c = crate::scope::sent_to_clause(scope, first, "a", "sup_alert_targets", "alert_id");
    (c.sql, c.binds.into_iter().map(Bind::Text).collect())
}

/// Every alert visible within `scope`, newest first, read page by page so none is left
/// out (the pages people see use [`page`]).
pub async fn list(db: &mut Db, scope: &OrgScope) -> Result<Vec<StoredAlert>> {
    alerts_query(scope).all(db, alert_from_row, alert_key).await
}

/// The order of alert lists: newest first, then by id.
const ORDER: &[keyset::Col] = &[
    ("a.sent_at", Dir::Desc, Kind::Int),
    ("a.id", Dir::Asc, Kind::Text),
];

/// One page of the alerts visible within `scope`, newest first, starting after `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<StoredAlert>> {
    alerts_query(scope)
        .page(db, after, limit, alert_from_row, alert_key)
        .await
}

/// The alerts visible within `scope`, in [`ORDER`] once paged.
fn alerts_query(scope: &OrgScope) -> keyset::Query<'static> {
    let (cond, binds) = visible_sql(scope, 1);
    keyset::Query {
        select: format!(
            "SELECT a.id, a.issuer_org, a.sent_at, a.created_by, a.document FROM sup_alerts a \
             WHERE {cond}"
        ),
        binds,
        order: ORDER,
    }
}

fn alert_key(a: &StoredAlert) -> Vec<Key> {
    vec![Key::Int(a.sent_at), Key::Text(a.id.clone())]
}

/// One alert visible within `scope`.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<StoredAlert> {
    let (cond, binds) = visible_sql(scope, 2);
    let sql = format!(
        "SELECT a.id, a.issuer_org, a.sent_at, a.created_by, a.document FROM sup_alerts a \
         WHERE a.id = $1 AND {cond}"
    );
    let mut all = vec![Bind::Text(id.to_owned())];
    all.extend(binds);
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &all)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("alert"))?;
    alert_from_row(&row)
}

/// The targets of an alert within `scope`, by name.
pub async fn targets(db: &mut Db, scope: &OrgScope, alert_id: &str) -> Result<Vec<Target>> {
    let c = org_clause(scope, 2);
    let sql = format!(
        "SELECT o.id, o.name_ja, o.name_en, o.business_type, o.region FROM sup_alert_targets x \
         JOIN organisations o ON o.id = x.org_id WHERE x.alert_id = $1 AND {} ORDER BY o.name_en, o.id",
        c.sql
    );
    let mut binds = vec![Bind::Text(alert_id.to_owned())];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Target {
                org_id: row.try_get("id")?,
                name_ja: row.try_get("name_ja")?,
                name_en: row.try_get("name_en")?,
                business_type: code(
                    row,
                    "organisations",
                    "business_type",
                    BusinessType::from_code,
                )?,
                region: code(row, "organisations", "region", Region::from_code)?,
            })
        })
        .collect()
}

/// Appends an acknowledgement.
pub async fn insert_ack(
    db: &mut Db,
    id: &str,
    alert_id: &str,
    ack: &Acknowledgement,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sup_alert_acks (id, alert_id, org_id, at, by_user, document) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_owned())
    .bind(alert_id.to_owned())
    .bind(ack.org_id.clone())
    .bind(ack.at_us)
    .bind(ack.by.user_id.clone())
    .bind(serde_json::to_string(ack).expect("acknowledgements serialise"))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The acknowledgements of an alert by institutions within `scope`, oldest first.
pub async fn acks(db: &mut Db, scope: &OrgScope, alert_id: &str) -> Result<Vec<Acknowledgement>> {
    let c = org_clause(scope, 2);
    let sql = format!(
        "SELECT k.document FROM sup_alert_acks k JOIN organisations o ON o.id = k.org_id \
         WHERE k.alert_id = $1 AND {} ORDER BY k.at, k.id",
        c.sql
    );
    let mut binds = vec![Bind::Text(alert_id.to_owned())];
    binds.extend(c.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            let doc: String = row.try_get("document")?;
            serde_json::from_str(&doc).map_err(|e| corrupt("sup_alert_acks", e))
        })
        .collect()
}

/// Every (alert, targeted institution) pair without an acknowledgement yet: what the
/// reminder sweep looks at (a system read across tenants).
pub async fn unacknowledged(db: &mut Db) -> Result<Vec<(StoredAlert, String)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.issuer_org, a.sent_at, a.created_by, a.document, x.org_id AS target \
         FROM sup_alert_targets x JOIN sup_alerts a ON a.id = x.alert_id \
         WHERE NOT EXISTS (SELECT 1 FROM sup_alert_acks k WHERE k.alert_id = x.alert_id AND k.org_id = x.org_id) \
         ORDER BY a.id, x.org_id",
    )
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| Ok((alert_from_row(row)?, row.try_get("target")?)))
        .collect()
}
