//! Sharing storage for the TAXII 2.1 server: API roots (trust groups), collections with
//! access grants, stored STIX objects and the statuses of add requests.
//!
//! `date_added` is strictly increasing per collection on both backends: every insert first
//! moves `taxii_collections.last_added` forward with one `UPDATE` (to `max(now,
//! last_added + 1)`), and that row's write lock is held until the transaction commits
//! (PostgreSQL row lock; SQLite's `BEGIN IMMEDIATE` database lock). Writers of one
//! collection therefore commit in `date_added` order, so every reader's snapshot holds a
//! prefix of the collection's sequence and paging by `added_after` neither loses nor repeats
//! an object. `(collection_id, date_added)` is the primary key as a second guard.

use crate::db::Db;
use crate::keyset;
use crate::records::{Bind, bind_all, conflict, flag};
use crate::scope::Clause;
use crate::{Result, StoreError};
use sqlx::{AssertSqlSafe, Row};

mod objects;
pub use objects::*;

/// An API root: one trust group (the ISAC, an incident council, the supervisor's alerts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// The URL segment, e.g. `isac` or `council-2026-03`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `isac`, `council` or `alerts`.
    pub kind: String,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Closed (no longer served), Unix µs.
    pub closed_at: Option<i64>,
}

/// A collection, with the effective rights of one caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Id (UUID text).
    pub id: String,
    /// The API root it belongs to.
    pub api_root: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Alias, unique within the API root.
    pub alias: Option<String>,
    /// The caller's rights.
    pub grant: Grant,
}

/// What a caller may do in a collection: the union of the grants that match them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grant {
    /// May read objects.
    pub can_read: bool,
    /// May add objects.
    pub can_write: bool,
    /// Counts as a recipient organisation for TLP:AMBER and AMBER+STRICT.
    pub recipient: bool,
}

/// A grant to store: `grantee` is an organisation id or `kind:<org kind>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrant {
    /// Organisation id, or `kind:institution` etc.
    pub grantee: String,
    /// The rights.
    pub grant: Grant,
}

fn root_from_row(row: &sqlx::any::AnyRow) -> Result<ApiRoot> {
    Ok(ApiRoot {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        kind: row.try_get("kind")?,
        created_at: row.try_get("created_at")?,
        closed_at: row.try_get("closed_at")?,
    })
}

/// Creates an API root.
pub async fn create_root(db: &mut Db, root: &ApiRoot) -> Result<()> {
    sqlx::query(
        "INSERT INTO taxii_api_roots (id, title, description, kind, created_at, closed_at) \
         VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(root.id.clone())
    .bind(root.title.clone())
    .bind(root.description.clone())
    .bind(root.kind.clone())
    .bind(root.created_at)
    .execute(&mut *db)
    .await
    .map_err(conflict("api root"))?;
    Ok(())
}

/// Closes an API root: it is no longer served.
pub async fn close_root(db: &mut Db, id: &str, now: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE taxii_api_roots SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
    )
    .bind(id.to_owned())
    .bind(now)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("api root"));
    }
    Ok(())
}

/// Records the organisation that manages an API root (its creator).
pub async fn set_manager(db: &mut Db, id: &str, org_id: &str) -> Result<()> {
    sqlx::query("UPDATE taxii_api_roots SET manager_org = $2 WHERE id = $1")
        .bind(id.to_owned())
        .bind(org_id.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The managing organisation of an API root, open or closed (`None` for a group created
/// before managers were recorded and with no creator in the audit trail).
pub async fn manager_of(db: &mut Db, id: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT manager_org FROM taxii_api_roots WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("api root"))?;
    Ok(row.try_get("manager_org")?)
}

/// Reopens a closed API root: it is served again.
pub async fn reopen_root(db: &mut Db, id: &str) -> Result<()> {
    let done = sqlx::query(
        "UPDATE taxii_api_roots SET closed_at = NULL WHERE id = $1 AND closed_at IS NOT NULL",
    )
    .bind(id.to_owned())
    .execute(&mut *db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("api root"));
    }
    Ok(())
}

/// Open API roots, in id order.
pub async fn open_roots(db: &mut Db) -> Result<Vec<ApiRoot>> {
    let rows = sqlx::query(
        "SELECT id, title, description, kind, created_at, closed_at FROM taxii_api_roots \
         WHERE closed_at IS NULL ORDER BY id",
    )
    .fetch_all(&mut *db)
    .await?;
    rows.iter().map(root_from_row).collect()
}

/// The order of API root lists: by id (unique, a URL segment).
const ROOT_ORDER: &[keyset::Col] = &[("r.id", keyset::Dir::Asc, keyset::Kind::Text)];

/// One page of the open API roots in which the caller (matched by `grantees`, see
/// [`grantee_clause`](crate::scope::grantee_clause)) may read or add to some collection,
/// in id order, starting after `after`: the roots [`collections`] answers for.
pub async fn page_granted_roots(
    db: &mut Db,
    grantees: &Clause,
    after: Option<&keyset::Cursor>,
    limit: i64,
) -> Result<keyset::KeysetPage<ApiRoot>> {
    let query = keyset::Query {
        select: format!(
            "SELECT r.id, r.title, r.description, r.kind, r.created_at, r.closed_at \
             FROM taxii_api_roots r WHERE r.closed_at IS NULL AND EXISTS (SELECT 1 \
             FROM taxii_collections c JOIN taxii_grants g ON g.collection_id = c.id \
             WHERE c.api_root = r.id AND {} AND (g.can_read <> 0 OR g.can_write <> 0))",
            grantees.sql
        ),
        binds: grantees.binds.iter().cloned().map(Bind::Text).collect(),
        order: ROOT_ORDER,
    };
    query
        .page(db, after, limit, root_from_row, |r| {
            vec![keyset::Key::Text(r.id.clone())]
        })
        .await
}

/// One open API root.
pub async fn open_root(db: &mut Db, id: &str) -> Result<ApiRoot> {
    let row = sqlx::query(
        "SELECT id, title, description, kind, created_at, closed_at FROM taxii_api_roots \
         WHERE id = $1 AND closed_at IS NULL",
    )
    .bind(id.to_owned())
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound("api root"))?;
    root_from_row(&row)
}

