//! Regulator reports of a case: staged submissions with required items, attested by an
//! executive, reviewed by the supervisor; and the decision not to report.
//!
//! - A stage is submitted only when every item its regime requires is filled (the refusal
//!   names the first empty one), after the earlier stages, with an executive's attestation
//!   made for this submission.
//! - One submission per stage: while one is pending or accepted, another is refused. A
//!   returned submission is followed by a new version.
//! - The supervisor accepts a pending submission or returns it with a reason (the review
//!   loop of requests, [`crate::supervision::request`]).
//! - Not reporting under a regime is a decision with a reason, made by an executive.

use super::regime::{Regime, Stage};
use crate::role::Role;
use crate::supervision::Party;
use crate::supervision::request::Attestation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::case::MAX_TEXT_CHARS;

/// Where a submission stands with the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "review", rename_all = "snake_case")]
pub enum Review {
    /// Awaiting review.
    Pending,
    /// Accepted.
    Accepted {
        /// The reviewer.
        by_user_id: String,
        /// When, Unix µs.
        at_us: i64,
    },
    /// Returned for revision.
    Returned {
        /// The reviewer.
        by_user_id: String,
        /// When, Unix µs.
        at_us: i64,
        /// What to revise.
        reason: String,
    },
}

impl Review {
    /// The stable code (`pending`, `accepted`, `returned`).
    pub fn code(&self) -> &'static str {
        match self {
            Review::Pending => "pending",
            Review::Accepted { .. } => "accepted",
            Review::Returned { .. } => "returned",
        }
    }
}

/// One submitted version of a report stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Regime code.
    pub regime: String,
    /// Stage.
    pub stage: Stage,
    /// 1 for the first submission of the stage, then one more per resubmission.
    pub version: u32,
    /// The items, by code.
    pub items: BTreeMap<String, String>,
    /// The executive's attestation.
    pub attestation: Attestation,
    /// Who submitted.
    pub submitted_by: String,
    /// When, Unix µs.
    pub submitted_at_us: i64,
    /// The supervisor's review.
    pub review: Review,
}

/// A decision not to report a case under a regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotReportingDecision {
    /// Regime code.
    pub regime: String,
    /// Why the case need not be reported.
    pub reason: String,
    /// The executive who decided.
    pub executive_user_id: String,
    /// When, Unix µs.
    pub at_us: i64,
}

/// Why a submission or decision is refused; the item or stage is named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportRefusal {
    /// Only the institution's own staff submit its reports.
    #[error("only the institution's own staff may submit its reports")]
    NotYours,
    /// The regime has no such stage.
    #[error("stage: {regime} has no {stage} report")]
    UnknownStage {
        /// Regime code.
        regime: String,
        /// Stage.
        stage: Stage,
    },
    /// An item the regime does not define.
    #[error("items.{0}: is not an item of this report")]
    UnknownItem(String),
    /// A required item is empty.
    #[error("items.{code}: {label} is required before submission")]
    MissingItem {
        /// Item code.
        code: String,
        /// Its English label.
        label: String,
    },
    /// An item is too long.
    #[error("items.{0}: longer than {MAX_TEXT_CHARS} characters")]
    TooLong(String),
    /// An earlier stage has not been submitted.
    #[error("stage: the {0} report must be submitted first")]
    EarlierStageMissing(Stage),
    /// A submission of this stage is pending or accepted.
    #[error("stage: the {stage} report was already submitted (version {version})")]
    AlreadySubmitted {
        /// Stage.
        stage: Stage,
        /// The standing version.
        version: u32,
    },
    /// An executive decided not to report under this regime.
    #[error("regime: it was decided not to report under {0}")]
    DecidedNotToReport(String),
    /// Not by an executive of the institution.
    #[error("the report must be attested by an executive of the institution")]
    NotAnExecutive,
    /// The attestation predates this submission round or lies in the future.
    #[error("the attestation must be made for this submission")]
    StaleAttestation,
    /// A decision needs a reason.
    #[error("reason: is required")]
    NoReason,
    /// Decided already.
    #[error("regime: the decision not to report under {0} is already recorded")]
    AlreadyDecided(String),
}

/// Why a review is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefusal {
    /// Only supervisory staff review.
    #[error("only the supervisor may review a report")]
    SupervisorOnly,
    /// Only a pending submission is reviewed.
    #[error("the submission is already {0}")]
    NotPending(&'static str),
    /// Returning needs a reason.
    #[error("reason: is required to return a report")]
    NoReason,
}

fn is_executive_of(party: &Party, org_id: &str) -> bool {
    party.acts_for(org_id) && party.role == Role::Executive
}

/// What is asked of [`submit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitRequest<'a> {
    /// The institution whose case it is.
    pub org_id: &'a str,
    /// The regime.
    pub regime: &'a Regime,
    /// The stage.
    pub stage: Stage,
    /// The items, by code.
    pub items: BTreeMap<String, String>,
    /// The executive's attestation.
    pub attestation: Attestation,
}

