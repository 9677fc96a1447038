//! Organisations and their time-bound attributes.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{
    Bind, OrgAttribute, Organisation, Page, Paged, bind_all, code, conflict, fetch_page, flag,
    now_us, opt_code,
};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::OrgScope;
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// What is needed to register an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Kind.
    pub kind: OrgKind,
    /// Business type (institutions).
    pub business_type: Option<BusinessType>,
    /// Region.
    pub region: Option<Region>,
    /// Parent company.
    pub parent_id: Option<String>,
}

/// Filters for listing organisations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFilter {
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Only this business type.
    pub business_type: Option<BusinessType>,
    /// Only this region.
    pub region: Option<Region>,
    /// Only children of this parent.
    pub parent_id: Option<String>,
    /// Name contains this text (either language).
    pub text: Option<String>,
}

const COLUMNS: &str = "o.id, o.name_ja, o.name_en, o.kind, o.business_type, o.region, o.parent_id, o.active, o.created_at, o.updated_at";

/// The names [`COLUMNS`] are read by.
const NAMES: Names = [
    "id",
    "name_ja",
    "name_en",
    "kind",
    "business_type",
    "region",
    "parent_id",
    "active",
    "created_at",
    "updated_at",
];

/// [`COLUMNS`] renamed with an `o_` prefix, for a query that joins another table whose
/// column names would collide (`sessions::resolve`); read with [`from_joined_row`].
pub(crate) const JOINED_COLUMNS: &str = "o.id AS o_id, o.name_ja AS o_name_ja, o.name_en AS o_name_en, \
     o.kind AS o_kind, o.business_type AS o_business_type, o.region AS o_region, \
     o.parent_id AS o_parent_id, o.active AS o_active, o.created_at AS o_created_at, \
     o.updated_at AS o_updated_at";

/// The names [`JOINED_COLUMNS`] are read by.
const JOINED_NAMES: Names = [
    "o_id",
    "o_name_ja",
    "o_name_en",
    "o_kind",
    "o_business_type",
    "o_region",
    "o_parent_id",
    "o_active",
    "o_created_at",
    "o_updated_at",
];

type Names = [&'static str; 10];

fn from_row(row: &AnyRow) -> Result<Organisation> {
    from_named(row, &NAMES)
}

/// The organisation of a row selected with [`JOINED_COLUMNS`].
pub(crate) fn from_joined_row(row: &AnyRow) -> Result<Organisation> {
    from_named(row, &JOINED_NAMES)
}

fn from_named(row: &AnyRow, n: &Names) -> Result<Organisation> {
    Ok(Organisation {
        id: row.try_get(n[0])?,
        name_ja: row.try_get(n[1])?,
        name_en: row.try_get(n[2])?,
        kind: code(row, "organisations", n[3], OrgKind::from_code)?,
        business_type: opt_code(row, "organisations", n[4], BusinessType::from_code)?,
        region: opt_code(row, "organisations", n[5], Region::from_code)?,
        parent_id: row.try_get(n[6])?,
        active: flag(row, n[7])?,
        created_at: row.try_get(n[8])?,
        updated_at: row.try_get(n[9])?,
    })
}

/// Registers an organisation; returns its id.
pub async fn create(db: &mut Db, new: &NewOrg) -> Result<String> {
    let id = new_id();
    let now = now_us();
    sqlx::query(
        "INSERT INTO organisations (id, name_ja, name_en, kind, business_type, region, parent_id, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)",
    )
    .bind(id.clone())
    .bind(new.name_ja.clone())
    .bind(new.name_en.clone())
    .bind(new.kind.code())
    .bind(new.business_type.map(|b| b.code()))
    .bind(new.region.map(|r| r.code()))
    .bind(new.parent_id.clone())
    .bind(now)
    .execute(&mut *db)
    .await
    .map_err(conflict("organisation"))?;
    Ok(id)
}

/// Updates an organisation's names, business type, region and parent.
pub async fn update(db: &mut Db, id: &str, new: &NewOrg) -> Result<()> {
    let before = crate::sup_tally::key_of(db, id).await?;
    let done = sqlx::query(
        "UPDATE organisations SET name_ja = $2, name_en = $3, business_type = $4, region = $5, parent_id = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(id.to_owned())
    .bind(new.name_ja.clone())
    .bind(new.name_en.clone())
    .bind(new.business_type.map(|b| b.code()))
    .bind(new.region.map(|r| r.code()))
    .bind(new.parent_id.clone())
    .bind(now_us())
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("organisation"));
    }
    // The sector figures count its tasks under its business type and region.
    crate::sup_tally::org_moved(db, id, before).await
}

/// One organisation, if it is within `scope`.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<Organisation> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM organisations o WHERE o.id = $1 AND {}",
        clause.sql
    );
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("organisation"))?;
    from_row(&row)
}

/// One organisation regardless of scope; for authentication and internal use only.
pub async fn get_unscoped(db: &mut Db, id: &str) -> Result<Organisation> {
    get(db, &OrgScope::All, id).await
}

/// The conditions (joined by `AND`) and their binds that select the organisations within
/// `scope` matching `filter`.
fn list_where(scope: &OrgScope, filter: &OrgFilter) -> (String, Vec<Bind>) {
    let clause = org_clause(scope, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let mut conds = vec![clause.sql];
    let mut add = |cond: &str, value: String| {
        binds.push(Bind::Text(value));
        conds.push(cond.replace('?', &format!("${}", binds.len())));
    };
    if let Some(k) = filter.kind {
        add("o.kind = ?", k.code().into());
    }
    if let Some(b) = filter.business_type {
        add("o.business_type = ?", b.code().into());
    }
    if let Some(r) = filter.region {
        add("o.region = ?", r.code().into());
    }
    if let Some(p) = &filter.parent_id {
        add("o.parent_id = ?", p.clone());
    }
    if let Some(t) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        add(
            "(LOWER(o.name_ja) LIKE LOWER(?) ESCAPE '\\' OR LOWER(o.name_en) LIKE LOWER(?) ESCAPE '\\')",
            pattern,
        );
    }
    (conds.join(" AND "), binds)
}

