//! The sector figures (issue item 5) from live data, in the shapes of the report's
//! figures: institutions monitored (cumulative, figure 3), request completion, open
//! findings by basic element, incidents by attack type, and exercise participation
//! (figure 4). Supervisors only; each reads only institutions within its reach, so a local
//! bureau's figures are its region's. The store groups in SQL; the domain
//! (`supervision::figures`) does the counting rules; this module lays each figure out as
//! one table that the page, the chart, the CSV, the XLSX and the API all show.
//!
//! Years: monitoring, incidents and request deadlines by 事務年度 (administrative year,
//! July to June, as the report is organised); exercises by 年度 (fiscal year, April to
//! March), as figure 4 counts them.

use crate::Table;
use crate::error::ServiceError;
use crate::posture::report::elements;
use crate::{Ctx, SResult};
use deltawall_domain::finding::State;
use deltawall_domain::org::BusinessType;
use deltawall_domain::supervision::figures::{
    FindingFact, IncidentRecord, MonitoringFact, ParticipationFact, YearTable, administrative_year,
    exercise_participation, fiscal_year, incidents_by_attack_type, monitored_cumulative,
    open_findings_by_element,
};
use deltawall_domain::supervision::request::{CompletionRow, TaskState};
use deltawall_domain::supervision::{AttackType, DAY_US};
use deltawall_domain::{OrgKind, OrgScope, Permission};
use deltawall_store::findings::parse_code;
use deltawall_store::records::now_us;
use deltawall_store::sup_figures;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The five figures, in page order.
pub const KEYS: [&str; 5] = [
    "monitored",
    "completion",
    "findings",
    "incidents",
    "exercises",
];

/// One series of a figure (a stacked segment of each bar, a column of the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Stable code (business type, attack type or task state).
    pub code: String,
    /// Japanese label.
    pub ja: String,
    /// English label.
    pub en: String,
}

/// One bar of a figure (a row of the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Stable code (a year, or an element id).
    pub code: String,
    /// Japanese label.
    pub ja: String,
    /// English label.
    pub en: String,
    /// One value per column.
    pub values: Vec<u32>,
    /// Values of the figure's `extra` columns, already formatted (not charted).
    pub extra: Vec<String>,
}

impl Row {
    /// The sum of the charted values.
    pub fn total(&self) -> u32 {
        self.values.iter().sum()
    }
}

/// A figure: rows by columns, charted as stacked bars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// One of [`KEYS`].
    pub key: &'static str,
    /// What the rows are (`year`, `fiscal_year` or `element`).
    pub row_kind: &'static str,
    /// The charted columns.
    pub columns: Vec<Column>,
    /// Further columns of the table only (codes).
    pub extra: Vec<&'static str>,
    /// The rows.
    pub rows: Vec<Row>,
}

impl Figure {
    /// The figure as a table with stable codes, for CSV and XLSX.
    pub fn table(&self) -> Table {
        let mut headers = vec![self.row_kind.to_owned()];
        headers.extend(self.columns.iter().map(|c| c.code.clone()));
        headers.push("total".into());
        headers.extend(self.extra.iter().map(|e| (*e).to_owned()));
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.code.clone()];
                cells.extend(r.values.iter().map(u32::to_string));
                cells.push(r.total().to_string());
                cells.extend(r.extra.iter().cloned());
                cells
            })
            .collect();
        Table {
            sheet: self.key.to_owned(),
            headers,
            rows,
        }
    }
}

/// Every figure of the actor's reach.
#[derive(Debug, Clone, Serialize)]
pub struct SectorFigures {
    /// The business type the figures are limited to, if any.
    pub business_type: Option<BusinessType>,
    /// The figures, in [`KEYS`] order.
    pub figures: Vec<Figure>,
}

fn business_type_column(bt: BusinessType) -> Column {
    Column {
        code: bt.code().into(),
        ja: bt.label("ja").into(),
        en: bt.label("en").into(),
    }
}

fn year_row(year: i16, values: Vec<u32>) -> Row {
    Row {
        code: year.to_string(),
        ja: year.to_string(),
        en: year.to_string(),
        values,
        extra: vec![],
    }
}

