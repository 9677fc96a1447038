//! Reading the audit trail.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::audit::AuditEntry;
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::audit::{self, AuditFilter};
use deltawall_store::{Page, Paged};

/// Entries the actor may read: the whole trail for national supervisor administrators, the
/// own organisation's for roles with [`Permission::ReadAuditLog`].
pub async fn list(ctx: Ctx<'_>, filter: &AuditFilter, page: Page) -> SResult<Paged<AuditEntry>> {
    let scope =
        if ctx.actor.can(Permission::ReadAllAuditLog) && ctx.actor.org_scope() == OrgScope::All {
            OrgScope::All
        } else if ctx.actor.can(Permission::ReadAuditLog) {
            OrgScope::Own(ctx.actor.org_id.clone())
        } else {
            return Err(ServiceError::Forbidden);
        };
    let mut conn = ctx.store.read().await?;
    Ok(audit::list(&mut conn, &scope, filter, page).await?)
}
