//! Threat-led penetration tests (TLPT, report §2(1)①イ): an engagement with its roles, its
//! phases and the gates between them, its scenarios of ordered ATT&CK steps against named
//! critical functions, and what the test leaves behind — gaps that become posture findings
//! with a retest, detection rules still to write, and an attack chain safe to share.
//!
//! Like the rest of the crate this is pure: commands take the acting user and the time, and
//! return the new engagement and the event to append, or a refusal. Gates pass one at a time
//! in order, each only by the control team and only when what it requires exists.

mod gate;
mod scenario;
#[cfg(test)]
mod tests;

pub use gate::{GateRule, Requirement, gate_rule};
pub use scenario::{Gap, Outcome, Scenario, ShareSafeChain, ShareSafeStep, Step, gaps, share_safe};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The roles of an engagement (the G7 fundamental elements' white, red, blue, threat
/// intelligence and authority roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlptRole {
    /// The control (white) team: runs the engagement and passes its gates.
    ControlTeam,
    /// The red team: attacks, records steps, writes the red-team report.
    RedTeam,
    /// The blue team: defends, writes the blue-team report.
    BlueTeam,
    /// The threat-intelligence provider: writes the targeted threat-intelligence report.
    ThreatIntelligence,
    /// The supervisor, observing: reads everything, changes nothing.
    SupervisorObserver,
}

impl TlptRole {
    /// Whether the role may read the blue team's side of the steps (outcomes, times,
    /// notes). The red team and the threat-intelligence provider may not, so that the
    /// defence is not revealed to the attackers.
    pub fn sees_blue_details(self) -> bool {
        !matches!(self, TlptRole::RedTeam | TlptRole::ThreatIntelligence)
    }
}

/// The phases of an engagement, in order; each ends with the gate of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Preparation and scoping: critical functions, teams.
    Preparation,
    /// Targeted threat intelligence.
    ThreatIntelligence,
    /// Scenarios written and approved.
    ScenarioApproval,
    /// Active testing.
    Testing,
    /// Closure: red-team and blue-team reports.
    Closure,
    /// The remediation plan: a finding for every gap.
    RemediationPlan,
    /// The retest of every gap.
    Retest,
    /// Every gate passed.
    Done,
}

impl Phase {
    /// Every phase in order.
    pub const ALL: [Phase; 8] = [
        Phase::Preparation,
        Phase::ThreatIntelligence,
        Phase::ScenarioApproval,
        Phase::Testing,
        Phase::Closure,
        Phase::RemediationPlan,
        Phase::Retest,
        Phase::Done,
    ];

    /// The phase after this one; `None` after the last.
    pub fn next(self) -> Option<Phase> {
        Phase::ALL
            .iter()
            .position(|p| *p == self)
            .and_then(|i| Phase::ALL.get(i + 1))
            .copied()
    }
}

/// The reports an engagement collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The targeted threat-intelligence report.
    ThreatIntelligence,
    /// The red-team report.
    RedTeam,
    /// The blue-team report.
    BlueTeam,
    /// The remediation plan.
    RemediationPlan,
}

impl ReportKind {
    /// The role that writes the report.
    pub fn author(self) -> TlptRole {
        match self {
            ReportKind::ThreatIntelligence => TlptRole::ThreatIntelligence,
            ReportKind::RedTeam => TlptRole::RedTeam,
            ReportKind::BlueTeam => TlptRole::BlueTeam,
            ReportKind::RemediationPlan => TlptRole::ControlTeam,
        }
    }
}

/// A submitted report: a reference to the document (evidence id), who, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The report.
    pub kind: ReportKind,
    /// Where the document is (an evidence id).
    pub document: String,
    /// Who submitted it.
    pub by: String,
    /// When (Unix µs).
    pub at_us: i64,
}

/// A person's role in one engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// User id.
    pub user_id: String,
    /// Their role.
    pub role: TlptRole,
}

/// How long each phase may last from its start, in days. Phases without a deadline have
/// none; the defaults follow DORA's TLPT timing (red-team report within four weeks of the
/// end of testing, blue-team report within ten).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines(pub BTreeMap<Phase, u32>);

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines(BTreeMap::from([
            (Phase::Closure, 70),
            (Phase::RemediationPlan, 30),
            (Phase::Retest, 180),
        ]))
    }
}

const DAY_US: i64 = 86_400_000_000;

/// An engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    /// The engagement's title.
    pub title: String,
    /// The critical functions in scope (e.g. 勘定系, internet banking).
    pub critical_functions: Vec<String>,
    /// Who plays which role.
    pub members: Vec<Member>,
    /// The current phase.
    pub phase: Phase,
    /// When the current phase began (Unix µs).
    pub phase_started_us: i64,
    /// Deadlines per phase.
    pub deadlines: Deadlines,
    /// Submitted reports, latest last.
    pub reports: Vec<Report>,
    /// Scenarios, in order.
    pub scenarios: Vec<Scenario>,
    /// Findings raised for gaps.
    pub findings: Vec<LinkedFinding>,
}

