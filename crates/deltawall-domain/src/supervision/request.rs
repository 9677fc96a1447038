//! Requests (要請): the supervisor asks a population of institutions for something by a
//! deadline, and follows every answer until it is accepted.
//!
//! The model is the report's request of 2019 (section 2.(1)③ア): regional banks, shinkin
//! and credit cooperatives were asked to carry out a vulnerability diagnosis, exercises
//! and a review of their monitoring by the end of March 2020, and completion was followed
//! by business type.
//!
//! Each targeted institution gets a [`Task`], a typed state machine:
//!
//! ```text
//! assigned → in progress → submitted → accepted
//!     │           │            └──────→ returned (reason) → submitted …
//!     └───────────┴──→ submitted                 (any open state → exempted (reason))
//! ```
//!
//! A submission carries an [`Attestation`] by an executive (経営陣) of that institution,
//! made for this submission (not before the task was assigned or last returned); a task
//! is only accepted with one. Refused commands return a [`TaskRefusal`] and leave the task
//! unchanged; accepted ones append one event to the history, which is never rewritten.
//!
//! Which supervisors may see a task at all is decided where every read is scoped
//! (`Actor::org_scope`, applied by the store); here any supervisory staff member who can
//! see it may accept, return or exempt it. Binding the attestation to the exact answers
//! (e.g. by a digest) is left to the service that records both in one transaction.

use super::population::{OrgFacts, Selector};
use super::{DAY_US, Party, Reminder, ReminderError, ReminderPolicy};
use crate::catalog::{Catalog, Text};
use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

mod stats;
pub use stats::{
    AnswerFact, BeforeAfter, CompletionRow, CompletionTable, TaskFacts, before_after, completion,
};

/// A question asked in a short questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskedQuestion {
    /// Stable id within the request.
    pub id: String,
    /// The question.
    pub text: Text,
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Asked {
    /// A subset of a catalog's requirements, answered as met, partly met or not met.
    Requirements {
        /// The catalog's id.
        catalog_id: String,
        /// The requirement ids.
        requirement_ids: Vec<String>,
    },
    /// A short questionnaire.
    Questions {
        /// The questions.
        questions: Vec<AskedQuestion>,
    },
}

impl Asked {
    /// The ids an answer must cover, in order.
    pub fn ids(&self) -> Vec<&str> {
        match self {
            Asked::Requirements {
                requirement_ids, ..
            } => requirement_ids.iter().map(String::as_str).collect(),
            Asked::Questions { questions } => questions.iter().map(|q| q.id.as_str()).collect(),
        }
    }
}

/// A request to a population of institutions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Title.
    pub title: Text,
    /// What is asked.
    pub asked: Asked,
    /// Who is asked.
    pub population: Selector,
    /// The deadline, Unix µs.
    pub deadline_us: i64,
    /// When reminders go out.
    pub reminders: ReminderPolicy,
}

/// Why a request cannot be sent; each variant names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The title is blank in one language.
    #[error("title.{lang}: is required")]
    MissingTitle {
        /// `ja` or `en`.
        lang: &'static str,
    },
    /// Nothing is asked.
    #[error("asked: asks for nothing")]
    NothingAsked,
    /// An id is empty or used twice.
    #[error("asked: {id:?} is empty or used twice")]
    BadAskId {
        /// The id.
        id: String,
    },
    /// A question is blank in one language.
    #[error("asked.{id}.{lang}: question text is required")]
    BlankQuestion {
        /// The question id.
        id: String,
        /// `ja` or `en`.
        lang: &'static str,
    },
    /// A requirement is not in the catalog.
    #[error("asked: requirement {id} is not in catalog {catalog}")]
    UnknownRequirement {
        /// The requirement id.
        id: String,
        /// The catalog id.
        catalog: String,
    },
    /// The request names a different catalog than the one given to check against.
    #[error("asked.catalog_id: {0} is not the catalog checked against")]
    WrongCatalog(String),
    /// The deadline is not after now.
    #[error("deadline: must be in the future")]
    DeadlineNotInFuture,
    /// The reminders are not usable.
    #[error(transparent)]
    Reminders(#[from] ReminderError),
}

fn unique_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<(), RequestError> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if id.trim().is_empty() || !seen.insert(id) {
            return Err(RequestError::BadAskId { id: id.to_owned() });
        }
    }
    Ok(())
}

