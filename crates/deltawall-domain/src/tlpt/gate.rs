//! The gate rules: what must exist to leave each phase, and who may pass the gate.

use serde::{Deserialize, Serialize};

use super::{Engagement, Phase, ReportKind, TlptRole};

/// Something a gate requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "requirement", content = "of", rename_all = "snake_case")]
pub enum Requirement {
    /// At least one critical function in scope.
    CriticalFunction,
    /// At least one member with this role.
    Member(TlptRole),
    /// This report submitted.
    Report(ReportKind),
    /// At least one scenario, every one with at least one step.
    Scenarios,
    /// An outcome recorded for every step (`not run` counts as recorded).
    EveryStepRecorded,
    /// A finding linked to every gap.
    FindingForEveryGap,
    /// A retest recorded for every gap.
    RetestForEveryGap,
}

/// The rule of one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateRule {
    /// The only role that may pass it.
    pub passer: TlptRole,
    /// What must exist.
    pub requires: Vec<Requirement>,
}

/// The rule of the gate that ends `phase`; `None` for [`Phase::Done`], which has none.
pub fn gate_rule(phase: Phase) -> Option<GateRule> {
    use Requirement as R;
    let requires = match phase {
        Phase::Preparation => vec![
            R::CriticalFunction,
            R::Member(TlptRole::RedTeam),
            R::Member(TlptRole::BlueTeam),
            R::Member(TlptRole::ThreatIntelligence),
        ],
        Phase::ThreatIntelligence => vec![R::Report(ReportKind::ThreatIntelligence)],
        Phase::ScenarioApproval => vec![R::Scenarios],
        Phase::Testing => vec![R::EveryStepRecorded],
        Phase::Closure => vec![
            R::Report(ReportKind::RedTeam),
            R::Report(ReportKind::BlueTeam),
        ],
        Phase::RemediationPlan => vec![
            R::Report(ReportKind::RemediationPlan),
            R::FindingForEveryGap,
        ],
        Phase::Retest => vec![R::RetestForEveryGap],
        Phase::Done => return None,
    };
    Some(GateRule {
        passer: TlptRole::ControlTeam,
        requires,
    })
}

/// The phases in which a report may be submitted.
pub(super) fn report_phases(kind: ReportKind) -> &'static [Phase] {
    match kind {
        ReportKind::ThreatIntelligence => &[Phase::ThreatIntelligence],
        ReportKind::RedTeam => &[Phase::Testing, Phase::Closure],
        ReportKind::BlueTeam => &[Phase::Closure],
        ReportKind::RemediationPlan => &[Phase::RemediationPlan],
    }
}

impl GateRule {
    /// The requirements the engagement does not meet yet.
    pub fn missing(&self, e: &Engagement) -> Vec<Requirement> {
        self.requires
            .iter()
            .copied()
            .filter(|r| !met(*r, e))
            .collect()
    }
}

fn met(r: Requirement, e: &Engagement) -> bool {
    let gap_steps = || {
        e.scenarios
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.steps.iter().enumerate().map(move |(j, st)| ((i, j), st)))
            .filter(|(_, st)| st.is_gap())
    };
    match r {
        Requirement::CriticalFunction => !e.critical_functions.is_empty(),
        Requirement::Member(role) => e.members.iter().any(|m| m.role == role),
        Requirement::Report(kind) => e.has_report(kind),
        Requirement::Scenarios => {
            !e.scenarios.is_empty() && e.scenarios.iter().all(|s| !s.steps.is_empty())
        }
        Requirement::EveryStepRecorded => e
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .all(|st| st.outcome.is_some()),
        Requirement::FindingForEveryGap => {
            gap_steps().all(|((i, j), _)| e.finding_for(i, j).is_some())
        }
        Requirement::RetestForEveryGap => gap_steps().all(|(_, st)| st.retest.is_some()),
    }
}
