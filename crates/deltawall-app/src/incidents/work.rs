//! The case page and the work on a case: tasks with owners and due days, the
//! customer-response log, notices and observables. The case is read through the actor's
//! scope first, so nothing of another institution's case is read or written; each write
//! appends its timeline entry and is audited in the same transaction.

use super::refused;
use super::reports::{self, ClockView};
use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::supervision::dispatch::require_institution;
use crate::{Ctx, SResult};
use deltawall_domain::incident::case::{TimelineEntry, TimelineKind};
use deltawall_domain::incident::observable::{Observable, ObservableKind};
use deltawall_domain::incident::report::NotReportingDecision;
use deltawall_domain::incident::work::{
    CaseTask, Channel, CustomerContact, Notice, NoticeChannel, inquiries_by_day,
};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::incidents::cases::{self, SeqEntry, StoredCase};
use deltawall_store::incidents::reports::StoredSubmission;
use deltawall_store::incidents::work::{self, StoredObservable};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Everything the case page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    /// The case.
    pub case: StoredCase,
    /// Its timeline, oldest first.
    pub timeline: Vec<SeqEntry>,
    /// Its tasks, by due day.
    pub tasks: Vec<CaseTask>,
    /// The customer-response log.
    pub contacts: Vec<CustomerContact>,
    /// Inquiries per day, all channels.
    pub inquiries_by_day: Vec<(Date, u64)>,
    /// Notices published.
    pub notices: Vec<Notice>,
    /// Observables.
    pub observables: Vec<StoredObservable>,
    /// Detections linked.
    pub detections: Vec<String>,
    /// Regulator-report clocks.
    pub clocks: Vec<ClockView>,
    /// Report submissions.
    pub reports: Vec<StoredSubmission>,
    /// Decisions not to report.
    pub decisions: Vec<NotReportingDecision>,
}

/// Case `id` with everything around it, if the actor may read it.
pub async fn detail(ctx: Ctx<'_>, clock: &Clock, id: &str) -> SResult<CaseDetail> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let case = cases::get(&mut conn, &ctx.actor.org_scope(), id).await?;
    let reports = deltawall_store::incidents::reports::of_case(&mut conn, id).await?;
    let decisions = deltawall_store::incidents::reports::decisions(&mut conn, id).await?;
    let contacts = work::contacts(&mut conn, id).await?;
    let clocks = reports::clocks_of(&case, &reports, &decisions, clock.now_us())?;
    drop(conn);
    // A supervisor's look at a case (its timeline, customer log, observables) shows on
    // the institution's audit page; the institution's own reads are not logged.
    ctx.audit_read(
        "incident_case.read",
        ("incident_case", Some(id)),
        &case.case.org_id,
    )
    .await?;
    let mut conn = ctx.store.read().await?;
    Ok(CaseDetail {
        timeline: cases::timeline(&mut conn, id).await?,
        tasks: work::tasks(&mut conn, id).await?,
        inquiries_by_day: inquiries_by_day(&contacts),
        contacts,
        notices: work::notices(&mut conn, id).await?,
        observables: work::observables(&mut conn, id).await?,
        detections: cases::linked_detections(&mut conn, id).await?,
        clocks,
        reports,
        decisions,
        case,
    })
}

/// A task as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    /// What to do.
    pub title: String,
    /// The user who owns it (of the institution).
    pub owner_user_id: String,
    /// The day it is due in Japan, `YYYY-MM-DD`.
    pub due_on: String,
}

/// A customer-response log line or a notice, as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// `inquiries` (a day's count on a channel) or `notice` (published to customers).
    pub kind: String,
    /// For inquiries: the day, `YYYY-MM-DD`.
    #[serde(default)]
    pub day: Option<String>,
    /// The channel code (inquiries: phone, branch, email, web, sns, other; notices:
    /// website, branch, press, direct, sns).
    pub channel: String,
    /// For inquiries: how many.
    #[serde(default)]
    pub inquiries: Option<u32>,
    /// A note (inquiries) or the notice's title.
    #[serde(default)]
    pub text: String,
    /// For notices: when it was published, Japan time `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub published_at: Option<String>,
    /// For notices: where it is published.
    #[serde(default)]
    pub url: Option<String>,
}

/// An observable as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableInput {
    /// `ip`, `domain`, `url`, `hash` or `account`.
    pub kind: String,
    /// The value.
    pub value: String,
    /// Where it was seen.
    #[serde(default)]
    pub note: String,
}

/// Reads case `id` of the actor's own institution for a change, refusing closed cases.
async fn own_open_case(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    id: &str,
) -> SResult<StoredCase> {
    require_institution(ctx)?;
    ctx.require(Permission::EditPosture)?;
    let case = cases::get(tx, &OrgScope::Own(ctx.actor.org_id.clone()), id).await?;
    if !case.case.is_open() {
        return Err(ServiceError::Conflict {
            code: "incident-err-closed",
            message: "the case is closed; only notes may be added".into(),
        });
    }
    Ok(case)
}

