//! Figures about a request: completion by business type and region, and the change an
//! answer underwent between before and after the request.

use super::{AnswerValue, TaskState};
use crate::org::{BusinessType, Region};
use crate::supervision::Ratio;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What completion figures need to know about one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFacts {
    /// The institution's business type.
    pub business_type: BusinessType,
    /// The institution's region.
    pub region: Region,
    /// The task's state.
    pub state: TaskState,
    /// Whether it is overdue now.
    pub overdue: bool,
}

/// Task counts for one group of institutions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRow {
    /// Tasks sent.
    pub targeted: u32,
    /// Not yet started.
    pub assigned: u32,
    /// Started, not submitted.
    pub in_progress: u32,
    /// Submitted, awaiting review.
    pub submitted: u32,
    /// Returned, to be resubmitted.
    pub returned: u32,
    /// Accepted.
    pub accepted: u32,
    /// Exempted.
    pub exempted: u32,
    /// Overdue (among assigned, in progress and returned).
    pub overdue: u32,
}

impl CompletionRow {
    fn add(&mut self, f: &TaskFacts) {
        self.add_tasks(f.state, f.overdue, 1);
    }

    /// Counts `n` tasks in `state`, each overdue when `overdue` (for callers that read
    /// tasks already counted by state).
    pub fn add_tasks(&mut self, state: TaskState, overdue: bool, n: u32) {
        self.targeted += n;
        let slot = match state {
            TaskState::Assigned => &mut self.assigned,
            TaskState::InProgress => &mut self.in_progress,
            TaskState::Submitted => &mut self.submitted,
            TaskState::Returned => &mut self.returned,
            TaskState::Accepted => &mut self.accepted,
            TaskState::Exempted => &mut self.exempted,
        };
        *slot += n;
        if overdue {
            self.overdue += n;
        }
    }

    /// Accepted over targeted less exempted: the share that has completed the request.
    pub fn completion(&self) -> Ratio {
        Ratio {
            numerator: self.accepted,
            denominator: self.targeted - self.exempted,
        }
    }

    /// Submitted or accepted over targeted less exempted: the share that has answered.
    pub fn answered(&self) -> Ratio {
        Ratio {
            numerator: self.submitted + self.accepted,
            denominator: self.targeted - self.exempted,
        }
    }
}

/// Completion of a request, by business type, by region and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionTable {
    /// One row per business type with tasks.
    pub by_business_type: BTreeMap<BusinessType, CompletionRow>,
    /// One row per region with tasks.
    pub by_region: BTreeMap<Region, CompletionRow>,
    /// All tasks.
    pub total: CompletionRow,
}

/// Counts a request's tasks by business type and region.
pub fn completion(tasks: &[TaskFacts]) -> CompletionTable {
    let mut table = CompletionTable::default();
    for f in tasks {
        table
            .by_business_type
            .entry(f.business_type)
            .or_default()
            .add(f);
        table.by_region.entry(f.region).or_default().add(f);
        table.total.add(f);
    }
    table
}

/// One institution's answer to one asked item at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerFact {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// Its answer.
    pub value: AnswerValue,
}

/// The share answering yes, before and after, for one business type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeforeAfter {
    /// Yes over answers (not applicable left out) before the request.
    pub before: Ratio,
    /// The same after it.
    pub after: Ratio,
}

fn yes_shares(facts: &[AnswerFact]) -> BTreeMap<BusinessType, Ratio> {
    // One answer per institution: a later fact for the same institution replaces it.
    let mut latest: BTreeMap<&str, &AnswerFact> = BTreeMap::new();
    for f in facts {
        latest.insert(f.org_id.as_str(), f);
    }
    let mut shares: BTreeMap<BusinessType, Ratio> = BTreeMap::new();
    for f in latest.values() {
        // A business type whose answers are all "not applicable" still gets its row.
        let r = shares.entry(f.business_type).or_default();
        if f.value == AnswerValue::NotApplicable {
            continue;
        }
        r.denominator += 1;
        r.numerator += u32::from(f.value == AnswerValue::Yes);
    }
    shares
}

/// The change a request produced in one answer, per business type: the share answering
/// yes before it (e.g. from the previous year's survey) and after it (from the accepted
/// submissions). The report's example: vulnerability diagnosis by shinkin banks and
/// credit cooperatives went from about 10% to over 90% (section 2.(1)③ア).
///
/// Each list holds one fact per institution; if an institution appears twice, its later
/// fact counts.
pub fn before_after(
    before: &[AnswerFact],
    after: &[AnswerFact],
) -> BTreeMap<BusinessType, BeforeAfter> {
    let mut rows: BTreeMap<BusinessType, BeforeAfter> = BTreeMap::new();
    for (bt, r) in yes_shares(before) {
        rows.entry(bt).or_default().before = r;
    }
    for (bt, r) in yes_shares(after) {
        rows.entry(bt).or_default().after = r;
    }
    rows
}
