//! Peer benchmarks (issue item 6): how a cohort (business type and size band) answered
//! each requirement of a catalog, from every institution's latest submitted assessment.
//!
//! Every way out — the page, CSV, XLSX and the JSON API — goes through [`view`], which
//! applies the domain's k rule (`supervision::benchmark`): a distribution is revealed only
//! when at least k institutions answered; an institution sees its own result and position
//! against its cohort, never another's answers. Drafts never count (the store reads only
//! submitted assessments). A supervisor sees the cohorts of its reach; an institution's
//! cohort is sector-wide, but only counts leave.

use super::posture::builtin_catalog;
use super::{Ctx, SResult};
use crate::error::ServiceError;
use crate::export::Table;
use deltawall_domain::supervision::benchmark::{
    Cohort, CohortBenchmark, K, Outcome, OwnPosition, ResultFact, benchmarks, own_positions,
};
use deltawall_domain::validate::Invalid;
use deltawall_domain::{OrgKind, OrgScope, Permission, posture};
use deltawall_store::{settings, sup_benchmarks};
use serde::Serialize;
use serde_json::json;

/// The settings key of k.
pub const K_SETTING: &str = "sup_benchmark_k";

/// What the reader may see.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum Benchmarks {
    /// A supervisor: every cohort of its reach, distributions withheld below k.
    Cohorts {
        /// The threshold applied.
        k: u32,
        /// The catalog (row id).
        catalog_id: String,
        /// One entry per cohort and requirement.
        cohorts: Vec<CohortBenchmark>,
    },
    /// An institution: its own result and position per requirement.
    Own {
        /// The threshold applied.
        k: u32,
        /// The catalog (row id).
        catalog_id: String,
        /// Its cohort, if it has submitted results.
        cohort: Option<Cohort>,
        /// One entry per requirement it answered.
        positions: Vec<OwnPosition>,
    },
}

/// The current k (the default when never set).
pub async fn k(ctx: Ctx<'_>) -> SResult<K> {
    let mut conn = ctx.store.read().await?;
    let raw = settings::get(&mut conn, K_SETTING).await?;
    Ok(raw
        .and_then(|v| v.parse::<u32>().ok())
        .and_then(|v| K::new(v).ok())
        .unwrap_or_default())
}

/// Changes k (supervisor administrators), refused below the domain's minimum; audited.
pub async fn set_k(ctx: Ctx<'_>, k: u32) -> SResult<()> {
    if ctx.actor.org_kind != OrgKind::Supervisor {
        return Err(ServiceError::Forbidden);
    }
    ctx.require(Permission::ManageSector)?;
    let k = K::new(k).map_err(|_| {
        ServiceError::Invalid(Invalid {
            field: "k",
            reason: "must be at least 2",
            code: "bench-err-k",
        })
    })?;
    let mut tx = ctx.store.write().await?;
    let before = settings::get(&mut tx, K_SETTING).await?;
    settings::put(&mut tx, K_SETTING, &k.get().to_string()).await?;
    let summary = json!({"k": k.get(), "before": before});
    ctx.audit(
        &mut tx,
        "benchmark.k",
        ("setting", Some(K_SETTING)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The benchmark result for a posture outcome; not applicable is left out.
fn outcome(o: posture::Outcome) -> Option<Outcome> {
    match o {
        posture::Outcome::Met => Some(Outcome::Met),
        posture::Outcome::Partial => Some(Outcome::Partial),
        posture::Outcome::NotMet => Some(Outcome::NotMet),
        posture::Outcome::NotApplicable => None,
    }
}

/// The one way to benchmarks against the built-in catalog: what the actor may see.
pub async fn view(ctx: Ctx<'_>) -> SResult<Benchmarks> {
    ctx.require(Permission::ReadOwnOrg)?;
    let (supervisor, scope) = match ctx.actor.org_kind {
        OrgKind::Supervisor if ctx.actor.can(Permission::ReadSector) => {
            (true, ctx.actor.org_scope())
        }
        // The cohort of an institution is sector-wide; only counts leave this function.
        OrgKind::Institution => (false, OrgScope::All),
        _ => return Err(ServiceError::Forbidden),
    };
    let k = k(ctx).await?;
    let (catalog_id, _) = builtin_catalog(ctx.store).await?;
    let mut conn = ctx.store.read().await?;
    let rows = sup_benchmarks::catalog_results(&mut conn, &scope, &catalog_id).await?;
    let facts: Vec<ResultFact> = rows
        .into_iter()
        .filter_map(|r| {
            Some(ResultFact {
                outcome: outcome(r.outcome)?,
                cohort: Cohort {
                    business_type: r.business_type,
                    size_band: r.size_band,
                },
                org_id: r.org_id,
                requirement_id: r.requirement_id,
            })
        })
        .collect();
    if supervisor {
        return Ok(Benchmarks::Cohorts {
            k: k.get(),
            catalog_id,
            cohorts: benchmarks(&facts, k),
        });
    }
    let own = ctx.actor.org_id.as_str();
    Ok(Benchmarks::Own {
        k: k.get(),
        catalog_id,
        cohort: facts
            .iter()
            .find(|f| f.org_id == own)
            .map(|f| f.cohort.clone()),
        positions: own_positions(&facts, own, k),
    })
}

fn count(d: Option<u32>) -> String {
    d.map_or_else(String::new, |n| n.to_string())
}

/// The view as one table (stable codes), for the page, CSV and XLSX alike. Withheld
/// distributions have empty cells and `withheld` in the `revealed` column.
pub fn table(b: &Benchmarks) -> Table {
    match b {
        Benchmarks::Cohorts { cohorts, .. } => Table {
            sheet: "benchmarks".into(),
            headers: [
                "business_type",
                "size_band",
                "requirement_id",
                "revealed",
                "institutions",
                "not_met",
                "partial",
                "met",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: cohorts
                .iter()
                .map(|c| {
                    let d = c.distribution;
                    vec![
                        c.cohort.business_type.code().to_owned(),
                        c.cohort.size_band.clone().unwrap_or_default(),
                        c.requirement_id.clone(),
                        if d.is_some() { "revealed" } else { "withheld" }.to_owned(),
                        count(d.map(|d| d.institutions)),
                        count(d.map(|d| d.not_met)),
                        count(d.map(|d| d.partial)),
                        count(d.map(|d| d.met)),
                    ]
                })
                .collect(),
        },
        Benchmarks::Own { positions, .. } => Table {
            sheet: "benchmark-position".into(),
            headers: [
                "requirement_id",
                "own",
                "revealed",
                "institutions",
                "not_met",
                "partial",
                "met",
                "below",
                "same",
                "above",
            ]
            .map(str::to_owned)
            .to_vec(),
            rows: positions
                .iter()
                .map(|p| {
                    let d = p.distribution;
                    vec![
                        p.requirement_id.clone(),
                        deltawall_store::findings::code_of(&p.own),
                        if d.is_some() { "revealed" } else { "withheld" }.to_owned(),
                        count(d.map(|d| d.institutions)),
                        count(d.map(|d| d.not_met)),
                        count(d.map(|d| d.partial)),
                        count(d.map(|d| d.met)),
                        count(p.position.map(|x| x.below)),
                        count(p.position.map(|x| x.same)),
                        count(p.position.map(|x| x.above)),
                    ]
                })
                .collect(),
        },
    }
}
