//! STIX 2.1 for Deltawall: objects that keep their original JSON, validation with
//! located findings, deterministic SCO ids, versioning, TLP 2.0 markings with a pure
//! disclosure policy, and the STIX Patterning language.
//!
//! Section numbers (§) refer to STIX 2.1 (OASIS Standard with Errata 01).
//!
//! **Boundary:** no I/O, no async. The TAXII server feeds bytes in and gets objects,
//! reports and decisions out.
#![deny(missing_docs)]

pub mod bundle;
pub mod deterministic;
pub mod id;
pub mod issue;
mod json;
pub mod marking;
pub mod object;
pub mod pattern;
pub mod policy;
pub mod timestamp;
mod validate;
pub mod version;

pub use bundle::{DocumentKind, Limits, ParsedDocument, parse_document, validate_document};
pub use deterministic::deterministic_id;
pub use id::Identifier;
pub use issue::{Issue, Severity, ValidationReport};
pub use marking::{Downgrade, MarkingSet, Tlp, merge, never_downgrade};
pub use object::{InvalidObject, ObjectKind, StixObject};
pub use policy::{Audience, Disclosure, DisclosurePolicy, may_disclose};
pub use timestamp::Timestamp;
pub use version::{VersionError, VersionOrder, compare_versions};
