//! Post-evaluation (事後評価): for each institution and criterion, the self-assessment
//! beside the evaluator's rating and the timeliness computed from recorded times; the
//! improvement measures that, once accepted, become a posture finding and a plan revision
//! task; and the sector feedback, shown only where at least k institutions share an item.

use super::schedule::Schedule;
use super::{MINUTE_US, Viewpoint};
use crate::finding::{Finding, Origin, Person, Severity};
use crate::org::{BusinessType, vocabulary};
use crate::supervision::benchmark::K;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The lowest rating.
pub const RATING_MIN: i64 = 1;
/// The highest rating.
pub const RATING_MAX: i64 = 5;

/// An evaluator's rating on the fixed scale 1 (not done) to 5 (exemplary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Rating(u8);

/// Why an evaluation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    /// A rating outside the scale.
    #[error("{field}: rating must be {RATING_MIN} to {RATING_MAX}, got {value}")]
    OutOfScale {
        /// The field.
        field: String,
        /// The value given.
        value: i64,
    },
    /// "Not done" without a reason.
    #[error("{field}: a reason is required when not done")]
    MissingReason {
        /// The field.
        field: String,
    },
    /// The criterion names an inject or viewpoint the schedule does not have.
    #[error("{field}: inject {inject} has no criterion for {viewpoint}")]
    UnknownCriterion {
        /// The field.
        field: String,
        /// The inject.
        inject: String,
        /// The viewpoint.
        viewpoint: Viewpoint,
    },
    /// The improvement measure was already decided.
    #[error("improvement measure already {0:?}")]
    AlreadyDecided(MeasureStatus),
}

impl Rating {
    /// A rating, refused outside the scale with `field` named.
    pub fn new(field: &str, value: i64) -> Result<Rating, EvaluationError> {
        if (RATING_MIN..=RATING_MAX).contains(&value) {
            Ok(Rating(value as u8))
        } else {
            Err(EvaluationError::OutOfScale {
                field: field.to_owned(),
                value,
            })
        }
    }

    /// The value, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Rating {
    type Error = EvaluationError;
    fn try_from(value: i64) -> Result<Rating, EvaluationError> {
        Rating::new("rating", value)
    }
}

impl From<Rating> for i64 {
    fn from(r: Rating) -> i64 {
        i64::from(r.0)
    }
}

/// An institution's own assessment of one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SelfAssessment {
    /// Done.
    Done,
    /// Not done, and why.
    NotDone {
        /// Why not.
        reason: String,
    },
}

impl SelfAssessment {
    /// A self-assessment from a done flag and a reason; "not done" needs a reason.
    pub fn new(field: &str, done: bool, reason: &str) -> Result<SelfAssessment, EvaluationError> {
        match (done, reason.trim()) {
            (true, _) => Ok(SelfAssessment::Done),
            (false, "") => Err(EvaluationError::MissingReason {
                field: field.to_owned(),
            }),
            (false, r) => Ok(SelfAssessment::NotDone {
                reason: r.to_owned(),
            }),
        }
    }
}

vocabulary! {
    /// How quickly an institution first responded to an inject.
    Timeliness {
        /// Within the inject's expected time (or any response when none is set).
        OnTime = "on_time", "期限内", "On time";
        /// After the expected time.
        Late = "late", "期限超過", "Late";
        /// No response.
        NoResponse = "no_response", "対応なし", "No response";
        /// The inject was never released to the institution.
        NotReleased = "not_released", "未配信", "Not released";
    }
}

/// Timeliness of a first response `first_us` after release (from
/// [`super::play::time_to_first_response`]) against the inject's expected time.
pub fn timeliness(
    released: bool,
    first_us: Option<i64>,
    respond_within_min: Option<u32>,
) -> Timeliness {
    match (released, first_us, respond_within_min) {
        (false, _, _) => Timeliness::NotReleased,
        (true, None, _) => Timeliness::NoResponse,
        (true, Some(t), Some(limit)) if t > i64::from(limit) * MINUTE_US => Timeliness::Late,
        (true, Some(_), _) => Timeliness::OnTime,
    }
}

/// One institution's evaluation of one criterion: its own view beside the evaluator's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionEvaluation {
    /// The institution.
    pub org_id: String,
    /// The inject the criterion belongs to.
    pub inject: String,
    /// The viewpoint.
    pub viewpoint: Viewpoint,
    /// The institution's self-assessment, once given.
    pub self_assessment: Option<SelfAssessment>,
    /// The evaluator's rating, once given.
    pub rating: Option<Rating>,
    /// The evaluator's comment.
    pub comment: String,
    /// Timeliness computed from the recorded times.
    pub timeliness: Timeliness,
}

