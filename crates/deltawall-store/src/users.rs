//! User accounts.

use crate::db::Db;
use crate::records::{Bind, Page, Paged, User, bind_all, code, conflict, fetch_page, flag, now_us};
use crate::scope::org_clause;
use crate::{Result, StoreError, new_id};
use deltawall_domain::OrgScope;
use deltawall_domain::role::Role;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// What is needed to create a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Organisation.
    pub org_id: String,
    /// Unique login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string; never the password itself.
    pub password_hash: String,
    /// Preferred language.
    pub lang: Option<String>,
}

/// What authentication needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Base32 TOTP secret, when a second factor is set up (enabled or pending).
    pub totp_secret: Option<String>,
    /// Consecutive failed logins.
    pub failed_logins: i64,
    /// Locked until, Unix µs.
    pub locked_until: Option<i64>,
}

pub(crate) const COLUMNS: &str = "u.id, u.org_id, u.login, u.display_name, u.email, u.role, u.totp_enabled, u.lang, \
                       u.active, u.last_login_at, u.created_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        role: code(row, "users", "role", Role::from_code)?,
        totp_enabled: flag(row, "totp_enabled")?,
        lang: row.try_get("lang")?,
        active: flag(row, "active")?,
        last_login_at: row.try_get("last_login_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Creates a user; a taken login name is a [`StoreError::Conflict`].
pub async fn create(db: &mut Db, new: &NewUser) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, org_id, login, display_name, email, role, password_hash, lang, active, \
         failed_logins, totp_enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 0, 0, $9, $9)",
    )
    .bind(id.clone())
    .bind(new.org_id.clone())
    .bind(new.login.clone())
    .bind(new.display_name.clone())
    .bind(new.email.clone())
    .bind(new.role.code())
    .bind(new.password_hash.clone())
    .bind(new.lang.clone())
    .bind(now_us())
    .execute(&mut *db)
    .await
    .map_err(conflict("login name"))?;
    Ok(id)
}

/// One user whose organisation is within `scope`.
pub async fn get(db: &mut Db, scope: &OrgScope, id: &str) -> Result<User> {
    let clause = org_clause(scope, 2);
    let sql = format!(
        "SELECT {COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1 AND {}",
        clause.sql
    );
    let mut binds = vec![Bind::Text(id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    from_row(&row)
}

/// Every user of organisation `org_id` within `scope`, read [`Page::MAX_LIMIT`] a page so
/// none is left out: for lists used whole (names shown beside ids, owners to choose from).
pub async fn all_by_org(db: &mut Db, scope: &OrgScope, org_id: &str) -> Result<Vec<User>> {
    let mut out: Vec<User> = Vec::new();
    loop {
        let page = Page::new(out.len() as i64, Page::MAX_LIMIT);
        let p = list_by_org(db, scope, org_id, page).await?;
        let got = p.items.len();
        out.extend(p.items);
        if got == 0 || out.len() as i64 >= p.total {
            return Ok(out);
        }
    }
}

/// The users of one organisation, if it is within `scope`, by login name.
pub async fn list_by_org(
    db: &mut Db,
    scope: &OrgScope,
    org_id: &str,
    page: Page,
) -> Result<Paged<User>> {
    let clause = org_clause(scope, 2);
    let from = format!(
        "FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.org_id = $1 AND {}",
        clause.sql
    );
    let mut binds = vec![Bind::Text(org_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    fetch_page(db, COLUMNS, &from, binds, "u.login", page, from_row).await
}

/// The order of a user list: by login name, then id.
const ORDER: &[crate::keyset::Col] = &[
    (
        "u.login",
        crate::keyset::Dir::Asc,
        crate::keyset::Kind::Text,
    ),
    ("u.id", crate::keyset::Dir::Asc, crate::keyset::Kind::Text),
];

/// One page of the users of one organisation, if it is within `scope`, in
/// [`list_by_org`]'s order, starting after `after`.
pub async fn page_by_org(
    db: &mut Db,
    scope: &OrgScope,
    org_id: &str,
    after: Option<&crate::keyset::Cursor>,
    limit: i64,
) -> Result<crate::keyset::KeysetPage<User>> {
    use crate::keyset::Key;
    let clause = org_clause(scope, 2);
    let mut binds = vec![Bind::Text(org_id.to_owned())];
    binds.extend(clause.binds.into_iter().map(Bind::Text));
    let query = crate::keyset::Query {
        select: format!(
            "SELECT {COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id \
             WHERE u.org_id = $1 AND {}",
            clause.sql
        ),
        binds,
        order: ORDER,
    };
    query
        .page(db, after, limit, from_row, |u| {
            vec![Key::Text(u.login.clone()), Key::Text(u.id.clone())]
        })
        .await
}

async fn credentials_where(
    db: &mut Db,
    cond: &'static str,
    value: &str,
) -> Result<Option<Credentials>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.password_hash, u.totp_secret, u.failed_logins, u.locked_until FROM users u WHERE {cond}"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(value.to_owned())
        .fetch_optional(&mut *db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Credentials {
        user: from_row(&row)?,
        password_hash: row.try_get("password_hash")?,
        totp_secret: row.try_get("totp_secret")?,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: row.try_get("locked_until")?,
    }))
}

/// An account by login name, for authentication; the name is matched without regard to
/// case (one account per name whatever its case, migration 0017).
pub async fn credentials_by_login(db: &mut Db, login: &str) -> Result<Option<Credentials>> {
    credentials_where(db, "lower(u.login) = lower($1)", login).await
}

/// An account by id, for authentication (second factor, password change).
pub async fn credentials_by_id(db: &mut Db, id: &str) -> Result<Option<Credentials>> {
    credentials_where(db, "u.id = $1", id).await
}

/// Records a failed login: the new consecutive count and lock.
pub async fn record_failure(
    db: &mut Db,
    id: &str,
    failures: i64,
    locked_until: Option<i64>,
) -> Result<()> {
    sqlx::query("UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1")
        .bind(id.to_owned())
        .bind(failures)
        .bind(locked_until)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Records a successful login: resets the failure count and lock.
pub async fn record_success(db: &mut Db, id: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2 WHERE id = $1",
    )
    .bind(id.to_owned())
    .bind(at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

async fn set(db: &mut Db, id: &str, sql: &'static str, value: Bind) -> Result<()> {
    let q = sqlx::query(sql).bind(id.to_owned());
    let q = bind_all(q, &[value, Bind::Int(now_us())]);
    if q.execute(&mut *db).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound("user"));
    }
    Ok(())
}

/// Replaces the password hash (and clears any lock).
pub async fn set_password(db: &mut Db, id: &str, hash: &str) -> Result<()> {
    let sql = "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1";
    set(db, id, sql, Bind::Text(hash.to_owned())).await
}

/// Changes the role.
pub async fn set_role(db: &mut Db, id: &str, role: Role) -> Result<()> {
    set(
        db,
        id,
        "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1",
        Bind::Text(role.code().into()),
    )
    .await
}

/// Activates or deactivates the account.
pub async fn set_active(db: &mut Db, id: &str, active: bool) -> Result<()> {
    set(
        db,
        id,
        "UPDATE users SET active = $2, updated_at = $3 WHERE id = $1",
        Bind::Int(active.into()),
    )
    .await
}

/// Sets the preferred language.
pub async fn set_lang(db: &mut Db, id: &str, lang: &str) -> Result<()> {
    set(
        db,
        id,
        "UPDATE users SET lang = $2, updated_at = $3 WHERE id = $1",
        Bind::Text(lang.to_owned()),
    )
    .await
}

/// Stores a TOTP secret, pending until [`enable_totp`].
pub async fn set_totp_secret(db: &mut Db, id: &str, secret: Option<&str>) -> Result<()> {
    let q = sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_enabled = 0, updated_at = $3 WHERE id = $1",
    )
    .bind(id.to_owned())
    .bind(secret.map(str::to_owned))
    .bind(now_us());
    q.execute(&mut *db).await?;
    Ok(())
}

/// Every stored TOTP secret as `(user id, stored value)`, to seal those still in clear.
pub async fn totp_secrets(db: &mut Db) -> Result<Vec<(String, String)>> {
    let rows =
        sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id")
            .fetch_all(&mut *db)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("totp_secret")?)))
        .collect()
}

