//! The yearly sector report (issue item 7), generated from the records of one
//! administrative year (事務年度, July to June): what was monitored, the most frequent
//! findings per basic element (anonymised: counts of findings and of institutions, shown
//! only where at least k institutions share the issue), requests and their outcome,
//! alerts and their acknowledgement, and the five sector figures as charts. Supervisors
//! only, within their reach; page, printable page and XLSX all come from [`report`].

use crate::Table;
use crate::error::ServiceError;
use crate::posture::report::elements;
use crate::supervision::benchmarks as sup_benchmarks;
use crate::supervision::figures::{self as sup_figures, Figure, Row};
use crate::{Ctx, SResult};
use deltawall_domain::validate::Invalid;
use deltawall_store::sup_figures::{AlertCounts, alert_counts, findings_created};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The most common issues shown per element.
pub const ISSUES_PER_ELEMENT: usize = 3;

/// One frequent finding, anonymised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The basic element (catalog section id).
    pub element_id: String,
    /// Its Japanese title.
    pub element_ja: String,
    /// Its English title.
    pub element_en: String,
    /// The requirement.
    pub requirement_id: String,
    /// Findings issued against it in the year.
    pub findings: u32,
    /// Distinct institutions that received them (at least k).
    pub institutions: u32,
}

/// The report of one administrative year.
#[derive(Debug, Clone, Serialize)]
pub struct SectorReport {
    /// The administrative year (2019: July 2019 to June 2020).
    pub year: i16,
    /// The k applied to the common issues.
    pub k: u32,
    /// Institutions monitored in the year, by business type (code, ja, en, count).
    pub monitored: Vec<(String, String, String, u32)>,
    /// The most frequent findings per element.
    pub issues: Vec<Issue>,
    /// Requirements with findings at fewer than k institutions, left out.
    pub issues_withheld: usize,
    /// Request completion rows of the year (deadline in the year).
    pub requests: Vec<Row>,
    /// Alerts of the year.
    pub alerts: AlertCounts,
    /// The five figures, for the charts.
    pub figures: Vec<Figure>,
}

/// Unix µs of 1 July of `year`, 00:00 Japan time.
fn year_start_us(year: i16) -> SResult<i64> {
    let tz = crate::time::jst();
    jiff::civil::Date::new(year, 7, 1)
        .and_then(|d| d.to_zoned_datetime(tz))
        .map(|z| z.timestamp().as_microsecond())
        .map_err(|_| {
            ServiceError::Invalid(Invalid {
                field: "year",
                reason: "is not a year",
                code: "err-bad-request",
            })
        })
}

/// Builds the report of administrative year `year` for the actor's reach.
pub async fn report(ctx: Ctx<'_>, year: i16) -> SResult<SectorReport> {
    if !(2000..=2100).contains(&year) {
        return Err(ServiceError::Invalid(Invalid {
            field: "year",
            reason: "must be between 2000 and 2100",
            code: "err-bad-request",
        }));
    }
    // The figures check that the actor is a supervisor and fix its reach.
    let figures = sup_figures::figures(ctx, None).await?.figures;
    let k = sup_benchmarks::k(ctx).await?;
    let scope = ctx.actor.org_scope();
    let (from, to) = (year_start_us(year)?, year_start_us(year + 1)?);
    let mut conn = ctx.store.read().await?;
    let issued = findings_created(&mut conn, &scope, from, to).await?;
    let alerts = alert_counts(&mut conn, &scope, from, to).await?;

    let catalog = deltawall_domain::catalog::builtin::fsa_2020_viewpoints()
        .map_err(|e| ServiceError::Internal(e.into()))?;
    let section_of: BTreeMap<String, String> = catalog
        .requirements()
        .map(|(s, r)| (r.id.clone(), s.id.clone()))
        .collect();
    let mut per_requirement: BTreeMap<&str, (u32, BTreeSet<&str>)> = BTreeMap::new();
    for f in &issued {
        for r in &f.requirement_ids {
            let slot = per_requirement.entry(r.as_str()).or_default();
            slot.0 += u32::try_from(f.count).unwrap_or(0);
            slot.1.insert(f.org_id.as_str());
        }
    }
    let mut issues = Vec::new();
    let mut withheld = 0;
    for e in elements(&catalog) {
        let mut here: Vec<Issue> = per_requirement
            .iter()
            .filter(|(r, _)| section_of.get(**r) == Some(&e.id))
            .filter_map(|(r, (n, orgs))| {
                let institutions = u32::try_from(orgs.len()).unwrap_or(u32::MAX);
                // A requirement shared by fewer than k institutions could point at one.
                if institutions < k.get() {
                    withheld += 1;
                    return None;
                }
                Some(Issue {
                    element_id: e.id.clone(),
                    element_ja: e.title.ja.clone(),
                    element_en: e.title.en.clone(),
                    requirement_id: (*r).to_owned(),
                    findings: *n,
                    institutions,
                })
            })
            .collect();
        here.sort_by(|a, b| {
            b.institutions
                .cmp(&a.institutions)
                .then(b.findings.cmp(&a.findings))
        });
        issues.extend(here.into_iter().take(ISSUES_PER_ELEMENT));
    }

    let monitored = monitored_in_year(&figures, year);
    let prefix = format!("{year}/");
    let requests = figures
        .iter()
        .find(|f| f.key == "completion")
        .map(|f| {
            f.rows
                .iter()
                .filter(|r| r.code.starts_with(&prefix))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(SectorReport {
        year,
        k: k.get(),
        monitored,
        issues,
        issues_withheld: withheld,
        requests,
        alerts,
        figures,
    })
}

/// Institutions monitored in `year`: the cumulative figure's step from the year before.
fn monitored_in_year(figures: &[Figure], year: i16) -> Vec<(String, String, String, u32)> {
    let Some(f) = figures.iter().find(|f| f.key == "monitored") else {
        return vec![];
    };
    let row = |y: i16| f.rows.iter().find(|r| r.code == y.to_string());
    let Some(this) = row(year) else {
        return vec![];
    };
    let before = row(year - 1);
    f.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let prev = before.map_or(0, |b| b.values[i]);
            (
                c.code.clone(),
                c.ja.clone(),
                c.en.clone(),
                this.values[i] - prev,
            )
        })
        .filter(|m| m.3 > 0)
        .collect()
}

/// The report's tables (stable codes), for the XLSX workbook: one sheet each.
pub fn tables(r: &SectorReport) -> Vec<Table> {
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut out = vec![
        Table {
            sheet: "monitored".into(),
            headers: strings(&["business_type", "institutions_monitored"]),
            rows: r
                .monitored
                .iter()
                .map(|(code, _, _, n)| vec![code.clone(), n.to_string()])
                .collect(),
        },
        Table {
            sheet: "common_issues".into(),
            headers: strings(&["element", "requirement_id", "findings", "institutions"]),
            rows: r
                .issues
                .iter()
                .map(|i| {
                    vec![
                        i.element_id.clone(),
                        i.requirement_id.clone(),
                        i.findings.to_string(),
                        i.institutions.to_string(),
                    ]
                })
                .collect(),
        },
        Table {
            sheet: "alerts".into(),
            headers: strings(&["alerts", "targets", "acknowledged"]),
            rows: vec![vec![
                r.alerts.alerts.to_string(),
                r.alerts.targets.to_string(),
                r.alerts.acknowledged.to_string(),
            ]],
        },
    ];
    out.extend(r.figures.iter().map(Figure::table));
    out
}
