//! Risk-based selection of monitoring targets: a transparent, versioned score per
//! institution.
//!
//! The report (section 2.(1)①ア) describes picking 実態把握 targets "on a risk basis",
//! concentrating on institutions whose basic posture is feared to lag. This module makes
//! that choice explicit: every point of a score comes from one [`Reason`] that names the
//! factor, the input it saw, the weight it applied and the contribution it made, and the
//! total is the sum of the contributions. The weights ([`ScoreWeights`]) are data the
//! supervisor edits; every edit is a new version with an author and a first day of use.
//!
//! The score is monotone: more findings, more overdue items, more incidents, a longer time
//! since the last monitoring or a worse posture never lower it.

use super::AttackType;
use super::figures::is_open;
use super::population::OrgFacts;
use crate::finding::{Severity, State};
use crate::org::{AttributeKind, BusinessType};
use jiff::Span;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest number of points any single weight may carry.
pub const MAX_POINTS: f64 = 1000.0;

/// Points per item, by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SeverityPoints {
    /// Low.
    pub low: f64,
    /// Medium.
    pub medium: f64,
    /// High.
    pub high: f64,
    /// Critical.
    pub critical: f64,
}

impl SeverityPoints {
    /// The points for one severity.
    pub fn get(&self, severity: Severity) -> f64 {
        match severity {
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }
}

/// Points for an institution whose attribute has a given value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeWeight {
    /// The attribute.
    pub kind: AttributeKind,
    /// The value that earns the points.
    pub value: String,
    /// The points.
    pub points: f64,
}

/// The weights of the score: one version, edited by a supervisor.
///
/// A missing business type or attack type earns no points; the reason is still shown with
/// its zero weight, so nothing is hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreWeights {
    /// Version number, starting at 1; each revision adds one.
    pub version: u32,
    /// The user who made this version.
    pub author: String,
    /// The first day this version applies.
    pub effective_from: Date,
    /// Points for being of a business type (inherent risk of the 業態).
    pub business_type: BTreeMap<BusinessType, f64>,
    /// Points for attribute values (size band, systemic importance).
    pub attributes: Vec<AttributeWeight>,
    /// Points per year since the last monitoring.
    pub per_year_since_monitored: f64,
    /// Years after which time since monitoring stops adding points; an institution never
    /// monitored counts as this many years.
    pub max_years_since_monitored: u32,
    /// Points for a basic element whose assessed requirements are all not met; an element
    /// earns this times its gap (not met plus half of partly met, over assessed).
    pub per_element_gap: f64,
    /// Points when no posture results are known at all.
    pub posture_unknown: f64,
    /// Points per open finding.
    pub per_open_finding: SeverityPoints,
    /// Points per overdue finding, on top of its points as an open finding.
    pub per_overdue_finding: SeverityPoints,
    /// Points per overdue request task.
    pub per_overdue_request: f64,
    /// Points per incident within the window, by attack type.
    pub per_incident: BTreeMap<AttackType, f64>,
    /// How many months back incidents count.
    pub incident_window_months: u32,
    /// Points when the institution's contingency plan went untested by any exercise for
    /// twelve months (§2(1)③イ); versions saved before this weight existed carry none.
    #[serde(default)]
    pub per_untested_plan: f64,
}

/// Why a set of weights is refused; `field` names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct WeightsError {
    /// The offending field, e.g. `per_open_finding.high`.
    pub field: String,
    /// What is wrong.
    pub reason: &'static str,
}

fn weights_error(field: impl Into<String>, reason: &'static str) -> WeightsError {
    WeightsError {
        field: field.into(),
        reason,
    }
}

fn points(field: impl Into<String>, value: f64) -> Result<(), WeightsError> {
    if !value.is_finite() || !(0.0..=MAX_POINTS).contains(&value) {
        return Err(weights_error(field, "must be between 0 and 1000"));
    }
    Ok(())
}

