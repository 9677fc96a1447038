//! The supervision items that wait for someone: for an institution, request tasks still
//! owed and alerts not yet acknowledged; for supervisory staff, submitted answers waiting
//! for a decision within their reach.

use super::clock::Clock;
use super::{alerts, requests, roles};
use crate::work::{Delta, Title, WorkItem};
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_store::sup_work;

fn titles(ja: &str, en: &str, org: Option<(&str, &str)>) -> Title {
    match org {
        Some((oja, oen)) => Title {
            ja: format!("{oja}: {ja}"),
            en: format!("{oen}: {en}"),
        },
        None => Title {
            ja: ja.to_owned(),
            en: en.to_owned(),
        },
    }
}

/// Request tasks the actor's institution still owes, with their deadlines.
pub async fn requests(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<WorkItem>> {
    ctx.require(Permission::EditPosture)?;
    Ok(requests::owed(ctx, clock)
        .await?
        .into_iter()
        .map(|t| {
            let r = &t.request.doc.request;
            WorkItem {
                feature: "requests",
                delta: Delta::PublicHelp,
                action: "work-answer-request",
                title: titles(&r.title.ja, &r.title.en, None),
                due_us: Some(r.deadline_us),
                overdue: t.status.overdue,
                href: format!("/tasks/{}", t.task.id),
            }
        })
        .collect())
}

/// Alerts sent to the actor's institution that it has not acknowledged.
pub async fn alerts(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<WorkItem>> {
    ctx.require(Permission::EditPosture)?;
    Ok(alerts::my_alerts(ctx, clock)
        .await?
        .into_iter()
        .filter(|a| a.ack.is_none())
        .map(|a| WorkItem {
            feature: "alerts",
            delta: Delta::PublicHelp,
            action: "work-acknowledge-alert",
            title: titles(&a.alert.alert.title.ja, &a.alert.alert.title.en, None),
            due_us: Some(a.alert.alert.respond_by_us),
            overdue: a.overdue,
            href: format!("/alerts/{}", a.alert.id),
        })
        .collect())
}

/// Answers submitted by institutions within the actor's reach that wait for a decision: one
/// item per request, counting its answers, the request waiting longest first. The request's
/// page lists its tasks, each with the decision form.
pub async fn reviews(ctx: Ctx<'_>) -> SResult<Vec<WorkItem>> {
    roles::require_staff(&ctx)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let groups = sup_work::review_groups(&mut conn, &scope).await?;
    Ok(groups
        .into_iter()
        .map(|g| WorkItem {
            feature: "reviews",
            delta: Delta::PublicHelp,
            action: "work-review-answer",
            title: Title {
                ja: format!("{}（確認待ちの回答 {} 件）", g.title_ja, g.waiting),
                en: format!(
                    "{} ({} {} to review)",
                    g.title_en,
                    g.waiting,
                    if g.waiting == 1 { "answer" } else { "answers" }
                ),
            },
            due_us: None,
            overdue: false,
            href: format!("/supervision/requests/{}", g.request_id),
        })
        .collect())
}
