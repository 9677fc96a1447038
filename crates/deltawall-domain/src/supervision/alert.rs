//! Alerts (注意喚起): the supervisor warns a population of institutions, optionally with a
//! checklist each must confirm, and tracks who has acknowledged.
//!
//! The report's examples: the October 2019 alert on credential-list logins and DDoS with
//! ransom demands (section 1.(2)), and the August 2019 alert to cashless payment providers
//! (section 2.(1)①ア, note 9).
//!
//! Acknowledgements are only ever added; an institution may acknowledge again to amend
//! its checklist answers, and its latest acknowledgement counts.

use super::population::Selector;
use super::request::AnswerValue;
use super::{DAY_US, Party, Reminder, ReminderError, ReminderPolicy};
use crate::catalog::Text;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One point an institution must confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable id within the alert.
    pub id: String,
    /// What to confirm, e.g. "login uses a method resistant to credential lists".
    pub text: Text,
}

/// An alert to a population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Title.
    pub title: Text,
    /// The warning itself.
    pub body: Text,
    /// Who is warned.
    pub population: Selector,
    /// Acknowledge (and answer the checklist) by this instant, Unix µs.
    pub respond_by_us: i64,
    /// Points to confirm; may be empty (acknowledgement only).
    #[serde(default)]
    pub checklist: Vec<ChecklistItem>,
    /// When reminders go out.
    pub reminders: ReminderPolicy,
}

/// Why an alert cannot be sent; each variant names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// A text is blank in one language.
    #[error("{field}.{lang}: is required")]
    MissingText {
        /// `title`, `body` or `checklist.<id>`.
        field: String,
        /// `ja` or `en`.
        lang: &'static str,
    },
    /// A checklist id is empty or used twice.
    #[error("checklist: {id:?} is empty or used twice")]
    BadItemId {
        /// The id.
        id: String,
    },
    /// The response deadline is not after now.
    #[error("respond_by: must be in the future")]
    DeadlineNotInFuture,
    /// The reminders are not usable.
    #[error(transparent)]
    Reminders(#[from] ReminderError),
}

/// Why an acknowledgement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckRefusal {
    /// The institution is not in the alert's population.
    #[error("the alert was not sent to this institution")]
    NotTargeted,
    /// Only the institution's own users (not auditors) may acknowledge.
    #[error("only the institution may acknowledge")]
    InstitutionOnly,
    /// The answers do not match the checklist.
    #[error("answers: {0}")]
    Answers(String),
}

/// One checklist answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistAnswer {
    /// The item.
    pub item_id: String,
    /// The answer.
    pub value: AnswerValue,
    /// Explanation.
    #[serde(default)]
    pub note: String,
}

/// An institution's acknowledgement of an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The institution.
    pub org_id: String,
    /// Who acknowledged.
    pub by: Party,
    /// When, Unix µs.
    pub at_us: i64,
    /// One answer per checklist item.
    pub answers: Vec<ChecklistAnswer>,
}

fn blank(text: &Text) -> Option<&'static str> {
    if text.ja.trim().is_empty() {
        Some("ja")
    } else if text.en.trim().is_empty() {
        Some("en")
    } else {
        None
    }
}

impl Alert {
    /// Checks the alert before it is sent at `now_us`: title and body in both languages,
    /// checklist items with unique ids and texts, a response deadline in the future and
    /// usable reminders. The population is checked by [`super::population::resolve`].
    pub fn validate(&self, now_us: i64) -> Result<(), AlertError> {
        let missing = |field: String, lang| Err(AlertError::MissingText { field, lang });
        if let Some(lang) = blank(&self.title) {
            return missing("title".into(), lang);
        }
        if let Some(lang) = blank(&self.body) {
            return missing("body".into(), lang);
        }
        let mut ids = BTreeSet::new();
        for item in &self.checklist {
            if item.id.trim().is_empty() || !ids.insert(item.id.as_str()) {
                return Err(AlertError::BadItemId {
                    id: item.id.clone(),
                });
            }
            if let Some(lang) = blank(&item.text) {
                return missing(format!("checklist.{}", item.id), lang);
            }
        }
        if self.respond_by_us <= now_us {
            return Err(AlertError::DeadlineNotInFuture);
        }
        self.reminders.validate(self.respond_by_us, now_us)?;
        Ok(())
    }