/// Replaces the stored form of a TOTP secret (sealing it) without changing whether the
/// second factor is on.
pub async fn replace_totp_secret(db: &mut Db, id: &str, stored: &str) -> Result<()> {
    sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1")
        .bind(id.to_owned())
        .bind(stored.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Turns the stored TOTP secret on as a required second factor.
pub async fn enable_totp(db: &mut Db, id: &str) -> Result<()> {
    sqlx::query("UPDATE users SET totp_enabled = 1, updated_at = $2 WHERE id = $1 AND totp_secret IS NOT NULL")
        .bind(id.to_owned())
        .bind(now_us())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Number of active administrators of an organisation (to refuse removing the last one).
pub async fn count_active_admins(db: &mut Db, org_id: &str) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE org_id = $1 AND role = 'admin' AND active = 1",
    )
    .bind(org_id.to_owned())
    .fetch_one(&mut *db)
    .await?
    .try_get("n")?)
}

/// Number of users in total; zero means the instance still needs its first administrator.
pub async fn count(db: &mut Db) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&mut *db)
        .await?
        .try_get("n")?)
}

/// Counts one more consecutive failed sign-in, atomically; returns the new count.
pub async fn count_failure(db: &mut Db, id: &str) -> Result<i64> {
    let row = sqlx::query(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
    )
    .bind(id.to_owned())
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    Ok(row.try_get("failed_logins")?)
}

/// Locks the account until `until` (Unix µs).
pub async fn lock(db: &mut Db, id: &str, until: i64) -> Result<()> {
    sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1")
        .bind(id.to_owned())
        .bind(until)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Counts a sign-in attempt on an account before its password is checked, in one statement
/// (so parallel attempts each get a distinct count): returns the consecutive attempts
/// without success, this one included, and the lock still in force. An expired lock is
/// lifted and the count restarts at this attempt.
pub async fn reserve_attempt(db: &mut Db, id: &str, now: i64) -> Result<(i64, Option<i64>)> {
    let row = sqlx::query(
        "UPDATE users SET \
         failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_logins + 1 END, \
         locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN NULL ELSE locked_until END \
         WHERE id = $1 RETURNING failed_logins, locked_until",
    )
    .bind(id.to_owned())
    .bind(now)
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    Ok((row.try_get("failed_logins")?, row.try_get("locked_until")?))
}

/// Accepts a TOTP time step for an account once: false when this step or a later one was
/// already used (a replayed code).
pub async fn use_totp_step(db: &mut Db, id: &str, step: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
         AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(id.to_owned())
    .bind(step)
    .execute(&mut *db)
    .await?;
    Ok(done.rows_affected() == 1)
}
