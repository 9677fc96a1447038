//! Reading the audit trail.

use crate::error::ServiceError;
use crate::paging::PageRequest;
use crate::{Ctx, SResult};
use deltawall_domain::audit::AuditEntry;
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::audit::{self, AuditFilter};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::{Page, Paged};

/// Entries the actor may read: the whole trail for national supervisor administrators, the
/// own organisation's for roles with [`Permission::ReadAuditLog`].
pub async fn list(ctx: Ctx<'_>, filter: &AuditFilter, page: Page) -> SResult<Paged<AuditEntry>> {
    let scope = scope(&ctx)?;
    let mut conn = ctx.store.read().await?;
    Ok(audit::list(&mut conn, &scope, filter, page).await?)
}

/// One page of the entries [`list`] would return, from the request's cursor on.
pub async fn page(
    ctx: Ctx<'_>,
    filter: &AuditFilter,
    req: &PageRequest,
) -> SResult<KeysetPage<AuditEntry>> {
    let scope = scope(&ctx)?;
    let after = req.cursor(1)?;
    let mut conn = ctx.store.read().await?;
    Ok(audit::page(&mut conn, &scope, filter, after.as_ref(), req.limit()).await?)
}

/// The part of the trail the actor may read.
fn scope(ctx: &Ctx<'_>) -> SResult<OrgScope> {
    if ctx.actor.can(Permission::ReadAllAuditLog) && ctx.actor.org_scope() == OrgScope::All {
        Ok(OrgScope::All)
    } else if ctx.actor.can(Permission::ReadAuditLog) {
        Ok(OrgScope::Own(ctx.actor.org_id.clone()))
    } else {
        Err(ServiceError::Forbidden)
    }
}
