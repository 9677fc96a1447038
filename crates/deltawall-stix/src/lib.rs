//! STIX 2.1 for Deltawall: objects that keep their original JSON, validation with
//! located findings, deterministic SCO ids, versioning, TLP 2.0 markings with a pure
//! disclosure policy, and the STIX Patterning language.
//!
//! Section numbers (§) refer to STIX 2.1 (OASIS Standard with Errata 01).
//!
//! **Boundary:** no I/O, no async. The TAXII server feeds bytes in and gets objects,
//! reports and decisions out.
//!
//! # Ingest and the single enforcement point
//!
//! ```
//! use deltawall_stix::{Audience, DisclosurePolicy, Limits, MarkingSet, Tlp, may_disclose, parse_document};
//!
//! let body = r#"{"objects":[{"type":"indicator","spec_version":"2.1",
//!   "id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!   "created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z","name":"c2",
//!   "pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix",
//!   "valid_from":"2024-01-02T03:04:05Z",
//!   "object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}]}"#;
//! let doc = parse_document(body, &Limits::default());
//! assert!(doc.report.is_valid() && doc.rejected.is_empty());
//! let obj = &doc.objects[0];
//!
//! // TLP 1.0 AMBER on ingest is TLP 2.0 AMBER for enforcement; the stored text is unchanged.
//! let markings = MarkingSet::effective(obj);
//! assert_eq!(markings.tlp(), Some(Tlp::Amber));
//! assert!(obj.as_json().contains("f88d31f6"));
//!
//! let policy = DisclosurePolicy::default();
//! let isac_member = Audience { community_member: true, ..Audience::default() };
//! let recipient = Audience { recipient_org: true, ..Audience::default() };
//! assert!(!may_disclose(&markings, &isac_member, &policy).is_allowed());
//! assert!(may_disclose(&markings, &recipient, &policy).is_allowed());
//!
//! // A new version may not weaken the marking.
//! assert!(policy.never_downgrade(&markings, &MarkingSet::with_tlp(Tlp::Green)).is_err());
//! ```
#![deny(missing_docs)]

pub mod bundle;
pub mod deterministic;
pub mod feedback;
pub mod id;
pub mod issue;
mod json;
pub mod lang;
pub mod marking;
pub mod object;
pub mod pattern;
pub mod policy;
pub mod timestamp;
mod validate;
pub use validate::validate_object;
pub mod version;

/// The STIX 2.1 media type (TAXII 2.1 §1.6.8), for manifests and content negotiation.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

pub use bundle::{
    DocumentKind, Limits, ParsedDocument, RejectedObject, parse_document, parse_document_bytes,
    validate_document,
};
pub use deterministic::deterministic_id;
pub use id::Identifier;
pub use issue::{Issue, Severity, ValidationReport};
pub use marking::{Downgrade, MarkingSet, Tlp, merge, never_downgrade};
pub use object::{InvalidObject, ObjectKind, StixObject};
pub use policy::{Audience, Disclosure, DisclosurePolicy, may_disclose, may_disclose_object};
pub use timestamp::Timestamp;
pub use version::{VersionError, VersionOrder, compare_versions};
