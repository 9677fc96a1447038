//! Reading engagements: who may see one, what of it they see, its gaps, its attack chain
//! safe to share, and its coverage layer coloured by outcome.

use deltawall_attack::TechniqueId;
use deltawall_attack::layer::build::{self, Outcome as LayerOutcome, Step as LayerStep};
use deltawall_domain::tlpt::{
    Engagement, Gap, GateRule, Outcome, Requirement, ShareSafeChain, TlptRole, gaps, gate_rule,
    share_safe,
};
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::records::now_us;
use deltawall_store::tlpt::{self as store, HistoryEntry, Stored};
use serde::Serialize;

use crate::attack::layers::{LayerView, active_rules, finish, info, own_mappings, rule_techniques};
use crate::error::ServiceError;
use crate::{Ctx, SResult};

/// An engagement in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = TlptEngagementLine)]
pub struct EngagementLine {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// Title.
    pub title: String,
    /// The current phase (`preparation`, `closure`, …).
    #[schema(value_type = String)]
    pub phase: deltawall_domain::tlpt::Phase,
    /// When the phase is due (Unix µs).
    pub due_us: Option<i64>,
    /// Whether it is past due.
    pub overdue: bool,
    /// The reader's roles in it (empty for a supervisor reading within reach).
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<TlptRole>,
}

/// An engagement as one reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementView {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// The engagement; the steps without the blue team's side when `sees_blue` is false.
    pub engagement: Engagement,
    /// The reader's roles (empty for a supervisor within reach, who observes).
    pub roles: Vec<TlptRole>,
    /// Whether the reader sees outcomes, times, blue-team notes, gaps and findings.
    pub sees_blue: bool,
    /// Whether the reader is in the control team (and so may pass gates).
    pub control: bool,
    /// Whether the reader is in the red team (and so may propose scenarios).
    pub red: bool,
    /// The gate of the current phase.
    pub gate: Option<GateRule>,
    /// What that gate still needs.
    pub missing: Vec<Requirement>,
    /// When the current phase is due.
    pub due_us: Option<i64>,
    /// Whether it is past due.
    pub overdue: bool,
    /// Gaps (empty unless `sees_blue`), each saying whether a rule is to be written.
    pub gaps: Vec<Gap>,
    /// The accepted commands (only for readers who see the blue side, since outcomes are
    /// in them).
    pub history: Vec<HistoryEntry>,
}

/// The reader's roles, or `None` when the engagement is not theirs to see: members see it,
/// and a supervisor whose scope returned it observes.
fn roles_of(ctx: Ctx<'_>, e: &Engagement) -> Option<Vec<TlptRole>> {
    let roles = e.roles_of(&ctx.actor.user_id);
    if !roles.is_empty() {
        return Some(roles);
    }
    let supervisor =
        ctx.actor.org_kind == OrgKind::Supervisor && ctx.actor.can(Permission::ReadSector);
    supervisor.then(Vec::new)
}

fn sees_blue(roles: &[TlptRole]) -> bool {
    // a supervisor within reach (no roles) observes everything
    roles.is_empty() || roles.iter().any(|r| r.sees_blue_details())
}

/// The engagement without the blue team's side: no outcomes, times, notes, retests or
/// findings, as the red team and the threat-intelligence provider see it.
fn redacted(e: &Engagement) -> Engagement {
    let mut e = e.clone();
    for step in e.scenarios.iter_mut().flat_map(|s| s.steps.iter_mut()) {
        step.outcome = None;
        step.started_us = None;
        step.ended_us = None;
        step.blue_notes = None;
        step.retest = None;
    }
    e.findings.clear();
    e
}

async fn visible(ctx: Ctx<'_>, id: &str) -> SResult<(Stored, Vec<TlptRole>)> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let stored = store::get(&mut conn, &ctx.actor.org_scope(), id).await?;
    let roles =
        roles_of(ctx, &stored.engagement).ok_or(ServiceError::NotFound("tlpt engagement"))?;
    Ok((stored, roles))
}

