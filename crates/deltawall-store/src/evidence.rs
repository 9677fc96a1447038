//! Evidence files, stored in the database with their SHA-256 so a backup holds them and an
//! upload is all or nothing. Evidence is read only by its own organisation: every function
//! here filters by the viewer's organisation through [`org_clause`].

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::OrgScope;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// An evidence file's description (never its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Id.
    pub id: String,
    /// Owning organisation.
    pub org_id: String,
    /// File name as uploaded.
    pub filename: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// When it was collected (`YYYY-MM-DD`), separate from the upload time.
    pub collected_on: String,
    /// First day it speaks for.
    pub effective_from: Option<String>,
    /// Last day it speaks for.
    pub effective_to: Option<String>,
    /// Who is responsible for it.
    pub owner: String,
    /// TLP 2.0 label, e.g. `amber`.
    pub tlp: String,
    /// Keep until.
    pub retention_until: Option<String>,
    /// The evidence it replaces.
    pub supersedes: Option<String>,
    /// Uploaded by.
    pub uploaded_by: String,
    /// Uploaded, Unix µs.
    pub created_at: i64,
}

/// A file to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    /// Owning organisation.
    pub org_id: String,
    /// File name.
    pub filename: String,
    /// Content type.
    pub content_type: String,
    /// Collected on.
    pub collected_on: String,
    /// Effective from.
    pub effective_from: Option<String>,
    /// Effective to.
    pub effective_to: Option<String>,
    /// Owner.
    pub owner: String,
    /// TLP label.
    pub tlp: String,
    /// Retention.
    pub retention_until: Option<String>,
    /// Replaces.
    pub supersedes: Option<String>,
    /// Uploader.
    pub uploaded_by: String,
    /// The bytes.
    pub content: Vec<u8>,
}

const COLUMNS: &str = "e.id, e.org_id, e.filename, e.content_type, e.size, e.sha256, e.collected_on, e.effective_from, e.effective_to, e.owner, e.tlp, e.retention_until, e.supersedes, e.uploaded_by, e.created_at";

fn from_row(row: &AnyRow) -> Result<Evidence> {
    Ok(Evidence {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        collected_on: row.try_get("collected_on")?,
        effective_from: row.try_get("effective_from")?,
        effective_to: row.try_get("effective_to")?,
        owner: row.try_get("owner")?,
        tlp: row.try_get("tlp")?,
        retention_until: row.try_get("retention_until")?,
        supersedes: row.try_get("supersedes")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a file; returns its id and SHA-256. A `supersedes` must name evidence of the
/// same organisation.
pub async fn create(db: &mut Db, new: &NewEvidence, at_us: i64) -> Result<(String, String)> {
    if let Some(old) = &new.supersedes {
        get(db, &new.org_id, old).await?;
    }
    let id = new_id();
    let sha = hex::encode(Sha256::digest(&new.content));
    let size = i64::try_from(new.content.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO evidence (id, org_id, filename, content_type, size, sha256, collected_on, effective_from, effective_to, owner, tlp, retention_until, supersedes, uploaded_by, created_at, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(new.filename.clone())
    .bind(new.content_type.clone())
    .bind(size)
    .bind(sha.clone())
    .bind(new.collected_on.clone())
    .bind(new.effective_from.clone())
    .bind(new.effective_to.clone())
    .bind(new.owner.clone())
    .bind(new.tlp.clone())
    .bind(new.retention_until.clone())
    .bind(new.supersedes.clone())
    .bind(new.uploaded_by.clone())
    .bind(at_us)
    .bind(new.content.clone())
    .execute(&mut *db)
    .await?;
    Ok((id, sha))
}

fn own(viewer_org: &str, first: usize) -> (String, Vec<Bind>) {
    let c = org_clause(&OrgScope::Own(viewer_org.to_owned()), first);
    (c.sql, c.binds.into_iter().map(Bind::Text).collect())
}

/// Every evidence file of the viewer organisation, newest first, read page by page so the
/// download holds them all (the pages people see use [`page`]).
pub async fn list(db: &mut Db, viewer_org: &str) -> Result<Vec<Evidence>> {
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let p = page(db, viewer_org, after.as_ref(), keyset::MAX_LIMIT).await?;
        out.extend(p.items);
        after = keyset::resume(p.next, ORDER)?;
        if after.is_none() {
            return Ok(out);
        }
    }
}

/// The order of evidence lists: newest first, then by id.
const ORDER: &[keyset::Col] = &[
    ("e.created_at", Dir::Desc, Kind::Int),
    ("e.id", Dir::Asc, Kind::Text),
];

/// One page of the viewer organisation's evidence, starting after `after`.
pub async fn page(
    db: &mut Db,
    viewer_org: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<Evidence>> {
    let (clause, binds) = own(viewer_org, 1);
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence e JOIN organisations o ON o.id = e.org_id WHERE {clause}"
    );
    let query = keyset::Query {
        select: sql,
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |e| {
            vec![Key::Int(e.created_at), Key::Text(e.id.clone())]
        })
        .await
}

/// One of the viewer organisation's evidence files (description only).
pub async fn get(db: &mut Db, viewer_org: &str, id: &str) -> Result<Evidence> {
    let (clause, mut binds) = own(viewer_org, 2);
    binds.insert(0, Bind::Text(id.to_owned()));
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence e JOIN organisations o ON o.id = e.org_id WHERE e.id = $1 AND {clause}"
    );
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("evidence"))?;
    from_row(&row)
}

/// One of the viewer organisation's evidence files with its content.
pub async fn content(db: &mut Db, viewer_org: &str, id: &str) -> Result<(Evidence, Vec<u8>)> {
    let (clause, mut binds) = own(viewer_org, 2);
    binds.insert(0, Bind::Text(id.to_owned()));
    let sql = format!(
        "SELECT {COLUMNS}, e.content FROM evidence e JOIN organisations o ON o.id = e.org_id WHERE e.id = $1 AND {clause}"
    );
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("evidence"))?;
    Ok((from_row(&row)?, row.try_get("content")?))
}