fn both_languages(text: &Text) -> Option<&'static str> {
    if text.ja.trim().is_empty() {
        Some("ja")
    } else if text.en.trim().is_empty() {
        Some("en")
    } else {
        None
    }
}

impl Request {
    /// Checks the request before it is sent at `now_us`: a title in both languages,
    /// something asked with unique ids, a deadline in the future, and reminders that fall
    /// between now and the deadline, each once. The population is checked separately by
    /// [`super::population::resolve`].
    pub fn validate(&self, now_us: i64) -> Result<(), RequestError> {
        if let Some(lang) = both_languages(&self.title) {
            return Err(RequestError::MissingTitle { lang });
        }
        let ids = self.asked.ids();
        if ids.is_empty() {
            return Err(RequestError::NothingAsked);
        }
        unique_ids(ids)?;
        if let Asked::Questions { questions } = &self.asked {
            for q in questions {
                if let Some(lang) = both_languages(&q.text) {
                    let id = q.id.clone();
                    return Err(RequestError::BlankQuestion { id, lang });
                }
            }
        }
        if self.deadline_us <= now_us {
            return Err(RequestError::DeadlineNotInFuture);
        }
        self.reminders.validate(self.deadline_us, now_us)?;
        Ok(())
    }

    /// Checks that every requirement asked for is in `catalog` (a questionnaire passes).
    pub fn check_against(&self, catalog: &Catalog) -> Result<(), RequestError> {
        let Asked::Requirements {
            catalog_id,
            requirement_ids,
        } = &self.asked
        else {
            return Ok(());
        };
        if *catalog_id != catalog.id {
            return Err(RequestError::WrongCatalog(catalog_id.clone()));
        }
        match requirement_ids
            .iter()
            .find(|id| catalog.requirement(id).is_none())
        {
            Some(id) => Err(RequestError::UnknownRequirement {
                id: id.clone(),
                catalog: catalog.id.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// An answer to one asked item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerValue {
    /// No / not met.
    No,
    /// Partly / partly met.
    Partial,
    /// Yes / met.
    Yes,
    /// Does not apply to this institution.
    NotApplicable,
}

/// One answer of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The question or requirement id.
    pub id: String,
    /// The answer.
    pub value: AnswerValue,
    /// Explanation or evidence reference.
    #[serde(default)]
    pub note: String,
}

/// A statement by an executive of the institution that a submission is true and complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// Who attests.
    pub by: Party,
    /// When, Unix µs.
    pub at_us: i64,
}

/// The states of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Sent to the institution; nothing done yet.
    Assigned,
    /// The institution is working on it.
    InProgress,
    /// Submitted, awaiting the supervisor's review.
    Submitted,
    /// Returned by the supervisor with a reason; to be resubmitted.
    Returned,
    /// Accepted by the supervisor. Final.
    Accepted,
    /// The supervisor exempted the institution, with a reason. Final.
    Exempted,
}

crate::code::impl_code!(TaskState, "task state", {
    Assigned = "assigned",
    InProgress = "in_progress",
    Submitted = "submitted",
    Returned = "returned",
    Accepted = "accepted",
    Exempted = "exempted",
});

impl TaskState {
    /// The states in which the institution still owes an answer.
    pub const OUTSTANDING: &'static [TaskState] = &[
        TaskState::Assigned,
        TaskState::InProgress,
        TaskState::Returned,
    ];

    /// Whether the institution still owes an answer.
    pub fn is_outstanding(self) -> bool {
        TaskState::OUTSTANDING.contains(&self)
    }
}

/// What someone asks to do with a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum TaskCommand {
    /// The institution starts working on it.
    Start,
    /// The institution submits its answers, attested by an executive.
    Submit {
        /// One answer per asked item.
        answers: Vec<Answer>,
        /// The executive's attestation.
        attestation: Attestation,
    },
    /// The supervisor accepts the submission.
    Accept,
    /// The supervisor returns the submission, with a reason.
    Return {
        /// Why.
        reason: String,
    },
    /// The supervisor exempts the institution, with a reason.
    Exempt {
        /// Why.
        reason: String,
    },
}