/// The finding raised for the gap of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedFinding {
    /// Scenario index.
    pub scenario: usize,
    /// Step index.
    pub step: usize,
    /// The finding's id.
    pub finding_id: String,
}

/// What someone asks to do with an engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Adds a member (control team, during preparation).
    AddMember {
        /// The member.
        member: Member,
    },
    /// Names a critical function in scope (control team, during preparation).
    AddCriticalFunction {
        /// Its name.
        name: String,
    },
    /// Submits a report (its author role, in the phase that collects it).
    SubmitReport {
        /// Which report.
        kind: ReportKind,
        /// Where the document is.
        document: String,
    },
    /// Adds a scenario (red team, before approval).
    AddScenario {
        /// The scenario, steps without outcomes.
        scenario: Scenario,
    },
    /// Records a step's outcome (control team, during testing).
    RecordOutcome {
        /// Scenario index.
        scenario: usize,
        /// Step index.
        step: usize,
        /// The outcome.
        outcome: Outcome,
        /// When the step began (Unix µs).
        started_us: i64,
        /// When the step ended.
        ended_us: i64,
        /// The blue team's side: how it was seen, alert references.
        blue_notes: Option<String>,
    },
    /// Links the finding raised for a gap (control team, remediation plan).
    LinkFinding {
        /// Scenario index.
        scenario: usize,
        /// Step index.
        step: usize,
        /// The finding's id.
        finding_id: String,
    },
    /// Records the retest of a gap (control team, retest).
    RecordRetest {
        /// Scenario index.
        scenario: usize,
        /// Step index.
        step: usize,
        /// The retest's outcome.
        outcome: Outcome,
    },
    /// Passes the gate of the current phase.
    PassGate,
}

/// An accepted command, as appended to the engagement's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Who.
    pub actor: String,
    /// Their role in the engagement.
    pub role: TlptRole,
    /// The phase the engagement was in.
    pub phase: Phase,
    /// What.
    pub command: Command,
    /// When (Unix µs).
    pub at_us: i64,
}

/// Why a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor has no role in the engagement.
    #[error("not a member of the engagement")]
    NotMember,
    /// The actor's role may not do this.
    #[error("the {0:?} role may not do this")]
    Role(TlptRole),
    /// Not in this phase.
    #[error("not allowed in phase {0:?}")]
    Phase(Phase),
    /// A gate's requirement is not met.
    #[error("gate {phase:?} needs: {missing:?}")]
    GateNotMet {
        /// The gate.
        phase: Phase,
        /// What is missing.
        missing: Vec<Requirement>,
    },
    /// A scenario or step index that does not exist, or an invalid value.
    #[error("{0}")]
    Invalid(String),
}

