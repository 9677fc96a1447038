//! Who may see an imported catalog edition (its audience), mapping sets between catalog
//! editions with their entries, and the derivation marks of pre-filled result revisions
//! (migration 7).
//!
//! Audience: the built-in catalog (no importer) is public; an edition imported by an
//! institution is seen by that institution only; one imported by a supervisor is public.
//! A second institution importing the same edition byte for byte gains its own audience
//! row. Mapping sets have one owner organisation, or none when public. Every read of
//! either goes through [`crate::scope::audience_clause`].

use crate::assessments::StoredCatalog;
use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all, code};
use crate::scope::audience_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::crosswalk::{Entry, Relationship};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// The audience value that lets every tenant see an item.
pub const PUBLIC: &str = "public";

/// Adds `audience` (an organisation id or [`PUBLIC`]) to a catalog edition, unless present.
pub async fn grant_catalog(
    db: &mut Db,
    catalog_id: &str,
    audience: &str,
    at_us: i64,
) -> Result<bool> {
    let exists =
        sqlx::query("SELECT 1 AS x FROM catalog_audience WHERE catalog_id = $1 AND audience = $2")
            .bind(catalog_id.to_owned())
            .bind(audience.to_owned())
            .fetch_optional(&mut *db)
            .await?
            .is_some();
    if exists {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO catalog_audience (catalog_id, audience, granted_at) VALUES ($1, $2, $3)",
    )
    .bind(catalog_id.to_owned())
    .bind(audience.to_owned())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    Ok(true)
}

const CATALOG_AUDIENCE: &str =
    "SELECT ca.audience FROM catalog_audience ca WHERE ca.catalog_id = c.id";

/// Catalog editions with whether each is public, over the viewer's audience clause.
fn catalogs_from(clause: &str) -> String {
    let columns = crate::assessments::CATALOG_COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {columns}, \
         CASE WHEN c.imported_by IS NULL OR 'public' IN ({CATALOG_AUDIENCE}) THEN 1 ELSE 0 END AS is_public \
         FROM catalogs c WHERE {clause}"
    )
}

/// The order of catalog lists: oldest first, then by id (unique).
const CATALOG_ORDER: &[keyset::Col] = &[
    ("c.created_at", Dir::Asc, Kind::Int),
    ("c.id", Dir::Asc, Kind::Text),
];

fn listed_catalog(r: &AnyRow) -> Result<(StoredCatalog, bool)> {
    Ok((
        crate::assessments::catalog_row(r)?,
        crate::records::flag(r, "is_public")?,
    ))
}

/// The catalog editions `viewer_org` may see, oldest first, each with whether it is public.
pub async fn visible_catalogs(db: &mut Db, viewer_org: &str) -> Result<Vec<(StoredCatalog, bool)>> {
    let clause = audience_clause(viewer_org, "c.imported_by IS NULL", CATALOG_AUDIENCE, 1);
    let sql = format!(
        "{} ORDER BY {}",
        catalogs_from(&clause.sql),
        keyset::order_by(CATALOG_ORDER)
    );
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(listed_catalog).collect()
}

/// One page of [`visible_catalogs`], starting after `after`.
pub async fn page_visible_catalogs(
    db: &mut Db,
    viewer_org: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<(StoredCatalog, bool)>> {
    let clause = audience_clause(viewer_org, "c.imported_by IS NULL", CATALOG_AUDIENCE, 1);
    let query = keyset::Query {
        select: catalogs_from(&clause.sql),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: CATALOG_ORDER,
    };
    query
        .page(db, after, limit, listed_catalog, |(c, _)| {
            vec![Key::Int(c.created_at), Key::Text(c.id.clone())]
        })
        .await
}

/// One catalog edition with whether it is public, if `viewer_org` may see it.
pub async fn visible_listed(
    db: &mut Db,
    viewer_org: &str,
    catalog_id: &str,
) -> Result<(StoredCatalog, bool)> {
    let clause = audience_clause(viewer_org, "c.imported_by IS NULL", CATALOG_AUDIENCE, 1);
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.push(Bind::Text(catalog_id.to_owned()));
    let sql = format!("{} AND c.id = ${}", catalogs_from(&clause.sql), binds.len());
    bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .as_ref()
        .map(listed_catalog)
        .transpose()?
        .ok_or(StoreError::NotFound("catalog"))
}

/// One catalog edition, if `viewer_org` may see it.
pub async fn visible_catalog(
    db: &mut Db,
    viewer_org: &str,
    catalog_id: &str,
) -> Result<StoredCatalog> {
    Ok(visible_listed(db, viewer_org, catalog_id).await?.0)
}

/// A stored mapping set (without its entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingSet {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The *from* catalog edition (row id).
    pub from_catalog: String,
    /// The *to* catalog edition (row id).
    pub to_catalog: String,
    /// Where the mapping comes from (who wrote it, from what).
    pub provenance: String,
    /// SHA-256 of the entries.
    pub fingerprint: String,
    /// The organisation that may see it; `None` when public.
    pub owner_org: Option<String>,
    /// Who imported it (`None`: built in).
    pub imported_by: Option<String>,
    /// Stored, Unix µs.
    pub created_at: i64,
    /// Number of entries.
    pub entries: i64,
}