impl ScoreWeights {
    /// Version 1: a starting point for the supervisor to adjust. The numbers are our own
    /// judgement, leaning on the report: business types whose basic posture was feared to
    /// lag (regional banks, shinkin, credit cooperatives; regional securities, FX and PTS
    /// firms; payment and crypto-asset businesses, section 2.(1)①ア and 1.(2)), overdue
    /// findings weighing twice an open one, and asset theft and ransomware above other
    /// incidents.
    pub fn initial(author: &str, effective_from: Date) -> ScoreWeights {
        use BusinessType::*;
        let business_type = [
            (RegionalBank, 5.0),
            (SecondRegionalBank, 5.0),
            (ShinkinBank, 10.0),
            (CreditCooperative, 10.0),
            (SecuritiesFirm, 5.0),
            (FxDealer, 5.0),
            (PtsOperator, 5.0),
            (FundsTransfer, 5.0),
            (PrepaidIssuer, 5.0),
            (CryptoExchange, 10.0),
        ];
        let attribute = |kind, value: &str, points| AttributeWeight {
            kind,
            value: value.into(),
            points,
        };
        let per_incident = AttackType::ALL.iter().map(|a| {
            let p = match a {
                AttackType::AssetTheft => 15.0,
                AttackType::Ransomware => 10.0,
                _ => 5.0,
            };
            (*a, p)
        });
        ScoreWeights {
            version: 1,
            author: author.into(),
            effective_from,
            business_type: business_type.into_iter().collect(),
            attributes: vec![
                attribute(AttributeKind::SystemicImportance, "gsib", 15.0),
                attribute(AttributeKind::SystemicImportance, "dsib", 10.0),
                attribute(AttributeKind::SizeBand, "large", 5.0),
                attribute(AttributeKind::SizeBand, "medium", 2.0),
            ],
            per_year_since_monitored: 10.0,
            max_years_since_monitored: 5,
            per_element_gap: 20.0,
            posture_unknown: 30.0,
            per_open_finding: SeverityPoints {
                low: 1.0,
                medium: 2.0,
                high: 5.0,
                critical: 10.0,
            },
            per_overdue_finding: SeverityPoints {
                low: 2.0,
                medium: 4.0,
                high: 10.0,
                critical: 20.0,
            },
            per_overdue_request: 8.0,
            per_incident: per_incident.collect(),
            incident_window_months: 12,
            per_untested_plan: 5.0,
        }
    }

    /// Checks the rules: a version from 1 and an author; every weight finite and between 0
    /// and [`MAX_POINTS`]; attribute values the attribute can take, each once; at most 20
    /// years since monitoring and an incident window of 1 to 60 months.
    pub fn validate(&self) -> Result<(), WeightsError> {
        if self.version == 0 {
            return Err(weights_error("version", "must be at least 1"));
        }
        if self.author.trim().is_empty() {
            return Err(weights_error("author", "is required"));
        }
        for (bt, p) in &self.business_type {
            points(format!("business_type.{bt}"), *p)?;
        }
        for (i, a) in self.attributes.iter().enumerate() {
            let field = format!("attributes[{i}]");
            if !a.kind.allowed_values().contains(&a.value.as_str()) {
                return Err(weights_error(
                    field,
                    "value is not allowed for the attribute",
                ));
            }
            let earlier = &self.attributes[..i];
            if earlier
                .iter()
                .any(|b| b.kind == a.kind && b.value == a.value)
            {
                return Err(weights_error(field, "attribute value is weighted twice"));
            }
            points(field, a.points)?;
        }
        points("per_year_since_monitored", self.per_year_since_monitored)?;
        if !(1..=20).contains(&self.max_years_since_monitored) {
            return Err(weights_error(
                "max_years_since_monitored",
                "must be between 1 and 20",
            ));
        }
        points("per_element_gap", self.per_element_gap)?;
        points("posture_unknown", self.posture_unknown)?;
        for (name, sp) in [
            ("per_open_finding", self.per_open_finding),
            ("per_overdue_finding", self.per_overdue_finding),
        ] {
            for s in SEVERITIES {
                points(format!("{name}.{}", severity_code(s)), sp.get(s))?;
            }
        }
        points("per_overdue_request", self.per_overdue_request)?;
        for (a, p) in &self.per_incident {
            points(format!("per_incident.{}", a.code()), *p)?;
        }
        if !(1..=60).contains(&self.incident_window_months) {
            return Err(weights_error(
                "incident_window_months",
                "must be between 1 and 60",
            ));
        }
        points("per_untested_plan", self.per_untested_plan)?;
        Ok(())
    }

