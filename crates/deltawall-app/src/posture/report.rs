//! Reports built from posture records: the management report of one institution and the
//! group roll-up of a holding company. Both read only through the actor's record scope, so
//! a holding company's roll-up holds its group companies' submitted records and nothing
//! else.

use crate::error::ServiceError;
use crate::posture::assessments::{builtin_catalog, to_latest};
use crate::posture::findings::{OPEN, overdue};
use crate::{Ctx, SResult};
use deltawall_domain::OrgKind;
use deltawall_domain::catalog::{Catalog, Text};
use deltawall_domain::finding::State;
use deltawall_domain::posture::{self, ElementProgress, Latest};
use deltawall_store::assessments::{self, Assessment};
use deltawall_store::findings::{self, StoredFinding};
use deltawall_store::records::now_us;
use serde::Serialize;
use std::collections::BTreeMap;

/// Days before expiry from which an accepted risk is reported as nearing expiry.
pub const EXPIRY_WARNING_DAYS: i64 = 60;
const DAY_US: i64 = 86_400_000_000;

/// One element (viewpoint) of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Element {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: Text,
}

/// The elements of a catalog that hold requirements, in order.
pub fn elements(catalog: &Catalog) -> Vec<Element> {
    catalog
        .sections
        .iter()
        .filter(|s| !s.requirements.is_empty())
        .map(|s| Element {
            id: s.id.clone(),
            title: s.title.clone(),
        })
        .collect()
}

/// The element each requirement belongs to.
fn element_of(catalog: &Catalog) -> BTreeMap<String, String> {
    catalog
        .requirements()
        .map(|(s, r)| (r.id.clone(), s.id.clone()))
        .collect()
}

/// Open findings per element (a finding counts once in each element it touches).
pub fn open_by_element(catalog: &Catalog, list: &[StoredFinding]) -> BTreeMap<String, usize> {
    let of = element_of(catalog);
    let mut out = BTreeMap::new();
    for f in list.iter().filter(|f| OPEN.contains(&f.finding.state)) {
        let mut seen: Vec<&String> = f.requirement_ids.iter().filter_map(|r| of.get(r)).collect();
        seen.sort();
        seen.dedup();
        for e in seen {
            *out.entry(e.clone()).or_insert(0) += 1;
        }
    }
    out
}

/// Overall mean maturity of an assessment's latest answered results, in hundredths.
fn mean_maturity(latest: &[deltawall_store::assessments::Revision]) -> Option<u32> {
    let levels: Vec<u32> = latest
        .iter()
        .filter(|r| !r.carried)
        .filter_map(|r| r.answer.maturity.map(u32::from))
        .collect();
    let n = u32::try_from(levels.len()).ok().filter(|n| *n > 0)?;
    Some(levels.iter().sum::<u32>() * 100 / n)
}

/// One point of the maturity-over-time series.
#[derive(Debug, Clone, Serialize)]
pub struct MaturityPoint {
    /// The assessment.
    pub assessment_id: String,
    /// Its as-of day.
    pub as_of: String,
    /// Its cycle.
    pub cycle: i64,
    /// Mean maturity in hundredths.
    pub maturity_x100: Option<u32>,
}

/// The management report of the actor's institution.
#[derive(Debug, Clone, Serialize)]
pub struct ManagementReport {
    /// The catalog.
    #[serde(skip)]
    pub catalog: Catalog,
    /// Elements of the catalog.
    pub elements: Vec<Element>,
    /// The latest assessment, if any.
    pub latest: Option<Assessment>,
    /// Its progress by element.
    pub progress: Vec<ElementProgress>,
    /// Open findings per element.
    pub open_by_element: BTreeMap<String, usize>,
    /// Mean maturity of every assessment, oldest first.
    pub maturity: Vec<MaturityPoint>,
    /// Open findings.
    pub open: Vec<StoredFinding>,
    /// Open findings past their due date.
    pub overdue: Vec<StoredFinding>,
    /// Accepted risks expiring within [`EXPIRY_WARNING_DAYS`] (or already expired).
    pub expiring: Vec<StoredFinding>,
    /// Vulnerability findings whose decision clock is overdue, the most overdue first
    /// (issue 15: overdue decisions and fixes escalate to management).
    pub vuln_overdue: Vec<crate::vuln::FindingView>,
}

/// Builds the management report of the actor's own institution.
pub async fn management(ctx: Ctx<'_>) -> SResult<ManagementReport> {
    management_at(ctx, now_us()).await
}