/// A year table laid out with one column per key that occurs in it.
fn from_year_table<K: Ord + Copy>(
    key: &'static str,
    row_kind: &'static str,
    t: &YearTable<K>,
    column: impl Fn(K) -> Column,
) -> Figure {
    let keys: BTreeSet<K> = t.rows.values().flat_map(|r| r.keys().copied()).collect();
    Figure {
        key,
        row_kind,
        columns: keys.iter().map(|k| column(*k)).collect(),
        extra: vec![],
        rows: t
            .rows
            .keys()
            .map(|y| year_row(*y, keys.iter().map(|k| t.get(*y, k)).collect()))
            .collect(),
    }
}

/// `YYYY-MM` as the first day of that month.
fn month_start(month: &str) -> Option<Date> {
    format!("{month}-01").parse().ok()
}

/// The day a Unix-µs instant falls on in Japan.
fn jst_day(us: i64) -> Option<Date> {
    let tz = crate::time::jst();
    jiff::Timestamp::from_microsecond(us)
        .ok()
        .map(|t| t.to_zoned_datetime(tz).date())
}

/// Refuses anyone but supervisory staff (auditors included: they only read).
fn require_supervisor(ctx: &Ctx<'_>) -> SResult<OrgScope> {
    if ctx.actor.org_kind != OrgKind::Supervisor {
        return Err(ServiceError::Forbidden);
    }
    ctx.require(Permission::ReadSector)?;
    Ok(ctx.actor.org_scope())
}

/// The five figures of the actor's reach, optionally for one business type.
pub async fn figures(ctx: Ctx<'_>, only: Option<BusinessType>) -> SResult<SectorFigures> {
    let scope = require_supervisor(&ctx)?;
    let keep = |bt: BusinessType| only.is_none_or(|o| o == bt);
    let mut conn = ctx.store.read().await?;

    let monitoring: Vec<MonitoringFact> = sup_figures::monitored_months(&mut conn, &scope)
        .await?
        .into_iter()
        .filter(|m| keep(m.business_type))
        .filter_map(|m| {
            Some(MonitoringFact {
                year: administrative_year(month_start(&m.month)?),
                org_id: m.org_id,
                business_type: m.business_type,
            })
        })
        .collect();
    let monitored = from_year_table(
        "monitored",
        "year",
        &monitored_cumulative(&monitoring),
        business_type_column,
    );

    let tasks = sup_figures::task_state_counts(&mut conn, &scope).await?;
    let completion = completion_figure(&tasks, &keep, now_us());

    let findings = findings_figure(
        &sup_figures::open_finding_counts(&mut conn, &scope).await?,
        &keep,
    )?;

    let mut incidents = Vec::new();
    for c in sup_figures::incident_counts(&mut conn, &scope).await? {
        let Some(day) = month_start(&c.month) else {
            continue;
        };
        let record = IncidentRecord {
            business_type: c.business_type,
            year: administrative_year(day),
            attack: c.attack_type,
        };
        // The domain counts records; a grouped row stands for `count` of them.
        incidents.extend(std::iter::repeat_n(
            record,
            usize::try_from(c.count).unwrap_or(0),
        ));
    }
    let only_types: Vec<BusinessType> = only.into_iter().collect();
    let incidents = from_year_table(
        "incidents",
        "year",
        &incidents_by_attack_type(&incidents, &only_types),
        |a: AttackType| Column {
            code: a.code().into(),
            ja: a.label("ja").into(),
            en: a.label("en").into(),
        },
    );

    let participation: Vec<ParticipationFact> = sup_figures::participation(&mut conn, &scope)
        .await?
        .into_iter()
        .filter(|p| keep(p.business_type))
        .filter_map(|p| {
            Some(ParticipationFact {
                year: fiscal_year(p.held_on.parse().ok()?),
                org_id: p.org_id,
                business_type: p.business_type,
            })
        })
        .collect();
    let exercises = from_year_table(
        "exercises",
        "fiscal_year",
        &exercise_participation(&participation),
        business_type_column,
    );

    Ok(SectorFigures {
        business_type: only,
        figures: vec![monitored, completion, findings, incidents, exercises],
    })
}

