//! Monitoring engagements (実態把握): the supervisor plans an engagement with one
//! institution, records what the dialogue showed against the catalog's viewpoints, and
//! follows up with assignees and due dates.
//!
//! The report (section 2.(1)①ア) describes 実態把握 by dialogue (対話によるモニタリング),
//! off-site questionnaires (アンケート) and the FSA and the local finance bureau following
//! up together (金融庁と財務局が一体となって). So the people who may act on an engagement
//! are supervisory staff of the FSA and of the bureau of the institution's region, and no
//! one else. Findings themselves are issued through [`crate::finding`]; a follow-up may
//! name the finding it tracks.
//!
//! ```text
//! planned → in progress → completed   (planned | in progress → cancelled, with a reason)
//! ```
//!
//! An engagement is completed only once every planned viewpoint has a note. Follow-ups
//! may be added and done after completion. History is only appended to.

use super::Party;
use super::population::OrgFacts;
use crate::catalog::Catalog;
use crate::finding::{Escalation, Milestone};
use crate::org::{OrgKind, Region, SupervisorReach};
use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How the engagement is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 対話: dialogue with management and staff.
    Dialogue,
    /// アンケート: an off-site questionnaire.
    Questionnaire,
    /// 立入: on site.
    OnSite,
}

/// The states of an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementState {
    /// Planned.
    Planned,
    /// Under way.
    InProgress,
    /// Done; follow-ups may continue.
    Completed,
    /// Called off, with a reason.
    Cancelled,
}

/// A supervisor acting on an engagement: the user and how far their body reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervisor {
    /// The user.
    pub party: Party,
    /// The FSA (national) or a local bureau (one region).
    pub reach: SupervisorReach,
}

impl Supervisor {
    /// Whether this user may act on engagements with an institution of `region`:
    /// supervisory staff (not auditors) of the FSA or of that region's bureau.
    pub fn may_act_in(&self, region: Region) -> bool {
        let reaches = match self.reach {
            SupervisorReach::National => true,
            SupervisorReach::Regional(r) => r == region,
        };
        reaches && self.party.org_kind == OrgKind::Supervisor && self.party.role != Role::Auditor
    }
}

/// What the dialogue showed on one viewpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The viewpoint (catalog section or requirement id).
    pub viewpoint: String,
    /// What was observed.
    pub text: String,
}

/// A follow-up action: a milestone with an assignee of the FSA or the bureau, optionally
/// tracking a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// What is to be done, by whom (`owner` is the assignee's user id) and by when.
    pub milestone: Milestone,
    /// The assignee's organisation (the FSA or the bureau).
    pub assignee_org: String,
    /// The finding it tracks, if any.
    pub finding_id: Option<String>,
}

/// What someone asks to do with an engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum EngagementCommand {
    /// Start it.
    Start,
    /// Record a note.
    Note(Note),
    /// Add a follow-up assigned to a supervisor.
    AddFollowUp {
        /// What to do.
        title: String,
        /// Who.
        assignee: Supervisor,
        /// By when, Unix µs.
        due_us: i64,
        /// The finding it tracks.
        finding_id: Option<String>,
    },
    /// Mark follow-up number `index` (from 0, in the order added) done.
    CompleteFollowUp {
        /// Which.
        index: usize,
    },
    /// Complete the engagement.
    Complete,
    /// Cancel it, with a reason.
    Cancel {
        /// Why.
        reason: String,
    },
}

impl EngagementCommand {
    fn name(&self) -> &'static str {
        match self {
            EngagementCommand::Start => "start",
            EngagementCommand::Note(_) => "record a note on",
            EngagementCommand::AddFollowUp { .. } => "add a follow-up to",
            EngagementCommand::CompleteFollowUp { .. } => "complete a follow-up of",
            EngagementCommand::Complete => "complete",
            EngagementCommand::Cancel { .. } => "cancel",
        }
    }
}

