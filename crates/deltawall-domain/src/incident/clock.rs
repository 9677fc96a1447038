//! Regulator-report clocks: one per (regime, report stage) of a case, computed from the
//! case's recorded times and never stored as the truth.
//!
//! A stage's deadline is the earliest of its regime's terms whose trigger is recorded
//! ([`super::regime::DueTerm`]). Hours are elapsed time; business days end at midnight in
//! Japan and skip weekends and the holidays passed in; months are counted on the Japanese
//! calendar. Every deadline is an instant, shown in Japan time.
//!
//! Clocks only move forward. Triggers are recorded once (milestones are set once, and a
//! stage counts from its first submission), so adding an event can only add terms to a
//! minimum: a deadline is never postponed, an overdue clock stays overdue until it is met,
//! and a met clock or a decision not to report is never undone. The property test in this
//! module checks exactly that.

use super::case::{Category, Milestone};
use super::regime::{Regime, Regimes, Stage, StageRule, Trigger, Within};
use crate::jst::{self, Holidays};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The recorded times a case's clocks are computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTimes {
    /// The case's category.
    pub category: Category,
    /// Milestones with when they happened, Unix µs.
    pub milestones: BTreeMap<Milestone, i64>,
    /// The first submission of each (regime code, stage), Unix µs.
    pub first_submitted: BTreeMap<(String, Stage), i64>,
    /// Decisions not to report, by regime code, with when they were made.
    pub not_reporting: BTreeMap<String, i64>,
}

impl CaseTimes {
    /// Times of a case of `category` with nothing recorded yet.
    pub fn new(category: Category) -> CaseTimes {
        CaseTimes {
            category,
            milestones: BTreeMap::new(),
            first_submitted: BTreeMap::new(),
            not_reporting: BTreeMap::new(),
        }
    }

    /// Records a submission; only the first one of a stage counts.
    pub fn submitted(&mut self, regime: &str, stage: Stage, at_us: i64) {
        self.first_submitted
            .entry((regime.to_owned(), stage))
            .or_insert(at_us);
    }

    fn trigger(&self, regime: &str, trigger: Trigger) -> Option<i64> {
        match trigger {
            Trigger::Milestone(m) => self.milestones.get(&m).copied(),
            Trigger::Submitted(stage) => self
                .first_submitted
                .get(&(regime.to_owned(), stage))
                .copied(),
        }
    }
}

/// Where one clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClockState {
    /// The regime does not cover the case, or its required milestone is not recorded.
    NotApplicable,
    /// Covered, but nothing it counts from is recorded yet.
    Waiting,
    /// Counting down.
    Running {
        /// The deadline, Unix µs.
        due_us: i64,
    },
    /// The deadline passed without a submission.
    Overdue {
        /// The deadline, Unix µs.
        due_us: i64,
    },
    /// Submitted.
    Met {
        /// The first submission, Unix µs.
        submitted_us: i64,
        /// The deadline, if it could be computed.
        due_us: Option<i64>,
        /// Submitted after the deadline.
        late: bool,
    },
    /// An executive decided not to report under this regime.
    NotReporting {
        /// When, Unix µs.
        decided_us: i64,
    },
}

impl ClockState {
    /// How far along the clock is: not started 0, running 1, overdue 2, settled 3. Adding
    /// events never lowers it.
    pub fn rank(self) -> u8 {
        match self {
            ClockState::NotApplicable | ClockState::Waiting => 0,
            ClockState::Running { .. } => 1,
            ClockState::Overdue { .. } => 2,
            ClockState::Met { .. } | ClockState::NotReporting { .. } => 3,
        }
    }

    /// The deadline, when there is one.
    pub fn due_us(self) -> Option<i64> {
        match self {
            ClockState::Running { due_us } | ClockState::Overdue { due_us } => Some(due_us),
            ClockState::Met { due_us, .. } => due_us,
            _ => None,
        }
    }

    /// Whether a report is owed and late (for dashboards and reminders).
    pub fn is_overdue(self) -> bool {
        matches!(self, ClockState::Overdue { .. })
    }
}

/// The clock of one (regime, stage) of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Regime code.
    pub regime: String,
    /// Stage.
    pub stage: Stage,
    /// The regime asks "promptly": the deadline is a working target, not a legal limit.
    pub promptly: bool,
    /// Where it stands.
    pub state: ClockState,
}

fn after(from_us: i64, within: Within, holidays: &Holidays) -> Option<i64> {
    match within {
        Within::Hours(h) => Some(from_us.saturating_add(i64::from(h) * 3_600_000_000)),
        Within::BusinessDays(n) => jst::add_business_days(jst::date_of(from_us), n, holidays)
            .ok()
            .map(jst::end_of_day_us),
        Within::Months(n) => jst::months_after_us(from_us, n).ok(),
    }
}

/// The deadline of a stage: the earliest term whose trigger is recorded.
pub fn due_us(
    regime: &str,
    rule: &StageRule,
    times: &CaseTimes,
    holidays: &Holidays,
) -> Option<i64> {
    rule.due
        .iter()
        .filter_map(|term| {
            let from = times.trigger(regime, term.from)?;
            // A term that leaves the calendar never binds.
            after(from, term.within, holidays)
        })
        .min()
}

/// The clock of one stage at `now_us`.
pub fn clock(
    regime: &Regime,
    rule: &StageRule,
    times: &CaseTimes,
    holidays: &Holidays,
    now_us: i64,
) -> Clock {
    let state = state(regime, rule, times, holidays, now_us);
    Clock {
        regime: regime.code.clone(),
        stage: rule.stage,
        promptly: rule.promptly,
        state,
    }
}

fn state(
    regime: &Regime,
    rule: &StageRule,
    times: &CaseTimes,
    holidays: &Holidays,
    now_us: i64,
) -> ClockState {
    let covered = regime.covers(times.category)
        && regime
            .requires
            .is_none_or(|m| times.milestones.contains_key(&m));
    if !covered {
        return ClockState::NotApplicable;
    }
    let due = due_us(&regime.code, rule, times, holidays);
    let submitted = times
        .first_submitted
        .get(&(regime.code.clone(), rule.stage))
        .copied();
    let decided = times.not_reporting.get(&regime.code).copied();
    match (submitted, decided) {
        // A report made before the decision not to report stays made.
        (Some(s), d) if d.is_none_or(|d| s <= d) => ClockState::Met {
            submitted_us: s,
            due_us: due,
            late: due.is_some_and(|d| s > d),
        },
        (_, Some(decided_us)) => ClockState::NotReporting { decided_us },
        _ => match due {
            None => ClockState::Waiting,
            Some(due_us) if now_us > due_us => ClockState::Overdue { due_us },
            Some(due_us) => ClockState::Running { due_us },
        },
    }
}

/// Every clock of a case at `now_us`: each stage of each regime, in file and stage order.
pub fn clocks(
    regimes: &Regimes,
    times: &CaseTimes,
    holidays: &Holidays,
    now_us: i64,
) -> Vec<Clock> {
    regimes
        .all()
        .iter()
        .flat_map(|r| {
            r.stages
                .iter()
                .map(move |s| clock(r, s, times, holidays, now_us))
        })
        .collect()
}

#[cfg(test)]
mod tests;