    /// Checks that `next` may follow this version: it is valid, its version is this one
    /// plus one, and it does not start before this one.
    pub fn check_revision(&self, next: &ScoreWeights) -> Result<(), WeightsError> {
        next.validate()?;
        if Some(next.version) != self.version.checked_add(1) {
            return Err(weights_error("version", "must follow the previous version"));
        }
        if next.effective_from < self.effective_from {
            return Err(weights_error(
                "effective_from",
                "must not be before the previous version's",
            ));
        }
        Ok(())
    }
}

/// The weights in force on `day`: of the versions that have started, the highest.
pub fn in_force(history: &[ScoreWeights], day: Date) -> Option<&ScoreWeights> {
    history
        .iter()
        .filter(|w| w.effective_from <= day)
        .max_by_key(|w| w.version)
}

const SEVERITIES: [Severity; 4] = [
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// Counts of items by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Low.
    pub low: u32,
    /// Medium.
    pub medium: u32,
    /// High.
    pub high: u32,
    /// Critical.
    pub critical: u32,
}

impl SeverityCounts {
    /// The count for one severity.
    pub fn get(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }

    /// Mutable access to the count for one severity.
    pub fn get_mut(&mut self, severity: Severity) -> &mut u32 {
        match severity {
            Severity::Low => &mut self.low,
            Severity::Medium => &mut self.medium,
            Severity::High => &mut self.high,
            Severity::Critical => &mut self.critical,
        }
    }
}

/// The latest posture results for one basic element (a catalog section such as
/// `FSA-BE1`, 経営陣の取組み).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementPosture {
    /// The section id of the element.
    pub element: String,
    /// Requirements assessed.
    pub assessed: u32,
    /// Of those, partly met.
    pub partial: u32,
    /// Of those, not met.
    pub not_met: u32,
}

impl ElementPosture {
    /// Not met plus half of partly met, over assessed, at most 1; `None` when nothing was
    /// assessed.
    pub fn gap(&self) -> Option<f64> {
        (self.assessed > 0).then(|| {
            let weak = f64::from(self.not_met) + f64::from(self.partial) / 2.0;
            (weak / f64::from(self.assessed)).min(1.0)
        })
    }
}

/// Groups one assessment's latest answers by catalog element (the section holding each
/// requirement), in element order by id. Not-applicable answers are not assessed, and a
/// requirement the catalog does not hold is left out. The ranking reads this per
/// institution; the store keeps it up to date when an assessment is submitted.
pub fn element_posture<'a>(
    catalog: &crate::catalog::Catalog,
    answers: impl IntoIterator<Item = (&'a str, crate::posture::Outcome)>,
) -> Vec<ElementPosture> {
    use crate::posture::Outcome;
    let sections: std::collections::HashMap<&str, &str> = catalog
        .requirements()
        .map(|(s, r)| (r.id.as_str(), s.id.as_str()))
        .collect();
    let mut out: BTreeMap<&str, ElementPosture> = BTreeMap::new();
    for (requirement, outcome) in answers {
        let Some(element) = sections.get(requirement) else {
            continue;
        };
        if outcome == Outcome::NotApplicable {
            continue;
        }
        let e = out.entry(element).or_insert_with(|| ElementPosture {
            element: (*element).to_owned(),
            assessed: 0,
            partial: 0,
            not_met: 0,
        });
        e.assessed += 1;
        match outcome {
            Outcome::Partial => e.partial += 1,
            Outcome::NotMet => e.not_met += 1,
            _ => {}
        }
    }
    out.into_values().collect()
}

/// One finding as the score sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingStatus {
    /// Its severity.
    pub severity: Severity,
    /// Its state.
    pub state: State,
    /// Whether its remediation is overdue (e.g. a milestone has escalated).
    pub overdue: bool,
}

/// Open findings, and of those the overdue ones, by severity; "open" as in
/// [`super::figures::is_open`]. An overdue flag on a finding that is not open is ignored.
pub fn count_findings(findings: &[FindingStatus]) -> (SeverityCounts, SeverityCounts) {
    let mut open = SeverityCounts::default();
    let mut overdue = SeverityCounts::default();
    for f in findings.iter().filter(|f| is_open(f.state)) {
        *open.get_mut(f.severity) += 1;
        if f.overdue {
            *overdue.get_mut(f.severity) += 1;
        }
    }
    (open, overdue)
}

/// A reported incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFact {
    /// The day it happened.
    pub on: Date,
    /// How.
    pub attack: AttackType,
}