impl TaskCommand {
    fn name(&self) -> &'static str {
        match self {
            TaskCommand::Start => "start",
            TaskCommand::Submit { .. } => "submit",
            TaskCommand::Accept => "accept",
            TaskCommand::Return { .. } => "return",
            TaskCommand::Exempt { .. } => "exempt",
        }
    }
}

/// Why a command on a task was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskRefusal {
    /// The command does not apply in this state.
    #[error("cannot {command} a task that is {state:?}")]
    WrongState {
        /// The command.
        command: &'static str,
        /// The state.
        state: TaskState,
    },
    /// Only the institution's own users (not auditors) may do this.
    #[error("only the institution may {0}")]
    InstitutionOnly(&'static str),
    /// Only supervisory staff (not auditors) may do this.
    #[error("only the supervisor may {0}")]
    SupervisorOnly(&'static str),
    /// The attestation is not by an executive of the institution.
    #[error("the submission must be attested by an executive of the institution")]
    NotAnExecutive,
    /// The attestation predates this submission round or lies in the future.
    #[error("the attestation must be made for this submission")]
    StaleAttestation,
    /// The answers do not match what was asked.
    #[error("answers: {0}")]
    Answers(String),
    /// A reason is required.
    #[error("a reason is required")]
    NoReason,
}

/// One entry of a task's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEvent {
    /// When, Unix µs.
    pub at_us: i64,
    /// Who.
    pub actor: Party,
    /// What they asked.
    pub command: TaskCommand,
    /// The state before.
    pub from: TaskState,
    /// The state after.
    pub to: TaskState,
}

/// One institution's task under a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The institution.
    pub org_id: String,
    /// When the task was assigned, Unix µs.
    pub assigned_at_us: i64,
    /// Current state.
    pub state: TaskState,
    /// The answers of the current or last submission.
    pub answers: Vec<Answer>,
    /// The attestation of the current or last submission.
    pub attestation: Option<Attestation>,
    /// Every accepted command, oldest first. Only ever appended to.
    pub history: Vec<TaskEvent>,
}

/// Where a task stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStatus {
    /// The state.
    pub state: TaskState,
    /// The deadline has passed and the institution still owes an answer.
    pub overdue: bool,
    /// Whole days past the deadline while overdue, else 0.
    pub days_late: i64,
}

/// Checks that `answers` answer every asked item exactly once and nothing else.
pub fn check_answers(asked: &Asked, answers: &[Answer]) -> Result<(), String> {
    let ids = asked.ids();
    let mut seen = BTreeSet::new();
    for a in answers {
        if !ids.contains(&a.id.as_str()) {
            return Err(format!("{} was not asked", a.id));
        }
        if !seen.insert(a.id.as_str()) {
            return Err(format!("{} is answered twice", a.id));
        }
    }
    match ids.iter().find(|id| !seen.contains(*id)) {
        Some(id) => Err(format!("{id} is not answered")),
        None => Ok(()),
    }
}

impl Task {
    /// A new task for an institution, assigned at `at_us`.
    pub fn assign(org_id: &str, at_us: i64) -> Task {
        Task {
            org_id: org_id.into(),
            assigned_at_us: at_us,
            state: TaskState::Assigned,
            answers: Vec::new(),
            attestation: None,
            history: Vec::new(),
        }
    }

    /// Applies a command of `actor` at `now_us` under `request`; returns the task after it,
    /// with one more history entry, or why it is refused (the task is then unchanged).
    pub fn apply(
        &self,
        request: &Request,
        actor: &Party,
        command: TaskCommand,
        now_us: i64,
    ) -> Result<Task, TaskRefusal> {
        let to = self.target(request, actor, &command, now_us)?;
        let mut next = self.clone();
        if let TaskCommand::Submit {
            answers,
            attestation,
        } = &command
        {
            next.answers = answers.clone();
            next.attestation = Some(attestation.clone());
        }
        next.state = to;
        next.history.push(TaskEvent {
            at_us: now_us,
            actor: actor.clone(),
            command,
            from: self.state,
            to,
        });
        Ok(next)
    }

    /// When the current submission round began: the last return, or the assignment.
    fn round_started_us(&self) -> i64 {
        self.history
            .iter()
            .rev()
            .find(|e| e.to == TaskState::Returned)
            .map_or(self.assigned_at_us, |e| e.at_us)
    }

