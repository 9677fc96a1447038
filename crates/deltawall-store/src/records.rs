//! Records as stored, and small helpers shared by the repositories.

use crate::{Result, StoreError};
use deltawall_domain::org::{AttributeKind, BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The current time in Unix microseconds.
pub fn now_us() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// A page request: at most `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return, 1 to [`Page::MAX_LIMIT`].
    pub limit: i64,
}

impl Page {
    /// The largest page served.
    pub const MAX_LIMIT: i64 = 500;

    /// A page, with `limit` clamped to 1..=MAX_LIMIT and a negative offset taken as 0.
    pub fn new(offset: i64, limit: i64) -> Page {
        Page {
            offset: offset.max(0),
            limit: limit.clamp(1, Page::MAX_LIMIT),
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(0, 50)
    }
}

/// One page of results and the total number of matching rows.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// How many rows match in total.
    pub total: i64,
    /// The offset of this page.
    pub offset: i64,
    /// The limit of this page.
    pub limit: i64,
}

/// An organisation (tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// Id.
    pub id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Kind.
    pub kind: OrgKind,
    /// Business type, for institutions.
    pub business_type: Option<BusinessType>,
    /// Region: an institution's, or a local bureau's jurisdiction. `None` for the FSA.
    pub region: Option<Region>,
    /// Parent company within a group.
    pub parent_id: Option<String>,
    /// Whether the organisation is active.
    pub active: bool,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Last changed, Unix µs.
    pub updated_at: i64,
}

/// A time-bound attribute of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAttribute {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Which attribute.
    pub kind: AttributeKind,
    /// Its value.
    pub value: String,
    /// Valid from, Unix µs (inclusive).
    pub valid_from: i64,
    /// Valid until, Unix µs (exclusive); `None` while current.
    pub valid_to: Option<i64>,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Role in the organisation.
    pub role: Role,
    /// Whether a TOTP second factor is enabled.
    pub totp_enabled: bool,
    /// Preferred UI language.
    pub lang: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
    /// Last successful sign-in, Unix µs.
    pub last_login_at: Option<i64>,
    /// Created, Unix µs.
    pub created_at: i64,
}

/// Reads an enum column through its `from_code`.
pub(crate) fn code<T>(
    row: &AnyRow,
    table: &'static str,
    column: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T> {
    let raw: String = row.try_get(column)?;
    parse(&raw).ok_or(StoreError::Corrupt {
        table,
        column,
        value: raw,
    })
}

/// Reads an optional enum column.
pub(crate) fn opt_code<T>(
    row: &AnyRow,
    table: &'static str,
    column: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>> {
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|r| {
        parse(&r).ok_or(StoreError::Corrupt {
            table,
            column,
            value: r,
        })
    })
    .transpose()
}

/// Reads a 0/1 flag.
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
pub(crate) fn conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(what)
        } else {
            StoreError::Db(e)
        }
    }
}

/// A value bound into dynamically assembled SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Binds values in order.
pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
        };
    }
    q
}

/// Runs a paged listing: counts the rows of `from` (a `FROM … WHERE …` clause using
/// `binds`), then fetches one page of `columns` in `order`, mapping each row.
pub(crate) async fn fetch_page<T>(
    db: &mut crate::db::Db,
    columns: &str,
    from: &str,
    mut binds: Vec<Bind>,
    order: &str,
    page: Page,
    map: fn(&AnyRow) -> Result<T>,
) -> Result<Paged<T>> {
    let count = format!("SELECT COUNT(*) AS n {from}");
    let total: i64 = bind_all(sqlx::query(sqlx::AssertSqlSafe(count)), &binds)
        .fetch_one(&mut *db)
        .await?
        .try_get("n")?;
    let n = binds.len();
    let sql = format!(
        "SELECT {columns} {from} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    binds.extend([Bind::Int(page.limit), Bind::Int(page.offset)]);
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    let items = rows.iter().map(map).collect::<Result<_>>()?;
    Ok(Paged {
        items,
        total,
        offset: page.offset,
        limit: page.limit,
    })
}

/// Fetches the one row with id `$1` that `sql` selects, where `sql` ends in the `WHERE` of a
/// scope clause whose binds follow from `$2`; a row outside the scope is `NotFound(what)`,
/// exactly like a missing one.
pub(crate) async fn fetch_scoped(
    db: &mut crate::db::Db,
    sql: String,
    id: &str,
    clause: crate::scope::Clause,
    what: &'static str,
) -> Result<AnyRow> {
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound(what))
}
