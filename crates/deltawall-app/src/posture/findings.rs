//! Findings until resolved: creation, transitions decided by the domain's state machine
//! (an illegal one is refused with the domain's reason), remediation milestones, and the
//! commands a user may apply now.

use crate::error::ServiceError;
use crate::time::{date, end_of_day_us};
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::finding::{
    Acceptance, Command, Escalation, Finding, Origin, Person, Severity, State, plan_escalation,
};
use deltawall_domain::validate::Invalid;
use deltawall_store::Tx;
use deltawall_store::findings::{self, NewFinding, StoredFinding, StoredMilestone};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::records::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// States in which a finding is still open: the domain's one definition.
pub const OPEN: &[State] = State::OPEN;

/// A finding as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
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
    /// The user of the institution who must remediate.
    pub owner_user: String,
    /// Due, `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
    /// The assessment it came from.
    #[serde(default)]
    pub assessment_id: Option<String>,
}

fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

fn person(ctx: Ctx<'_>) -> Person {
    Person {
        user_id: ctx.actor.user_id.clone(),
        role: ctx.actor.role,
    }
}

/// What a new finding says, whichever feature raises it: an assessment, a supervisory
/// engagement, and later a TLPT gap, an exercise evaluation or an incident's recurrence
/// prevention.
#[derive(Debug, Clone, Copy)]
pub struct FindingFields<'a> {
    /// Up to 200 characters.
    pub title: &'a str,
    /// Up to 4,000 characters.
    pub description: &'a str,
    /// Decides who may accept its risk.
    pub severity: Severity,
    /// Requirements of the built-in catalog it concerns.
    pub requirement_ids: &'a [String],
    /// The login or id of the institution's user who must answer it.
    pub owner_user: &'a str,
    /// Due, `YYYY-MM-DD` in Japan time.
    pub due_on: Option<&'a str>,
}

/// Where a new finding comes from and who raises it.
#[derive(Debug, Clone)]
pub struct Raised {
    /// The institution the finding is about.
    pub org_id: String,
    /// The feature that raised it.
    pub origin: Origin,
    /// The record of that feature it came from (an assessment, an engagement).
    pub origin_ref: Option<String>,
    /// Who raises it.
    pub by: Person,
    /// Issued to its owner at once (a supervisor's finding), or left a draft of the
    /// institution (its own finding).
    pub issue: bool,
}

/// A finding as raised: its id, what was stored and its owner.
#[derive(Debug, Clone)]
pub struct RaisedFinding {
    /// The new finding's id.
    pub id: String,
    /// What was stored.
    pub new: NewFinding,
    /// The owner's user id.
    pub owner: String,
}

/// The one way a finding comes into being: checks the fields (title, description, due date,
/// requirements of the built-in catalog, an owner who is a user of the institution), stores
/// a draft and, when `raised.issue`, issues it, all in `tx`. The caller checks who may
/// raise it and writes its audit entry in the same transaction.
pub async fn raise(
    tx: &mut Tx,
    fields: &FindingFields<'_>,
    raised: Raised,
) -> SResult<RaisedFinding> {
    let title =
        deltawall_domain::validate::text("title", fields.title, true, 200)?.unwrap_or_default();
    let description =
        deltawall_domain::validate::text("description", fields.description, false, 4000)?
            .unwrap_or_default();
    let due_on = match fields.due_on.map(str::trim) {
        Some(d) if !d.is_empty() => Some(date("due_on", d)?.to_string()),
        _ => None,
    };
    let catalog = crate::posture::assessments::parsed_builtin()?;
    let reqs: Vec<String> = fields
        .requirement_ids
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if reqs.iter().any(|r| catalog.requirement(r).is_none()) {
        return Err(bad(
            "requirement_ids",
            "err-unknown-requirement",
            "names a requirement not in the catalog",
        ));
    }
    let institution = deltawall_domain::OrgScope::Own(raised.org_id.clone());
    let owner = deltawall_store::users::get(tx, &institution, fields.owner_user.trim())
        .await
        .map_err(|_| {
            bad(
                "owner_user",
                "err-unknown-user",
                "is not a user of the institution",
            )
        })?;
    let draft = Finding::draft(
        raised.origin,
        fields.severity,
        Person {
            user_id: owner.id.clone(),
            role: owner.role,
        },
        raised.by.clone(),
    );
    let now = now_us();
    let new = NewFinding {
        org_id: raised.org_id,
        origin_ref: raised.origin_ref,
        title,
        description,
        requirement_ids: reqs,
        due_on,
        finding: draft.clone(),
    };
    let id = findings::create(tx, &new, now).await?;
    if raised.issue {
        issue_stored(tx, &id, &new, &raised.by, now).await?;
    }
    Ok(RaisedFinding {
        id,
        new,
        owner: owner.id,
    })
}

