//! Deltawall's domain model: the tenants of the sector, who may do what, who may see what,
//! the rules of the audit trail and of login throttling, the catalogs (frameworks) that
//! posture is assessed against, the life of a finding until its verified closure, incident
//! cases with their regulator-report clocks, and Japan time ([`jst`]).
//!
//! This crate does no I/O: no database, no network, no clock. Callers pass the current
//! time in. That keeps every rule here testable as a plain function and lets the storage
//! and web layers share one definition of each policy.
#![deny(missing_docs)]

pub mod access;
pub mod audit;
pub mod catalog;
pub mod code;
pub mod crosswalk;
pub mod exercise;
pub mod finding;
pub mod group_maturity;
pub mod incident;
pub mod jst;
pub mod org;
pub mod posture;
pub mod role;
pub mod supervision;
pub mod throttle;
pub mod tlpt;
pub mod validate;

pub use access::{Actor, OrgScope};
pub use org::{BusinessType, OrgKind, Region};
pub use role::{Permission, Role};
