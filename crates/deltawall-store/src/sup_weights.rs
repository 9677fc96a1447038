//! Score weights of the supervisor's risk ranking, one row per version. Rows are only
//! inserted: the database refuses updates and deletes (migration 8), so every version that
//! ever ranked an institution can still be shown.

use crate::db::Db;
use crate::{Result, StoreError};
use deltawall_domain::supervision::score::ScoreWeights;
use sqlx::Row;

fn corrupt(value: &str) -> StoreError {
    StoreError::Corrupt {
        table: "sup_weights",
        column: "document",
        value: value.chars().take(80).collect(),
    }
}

/// Stores a new version. A version number used before is refused as a conflict, so two
/// supervisors saving at once cannot both become "version n".
pub async fn insert(db: &mut Db, weights: &ScoreWeights, at_us: i64) -> Result<()> {
    let doc = serde_json::to_string(weights).expect("weights always serialise");
    sqlx::query(
        "INSERT INTO sup_weights (version, effective_from, document, author, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(i64::from(weights.version))
    .bind(weights.effective_from.to_string())
    .bind(doc)
    .bind(weights.author.clone())
    .bind(at_us)
    .execute(&mut *db)
    .await
    .map_err(crate::records::conflict("this weights version"))?;
    Ok(())
}

/// Every version, oldest first.
pub async fn history(db: &mut Db) -> Result<Vec<ScoreWeights>> {
    let rows = sqlx::query("SELECT document FROM sup_weights ORDER BY version")
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            let doc: String = r.try_get("document")?;
            serde_json::from_str(&doc).map_err(|_| corrupt(&doc))
        })
        .collect()
}
