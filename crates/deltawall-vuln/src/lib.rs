//! Vulnerability diagnosis findings (issue 15, report §2(1)③イ).
//!
//! Scanner reports differ in shape, but every finding they name is reduced here to one
//! [`Finding`] with an explicit [`IdentityKey`] per source, so that a re-import whose wording
//! changed is still the same finding. [`reconcile`] compares the open findings of a scope with
//! a new scan. Importers for each format build on this model.

pub mod detect;
pub mod model;
pub mod nessus;
pub mod reconcile;

pub use detect::{Format, detect_format};
pub use model::{Finding, IdentityKey, Severity};
pub use nessus::{NessusError, import_nessus};
pub use reconcile::{PriorFinding, PriorState, Reconciliation, reconcile};
