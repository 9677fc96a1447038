//! The supervisor's roll-up of vulnerability diagnosis (issue 15, point 7): per business
//! type, for the institutions in the supervisor's reach (a bureau sees its region), the
//! decisions past their clock, KEV findings open and past the catalog's due date, and
//! contract-clause gaps still unresolved; and the providers many institutions depend on.
//! Every figure is k-anonymous: a business type with fewer than [`SECTOR_K`] institutions
//! shows only its count, and a provider used by fewer than k institutions is not named.

use super::query::view_of;
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::supervision::benchmark::DEFAULT_K;
use deltawall_domain::{OrgKind, Permission, jst};
use deltawall_store::vuln as store;
use deltawall_vuln::ClockKind;
use deltawall_vuln::contract::{Concentration, concentration};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The smallest number of institutions a figure or a named provider must come from.
pub const SECTOR_K: usize = DEFAULT_K as usize;

/// The figures of a group of institutions, shown only when the group has k of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SectorFigures {
    /// Findings whose decision is past its clock.
    pub overdue_decisions: usize,
    /// Institutions with at least one such finding.
    pub institutions_overdue: usize,
    /// Open findings listed in the KEV catalog.
    pub kev_open: usize,
    /// Of those, past the catalog's due date.
    pub kev_past_due: usize,
    /// Contracts recorded.
    pub contracts: i64,
    /// Clause gaps whose finding is still unresolved.
    pub open_gaps: i64,
    /// Institutions with at least one such gap.
    pub institutions_with_gaps: usize,
}

/// One business type of the roll-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SectorRow {
    /// Business type code.
    pub business_type: String,
    /// Institutions of the type in reach.
    pub institutions: usize,
    /// The figures, absent below k institutions.
    pub figures: Option<SectorFigures>,
}

/// The roll-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Sector {
    /// The k of k-anonymity.
    pub k: usize,
    /// By business type, in code order.
    pub rows: Vec<SectorRow>,
    /// Every institution in reach.
    pub total: SectorRow,
    /// Providers used by at least k institutions, the most used first.
    #[schema(value_type = Vec<Object>)]
    pub providers: Vec<Concentration>,
    /// Providers not named because fewer than k institutions use them.
    pub unnamed_providers: usize,
}

/// One institution's own figures.
fn figures_of(
    findings: &[deltawall_store::vuln::StoredFinding],
    now_us: i64,
    today: &str,
    (contracts, open_gaps): (i64, i64),
) -> SectorFigures {
    let mut f = SectorFigures {
        contracts,
        open_gaps,
        institutions_with_gaps: usize::from(open_gaps > 0),
        ..SectorFigures::default()
    };
    for s in findings {
        if let Some(due) = &s.kev_due
            && s.state == store::FindingState::Open
        {
            f.kev_open += 1;
            f.kev_past_due += usize::from(due.as_str() < today);
        }
        let clock = view_of(s.clone(), now_us).clock;
        if clock.is_some_and(|c| c.kind == ClockKind::Decide && c.overdue) {
            f.overdue_decisions += 1;
        }
    }
    f.institutions_overdue = usize::from(f.overdue_decisions > 0);
    f
}

fn add(a: &mut SectorFigures, b: &SectorFigures) {
    a.overdue_decisions += b.overdue_decisions;
    a.institutions_overdue += b.institutions_overdue;
    a.kev_open += b.kev_open;
    a.kev_past_due += b.kev_past_due;
    a.contracts += b.contracts;
    a.open_gaps += b.open_gaps;
    a.institutions_with_gaps += b.institutions_with_gaps;
}

fn row(business_type: &str, members: &[&SectorFigures]) -> SectorRow {
    let figures = (members.len() >= SECTOR_K).then(|| {
        let mut sum = SectorFigures::default();
        for m in members {
            add(&mut sum, m);
        }
        sum
    });
    SectorRow {
        business_type: business_type.to_owned(),
        institutions: members.len(),
        figures,
    }
}

/// The roll-up for a supervisor with sector reach, at the clock's now.
pub async fn sector(ctx: Ctx<'_>, clock: &Clock) -> SResult<Sector> {
    if ctx.actor.org_kind != OrgKind::Supervisor {
        return Err(ServiceError::Forbidden);
    }
    ctx.require(Permission::ReadSector)?;
    let scope = ctx.actor.org_scope();
    let now = clock.now_us();
    let today = jst::date_of(now).to_string();
    let mut conn = ctx.store.read().await?;
    let members = store::institutions(&mut conn, &scope).await?;
    let mut findings: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for f in store::all_current(&mut conn, &scope).await? {
        findings.entry(f.org_id.clone()).or_default().push(f);
    }
    let gaps: BTreeMap<String, (i64, i64)> = store::gap_counts(&mut conn, &scope)
        .await?
        .into_iter()
        .map(|(org, c, g)| (org, (c, g)))
        .collect();
    let uses = store::provider_uses(&mut conn, &scope).await?;
    let in_reach: BTreeSet<&str> = members.iter().map(|m| m.org_id.as_str()).collect();
    let uses: Vec<(String, String)> = uses
        .into_iter()
        .filter(|(_, org)| in_reach.contains(org.as_str()))
        .collect();
    let own: Vec<(&str, SectorFigures)> = members
        .iter()
        .map(|m| {
            let f = findings.get(&m.org_id).map_or(&[][..], Vec::as_slice);
            let g = gaps.get(&m.org_id).copied().unwrap_or((0, 0));
            (m.business_type.as_str(), figures_of(f, now, &today, g))
        })
        .collect();
    let mut by_type: BTreeMap<&str, Vec<&SectorFigures>> = BTreeMap::new();
    for (bt, f) in &own {
        by_type.entry(bt).or_default().push(f);
    }
    let all: Vec<&SectorFigures> = own.iter().map(|(_, f)| f).collect();
    let (providers, unnamed_providers) = concentration(&uses, SECTOR_K);
    Ok(Sector {
        k: SECTOR_K,
        rows: by_type.iter().map(|(bt, m)| row(bt, m)).collect(),
        total: row("all", &all),
        providers,
        unnamed_providers,
    })
}
