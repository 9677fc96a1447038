//! Triage and assignment of detections, one at a time or in bulk. A bulk action is one
//! transaction: either every chosen detection moves, or none does and the refusal names the
//! first one at fault. The domain's `triage` decides each move; each change is audited.

use super::require_institution;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::incident::detection::{TriageCommand, triage as decide};
use deltawall_domain::role::Role;
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::records::{Page, now_us};
use deltawall_store::{detections, detections_inbox, users};
use serde::Serialize;
use serde_json::json;

/// The most detections one bulk action may name.
pub const MAX_BULK: usize = 500;

fn chosen(ids: &[String]) -> SResult<Vec<String>> {
    let mut ids: Vec<String> = ids.iter().map(|i| i.trim().to_owned()).collect();
    ids.sort();
    ids.dedup();
    ids.retain(|i| !i.is_empty());
    if ids.is_empty() {
        return Err(ServiceError::Invalid(deltawall_domain::validate::Invalid {
            field: "detection",
            reason: "choose at least one detection",
            code: "det-err-none-chosen",
        }));
    }
    if ids.len() > MAX_BULK {
        return Err(ServiceError::Invalid(deltawall_domain::validate::Invalid {
            field: "detection",
            reason: "at most 500 detections at once",
            code: "err-bad-request",
        }));
    }
    Ok(ids)
}

/// Applies `command` to each detection of `ids` of the actor's institution; returns how
/// many moved. Unknown ids (or another institution's) are not found; a move the domain
/// refuses is a conflict naming the detection.
pub async fn triage(ctx: Ctx<'_>, ids: &[String], command: &TriageCommand) -> SResult<usize> {
    require_institution(&ctx, Permission::EditPosture)?;
    let ids = chosen(ids)?;
    let org = ctx.actor.org_id.clone();
    let mut tx = ctx.store.write().await?;
    let states = detections_inbox::states(&mut tx, &org, &ids).await?;
    if states.len() != ids.len() {
        return Err(ServiceError::NotFound("detection"));
    }
    let case_id = match command {
        TriageCommand::Escalate { case_id } => Some(case_id.trim()),
        _ => None,
    };
    let at = now_us();
    for (id, from) in &states {
        let to = decide(*from, command).map_err(|e| ServiceError::Conflict {
            code: "det-err-triage",
            message: format!("{id}: {e}"),
        })?;
        detections::set_triage(&mut tx, &org, id, *from, to, case_id, at).await?;
        let mut summary = json!({"from": from.code(), "to": to.code()});
        if let TriageCommand::FalsePositive { reason } = command {
            summary["reason"] = json!(reason.trim());
        }
        if let Some(case) = case_id {
            summary["case_id"] = json!(case);
        }
        ctx.audit(
            &mut tx,
            "detection.triage",
            ("detection", Some(id)),
            None,
            summary,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(states.len())
}

/// A user a detection may be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignee {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// The active users of the actor's institution who may triage (everyone but auditors).
pub async fn assignees(ctx: Ctx<'_>) -> SResult<Vec<Assignee>> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let scope = OrgScope::Own(ctx.actor.org_id.clone());
    let mut conn = ctx.store.read().await?;
    let page = Page {
        offset: 0,
        limit: Page::MAX_LIMIT,
    };
    let all = users::list_by_org(&mut conn, &scope, &ctx.actor.org_id, page).await?;
    Ok(all
        .items
        .into_iter()
        .filter(|u| u.active && u.role != Role::Auditor)
        .map(|u| Assignee {
            id: u.id,
            name: u.display_name,
        })
        .collect())
}

/// Assigns each detection of `ids` to `assignee` (a user of the actor's institution who
/// may triage), or to nobody; returns how many.
pub async fn assign(ctx: Ctx<'_>, ids: &[String], assignee: Option<&str>) -> SResult<usize> {
    require_institution(&ctx, Permission::EditPosture)?;
    let ids = chosen(ids)?;
    let assignee = assignee.map(str::trim).filter(|a| !a.is_empty());
    if let Some(user) = assignee
        && !assignees(ctx).await?.iter().any(|a| a.id == user)
    {
        return Err(ServiceError::Invalid(deltawall_domain::validate::Invalid {
            field: "assignee",
            reason: "is not a user of the institution who may triage",
            code: "det-err-assignee",
        }));
    }
    let org = ctx.actor.org_id.clone();
    let mut tx = ctx.store.write().await?;
    let at = now_us();
    for id in &ids {
        detections_inbox::assign(&mut tx, &org, id, assignee, at).await?;
        let summary = json!({"assignee": assignee});
        ctx.audit(
            &mut tx,
            "detection.assign",
            ("detection", Some(id)),
            None,
            summary,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}