/// Why an engagement cannot be planned or a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngagementError {
    /// No viewpoint planned.
    #[error("viewpoints: at least one is required")]
    NoViewpoint,
    /// A viewpoint is not a section or requirement of the catalog, or is listed twice.
    #[error("viewpoints: {0} is not in the catalog or is listed twice")]
    BadViewpoint(String),
    /// The command does not apply in this state.
    #[error("cannot {command} an engagement that is {state:?}")]
    WrongState {
        /// The command.
        command: &'static str,
        /// The state.
        state: EngagementState,
    },
    /// The actor (or assignee) is not staff of the FSA or of the region's bureau.
    #[error("only the FSA or the bureau of the institution's region may do this")]
    OutOfReach,
    /// A note is about a viewpoint that was not planned, or is blank.
    #[error("note: {0}")]
    BadNote(String),
    /// A follow-up has no title or is due before now.
    #[error("follow-up: {0}")]
    BadFollowUp(&'static str),
    /// No follow-up with this index, or it is already done.
    #[error("follow-up {0} does not exist or is done")]
    NoSuchFollowUp(usize),
    /// Planned viewpoints without a note.
    #[error("viewpoints without a note: {0}")]
    Uncovered(String),
    /// A reason is required.
    #[error("a reason is required")]
    NoReason,
}

/// One entry of an engagement's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementEvent {
    /// When, Unix µs.
    pub at_us: i64,
    /// Who (user id).
    pub actor: String,
    /// What they asked.
    pub command: EngagementCommand,
    /// The state before.
    pub from: EngagementState,
    /// The state after.
    pub to: EngagementState,
}

/// A monitoring engagement with one institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    /// The institution.
    pub org_id: String,
    /// Its region: decides which bureau shares the engagement.
    pub org_region: Region,
    /// How it is carried out.
    pub method: Method,
    /// The viewpoints (catalog section or requirement ids) it covers.
    pub viewpoints: Vec<String>,
    /// Current state.
    pub state: EngagementState,
    /// Notes, in the order recorded.
    pub notes: Vec<Note>,
    /// Follow-ups, in the order added.
    pub follow_ups: Vec<FollowUp>,
    /// Every accepted command, oldest first. Only ever appended to.
    pub history: Vec<EngagementEvent>,
}

fn covers(catalog: &Catalog, id: &str) -> bool {
    catalog.section(id).is_some() || catalog.requirement(id).is_some()
}

impl Engagement {
    /// Plans an engagement with institution `org` by `method` covering `viewpoints`, each
    /// a section or requirement of `catalog`, listed once.
    pub fn plan(
        org: &OrgFacts,
        method: Method,
        viewpoints: Vec<String>,
        catalog: &Catalog,
    ) -> Result<Engagement, EngagementError> {
        if viewpoints.is_empty() {
            return Err(EngagementError::NoViewpoint);
        }
        let mut seen = BTreeSet::new();
        if let Some(v) = viewpoints
            .iter()
            .find(|v| !covers(catalog, v) || !seen.insert(v.as_str()))
        {
            return Err(EngagementError::BadViewpoint(v.clone()));
        }
        Ok(Engagement {
            org_id: org.id.clone(),
            org_region: org.region,
            method,
            viewpoints,
            state: EngagementState::Planned,
            notes: Vec::new(),
            follow_ups: Vec::new(),
            history: Vec::new(),
        })
    }

