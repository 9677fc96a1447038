//! OSCAL 1.1.2 assessment results and plans of action and milestones (POA&M), from plain
//! input structs that the service layer fills from its own data.
//!
//! Output is reproducible: every UUID is a version-5 UUID of stable keys (the
//! assessment's key, the requirement id, the finding's key, …), and nothing reads the
//! clock. Ids that OSCAL requires to be tokens (control ids) are made tokens by replacing
//! every other character with `_`; the exact id is then kept in a `requirement-id`
//! property in the Deltawall namespace [`NS`].
//!
//! Mapping:
//! - each [`RequirementResult`] → an observation (method EXAMINE, evidence as
//!   relevant-evidence) and, when met / partly met / not met, a finding targeting the
//!   control (`satisfied` / `not-satisfied`);
//! - each [`FindingExport`] → a finding targeting its first requirement, and one risk per
//!   [`RiskExport`] (one risk made from the finding itself when it lists none) with the
//!   finding's state as the risk status and its milestones as a remediation's tasks;
//! - in a POA&M, each finding also → a poam-item relating the finding and its risks.

mod ar;
mod common;
mod input;
mod poam;

pub use ar::assessment_results;
pub use common::NS;
pub use input::*;
pub use poam::poam;

/// Why an export cannot be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A finding names no requirement, but an OSCAL finding needs a target.
    #[error("finding {finding}: requirement_ids is empty")]
    NoRequirement {
        /// The finding's key.
        finding: String,
    },
    /// A milestone's due or done time is outside the range of dates OSCAL can carry.
    #[error("finding {finding}: milestone {index} has a time out of range")]
    Time {
        /// The finding's key.
        finding: String,
        /// Position of the milestone.
        index: usize,
    },
    /// Two items of one kind share a key, so their UUIDs would collide.
    #[error("{kind} key {key:?} is used more than once")]
    DuplicateKey {
        /// Kind of item.
        kind: &'static str,
        /// The key.
        key: String,
    },
}
