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

mod incident_tables;

/// A table and its columns, as the backup reads and writes them.
pub(crate) type Table = (&'static str, &'static [(&'static str, Kind)]);

/// Every table, parents before children, with its columns.
const BASE_TABLES: &[Table] = &[
    ("settings", &[("key", Text), ("value", Text)]),
    (
        "organisations",
        &[
            ("id", Text),
            ("name_ja", Text),
            ("name_en", Text),
            ("kind", Text),
            ("business_type", Text),
            ("region", Text),
            ("parent_id", Text),
            ("active", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "org_attributes",
        &[
            ("id", Text),
            ("org_id", Text),
            ("kind", Text),
            ("value", Text),
            ("valid_from", Int),
            ("valid_to", Int),
            ("recorded_at", Int),
            ("recorded_by", Text),
        ],
    ),
    (
        "users",
        &[
            ("id", Text),
            ("org_id", Text),
            ("login", Text),
            ("display_name", Text),
            ("email", Text),
            ("role", Text),
            ("password_hash", Text),
            ("totp_secret", Text),
            ("totp_enabled", Int),
            ("lang", Text),
            ("active", Int),
            ("failed_logins", Int),
            ("locked_until", Int),
            ("last_login_at", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "sessions",
        &[
            ("id_hash", Text),
            ("user_id", Text),
            ("mfa_pending", Int),
            ("created_at", Int),
            ("expires_at", Int),
            ("last_seen_at", Int),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", Text),
            ("org_id", Text),
            ("user_id", Text),
            ("name", Text),
            ("token_hash", Text),
            ("prefix", Text),
            ("scope", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("last_used_at", Int),
            ("revoked_at", Int),
        ],
    ),
    (
        "login_counters",
        &[("key", Text), ("window_start", Int), ("attempts", Int)],
    ),
    (
        "login_attempts",
        &[
            ("id", Text),
            ("at", Int),
            ("source_ip", Text),
            ("login", Text),
            ("success", Int),
        ],
    ),
    (
        "taxii_api_roots",
        &[
            ("id", Text),
            ("title", Text),
            ("description", Text),
            ("kind", Text),
            ("created_at", Int),
            ("closed_at", Int),
            ("manager_org", Text),
        ],
    ),
    (
        "taxii_collections",
        &[
            ("id", Text),
            ("api_root", Text),
            ("title", Text),
            ("description", Text),
            ("alias", Text),
            ("last_added", Int),
            ("created_at", Int),
        ],
    ),
    (
        "taxii_grants",
        &[
            ("collection_id", Text),
            ("grantee", Text),
            ("can_read", Int),
            ("can_write", Int),
            ("recipient", Int),
        ],
    ),
    (
        "taxii_objects",
        &[
            ("collection_id", Text),
            ("date_added", Int),
            ("stix_id", Text),
            ("version", Text),
            ("version_us", Int),
            ("spec_version", Text),
            ("type", Text),
            ("tlp", Text),
            ("markings", Text),
            ("json", Text),
            ("origin_org", Text),
            ("added_by", Text),
        ],
    ),
    (
        "taxii_recipients",
        &[
            ("collection_id", Text),
            ("date_added", Int),
            ("org_id", Text),
        ],
    ),
    (
        "taxii_feedback",
        &[
            ("collection_id", Text),
            ("stix_id", Text),
            ("target_id", Text),
            ("version_us", Int),
            ("date_added", Int),
            ("kind", Text),
            ("sighting_count", Int),
            ("false_positive", Int),
            ("opinion", Text),
            ("seen_at", Int),
            ("named", Int),
            ("reporter_org", Text),
        ],
    ),
    (
        "taxii_status",
        &[
            ("id", Text),
            ("api_root", Text),
            ("org_id", Text),
            ("document", Text),
            ("created_at", Int),
        ],
    ),
    (
        "catalogs",
        &[
            ("id", Text),
            ("catalog_key", Text),
            ("version", Text),
            ("fingerprint", Text),
            ("document", Text),
            ("imported_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "catalog_migrations",
        &[
            ("id", Text),
            ("from_catalog", Text),
            ("to_catalog", Text),
            ("from_requirement", Text),
            ("to_requirement", Text),
            ("change", Text),
            ("created_at", Int),
        ],
    ),
    (
        "assessments",
        &[
            ("id", Text),
            ("org_id", Text),
            ("catalog_id", Text),
            ("kind", Text),
            ("scope", Text),
            ("as_of", Text),
            ("cycle", Int),
            ("previous_id", Text),
            ("status", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("submitted_at", Int),
        ],
    ),
    (
        "evidence",
        &[
            ("id", Text),
            ("org_id", Text),
            ("filename", Text),
            ("content_type", Text),
            ("size", Int),
            ("sha256", Text),
            ("collected_on", Text),
            ("effective_from", Text),
            ("effective_to", Text),
            ("owner", Text),
            ("tlp", Text),
            ("retention_until", Text),
            ("supersedes", Text),
            ("uploaded_by", Text),
            ("created_at", Int),
            ("content", Bytes),
        ],
    ),
    (
        "assessment_results",
        &[
            ("id", Text),
            ("assessment_id", Text),
            ("requirement_id", Text),
            ("revision", Int),
            ("result", Text),
            ("justification", Text),
            ("maturity", Int),
            ("rationale", Text),
            ("confidence", Text),
            ("evidence_refs", Text),
            ("carried", Int),
            ("answered_by", Text),
            ("reviewed_by", Text),
            ("recorded_at", Int),
        ],
    ),
    (
        "risks",
        &[
            ("id", Text),
            ("org_id", Text),
            ("title", Text),
            ("asset", Text),
            ("requirement_id", Text),
            ("inherent_likelihood", Int),
            ("inherent_impact", Int),
            ("residual_likelihood", Int),
            ("residual_impact", Int),
            ("owner", Text),
            ("treatment", Text),
            ("review_on", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "findings",
        &[
            ("id", Text),
            ("org_id", Text),
            ("origin", Text),
            ("origin_ref", Text),
            ("title", Text),
            ("description", Text),
            ("requirement_ids", Text),
            ("severity", Text),
            ("state", Text),
            ("owner_user", Text),
            ("due_on", Text),
            ("document", Text),
            ("version", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "finding_events",
        &[
            ("id", Text),
            ("finding_id", Text),
            ("seq", Int),
            ("at_us", Int),
            ("actor_user", Text),
            ("command", Text),
            ("from_state", Text),
            ("to_state", Text),
        ],
    ),
    (
        "finding_milestones",
        &[
            ("id", Text),
            ("finding_id", Text),
            ("title", Text),
            ("owner", Text),
            ("due_on", Text),
            ("done_at", Int),
            ("created_at", Int),
        ],
    ),
    (
        "catalog_audience",
        &[
            ("catalog_id", Text),
            ("audience", Text),
            ("granted_at", Int),
        ],
    ),
    (
        "mapping_sets",
        &[
            ("id", Text),
            ("title", Text),
            ("from_catalog", Text),
            ("to_catalog", Text),
            ("provenance", Text),
            ("fingerprint", Text),
            ("owner_org", Text),
            ("imported_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "mapping_entries",
        &[
            ("id", Text),
            ("set_id", Text),
            ("position", Int),
            ("from_requirement", Text),
            ("to_requirement", Text),
            ("relationship", Text),
            ("strength", Int),
            ("rationale", Text),
        ],
    ),
    (
        "result_derivations",
        &[
            ("result_id", Text),
            ("mapping_set_id", Text),
            ("source_assessment_id", Text),
            ("source_requirement_id", Text),
            ("relationship", Text),
        ],
    ),
    (
        "sup_weights",
        &[
            ("version", Int),
            ("effective_from", Text),
            ("document", Text),
            ("author", Text),
            ("created_at", Int),
        ],
    ),
    (
        "sup_engagements",
        &[
            ("id", Text),
            ("org_id", Text),
            ("region", Text),
            ("method", Text),
            ("state", Text),
            ("planned_on", Text),
            ("completed_at", Int),
            ("document", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "sup_engagement_events",
        &[
            ("engagement_id", Text),
            ("seq", Int),
            ("at", Int),
            ("actor", Text),
            ("event", Text),
        ],
    ),
    (
        "sup_monitoring",
        &[
            ("id", Text),
            ("org_id", Text),
            ("monitored_on", Text),
            ("method", Text),
            ("engagement_id", Text),
            ("recorded_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "incidents",
        &[
            ("id", Text),
            ("org_id", Text),
            ("occurred_on", Text),
            ("attack_type", Text),
            ("severity", Text),
            ("summary", Text),
            ("reported_by", Text),
            ("reported_at", Int),
            ("title", Text),
            ("category", Text),
            ("priority", Text),
            ("phase", Text),
            ("exercise", Int),
            ("recognised_at", Int),
            ("classified_major_at", Int),
            ("recovered_at", Int),
            ("root_cause_at", Int),
            ("case_doc", Text),
            ("version", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "exercises",
        &[
            ("id", Text),
            ("organiser", Text),
            ("name_ja", Text),
            ("name_en", Text),
            ("held_on", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "exercise_participants",
        &[
            ("exercise_id", Text),
            ("org_id", Text),
            ("reviewed", Int),
            ("recorded_by", Text),
            ("recorded_at", Int),
            ("track", Text),
        ],
    ),
    (
        "sup_requests",
        &[
            ("id", Text),
            ("issuer_org", Text),
            ("deadline", Int),
            ("sent_at", Int),
            ("document", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "sup_request_tasks",
        &[
            ("id", Text),
            ("request_id", Text),
            ("org_id", Text),
            ("state", Text),
            ("document", Text),
            ("updated_at", Int),
        ],
    ),
    (
        "sup_task_events",
        &[
            ("task_id", Text),
            ("seq", Int),
            ("at", Int),
            ("actor", Text),
            ("event", Text),
        ],
    ),
    (
        "sup_alerts",
        &[
            ("id", Text),
            ("issuer_org", Text),
            ("respond_by", Int),
            ("sent_at", Int),
            ("document", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
    ),
    ("sup_alert_targets", &[("alert_id", Text), ("org_id", Text)]),
    (
        "sup_alert_acks",
        &[
            ("id", Text),
            ("alert_id", Text),
            ("org_id", Text),
            ("at", Int),
            ("by_user", Text),
            ("document", Text),
        ],
    ),
    (
        "sup_reminders",
        &[
            ("subject_kind", Text),
            ("subject_id", Text),
            ("org_id", Text),
            ("reminder", Text),
            ("sent_at", Int),
        ],
    ),
    (
        "sup_task_drafts",
        &[
            ("task_id", Text),
            ("org_id", Text),
            ("document", Text),
            ("updated_by", Text),
            ("updated_at", Int),
        ],
    ),
    (
        "attack_releases",
        &[
            ("version", Text),
            ("domain", Text),
            ("tactics", Text),
            ("imported_by", Text),
            ("imported_at", Int),
        ],
    ),
    (
        "attack_techniques",
        &[
            ("version", Text),
            ("technique_id", Text),
            ("stix_id", Text),
            ("name", Text),
            ("tactics", Text),
            ("object_version", Text),
            ("parent_id", Text),
            ("deprecated", Int),
            ("revoked", Int),
            ("revoked_by", Text),
        ],
    ),
    (
        "attack_mappings",
        &[
            ("id", Text),
            ("org_id", Text),
            ("subject_kind", Text),
            ("subject_id", Text),
            ("technique_id", Text),
            ("attack_version", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
    ),
    (
        "tlpt_engagements",
        &[
            ("id", Text),
            ("org_id", Text),
            ("title", Text),
            ("phase", Text),
            ("state", Text),
            ("seq", Int),
            ("created_by", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "tlpt_members",
        &[("engagement_id", Text), ("user_id", Text), ("role", Text)],
    ),
    (
        "tlpt_events",
        &[
            ("engagement_id", Text),
            ("seq", Int),
            ("actor", Text),
            ("role", Text),
            ("phase", Text),
            ("kind", Text),
            ("command", Text),
            ("at_us", Int),
        ],
    ),
    (
        "audit_log",
        &[
            ("seq", Int),
            ("at_us", Int),
            ("actor_user", Text),
            ("org_id", Text),
            ("action", Text),
            ("object_type", Text),
            ("object_id", Text),
            ("summary", Text),
            ("source_ip", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
    ),
];

/// Every table in restore order: the foundation's, then those of later migrations (each
/// referencing only earlier ones).
fn all_tables() -> impl Iterator<Item = &'static Table> {
    BASE_TABLES
        .iter()
        .chain(incident_tables::TABLES)
        .chain(crate::exercises::BACKUP_TABLES)
        .chain(crate::jobs::BACKUP_TABLES)
        .chain(crate::sup_facts::BACKUP_TABLES)
        .chain(crate::incidents::board_kept::BACKUP_TABLES)
        .chain(crate::vuln::BACKUP_TABLES)
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
