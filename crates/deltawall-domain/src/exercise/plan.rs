//! Contingency plans (コンティンジェンシープラン), versioned per institution.
//!
//! The report asks every institution to make its plan effective through exercises and
//! faults those that take part but never review (§2(1)③イ). A plan version records the
//! scenarios it covers, the roles, the internal and external contact trees, the recovery
//! objectives and the posture requirements it answers; the exercises that tested it and
//! the gaps they found are attached to it. [`never_tested_within`] is the flag posture and
//! the supervisor's ranking inputs read.

use super::{ExternalParty, Scenario};
use serde::{Deserialize, Serialize};

/// Twelve months, as the report's yearly review cycle, in microseconds (365 days).
pub const TWELVE_MONTHS_US: i64 = 365 * 24 * 3600 * 1_000_000;

/// A role the plan assigns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRole {
    /// The role's name (for example CSIRT lead, 広報責任者).
    pub name: String,
    /// What it is responsible for.
    pub duty: String,
}

/// Someone to call inside the institution, and who they call next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalContact {
    /// The role or department called.
    pub role: String,
    /// The roles this one calls in turn.
    pub then_calls: Vec<String>,
}

/// An outside party to notify, with the plan's own deadline for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContact {
    /// Who.
    pub party: ExternalParty,
    /// Which of the institution's roles makes the call.
    pub by_role: String,
    /// Within how many minutes of detection.
    pub within_min: Option<u32>,
}

/// A recovery objective for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryObjective {
    /// The service (for example internet banking).
    pub service: String,
    /// Recovery time objective in minutes.
    pub rto_min: u32,
    /// Recovery point objective in minutes.
    pub rpo_min: u32,
}

/// One version of an institution's plan; versions are never changed once recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersion {
    /// The institution.
    pub org_id: String,
    /// 1-based version number.
    pub version: u32,
    /// When it was adopted, Unix µs.
    pub adopted_at_us: i64,
    /// Scenarios covered.
    pub scenarios: Vec<Scenario>,
    /// Roles.
    pub roles: Vec<PlanRole>,
    /// The internal contact tree.
    pub internal_contacts: Vec<InternalContact>,
    /// The external contacts.
    pub external_contacts: Vec<ExternalContact>,
    /// Recovery objectives.
    pub objectives: Vec<RecoveryObjective>,
    /// Posture requirement ids the plan answers.
    pub requirement_ids: Vec<String>,
}

/// Why a plan version was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The version does not follow the previous one.
    #[error("version: expected {expected}, got {got}")]
    Version {
        /// The next version number.
        expected: u32,
        /// The one given.
        got: u32,
    },
    /// No scenario covered.
    #[error("scenarios: a plan covers at least one scenario")]
    NoScenario,
    /// A scenario listed twice.
    #[error("scenarios: {0} listed twice")]
    DuplicateScenario(Scenario),
    /// An internal contact calls a role the tree does not have.
    #[error("internal_contacts[{index}].then_calls: unknown role {role:?}")]
    UnknownContact {
        /// Index of the contact.
        index: usize,
        /// The unknown role.
        role: String,
    },
    /// A recovery point objective longer than the time objective is allowed, but zero
    /// time objectives are not: they cannot be tested.
    #[error("objectives[{index}].rto_min: must be above zero")]
    ZeroRto {
        /// Index of the objective.
        index: usize,
    },
}

impl PlanVersion {
    /// Checks a new version against the latest one recorded (if any).
    pub fn check(&self, latest: Option<&PlanVersion>) -> Result<(), PlanError> {
        let expected = latest.map_or(1, |l| l.version + 1);
        if self.version != expected {
            return Err(PlanError::Version {
                expected,
                got: self.version,
            });
        }
        if self.scenarios.is_empty() {
            return Err(PlanError::NoScenario);
        }
        for (i, s) in self.scenarios.iter().enumerate() {
            if self.scenarios[..i].contains(s) {
                return Err(PlanError::DuplicateScenario(*s));
            }
        }
        for (index, c) in self.internal_contacts.iter().enumerate() {
            if let Some(role) = c
                .then_calls
                .iter()
                .find(|r| !self.internal_contacts.iter().any(|o| &o.role == *r))
            {
                return Err(PlanError::UnknownContact {
                    index,
                    role: role.clone(),
                });
            }
        }
        if let Some(index) = self.objectives.iter().position(|o| o.rto_min == 0) {
            return Err(PlanError::ZeroRto { index });
        }
        Ok(())
    }
}

/// An exercise that tested a plan version, and the gaps it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTest {
    /// The exercise edition.
    pub edition_id: String,
    /// When the exercise closed, Unix µs.
    pub tested_at_us: i64,
    /// Scenarios the exercise played.
    pub scenarios: Vec<Scenario>,
    /// Gaps found in the plan.
    pub gaps: Vec<String>,
}

/// Whether an institution's plan went untested for twelve months before `now_us`: true
/// when no test closed within `(now - 12 months, now]`. Tests dated after `now` (clock
/// skew, data entered early) do not count.
pub fn never_tested_within(tests: &[PlanTest], now_us: i64) -> bool {
    let since = now_us.saturating_sub(TWELVE_MONTHS_US);
    !tests
        .iter()
        .any(|t| t.tested_at_us > since && t.tested_at_us <= now_us)
}

/// The latest test of a plan by `now_us`, if any.
pub fn last_tested(tests: &[PlanTest], now_us: i64) -> Option<&PlanTest> {
    tests
        .iter()
        .filter(|t| t.tested_at_us <= now_us)
        .max_by_key(|t| t.tested_at_us)
}

/// Scenarios the plan covers that no test by `now_us` has played.
pub fn untested_scenarios(plan: &PlanVersion, tests: &[PlanTest], now_us: i64) -> Vec<Scenario> {
    plan.scenarios
        .iter()
        .copied()
        .filter(|s| {
            !tests
                .iter()
                .any(|t| t.tested_at_us <= now_us && t.scenarios.contains(s))
        })
        .collect()
}
