//! Outsourcing contracts and cloud services (issue 15, points 5 and 6): an institution
//! records a contract with its clause checklist and, for a cloud service, the shared-
//! responsibility matrix; every missing or weak clause becomes a posture finding raised
//! through the one finding path, so it is tracked to closure like any other. Only the
//! institution reads its contracts (`OrgScope::Own`); the supervisor sees them only as
//! k-anonymous figures (`sector.rs`).

use super::{invalid, require_institution};
use crate::posture::findings::{FindingFields, Raised, raise};
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::finding::{Origin, Person, Severity};
use deltawall_domain::{Permission, jst};
use deltawall_store::records::now_us;
use deltawall_store::vuln::{self as store, Contract, NewContract};
use deltawall_store::{Tx, new_id};
use deltawall_vuln::contract::{
    Clause, ClauseStatus, Control, Gap, GapSeverity, Holder, ServiceModel, default_matrix, gaps,
    provider_key,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

const DAY_US: i64 = 86_400_000_000;

/// A contract as a person enters it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ContractInput {
    /// The provider's name, 1 to 200 characters.
    pub provider: String,
    /// The service provided, 1 to 200 characters.
    pub service: String,
    /// `none` (an outsourcer), `saas`, `paas` or `iaas`.
    pub service_model: String,
    /// The asset of the diagnosis scope the provider operates, if any.
    #[serde(default)]
    pub asset: Option<String>,
    /// Subcontractors' names.
    #[serde(default)]
    pub subcontractors: Vec<String>,
    /// Clause code (`diagnosis`, `logs_monitoring`, `security_disclosure`,
    /// `incident_notice`, `audit`, `subcontracting`, `exit`) → `present`, `weak` or
    /// `missing`; a clause not named is missing.
    #[serde(default)]
    pub clauses: BTreeMap<String, String>,
    /// Where the contract departs from the service model's usual split: control code
    /// (`data`, `identity`, `application`, `platform`, `network`, `physical`) →
    /// `provider`, `institution` or `shared`.
    #[serde(default)]
    pub matrix: BTreeMap<String, String>,
}

/// A gap of a new contract and the finding raised for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RaisedGap {
    /// Clause code.
    pub clause: String,
    /// `missing` or `weak`.
    pub status: String,
    /// The finding's severity.
    pub severity: String,
    /// The posture finding that tracks it.
    pub finding_id: String,
}

/// What adding a contract did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContractCreated {
    /// The contract's id.
    pub id: String,
    /// Its gaps, each with its finding.
    pub gaps: Vec<RaisedGap>,
}

fn text(field: &'static str, value: &str) -> SResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 200 {
        return Err(invalid(field, "must be 1 to 200 characters"));
    }
    Ok(v.to_owned())
}

fn parsed_clauses(input: &BTreeMap<String, String>) -> SResult<BTreeMap<Clause, ClauseStatus>> {
    input
        .iter()
        .map(|(c, s)| {
            let clause = Clause::parse(c.trim())
                .ok_or_else(|| invalid("clauses", "names a clause not on the checklist"))?;
            let status = ClauseStatus::parse(s.trim())
                .ok_or_else(|| invalid("clauses", "must be present, weak or missing"))?;
            Ok((clause, status))
        })
        .collect()
}

fn parsed_matrix(
    model: ServiceModel,
    input: &BTreeMap<String, String>,
) -> SResult<BTreeMap<Control, Holder>> {
    let mut matrix = default_matrix(model);
    for (c, h) in input {
        let control = Control::parse(c.trim())
            .ok_or_else(|| invalid("matrix", "names a control not in the matrix"))?;
        let holder = Holder::parse(h.trim())
            .ok_or_else(|| invalid("matrix", "must be provider, institution or shared"))?;
        matrix.insert(control, holder);
    }
    Ok(matrix)
}

fn subcontractors(input: &[String]) -> SResult<Vec<String>> {
    let subs: Vec<String> = input
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if subs.len() > 50 || subs.iter().any(|s| s.chars().count() > 200) {
        return Err(invalid(
            "subcontractors",
            "at most 50 names of up to 200 characters",
        ));
    }
    Ok(subs)
}

