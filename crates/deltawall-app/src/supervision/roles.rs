//! Who may do what on the supervisor's side, defined once: the services refuse with these
//! and the pages decide which forms to offer with the same predicates, so a button is shown
//! exactly when its action would be allowed.

use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::access::TokenScope;
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::role::Role;
use deltawall_domain::{Actor, OrgKind, Permission};

/// A member of a supervisor (the FSA or a local finance bureau) who reads the sector within
/// its reach; auditors included.
pub fn is_supervisor_reader(a: &Actor) -> bool {
    a.org_kind == OrgKind::Supervisor && a.can(Permission::ReadSector)
}

/// Supervisory staff who may act (send, decide, plan, record): a reader who is not an
/// auditor and does not act through a read-only token.
pub fn is_supervisor_staff(a: &Actor) -> bool {
    is_supervisor_reader(a) && a.role != Role::Auditor && a.token_scope != Some(TokenScope::Read)
}

/// Staff of the FSA itself, who set national policy such as the score weights.
pub fn is_national_staff(a: &Actor) -> bool {
    is_supervisor_staff(a) && a.reach == Some(SupervisorReach::National)
}

/// A supervisor's administrator, who sets sector-wide settings such as k.
pub fn is_supervisor_admin(a: &Actor) -> bool {
    a.org_kind == OrgKind::Supervisor && a.can(Permission::ManageSector)
}

fn refuse_unless(allowed: bool) -> SResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Refuses anyone but a supervisor's reader.
pub fn require_reader(ctx: &Ctx<'_>) -> SResult<()> {
    refuse_unless(is_supervisor_reader(ctx.actor))
}

/// Refuses anyone but supervisory staff who may act.
pub fn require_staff(ctx: &Ctx<'_>) -> SResult<()> {
    refuse_unless(is_supervisor_staff(ctx.actor))
}

/// Refuses anyone but the FSA's own staff.
pub fn require_national_staff(ctx: &Ctx<'_>) -> SResult<()> {
    refuse_unless(is_national_staff(ctx.actor))
}

/// Refuses anyone but a supervisor's administrator.
pub fn require_admin(ctx: &Ctx<'_>) -> SResult<()> {
    refuse_unless(is_supervisor_admin(ctx.actor))
}
