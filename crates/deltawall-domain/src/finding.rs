//! Findings and their remediation, as a typed state machine.
//!
//! A finding moves draft → issued → acknowledged → plan accepted → in remediation →
//! remediation claimed → verified → closed, with the side paths disputed, risk accepted and
//! reopened. Two rules carry the weight of the report's observation that remediation is
//! often claimed but never checked:
//!
//! - **Closing needs independent verification**: the verifier is neither the finding's owner
//!   nor the person who claimed the remediation; or
//! - **an unexpired risk acceptance** approved at the level the severity requires
//!   (executives, 経営陣, for high and critical findings).
//!
//! Every accepted command appends one event to the history; nothing ever rewrites it. The
//! functions here are pure: callers pass the actor and the time.

use crate::role::Role;
use serde::{Deserialize, Serialize};

/// Where a finding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A self-assessment, internal audit or TLPT-based assessment.
    Assessment,
    /// The supervisor's monitoring (実態把握).
    SupervisoryMonitoring,
    /// An incident.
    Incident,
    /// An exercise.
    Exercise,
}

/// How serious a finding is; decides who may accept its risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// The roles that may approve accepting this finding's risk: executives always, and
    /// administrators only below high.
    pub fn may_accept_risk(self, role: Role) -> bool {
        match self {
            Severity::Low | Severity::Medium => matches!(role, Role::Executive | Role::Admin),
            Severity::High | Severity::Critical => role == Role::Executive,
        }
    }
}

/// The states of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written; visible only to its author's organisation.
    Draft,
    /// Issued to its owner.
    Issued,
    /// The owner acknowledged it.
    Acknowledged,
    /// The owner disputes it.
    Disputed,
    /// A remediation plan was accepted.
    PlanAccepted,
    /// Remediation is under way.
    InRemediation,
    /// The owner says remediation is done; it awaits verification.
    RemediationClaimed,
    /// Someone independent verified the remediation.
    Verified,
    /// The risk was accepted, by an approver at the right level, until an expiry.
    RiskAccepted,
    /// Closed.
    Closed,
    /// Withdrawn by its issuer after a dispute: it was not a finding after all.
    Withdrawn,
    /// Reopened after closing, a failed verification or an expired acceptance.
    Reopened,
}

crate::code::impl_code!(Severity, "finding severity", {
    Low = "low",
    Medium = "medium",
    High = "high",
    Critical = "critical",
});

crate::code::impl_code!(State, "finding state", {
    Draft = "draft",
    Issued = "issued",
    Acknowledged = "acknowledged",
    Disputed = "disputed",
    PlanAccepted = "plan_accepted",
    InRemediation = "in_remediation",
    RemediationClaimed = "remediation_claimed",
    Verified = "verified",
    RiskAccepted = "risk_accepted",
    Closed = "closed",
    Withdrawn = "withdrawn",
    Reopened = "reopened",
});

impl State {
    /// The states in which a finding is open for its owner to act on: issued and neither
    /// closed, withdrawn nor under an accepted risk. Drafts have not been issued. The
    /// institution's lists and its management report count by this definition.
    pub const OPEN: &'static [State] = &[
        State::Issued,
        State::Acknowledged,
        State::Disputed,
        State::PlanAccepted,
        State::InRemediation,
        State::RemediationClaimed,
        State::Verified,
        State::Reopened,
    ];

    /// The states in which a finding is not yet resolved: the open ones and those under an
    /// accepted risk, which is still a weakness. The supervisor's ranking and the sector
    /// figures count by this definition.
    pub const UNRESOLVED: &'static [State] = &[
        State::Issued,
        State::Acknowledged,
        State::Disputed,
        State::PlanAccepted,
        State::InRemediation,
        State::RemediationClaimed,
        State::Verified,
        State::Reopened,
        State::RiskAccepted,
    ];

    /// Whether the finding is open for its owner to act on (see [`State::OPEN`]).
    pub fn is_open(self) -> bool {
        State::OPEN.contains(&self)
    }
}

/// Someone acting on a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// User id.
    pub user_id: String,
    /// Their role.
    pub role: Role,
}

/// A risk acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    /// Who approved it.
    pub approver: Person,
    /// Until when (Unix µs, exclusive).
    pub expires_at_us: i64,
    /// Why the risk is accepted.
    pub rationale: String,
}

