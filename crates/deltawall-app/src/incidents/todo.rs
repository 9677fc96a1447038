//! The incident items that wait for an institution's people: regulator reports whose clock
//! is running or overdue on the institution's open cases (the work list of
//! `crate::work`), each linking to its report form on the case page.

use super::reports::clocks_of;
use crate::supervision::clock::Clock;
use crate::work::{Delta, Title, WorkItem};
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::incident::clock::ClockState;
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::incidents::{cases, reports};

/// Reports due on the actor's institution's open cases, each with its deadline.
pub async fn reports_due(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<WorkItem>> {
    let a = ctx.actor;
    if a.org_kind != OrgKind::Institution || !a.can(Permission::EditPosture) {
        return Err(ServiceError::Forbidden);
    }
    // Only what the clocks need (submissions and decisions), not the whole case page:
    // this runs for the navigation's counts.
    let now = clock.now_us();
    let mut conn = ctx.store.read().await?;
    let mut out = Vec::new();
    for case in cases::list(&mut conn, &a.org_scope()).await? {
        if !case.case.is_open() {
            continue;
        }
        let submitted = reports::of_case(&mut conn, &case.id).await?;
        let decisions = reports::decisions(&mut conn, &case.id).await?;
        for c in clocks_of(&case, &submitted, &decisions, now)? {
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
                // The anchor opens the stage's report form on the case page.
                href: format!(
                    "/incidents/cases/{}#report-{}-{}",
                    case.id,
                    c.regime,
                    c.stage.code()
                ),
            });
        }
    }
    Ok(out)
}
