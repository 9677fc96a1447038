//! Server-side sessions. Only a SHA-256 hash of each session id is stored, so a copy of the
//! database does not let anyone take over a session.

use crate::Result;
use crate::db::Db;
use crate::records::{Organisation, User, flag};
use crate::{orgs, users};
use sqlx::{AssertSqlSafe, Row};
use std::sync::LazyLock;

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The signed-in user.
    pub user_id: String,
    /// The password was right but the second factor is still due.
    pub mfa_pending: bool,
    /// Created, Unix µs.
    pub created_at: i64,
    /// Expires, Unix µs.
    pub expires_at: i64,
}

/// Stores a new session.
pub async fn create(
    db: &mut Db,
    id_hash: &str,
    user_id: &str,
    mfa_pending: bool,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, mfa_pending, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(id_hash.to_owned())
    .bind(user_id.to_owned())
    .bind(i64::from(mfa_pending))
    .bind(now)
    .bind(expires_at)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The session with this id hash, if it has not expired.
pub async fn get(db: &mut Db, id_hash: &str, now: i64) -> Result<Option<Session>> {
    let row = sqlx::query("SELECT user_id, mfa_pending, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(id_hash.to_owned())
        .bind(now)
        .fetch_optional(&mut *db)
        .await?;
    row.map(|row| {
        Ok(Session {
            user_id: row.try_get("user_id")?,
            mfa_pending: flag(&row, "mfa_pending")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// A live session with its user and the user's organisation, as every request resolves
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The session.
    pub session: Session,
    /// Its user (without credentials).
    pub user: User,
    /// The user's organisation.
    pub org: Organisation,
}

/// The session with this id hash if it has not expired, with its user and organisation,
/// in one statement: every signed-in request runs this, so it costs one round trip to the
/// database instead of three. Whether the user and organisation are active is the
/// caller's decision; a revoked or expired session is simply not found.
pub async fn resolve(db: &mut Db, id_hash: &str, now: i64) -> Result<Option<Resolved>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT s.user_id, s.mfa_pending AS s_mfa_pending, s.created_at AS s_created_at, \
             s.expires_at AS s_expires_at, {}, {} FROM sessions s \
             JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2",
            users::COLUMNS,
            orgs::JOINED_COLUMNS
        )
    });
    let row = sqlx::query(AssertSqlSafe(SQL.as_str()))
        .bind(id_hash.to_owned())
        .bind(now)
        .fetch_optional(&mut *db)
        .await?;
    row.map(|row| {
        Ok(Resolved {
            session: Session {
                user_id: row.try_get("user_id")?,
                mfa_pending: flag(&row, "s_mfa_pending")?,
                created_at: row.try_get("s_created_at")?,
                expires_at: row.try_get("s_expires_at")?,
            },
            user: users::from_row(&row)?,
            org: orgs::from_joined_row(&row)?,
        })
    })
    .transpose()
}

/// Extends a session (sliding expiry), never past `max_expires_at`.
pub async fn touch(db: &mut Db, id_hash: &str, now: i64, expires_at: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1")
        .bind(id_hash.to_owned())
        .bind(now)
        .bind(expires_at)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn delete(db: &mut Db, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Ends every session of a user (password change, deactivation).
pub async fn delete_for_user(db: &mut Db, user_id: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected())
}

/// Removes expired sessions.
pub async fn purge_expired(db: &mut Db, now: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected())
}
