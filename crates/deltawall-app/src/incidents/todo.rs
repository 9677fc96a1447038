//! The incident items that wait for an institution's people: regulator reports whose clock
//! is running or overdue on the institution's open cases (the work list of
//! `crate::work`).

use super::{cases, work as case_work};
use crate::supervision::clock::Clock;
use crate::work::{Delta, Title, WorkItem};
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::incident::clock::ClockState;
use deltawall_domain::{OrgKind, Permission};

/// Reports due on the actor's institution's open cases, each with its deadline.
pub async fn reports_due(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<WorkItem>> {
    let a = ctx.actor;
    if a.org_kind != OrgKind::Institution || !a.can(Permission::EditPosture) {
        return Err(ServiceError::Forbidden);
    }
    let mut out = Vec::new();
    for case in cases::list(ctx).await? {
        if !case.case.is_open() {
            continue;
        }
        let detail = case_work::detail(ctx, clock, &case.id).await?;
        for c in detail.clocks {
            let (due, overdue) = match c.state {
                ClockState::Running { due_us } => (due_us, false),
                ClockState::Overdue { due_us } => (due_us, true),
                _ => continue,
            };
            out.push(WorkItem {
                feature: "incidents",
                delta: Delta::SelfHelp,
                action: "work-submit-incident-report",
                title: Title {
                    ja: format!("{} — {} {}", case.case.title, c.regime_ja, c.label_ja),
                    en: format!("{} — {} {}", case.case.title, c.regime_en, c.label_en),
                },
                due_us: Some(due),
                overdue,
                href: format!("/incidents/cases/{}", case.id),
            });
        }
    }
    Ok(out)
}
