//! The risk register of an institution. Its holding company reads it (group roll-up); the
//! supervisor does not reach it (see `Actor::internal_scope`).

use crate::error::ServiceError;
use crate::time::date;
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::validate::Invalid;
use deltawall_store::records::now_us;
use deltawall_store::risks::{self, Risk, RiskFields};
use serde::Deserialize;
use serde_json::json;

/// Treatments of a risk.
pub const TREATMENTS: &[&str] = &["mitigate", "accept", "transfer", "avoid"];

/// A risk as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    /// Short title.
    pub title: String,
    /// The asset at risk.
    #[serde(default)]
    pub asset: Option<String>,
    /// The requirement concerned.
    #[serde(default)]
    pub requirement_id: Option<String>,
    /// Inherent likelihood, 1–5.
    pub inherent_likelihood: i64,
    /// Inherent impact, 1–5.
    pub inherent_impact: i64,
    /// Residual likelihood, 1–5.
    pub residual_likelihood: i64,
    /// Residual impact, 1–5.
    pub residual_impact: i64,
    /// Owner.
    pub owner: String,
    /// `mitigate`, `accept`, `transfer` or `avoid`.
    pub treatment: String,
    /// Next review, `YYYY-MM-DD`.
    pub review_on: String,
}

fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

fn text(field: &'static str, raw: &str, required: bool) -> SResult<Option<String>> {
    Ok(deltawall_domain::validate::text(field, raw, required, 200)?)
}

fn check(input: &RiskInput) -> SResult<RiskFields> {
    let scores = [
        ("inherent_likelihood", input.inherent_likelihood),
        ("inherent_impact", input.inherent_impact),
        ("residual_likelihood", input.residual_likelihood),
        ("residual_impact", input.residual_impact),
    ];
    for (field, v) in scores {
        if !(1..=5).contains(&v) {
            return Err(bad(field, "err-score", "must be 1 to 5"));
        }
    }
    if !TREATMENTS.contains(&input.treatment.as_str()) {
        return Err(bad("treatment", "err-bad-request", "is not a known value"));
    }
    let requirement_id = text(
        "requirement_id",
        input.requirement_id.as_deref().unwrap_or(""),
        false,
    )?;
    if let Some(r) = &requirement_id {
        let catalog = crate::posture::assessments::parsed_builtin()?;
        if catalog.requirement(r).is_none() {
            return Err(bad(
                "requirement_id",
                "err-unknown-requirement",
                "is not a requirement of the catalog",
            ));
        }
    }
    Ok(RiskFields {
        title: text("title", &input.title, true)?.unwrap_or_default(),
        asset: text("asset", input.asset.as_deref().unwrap_or(""), false)?,
        requirement_id,
        inherent_likelihood: input.inherent_likelihood,
        inherent_impact: input.inherent_impact,
        residual_likelihood: input.residual_likelihood,
        residual_impact: input.residual_impact,
        owner: text("owner", &input.owner, true)?.unwrap_or_default(),
        treatment: input.treatment.clone(),
        review_on: date("review_on", &input.review_on)?.to_string(),
    })
}

/// Registers a risk of the actor's institution.
pub async fn create(ctx: Ctx<'_>, input: &RiskInput) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    let fields = check(input)?;
    let mut tx = ctx.store.write().await?;
    let id = risks::create(
        &mut tx,
        &ctx.actor.org_id,
        &ctx.actor.user_id,
        &fields,
        now_us(),
    )
    .await?;
    let summary = json!({"title": fields.title, "treatment": fields.treatment});
    ctx.audit(&mut tx, "risk.create", ("risk", Some(&id)), None, summary)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a risk of the actor's institution.
pub async fn update(ctx: Ctx<'_>, id: &str, input: &RiskInput) -> SResult<()> {
    ctx.require(Permission::EditPosture)?;
    let fields = check(input)?;
    let mut tx = ctx.store.write().await?;
    let before = risks::get(&mut tx, &ctx.actor.internal_scope(), id).await?;
    if before.org_id != ctx.actor.org_id {
        return Err(ServiceError::Forbidden);
    }
    risks::update(&mut tx, &ctx.actor.org_id, id, &fields, now_us()).await?;
    let summary = json!({"title": fields.title, "treatment": fields.treatment, "residual": [fields.residual_likelihood, fields.residual_impact]});
    ctx.audit(&mut tx, "risk.update", ("risk", Some(id)), None, summary)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The risks the actor may read: its institution's and, for a holding company, its group's.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Risk>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(risks::list(&mut conn, &ctx.actor.internal_scope()).await?)
}

/// One page of the risks the actor may read, highest residual score first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Risk>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(3)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.internal_scope();
    Ok(risks::page(&mut conn, &scope, after.as_ref(), req.limit()).await?)
}

/// One risk.
pub async fn get(ctx: Ctx<'_>, id: &str) -> SResult<Risk> {
    let mut conn = ctx.store.read().await?;
    Ok(risks::get(&mut conn, &ctx.actor.internal_scope(), id).await?)
}
