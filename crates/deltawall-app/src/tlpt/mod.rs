//! Threat-led penetration tests (issue 17, point 2) as services: an institution starts an
//! engagement, its control team adds the teams and critical functions and passes the gates,
//! the red team proposes scenarios of ATT&CK steps, the control team records each step's
//! outcome. When the closure gate passes, every gap becomes a posture finding with a retest
//! milestone through `posture::findings::raise`, linked to its step in the same transaction.
//!
//! Who sees what: an engagement is visible only to its members and to a supervisor whose
//! reach covers the institution (the store's scope decides the reach); the red team and the
//! threat-intelligence provider see the steps without the blue team's side. Every accepted
//! command is appended to the engagement's history and audited in the same transaction.

pub mod form;
mod gaps;
pub mod input;
mod view;

pub use gaps::raise_findings as raise_gap_findings;
pub use input::CommandInput;
pub use view::{EngagementLine, EngagementView, engagement_layer, export_chain, page, view};

use std::collections::BTreeMap;

use deltawall_domain::tlpt::{Command, Deadlines, Engagement, Phase, TlptRole};
use deltawall_domain::{OrgKind, OrgScope, Permission};
use deltawall_store::records::now_us;
use deltawall_store::tlpt as store;
use serde::Deserialize;
use serde_json::json;

use crate::error::ServiceError;
use crate::{Ctx, SResult};

/// A new engagement as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TlptCreateInput)]
pub struct CreateInput {
    /// The engagement's title, up to 200 characters.
    pub title: String,
    /// Days each phase may last, by phase code (`closure`, `remediation_plan`, `retest`,
    /// …); the defaults when absent.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, u32>>)]
    pub deadlines: Option<BTreeMap<Phase, u32>>,
}

fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(deltawall_domain::validate::Invalid {
        field,
        reason,
        code,
    })
}

/// Starts an engagement of the actor's institution with the actor as its control lead.
pub async fn create(ctx: Ctx<'_>, input: &CreateInput) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    if ctx.actor.org_kind != OrgKind::Institution {
        return Err(ServiceError::Forbidden);
    }
    let title =
        deltawall_domain::validate::text("title", &input.title, true, 200)?.unwrap_or_default();
    let deadlines = match &input.deadlines {
        Some(d) if d.values().any(|days| *days == 0 || *days > 3660) => {
            return Err(bad(
                "deadlines",
                "err-tlpt-deadline",
                "must be 1 to 3660 days",
            ));
        }
        Some(d) => Deadlines(d.clone()),
        None => Deadlines::default(),
    };
    let now = now_us();
    let e = Engagement::start(title, ctx.actor.user_id.clone(), deadlines, now);
    let mut tx = ctx.store.write().await?;
    let id = store::create(&mut tx, &ctx.actor.org_id, &e, &ctx.actor.user_id, now).await?;
    ctx.audit(
        &mut tx,
        "tlpt.create",
        ("tlpt_engagement", Some(&id)),
        None,
        json!({"title": e.title, "deadlines": e.deadlines}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The stable name of a command, as the audit trail and the history record it.
fn command_name(c: &Command) -> &'static str {
    match c {
        Command::AddMember { .. } => "add_member",
        Command::AddCriticalFunction { .. } => "add_critical_function",
        Command::SubmitReport { .. } => "submit_report",
        Command::AddScenario { .. } => "add_scenario",
        Command::RecordOutcome { .. } => "record_outcome",
        Command::LinkFinding { .. } => "link_finding",
        Command::RecordRetest { .. } => "record_retest",
        Command::PassGate => "pass_gate",
    }
}

/// Checks that a new member is a user who may hold the role: a user of the institution, or
/// for the observer role a user of a supervisor whose reach covers the institution.
async fn check_member(
    tx: &mut deltawall_store::Tx,
    org_id: &str,
    user_id: &str,
    role: TlptRole,
) -> SResult<()> {
    let unknown = || {
        bad(
            "user_id",
            "err-unknown-user",
            "is not a user who may hold the role",
        )
    };
    if role != TlptRole::SupervisorObserver {
        deltawall_store::users::get(tx, &OrgScope::Own(org_id.to_owned()), user_id)
            .await
            .map_err(|_| unknown())?;
        return Ok(());
    }
    let user = deltawall_store::users::get(tx, &OrgScope::All, user_id)
        .await
        .map_err(|_| unknown())?;
    let supervisor = deltawall_store::orgs::get(tx, &OrgScope::All, &user.org_id).await?;
    let reach = match (supervisor.kind, supervisor.region) {
        (OrgKind::Supervisor, None) => OrgScope::All,
        (OrgKind::Supervisor, Some(region)) => OrgScope::Region {
            own: supervisor.id.clone(),
            region,
        },
        _ => return Err(unknown()),
    };
    deltawall_store::orgs::get(tx, &reach, org_id)
        .await
        .map_err(|_| unknown())?;
    Ok(())
}

/// Refuses a step whose tactic is not a short name (`credential-access`), which no
/// Navigator layer could carry; the step is named by its index.
fn check_tactics(scenario: &deltawall_domain::tlpt::Scenario) -> SResult<()> {
    let short = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    match scenario
        .steps
        .iter()
        .position(|s| s.tactic.as_deref().is_some_and(|t| !short(t)))
    {
        Some(i) => Err(ServiceError::Refused {
            code: "err-tlpt-tactic",
            field: "steps",
            message: format!(
                "steps[{i}].tactic: not a tactic short name such as credential-access"
            ),
        }),
        None => Ok(()),
    }
}

/// Applies a command of a member of the actor's institution's engagement: the domain
/// decides whether the role and phase allow it; the state and its history are written
/// together, audited, and when the closure gate passes every gap's finding is raised.
/// Findings are linked only by the platform, never by a command from outside.
pub async fn command(ctx: Ctx<'_>, id: &str, command: Command) -> SResult<()> {
    ctx.require(Permission::EditPosture)?;
    if matches!(command, Command::LinkFinding { .. }) {
        return Err(bad(
            "command",
            "err-tlpt-command",
            "findings are linked by the platform",
        ));
    }
    let mut tx = ctx.store.write().await?;
    let stored = store::get(&mut tx, &OrgScope::Own(ctx.actor.org_id.clone()), id).await?;
    if stored.engagement.roles_of(&ctx.actor.user_id).is_empty() {
        return Err(ServiceError::NotFound("tlpt engagement"));
    }
    if let Command::AddMember { member } = &command {
        check_member(&mut tx, &stored.org_id, &member.user_id, member.role).await?;
    }
    if let Command::AddScenario { scenario } = &command {
        check_tactics(scenario)?;
    }
    let name = command_name(&command);
    let summary = serde_json::to_value(&command).unwrap_or_default();
    let now = now_us();
    let (next, event) = stored
        .engagement
        .apply(&ctx.actor.user_id, command, now)
        .map_err(|r| ServiceError::Conflict {
            code: "err-tlpt-refused",
            message: r.to_string(),
        })?;
    let seq = store::append(&mut tx, id, stored.seq, &next, &event).await?;
    ctx.audit(
        &mut tx,
        &format!("tlpt.{name}"),
        ("tlpt_engagement", Some(id)),
        Some(&stored.org_id),
        json!({"phase": event.phase, "command": summary}),
    )
    .await?;
    if name == "pass_gate" && stored.engagement.phase == Phase::Closure {
        gaps::raise_findings(ctx, &mut tx, id, &stored.org_id, next, seq).await?;
    }
    tx.commit().await?;
    Ok(())
}