    fn target(
        &self,
        request: &Request,
        actor: &Party,
        command: &TaskCommand,
        now_us: i64,
    ) -> Result<TaskState, TaskRefusal> {
        use TaskState::*;
        let wrong = || TaskRefusal::WrongState {
            command: command.name(),
            state: self.state,
        };
        let institution = actor.acts_for(&self.org_id);
        let supervisor = actor.is_supervisor();
        match (self.state, command) {
            (Assigned, TaskCommand::Start) if institution => Ok(InProgress),
            (
                Assigned | InProgress | Returned,
                TaskCommand::Submit {
                    answers,
                    attestation,
                },
            ) if institution => {
                self.check_attestation(attestation, now_us)?;
                check_answers(&request.asked, answers).map_err(TaskRefusal::Answers)?;
                Ok(Submitted)
            }
            (Assigned, TaskCommand::Start)
            | (Assigned | InProgress | Returned, TaskCommand::Submit { .. }) => {
                Err(TaskRefusal::InstitutionOnly(command.name()))
            }
            (Submitted, TaskCommand::Accept) if supervisor => {
                // Submitted always carries a checked attestation; checked again so that no
                // path to accepted can bypass it.
                match &self.attestation {
                    Some(a) if self.is_valid_attester(&a.by) => Ok(Accepted),
                    _ => Err(TaskRefusal::NotAnExecutive),
                }
            }
            (Submitted, TaskCommand::Return { reason }) if supervisor => {
                required(reason).map(|()| Returned)
            }
            (Assigned | InProgress | Submitted | Returned, TaskCommand::Exempt { reason })
                if supervisor =>
            {
                required(reason).map(|()| Exempted)
            }
            (Submitted, TaskCommand::Accept | TaskCommand::Return { .. })
            | (Assigned | InProgress | Submitted | Returned, TaskCommand::Exempt { .. }) => {
                Err(TaskRefusal::SupervisorOnly(command.name()))
            }
            _ => Err(wrong()),
        }
    }

    fn is_valid_attester(&self, by: &Party) -> bool {
        by.org_id == self.org_id && by.role == Role::Executive
    }

    fn check_attestation(&self, a: &Attestation, now_us: i64) -> Result<(), TaskRefusal> {
        if !self.is_valid_attester(&a.by) {
            return Err(TaskRefusal::NotAnExecutive);
        }
        if a.at_us < self.round_started_us() || a.at_us > now_us {
            return Err(TaskRefusal::StaleAttestation);
        }
        Ok(())
    }

    /// The task's status at `now_us` against the deadline: overdue while the institution
    /// still owes an answer after the deadline (including after a return).
    pub fn status_at(&self, deadline_us: i64, now_us: i64) -> TaskStatus {
        let overdue = self.state.is_outstanding() && now_us > deadline_us;
        TaskStatus {
            state: self.state,
            overdue,
            days_late: if overdue {
                now_us.saturating_sub(deadline_us) / DAY_US
            } else {
                0
            },
        }
    }

    /// When the institution first submitted, if it has.
    pub fn first_submitted_at(&self) -> Option<i64> {
        self.history
            .iter()
            .find(|e| e.to == TaskState::Submitted)
            .map(|e| e.at_us)
    }

    /// The reminder to send at `now_us`, if the task is outstanding and one is due that was
    /// not yet sent (`last_sent_us`); see [`ReminderPolicy::due`].
    pub fn reminder_due(
        &self,
        request: &Request,
        now_us: i64,
        last_sent_us: Option<i64>,
    ) -> Option<Reminder> {
        if !self.state.is_outstanding() {
            return None;
        }
        request
            .reminders
            .due(request.deadline_us, now_us, last_sent_us)
    }

    /// The facts the completion figures need, for this task of institution `org`.
    pub fn facts(&self, org: &OrgFacts, deadline_us: i64, now_us: i64) -> TaskFacts {
        TaskFacts {
            business_type: org.business_type,
            region: org.region,
            state: self.state,
            overdue: self.status_at(deadline_us, now_us).overdue,
        }
    }
}

fn required(reason: &str) -> Result<(), TaskRefusal> {
    if reason.trim().is_empty() {
        Err(TaskRefusal::NoReason)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
