//! Embedded migrations, one directory per backend with the same version numbers.

use crate::Result;
use crate::db::{Backend, Db};
use sqlx::AssertSqlSafe;

/// `(version, description, sqlite, postgres)`.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "sharing",
        include_str!("../migrations/sqlite/0002_sharing.sql"),
        include_str!("../migrations/postgres/0002_sharing.sql"),
    ),
    (
        3,
        "sharing feedback",
        include_str!("../migrations/sqlite/0003_sharing_feedback.sql"),
        include_str!("../migrations/postgres/0003_sharing_feedback.sql"),
    ),
    (
        4,
        "sharing marking",
        include_str!("../migrations/sqlite/0004_sharing_marking.sql"),
        include_str!("../migrations/postgres/0004_sharing_marking.sql"),
    ),
    (
        5,
        "posture",
        include_str!("../migrations/sqlite/0005_posture.sql"),
        include_str!("../migrations/postgres/0005_posture.sql"),
    ),
    (
        6,
        "sharing recipients",
        include_str!("../migrations/sqlite/0006_sharing_recipients.sql"),
        include_str!("../migrations/postgres/0006_sharing_recipients.sql"),
    ),
    (
        7,
        "oscal imports and catalog mappings",
        include_str!("../migrations/sqlite/0007_oscal_mappings.sql"),
        include_str!("../migrations/postgres/0007_oscal_mappings.sql"),
    ),
    (
        8,
        "supervision",
        include_str!("../migrations/sqlite/0008_supervision.sql"),
        include_str!("../migrations/postgres/0008_supervision.sql"),
    ),
    (
        11,
        "supervision task drafts",
        include_str!("../migrations/sqlite/0011_sup_task_drafts.sql"),
        include_str!("../migrations/postgres/0011_sup_task_drafts.sql"),
    ),
    (
        12,
        "security: login counters, single-use totp codes",
        include_str!("../migrations/sqlite/0012_security.sql"),
        include_str!("../migrations/postgres/0012_security.sql"),
    ),
    (
        13,
        "incidents",
        include_str!("../migrations/sqlite/0013_incidents.sql"),
        include_str!("../migrations/postgres/0013_incidents.sql"),
    ),
    (
        14,
        "exercises played in the platform and contingency plans",
        include_str!("../migrations/sqlite/0014_exercises.sql"),
        include_str!("../migrations/postgres/0014_exercises.sql"),
    ),
    (
        16,
        "attack releases and tlpt engagements",
        include_str!("../migrations/sqlite/0016_attack_tlpt.sql"),
        include_str!("../migrations/postgres/0016_attack_tlpt.sql"),
    ),
    (
        17,
        "security: case-insensitive logins, trust group managers",
        include_str!("../migrations/sqlite/0017_security2.sql"),
        include_str!("../migrations/postgres/0017_security2.sql"),
    ),
    (
        18,
        "scheduled jobs: leases shared by replicas, one row per run",
        include_str!("../migrations/sqlite/0018_jobs.sql"),
        include_str!("../migrations/postgres/0018_jobs.sql"),
    ),
    (
        19,
        "vulnerability diagnosis: scope, imports, findings, decisions, enrichment",
        include_str!("../migrations/sqlite/0019_vulnerabilities.sql"),
        include_str!("../migrations/postgres/0019_vulnerabilities.sql"),
    ),
    (
        20,
        "supervision: per-institution facts kept up to date on write",
        include_str!("../migrations/sqlite/0020_sup_facts.sql"),
        include_str!("../migrations/postgres/0020_sup_facts.sql"),
    ),
    (
        21,
        "coordination rooms: relay messages with TLP, linked incident cases",
        include_str!("../migrations/sqlite/0021_coordination.sql"),
        include_str!("../migrations/postgres/0021_coordination.sql"),
    ),
    (
        24,
        "incident board: report stages owed, kept on write",
        include_str!("../migrations/sqlite/0024_incident_board.sql"),
        include_str!("../migrations/postgres/0024_incident_board.sql"),
    ),
    (
        25,
        "vulnerability diagnosis: outsourcing contracts, clause gaps, cloud responsibility",
        include_str!("../migrations/sqlite/0025_vuln_thirdparty.sql"),
        include_str!("../migrations/postgres/0025_vuln_thirdparty.sql"),
    ),
    (
        26,
        "supervision: request tasks counted per deadline, type, region and state, kept on write",
        include_str!("../migrations/sqlite/0026_sup_task_tally.sql"),
        include_str!("../migrations/postgres/0026_sup_task_tally.sql"),
    ),
    (
        28,
        "incidents: detections without a foreign key to organisations, for ingest speed",
        include_str!("../migrations/sqlite/0028_detections_ingest.sql"),
        include_str!("../migrations/postgres/0028_detections_ingest.sql"),
    ),
    (
        29,
        "posture: catalog titles and requirement counts beside the documents, for lean lists",
        include_str!("../migrations/sqlite/0029_catalog_summary.sql"),
        include_str!("../migrations/postgres/0029_catalog_summary.sql"),
    ),
    (
        30,
        "indexes for lists: findings by origin, reminders by institution",
        include_str!("../migrations/sqlite/0030_list_indexes.sql"),
        include_str!("../migrations/postgres/0030_list_indexes.sql"),
    ),
];

/// Applies every migration not yet recorded, each in its own transaction. Versions are
/// checked one by one, not against the highest applied, because versions are reserved by
/// parallel branches and may land out of order (a database at 5 still gets a later 3).
///
/// On PostgreSQL the whole run holds a session advisory lock, so replicas started together
/// on one database migrate one after the other instead of racing to create the same tables
/// (the later ones then find every version applied).
pub(crate) async fn run(conn: &mut Db, backend: Backend) -> Result<()> {
    if backend == Backend::Sqlite {
        return apply(conn, backend).await;
    }
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await?;
    let applied = apply(conn, backend).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await;
    applied?;
    unlocked?;
    Ok(())
}

/// The advisory lock key that serialises migrations on PostgreSQL ("dwmigrat" in ASCII).
const MIGRATION_LOCK: i64 = 0x6477_6d69_6772_6174;

async fn apply(conn: &mut Db, backend: Backend) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
         description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for &(version, description, sqlite, postgres) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        let sql = match backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        if version == crate::sup_facts::MIGRATION {
            // The facts are derived in Rust (grouping answers needs the catalogs), so the
            // existing rows are summarised here, in the migration's transaction.
            crate::sup_facts::rebuild_all(&mut tx).await?;
        }
        if version == crate::incidents::board_kept::MIGRATION {
            // The deadlines come from the domain's regimes and clocks, computed in Rust.
            crate::incidents::board_kept::rebuild_all(&mut tx).await?;
        }
        if version == crate::sup_tally::MIGRATION {
            // One definition of the counts, shared with the bench generators' rebuild.
            crate::sup_tally::rebuild_all(&mut tx).await?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(description)
        .bind(crate::records::now_us())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version, description, "applied migration");
    }
    Ok(())
}

/// The versions embedded in this binary.
pub fn versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.0).collect()
}