/// The contract to store, its gaps computed from the checklist.
fn checked(input: &ContractInput) -> SResult<(NewContract, Vec<Gap>)> {
    let provider = text("provider", &input.provider)?;
    let service = text("service", &input.service)?;
    let model = ServiceModel::parse(input.service_model.trim())
        .ok_or_else(|| invalid("service_model", "must be none, saas, paas or iaas"))?;
    let clauses = parsed_clauses(&input.clauses)?;
    let matrix = parsed_matrix(model, &input.matrix)?;
    let asset_id = input
        .asset
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let found = gaps(&clauses, asset_id.is_some());
    let all_clauses = Clause::ALL
        .into_iter()
        .map(|c| {
            let s = clauses.get(&c).copied().unwrap_or(ClauseStatus::Missing);
            (c.code().to_owned(), s.code().to_owned())
        })
        .collect();
    let new = NewContract {
        provider_key: provider_key(&provider),
        provider,
        service,
        service_model: model.code().to_owned(),
        asset_id,
        subcontractors: subcontractors(&input.subcontractors)?,
        clauses: all_clauses,
        matrix: matrix
            .into_iter()
            .map(|(c, h)| (c.code().to_owned(), h.code().to_owned()))
            .collect(),
    };
    Ok((new, found))
}

fn severity(g: GapSeverity) -> (Severity, i64) {
    match g {
        GapSeverity::High => (Severity::High, 30),
        GapSeverity::Medium => (Severity::Medium, 90),
        GapSeverity::Low => (Severity::Low, 180),
    }
}

/// Raises the finding of one gap of contract `id` and links it.
async fn raise_gap(
    ctx: &Ctx<'_>,
    tx: &mut Tx,
    id: &str,
    c: &NewContract,
    gap: Gap,
) -> SResult<RaisedGap> {
    let (sev, days) = severity(gap.severity);
    let clause = gap.clause;
    let title = format!(
        "契約条項の不備 / Contract clause gap: {} — {}",
        c.provider,
        clause.code()
    );
    let description = format!(
        "{} ({})\n{}\n{}\n{}",
        c.service,
        gap.status.code(),
        clause.guidance_ja(),
        clause.guidance_en(),
        clause.source()
    );
    let due = jst::date_of(now_us() + days * DAY_US).to_string();
    let fields = FindingFields {
        title: &title,
        description: &description,
        severity: sev,
        requirement_ids: &[],
        owner_user: &ctx.actor.user_id,
        due_on: Some(&due),
    };
    let raised = Raised {
        org_id: ctx.actor.org_id.clone(),
        origin: Origin::Assessment,
        origin_ref: Some(id.to_owned()),
        by: Person {
            user_id: ctx.actor.user_id.clone(),
            role: ctx.actor.role,
        },
        issue: true,
    };
    let f = raise(tx, &fields, raised).await?;
    store::add_gap(tx, id, clause.code(), gap.status.code(), &f.id).await?;
    Ok(RaisedGap {
        clause: clause.code().to_owned(),
        status: gap.status.code().to_owned(),
        severity: format!("{sev:?}").to_lowercase(),
        finding_id: f.id,
    })
}

/// Records a contract of the actor's institution and raises a posture finding for each
/// missing or weak clause, in one transaction with its audit entry.
pub async fn add_contract(ctx: Ctx<'_>, input: &ContractInput) -> SResult<ContractCreated> {
    require_institution(&ctx, Permission::EditPosture)?;
    let (new, found) = checked(input)?;
    let id = new_id();
    let mut tx = ctx.store.write().await?;
    if let Some(asset) = &new.asset_id {
        let own = ctx.actor.org_scope();
        if store::assets(&mut tx, &own, Some(asset)).await?.is_empty() {
            return Err(invalid("asset", "is not an asset of the scope"));
        }
    }
    let by = &ctx.actor.user_id;
    store::insert_contract(&mut tx, &id, &ctx.actor.org_id, by, &new, now_us()).await?;
    let mut raised = Vec::new();
    for gap in found {
        raised.push(raise_gap(&ctx, &mut tx, &id, &new, gap).await?);
    }
    let gap_codes: Vec<&str> = raised.iter().map(|g| g.clause.as_str()).collect();
    ctx.audit(
        &mut tx,
        "vuln.contract.add",
        ("vuln_contract", Some(&id)),
        None,
        json!({"provider": new.provider, "service_model": new.service_model, "gaps": gap_codes}),
    )
    .await?;
    tx.commit().await?;
    Ok(ContractCreated { id, gaps: raised })
}

/// The actor's institution's contracts, newest first.
pub async fn contracts(ctx: Ctx<'_>) -> SResult<Vec<Contract>> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(store::contracts(&mut conn, &ctx.actor.org_scope(), None).await?)
}

/// One page of the actor's institution's contracts with their gaps, newest first.
pub async fn contracts_page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Contract>> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    Ok(store::page_contracts(&mut conn, &scope, after.as_ref(), req.limit()).await?)
}

/// One contract of the actor's institution; another's is not found.
pub async fn contract(ctx: Ctx<'_>, id: &str) -> SResult<Contract> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    store::contracts(&mut conn, &ctx.actor.org_scope(), Some(id))
        .await?
        .pop()
        .ok_or(ServiceError::NotFound("contract"))
}