/// What someone asks to do with a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Issue the draft to its owner.
    Issue,
    /// The owner acknowledges.
    Acknowledge,
    /// The owner disputes, with a reason.
    Dispute {
        /// Why.
        reason: String,
    },
    /// The issuer settles a dispute: upheld returns it to issued, otherwise it is withdrawn.
    SettleDispute {
        /// Whether the finding stands.
        upheld: bool,
    },
    /// The remediation plan is accepted.
    AcceptPlan,
    /// Remediation starts.
    StartRemediation,
    /// The owner claims remediation is done.
    ClaimRemediation,
    /// The remediation is checked: passed or failed.
    Verify {
        /// Whether it passed.
        passed: bool,
    },
    /// The risk is accepted instead of remediated.
    AcceptRisk(Acceptance),
    /// Close.
    Close,
    /// Reopen, with a reason.
    Reopen {
        /// Why.
        reason: String,
    },
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When, Unix µs.
    pub at_us: i64,
    /// Who.
    pub actor: Person,
    /// What they asked.
    pub command: Command,
    /// The state before.
    pub from: State,
    /// The state after.
    pub to: State,
}

/// A finding and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Where it came from.
    pub origin: Origin,
    /// Severity.
    pub severity: Severity,
    /// Who must remediate (a user of the owning organisation).
    pub owner: Person,
    /// Who issued it.
    pub issuer: Person,
    /// Current state.
    pub state: State,
    /// Who claimed the remediation, while a claim stands.
    pub claimed_by: Option<Person>,
    /// Who verified it, once verified.
    pub verified_by: Option<Person>,
    /// The risk acceptance in force, if any.
    pub acceptance: Option<Acceptance>,
    /// Every accepted command, oldest first. Only ever appended to.
    pub history: Vec<Event>,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The command does not apply in this state.
    #[error("cannot {command} a finding that is {state:?}")]
    WrongState {
        /// The command.
        command: &'static str,
        /// The state.
        state: State,
    },
    /// The verifier is the owner or the claimant.
    #[error("verification must be done by someone other than the owner and the claimant")]
    NotIndependent,
    /// The approver's role cannot accept risk of this severity.
    #[error("a {severity:?} finding's risk must be accepted by an executive")]
    ApproverLevel {
        /// The severity.
        severity: Severity,
    },
    /// The acceptance is already expired or has no future expiry.
    #[error("the risk acceptance is expired")]
    Expired,
    /// Only the owner's side may do this.
    #[error("only the finding's owner may {0}")]
    OwnerOnly(&'static str),
    /// A reason is required.
    #[error("a reason is required")]
    NoReason,
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Issue => "issue",
            Command::Acknowledge => "acknowledge",
            Command::Dispute { .. } => "dispute",
            Command::SettleDispute { .. } => "settle the dispute of",
            Command::AcceptPlan => "accept the plan of",
            Command::StartRemediation => "start remediating",
            Command::ClaimRemediation => "claim remediation of",
            Command::Verify { .. } => "verify",
            Command::AcceptRisk(_) => "accept the risk of",
            Command::Close => "close",
            Command::Reopen { .. } => "reopen",
        }
    }
}

impl Finding {
    /// A new draft.
    pub fn draft(origin: Origin, severity: Severity, owner: Person, issuer: Person) -> Finding {
        Finding {
            origin,
            severity,
            owner,
            issuer,
            state: State::Draft,
            claimed_by: None,
            verified_by: None,
            acceptance: None,
            history: Vec::new(),
        }
    }

    /// Applies a command by `actor` at `now_us`; returns the finding after it, with one more
    /// history entry, or the reason it is refused (the finding is then unchanged).
    pub fn apply(&self, actor: &Person, command: Command, now_us: i64) -> Result<Finding, Refusal> {
        let mut next = self.clone();
        let to = self.target(actor, &command, now_us)?;
        match &command {
            Command::ClaimRemediation => next.claimed_by = Some(actor.clone()),
            Command::Verify { passed: true } => next.verified_by = Some(actor.clone()),
            Command::Verify { passed: false } => next.claimed_by = None,
            Command::AcceptRisk(a) => next.acceptance = Some(a.clone()),
            Command::Reopen { .. } => {
                (next.claimed_by, next.verified_by, next.acceptance) = (None, None, None);
            }
            _ => {}
        }
        next.state = to;
        next.history.push(Event {
            at_us: now_us,
            actor: actor.clone(),
            command,
            from: self.state,
            to,
        });
        Ok(next)
    }

