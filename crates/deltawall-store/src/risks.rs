//! The risk register: an institution's risks on assets or requirements, with inherent and
//! residual likelihood and impact, treatment, owner and next review. Read through
//! [`record_clause`] with the scope the caller computed (internal records: the institution
//! and its holding company).

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::record_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::access::RecordScope;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// A risk as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    /// Id.
    pub id: String,
    /// Owning organisation.
    pub org_id: String,
    /// The risk fields.
    #[serde(flatten)]
    pub fields: RiskFields,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Last changed, Unix µs.
    pub updated_at: i64,
}

/// What describes a risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskFields {
    /// Short title.
    pub title: String,
    /// The asset at risk.
    pub asset: Option<String>,
    /// The requirement concerned.
    pub requirement_id: Option<String>,
    /// Inherent likelihood, 1–5.
    pub inherent_likelihood: i64,
    /// Inherent impact, 1–5.
    pub inherent_impact: i64,
    /// Residual likelihood, 1–5.
    pub residual_likelihood: i64,
    /// Residual impact, 1–5.
    pub residual_impact: i64,
    /// Who owns it.
    pub owner: String,
    /// `mitigate`, `accept`, `transfer` or `avoid`.
    pub treatment: String,
    /// Next review (`YYYY-MM-DD`).
    pub review_on: String,
}

const COLUMNS: &str = "r.id, r.org_id, r.title, r.asset, r.requirement_id, r.inherent_likelihood, r.inherent_impact, r.residual_likelihood, r.residual_impact, r.owner, r.treatment, r.review_on, r.created_at, r.updated_at";

fn from_row(row: &AnyRow) -> Result<Risk> {
    Ok(Risk {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        fields: RiskFields {
            title: row.try_get("title")?,
            asset: row.try_get("asset")?,
            requirement_id: row.try_get("requirement_id")?,
            inherent_likelihood: row.try_get("inherent_likelihood")?,
            inherent_impact: row.try_get("inherent_impact")?,
            residual_likelihood: row.try_get("residual_likelihood")?,
            residual_impact: row.try_get("residual_impact")?,
            owner: row.try_get("owner")?,
            treatment: row.try_get("treatment")?,
            review_on: row.try_get("review_on")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Registers a risk of `org_id`; returns its id.
pub async fn create(
    db: &mut Db,
    org_id: &str,
    by: &str,
    f: &RiskFields,
    at_us: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO risks (id, org_id, title, asset, requirement_id, inherent_likelihood, inherent_impact, residual_likelihood, residual_impact, owner, treatment, review_on, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(id.clone())
    .bind(org_id.to_owned())
    .bind(f.title.clone())
    .bind(f.asset.clone())
    .bind(f.requirement_id.clone())
    .bind(f.inherent_likelihood)
    .bind(f.inherent_impact)
    .bind(f.residual_likelihood)
    .bind(f.residual_impact)
    .bind(f.owner.clone())
    .bind(f.treatment.clone())
    .bind(f.review_on.clone())
    .bind(by.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Changes a risk of `org_id`.
pub async fn update(db: &mut Db, org_id: &str, id: &str, f: &RiskFields, at_us: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE risks SET title = $3, asset = $4, requirement_id = $5, inherent_likelihood = $6, inherent_impact = $7, \
         residual_likelihood = $8, residual_impact = $9, owner = $10, treatment = $11, review_on = $12, updated_at = $13 \
         WHERE id = $1 AND org_id = $2",
    )
    .bind(id.to_owned())
    .bind(org_id.to_owned())
    .bind(f.title.clone())
    .bind(f.asset.clone())
    .bind(f.requirement_id.clone())
    .bind(f.inherent_likelihood)
    .bind(f.inherent_impact)
    .bind(f.residual_likelihood)
    .bind(f.residual_impact)
    .bind(f.owner.clone())
    .bind(f.treatment.clone())
    .bind(f.review_on.clone())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("risk"));
    }
    Ok(())
}

/// Every risk within `scope`, highest residual score first, read page by page so the
/// download holds them all (the pages people see use [`page`]).
pub async fn list(db: &mut Db, scope: &RecordScope) -> Result<Vec<Risk>> {
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let p = page(db, scope, after.as_ref(), keyset::MAX_LIMIT).await?;
        out.extend(p.items);
        after = keyset::resume(p.next, ORDER)?;
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// The order of risk lists: highest residual score first, then oldest, then by id.
const ORDER: &[keyset::Col] = &[
    (
        "(r.residual_likelihood * r.residual_impact)",
        Dir::Desc,
        Kind::Int,
    ),
    ("r.created_at", Dir::Asc, Kind::Int),
    ("r.id", Dir::Asc, Kind::Text),
];

/// One page of risks within `scope`, starting after `after`.
pub async fn page(
    db: &mut Db,
    scope: &RecordScope,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Risk>> {
    let clause = record_clause(scope, "1 = 0", 1);
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM risks r JOIN organisations o ON o.id = r.org_id WHERE {}",
        clause.sql
    );
    let query = keyset::Query {
        select: sql,
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |r| {
            vec![
                Key::Int(r.fields.residual_likelihood * r.fields.residual_impact),
                Key::Int(r.created_at),
                Key::Text(r.id.clone()),
            ]
        })
        .await
}

/// One risk within `scope`.
pub async fn get(db: &mut Db, scope: &RecordScope, id: &str) -> Result<Risk> {
    let clause = record_clause(scope, "1 = 0", 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM risks r JOIN organisations o ON o.id = r.org_id WHERE r.id = $1 AND {}",
        clause.sql
    );
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("risk"))?;
    from_row(&row)
}