impl Engagement {
    /// A new engagement in preparation, with its first control-team member.
    pub fn start(
        title: String,
        control_lead: String,
        deadlines: Deadlines,
        now_us: i64,
    ) -> Engagement {
        Engagement {
            title,
            critical_functions: Vec::new(),
            members: vec![Member {
                user_id: control_lead,
                role: TlptRole::ControlTeam,
            }],
            phase: Phase::Preparation,
            phase_started_us: now_us,
            deadlines,
            reports: Vec::new(),
            scenarios: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// The roles of a user in the engagement.
    pub fn roles_of(&self, user_id: &str) -> Vec<TlptRole> {
        self.members
            .iter()
            .filter(|m| m.user_id == user_id)
            .map(|m| m.role)
            .collect()
    }

    /// Whether a report of this kind was submitted.
    pub fn has_report(&self, kind: ReportKind) -> bool {
        self.reports.iter().any(|r| r.kind == kind)
    }

    /// The finding linked to a step's gap.
    pub fn finding_for(&self, scenario: usize, step: usize) -> Option<&str> {
        self.findings
            .iter()
            .find(|f| (f.scenario, f.step) == (scenario, step))
            .map(|f| f.finding_id.as_str())
    }

    /// When the current phase is due (Unix µs), if it has a deadline.
    pub fn due_us(&self) -> Option<i64> {
        let days = *self.deadlines.0.get(&self.phase)?;
        Some(self.phase_started_us + i64::from(days) * DAY_US)
    }

    /// Whether the current phase is past its deadline.
    pub fn overdue(&self, now_us: i64) -> bool {
        self.due_us().is_some_and(|due| now_us >= due)
    }

    /// Applies a command by `actor` at `now_us`: the new engagement and the event to
    /// append, or why not. The engagement itself is never changed in place.
    pub fn apply(
        &self,
        actor: &str,
        command: Command,
        now_us: i64,
    ) -> Result<(Engagement, Event), Refusal> {
        let role = self.acting_role(actor, &command)?;
        let mut next = self.clone();
        next.run(actor, role, &command, now_us)?;
        let event = Event {
            actor: actor.to_owned(),
            role,
            phase: self.phase,
            command,
            at_us: now_us,
        };
        Ok((next, event))
    }

    /// The role the actor acts in for this command, or why they may not.
    fn acting_role(&self, actor: &str, command: &Command) -> Result<TlptRole, Refusal> {
        let roles = self.roles_of(actor);
        if roles.is_empty() {
            return Err(Refusal::NotMember);
        }
        let wanted = match command {
            Command::SubmitReport { kind, .. } => kind.author(),
            Command::AddScenario { .. } => TlptRole::RedTeam,
            _ => TlptRole::ControlTeam,
        };
        if roles.contains(&wanted) {
            Ok(wanted)
        } else {
            Err(Refusal::Role(roles[0]))
        }
    }

    fn in_phase(&self, allowed: &[Phase]) -> Result<(), Refusal> {
        if allowed.contains(&self.phase) {
            Ok(())
        } else {
            Err(Refusal::Phase(self.phase))
        }
    }

    fn run(
        &mut self,
        actor: &str,
        role: TlptRole,
        command: &Command,
        now_us: i64,
    ) -> Result<(), Refusal> {
        match command {
            Command::AddMember { member } => {
                self.in_phase(&[Phase::Preparation])?;
                if !self.members.contains(member) {
                    self.members.push(member.clone());
                }
            }
            Command::AddCriticalFunction { name } => {
                self.in_phase(&[Phase::Preparation])?;
                if name.trim().is_empty() {
                    return Err(Refusal::Invalid("empty critical function".into()));
                }
                if !self.critical_functions.contains(name) {
                    self.critical_functions.push(name.clone());
                }
            }
            Command::SubmitReport { kind, document } => {
                self.in_phase(gate::report_phases(*kind))?;
                self.reports.push(Report {
                    kind: *kind,
                    document: document.clone(),
                    by: actor.to_owned(),
                    at_us: now_us,
                });
            }
            Command::AddScenario { scenario } => {
                self.in_phase(&[Phase::ThreatIntelligence, Phase::ScenarioApproval])?;
                scenario
                    .check_new(&self.critical_functions)
                    .map_err(Refusal::Invalid)?;
                self.scenarios.push(scenario.clone());
            }
            Command::RecordOutcome {
                scenario,
                step,
                outcome,
                started_us,
                ended_us,
                blue_notes,
            } => {
                self.in_phase(&[Phase::Testing])?;
                if ended_us < started_us {
                    return Err(Refusal::Invalid(
                        "a step cannot end before it starts".into(),
                    ));
                }
                let s = self.step_mut(*scenario, *step)?;
                s.outcome = Some(*outcome);
                s.started_us = Some(*started_us);
                s.ended_us = Some(*ended_us);
                s.blue_notes.clone_from(blue_notes);
            }
            Command::LinkFinding {
                scenario,
                step,
                finding_id,
            } => {
                self.in_phase(&[Phase::RemediationPlan])?;
                if !self.step_mut(*scenario, *step)?.is_gap() {
                    return Err(Refusal::Invalid("the step is no gap".into()));
                }
                self.findings
                    .retain(|f| (f.scenario, f.step) != (*scenario, *step));
                self.findings.push(LinkedFinding {
                    scenario: *scenario,
                    step: *step,
                    finding_id: finding_id.clone(),
                });
            }
            Command::RecordRetest {
                scenario,
                step,
                outcome,
            } => {
                self.in_phase(&[Phase::Retest])?;
                let s = self.step_mut(*scenario, *step)?;
                if !s.is_gap() {
                    return Err(Refusal::Invalid("only gaps are retested".into()));
                }
                s.retest = Some(*outcome);
            }
            Command::PassGate => self.pass_gate(role, now_us)?,
        }
        Ok(())
    }

    fn step_mut(&mut self, scenario: usize, step: usize) -> Result<&mut Step, Refusal> {
        self.scenarios
            .get_mut(scenario)
            .and_then(|s| s.steps.get_mut(step))
            .ok_or_else(|| Refusal::Invalid(format!("no step {step} in scenario {scenario}")))
    }

    fn pass_gate(&mut self, role: TlptRole, now_us: i64) -> Result<(), Refusal> {
        let Some(next) = self.phase.next() else {
            return Err(Refusal::Phase(self.phase));
        };
        let rule = gate_rule(self.phase).ok_or(Refusal::Phase(self.phase))?;
        if role != rule.passer {
            return Err(Refusal::Role(role));
        }
        let missing = rule.missing(self);
        if !missing.is_empty() {
            return Err(Refusal::GateNotMet {
                phase: self.phase,
                missing,
            });
        }
        self.phase = next;
        self.phase_started_us = now_us;
        Ok(())
    }
}
