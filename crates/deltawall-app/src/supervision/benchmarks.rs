//! Peer benchmarks (issue item 6): how a cohort (business type and size band) answered
//! each requirement of a catalog, from every institution's latest submitted assessment.
//!
//! Every way out — the page, CSV, XLSX and the JSON API — goes through [`view`], which
//! applies the domain's k rule (`supervision::benchmark`): a distribution is revealed only
//! when at least k institutions answered; an institution sees its own result and position
//! against its cohort, never another's answers. Drafts never count (the store reads only
//! submitted assessments). A supervisor sees the cohorts of its reach; an institution's
//! cohort is sector-wide, but only counts leave.
//!
//! The source is a catalog or a request (要請) asking catalog requirements ([`Source`]).
//! For a request, only the answers of accepted tasks count — the supervisor's acceptance
//! makes them the institution's official answer; drafts, submissions awaiting review and
//! returned submissions never count. An institution sees a request's benchmark only if it
//! was targeted by it (otherwise: not found); a supervisor only if the request is visible
//! to it, and then only the cohorts of its reach. A questionnaire request has no
//! requirements to benchmark and is refused with `bench-err-questions`.

use crate::Table;
use crate::error::ServiceError;
use crate::posture::assessments::builtin_catalog;
use crate::{Ctx, SResult};
use deltawall_domain::supervision::benchmark::{
    Cohort, CohortBenchmark, K, Outcome, OwnPosition, ResultFact, benchmarks, own_positions,
};
use deltawall_domain::supervision::request::Asked;
use deltawall_domain::validate::Invalid;
use deltawall_domain::{OrgKind, OrgScope, Permission, posture};
use deltawall_store::keyset::KeysetPage;
pub use deltawall_store::sup_requests::RequestSource;
use deltawall_store::{settings, sup_benchmarks, sup_requests};
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
        /// The request, when the source is a request.
        request_id: Option<String>,
        /// One entry per cohort and requirement.
        cohorts: Vec<CohortBenchmark>,
    },
    /// An institution: its own result and position per requirement.
    Own {
        /// The threshold applied.
        k: u32,
        /// The catalog (row id).
        catalog_id: String,
        /// The request, when the source is a request.
        request_id: Option<String>,
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

/// Changes k (supervisor administrators), refused below the domain's floor for the
/// setter ([`K::set_by`]: only the national supervisor may go below the default); audited.
pub async fn set_k(ctx: Ctx<'_>, k: u32) -> SResult<()> {
    crate::supervision::roles::require_admin(&ctx)?;
    let national = ctx.actor.reach == Some(deltawall_domain::org::SupervisorReach::National);
    let k = K::set_by(k, national).map_err(|e| {
        ServiceError::Invalid(Invalid {
            field: "k",
            reason: if e.floor > deltawall_domain::supervision::benchmark::MIN_K {
                "must be at least the default below the national supervisor"
            } else {
                "must be at least 2"
            },
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

/// Where the results come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The latest submitted assessments against the built-in catalog.
    Catalog,
    /// The accepted answers to a request asking catalog requirements (its id).
    Request(String),
}

impl Source {
    /// The source named by an optional `request` query parameter; blank means the catalog.
    pub fn from_query(request: Option<&str>) -> Source {
        match request.map(str::trim) {
            Some(id) if !id.is_empty() => Source::Request(id.to_owned()),
            _ => Source::Catalog,
        }
    }

    /// The query string that names this source again (for export links), with `?`.
    pub fn query(&self) -> String {
        match self {
            Source::Catalog => String::new(),
            Source::Request(id) => format!("?request={}", link_safe(id)),
        }
    }
}

/// Ids are generated (alphanumeric and `-`); anything else is dropped so a link never
/// carries markup or extra parameters.
fn link_safe(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The one way to benchmarks, from a catalog or a request: what the actor may see.
pub async fn view(ctx: Ctx<'_>, source: &Source) -> SResult<Benchmarks> {
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
    let (catalog_id, request_id, rows) = match source {
        Source::Catalog => {
            let (catalog_id, _) = builtin_catalog(ctx.store).await?;
            let mut conn = ctx.store.read().await?;
            let rows = sup_benchmarks::catalog_results(&mut conn, &scope, &catalog_id).await?;
            (catalog_id, None, rows)
        }
        Source::Request(id) => {
            let mut conn = ctx.store.read().await?;
            // Visibility by the actor's own scope: an institution reaches a request only
            // through its own task, a bureau only one it issued or with a task in its region.
            let request = sup_requests::get_request(&mut conn, &ctx.actor.org_scope(), id).await?;
            // A request may only ask the built-in catalog (checked when sent), so the row
            // id reported is the built-in catalog's, as for the catalog source.
            let Asked::Requirements { .. } = request.doc.request.asked else {
                return Err(ServiceError::Invalid(Invalid {
                    field: "request",
                    reason: "a questionnaire has no requirements to benchmark",
                    code: "bench-err-questions",
                }));
            };
            let rows = sup_benchmarks::request_results(&mut conn, &scope, id).await?;
            drop(conn);
            let (catalog_id, _) = builtin_catalog(ctx.store).await?;
            (catalog_id, Some(request.id), rows)
        }
    };
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
            request_id,
            cohorts: benchmarks(&facts, k),
        });
    }
    let own = ctx.actor.org_id.as_str();
    Ok(Benchmarks::Own {
        k: k.get(),
        catalog_id,
        request_id,
        cohort: facts
            .iter()
            .find(|f| f.org_id == own)
            .map(|f| f.cohort.clone()),
        positions: own_positions(&facts, own, k),
    })
}

/// One page of the requests asking catalog requirements that the actor may pick as a
/// source, newest first: a supervisor's visible requests (a bureau's: those it issued or
/// with a task in its region), an institution's own targeted ones. Read lean in the store
/// (id, time and title; questionnaires filtered out in SQL), so a sector's years of
/// requests are never read whole for a page of them.
pub async fn request_sources(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<RequestSource>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let scope = match ctx.actor.org_kind {
        OrgKind::Supervisor if ctx.actor.can(Permission::ReadSector) => ctx.actor.org_scope(),
        // Only the requests it was asked: an institution never issues one, so its own
        // scope reaches exactly the requests with a task of its own.
        OrgKind::Institution => OrgScope::Own(ctx.actor.org_id.clone()),
        _ => return Err(ServiceError::Forbidden),
    };
    // The sources' order has two columns: time sent, id.
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    Ok(sup_requests::page_request_sources(&mut conn, &scope, after.as_ref(), req.limit()).await?)
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
