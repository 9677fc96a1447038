//! Instance-wide key-value settings.

use crate::Result;
use crate::db::Db;
use sqlx::Row;

/// Sets a value.
pub async fn put(db: &mut Db, key: &str, value: &str) -> Result<()> {
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key.to_owned())
        .execute(&mut *db)
        .await?;
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
        .bind(key.to_owned())
        .bind(value.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Reads a value.
pub async fn get(db: &mut Db, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key.to_owned())
        .fetch_optional(&mut *db)
        .await?;
    Ok(row.map(|r| r.try_get("value")).transpose()?)
}

/// Removes a value.
pub async fn delete(db: &mut Db, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}
