//! Stored STIX object versions of the TAXII collections: their exact JSON, their TLP
//! audience (`reach`, decided once when added) and named recipients, and the reads that
//! select versions and pages in SQL with the reader's [`Viewer`].

use super::Grant;
use crate::db::Db;
use crate::records::{Bind, bind_all, conflict};
use crate::{Result, StoreError};
use sqlx::{AssertSqlSafe, Row};

/// A stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// When it was added, Unix µs; strictly increasing per collection.
    pub date_added: i64,
    /// STIX id.
    pub stix_id: String,
    /// `modified`, else `created`, as written in the object (the TAXII `version`).
    pub version: String,
    /// The same, Unix µs, for ordering.
    pub version_us: i64,
    /// `spec_version`.
    pub spec_version: String,
    /// STIX type.
    pub object_type: String,
    /// The exact JSON text that was added.
    pub json: String,
    /// The organisation that added it (the originator for TLP).
    pub origin_org: String,
    /// The audiences that may receive it (see [`Viewer`]); `None` until computed.
    pub reach: Option<i64>,
    /// The recipient organisations it names (TLP:RED, `taxii_recipients`), sorted; they
    /// receive it only when `reach` carries [`NAMED_BIT`].
    pub recipients: Vec<String>,
}

/// What is needed to store one object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject {
    /// STIX id.
    pub stix_id: String,
    /// TAXII version text.
    pub version: String,
    /// The same, Unix µs.
    pub version_us: i64,
    /// `spec_version`.
    pub spec_version: String,
    /// STIX type.
    pub object_type: String,
    /// Effective TLP level name (e.g. `amber`), for reports; enforcement re-reads the JSON.
    pub tlp: String,
    /// Effective marking refs as a JSON array.
    pub markings: String,
    /// Exact JSON text.
    pub json: String,
    /// The adding organisation.
    pub origin_org: String,
    /// The adding user.
    pub added_by: String,
    /// The audiences that may receive it: bit [`audience_bit`] set for each audience the
    /// TLP policy admits.
    pub reach: i64,
}

/// The bit of `reach` for one audience: whether the reader's organisation added the
/// object, holds a recipient grant, and holds a read grant (community member).
pub fn audience_bit(originator: bool, recipient: bool, member: bool) -> i64 {
    1 << (4 * i64::from(originator) + 2 * i64::from(recipient) + i64::from(member))
}

/// The bit of `reach` for a version that names recipient organisations (TLP:RED with
/// named recipients): a reader whose organisation is among its `taxii_recipients` rows
/// receives it, whatever their grant's other bits.
pub const NAMED_BIT: i64 = 1 << 8;

/// A reader of a collection, as the TLP filter sees them: their organisation and the bits
/// of `reach` that admit them on rows they added (`own`) and on everyone else's (`other`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The reader's organisation.
    pub org_id: String,
    /// The bit that admits them on rows their organisation added.
    pub own: i64,
    /// The bit that admits them on other organisations' rows.
    pub other: i64,
}

impl Viewer {
    /// A reader from `org_id` with the given grant on the collection.
    pub fn new(org_id: &str, grant: Grant) -> Self {
        Viewer {
            org_id: org_id.to_owned(),
            own: audience_bit(true, grant.recipient, grant.can_read),
            other: audience_bit(false, grant.recipient, grant.can_read),
        }
    }

    /// Whether this reader may receive `row` (the same test as [`reach_clause`]). A row
    /// whose reach is not computed yet is withheld.
    pub fn admits(&self, row: &StoredObject) -> bool {
        let bit = if row.origin_org == self.org_id {
            self.own
        } else {
            self.other
        };
        let named = row.recipients.contains(&self.org_id);
        row.reach
            .is_some_and(|r| r & bit != 0 || (named && r & NAMED_BIT != 0))
    }
}