    /// The state a command leads to, or why it cannot happen.
    fn target(&self, actor: &Person, command: &Command, now_us: i64) -> Result<State, Refusal> {
        use State::*;
        let wrong = || Refusal::WrongState {
            command: command.name(),
            state: self.state,
        };
        let is_owner = actor.user_id == self.owner.user_id;
        match (self.state, command) {
            (Draft, Command::Issue) => Ok(Issued),
            (Issued | Reopened, Command::Acknowledge) if is_owner => Ok(Acknowledged),
            (Issued | Reopened, Command::Dispute { reason }) if is_owner => {
                if reason.trim().is_empty() {
                    Err(Refusal::NoReason)
                } else {
                    Ok(Disputed)
                }
            }
            (Issued | Reopened, Command::Acknowledge | Command::Dispute { .. }) => {
                Err(Refusal::OwnerOnly("acknowledge or dispute"))
            }
            (Disputed, Command::SettleDispute { upheld: true }) => Ok(Issued),
            (Disputed, Command::SettleDispute { upheld: false }) => Ok(Withdrawn),
            (Acknowledged, Command::AcceptPlan) => Ok(PlanAccepted),
            (PlanAccepted, Command::StartRemediation) => Ok(InRemediation),
            (InRemediation, Command::ClaimRemediation) => Ok(RemediationClaimed),
            (RemediationClaimed, Command::Verify { passed }) => {
                let claimant = self.claimed_by.as_ref().map(|p| p.user_id.as_str());
                if is_owner || claimant == Some(actor.user_id.as_str()) {
                    Err(Refusal::NotIndependent)
                } else if *passed {
                    Ok(Verified)
                } else {
                    Ok(InRemediation)
                }
            }
            (Acknowledged | PlanAccepted | InRemediation | Reopened, Command::AcceptRisk(a)) => {
                if !self.severity.may_accept_risk(a.approver.role)
                    || a.approver.user_id != actor.user_id
                {
                    Err(Refusal::ApproverLevel {
                        severity: self.severity,
                    })
                } else if a.expires_at_us <= now_us {
                    Err(Refusal::Expired)
                } else {
                    Ok(RiskAccepted)
                }
            }
            (Verified, Command::Close) => Ok(Closed),
            (RiskAccepted, Command::Close) => match &self.acceptance {
                Some(a) if a.expires_at_us > now_us => Ok(Closed),
                _ => Err(Refusal::Expired),
            },
            (Closed | Verified | RiskAccepted, Command::Reopen { reason }) => {
                if reason.trim().is_empty() {
                    Err(Refusal::NoReason)
                } else {
                    Ok(Reopened)
                }
            }
            _ => Err(wrong()),
        }
    }

    /// Whether a risk acceptance in force has expired by `now_us` (the finding then needs
    /// reopening or a new acceptance).
    pub fn acceptance_expired(&self, now_us: i64) -> bool {
        self.state == State::RiskAccepted
            && self
                .acceptance
                .as_ref()
                .is_none_or(|a| a.expires_at_us <= now_us)
    }
}

/// A remediation milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// What is to be done.
    pub title: String,
    /// Who is responsible.
    pub owner: String,
    /// Due, Unix µs.
    pub due_us: i64,
    /// Done, Unix µs.
    pub done_us: Option<i64>,
}

/// How far an overdue item has escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// On time.
    None,
    /// Overdue: the owner is reminded.
    Owner,
    /// Overdue by more than 14 days: the owner's manager (administrator).
    Management,
    /// Overdue by more than 30 days: executives (経営陣).
    Executive,
}

const DAY_US: i64 = 86_400 * 1_000_000;

impl Milestone {
    /// The escalation of this milestone at `now_us`.
    pub fn escalation(&self, now_us: i64) -> Escalation {
        if self.done_us.is_some() || now_us <= self.due_us {
            return Escalation::None;
        }
        match (now_us - self.due_us) / DAY_US {
            0..=14 => Escalation::Owner,
            15..=30 => Escalation::Management,
            _ => Escalation::Executive,
        }
    }
}

/// The highest escalation among a plan's milestones.
pub fn plan_escalation(milestones: &[Milestone], now_us: i64) -> Escalation {
    milestones
        .iter()
        .map(|m| m.escalation(now_us))
        .max()
        .unwrap_or(Escalation::None)
}

#[cfg(test)]
mod tests;
