//! What requests (要請) and alerts (注意喚起) share: both are a document the supervisor sends to
//! a chosen population of institutions within its reach, each of which then answers or
//! acknowledges it. Here are the rules both follow: who may send and who may read, the
//! population resolved within reach, the deadline in Japan time, and how a refusal of the
//! domain is named to the user.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::population::{self, SelectError, Selector};
use deltawall_domain::validate::Invalid;
use deltawall_store::sup_requests as store;
use serde::Serialize;

/// An institution matched by a population, for the preview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matched {
    /// Id.
    pub id: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
    /// Business type code.
    #[schema(value_type = String)]
    pub business_type: BusinessType,
    /// Region code.
    #[schema(value_type = String)]
    pub region: Region,
}

/// An invalid-input error naming the field, its message key and reason.
pub(crate) fn invalid(
    field: &'static str,
    code: &'static str,
    reason: &'static str,
) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

/// The field and message of a population refusal (shared with alerts).
pub fn select_error(e: &SelectError) -> ServiceError {
    match e {
        SelectError::Empty => invalid(
            "population",
            "req-err-population-empty",
            "the population matches no institution",
        ),
        SelectError::UnknownOrg { .. } => invalid(
            "population",
            "req-err-population-unknown",
            "names an institution that does not exist or is out of reach",
        ),
        SelectError::BadAttributeValue { .. } | SelectError::EmptyPredicate { .. } => invalid(
            "population",
            "req-err-population-attribute",
            "an attribute criterion cannot hold",
        ),
    }
}

/// Refuses unless the actor is supervisory staff who may send (not an auditor).
pub fn require_supervisor(ctx: &Ctx<'_>) -> SResult<()> {
    crate::supervision::roles::require_staff(ctx)
}

/// Refuses unless the actor belongs to a supervisor (auditors included: they read).
pub fn require_supervisor_reader(ctx: &Ctx<'_>) -> SResult<()> {
    crate::supervision::roles::require_reader(ctx)
}

/// Refuses unless the actor is an institution that reads its own records.
pub(crate) fn require_institution(ctx: &Ctx<'_>) -> SResult<()> {
    if ctx.actor.org_kind == OrgKind::Institution && ctx.actor.can(Permission::ReadOwnOrg) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The actor as the domain's [`Party`].
pub fn party(ctx: &Ctx<'_>) -> Party {
    Party {
        user_id: ctx.actor.user_id.clone(),
        org_id: ctx.actor.org_id.clone(),
        org_kind: ctx.actor.org_kind,
        role: ctx.actor.role,
    }
}

/// The deadline day as the last microsecond of that day in Japan time.
pub fn deadline_us(field: &'static str, raw: &str) -> SResult<i64> {
    let day = crate::time::date(field, raw)?;
    Ok(crate::time::end_of_day_us(day))
}

/// Resolves a population within the actor's reach and names each matched institution.
pub async fn resolve_population(
    ctx: &Ctx<'_>,
    selector: &Selector,
    now_us: i64,
) -> SResult<Vec<Matched>> {
    let mut conn = ctx.store.read().await?;
    let facts = store::population(&mut conn, &ctx.actor.org_scope(), now_us).await?;
    let ids = population::resolve(selector, &facts).map_err(|e| select_error(&e))?;
    let mut matched = Vec::with_capacity(ids.len());
    for id in ids {
        let org = deltawall_store::orgs::get(&mut conn, &ctx.actor.org_scope(), &id).await?;
        let f = facts
            .iter()
            .find(|f| f.id == id)
            .ok_or(ServiceError::NotFound("organisation"))?;
        matched.push(Matched {
            id,
            name_ja: org.name_ja,
            name_en: org.name_en,
            business_type: f.business_type,
            region: f.region,
        });
    }
    Ok(matched)
}