/// The TLP filter on `taxii_objects` rows aliased `alias`, with the viewer's three values
/// bound at `$first..$first+2`: the reach bit of the viewer's audience, or (versions with
/// [`NAMED_BIT`]) the viewer's organisation among the named recipients. A NULL `reach`
/// matches nothing.
pub fn reach_clause(alias: &str, first: usize) -> String {
    format!(
        "(({alias}.reach & (CASE WHEN {alias}.origin_org = ${first} THEN ${} ELSE ${} END)) <> 0 \
         OR (({alias}.reach & {NAMED_BIT}) <> 0 AND EXISTS (SELECT 1 FROM taxii_recipients \
         rcp_{alias} WHERE rcp_{alias}.collection_id = {alias}.collection_id \
         AND rcp_{alias}.date_added = {alias}.date_added AND rcp_{alias}.org_id = ${first})))",
        first + 1,
        first + 2
    )
}

fn viewer_binds(v: &Viewer) -> [Bind; 3] {
    [
        Bind::Text(v.org_id.clone()),
        Bind::Int(v.own),
        Bind::Int(v.other),
    ]
}

/// Filters applied in SQL; version, spec_version, `added_after`, paging and disclosure are
/// decided by the caller on the returned rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFilter {
    /// Only these STIX ids (empty: any).
    pub ids: Vec<String>,
    /// Only these types (empty: any).
    pub types: Vec<String>,
}

const OBJECT_COLUMNS: &str =
    "date_added, stix_id, version, version_us, spec_version, type, json, origin_org, reach";

fn object_from_row(row: &sqlx::any::AnyRow) -> Result<StoredObject> {
    Ok(StoredObject {
        date_added: row.try_get("date_added")?,
        stix_id: row.try_get("stix_id")?,
        version: row.try_get("version")?,
        version_us: row.try_get("version_us")?,
        spec_version: row.try_get("spec_version")?,
        object_type: row.try_get("type")?,
        json: row.try_get("json")?,
        origin_org: row.try_get("origin_org")?,
        reach: row.try_get("reach")?,
        recipients: Vec::new(),
    })
}

/// Fills `recipients` of the rows that name some (those with [`NAMED_BIT`]); one query,
/// and none when no row has the bit.
pub async fn fill_recipients(
    db: &mut Db,
    collection_id: &str,
    rows: &mut [StoredObject],
) -> Result<()> {
    let named: Vec<i64> = rows
        .iter()
        .filter(|r| r.reach.is_some_and(|x| x & NAMED_BIT != 0))
        .map(|r| r.date_added)
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let mut binds = vec![Bind::Text(collection_id.to_owned())];
    let marks: Vec<String> = (2..named.len() + 2).map(|i| format!("${i}")).collect();
    binds.extend(named.iter().map(|d| Bind::Int(*d)));
    let sql = format!(
        "SELECT date_added, org_id FROM taxii_recipients WHERE collection_id = $1 \
         AND date_added IN ({}) ORDER BY date_added, org_id",
        marks.join(", ")
    );
    let found = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    for f in &found {
        let at: i64 = f.try_get("date_added")?;
        let org: String = f.try_get("org_id")?;
        if let Some(row) = rows.iter_mut().find(|r| r.date_added == at) {
            row.recipients.push(org);
        }
    }
    Ok(())
}

/// Stores the named recipients of a version just inserted (same transaction).
pub async fn put_recipients(
    db: &mut Db,
    collection_id: &str,
    date_added: i64,
    orgs: &[String],
) -> Result<()> {
    for org in orgs {
        sqlx::query(
            "INSERT INTO taxii_recipients (collection_id, date_added, org_id) VALUES ($1, $2, $3)",
        )
        .bind(collection_id.to_owned())
        .bind(date_added)
        .bind(org.clone())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// The organisations that hold a read grant on a collection (directly or through their
/// kind), as `(id, name_ja, name_en)` in id order: who a TLP:RED version may name.
pub async fn readers(db: &mut Db, collection_id: &str) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query(
        "SELECT o.id, o.name_ja, o.name_en FROM organisations o WHERE o.active = 1 AND EXISTS \
         (SELECT 1 FROM taxii_grants g WHERE g.collection_id = $1 AND g.can_read = 1 \
         AND (g.grantee = o.id OR g.grantee = 'kind:' || o.kind)) ORDER BY o.id",
    )
    .bind(collection_id.to_owned())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name_ja")?,
                r.try_get("name_en")?,
            ))
        })
        .collect()
}