async fn record(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    id: &str,
    now: i64,
    kind: TimelineKind,
) -> SResult<()> {
    let entry = TimelineEntry {
        at_us: now,
        actor_user_id: ctx.actor.user_id.clone(),
        kind,
    };
    cases::append(tx, id, &ctx.actor.org_id, &entry).await?;
    let action = format!("incident.{}", entry.kind.code());
    ctx.audit(tx, &action, ("incident", Some(id)), None, json!(entry.kind))
        .await
}

/// Adds a task to case `id`; the owner must be a user of the institution.
pub async fn add_task(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &TaskInput) -> SResult<()> {
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    own_open_case(&ctx, &mut tx, id).await?;
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let owner = deltawall_store::users::get(&mut tx, &own, input.owner_user_id.trim())
        .await
        .ok()
        .filter(|u| u.active)
        .ok_or(ServiceError::Refused {
            code: "incident-err",
            field: "owner_user_id",
            message: "owner_user_id: not an active user of the institution".into(),
        })?;
    let due = crate::time::date("due_on", &input.due_on)?;
    let task_id = deltawall_store::new_id();
    let task = CaseTask::new(&task_id, &input.title, &owner.id, due, now).map_err(refused)?;
    work::add_task(
        &mut tx,
        id,
        &ctx.actor.org_id,
        &task,
        &ctx.actor.user_id,
        now,
    )
    .await?;
    let kind = TimelineKind::TaskAdded {
        task_id,
        title: task.title.clone(),
    };
    record(&ctx, &mut tx, id, now, kind).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks task `task_id` of case `id` done.
pub async fn complete_task(ctx: Ctx<'_>, clock: &Clock, id: &str, task_id: &str) -> SResult<()> {
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    own_open_case(&ctx, &mut tx, id).await?;
    work::complete_task(&mut tx, id, task_id, &ctx.actor.user_id, now).await?;
    let kind = TimelineKind::TaskDone {
        task_id: task_id.to_owned(),
    };
    record(&ctx, &mut tx, id, now, kind).await?;
    tx.commit().await?;
    Ok(())
}

fn unknown(field: &'static str) -> ServiceError {
    ServiceError::Refused {
        code: "incident-err",
        field,
        message: format!("{field}: unknown code"),
    }
}

/// Logs customer inquiries of a day, or a notice published, on case `id`.
pub async fn log_customer(
    ctx: Ctx<'_>,
    clock: &Clock,
    id: &str,
    input: &CustomerInput,
) -> SResult<()> {
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    let case = own_open_case(&ctx, &mut tx, id).await?;
    let org = &case.case.org_id;
    let by = &ctx.actor.user_id;
    let summary = if input.kind == "notice" {
        let notice = Notice {
            published_at_us: match input.published_at.as_deref() {
                Some(raw) if !raw.trim().is_empty() => super::cases::instant("published_at", raw)?,
                _ => now,
            },
            channel: NoticeChannel::from_code(input.channel.trim()).ok_or(unknown("channel"))?,
            title: input.text.trim().to_owned(),
            url: input.url.clone().filter(|u| !u.trim().is_empty()),
        };
        notice.validate(now).map_err(refused)?;
        work::add_notice(&mut tx, id, org, &notice, by, now).await?;
        format!("notice: {}", notice.title)
    } else if input.kind == "inquiries" {
        let contact = CustomerContact {
            day: crate::time::date("day", input.day.as_deref().unwrap_or(""))?,
            channel: Channel::from_code(input.channel.trim()).ok_or(unknown("channel"))?,
            inquiries: input.inquiries.unwrap_or(0),
            note: input.text.trim().to_owned(),
        };
        contact.validate(now).map_err(refused)?;
        work::add_contact(&mut tx, id, org, &contact, by, now).await?;
        format!(
            "{} inquiries on {} by {}",
            contact.inquiries,
            contact.day,
            contact.channel.code()
        )
    } else {
        return Err(unknown("kind"));
    };
    record(
        &ctx,
        &mut tx,
        id,
        now,
        TimelineKind::CustomerResponse { summary },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records an observable of case `id`; an account is kept but never shareable.
pub async fn add_observable(
    ctx: Ctx<'_>,
    clock: &Clock,
    id: &str,
    input: &ObservableInput,
) -> SResult<String> {
    let now = clock.now_us();
    let kind = ObservableKind::from_code(input.kind.trim()).ok_or(unknown("kind"))?;
    let observable = Observable::parse(kind, &input.value).map_err(refused)?;
    let mut tx = ctx.store.write().await?;
    let case = own_open_case(&ctx, &mut tx, id).await?;
    let obs_id = work::add_observable(
        &mut tx,
        id,
        &case.case.org_id,
        &observable,
        input.note.trim(),
        &ctx.actor.user_id,
        now,
    )
    .await?;
    // The value itself may identify a customer (an account): the trail keeps the kind.
    let note = TimelineKind::Note {
        text: format!("observable added: {}", kind.code()),
    };
    record(&ctx, &mut tx, id, now, note).await?;
    tx.commit().await?;
    Ok(obs_id)
}