/// One figure of the actor's reach.
pub async fn figure(ctx: Ctx<'_>, key: &str, only: Option<BusinessType>) -> SResult<Figure> {
    if !KEYS.contains(&key) {
        return Err(ServiceError::NotFound("figure"));
    }
    figures(ctx, only)
        .await?
        .figures
        .into_iter()
        .find(|f| f.key == key)
        .ok_or(ServiceError::NotFound("figure"))
}

/// The task states charted for completion, each a stacked segment; the rest of a bar's
/// height is what is still outstanding.
const COMPLETION_COLUMNS: [(&str, &str, &str); 4] = [
    ("accepted", "受理", "Accepted"),
    ("submitted", "提出済（確認待ち）", "Submitted"),
    ("outstanding", "未了", "Outstanding"),
    ("exempted", "免除", "Exempted"),
];

/// Request completion by year of the deadline and business type: one bar per year and
/// business type, stacked by task state, with overdue tasks and the completion rate. The
/// counts are added as read (grouped by deadline, type and state), never one per task.
fn completion_figure(
    tasks: &[sup_figures::TaskStateCount],
    keep: &dyn Fn(BusinessType) -> bool,
    now: i64,
) -> Figure {
    let mut by_year: BTreeMap<i16, BTreeMap<BusinessType, CompletionRow>> = BTreeMap::new();
    for t in tasks.iter().filter(|t| keep(t.business_type)) {
        let (Some(state), Some(day)) = (parse_code::<TaskState>(&t.state), jst_day(t.deadline_us))
        else {
            continue;
        };
        // A deadline is the end of its day; outstanding after it is overdue.
        let overdue = state.is_outstanding() && now > t.deadline_us + DAY_US - 1;
        by_year
            .entry(administrative_year(day))
            .or_default()
            .entry(t.business_type)
            .or_default()
            .add_tasks(state, overdue, u32::try_from(t.count).unwrap_or(0));
    }
    completion_layout(&by_year)
}

/// The completion figure's rows and columns from its counts by year and business type.
fn completion_layout(by_year: &BTreeMap<i16, BTreeMap<BusinessType, CompletionRow>>) -> Figure {
    let mut rows = Vec::new();
    for (year, table) in by_year {
        for (bt, r) in table {
            let pct = r
                .completion()
                .percent()
                .map_or_else(String::new, |p| format!("{p:.1}"));
            rows.push(Row {
                code: format!("{year}/{}", bt.code()),
                ja: format!("{year} {}", bt.label("ja")),
                en: format!("{year} {}", bt.label("en")),
                values: vec![
                    r.accepted,
                    r.submitted,
                    r.assigned + r.in_progress + r.returned,
                    r.exempted,
                ],
                extra: vec![r.overdue.to_string(), pct],
            });
        }
    }
    Figure {
        key: "completion",
        row_kind: "year_business_type",
        columns: COMPLETION_COLUMNS
            .iter()
            .map(|(code, ja, en)| Column {
                code: (*code).into(),
                ja: (*ja).into(),
                en: (*en).into(),
            })
            .collect(),
        extra: vec!["overdue", "completion_percent"],
        rows,
    }
}