/// Every stored version in a collection matching `filter`, in `date_added` order, whatever
/// its audience: for the checks of an add, which pass the rows through [`Viewer::admits`].
pub async fn objects(
    db: &mut Db,
    collection_id: &str,
    filter: &ObjectFilter,
) -> Result<Vec<StoredObject>> {
    let mut binds = vec![Bind::Text(collection_id.to_owned())];
    let mut sql = format!("SELECT {OBJECT_COLUMNS} FROM taxii_objects WHERE collection_id = $1");
    for (column, values) in [("stix_id", &filter.ids), ("type", &filter.types)] {
        if values.is_empty() {
            continue;
        }
        let start = binds.len() + 1;
        let marks: Vec<String> = (start..start + values.len())
            .map(|i| format!("${i}"))
            .collect();
        sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
        binds.extend(values.iter().cloned().map(Bind::Text));
    }
    // Sorted here rather than with ORDER BY: SQLite would then walk the primary key
    // (collection_id, date_added) over the whole collection instead of the id index,
    // making every add O(collection).
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows
        .iter()
        .map(object_from_row)
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|o| o.date_added);
    fill_recipients(db, collection_id, &mut out).await?;
    Ok(out)
}

/// Which versions of each object a read selects (TAXII §3.4.1 `match[version]`), among the
/// versions the viewer may receive and that pass the spec-version filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionSelect {
    /// Every version (`all`, the versions endpoint, a delete without `match[version]`).
    pub all: bool,
    /// The latest version (by version time, then `date_added`).
    pub last: bool,
    /// The earliest version.
    pub first: bool,
    /// The versions with these version times, Unix µs.
    pub at: Vec<i64>,
}

/// A read of object versions for one viewer (objects, manifest, object, versions, delete).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    /// `match[id]`, or the one object of the object endpoints (empty: any).
    pub ids: Vec<String>,
    /// `match[type]` (empty: any).
    pub types: Vec<String>,
    /// `match[spec_version]`; empty: only the latest spec version of each object.
    pub spec_versions: Vec<String>,
    /// `match[version]`.
    pub versions: VersionSelect,
    /// Only rows added strictly after this (`added_after` and the `next` cursor), Unix µs.
    pub after: Option<i64>,
    /// At most this many rows (`None`: all).
    pub limit: Option<usize>,
}

impl PageQuery {
    /// This query selecting the latest version of each object (the default).
    pub fn last(self) -> Self {
        PageQuery {
            versions: VersionSelect {
                last: true,
                ..VersionSelect::default()
            },
            ..self
        }
    }

    /// This query selecting the earliest version of each object.
    pub fn first(self) -> Self {
        PageQuery {
            versions: VersionSelect {
                first: true,
                ..VersionSelect::default()
            },
            ..self
        }
    }
}

fn in_list(expr: &str, values: &[String], binds: &mut Vec<Bind>) -> String {
    let start = binds.len() + 1;
    let marks: Vec<String> = (start..start + values.len())
        .map(|i| format!("${i}"))
        .collect();
    binds.extend(values.iter().cloned().map(Bind::Text));
    format!("{expr} IN ({})", marks.join(", "))
}

/// The condition that no other version of the same object, receivable by the viewer and of
/// the selected spec version, lies beyond `o` in direction `cmp` (`>`: `o` is the last).
fn no_version_beyond(cmp: &str, spec: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection_id = o.collection_id \
         AND n.stix_id = o.stix_id AND {} AND {spec} AND (n.version_us {cmp} o.version_us \
         OR (n.version_us = o.version_us AND n.date_added {cmp} o.date_added)))",
        reach_clause("n", 2)
    )
}