/// Issues the draft just stored by [`raise`].
async fn issue_stored(
    tx: &mut Tx,
    id: &str,
    new: &NewFinding,
    by: &Person,
    now: i64,
) -> SResult<()> {
    let issued =
        new.finding
            .apply(by, Command::Issue, now)
            .map_err(|r| ServiceError::Conflict {
                code: "err-finding-refused",
                message: r.to_string(),
            })?;
    let stored = StoredFinding {
        id: id.to_owned(),
        org_id: new.org_id.clone(),
        origin: new.finding.origin,
        origin_ref: new.origin_ref.clone(),
        title: new.title.clone(),
        description: new.description.clone(),
        requirement_ids: new.requirement_ids.clone(),
        due_on: new.due_on.clone(),
        finding: new.finding.clone(),
        version: 0,
        created_at: now,
        updated_at: now,
    };
    findings::save_transition(tx, &stored, &issued, now).await?;
    Ok(())
}

/// Creates a draft finding of the actor's institution; returns its id.
pub async fn create(ctx: Ctx<'_>, input: &FindingInput) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    let mut tx = ctx.store.write().await?;
    let origin_ref = match input.assessment_id.as_deref().map(str::trim) {
        Some(a) if !a.is_empty() => {
            let found =
                deltawall_store::assessments::get(&mut tx, &ctx.actor.record_scope(), a).await?;
            if found.org_id != ctx.actor.org_id {
                return Err(ServiceError::NotFound("assessment"));
            }
            Some(found.id)
        }
        _ => None,
    };
    let fields = FindingFields {
        title: &input.title,
        description: &input.description,
        severity: input.severity,
        requirement_ids: &input.requirement_ids,
        owner_user: &input.owner_user,
        due_on: input.due_on.as_deref(),
    };
    let raised = Raised {
        org_id: ctx.actor.org_id.clone(),
        origin: Origin::Assessment,
        origin_ref,
        by: person(ctx),
        issue: false,
    };
    let f = raise(&mut tx, &fields, raised).await?;
    let summary = json!({"title": f.new.title, "severity": findings::code_of(&input.severity), "owner": f.owner});
    ctx.audit(
        &mut tx,
        "finding.create",
        ("finding", Some(&f.id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(f.id)
}

/// A command as entered: its name and the values some commands need.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandInput {
    /// `issue`, `acknowledge`, `dispute`, `uphold`, `withdraw`, `accept_plan`,
    /// `start_remediation`, `claim_remediation`, `verify_pass`, `verify_fail`,
    /// `accept_risk`, `close` or `reopen`.
    pub command: String,
    /// Reason (dispute, reopen) or rationale (accept risk).
    #[serde(default)]
    pub reason: String,
    /// Last day a risk acceptance holds, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires_on: String,
}

/// Every command name, in the order the UI offers them.
pub const COMMANDS: &[&str] = &[
    "issue",
    "acknowledge",
    "dispute",
    "uphold",
    "withdraw",
    "accept_plan",
    "start_remediation",
    "claim_remediation",
    "verify_pass",
    "verify_fail",
    "accept_risk",
    "close",
    "reopen",
];

fn command(ctx: Ctx<'_>, input: &CommandInput) -> SResult<Command> {
    let reason = input.reason.trim().to_owned();
    Ok(match input.command.as_str() {
        "issue" => Command::Issue,
        "acknowledge" => Command::Acknowledge,
        "dispute" => Command::Dispute { reason },
        "uphold" => Command::SettleDispute { upheld: true },
        "withdraw" => Command::SettleDispute { upheld: false },
        "accept_plan" => Command::AcceptPlan,
        "start_remediation" => Command::StartRemediation,
        "claim_remediation" => Command::ClaimRemediation,
        "verify_pass" => Command::Verify { passed: true },
        "verify_fail" => Command::Verify { passed: false },
        "accept_risk" => {
            if reason.is_empty() {
                return Err(bad("reason", "err-required", "is required"));
            }
            Command::AcceptRisk(Acceptance {
                approver: person(ctx),
                expires_at_us: end_of_day_us(date("expires_on", &input.expires_on)?),
                rationale: reason,
            })
        }
        "close" => Command::Close,
        "reopen" => Command::Reopen { reason },
        _ => return Err(bad("command", "err-bad-request", "is not a known command")),
    })
}

/// Applies a command to a finding of the actor's institution. The domain decides; a
/// refusal is a conflict carrying its reason. Returns the new state.
pub async fn transition(ctx: Ctx<'_>, id: &str, input: &CommandInput) -> SResult<State> {
    ctx.require(Permission::EditPosture)?;
    let cmd = command(ctx, input)?;
    let mut tx = ctx.store.write().await?;
    let read = findings::get(&mut tx, &ctx.actor.record_scope(), id).await?;
    if read.org_id != ctx.actor.org_id {
        return Err(ServiceError::Forbidden);
    }
    let now = now_us();
    let next = read
        .finding
        .apply(&person(ctx), cmd, now)
        .map_err(|refusal| ServiceError::Conflict {
            code: "err-finding-refused",
            message: refusal.to_string(),
        })?;
    findings::save_transition(&mut tx, &read, &next, now).await?;
    let summary = json!({"command": input.command, "from": findings::code_of(&read.finding.state), "to": findings::code_of(&next.state)});
    ctx.audit(
        &mut tx,
        "finding.transition",
        ("finding", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(next.state)
}

/// A finding with its plan and what the viewer may do next.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// The finding.
    pub stored: StoredFinding,
    /// Remediation milestones.
    pub milestones: Vec<StoredMilestone>,
    /// How far overdue milestones have escalated.
    pub escalation: Escalation,
    /// Commands the viewer may apply now (the domain's answer).
    pub allowed: Vec<&'static str>,
    /// Whether the viewer belongs to the owning institution (may act at all).
    pub editable: bool,
    /// Display names of the viewer's own institution's users, by id (others stay ids).
    pub names: std::collections::BTreeMap<String, String>,
}

/// Display names of the actor's institution's users, by id.
async fn own_users(
    ctx: Ctx<'_>,
    db: &mut deltawall_store::Conn,
) -> SResult<std::collections::BTreeMap<String, String>> {
    let own = deltawall_domain::OrgScope::Own(ctx.actor.org_id.clone());
    let users = deltawall_store::users::all_by_org(db, &own, &ctx.actor.org_id).await?;
    Ok(users.into_iter().map(|u| (u.id, u.display_name)).collect())
}

pub(crate) fn due_us(day: &str) -> i64 {
    day.parse().map_or(i64::MAX, end_of_day_us)
}

/// Whether a finding is past its due date while open.
pub fn overdue(f: &StoredFinding, now: i64) -> bool {
    OPEN.contains(&f.finding.state) && f.due_on.as_deref().is_some_and(|d| due_us(d) < now)
}

/// One finding.
pub async fn view(ctx: Ctx<'_>, id: &str) -> SResult<FindingView> {
    let mut conn = ctx.store.read().await?;
    let stored = findings::get(&mut conn, &ctx.actor.record_scope(), id).await?;
    drop(conn);
    ctx.audit_read("finding.read", ("finding", Some(id)), &stored.org_id)
        .await?;
    let mut conn = ctx.store.read().await?;
    let milestones =
        findings::milestones(&mut conn, std::slice::from_ref(&stored.id), due_us).await?;
    let now = now_us();
    let plan: Vec<_> = milestones.iter().map(|m| m.milestone.clone()).collect();
    let editable = stored.org_id == ctx.actor.org_id && ctx.actor.can(Permission::EditPosture);
    let allowed = if editable {
        allowed(ctx, &stored.finding, now)
    } else {
        vec![]
    };
    Ok(FindingView {
        names: own_users(ctx, &mut conn).await?,
        escalation: plan_escalation(&plan, now),
        stored,
        milestones,
        allowed,
        editable,
    })
}

/// The commands the domain would accept from this actor now.
fn allowed(ctx: Ctx<'_>, f: &Finding, now: i64) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .copied()
        .filter(|name| {
            let probe = CommandInput {
                command: (*name).to_owned(),
                reason: "probe".into(),
                expires_on: "9999-12-30".into(),
            };
            command(ctx, &probe).is_ok_and(|c| f.apply(&person(ctx), c, now).is_ok())
        })
        .collect()
}

/// Findings visible to the actor (only open ones when `open_only`), newest first.
pub async fn list(ctx: Ctx<'_>, open_only: bool) -> SResult<Vec<StoredFinding>> {
    let mut conn = ctx.store.read().await?;
    let states = if open_only { OPEN } else { &[] };
    Ok(findings::list(&mut conn, &ctx.actor.record_scope(), states).await?)
}

/// One page of the visible findings (optionally only open ones), newest first.
pub async fn list_page(
    ctx: Ctx<'_>,
    open_only: bool,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<StoredFinding>> {
    let after = req.cursor(2)?;
    let states = if open_only { OPEN } else { &[] };
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.record_scope();
    Ok(findings::page(&mut conn, &scope, states, after.as_ref(), req.limit()).await?)
}

/// The findings list page: one page of visible findings and the users who may own a new
/// one.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<(
    KeysetPage<StoredFinding>,
    std::collections::BTreeMap<String, String>,
)> {
    let list = list_page(ctx, false, req).await?;
    let mut conn = ctx.store.read().await?;
    Ok((list, own_users(ctx, &mut conn).await?))
}

/// The milestones of visible findings.
pub async fn milestones_of(ctx: Ctx<'_>, list: &[StoredFinding]) -> SResult<Vec<StoredMilestone>> {
    let ids: Vec<String> = list.iter().map(|f| f.id.clone()).collect();
    let mut conn = ctx.store.read().await?;
    Ok(findings::milestones(&mut conn, &ids, due_us).await?)
}

/// A milestone as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    /// What is to be done.
    pub title: String,
    /// Who is responsible.
    pub owner: String,
    /// Due, `YYYY-MM-DD`.
    pub due_on: String,
}

async fn own_finding(
    ctx: Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    id: &str,
) -> SResult<StoredFinding> {
    let f = findings::get(tx, &ctx.actor.record_scope(), id).await?;
    if f.org_id != ctx.actor.org_id {
        return Err(ServiceError::Forbidden);
    }
    Ok(f)
}

/// Adds a milestone to a finding's remediation plan.
pub async fn add_milestone(ctx: Ctx<'_>, id: &str, input: &MilestoneInput) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    let title = input.title.trim();
    let owner = input.owner.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(bad("title", "err-required", "must be 1 to 200 characters"));
    }
    if owner.is_empty() || owner.chars().count() > 200 {
        return Err(bad("owner", "err-required", "must be 1 to 200 characters"));
    }
    let due = date("due_on", &input.due_on)?.to_string();
    let mut tx = ctx.store.write().await?;
    own_finding(ctx, &mut tx, id).await?;
    let mid = findings::add_milestone(&mut tx, id, title, owner, &due, now_us()).await?;
    let summary = json!({"milestone": mid, "title": title, "due_on": due});
    ctx.audit(
        &mut tx,
        "finding.milestone",
        ("finding", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(mid)
}

/// Marks a milestone done.
pub async fn complete_milestone(ctx: Ctx<'_>, id: &str, milestone: &str) -> SResult<()> {
    ctx.require(Permission::EditPosture)?;
    let mut tx = ctx.store.write().await?;
    own_finding(ctx, &mut tx, id).await?;
    findings::complete_milestone(&mut tx, id, milestone, now_us()).await?;
    ctx.audit(
        &mut tx,
        "finding.milestone_done",
        ("finding", Some(id)),
        None,
        json!({"milestone": milestone}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
