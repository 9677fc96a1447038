//! Vulnerability diagnosis (issue 15): the scope an institution declares, scanner imports
//! reconciled against the scope's previous state (`import.rs`), KEV and EPSS data the
//! institution imports, decisions with a clock and four eyes on an acceptance
//! (`decisions.rs`), lists and a finding's page (`query.rs`), and the overdue clocks as
//! work items and in the management report (`todo.rs`); outsourcing contracts whose clause
//! gaps become posture findings (`contracts.rs`) and the supervisor's k-anonymous roll-up
//! (`sector.rs`).
//!
//! Only an institution keeps a scope, and only its own: reads use the actor's
//! `OrgScope::Own`, writes are keyed by the actor's organisation. Every write is one
//! transaction with its audit entry; a refused file writes nothing.

mod contracts;
mod decisions;
mod import;
mod query;
mod sector;
mod todo;

pub use contracts::{
    ContractCreated, ContractInput, RaisedGap, add_contract, contract, contracts, contracts_page,
};
pub use decisions::{DecisionInput, approve, decide};
pub use import::{ImportReport, LoadReport, MAX_IMPORT_BYTES, import, load_epss, load_kev};
pub use query::{FindingDetail, FindingView, ListPage, ListQuery, detail, list, view_of};
pub use sector::{SECTOR_K, Sector, SectorFigures, SectorRow, sector};
pub use todo::{overdue, work_items};

use crate::supervision::clock::Clock;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::validate::Invalid;
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::new_id;
use deltawall_store::vuln::{self, Asset, NewAsset};
use deltawall_vuln::{ClockPolicy, Format};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The clock policy every institution runs on (configurable in code; see
/// [`ClockPolicy::default`]).
pub fn policy() -> ClockPolicy {
    ClockPolicy::default()
}

/// The kinds of asset a scope holds.
pub const ASSET_KINDS: [&str; 4] = [
    "website",
    "internet_service",
    "internal_zone",
    "test_environment",
];

/// The criticality levels of an asset.
pub const CRITICALITIES: [&str; 3] = ["low", "medium", "high"];

/// The format codes `?format=` takes, with their formats.
pub const FORMATS: [(&str, Format); 7] = [
    ("sarif", Format::Sarif),
    ("nessus", Format::Nessus),
    ("openvas", Format::OpenVas),
    ("trivy", Format::Trivy),
    ("zap-xml", Format::ZapXml),
    ("zap-json", Format::ZapJson),
    ("prowler", Format::ProwlerOcsf),
];

/// The code of a format.
pub fn format_code(format: Format) -> &'static str {
    FORMATS
        .iter()
        .find(|(_, f)| *f == format)
        .map_or("unknown", |(c, _)| c)
}

/// The format of a code; an unknown code names the field.
pub fn parse_format(code: &str) -> SResult<Format> {
    FORMATS
        .iter()
        .find(|(c, _)| *c == code.trim())
        .map(|(_, f)| *f)
        .ok_or(ServiceError::Invalid(Invalid {
            field: "format",
            reason: "is not a format we import (sarif, nessus, openvas, trivy, zap-xml, zap-json, prowler)",
            code: "err-vuln-format",
        }))
}

/// The actor must act for an institution with `permission`.
pub(crate) fn require_institution(ctx: &Ctx<'_>, permission: Permission) -> SResult<()> {
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    ctx.require(permission)
}

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-bad-request",
    })
}

/// An asset as a person enters it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AssetInput {
    /// A host name, a site's address or a zone's name, unique in the scope.
    pub name: String,
    /// `website`, `internet_service`, `internal_zone` or `test_environment`.
    pub kind: String,
    /// The department or person who owns it.
    pub owner: String,
    /// The outsourcer that operates it; empty when the institution operates it.
    #[serde(default)]
    pub operator: String,
    /// `low`, `medium` or `high`.
    pub criticality: String,
    /// Days between diagnoses, 1 to 730.
    pub cadence_days: i64,
}

