//! Vulnerability diagnosis findings (issue 15, report §2(1)③イ).
//!
//! Scanner reports differ in shape, but every finding they name is reduced here to one
//! [`Finding`] with an explicit [`IdentityKey`] per source, so that a re-import whose wording
//! changed is still the same finding. [`import`] streams SARIF, Nessus, OpenVAS, Trivy, ZAP and
//! Prowler reports to a callback; [`reconcile`] compares the open findings of a scope with a
//! new scan; [`enrich`] adds CISA KEV and EPSS data from files the user imported.

pub mod clock;
pub mod contract;
pub mod detect;
pub mod enrich;
pub mod error;
pub mod import;
mod input;
pub mod model;
pub mod reconcile;

pub use clock::{Clock, ClockInput, ClockKind, ClockPolicy, Standing, clock};
pub use detect::{Format, detect_format};
pub use enrich::{Dated, Enrichment, EpssScore, FindingEnrichment, KevEntry};
pub use error::{ErrorKind, ImportError, Limits, Location};
pub use import::{
    ImportSummary, import, import_nessus, import_openvas, import_prowler, import_sarif,
    import_trivy, import_zap_json, import_zap_xml,
};
pub use model::{Finding, IdentityKey, Severity};
pub use reconcile::{
    Classified, CrossScannerMatch, PriorFinding, PriorState, Reconciliation, classify, correlate,
    reconcile, reconcile_import,
};