/// What is needed to store a mapping set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMappingSet {
    /// Title.
    pub title: String,
    /// The *from* edition.
    pub from_catalog: String,
    /// The *to* edition.
    pub to_catalog: String,
    /// Provenance.
    pub provenance: String,
    /// SHA-256 of the entries.
    pub fingerprint: String,
    /// Owner organisation, `None` for public.
    pub owner_org: Option<String>,
    /// Importer.
    pub imported_by: Option<String>,
}

const SET_COLUMNS: &str = "s.id, s.title, s.from_catalog, s.to_catalog, s.provenance, s.fingerprint, s.owner_org, s.imported_by, s.created_at, \
     (SELECT COUNT(*) FROM mapping_entries e WHERE e.set_id = s.id) AS n";

fn set_row(r: &AnyRow) -> Result<MappingSet> {
    Ok(MappingSet {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        from_catalog: r.try_get("from_catalog")?,
        to_catalog: r.try_get("to_catalog")?,
        provenance: r.try_get("provenance")?,
        fingerprint: r.try_get("fingerprint")?,
        owner_org: r.try_get("owner_org")?,
        imported_by: r.try_get("imported_by")?,
        created_at: r.try_get("created_at")?,
        entries: r.try_get("n")?,
    })
}

/// Stores a mapping set and its entries unless the same owner already holds one with
/// the same editions and fingerprint; returns the id and whether it was inserted.
pub async fn insert_set(
    db: &mut Db,
    new: &NewMappingSet,
    entries: &[Entry],
    at_us: i64,
) -> Result<(String, bool)> {
    let existing = sqlx::query(
        "SELECT id FROM mapping_sets WHERE from_catalog = $1 AND to_catalog = $2 AND fingerprint = $3 \
         AND COALESCE(owner_org, 'public') = $4",
    )
    .bind(new.from_catalog.clone())
    .bind(new.to_catalog.clone())
    .bind(new.fingerprint.clone())
    .bind(new.owner_org.clone().unwrap_or_else(|| PUBLIC.to_owned()))
    .fetch_optional(&mut *db)
    .await?;
    if let Some(row) = existing {
        return Ok((row.try_get("id")?, false));
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO mapping_sets (id, title, from_catalog, to_catalog, provenance, fingerprint, owner_org, imported_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.clone())
    .bind(new.title.clone())
    .bind(new.from_catalog.clone())
    .bind(new.to_catalog.clone())
    .bind(new.provenance.clone())
    .bind(new.fingerprint.clone())
    .bind(new.owner_org.clone())
    .bind(new.imported_by.clone())
    .bind(at_us)
    .execute(&mut *db)
    .await?;
    for (i, e) in entries.iter().enumerate() {
        sqlx::query(
            "INSERT INTO mapping_entries (id, set_id, position, from_requirement, to_requirement, relationship, strength, rationale) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(id.clone())
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .bind(e.from.clone())
        .bind(e.to.clone())
        .bind(e.relationship.code())
        .bind(i64::from(e.strength))
        .bind(e.rationale.clone())
        .execute(&mut *db)
        .await?;
    }
    Ok((id, true))
}

fn set_clause(viewer_org: &str) -> crate::scope::Clause {
    audience_clause(viewer_org, "1 = 0", "COALESCE(s.owner_org, 'public')", 1)
}

/// The order of mapping set lists: newest first, then by id (unique).
const SET_ORDER: &[keyset::Col] = &[
    ("s.created_at", Dir::Desc, Kind::Int),
    ("s.id", Dir::Asc, Kind::Text),
];

/// One page of [`list_sets`], starting after `after`.
pub async fn page_sets(
    db: &mut Db,
    viewer_org: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<MappingSet>> {
    let clause = set_clause(viewer_org);
    let query = keyset::Query {
        select: format!(
            "SELECT {SET_COLUMNS} FROM mapping_sets s WHERE {}",
            clause.sql
        ),
        binds: clause.binds.into_iter().map(Bind::Text).collect(),
        order: SET_ORDER,
    };
    query
        .page(db, after, limit, set_row, |s| {
            vec![Key::Int(s.created_at), Key::Text(s.id.clone())]
        })
        .await
}

/// The mapping sets `viewer_org` may see, newest first.
pub async fn list_sets(db: &mut Db, viewer_org: &str) -> Result<Vec<MappingSet>> {
    let clause = set_clause(viewer_org);
    let sql = format!(
        "SELECT {SET_COLUMNS} FROM mapping_sets s WHERE {} ORDER BY {}",
        clause.sql,
        keyset::order_by(SET_ORDER)
    );
    let binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(set_row).collect()
}

/// One mapping set, if `viewer_org` may see it.
pub async fn get_set(db: &mut Db, viewer_org: &str, id: &str) -> Result<MappingSet> {
    let clause = set_clause(viewer_org);
    let sql = format!(
        "SELECT {SET_COLUMNS} FROM mapping_sets s WHERE {} AND s.id = $2",
        clause.sql
    );
    let mut binds: Vec<Bind> = clause.binds.into_iter().map(Bind::Text).collect();
    binds.push(Bind::Text(id.to_owned()));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("mapping set"))?;
    set_row(&row)
}

/// The entries of a set (the caller has checked it may see the set), in order.
pub async fn entries(db: &mut Db, set_id: &str) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT from_requirement, to_requirement, relationship, strength, rationale FROM mapping_entries \
         WHERE set_id = $1 ORDER BY position",
    )
    .bind(set_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let strength: i64 = r.try_get("strength")?;
            Ok(Entry {
                from: r.try_get("from_requirement")?,
                to: r.try_get("to_requirement")?,
                relationship: code(
                    r,
                    "mapping_entries",
                    "relationship",
                    Relationship::from_code,
                )?,
                strength: u8::try_from(strength).map_err(|_| StoreError::Corrupt {
                    table: "mapping_entries",
                    column: "strength",
                    value: strength.to_string(),
                })?,
                rationale: r.try_get("rationale")?,
            })
        })
        .collect()
}