/// Checks that `inject` has a criterion for `viewpoint` in the schedule.
pub fn check_criterion(
    schedule: &Schedule,
    field: &str,
    inject: &str,
    viewpoint: Viewpoint,
) -> Result<(), EvaluationError> {
    let known = schedule.inject(inject).is_some_and(|i| {
        i.criteria
            .iter()
            .chain(&i.expected)
            .any(|c| c.viewpoint == viewpoint)
    });
    if known {
        Ok(())
    } else {
        Err(EvaluationError::UnknownCriterion {
            field: field.to_owned(),
            inject: inject.to_owned(),
            viewpoint,
        })
    }
}

vocabulary! {
    /// Where an improvement measure stands.
    MeasureStatus {
        /// Proposed by the evaluator.
        Proposed = "proposed", "提案", "Proposed";
        /// Accepted by the institution: a finding and a plan revision task exist.
        Accepted = "accepted", "受入れ", "Accepted";
        /// Declined by the institution.
        Declined = "declined", "不採用", "Declined";
    }
}

/// A concrete improvement an evaluator proposes to an institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImprovementMeasure {
    /// The institution.
    pub org_id: String,
    /// The viewpoint it improves.
    pub viewpoint: Viewpoint,
    /// What to improve.
    pub text: String,
    /// How serious the gap is.
    pub severity: Severity,
    /// Where it stands.
    pub status: MeasureStatus,
}

/// The task of revising a contingency plan after an accepted measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRevisionTask {
    /// The institution whose plan is revised.
    pub org_id: String,
    /// The plan version to revise, if the institution has one.
    pub plan_version: Option<u32>,
    /// What the revision must address.
    pub reason: String,
    /// When the task was created, Unix µs.
    pub created_at_us: i64,
}

/// What accepting a measure yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The measure, now accepted.
    pub measure: ImprovementMeasure,
    /// A draft finding of origin exercise, for the finding service to record and issue.
    pub finding: Finding,
    /// The plan revision task.
    pub revision: PlanRevisionTask,
}

impl ImprovementMeasure {
    /// Accepts the measure: the institution's `owner` must remediate, `issuer` (the
    /// evaluator's side) issues the finding, and the current plan version is to be revised.
    pub fn accept(
        &self,
        owner: Person,
        issuer: Person,
        plan_version: Option<u32>,
        now_us: i64,
    ) -> Result<Accepted, EvaluationError> {
        if self.status != MeasureStatus::Proposed {
            return Err(EvaluationError::AlreadyDecided(self.status));
        }
        Ok(Accepted {
            measure: ImprovementMeasure {
                status: MeasureStatus::Accepted,
                ..self.clone()
            },
            finding: Finding::draft(Origin::Exercise, self.severity, owner, issuer),
            revision: PlanRevisionTask {
                org_id: self.org_id.clone(),
                plan_version,
                reason: self.text.clone(),
                created_at_us: now_us,
            },
        })
    }

    /// Declines the measure.
    pub fn decline(&self) -> Result<ImprovementMeasure, EvaluationError> {
        if self.status != MeasureStatus::Proposed {
            return Err(EvaluationError::AlreadyDecided(self.status));
        }
        Ok(ImprovementMeasure {
            status: MeasureStatus::Declined,
            ..self.clone()
        })
    }
}

vocabulary! {
    /// What a sector feedback item is.
    FeedbackKind {
        /// An issue seen at several institutions.
        CommonIssue = "common_issue", "共通課題", "Common issue";
        /// A practice worth sharing.
        GoodPractice = "good_practice", "好事例", "Good practice";
    }
}

/// One observation about one institution, before aggregation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// Issue or practice.
    pub kind: FeedbackKind,
    /// The viewpoint.
    pub viewpoint: Viewpoint,
    /// A short stable topic key shared by the same observation at different institutions.
    pub topic: String,
}

/// One line of the sector feedback: never names an institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackLine {
    /// The business type.
    pub business_type: BusinessType,
    /// Issue or practice.
    pub kind: FeedbackKind,
    /// The viewpoint.
    pub viewpoint: Viewpoint,
    /// The topic.
    pub topic: String,
    /// How many distinct institutions share it (at least k).
    pub institutions: u32,
}

/// The sector feedback: observations grouped by business type, kind, viewpoint and topic,
/// kept only where at least `k` distinct institutions share them.
pub fn sector_feedback(observations: &[Observation], k: K) -> Vec<FeedbackLine> {
    let mut groups: BTreeMap<(BusinessType, FeedbackKind, Viewpoint, &str), BTreeSet<&str>> =
        BTreeMap::new();
    for o in observations {
        groups
            .entry((o.business_type, o.kind, o.viewpoint, o.topic.as_str()))
            .or_default()
            .insert(o.org_id.as_str());
    }
    groups
        .into_iter()
        .filter_map(|((business_type, kind, viewpoint, topic), orgs)| {
            let institutions = u32::try_from(orgs.len()).unwrap_or(u32::MAX);
            (institutions >= k.get()).then(|| FeedbackLine {
                business_type,
                kind,
                viewpoint,
                topic: topic.to_owned(),
                institutions,
            })
        })
        .collect()
}