/// Everything the score looks at for one institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreInput {
    /// The institution.
    pub org: OrgFacts,
    /// The last day it was monitored (実態把握), if ever.
    pub last_monitored: Option<Date>,
    /// Its latest posture results by basic element; empty when unknown.
    pub posture: Vec<ElementPosture>,
    /// Open findings.
    pub open_findings: SeverityCounts,
    /// Of the open findings, those overdue.
    pub overdue_findings: SeverityCounts,
    /// Request tasks past their deadline and not yet submitted.
    pub overdue_requests: u32,
    /// Incidents it reported (any age; the window is applied here).
    pub incidents: Vec<IncidentFact>,
    /// It has a contingency plan that no exercise tested in the twelve months before now
    /// ([`crate::exercise::plan::never_tested_within`]).
    #[serde(default)]
    pub plan_untested: bool,
}

/// What a reason is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "factor", rename_all = "snake_case")]
pub enum Factor {
    /// The institution's business type.
    BusinessType {
        /// Which.
        business_type: BusinessType,
    },
    /// An attribute value that carries points.
    Attribute {
        /// The attribute.
        kind: AttributeKind,
        /// Its value.
        value: String,
    },
    /// Time since the last monitoring.
    SinceMonitored,
    /// The posture gap of one basic element.
    ElementGap {
        /// The element's section id.
        element: String,
    },
    /// No posture results known.
    PostureUnknown,
    /// Open findings of one severity.
    OpenFindings {
        /// The severity.
        severity: Severity,
    },
    /// Overdue findings of one severity.
    OverdueFindings {
        /// The severity.
        severity: Severity,
    },
    /// Overdue request tasks.
    OverdueRequests,
    /// Incidents of one attack type within the window.
    Incidents {
        /// The attack type.
        attack: AttackType,
    },
    /// A contingency plan no exercise tested in twelve months.
    UntestedPlan,
}

/// The input value a reason saw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Observed {
    /// The factor applies (business type, attribute, unknown posture).
    Applies,
    /// Days since the last monitoring.
    Days(i64),
    /// Never monitored.
    Never,
    /// A share between 0 and 1 (a posture gap).
    Share(f64),
    /// A count.
    Count(u32),
}

/// One line of "why": a factor, what was seen, the weight and the points it gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// What the reason is about.
    pub factor: Factor,
    /// The input value.
    pub observed: Observed,
    /// The weight applied (points per unit of the input).
    pub weight: f64,
    /// The points this reason adds to the total.
    pub contribution: f64,
}

/// A score with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The institution.
    pub org_id: String,
    /// The sum of the reasons' contributions, in their order.
    pub total: f64,
    /// Why, in a fixed order of factors.
    pub reasons: Vec<Reason>,
    /// The version of the weights that produced it.
    pub weights_version: u32,
}

fn reason(factor: Factor, observed: Observed, weight: f64, units: f64) -> Reason {
    Reason {
        factor,
        observed,
        weight,
        contribution: weight * units,
    }
}

/// Scores one institution on `today` with the given weights.
pub fn score(input: &ScoreInput, weights: &ScoreWeights, today: Date) -> Scored {
    let mut reasons = Vec::new();
    let bt = input.org.business_type;
    let w = weights.business_type.get(&bt).copied().unwrap_or(0.0);
    reasons.push(reason(
        Factor::BusinessType { business_type: bt },
        Observed::Applies,
        w,
        1.0,
    ));
    for a in &weights.attributes {
        if input.org.attributes.get(&a.kind) == Some(&a.value) {
            let factor = Factor::Attribute {
                kind: a.kind,
                value: a.value.clone(),
            };
            reasons.push(reason(factor, Observed::Applies, a.points, 1.0));
        }
    }
    reasons.push(since_monitored(input.last_monitored, weights, today));
    posture_reasons(&input.posture, weights, &mut reasons);
    finding_reasons(input, weights, &mut reasons);
    if input.overdue_requests > 0 {
        let n = input.overdue_requests;
        let w = weights.per_overdue_request;
        reasons.push(reason(
            Factor::OverdueRequests,
            Observed::Count(n),
            w,
            f64::from(n),
        ));
    }
    incident_reasons(&input.incidents, weights, today, &mut reasons);
    if input.plan_untested {
        let w = weights.per_untested_plan;
        reasons.push(reason(Factor::UntestedPlan, Observed::Applies, w, 1.0));
    }
    Scored {
        org_id: input.org.id.clone(),
        total: reasons.iter().map(|r| r.contribution).sum(),
        reasons,
        weights_version: weights.version,
    }
}