/// Where a derived (pre-filled) result revision comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Derivation {
    /// The mapping set used.
    pub mapping_set_id: String,
    /// The assessment whose answer was used.
    pub source_assessment_id: String,
    /// The requirement answered there.
    pub source_requirement_id: String,
    /// Through which relationship.
    pub relationship: Relationship,
}

/// Marks result revision `result_id` as derived.
pub async fn record_derivation(db: &mut Db, result_id: &str, d: &Derivation) -> Result<()> {
    sqlx::query(
        "INSERT INTO result_derivations (result_id, mapping_set_id, source_assessment_id, source_requirement_id, relationship) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(result_id.to_owned())
    .bind(d.mapping_set_id.clone())
    .bind(d.source_assessment_id.clone())
    .bind(d.source_requirement_id.clone())
    .bind(d.relationship.code())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Reads the derivation columns (`d.*`, left-joined) of a result row.
pub(crate) fn derivation_row(row: &AnyRow) -> Result<Option<Derivation>> {
    let set: Option<String> = row.try_get("mapping_set_id")?;
    let Some(mapping_set_id) = set else {
        return Ok(None);
    };
    Ok(Some(Derivation {
        mapping_set_id,
        source_assessment_id: row.try_get("source_assessment_id")?,
        source_requirement_id: row.try_get("source_requirement_id")?,
        relationship: code(
            row,
            "result_derivations",
            "relationship",
            Relationship::from_code,
        )?,
    }))
}