    /// Applies a command of `actor` at `now_us`; returns the engagement after it, with one
    /// more history entry, or why it is refused (the engagement is then unchanged).
    pub fn apply(
        &self,
        actor: &Supervisor,
        command: EngagementCommand,
        now_us: i64,
    ) -> Result<Engagement, EngagementError> {
        use EngagementState::*;
        if !actor.may_act_in(self.org_region) {
            return Err(EngagementError::OutOfReach);
        }
        let wrong = || EngagementError::WrongState {
            command: command.name(),
            state: self.state,
        };
        let mut next = self.clone();
        let to = match (&command, self.state) {
            (EngagementCommand::Start, Planned) => InProgress,
            (EngagementCommand::Note(note), InProgress) => {
                self.check_note(note)?;
                next.notes.push(note.clone());
                InProgress
            }
            (
                EngagementCommand::AddFollowUp {
                    title,
                    assignee,
                    due_us,
                    finding_id,
                },
                InProgress | Completed,
            ) => {
                let item = (title.as_str(), *due_us, finding_id.clone());
                next.follow_ups
                    .push(self.follow_up(assignee, item, now_us)?);
                self.state
            }
            (EngagementCommand::CompleteFollowUp { index }, InProgress | Completed) => {
                let f = next
                    .follow_ups
                    .get_mut(*index)
                    .filter(|f| f.milestone.done_us.is_none())
                    .ok_or(EngagementError::NoSuchFollowUp(*index))?;
                f.milestone.done_us = Some(now_us);
                self.state
            }
            (EngagementCommand::Complete, InProgress) => {
                let uncovered = self.uncovered();
                if !uncovered.is_empty() {
                    return Err(EngagementError::Uncovered(uncovered.join(", ")));
                }
                Completed
            }
            (EngagementCommand::Cancel { reason }, Planned | InProgress) => {
                if reason.trim().is_empty() {
                    return Err(EngagementError::NoReason);
                }
                Cancelled
            }
            _ => return Err(wrong()),
        };
        next.state = to;
        next.history.push(EngagementEvent {
            at_us: now_us,
            actor: actor.party.user_id.clone(),
            command,
            from: self.state,
            to,
        });
        Ok(next)
    }

    fn check_note(&self, note: &Note) -> Result<(), EngagementError> {
        if !self.viewpoints.contains(&note.viewpoint) {
            let msg = format!("{} is not a planned viewpoint", note.viewpoint);
            return Err(EngagementError::BadNote(msg));
        }
        if note.text.trim().is_empty() {
            return Err(EngagementError::BadNote("text is required".into()));
        }
        Ok(())
    }

    /// Builds a follow-up from `(title, due, finding)` assigned to `assignee`.
    fn follow_up(
        &self,
        assignee: &Supervisor,
        (title, due_us, finding_id): (&str, i64, Option<String>),
        now_us: i64,
    ) -> Result<FollowUp, EngagementError> {
        if !assignee.may_act_in(self.org_region) {
            return Err(EngagementError::OutOfReach);
        }
        if title.trim().is_empty() {
            return Err(EngagementError::BadFollowUp("title is required"));
        }
        if due_us <= now_us {
            return Err(EngagementError::BadFollowUp(
                "due date must be in the future",
            ));
        }
        Ok(FollowUp {
            milestone: Milestone {
                title: title.to_owned(),
                owner: assignee.party.user_id.clone(),
                due_us,
                done_us: None,
            },
            assignee_org: assignee.party.org_id.clone(),
            finding_id,
        })
    }

    /// The planned viewpoints that have no note yet, in plan order.
    pub fn uncovered(&self) -> Vec<&str> {
        self.viewpoints
            .iter()
            .filter(|v| !self.notes.iter().any(|n| &n.viewpoint == *v))
            .map(String::as_str)
            .collect()
    }

    /// When the engagement was completed, if it was: the institution's "last monitored".
    pub fn completed_at_us(&self) -> Option<i64> {
        self.history
            .iter()
            .find(|e| e.to == EngagementState::Completed)
            .map(|e| e.at_us)
    }

    /// Each open follow-up that has escalated at `now_us` (see [`Milestone::escalation`]),
    /// by index.
    pub fn overdue_follow_ups(&self, now_us: i64) -> Vec<(usize, Escalation)> {
        self.follow_ups
            .iter()
            .enumerate()
            .map(|(i, f)| (i, f.milestone.escalation(now_us)))
            .filter(|(_, e)| *e != Escalation::None)
            .collect()
    }
}

#[cfg(test)]
mod tests;
