//! Decisions on findings: fix or mitigate by a date, defer the decision to a date, declare
//! fixed, or accept the risk until a date. An acceptance takes two people: anyone who may
//! edit asks for it, and an executive who did not ask approves it (the report's finding:
//! risks were under-rated by the people closest to them).

use super::require_institution;
use crate::supervision::clock::Clock;
use crate::time::{date, end_of_day_us};
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::Permission;
use deltawall_domain::role::Role;
use deltawall_domain::validate::Invalid;
use deltawall_store::new_id;
use deltawall_store::vuln::{self, Decision, DecisionStatus, Event, FindingState};
use serde::Deserialize;
use serde_json::json;

/// A decision as a person enters it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `fix`, `mitigate`, `defer`, `accept` or `fixed`.
    pub kind: String,
    /// `YYYY-MM-DD` (Japan time): the fix's due date, the deferred decision's date or the
    /// acceptance's end; not for `fixed`.
    #[serde(default)]
    pub due: Option<String>,
    /// Why; required for an acceptance and a deferral.
    #[serde(default)]
    pub reason: String,
}

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-bad-request",
    })
}

/// Records a decision on a finding of the actor's institution. `accept` only asks for the
/// acceptance: the clock keeps running until an executive approves it with [`approve`].
pub async fn decide(
    ctx: Ctx<'_>,
    clock: &Clock,
    finding_id: &str,
    input: &DecisionInput,
) -> SResult<Decision> {
    require_institution(&ctx, Permission::EditPosture)?;
    let now = clock.now_us();
    let kind = input.kind.trim();
    if !["fix", "mitigate", "defer", "accept", "fixed"].contains(&kind) {
        return Err(invalid(
            "kind",
            "must be fix, mitigate, defer, accept or fixed",
        ));
    }
    let reason = input.reason.trim();
    if reason.chars().count() > 2_000 {
        return Err(invalid("reason", "must be at most 2000 characters"));
    }
    if matches!(kind, "accept" | "defer") && reason.is_empty() {
        return Err(invalid("reason", "is required to accept or defer"));
    }
    let due = match (kind, input.due.as_deref().map(str::trim)) {
        ("fixed", _) => None,
        (_, None | Some("")) => return Err(invalid("due", "is required")),
        (_, Some(raw)) => {
            let day = end_of_day_us(date("due", raw)?);
            if day < now {
                return Err(invalid("due", "must not be in the past"));
            }
            Some(day)
        }
    };
    let mut tx = ctx.store.write().await?;
    let finding = vuln::get(&mut tx, &ctx.actor.org_scope(), finding_id).await?;
    if !matches!(finding.state, FindingState::Open | FindingState::Accepted) {
        return Err(ServiceError::Conflict {
            code: "err-vuln-closed",
            message: "the finding is closed; a rescan that reports it again reopens it".into(),
        });
    }
    let pending = kind == "accept";
    let decision = Decision {
        id: new_id(),
        finding_id: finding.id.clone(),
        kind: kind.to_owned(),
        due_at: due,
        reason: reason.to_owned(),
        status: if pending {
            DecisionStatus::Pending
        } else {
            DecisionStatus::InForce
        },
        requested_by: ctx.actor.user_id.clone(),
        requested_at: now,
        approved_by: None,
        approved_at: None,
    };
    vuln::add_decision(&mut tx, &ctx.actor.org_id, &decision).await?;
    let (state, shown, event) = match kind {
        "fixed" => (FindingState::Fixed, None, "fixed"),
        "accept" => (
            FindingState::Open,
            Some("accept_pending"),
            "accept_requested",
        ),
        other => (FindingState::Open, Some(other), "decided"),
    };
    // A pending acceptance does not stop the decision clock, so it carries no date.
    let shown_due = if pending { None } else { due };
    vuln::set_decision(&mut tx, &finding.id, shown, shown_due, None, now).await?;
    if state != finding.state {
        vuln::set_state(&mut tx, &finding.id, state, now).await?;
    }
    let note = format!("{kind}: {reason}");
    vuln::add_event(
        &mut tx,
        &ctx.actor.org_id,
        &Event {
            finding_id: finding.id.clone(),
            at_us: now,
            kind: event.to_owned(),
            state,
            import_id: None,
            actor: Some(ctx.actor.user_id.clone()),
            note,
        },
    )
    .await?;
    ctx.audit(
        &mut tx,
        "vuln.decide",
        ("vuln_finding", Some(&finding.id)),
        None,
        json!({"decision": decision.id, "kind": kind, "due": due}),
    )
    .await?;
    tx.commit().await?;
    Ok(decision)
}

/// Approves a pending acceptance: only an executive of the institution who did not ask for
/// it. The finding is accepted until the acceptance's end, when its clock starts again.
pub async fn approve(
    ctx: Ctx<'_>,
    clock: &Clock,
    finding_id: &str,
    decision_id: &str,
) -> SResult<()> {
    require_institution(&ctx, Permission::EditPosture)?;
    if ctx.actor.role != Role::Executive {
        return Err(ServiceError::Forbidden);
    }
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    let finding = vuln::get(&mut tx, &ctx.actor.org_scope(), finding_id).await?;
    let decision = vuln::decisions_of(&mut tx, &finding.id)
        .await?
        .into_iter()
        .find(|d| d.id == decision_id && d.status == DecisionStatus::Pending)
        .ok_or(ServiceError::NotFound("pending decision"))?;
    if decision.requested_by == ctx.actor.user_id {
        return Err(ServiceError::Conflict {
            code: "err-vuln-four-eyes",
            message: "an acceptance must be approved by an executive who did not request it".into(),
        });
    }
    if !matches!(finding.state, FindingState::Open | FindingState::Accepted) {
        return Err(ServiceError::Conflict {
            code: "err-vuln-closed",
            message: "the finding is closed; a rescan that reports it again reopens it".into(),
        });
    }
    vuln::approve_decision(&mut tx, &finding.id, &decision.id, &ctx.actor.user_id, now).await?;
    vuln::set_decision(
        &mut tx,
        &finding.id,
        Some("accepted"),
        None,
        decision.due_at,
        now,
    )
    .await?;
    vuln::set_state(&mut tx, &finding.id, FindingState::Accepted, now).await?;
    vuln::add_event(
        &mut tx,
        &ctx.actor.org_id,
        &Event {
            finding_id: finding.id.clone(),
            at_us: now,
            kind: "accepted".into(),
            state: FindingState::Accepted,
            import_id: None,
            actor: Some(ctx.actor.user_id.clone()),
            note: decision.reason.clone(),
        },
    )
    .await?;
    ctx.audit(
        &mut tx,
        "vuln.accept.approve",
        ("vuln_finding", Some(&finding.id)),
        None,
        json!({"decision": decision.id, "requested_by": decision.requested_by,
            "until": decision.due_at}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
