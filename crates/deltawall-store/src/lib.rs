//! Deltawall's storage: one codebase over SQLite (the embedded default) and PostgreSQL.
//!
//! Every query is written once, in portable SQL with `$n` placeholders, and runs through
//! sqlx's `Any` driver on either backend. Columns use portable types only (UUID text,
//! Unix-microsecond `BIGINT`, 0/1 integers, JSON as text), which is what makes one query
//! text serve both. Only the DDL differs, in `migrations/{sqlite,postgres}`, which carry the
//! same version numbers and are embedded in the binary.
//!
//! Reads of tenant data take an [`OrgScope`](deltawall_domain::OrgScope) and pass it through
//! [`scope`], the one place that turns visibility policy into SQL.
#![deny(missing_docs)]

pub mod assessments;
pub mod attack;
pub mod audit;
pub mod backup;
mod db;
pub mod detections;
pub mod detections_inbox;
mod error;
pub mod evidence;
pub mod exercises;
pub mod findings;
pub mod incidents;
pub mod jobs;
pub mod keyset;
pub mod mappings;
mod migrate;
pub mod orgs;
pub(crate) mod pg_rows;
pub mod records;
pub mod risks;
pub mod scope;
pub mod sessions;
pub mod settings;
pub mod sharing;
pub mod sharing_feedback;
pub mod sup_alerts;
pub mod sup_benchmarks;
pub mod sup_engagements;
pub mod sup_facts;
pub mod sup_figures;
pub mod sup_monitoring;
pub mod sup_ranking;
pub mod sup_reminders;
pub mod sup_requests;
pub mod sup_tally;
pub mod sup_weights;
pub mod sup_work;
pub mod throttle;
pub mod tlpt;
pub mod tokens;
pub mod users;
pub mod vuln;

pub use db::{Backend, Conn, Store, Tx};
pub use error::StoreError;
pub use records::{Page, Paged};
/// The database driver's error type, for callers that commit transactions.
pub use sqlx::Error as DbError;

/// Result type of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A fresh random id (UUIDv7, so ids sort by creation time).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(feature = "test-support")]
pub mod bench_sector;
#[cfg(feature = "test-support")]
pub mod testing;
