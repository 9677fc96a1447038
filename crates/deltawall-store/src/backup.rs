//! Logical backup and restore that round-trip a live database, on either backend.
//!
//! A backup is one JSON document with every row of every table, read in one transaction so
//! it is a consistent snapshot. Restoring writes all rows into an empty, migrated database
//! in one transaction: it is all or nothing. Because the format is logical, a SQLite backup
//! restores into PostgreSQL and the other way round.

use crate::db::Db;
use crate::{Result, Store, StoreError};
use serde_json::{Map, Value};
use sqlx::{AssertSqlSafe, Row};

/// Column kinds, so values are bound with the right type on restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    /// Binary content (evidence files), written as lowercase hex.
    Bytes,
}
use Kind::{Bytes, Int, Text};

mod base_tables;
mod incident_tables;

/// A table and its columns, as the backup reads and writes them.
pub(crate) type Table = (&'static str, &'static [(&'static str, Kind)]);

/// Every table in restore order: the foundation's, then those of later migrations (each
/// referencing only earlier ones).
fn all_tables() -> impl Iterator<Item = &'static Table> {
    base_tables::TABLES
        .iter()
        .chain(incident_tables::TABLES)
        .chain(crate::exercises::BACKUP_TABLES)
        .chain(crate::jobs::BACKUP_TABLES)
        .chain(crate::sup_facts::BACKUP_TABLES)
        .chain(crate::incidents::board_kept::BACKUP_TABLES)
        .chain(crate::vuln::BACKUP_TABLES)
        .chain(crate::vuln::contracts::BACKUP_TABLES)
        .chain(crate::sup_tally::BACKUP_TABLES)
}

/// The names of the tables a backup covers.
pub fn table_names() -> Vec<&'static str> {
    all_tables().map(|t| t.0).collect()
}

const FORMAT: &str = "deltawall-backup/1";

/// Reads every table into a backup document.
pub async fn export(store: &Store) -> Result<Value> {
    let mut tx = store.write().await?;
    let mut tables = Map::new();
    for (table, columns) in all_tables() {
        tables.insert(
            (*table).to_owned(),
            Value::Array(export_table(&mut tx, table, columns).await?),
        );
    }
    tx.rollback().await?;
    let mut doc = Map::new();
    doc.insert("format".into(), FORMAT.into());
    doc.insert("schema_versions".into(), crate::migrate::versions().into());
    doc.insert("tables".into(), Value::Object(tables));
    Ok(Value::Object(doc))
}

async fn export_table(db: &mut Db, table: &str, columns: &[(&str, Kind)]) -> Result<Vec<Value>> {
    let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {}",
        names.join(", "),
        names[0]
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *db).await?;
    rows.iter()
        .map(|row| {
            let mut out = Vec::with_capacity(columns.len());
            for (name, kind) in columns {
                out.push(match kind {
                    Text => row
                        .try_get::<Option<String>, _>(*name)?
                        .map_or(Value::Null, Value::from),
                    Int => row
                        .try_get::<Option<i64>, _>(*name)?
                        .map_or(Value::Null, Value::from),
                    Bytes => row
                        .try_get::<Option<Vec<u8>>, _>(*name)?
                        .map_or(Value::Null, |b| Value::from(hex::encode(b))),
                });
            }
            Ok(Value::Array(out))
        })
        .collect()
}

/// Writes a backup document into an empty database, all or nothing.
pub async fn restore(store: &Store, doc: &Value) -> Result<u64> {
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(StoreError::Backup(format!("not a {FORMAT} document")));
    }
    let tables = doc
        .get("tables")
        .and_then(Value::as_object)
        .ok_or(StoreError::Backup("missing `tables`".into()))?;
    let mut tx = store.write().await?;
    let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if existing > 0 {
        return Err(StoreError::Backup(
            "the target database is not empty".into(),
        ));
    }
    let mut restored = 0;
    for (table, columns) in all_tables() {
        let rows = match tables.get(*table) {
            Some(Value::Array(rows)) => rows,
            None => continue,
            Some(_) => {
                return Err(StoreError::Backup(format!(
                    "`tables.{table}` is not a list"
                )));
            }
        };
        restored += restore_table(&mut tx, table, columns, rows).await?;
    }
    tx.commit().await?;
    Ok(restored)
}

async fn restore_table(
    db: &mut Db,
    table: &str,
    columns: &[(&str, Kind)],
    rows: &[Value],
) -> Result<u64> {
    let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let params: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        params.join(", ")
    );
    for (i, row) in rows.iter().enumerate() {
        let bad = |what: &str| StoreError::Backup(format!("tables.{table}[{i}]: {what}"));
        let values = row
            .as_array()
            .filter(|v| v.len() == columns.len())
            .ok_or_else(|| bad("wrong number of columns"))?;
        let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
        for ((name, kind), v) in columns.iter().zip(values) {
            q = match (kind, v) {
                (Text, Value::Null) => q.bind(None::<String>),
                (Int, Value::Null) => q.bind(None::<i64>),
                (Bytes, Value::Null) => q.bind(None::<Vec<u8>>),
                (Bytes, Value::String(s)) => {
                    q.bind(hex::decode(s).map_err(|_| bad(&format!("{name}: not hexadecimal")))?)
                }
                (Text, Value::String(s)) => q.bind(s.clone()),
                (Int, Value::Number(n)) => q.bind(
                    n.as_i64()
                        .ok_or_else(|| bad(&format!("{name}: not an integer")))?,
                ),
                _ => return Err(bad(&format!("{name}: wrong type"))),
            };
        }
        q.execute(&mut *db).await?;
    }
    Ok(rows.len() as u64)
}