/// The versions of a collection the viewer may receive and `q` selects, in `date_added`
/// order. Spec-version and version selection are decided per object among the receivable
/// versions only, so a withheld version never changes which version another reader gets
/// nor reveals itself through `more`.
pub async fn page(
    db: &mut Db,
    collection_id: &str,
    viewer: &Viewer,
    q: &PageQuery,
) -> Result<Vec<StoredObject>> {
    let mut binds = vec![Bind::Text(collection_id.to_owned())];
    binds.extend(viewer_binds(viewer));
    let mut sql = format!(
        "SELECT {} FROM taxii_objects o WHERE o.collection_id = $1 AND {}",
        OBJECT_COLUMNS
            .split(", ")
            .map(|c| format!("o.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        reach_clause("o", 2)
    );
    if !q.ids.is_empty() {
        sql.push_str(&format!(
            " AND {}",
            in_list("o.stix_id", &q.ids, &mut binds)
        ));
    }
    if !q.types.is_empty() {
        sql.push_str(&format!(" AND {}", in_list("o.type", &q.types, &mut binds)));
    }
    if let Some(after) = q.after {
        binds.push(Bind::Int(after));
        sql.push_str(&format!(" AND o.date_added > ${}", binds.len()));
    }
    // The spec versions a version is compared with: the requested ones, or (by default)
    // the latest receivable spec version of the object, which `o` must then have.
    let same_spec = if q.spec_versions.is_empty() {
        sql.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM taxii_objects s WHERE s.collection_id = o.collection_id \
             AND s.stix_id = o.stix_id AND {} AND s.spec_version > o.spec_version)",
            reach_clause("s", 2)
        ));
        "n.spec_version = o.spec_version".to_owned()
    } else {
        let start = binds.len();
        sql.push_str(&format!(
            " AND {}",
            in_list("o.spec_version", &q.spec_versions, &mut binds)
        ));
        let marks: Vec<String> = (start + 1..=binds.len()).map(|i| format!("${i}")).collect();
        format!("n.spec_version IN ({})", marks.join(", "))
    };
    let v = &q.versions;
    if !v.all {
        let mut terms = Vec::new();
        if v.last {
            terms.push(no_version_beyond(">", &same_spec));
        }
        if v.first {
            terms.push(no_version_beyond("<", &same_spec));
        }
        if !v.at.is_empty() {
            let start = binds.len() + 1;
            binds.extend(v.at.iter().map(|t| Bind::Int(*t)));
            let marks: Vec<String> = (start..=binds.len()).map(|i| format!("${i}")).collect();
            terms.push(format!("o.version_us IN ({})", marks.join(", ")));
        }
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(" AND ({})", terms.join(" OR ")));
    }
    sql.push_str(" ORDER BY o.date_added");
    if let Some(limit) = q.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out = rows
        .iter()
        .map(object_from_row)
        .collect::<Result<Vec<_>>>()?;
    fill_recipients(db, collection_id, &mut out).await?;
    Ok(out)
}

/// Whether the viewer may receive any version of `stix_id` in the collection (the 404 of
/// the object endpoints, identical for a withheld and a missing object).
pub async fn has_object(
    db: &mut Db,
    collection_id: &str,
    viewer: &Viewer,
    stix_id: &str,
) -> Result<bool> {
    let mut binds = vec![Bind::Text(collection_id.to_owned())];
    binds.extend(viewer_binds(viewer));
    binds.push(Bind::Text(stix_id.to_owned()));
    let sql = format!(
        "SELECT 1 AS one FROM taxii_objects o WHERE o.collection_id = $1 AND o.stix_id = $5 AND {} LIMIT 1",
        reach_clause("o", 2)
    );
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?;
    Ok(row.is_some())
}

/// Rows whose `reach` is not computed yet (stored before migration 4 or restored from a
/// backup), at most `limit`, as `(collection_id, date_added, json)`.
pub async fn unreached(db: &mut Db, limit: i64) -> Result<Vec<(String, i64, String)>> {
    let rows = sqlx::query(
        "SELECT collection_id, date_added, json FROM taxii_objects WHERE reach IS NULL \
         ORDER BY collection_id, date_added LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("collection_id")?,
                r.try_get("date_added")?,
                r.try_get("json")?,
            ))
        })
        .collect()
}

