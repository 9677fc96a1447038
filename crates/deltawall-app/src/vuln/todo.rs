//! The overdue decision clocks of an institution: work items on its people's home page and
//! a section of its management report.

use super::query::{FindingView, view_of};
use super::require_institution;
use crate::supervision::clock::Clock;
use crate::work::{Delta, Title, WorkItem};
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_store::Conn;
use deltawall_store::vuln;
use deltawall_vuln::ClockKind;

/// The institution's findings whose clock is past due at `now_us`, the most overdue first.
pub async fn overdue(conn: &mut Conn, org_id: &str, now_us: i64) -> SResult<Vec<FindingView>> {
    let scope = deltawall_domain::OrgScope::Own(org_id.to_owned());
    let mut out: Vec<FindingView> = vuln::all_current(conn, &scope)
        .await?
        .into_iter()
        .map(|f| view_of(f, now_us))
        .filter(|v| v.clock.is_some_and(|c| c.overdue))
        .collect();
    out.sort_by_key(|v| v.clock.map(|c| c.due_us));
    Ok(out)
}

/// Overdue decisions, fixes and lapsed acceptances, for the people who may act on them.
pub async fn work_items(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<WorkItem>> {
    require_institution(&ctx, Permission::EditPosture)?;
    let mut conn = ctx.store.read().await?;
    let late = overdue(&mut conn, &ctx.actor.org_id, clock.now_us()).await?;
    Ok(late
        .into_iter()
        .filter_map(|v| {
            let c = v.clock?;
            let action = match c.kind {
                ClockKind::Decide => "work-vuln-decide",
                ClockKind::Fix => "work-vuln-fix",
                ClockKind::AcceptanceLapsed => "work-vuln-acceptance-lapsed",
            };
            let title = format!("{} — {}", v.finding.asset_name, v.finding.title);
            Some(WorkItem {
                feature: "vulnerabilities",
                delta: Delta::SelfHelp,
                action,
                title: Title::same(&title),
                due_us: Some(c.due_us),
                overdue: true,
                href: format!("/vulnerabilities/{}", v.finding.id),
            })
        })
        .collect())
}
