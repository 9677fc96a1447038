//! Login attempts by source address, for throttling across accounts.

use crate::db::Db;
use crate::{Result, new_id};
use sqlx::Row;

/// Records an attempt.
pub async fn record(
    db: &mut Db,
    source_ip: &str,
    login: &str,
    success: bool,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_attempts (id, at, source_ip, login, success) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(at)
        .bind(source_ip.to_owned())
        .bind(login.chars().take(128).collect::<String>())
        .bind(i64::from(success))
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Failed attempts from `source_ip` since `since` (Unix µs).
pub async fn failures_since(db: &mut Db, source_ip: &str, since: i64) -> Result<u32> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE source_ip = $1 AND at >= $2 AND success = 0")
        .bind(source_ip.to_owned())
        .bind(since)
        .fetch_one(&mut *db)
        .await?
        .try_get("n")?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Removes attempts older than `before`.
pub async fn purge(db: &mut Db, before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM login_attempts WHERE at < $1")
        .bind(before)
        .execute(&mut *db)
        .await?;
    Ok(done.rows_affected())
}

/// Counts one attempt against `key` and returns the attempts in the key's current window,
/// this one included. One statement, so parallel attempts each see a distinct count (the
/// row lock on PostgreSQL, the database lock on SQLite); a window older than `window_us`
/// restarts at this attempt.
pub async fn count_attempt(db: &mut Db, key: &str, now: i64, window_us: i64) -> Result<u32> {
    let n: i64 = sqlx::query(
        "INSERT INTO login_counters (key, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
         attempts = CASE WHEN login_counters.window_start < $3 THEN 1 ELSE login_counters.attempts + 1 END, \
         window_start = CASE WHEN login_counters.window_start < $3 THEN $2 ELSE login_counters.window_start END \
         RETURNING attempts",
    )
    .bind(key.chars().take(200).collect::<String>())
    .bind(now)
    .bind(now - window_us)
    .fetch_one(&mut *db)
    .await?
    .try_get("attempts")?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Takes back one counted attempt (it succeeded), never below zero.
pub async fn uncount_attempt(db: &mut Db, key: &str) -> Result<()> {
    sqlx::query(
        "UPDATE login_counters SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
    )
    .bind(key.chars().take(200).collect::<String>())
    .execute(&mut *db)
    .await?;
    Ok(())
}
