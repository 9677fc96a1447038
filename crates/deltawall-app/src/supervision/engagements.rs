//! Monitoring engagements (実態把握, section 2.(1)①ア of the report): planned by the FSA or
//! the bureau of the institution's region, carried out by dialogue, questionnaire or on
//! site, with notes against the built-in catalog's viewpoints and follow-ups assigned to
//! staff of either body. The domain decides every command; this layer loads, saves, writes
//! the monitoring record when an engagement completes, and audits each action.
//!
//! What the institution sees: nothing of the engagement itself (its notes are the
//! supervisor's working papers, and every route here refuses institutions); it sees the
//! findings issued from it, which are ordinary posture findings of origin "supervisory
//! monitoring" that it answers through the finding state machine. Both supervisory bodies
//! read the same engagement and its whole history.

use crate::error::ServiceError;
use crate::posture::findings::{FindingFields, Raised, raise};
use crate::supervision::ranking::{require_supervisor, require_supervisor_staff};
use crate::time::{date, end_of_day_us, today};
use crate::{Ctx, SResult};
use deltawall_domain::OrgKind;
use deltawall_domain::catalog::Catalog;
use deltawall_domain::finding::{Origin, Person, Severity};
use deltawall_domain::org::SupervisorReach;
use deltawall_domain::supervision::Party;
use deltawall_domain::supervision::engagement::{
    Engagement, EngagementCommand, EngagementError, Method, Note, Supervisor,
};
use deltawall_domain::supervision::population::OrgFacts;
use deltawall_domain::validate::Invalid;
use deltawall_store::findings::{self, StoredFinding, code_of};
use deltawall_store::records::{Organisation, User, now_us};
use deltawall_store::sup_engagements::{self, Assignee, EngagementEventRow, StoredEngagement};
use deltawall_store::sup_monitoring::{self, Monitoring, NewMonitoring};
use deltawall_store::users;
use serde::{Deserialize, Serialize};
use serde_json::json;

fn bad(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code: "err-eng-invalid",
    })
}

/// The domain's refusal as a service error: out of reach is forbidden, a bad value is a
/// field error, a command that does not apply now is a conflict with the domain's reason.
fn refused(e: EngagementError) -> ServiceError {
    match e {
        EngagementError::OutOfReach => ServiceError::Forbidden,
        EngagementError::NoViewpoint | EngagementError::BadViewpoint(_) => {
            bad("viewpoints", "must be viewpoints of the catalog, each once")
        }
        EngagementError::BadNote(_) => bad("text", "must be a planned viewpoint with text"),
        EngagementError::BadFollowUp(reason) => bad("follow_up", reason),
        EngagementError::NoReason => bad("reason", "is required"),
        other => ServiceError::Conflict {
            code: "err-eng-refused",
            message: other.to_string(),
        },
    }
}

/// The actor as the domain's supervisor.
fn supervisor(ctx: Ctx<'_>) -> SResult<Supervisor> {
    require_supervisor_staff(ctx)?;
    let reach = ctx.actor.reach.ok_or(ServiceError::Forbidden)?;
    Ok(Supervisor {
        party: Party {
            user_id: ctx.actor.user_id.clone(),
            org_id: ctx.actor.org_id.clone(),
            org_kind: ctx.actor.org_kind,
            role: ctx.actor.role,
        },
        reach,
    })
}

fn facts(org: &Organisation) -> SResult<OrgFacts> {
    match (org.kind, org.business_type, org.region) {
        (OrgKind::Institution, Some(business_type), Some(region)) => Ok(OrgFacts {
            id: org.id.clone(),
            business_type,
            region,
            attributes: Default::default(),
        }),
        _ => Err(ServiceError::NotFound("institution")),
    }
}

fn catalog() -> SResult<Catalog> {
    deltawall_domain::catalog::builtin::fsa_2020_viewpoints()
        .map_err(|e| ServiceError::Internal(e.into()))
}