fn since_monitored(last: Option<Date>, weights: &ScoreWeights, today: Date) -> Reason {
    let cap_days = i64::from(weights.max_years_since_monitored) * 365;
    let (observed, days) = match last {
        Some(day) => {
            let days = today.duration_since(day).as_secs() / 86_400;
            (Observed::Days(days), days.clamp(0, cap_days))
        }
        None => (Observed::Never, cap_days),
    };
    // i64 → f64 is exact for any day count a calendar can hold.
    let years = days as f64 / 365.0;
    reason(
        Factor::SinceMonitored,
        observed,
        weights.per_year_since_monitored,
        years,
    )
}

fn posture_reasons(posture: &[ElementPosture], weights: &ScoreWeights, out: &mut Vec<Reason>) {
    let mut gaps: BTreeMap<&str, f64> = BTreeMap::new();
    for e in posture {
        if let Some(g) = e.gap() {
            // An element reported twice counts with its worse result.
            let slot = gaps.entry(e.element.as_str()).or_insert(0.0);
            *slot = slot.max(g);
        }
    }
    if gaps.is_empty() {
        let w = weights.posture_unknown;
        out.push(reason(Factor::PostureUnknown, Observed::Applies, w, 1.0));
        return;
    }
    for (element, gap) in gaps {
        let factor = Factor::ElementGap {
            element: element.to_owned(),
        };
        out.push(reason(
            factor,
            Observed::Share(gap),
            weights.per_element_gap,
            gap,
        ));
    }
}

fn finding_reasons(input: &ScoreInput, weights: &ScoreWeights, out: &mut Vec<Reason>) {
    for severity in SEVERITIES {
        let n = input.open_findings.get(severity);
        if n > 0 {
            let w = weights.per_open_finding.get(severity);
            let factor = Factor::OpenFindings { severity };
            out.push(reason(factor, Observed::Count(n), w, f64::from(n)));
        }
    }
    for severity in SEVERITIES {
        let n = input.overdue_findings.get(severity);
        if n > 0 {
            let w = weights.per_overdue_finding.get(severity);
            let factor = Factor::OverdueFindings { severity };
            out.push(reason(factor, Observed::Count(n), w, f64::from(n)));
        }
    }
}

/// The first day inside the incident window ending on `today`.
pub fn incident_window_start(weights: &ScoreWeights, today: Date) -> Date {
    let months = Span::new().months(i64::from(weights.incident_window_months));
    today.saturating_sub(months)
}

fn incident_reasons(
    incidents: &[IncidentFact],
    weights: &ScoreWeights,
    today: Date,
    out: &mut Vec<Reason>,
) {
    let start = incident_window_start(weights, today);
    let mut counts: BTreeMap<AttackType, u32> = BTreeMap::new();
    for i in incidents.iter().filter(|i| start < i.on && i.on <= today) {
        *counts.entry(i.attack).or_default() += 1;
    }
    for (attack, n) in counts {
        let w = weights.per_incident.get(&attack).copied().unwrap_or(0.0);
        let factor = Factor::Incidents { attack };
        out.push(reason(factor, Observed::Count(n), w, f64::from(n)));
    }
}

/// One row of the ranked list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    /// Position, from 1 (highest score).
    pub position: usize,
    /// The score and its reasons.
    pub scored: Scored,
}

/// Scores every institution and ranks them: highest total first, ties broken by
/// institution id (ascending), so the order never depends on the order of `inputs`.
/// Institution ids are expected to be unique.
pub fn rank(inputs: &[ScoreInput], weights: &ScoreWeights, today: Date) -> Vec<Ranked> {
    let mut scored: Vec<Scored> = inputs.iter().map(|i| score(i, weights, today)).collect();
    scored.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then_with(|| a.org_id.cmp(&b.org_id))
    });
    scored
        .into_iter()
        .enumerate()
        .map(|(i, scored)| Ranked {
            position: i + 1,
            scored,
        })
        .collect()
}

#[cfg(test)]
mod tests;
