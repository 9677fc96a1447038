//! Sector figures by business type and year, computed from facts, in the shapes of the
//! report's figures: institutions monitored (cumulative, figure 3), request completion,
//! open findings by basic element, incidents by attack type, and exercise participation
//! (figure 4). Also the counts the report itself gives, for the demo sector.
//!
//! Facts carry their year already; [`administrative_year`] (事務年度, July to June, which
//! the report is organised by) and [`fiscal_year`] (年度, April to March, which figure 4
//! uses) compute it from a date.

use super::AttackType;
use super::request::{CompletionTable, TaskFacts, completion};
use crate::finding::State;
use crate::org::BusinessType;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The 事務年度 (administrative year, 1 July to 30 June) a day falls in, named by the year
/// it starts: 令和元事務年度 is 2019, from 2019-07-01 to 2020-06-30.
pub fn administrative_year(day: Date) -> i16 {
    if day.month() >= 7 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// The 年度 (fiscal year, 1 April to 31 March) a day falls in, named by the year it
/// starts: 令和元年度 is 2019, from 2019-04-01 to 2020-03-31.
pub fn fiscal_year(day: Date) -> i16 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// Counts by year and by a key (business type, attack type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearTable<K: Ord> {
    /// Year → key → count. Keys without any count are absent.
    pub rows: BTreeMap<i16, BTreeMap<K, u32>>,
}

impl<K: Ord> Default for YearTable<K> {
    fn default() -> Self {
        YearTable {
            rows: BTreeMap::new(),
        }
    }
}

impl<K: Ord> YearTable<K> {
    /// The count for one year and key (0 when absent).
    pub fn get(&self, year: i16, key: &K) -> u32 {
        self.rows
            .get(&year)
            .and_then(|r| r.get(key))
            .copied()
            .unwrap_or(0)
    }

    /// The total of one year.
    pub fn year_total(&self, year: i16) -> u32 {
        self.rows.get(&year).map_or(0, |r| r.values().sum())
    }

    fn bump(&mut self, year: i16, key: K) {
        *self.rows.entry(year).or_default().entry(key).or_default() += 1;
    }
}

/// One monitoring engagement (実態把握) of an institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringFact {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// The administrative year of the engagement.
    pub year: i16,
}

/// Institutions monitored, cumulative, by business type and year: figure 3's shape
/// (業態別実態把握先の推移（実態把握先の累計（2巡目含む））).
///
/// Like the report, an institution monitored again in a later year (a second round,
/// 2巡目) counts again; several engagements with one institution in one year count once.
/// Every year from the first to the last appears, so the cumulative series has no gaps.
pub fn monitored_cumulative(facts: &[MonitoringFact]) -> YearTable<BusinessType> {
    let distinct: BTreeSet<(i16, &str, BusinessType)> = facts
        .iter()
        .map(|f| (f.year, f.org_id.as_str(), f.business_type))
        .collect();
    let mut per_year = YearTable::default();
    for (year, _, bt) in &distinct {
        per_year.bump(*year, *bt);
    }
    let (Some(first), Some(last)) = (
        per_year.rows.keys().next().copied(),
        per_year.rows.keys().last().copied(),
    ) else {
        return YearTable::default();
    };
    let mut running: BTreeMap<BusinessType, u32> = BTreeMap::new();
    let mut out = YearTable::default();
    for year in first..=last {
        for (bt, n) in per_year.rows.get(&year).into_iter().flatten() {
            *running.entry(*bt).or_default() += n;
        }
        out.rows.insert(year, running.clone());
    }
    out
}

/// Request completion per year: the tasks of the requests issued in each year, by
/// business type and region (see [`completion`]).
pub fn completion_by_year(tasks: &[(i16, TaskFacts)]) -> BTreeMap<i16, CompletionTable> {
    let mut by_year: BTreeMap<i16, Vec<TaskFacts>> = BTreeMap::new();
    for (year, f) in tasks {
        by_year.entry(*year).or_default().push(*f);
    }
    by_year
        .into_iter()
        .map(|(year, facts)| (year, completion(&facts)))
        .collect()
}