/// Checks a submission by `submitter` at `now_us` against the case's earlier submissions
/// and decisions; returns the new pending version or why it is refused.
pub fn submit(
    request: SubmitRequest<'_>,
    submitter: &Party,
    existing: &[Submission],
    decisions: &[NotReportingDecision],
    now_us: i64,
) -> Result<Submission, ReportRefusal> {
    let SubmitRequest {
        org_id,
        regime,
        stage,
        items,
        attestation,
    } = request;
    if !submitter.acts_for(org_id) {
        return Err(ReportRefusal::NotYours);
    }
    let rule = regime.stage(stage).ok_or(ReportRefusal::UnknownStage {
        regime: regime.code.clone(),
        stage,
    })?;
    if decisions.iter().any(|d| d.regime == regime.code) {
        return Err(ReportRefusal::DecidedNotToReport(regime.code.clone()));
    }
    check_items(regime, &rule.required, &items)?;
    let of_regime = |s: &&Submission| s.regime == regime.code;
    for earlier in regime.stages.iter().filter(|s| s.stage < stage) {
        if !existing
            .iter()
            .filter(of_regime)
            .any(|s| s.stage == earlier.stage)
        {
            return Err(ReportRefusal::EarlierStageMissing(earlier.stage));
        }
    }
    let same: Vec<&Submission> = existing
        .iter()
        .filter(of_regime)
        .filter(|s| s.stage == stage)
        .collect();
    if let Some(standing) = same
        .iter()
        .find(|s| !matches!(s.review, Review::Returned { .. }))
    {
        return Err(ReportRefusal::AlreadySubmitted {
            stage,
            version: standing.version,
        });
    }
    if !is_executive_of(&attestation.by, org_id) {
        return Err(ReportRefusal::NotAnExecutive);
    }
    // The attestation must be for this round: not before the last return of this stage.
    let round_start = same
        .iter()
        .filter_map(|s| match &s.review {
            Review::Returned { at_us, .. } => Some(*at_us),
            _ => None,
        })
        .max()
        .unwrap_or(i64::MIN);
    if attestation.at_us > now_us || attestation.at_us < round_start {
        return Err(ReportRefusal::StaleAttestation);
    }
    let version = u32::try_from(same.len()).unwrap_or(u32::MAX - 1) + 1;
    Ok(Submission {
        regime: regime.code.clone(),
        stage,
        version,
        items,
        attestation,
        submitted_by: submitter.user_id.clone(),
        submitted_at_us: now_us,
        review: Review::Pending,
    })
}

fn check_items(
    regime: &Regime,
    required: &[String],
    items: &BTreeMap<String, String>,
) -> Result<(), ReportRefusal> {
    for (code, value) in items {
        if regime.item(code).is_none() {
            return Err(ReportRefusal::UnknownItem(code.clone()));
        }
        if value.chars().count() > MAX_TEXT_CHARS {
            return Err(ReportRefusal::TooLong(code.clone()));
        }
    }
    for code in required {
        if items.get(code).is_none_or(|v| v.trim().is_empty()) {
            let label = regime
                .item(code)
                .map_or(code.clone(), |i| i.label.en.clone());
            return Err(ReportRefusal::MissingItem {
                code: code.clone(),
                label,
            });
        }
    }
    Ok(())
}

/// Records an executive's decision at `now_us` not to report under `regime`.
pub fn decide_not_to_report(
    regime: &Regime,
    org_id: &str,
    reason: &str,
    executive: &Party,
    decisions: &[NotReportingDecision],
    now_us: i64,
) -> Result<NotReportingDecision, ReportRefusal> {
    if !executive.acts_for(org_id) {
        return Err(ReportRefusal::NotYours);
    }
    if executive.role != Role::Executive {
        return Err(ReportRefusal::NotAnExecutive);
    }
    if reason.trim().is_empty() {
        return Err(ReportRefusal::NoReason);
    }
    if decisions.iter().any(|d| d.regime == regime.code) {
        return Err(ReportRefusal::AlreadyDecided(regime.code.clone()));
    }
    Ok(NotReportingDecision {
        regime: regime.code.clone(),
        reason: reason.trim().to_owned(),
        executive_user_id: executive.user_id.clone(),
        at_us: now_us,
    })
}

/// The supervisor's decision on a pending submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Accept it.
    Accept,
    /// Return it for revision.
    Return {
        /// What to revise.
        reason: String,
    },
}

/// Applies a supervisor's review at `now_us`; the submission is unchanged when refused.
/// Whether this supervisor reaches the institution at all is decided by the scoped read.
pub fn review(
    submission: &mut Submission,
    decision: ReviewDecision,
    reviewer: &Party,
    now_us: i64,
) -> Result<(), ReviewRefusal> {
    if !reviewer.is_supervisor() {
        return Err(ReviewRefusal::SupervisorOnly);
    }
    if submission.review != Review::Pending {
        return Err(ReviewRefusal::NotPending(submission.review.code()));
    }
    let by_user_id = reviewer.user_id.clone();
    submission.review = match decision {
        ReviewDecision::Accept => Review::Accepted {
            by_user_id,
            at_us: now_us,
        },
        ReviewDecision::Return { reason } if reason.trim().is_empty() => {
            return Err(ReviewRefusal::NoReason);
        }
        ReviewDecision::Return { reason } => Review::Returned {
            by_user_id,
            at_us: now_us,
            reason,
        },
    };
    Ok(())
}

#[cfg(test)]
mod tests;