/// Open findings by basic element (catalog section) and business type. A finding counts
/// once in every element it touches, as in the management report.
fn findings_figure(
    counts: &[sup_figures::FindingCount],
    keep: &dyn Fn(BusinessType) -> bool,
) -> SResult<Figure> {
    let catalog = deltawall_domain::catalog::builtin::fsa_2020_viewpoints()
        .map_err(|e| ServiceError::Internal(e.into()))?;
    let of: BTreeMap<String, String> = catalog
        .requirements()
        .map(|(s, r)| (r.id.clone(), s.id.clone()))
        .collect();
    let mut facts = Vec::new();
    for c in counts.iter().filter(|c| keep(c.business_type)) {
        let Some(state) = parse_code::<State>(&c.state) else {
            continue;
        };
        let touched: BTreeSet<&String> =
            c.requirement_ids.iter().filter_map(|r| of.get(r)).collect();
        for element in touched {
            let fact = FindingFact {
                business_type: c.business_type,
                element: element.clone(),
                state,
            };
            facts.extend(std::iter::repeat_n(
                fact,
                usize::try_from(c.count).unwrap_or(0),
            ));
        }
    }
    let by_element = open_findings_by_element(&facts);
    let types: BTreeSet<BusinessType> = by_element
        .values()
        .flat_map(|m| m.keys().copied())
        .collect();
    let rows = elements(&catalog)
        .into_iter()
        .filter(|e| by_element.contains_key(&e.id))
        .map(|e| {
            let counts = &by_element[&e.id];
            Row {
                values: types
                    .iter()
                    .map(|t| counts.get(t).copied().unwrap_or(0))
                    .collect(),
                code: e.id,
                ja: e.title.ja,
                en: e.title.en,
                extra: vec![],
            }
        })
        .collect();
    Ok(Figure {
        key: "findings",
        row_kind: "element",
        columns: types.into_iter().map(business_type_column).collect(),
        extra: vec![],
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltawall_domain::org::Region;
    use deltawall_domain::supervision::figures::completion_by_year;
    use deltawall_domain::supervision::request::TaskFacts;
    use deltawall_store::sup_figures::{TaskCount, TaskStateCount};

    /// The figure as it was computed before the counts by state: every task expanded into
    /// the domain's facts, by region, and counted by `completion_by_year`.
    fn completion_one_per_task(tasks: &[TaskCount], now: i64) -> Figure {
        let mut facts = Vec::new();
        for t in tasks {
            let (Some(state), Some(day)) =
                (parse_code::<TaskState>(&t.state), jst_day(t.deadline_us))
            else {
                continue;
            };
            let f = TaskFacts {
                business_type: t.business_type,
                region: t.region,
                state,
                overdue: state.is_outstanding() && now > t.deadline_us + DAY_US - 1,
            };
            let year = administrative_year(day);
            facts.extend(std::iter::repeat_n(
                (year, f),
                usize::try_from(t.count).unwrap_or(0),
            ));
        }
        let by_year = completion_by_year(&facts)
            .into_iter()
            .map(|(y, t)| (y, t.by_business_type))
            .collect();
        completion_layout(&by_year)
    }

    /// splitmix64: a fixed, seedable sequence.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[test]
    fn counts_by_state_equal_one_fact_per_task() {
        const STATES: [&str; 7] = [
            "assigned",
            "in_progress",
            "submitted",
            "returned",
            "accepted",
            "exempted",
            "unknown",
        ];
        let types = [
            BusinessType::MajorBank,
            BusinessType::RegionalBank,
            BusinessType::ShinkinBank,
        ];
        let regions = [Region::Kanto, Region::Kinki, Region::Tohoku];
        // Deadlines over three administrative years, around the instant of reading.
        let deadlines: Vec<i64> = (0..12)
            .map(|i| 1_700_000_000_000_000 + i * 40 * DAY_US)
            .collect();
        let now = deadlines[7] + DAY_US / 2;
        for seed in 0..50_u64 {
            let mut rng = seed;
            let mut by_region: BTreeMap<(i64, BusinessType, Region, &str), i64> = BTreeMap::new();
            for _ in 0..(next(&mut rng) % 300) {
                let pick = |rng: &mut u64, n: usize| (next(rng) % n as u64) as usize;
                let key = (
                    deadlines[pick(&mut rng, deadlines.len())],
                    types[pick(&mut rng, types.len())],
                    regions[pick(&mut rng, regions.len())],
                    STATES[pick(&mut rng, STATES.len())],
                );
                *by_region.entry(key).or_default() += 1 + pick(&mut rng, 4) as i64;
            }
            let region_rows: Vec<TaskCount> = by_region
                .iter()
                .map(
                    |(&(deadline_us, business_type, region, state), &count)| TaskCount {
                        deadline_us,
                        business_type,
                        region,
                        state: state.into(),
                        count,
                    },
                )
                .collect();
            let mut by_state: BTreeMap<(i64, BusinessType, &str), i64> = BTreeMap::new();
            for (&(d, bt, _, st), &n) in &by_region {
                *by_state.entry((d, bt, st)).or_default() += n;
            }
            let state_rows: Vec<TaskStateCount> = by_state
                .iter()
                .map(
                    |(&(deadline_us, business_type, state), &count)| TaskStateCount {
                        deadline_us,
                        business_type,
                        state: state.into(),
                        count,
                    },
                )
                .collect();
            assert_eq!(
                completion_figure(&state_rows, &|_| true, now),
                completion_one_per_task(&region_rows, now),
                "seed {seed}"
            );
        }
    }
}
