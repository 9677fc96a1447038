//! MITRE ATT&CK for Deltawall: the Enterprise STIX 2.1 bundle a user supplies, imported as a
//! versioned reference model ([`Release`]); the diff between two releases that says which
//! technique mappings a newer version deprecates, revokes or moves between tactics; and
//! ATT&CK Navigator layer files (format 4.5), written from typed values and read back with
//! every malformed value refused by its JSON pointer.
//!
//! No async, no I/O: callers hand in text and get values back. Builders turn Deltawall's own
//! data (rule tags, TLPT step outcomes, incident techniques, sector contributions) into
//! layers without depending on the crates that own that data.
#![deny(missing_docs)]

pub mod bundle;
pub mod diff;
pub mod layer;
pub mod model;
mod pointer;

pub use bundle::{BundleError, import_bundle};
pub use diff::{ReleaseDiff, TechniqueChange};
pub use layer::{Layer, LayerError, read_layer};
pub use model::{Release, Tactic, Technique, TechniqueId};
