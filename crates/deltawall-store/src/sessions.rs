//! Server-side sessions. Only a SHA-256 hash of each session id is stored, so a copy of the
//! database does not let anyone take over a session.

use crate::Result;
use crate::db::Db;
use crate::records::flag;
use sqlx::Row;

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
