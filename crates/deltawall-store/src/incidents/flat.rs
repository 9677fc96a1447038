//! The flat view of incidents that the sector figures count (the report's section 1.(2)):
//! when, how (the domain's [`AttackType`]), how bad, and a short summary. Cases opened in
//! [`super::cases`] fill the same columns, so they are counted too. An institution sees its
//! own; a supervisor those within its [`OrgScope`], through [`org_clause`].

use crate::db::Db;
use crate::findings::{code_of, parse_code};
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::Bind;
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::OrgScope;
use deltawall_domain::finding::Severity;
use deltawall_domain::supervision::AttackType;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An incident to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    /// The institution it happened to.
    pub org_id: String,
    /// The day it happened (`YYYY-MM-DD`, already validated).
    pub occurred_on: String,
    /// How.
    pub attack_type: AttackType,
    /// How bad.
    pub severity: Severity,
    /// What happened, in the institution's words.
    pub summary: String,
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// Its Japanese name.
    pub org_name_ja: String,
    /// Its English name.
    pub org_name_en: String,
    /// The day it happened.
    pub occurred_on: String,
    /// How.
    pub attack_type: AttackType,
    /// How bad.
    pub severity: Severity,
    /// Summary.
    pub summary: String,
    /// The reporting user.
    pub reported_by: String,
    /// Reported, Unix µs.
    pub reported_at: i64,
}

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "incidents",
        column,
        value: value.chars().take(80).collect(),
    }
}

fn from_row(row: &AnyRow) -> Result<Incident> {
    let attack: String = row.try_get("attack_type")?;
    let severity: String = row.try_get("severity")?;
    Ok(Incident {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        org_name_ja: row.try_get("name_ja")?,
        org_name_en: row.try_get("name_en")?,
        occurred_on: row.try_get("occurred_on")?,
        attack_type: AttackType::from_code(&attack)
            .ok_or_else(|| corrupt("attack_type", &attack))?,
        severity: parse_code(&severity).ok_or_else(|| corrupt("severity", &severity))?,
        summary: row.try_get("summary")?,
        reported_by: row.try_get("reported_by")?,
        reported_at: row.try_get("reported_at")?,
    })
}

/// Records an incident; returns its id.
pub async fn create(
    db: &mut Db,
    new: &NewIncident,
    reported_by: &str,
    at_us: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO incidents (id, org_id, occurred_on, attack_type, severity, summary, reported_by, reported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(new.occurred_on.clone())
    .bind(new.attack_type.code())
    .bind(code_of(&new.severity))
    .bind(new.summary.clone())
    .bind(reported_by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Incidents read with their institution's names, for [`list`] and [`page`].
const FROM: &str = "SELECT i.id, i.org_id, o.name_ja, o.name_en, i.occurred_on, i.attack_type, \
     i.severity, i.summary, i.reported_by, i.reported_at \
     FROM incidents i JOIN organisations o ON o.id = i.org_id";

/// The order of incident lists: latest day first, then by id (unique, descending).
const ORDER: &[keyset::Col] = &[
    ("i.occurred_on", Dir::Desc, Kind::Text),
    ("i.id", Dir::Desc, Kind::Text),
];

/// The incident `id`, if it is of an institution within `scope`: one row by its key, so a
/// check of one incident does not depend on how many others there are.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<Incident> {
    let clause = org_clause(scope, 2);
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let sql = format!("{FROM} WHERE i.id = $1 AND {}", clause.sql);
    let row = crate::records::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("incident"))?;
    from_row(&row)
}

/// Every incident of institutions within `scope`, newest first, read page by page so none
/// is left out (the pages people see use [`page`]).
pub async fn list(db: &mut Db, scope: &OrgScope) -> Result<Vec<Incident>> {
    incidents_query(scope).all(db, from_row, incident_key).await
}

/// One page of the incidents of institutions within `scope`, newest first, starting after
/// `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Incident>> {
    incidents_query(scope)
        .page(db, after, limit, from_row, incident_key)
        .await
}

/// The incidents of institutions within `scope`, in [`ORDER`] once paged.
fn incidents_query(scope: &OrgScope) -> keyset::Query<'static> {
    let clause = org_clause(scope, 1);
    keyset::Query {
        select: format!("{FROM} WHERE {}", clause.sql),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: ORDER,
    }
}

fn incident_key(i: &Incident) -> Vec<Key> {
    vec![Key::Text(i.occurred_on.clone()), Key::Text(i.id.clone())]
}
