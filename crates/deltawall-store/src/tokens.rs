//! API tokens for machine clients. Only a SHA-256 hash of each token is stored.

use crate::db::Db;
use crate::keyset::{self, Cursor, Dir, Key, KeysetPage, Kind};
use crate::records::{Bind, bind_all, code};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::OrgScope;
use deltawall_domain::access::TokenScope;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// The user it acts for.
    pub user_id: String,
    /// A name to recognise it by.
    pub name: String,
    /// The first characters of the token, to recognise it by.
    pub prefix: String,
    /// What it may do.
    pub scope: TokenScope,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Expires, Unix µs.
    pub expires_at: i64,
    /// Last used, Unix µs.
    pub last_used_at: Option<i64>,
    /// Revoked, Unix µs.
    pub revoked_at: Option<i64>,
}

/// What is needed to store a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Organisation.
    pub org_id: String,
    /// The user it acts for.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// First characters of the token.
    pub prefix: String,
    /// Scope.
    pub scope: TokenScope,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Expires, Unix µs.
    pub expires_at: i64,
}

const COLUMNS: &str = "t.id, t.org_id, t.user_id, t.name, t.prefix, t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scope: code(row, "api_tokens", "scope", TokenScope::from_code)?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Stores a token; returns its id.
pub async fn create(db: &mut Db, t: &NewToken) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO api_tokens (id, org_id, user_id, name, token_hash, prefix, scope, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.clone())
    .bind(t.org_id.clone())
    .bind(t.user_id.clone())
    .bind(t.name.clone())
    .bind(t.token_hash.clone())
    .bind(t.prefix.clone())
    .bind(t.scope.code())
    .bind(t.created_at)
    .bind(t.expires_at)
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// The token with this hash if it is neither expired nor revoked; marks it used.
pub async fn use_token(db: &mut Db, token_hash: &str, now: i64) -> Result<Option<ApiToken>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens t WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(token_hash.to_owned())
        .bind(now)
        .fetch_optional(&mut *db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let token = from_row(&row)?;
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(token.id.clone())
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(Some(token))
}

/// Tokens of an organisation within `scope`, newest first.
pub async fn list(db: &mut Db, scope: &OrgScope, org_id: &str) -> Result<Vec<ApiToken>> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens t JOIN organisations o ON o.id = t.org_id WHERE t.org_id = $1 AND {} ORDER BY {}",
        clause.sql,
        keyset::order_by(ORDER)
    );
    let mut binds = vec![Bind::Text(org_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The order of token lists: newest first, then by id (unique).
const ORDER: &[keyset::Col] = &[
    ("t.created_at", Dir::Desc, Kind::Int),
    ("t.id", Dir::Asc, Kind::Text),
];

/// One page of [`list`], starting after `after`.
pub async fn page(
    db: &mut Db,
    scope: &OrgScope,
    org_id: &str,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<KeysetPage<ApiToken>> {
    let clause = org_clause(scope, 2);
    let mut binds = vec![Bind::Text(org_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let query = keyset::Query {
        select: format!(
            "SELECT {COLUMNS} FROM api_tokens t JOIN organisations o ON o.id = t.org_id \
             WHERE t.org_id = $1 AND {}",
            clause.sql
        ),
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |t| {
            vec![Key::Int(t.created_at), Key::Text(t.id.clone())]
        })
        .await
}

/// Revokes a token of an organisation within `scope`.
pub async fn revoke(db: &mut Db, scope: &OrgScope, id: &str, now: i64) -> Result<ApiToken> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens t JOIN organisations o ON o.id = t.org_id WHERE t.id = $1 AND {}",
        clause.sql
    );
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("token"))?;
    let token = from_row(&row)?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id.to_owned())
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(token)
}