/// Every organisation within `scope` matching `filter`, read [`Page::MAX_LIMIT`] a page so
/// none is left out: for lists used whole (an institution's children, choices of a form).
pub async fn list_all(
    db: &mut Db,
    scope: &OrgScope,
    filter: &OrgFilter,
) -> Result<Vec<Organisation>> {
    let mut out: Vec<Organisation> = Vec::new();
    loop {
        let page = Page::new(out.len() as i64, Page::MAX_LIMIT);
        let p = list(db, scope, filter, page).await?;
        let got = p.items.len();
        out.extend(p.items);
        if got == 0 || out.len() as i64 >= p.total {
            return Ok(out);
        }
    }
}

/// Organisations within `scope` matching `filter`, ordered by kind and Japanese name.
pub async fn list(
    db: &mut Db,
    scope: &OrgScope,
    filter: &OrgFilter,
    page: Page,
) -> Result<Paged<Organisation>> {
    let (cond, binds) = list_where(scope, filter);
    let from = format!("FROM organisations o WHERE {cond}");
    fetch_page(
        db,
        COLUMNS,
        &from,
        binds,
        "o.kind, o.name_ja, o.id",
        page,
        from_row,
    )
    .await
}

/// The order of organisation lists: by kind, then Japanese name, then id.
const ORDER: &[keyset::Col] = &[
    ("o.kind", Dir::Asc, Kind::Text),
    ("o.name_ja", Dir::Asc, Kind::Text),
    ("o.id", Dir::Asc, Kind::Text),
];

/// One page of the organisations within `scope` matching `filter`, in [`list`]'s order,
/// starting after `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    filter: &OrgFilter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Organisation>> {
    let (cond, binds) = list_where(scope, filter);
    let query = keyset::Query {
        select: format!("SELECT {COLUMNS} FROM organisations o WHERE {cond}"),
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |o| {
            vec![
                Key::Text(o.kind.code().to_owned()),
                Key::Text(o.name_ja.clone()),
                Key::Text(o.id.clone()),
            ]
        })
        .await
}

/// Records a new value of an attribute from `valid_from`, closing the value that was
/// current at that time. History is kept: earlier values are never changed but for their
/// end date.
pub async fn set_attribute(
    db: &mut Db,
    org_id: &str,
    kind: AttributeKind,
    value: &str,
    valid_from: i64,
    recorded_by: Option<&str>,
) -> Result<String> {
    sqlx::query(
        "UPDATE org_attributes SET valid_to = $3 WHERE org_id = $1 AND kind = $2 AND valid_from < $3 \
         AND (valid_to IS NULL OR valid_to > $3)",
    )
    .bind(org_id.to_owned())
    .bind(kind.code())
    .bind(valid_from)
    .execute(&mut *db)
    .await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO org_attributes (id, org_id, kind, value, valid_from, valid_to, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
    )
    .bind(id.clone())
    .bind(org_id.to_owned())
    .bind(kind.code())
    .bind(value.to_owned())
    .bind(valid_from)
    .bind(now_us())
    .bind(recorded_by.map(str::to_owned))
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Every recorded value of every attribute of an organisation, oldest first.
pub async fn attributes(db: &mut Db, org_id: &str) -> Result<Vec<OrgAttribute>> {
    let rows = sqlx::query(
        "SELECT id, org_id, kind, value, valid_from, valid_to FROM org_attributes WHERE org_id = $1 ORDER BY kind, valid_from",
    )
    .bind(org_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OrgAttribute {
                id: row.try_get("id")?,
                org_id: row.try_get("org_id")?,
                kind: code(row, "org_attributes", "kind", AttributeKind::from_code)?,
                value: row.try_get("value")?,
                valid_from: row.try_get("valid_from")?,
                valid_to: row.try_get("valid_to")?,
            })
        })
        .collect()
}

/// The value of an attribute at time `at`, if one was valid then.
pub fn attribute_at(history: &[OrgAttribute], kind: AttributeKind, at: i64) -> Option<&str> {
    history
        .iter()
        .filter(|a| a.kind == kind && a.valid_from <= at && a.valid_to.is_none_or(|to| at < to))
        .max_by_key(|a| a.valid_from)
        .map(|a| a.value.as_str())
}

/// Number of organisations (any scope); used at start-up to detect a fresh database.
pub async fn count(db: &mut Db) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(&mut *db)
        .await?
        .try_get("n")?)
}

/// Institutions within `scope` counted per business type, in one query.
pub async fn count_institutions_by_type(
    db: &mut Db,
    scope: &OrgScope,
) -> Result<Vec<(BusinessType, i64)>> {
    let clause = org_clause(scope, 1);
    let sql = format!(
        "SELECT o.business_type AS bt, COUNT(*) AS n FROM organisations o \
         WHERE o.kind = 'institution' AND o.business_type IS NOT NULL AND {} GROUP BY o.business_type",
        clause.sql
    );
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok((
                code(r, "organisations", "bt", BusinessType::from_code)?,
                r.try_get("n")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|(bt, _)| BusinessType::ALL.iter().position(|b| b == bt));
    Ok(out)
}
