//! The posture items that wait for an institution's people: findings and remediation
//! milestones past their due date (or due within [`SOON_DAYS`]), and assessments still in
//! draft. Only people who may edit posture get them; an auditor's home stays read-only.

use super::findings::{self as fnd, OPEN};
use crate::work::{Delta, Title, WorkItem};
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::exercise::plan::TWELVE_MONTHS_US;
use deltawall_domain::posture::AssessmentStatus;
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::findings::StoredFinding;

/// How far ahead a due date puts a finding or milestone on the home page.
pub const SOON_DAYS: i64 = 14;
const DAY_US: i64 = 86_400_000_000;

fn require_editor(ctx: &Ctx<'_>) -> SResult<()> {
    let a = ctx.actor;
    if a.org_kind == OrgKind::Institution && a.can(Permission::EditPosture) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn own_open(ctx: &Ctx<'_>, list: Vec<StoredFinding>) -> Vec<StoredFinding> {
    list.into_iter()
        .filter(|f| f.org_id == ctx.actor.org_id && OPEN.contains(&f.finding.state))
        .collect()
}

/// Open findings and open milestones of the actor's institution that are due within
/// [`SOON_DAYS`] or already late.
pub async fn findings(ctx: Ctx<'_>, now: i64) -> SResult<Vec<WorkItem>> {
    require_editor(&ctx)?;
    let horizon = now + SOON_DAYS * DAY_US;
    let open = own_open(&ctx, fnd::list(ctx, true).await?);
    let mut out = Vec::new();
    for f in &open {
        let Some(due) = f.due_on.as_deref().map(fnd::due_us) else {
            continue;
        };
        if due <= horizon {
            out.push(WorkItem {
                feature: "findings",
                delta: Delta::SelfHelp,
                action: "work-remediate-finding",
                title: Title::same(&f.title),
                due_us: Some(due),
                overdue: due < now,
                href: format!("/posture/findings/{}", f.id),
            });
        }
    }
    for m in fnd::milestones_of(ctx, &open).await? {
        let due = m.milestone.due_us;
        if m.milestone.done_us.is_none() && due <= horizon {
            out.push(WorkItem {
                feature: "milestones",
                delta: Delta::SelfHelp,
                action: "work-complete-milestone",
                title: Title::same(&m.milestone.title),
                due_us: Some(due),
                overdue: due < now,
                href: format!("/posture/findings/{}", m.finding_id),
            });
        }
    }
    Ok(out)
}

/// The actor's institution's assessments still in draft: to finish and submit.
pub async fn assessments(ctx: Ctx<'_>) -> SResult<Vec<WorkItem>> {
    require_editor(&ctx)?;
    let list = super::assessments::list(ctx).await?;
    Ok(list
        .into_iter()
        .filter(|a| a.org_id == ctx.actor.org_id && a.status == AssessmentStatus::Draft)
        .map(|a| WorkItem {
            feature: "assessments",
            delta: Delta::SelfHelp,
            action: "work-submit-assessment",
            title: Title::same(&format!("{} ({})", a.scope, a.as_of)),
            due_us: None,
            overdue: false,
            href: format!("/posture/assessments/{}", a.id),
        })
        .collect())
}

/// The actor's institution's contingency plan when no exercise tested it in the twelve
/// months before `now` (§2(1)③イ): the same flag the plans page and the ranking read.
pub async fn untested_plan(ctx: Ctx<'_>, now: i64) -> SResult<Vec<WorkItem>> {
    require_editor(&ctx)?;
    let own = deltawall_domain::OrgScope::Own(ctx.actor.org_id.clone());
    let mut conn = ctx.store.read().await?;
    let statuses = deltawall_store::exercises::plans::statuses(&mut conn, &own, now).await?;
    Ok(statuses
        .into_iter()
        .filter(|s| s.untested_12_months)
        .map(|s| WorkItem {
            feature: "contingency_plans",
            delta: Delta::SelfHelp,
            action: "work-test-plan",
            title: Title {
                ja: format!("コンティンジェンシープラン 第{}版", s.version),
                en: format!("Contingency plan, version {}", s.version),
            },
            due_us: s.last_tested_at_us.map(|t| t + TWELVE_MONTHS_US),
            overdue: true,
            href: "/contingency-plans".to_owned(),
        })
        .collect())
}