/// One page of the engagements the actor may see, newest first: those they play a role in,
/// and for a supervisor every engagement within reach. Who may see which is decided in the
/// store's query, so every page is full and the cursor walks only visible rows.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<EngagementLine>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let now = now_us();
    // The same rule as `roles_of`: a supervisor who reads the sector observes every
    // engagement within reach; anyone else sees only those they are a member of.
    let observer =
        ctx.actor.org_kind == OrgKind::Supervisor && ctx.actor.can(Permission::ReadSector);
    let member = (!observer).then_some(ctx.actor.user_id.as_str());
    let scope = ctx.actor.org_scope();
    let page = store::page(&mut conn, &scope, member, after.as_ref(), req.limit()).await?;
    Ok(KeysetPage {
        items: page
            .items
            .into_iter()
            .map(|s| EngagementLine {
                roles: s.engagement.roles_of(&ctx.actor.user_id),
                overdue: s.engagement.overdue(now),
                due_us: s.engagement.due_us(),
                phase: s.engagement.phase,
                title: s.engagement.title,
                org_id: s.org_id,
                id: s.id,
            })
            .collect(),
        next: page.next,
    })
}

/// One engagement as the actor may see it.
pub async fn view(ctx: Ctx<'_>, id: &str) -> SResult<EngagementView> {
    let (stored, roles) = visible(ctx, id).await?;
    let blue = sees_blue(&roles);
    let e = &stored.engagement;
    let gate = gate_rule(e.phase);
    let missing = gate.as_ref().map(|g| g.missing(e)).unwrap_or_default();
    let mut conn = ctx.store.read().await?;
    let (gap_list, history) = if blue {
        let covered = rule_techniques(&active_rules(
            &own_mappings(&mut conn, &stored.org_id).await?,
        ));
        let scope = ctx.actor.org_scope();
        (
            gaps(e, &covered),
            store::history(&mut conn, &scope, id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(EngagementView {
        id: stored.id.clone(),
        org_id: stored.org_id.clone(),
        engagement: if blue { e.clone() } else { redacted(e) },
        control: roles.contains(&TlptRole::ControlTeam),
        red: roles.contains(&TlptRole::RedTeam),
        sees_blue: blue,
        roles,
        gate,
        missing,
        due_us: e.due_us(),
        overdue: e.overdue(now_us()),
        gaps: gap_list,
        history,
    })
}

/// The share-safe attack chain: what the red team did, without the blue team's side, for
/// anyone who may see the engagement.
pub async fn export_chain(ctx: Ctx<'_>, id: &str) -> SResult<ShareSafeChain> {
    let (stored, _) = visible(ctx, id).await?;
    Ok(share_safe(&stored.engagement))
}

fn layer_outcome(o: Option<Outcome>) -> LayerOutcome {
    match o {
        Some(Outcome::Undetected) => LayerOutcome::Undetected,
        Some(Outcome::Alerted) => LayerOutcome::Alerted,
        Some(Outcome::Prevented) => LayerOutcome::Prevented,
        Some(Outcome::PreventedAndAlerted) => LayerOutcome::PreventedAndAlerted,
        Some(Outcome::NotRun) | None => LayerOutcome::NotRun,
    }
}

/// The engagement's layer, each technique coloured by its worst outcome with its score;
/// only for readers who see the blue side, since outcomes are the blue team's.
pub async fn engagement_layer(ctx: Ctx<'_>, id: &str) -> SResult<LayerView> {
    let (stored, roles) = visible(ctx, id).await?;
    if !sees_blue(&roles) {
        return Err(ServiceError::Forbidden);
    }
    let e = &stored.engagement;
    let steps: Vec<LayerStep> = e
        .scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.steps.iter().enumerate().filter_map(move |(j, st)| {
                Some(LayerStep {
                    label: format!("S{}.{} {}: {}", i + 1, j + 1, s.name, st.description),
                    technique: TechniqueId::parse(&st.technique)?,
                    tactic: st.tactic.clone(),
                    outcome: layer_outcome(st.outcome),
                })
            })
        })
        .collect();
    let mut conn = ctx.store.read().await?;
    let release = crate::attack::newest(&mut conn).await?;
    let i = info(
        &format!("TLPT: {}", e.title),
        "steps of the engagement coloured by their worst outcome (0 undetected to 3 prevented and alerted)",
        release.as_ref(),
    );
    finish(build::engagement(&i, &steps), release.as_ref(), None)
}