/// The management report as of `now` (the clock's instant, which tests move).
pub async fn management_at(ctx: Ctx<'_>, now: i64) -> SResult<ManagementReport> {
    let (_, catalog) = builtin_catalog(ctx.store).await?;
    let scope = ctx.actor.record_scope();
    let own = ctx.actor.org_id.as_str();
    let mut conn = ctx.store.read().await?;
    let mut list = assessments::list(&mut conn, &scope, Some(own)).await?;
    list.reverse();
    let mut maturity = Vec::new();
    let mut progress = Vec::new();
    for a in &list {
        let latest = assessments::results_as_of(&mut conn, &scope, &a.id, now).await?;
        let p = posture::progress(&catalog, &latest.iter().map(to_latest).collect::<Vec<_>>());
        maturity.push(MaturityPoint {
            assessment_id: a.id.clone(),
            as_of: a.as_of.clone(),
            cycle: a.cycle,
            maturity_x100: mean_maturity(&latest),
        });
        progress = p;
    }
    let all: Vec<StoredFinding> = findings::list(&mut conn, &scope, &[])
        .await?
        .into_iter()
        .filter(|f| f.org_id == own)
        .collect();
    let horizon = now + EXPIRY_WARNING_DAYS * DAY_US;
    let expiring = all
        .iter()
        .filter(|f| {
            f.finding.state == State::RiskAccepted
                && f.finding
                    .acceptance
                    .as_ref()
                    .is_some_and(|a| a.expires_at_us <= horizon)
        })
        .cloned()
        .collect();
    Ok(ManagementReport {
        elements: elements(&catalog),
        open_by_element: open_by_element(&catalog, &all),
        latest: list.last().cloned(),
        progress,
        maturity,
        overdue: all.iter().filter(|f| overdue(f, now)).cloned().collect(),
        open: all
            .into_iter()
            .filter(|f| OPEN.contains(&f.finding.state))
            .collect(),
        expiring,
        vuln_overdue: crate::vuln::overdue(&mut conn, own, now).await?,
        catalog,
    })
}

/// One group company in the roll-up.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyRow {
    /// Organisation id.
    pub org_id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Its latest submitted assessment.
    pub assessment: Option<Assessment>,
    /// Its progress by element.
    pub progress: Vec<ElementProgress>,
    /// Open findings per element.
    pub open_by_element: BTreeMap<String, usize>,
    /// Open findings.
    pub open: usize,
    /// Overdue findings.
    pub overdue: usize,
}

/// The group roll-up of a holding company.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// Elements of the catalog.
    pub elements: Vec<Element>,
    /// One row per group company.
    pub companies: Vec<CompanyRow>,
}

/// Builds the roll-up of the actor's group companies (institutions only; read-only).
pub async fn group(ctx: Ctx<'_>) -> SResult<GroupReport> {
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    let (_, catalog) = builtin_catalog(ctx.store).await?;
    let scope = ctx.actor.record_scope();
    let mut conn = ctx.store.read().await?;
    let companies = assessments::group_companies(&mut conn, &scope).await?;
    let all_findings = findings::list(&mut conn, &scope, OPEN).await?;
    let all_assessments = assessments::list(&mut conn, &scope, None).await?;
    let now = now_us();
    // Newest first, and the scope already hides drafts of other organisations.
    let latest_of = |org_id: &str| all_assessments.iter().find(|a| a.org_id == org_id);
    let ids: Vec<String> = companies
        .iter()
        .filter_map(|(org_id, ..)| latest_of(org_id).map(|a| a.id.clone()))
        .collect();
    // One query for every company's results, not one per company.
    let mut results: BTreeMap<String, Vec<Latest>> = BTreeMap::new();
    for r in assessments::results_as_of_many(&mut conn, &scope, &ids, now).await? {
        results
            .entry(r.assessment_id.clone())
            .or_default()
            .push(to_latest(&r));
    }
    let mut rows = Vec::new();
    for (org_id, name_ja, name_en) in companies {
        let assessment = latest_of(&org_id).cloned();
        let progress = match &assessment {
            Some(a) => posture::progress(
                &catalog,
                results.get(&a.id).map_or(&[][..], |v| v.as_slice()),
            ),
            None => vec![],
        };
        let mine: Vec<StoredFinding> = all_findings
            .iter()
            .filter(|f| f.org_id == org_id)
            .cloned()
            .collect();
        rows.push(CompanyRow {
            open_by_element: open_by_element(&catalog, &mine),
            open: mine.len(),
            overdue: mine.iter().filter(|f| overdue(f, now)).count(),
            org_id,
            name_ja,
            name_en,
            assessment,
            progress,
        });
    }
    Ok(GroupReport {
        elements: elements(&catalog),
        companies: rows,
    })
}