/// Adds an asset to the actor's institution's scope; returns its id.
pub async fn add_asset(ctx: Ctx<'_>, input: &AssetInput) -> SResult<String> {
    require_institution(&ctx, Permission::EditPosture)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "must be 1 to 200 characters"));
    }
    if !ASSET_KINDS.contains(&input.kind.as_str()) {
        return Err(invalid("kind", "is not a kind of asset"));
    }
    if !CRITICALITIES.contains(&input.criticality.as_str()) {
        return Err(invalid("criticality", "must be low, medium or high"));
    }
    if !(1..=730).contains(&input.cadence_days) {
        return Err(invalid("cadence_days", "must be 1 to 730 days"));
    }
    if input.owner.trim().is_empty() || input.owner.chars().count() > 200 {
        return Err(invalid("owner", "must be 1 to 200 characters"));
    }
    if input.operator.chars().count() > 200 {
        return Err(invalid("operator", "must be at most 200 characters"));
    }
    let asset = NewAsset {
        name: name.to_owned(),
        kind: input.kind.clone(),
        owner: input.owner.trim().to_owned(),
        operator: input.operator.trim().to_owned(),
        criticality: input.criticality.clone(),
        cadence_days: input.cadence_days,
    };
    let id = new_id();
    let mut tx = ctx.store.write().await?;
    vuln::add_asset(
        &mut tx,
        &id,
        &ctx.actor.org_id,
        &ctx.actor.user_id,
        &asset,
        deltawall_store::records::now_us(),
    )
    .await?;
    ctx.audit(
        &mut tx,
        "vuln.asset.add",
        ("vuln_asset", Some(&id)),
        None,
        json!({"name": asset.name, "kind": asset.kind, "operator": asset.operator}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// How an asset stands against its diagnosis cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Diagnosed within its cadence.
    Current,
    /// Diagnosed, but longer ago than its cadence.
    Stale,
    /// Never diagnosed.
    Never,
}

/// An asset of the scope with its coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScopeRow {
    /// The asset.
    #[schema(value_type = Object)]
    pub asset: Asset,
    /// How it stands.
    pub coverage: Coverage,
}

/// The scope with its coverage figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scope {
    /// The assets, by name: every one, or one page of them (see `next`). The counts below
    /// are always over the whole scope.
    pub assets: Vec<ScopeRow>,
    /// Assets diagnosed within their cadence.
    pub current: usize,
    /// Assets diagnosed longer ago than their cadence.
    pub stale: usize,
    /// Assets never diagnosed.
    pub never: usize,
    /// The cursor of the next page of assets, also in the `Link: rel="next"` header;
    /// null on the last page.
    pub next: Option<String>,
}

impl Scope {
    /// The share of assets diagnosed within their cadence, in whole percent (`None` for an
    /// empty scope).
    pub fn coverage_percent(&self) -> Option<usize> {
        let total = self.current + self.stale + self.never;
        (total > 0).then(|| self.current * 100 / total)
    }
}

const DAY_US: i64 = 86_400_000_000;

/// The actor's institution's scope, each asset's coverage measured at the clock's now.
pub async fn scope(ctx: Ctx<'_>, clock: &Clock) -> SResult<Scope> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let now = clock.now_us();
    let mut conn = ctx.store.read().await?;
    let assets = vuln::assets(&mut conn, &ctx.actor.org_scope(), None).await?;
    let rows: Vec<ScopeRow> = assets.into_iter().map(|a| scope_row(a, now)).collect();
    let count = |c| rows.iter().filter(|r| r.coverage == c).count();
    Ok(Scope {
        current: count(Coverage::Current),
        stale: count(Coverage::Stale),
        never: count(Coverage::Never),
        assets: rows,
        next: None,
    })
}

fn scope_row(asset: vuln::Asset, now: i64) -> ScopeRow {
    let coverage = match asset.last_diagnosed_at {
        None => Coverage::Never,
        Some(at) if now - at > asset.cadence_days * DAY_US => Coverage::Stale,
        Some(_) => Coverage::Current,
    };
    ScopeRow { asset, coverage }
}

/// Every asset of the actor's institution's scope as (id, name), by name: the choices of a
/// form that names one asset (an import, a contract), which a page of the list cannot offer.
pub async fn asset_choices(ctx: Ctx<'_>) -> SResult<Vec<(String, String)>> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let assets = vuln::assets(&mut conn, &ctx.actor.org_scope(), None).await?;
    Ok(assets.into_iter().map(|a| (a.id, a.name)).collect())
}

/// One page of the actor's institution's scope, each asset's coverage measured at the
/// clock's now; the coverage counts are over the whole scope, counted in the database.
pub async fn scope_page(
    ctx: Ctx<'_>,
    clock: &Clock,
    req: &crate::paging::PageRequest,
) -> SResult<Scope> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let after = req.cursor(3)?;
    let now = clock.now_us();
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let page = vuln::page_assets(&mut conn, &scope, after.as_ref(), req.limit()).await?;
    let (current, stale, never) = vuln::coverage_counts(&mut conn, &scope, now).await?;
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    Ok(Scope {
        assets: page.items.into_iter().map(|a| scope_row(a, now)).collect(),
        current: count(current),
        stale: count(stale),
        never: count(never),
        next: page.next,
    })
}