/// Records the computed `reach` of one row.
pub async fn set_reach(
    db: &mut Db,
    collection_id: &str,
    date_added: i64,
    reach: i64,
) -> Result<()> {
    sqlx::query("UPDATE taxii_objects SET reach = $3 WHERE collection_id = $1 AND date_added = $2")
        .bind(collection_id.to_owned())
        .bind(date_added)
        .bind(reach)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Stores one object version, assigning the next `date_added` of the collection (see the
/// module documentation); returns it. Call inside a write transaction.
pub async fn insert_object(
    db: &mut Db,
    collection_id: &str,
    obj: &NewObject,
    now: i64,
) -> Result<i64> {
    let moved = sqlx::query(
        "UPDATE taxii_collections SET last_added = CASE WHEN last_added >= $2 \
         THEN last_added + 1 ELSE $2 END WHERE id = $1",
    )
    .bind(collection_id.to_owned())
    .bind(now)
    .execute(&mut *db)
    .await?;
    if moved.rows_affected() == 0 {
        return Err(StoreError::NotFound("collection"));
    }
    let date_added: i64 = sqlx::query("SELECT last_added FROM taxii_collections WHERE id = $1")
        .bind(collection_id.to_owned())
        .fetch_one(&mut *db)
        .await?
        .try_get("last_added")?;
    sqlx::query(
        "INSERT INTO taxii_objects (collection_id, date_added, stix_id, version, version_us, \
         spec_version, type, tlp, markings, json, origin_org, added_by, reach) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(collection_id.to_owned())
    .bind(date_added)
    .bind(obj.stix_id.clone())
    .bind(obj.version.clone())
    .bind(obj.version_us)
    .bind(obj.spec_version.clone())
    .bind(obj.object_type.clone())
    .bind(obj.tlp.clone())
    .bind(obj.markings.clone())
    .bind(obj.json.clone())
    .bind(obj.origin_org.clone())
    .bind(obj.added_by.clone())
    .bind(obj.reach)
    .execute(&mut *db)
    .await
    .map_err(conflict("object version"))?;
    Ok(date_added)
}

/// Deletes the given versions (by `date_added`) of objects in a collection; returns how
/// many rows went.
pub async fn delete_rows(db: &mut Db, collection_id: &str, date_added: &[i64]) -> Result<u64> {
    let mut n = 0;
    for d in date_added {
        sqlx::query("DELETE FROM taxii_recipients WHERE collection_id = $1 AND date_added = $2")
            .bind(collection_id.to_owned())
            .bind(*d)
            .execute(&mut *db)
            .await?;
        n += sqlx::query("DELETE FROM taxii_objects WHERE collection_id = $1 AND date_added = $2")
            .bind(collection_id.to_owned())
            .bind(*d)
            .execute(&mut *db)
            .await?
            .rows_affected();
    }
    Ok(n)
}

/// Stores the status document of an add request.
pub async fn put_status(
    db: &mut Db,
    id: &str,
    api_root: &str,
    org_id: &str,
    document: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO taxii_status (id, api_root, org_id, document, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_owned())
    .bind(api_root.to_owned())
    .bind(org_id.to_owned())
    .bind(document.to_owned())
    .bind(now)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The status document of an add request made by `org_id` in `api_root`, if it was made at
/// or after `not_before` (Unix µs; older statuses have expired). Another organisation's
/// status is not found: it names the objects that organisation added.
pub async fn get_status(
    db: &mut Db,
    api_root: &str,
    id: &str,
    org_id: &str,
    not_before: i64,
) -> Result<String> {
    let row = sqlx::query(
        "SELECT document FROM taxii_status WHERE id = $1 AND api_root = $2 AND org_id = $3 \
         AND created_at >= $4",
    )
    .bind(id.to_owned())
    .bind(api_root.to_owned())
    .bind(org_id.to_owned())
    .bind(not_before)
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound("status"))?;
    Ok(row.try_get("document")?)
}

/// Deletes the statuses of add requests made before `before` (Unix µs); returns how many.
pub async fn purge_statuses(db: &mut Db, before: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM taxii_status WHERE created_at < $1")
            .bind(before)
            .execute(&mut *db)
            .await?
            .rows_affected(),
    )
}