/// Creates a collection with its grants; returns its id.
pub async fn create_collection(
    db: &mut Db,
    api_root: &str,
    title: &str,
    description: Option<&str>,
    alias: Option<&str>,
    grants: &[NewGrant],
    now: i64,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO taxii_collections (id, api_root, title, description, alias, last_added, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(id.clone())
    .bind(api_root.to_owned())
    .bind(title.to_owned())
    .bind(description.map(str::to_owned))
    .bind(alias.map(str::to_owned))
    .bind(now)
    .execute(&mut *db)
    .await
    .map_err(conflict("collection alias"))?;
    for g in grants {
        set_grant(db, &id, g).await?;
    }
    Ok(id)
}

/// Sets (replaces) one grant of a collection.
pub async fn set_grant(db: &mut Db, collection_id: &str, g: &NewGrant) -> Result<()> {
    sqlx::query("DELETE FROM taxii_grants WHERE collection_id = $1 AND grantee = $2")
        .bind(collection_id.to_owned())
        .bind(g.grantee.clone())
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO taxii_grants (collection_id, grantee, can_read, can_write, recipient) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(collection_id.to_owned())
    .bind(g.grantee.clone())
    .bind(i64::from(g.grant.can_read))
    .bind(i64::from(g.grant.can_write))
    .bind(i64::from(g.grant.recipient))
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The collections of an open API root on which the caller (matched by `grantees`, see
/// [`grantee_clause`](crate::scope::grantee_clause)) holds any grant, with the caller's effective rights, in id order.
/// Collections without a grant for the caller are left out, as if they did not exist.
pub async fn collections(
    db: &mut Db,
    api_root: &str,
    grantees: &Clause,
) -> Result<Vec<Collection>> {
    let sql = format!(
        "SELECT c.id, c.api_root, c.title, c.description, c.alias, g.can_read, g.can_write, g.recipient \
         FROM taxii_collections c JOIN taxii_grants g ON g.collection_id = c.id \
         JOIN taxii_api_roots r ON r.id = c.api_root \
         WHERE c.api_root = ${} AND r.closed_at IS NULL AND {} ORDER BY c.id",
        grantees.binds.len() + 1,
        grantees.sql
    );
    let mut binds: Vec<Bind> = grantees.binds.iter().cloned().map(Bind::Text).collect();
    binds.push(Bind::Text(api_root.to_owned()));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let mut out: Vec<Collection> = Vec::new();
    for row in &rows {
        let grant = Grant {
            can_read: flag(row, "can_read")?,
            can_write: flag(row, "can_write")?,
            recipient: flag(row, "recipient")?,
        };
        let id: String = row.try_get("id")?;
        match out.last_mut() {
            Some(last) if last.id == id => {
                last.grant.can_read |= grant.can_read;
                last.grant.can_write |= grant.can_write;
                last.grant.recipient |= grant.recipient;
            }
            _ => out.push(Collection {
                id,
                api_root: row.try_get("api_root")?,
                title: row.try_get("title")?,
                description: row.try_get("description")?,
                alias: row.try_get("alias")?,
                grant,
            }),
        }
    }
    out.retain(|c| c.grant.can_read || c.grant.can_write);
    Ok(out)
}