/// One finding, for the sector figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingFact {
    /// The institution's business type.
    pub business_type: BusinessType,
    /// The basic element (catalog section id, e.g. `FSA-BE3`) the finding is under.
    pub element: String,
    /// The finding's state.
    pub state: State,
}

/// Whether a finding in this state is open: issued and not yet closed or withdrawn. A
/// risk acceptance stays open until the finding is closed.
pub fn is_open(state: State) -> bool {
    !matches!(state, State::Draft | State::Closed | State::Withdrawn)
}

/// Open findings by basic element and business type.
pub fn open_findings_by_element(
    findings: &[FindingFact],
) -> BTreeMap<String, BTreeMap<BusinessType, u32>> {
    let mut out: BTreeMap<String, BTreeMap<BusinessType, u32>> = BTreeMap::new();
    for f in findings.iter().filter(|f| is_open(f.state)) {
        *out.entry(f.element.clone())
            .or_default()
            .entry(f.business_type)
            .or_default() += 1;
    }
    out
}

/// One reported incident, for the sector figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// The institution's business type.
    pub business_type: BusinessType,
    /// The year it happened in (the caller's choice of year).
    pub year: i16,
    /// How.
    pub attack: AttackType,
}

/// Incidents by attack type and year, for the business types in `business_types` (all
/// when empty).
pub fn incidents_by_attack_type(
    incidents: &[IncidentRecord],
    business_types: &[BusinessType],
) -> YearTable<AttackType> {
    let mut out = YearTable::default();
    let wanted = |bt| business_types.is_empty() || business_types.contains(&bt);
    for i in incidents.iter().filter(|i| wanted(i.business_type)) {
        out.bump(i.year, i.attack);
    }
    out
}

/// One institution's participation in an exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationFact {
    /// The institution.
    pub org_id: String,
    /// Its business type.
    pub business_type: BusinessType,
    /// The fiscal year of the exercise.
    pub year: i16,
}

/// Institutions taking part in exercises, by business type and fiscal year: figure 4's
/// shape (業態別サイバー演習参加社数推移（年度別）). An institution counts once a year.
pub fn exercise_participation(facts: &[ParticipationFact]) -> YearTable<BusinessType> {
    let distinct: BTreeSet<(i16, &str, BusinessType)> = facts
        .iter()
        .map(|f| (f.year, f.org_id.as_str(), f.business_type))
        .collect();
    let mut out = YearTable::default();
    for (year, _, bt) in distinct {
        out.bump(year, bt);
    }
    out
}

/// Institutions taking part in Delta Wall, the FSA's cross-industry exercise, by fiscal
/// year, as the report gives them: "平成28年度は77先、平成29年度は101先、平成30年度は105先、
/// 令和元年度は121先" (section 2.(1)②, box 金融業界横断的なサイバーセキュリティ演習（Delta
/// Wall）について; the 2019 figure also in the text before it, "121 社（約 2,000 名）").
///
/// Figure 4 breaks these down by business type, but the figure is an image and the
/// report's text gives no breakdown, so only the totals are here.
pub const FIGURE_4_PARTICIPANTS: [(i16, u32); 4] =
    [(2016, 77), (2017, 101), (2018, 105), (2019, 121)];

/// One measure of the 2019 request and how its take-up changed among shinkin banks and
/// credit cooperatives, as the report states it in round figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportedEffect {
    /// What was measured.
    pub measure: &'static str,
    /// Share doing it in the 2018 administrative year, about (per cent).
    pub before_about_percent: u32,
    /// Share doing it by the deadline (end of March 2020), at least (per cent).
    pub after_at_least_percent: u32,
}

/// The change the 2019 request produced among shinkin banks and credit cooperatives:
/// vulnerability diagnosis from about 10% (1割程度) and external exercises from about 60%
/// (6割程度), both to over 90% (9割以上) (section 2.(1)③ア).
pub const REPORTED_REQUEST_EFFECT: [ReportedEffect; 2] = [
    ReportedEffect {
        measure: "vulnerability_diagnosis",
        before_about_percent: 10,
        after_at_least_percent: 90,
    },
    ReportedEffect {
        measure: "external_exercise",
        before_about_percent: 60,
        after_at_least_percent: 90,
    },
];

#[cfg(test)]
mod tests;