/// An engagement as planned.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// The institution.
    pub org_id: String,
    /// `dialogue`, `questionnaire` or `on_site`.
    #[schema(value_type = String)]
    pub method: Method,
    /// Viewpoints: section or requirement ids of the built-in catalog.
    pub viewpoints: Vec<String>,
    /// The day it is planned for, `YYYY-MM-DD`.
    pub planned_on: String,
}

/// Plans an engagement with an institution in the actor's reach; returns its id.
pub async fn plan(ctx: Ctx<'_>, input: &PlanInput) -> SResult<String> {
    let sup = supervisor(ctx)?;
    let planned_on = date("planned_on", &input.planned_on)?;
    let mut tx = ctx.store.write().await?;
    let org = deltawall_store::orgs::get(&mut tx, &ctx.actor.org_scope(), input.org_id.trim())
        .await
        .map_err(|_| ServiceError::NotFound("institution"))?;
    let org = facts(&org)?;
    if !sup.may_act_in(org.region) {
        return Err(ServiceError::Forbidden);
    }
    let viewpoints = input
        .viewpoints
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    let planned = Engagement::plan(&org, input.method, viewpoints, &catalog()?).map_err(refused)?;
    let id = sup_engagements::create(
        &mut tx,
        &planned,
        &planned_on.to_string(),
        &ctx.actor.user_id,
        now_us(),
    )
    .await?;
    let summary = json!({"org": org.id, "method": code_of(&planned.method), "viewpoints": planned.viewpoints, "planned_on": planned_on.to_string()});
    ctx.audit(
        &mut tx,
        "supervision.engagement_plan",
        ("engagement", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A command as entered: its name and the values it needs.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandInput {
    /// `start`, `note`, `follow_up`, `follow_up_done`, `complete` or `cancel`.
    pub command: String,
    /// Note: the viewpoint.
    #[serde(default)]
    pub viewpoint: String,
    /// Note: what was observed.
    #[serde(default)]
    pub text: String,
    /// Follow-up: what is to be done.
    #[serde(default)]
    pub title: String,
    /// Follow-up: the assignee's user id (FSA or the region's bureau).
    #[serde(default)]
    pub assignee: String,
    /// Follow-up: due, `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: String,
    /// Follow-up: the finding it tracks.
    #[serde(default)]
    pub finding_id: String,
    /// Follow-up done: its number, from 0.
    #[serde(default)]
    pub index: Option<usize>,
    /// Cancel: why.
    #[serde(default)]
    pub reason: String,
}

/// Every command name, as the UI offers them.
pub const COMMANDS: &[&str] = &[
    "start",
    "note",
    "follow_up",
    "follow_up_done",
    "complete",
    "cancel",
];

async fn command(
    tx: &mut deltawall_store::Tx,
    read: &StoredEngagement,
    input: &CommandInput,
) -> SResult<EngagementCommand> {
    let text = |s: &str, field: &'static str, max: usize| {
        let t = s.trim();
        if t.chars().count() > max {
            return Err(bad(field, "is too long"));
        }
        Ok(t.to_owned())
    };
    Ok(match input.command.as_str() {
        "start" => EngagementCommand::Start,
        "note" => EngagementCommand::Note(Note {
            viewpoint: input.viewpoint.trim().to_owned(),
            text: text(&input.text, "text", 8000)?,
        }),
        "follow_up" => {
            let region = read.engagement.org_region;
            let list = sup_engagements::assignable(tx, region).await?;
            let a = list
                .into_iter()
                .find(|a| a.user_id == input.assignee.trim())
                .ok_or_else(|| bad("assignee", "is not staff of the FSA or the region's bureau"))?;
            let finding_id = Some(input.finding_id.trim().to_owned()).filter(|f| !f.is_empty());
            EngagementCommand::AddFollowUp {
                title: text(&input.title, "title", 200)?,
                assignee: assignee_supervisor(&a),
                due_us: end_of_day_us(date("due_on", &input.due_on)?),
                finding_id,
            }
        }
        "follow_up_done" => EngagementCommand::CompleteFollowUp {
            index: input.index.ok_or_else(|| bad("index", "is required"))?,
        },
        "complete" => EngagementCommand::Complete,
        "cancel" => EngagementCommand::Cancel {
            reason: text(&input.reason, "reason", 2000)?,
        },
        _ => return Err(bad("command", "is not a known command")),
    })
}

fn assignee_supervisor(a: &Assignee) -> Supervisor {
    Supervisor {
        party: Party {
            user_id: a.user_id.clone(),
            org_id: a.org_id.clone(),
            org_kind: OrgKind::Supervisor,
            role: a.role,
        },
        reach: match a.region {
            Some(r) => SupervisorReach::Regional(r),
            None => SupervisorReach::National,
        },
    }
}

/// Applies a command to an engagement in the actor's reach; completing it records the
/// monitoring. Returns the new state's code.
pub async fn apply(ctx: Ctx<'_>, id: &str, input: &CommandInput) -> SResult<String> {
    let sup = supervisor(ctx)?;
    let mut tx = ctx.store.write().await?;
    let read = sup_engagements::get(&mut tx, &ctx.actor.org_scope(), id).await?;
    let cmd = command(&mut tx, &read, input).await?;
    let now = now_us();
    let next = read.engagement.apply(&sup, cmd, now).map_err(refused)?;
    sup_engagements::save(&mut tx, &read, &next).await?;
    let mut summary = json!({"command": input.command, "org": next.org_id, "from": code_of(&read.engagement.state), "to": code_of(&next.state)});
    if input.command == "complete" {
        let new = NewMonitoring {
            org_id: next.org_id.clone(),
            monitored_on: today().to_string(),
            method: code_of(&next.method),
            engagement_id: Some(read.id.clone()),
            recorded_by: ctx.actor.user_id.clone(),
        };
        let m = sup_monitoring::record(&mut tx, &new, now).await?;
        summary["monitoring"] = json!(m);
    }
    ctx.audit(
        &mut tx,
        &format!("supervision.engagement_{}", input.command),
        ("engagement", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(code_of(&next.state))
}

/// A finding issued from an engagement to its institution.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    /// Title.
    pub title: String,
    /// What was found.
    #[serde(default)]
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    #[schema(value_type = String)]
    pub severity: Severity,
    /// Requirements of the catalog it concerns.
    #[serde(default)]
    pub requirement_ids: Vec<String>,
    /// The institution's user who must answer it.
    pub owner_user: String,
    /// Due, `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
}

/// Issues a finding to the engagement's institution (origin: supervisory monitoring) while
/// the engagement is under way or after it completed; the institution then sees it in its
/// findings and answers it. Returns the finding's id.
pub async fn issue_finding(ctx: Ctx<'_>, id: &str, input: &IssueInput) -> SResult<String> {
    use deltawall_domain::supervision::engagement::EngagementState::{Completed, InProgress};
    let sup = supervisor(ctx)?;
    let mut tx = ctx.store.write().await?;
    let read = sup_engagements::get(&mut tx, &ctx.actor.org_scope(), id).await?;
    let e = &read.engagement;
    if !sup.may_act_in(e.org_region) {
        return Err(ServiceError::Forbidden);
    }
    if !matches!(e.state, InProgress | Completed) {
        return Err(ServiceError::Conflict {
            code: "err-eng-refused",
            message: format!(
                "cannot issue a finding from an engagement that is {:?}",
                e.state
            ),
        });
    }
    let fields = FindingFields {
        title: &input.title,
        description: &input.description,
        severity: input.severity,
        requirement_ids: &input.requirement_ids,
        owner_user: &input.owner_user,
        due_on: input.due_on.as_deref(),
    };
    let raised = Raised {
        org_id: e.org_id.clone(),
        origin: Origin::SupervisoryMonitoring,
        origin_ref: Some(read.id.clone()),
        by: Person {
            user_id: ctx.actor.user_id.clone(),
            role: ctx.actor.role,
        },
        issue: true,
    };
    let f = raise(&mut tx, &fields, raised).await?;
    let summary = json!({"engagement": read.id, "org": e.org_id, "title": f.new.title, "severity": code_of(&input.severity), "owner": f.owner});
    ctx.audit(
        &mut tx,
        "supervision.engagement_finding",
        ("finding", Some(&f.id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(f.id)
}

/// Every engagement in the actor's reach, optionally with one institution and in some
/// states (all when `states` is empty, chosen in SQL), latest planned first, read page by
/// page so none is left out.
pub async fn list(
    ctx: Ctx<'_>,
    org_id: Option<&str>,
    states: &[deltawall_domain::supervision::engagement::EngagementState],
) -> SResult<Vec<StoredEngagement>> {
    require_supervisor(ctx)?;
    let mut conn = ctx.store.read().await?;
    Ok(sup_engagements::list(&mut conn, &ctx.actor.org_scope(), org_id, states).await?)
}

/// One page of the engagements in the actor's reach, latest planned day first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<StoredEngagement>> {
    require_supervisor(ctx)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    Ok(sup_engagements::page(&mut conn, &scope, after.as_ref(), req.limit()).await?)
}

/// An engagement with what its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementView {
    /// The engagement.
    pub stored: StoredEngagement,
    /// Its stored history.
    pub events: Vec<EngagementEventRow>,
    /// Findings issued from it.
    pub findings: Vec<StoredFinding>,
    /// Who may be assigned a follow-up.
    pub assignees: Vec<Assignee>,
    /// The institution's users (owners of a finding).
    pub owners: Vec<User>,
    /// The institution's monitoring record.
    pub monitoring: Vec<Monitoring>,
    /// Open follow-ups that have escalated now, by index.
    pub overdue: Vec<usize>,
    /// Whether the viewer may act on it.
    pub can_act: bool,
}

/// One engagement in the actor's reach.
pub async fn view(ctx: Ctx<'_>, id: &str) -> SResult<EngagementView> {
    require_supervisor(ctx)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let stored = sup_engagements::get(&mut conn, &scope, id).await?;
    let e = &stored.engagement;
    let events = sup_engagements::events(&mut conn, id).await?;
    let findings = findings::of_origin(&mut conn, &ctx.actor.record_scope(), id).await?;
    let assignees = sup_engagements::assignable(&mut conn, e.org_region).await?;
    let owners = users::all_by_org(&mut conn, &scope, &e.org_id)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    let monitoring = sup_monitoring::history(&mut conn, &scope, &e.org_id).await?;
    let overdue = e
        .overdue_follow_ups(now_us())
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let can_act = supervisor(ctx).is_ok_and(|s| s.may_act_in(e.org_region));
    Ok(EngagementView {
        stored,
        events,
        findings,
        assignees,
        owners,
        monitoring,
        overdue,
        can_act,
    })
}

/// Institutions the actor may plan an engagement with (the first 500 by name), with
/// `preselect` (from a ranking row) first when it is in reach: `(id, Japanese name,
/// English name)`.
pub async fn plannable(
    ctx: Ctx<'_>,
    preselect: Option<&str>,
) -> SResult<Vec<(String, String, String)>> {
    require_supervisor(ctx)?;
    let scope = ctx.actor.org_scope();
    let filter = deltawall_store::orgs::OrgFilter {
        kind: Some(OrgKind::Institution),
        ..Default::default()
    };
    let mut conn = ctx.store.read().await?;
    let mut list: Vec<Organisation> =
        deltawall_store::orgs::list_all(&mut conn, &scope, &filter).await?;
    if let Some(id) = preselect.filter(|id| !list.iter().any(|o| o.id == *id))
        && let Ok(o) = deltawall_store::orgs::get(&mut conn, &scope, id).await
        && o.kind == OrgKind::Institution
    {
        list.insert(0, o);
    }
    Ok(list
        .into_iter()
        .map(|o| (o.id, o.name_ja, o.name_en))
        .collect())
}