    /// Records institution `org_id`'s acknowledgement by `by` at `now_us`, after checking
    /// that the alert was sent to it (`targets`), that `by` acts for it, and that every
    /// checklist item is answered exactly once.
    pub fn acknowledge(
        &self,
        targets: &[String],
        org_id: &str,
        by: &Party,
        answers: Vec<ChecklistAnswer>,
        now_us: i64,
    ) -> Result<Acknowledgement, AckRefusal> {
        if !targets.iter().any(|t| t == org_id) {
            return Err(AckRefusal::NotTargeted);
        }
        if !by.acts_for(org_id) {
            return Err(AckRefusal::InstitutionOnly);
        }
        self.check_answers(&answers).map_err(AckRefusal::Answers)?;
        Ok(Acknowledgement {
            org_id: org_id.into(),
            by: by.clone(),
            at_us: now_us,
            answers,
        })
    }

    fn check_answers(&self, answers: &[ChecklistAnswer]) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for a in answers {
            if !self.checklist.iter().any(|i| i.id == a.item_id) {
                return Err(format!("{} is not on the checklist", a.item_id));
            }
            if !seen.insert(a.item_id.as_str()) {
                return Err(format!("{} is answered twice", a.item_id));
            }
        }
        match self
            .checklist
            .iter()
            .find(|i| !seen.contains(i.id.as_str()))
        {
            Some(i) => Err(format!("{} is not answered", i.id)),
            None => Ok(()),
        }
    }

    /// The reminder to send at `now_us` to an institution that has not acknowledged yet;
    /// see [`ReminderPolicy::due`].
    pub fn reminder_due(
        &self,
        acknowledged: bool,
        now_us: i64,
        last_sent_us: Option<i64>,
    ) -> Option<Reminder> {
        if acknowledged {
            return None;
        }
        self.reminders.due(self.respond_by_us, now_us, last_sent_us)
    }
}

/// Where one institution stands with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AckState {
    /// Acknowledged (its latest acknowledgement).
    Acknowledged {
        /// When, Unix µs.
        at_us: i64,
        /// After the response deadline.
        late: bool,
    },
    /// Not yet, and the deadline has not passed.
    Outstanding,
    /// Not yet, and the deadline has passed.
    Overdue {
        /// Whole days past the deadline.
        days_late: i64,
    },
}

/// Tracking of an alert: one row per targeted institution, plus totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertTracking {
    /// Each targeted institution's state, by id.
    pub institutions: BTreeMap<String, AckState>,
    /// How many acknowledged.
    pub acknowledged: u32,
    /// Of those, after the deadline.
    pub late: u32,
    /// Not yet, before the deadline.
    pub outstanding: u32,
    /// Not yet, after the deadline.
    pub overdue: u32,
    /// Per checklist item, how many latest acknowledgements gave each answer.
    pub answers: BTreeMap<String, BTreeMap<AnswerValue, u32>>,
}

/// The latest acknowledgement per institution: by time, and among equal times the one
/// given last.
pub fn latest_acknowledgements(acks: &[Acknowledgement]) -> BTreeMap<&str, &Acknowledgement> {
    let mut latest: BTreeMap<&str, &Acknowledgement> = BTreeMap::new();
    for a in acks {
        let slot = latest.entry(a.org_id.as_str()).or_insert(a);
        if a.at_us >= slot.at_us {
            *slot = a;
        }
    }
    latest
}

/// Tracks an alert at `now_us`: who of `targets` acknowledged (on time or late), who is
/// outstanding or overdue, and the tally of checklist answers. Acknowledgements from
/// institutions outside `targets` are ignored.
pub fn tracking(
    alert: &Alert,
    targets: &[String],
    acks: &[Acknowledgement],
    now_us: i64,
) -> AlertTracking {
    let latest = latest_acknowledgements(acks);
    let mut t = AlertTracking::default();
    for item in &alert.checklist {
        t.answers.insert(item.id.clone(), BTreeMap::new());
    }
    let unique: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    for org in unique {
        let state = match latest.get(org) {
            Some(a) => {
                let late = a.at_us > alert.respond_by_us;
                t.acknowledged += 1;
                t.late += u32::from(late);
                for ans in &a.answers {
                    if let Some(tally) = t.answers.get_mut(&ans.item_id) {
                        *tally.entry(ans.value).or_default() += 1;
                    }
                }
                AckState::Acknowledged {
                    at_us: a.at_us,
                    late,
                }
            }
            None if now_us > alert.respond_by_us => {
                t.overdue += 1;
                AckState::Overdue {
                    days_late: now_us.saturating_sub(alert.respond_by_us) / DAY_US,
                }
            }
            None => {
                t.outstanding += 1;
                AckState::Outstanding
            }
        };
        t.institutions.insert(org.to_owned(), state);
    }
    t
}

#[cfg(test)]
mod tests;
