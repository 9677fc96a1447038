//! Requests (要請), after the report's section 2.(1)③ア: the supervisor composes a request
//! (a questionnaire or a subset of the built-in catalog), previews the institutions its
//! population matches, and sends it; each institution answers its task (staff prepare a
//! draft, an executive submits with an attestation); the supervisor accepts or returns
//! each submission. The rules are the domain's (`supervision::request`); this module
//! reads and writes them through the store, with the caller's `OrgScope` on every read
//! and an audit entry in the transaction of every change.
//!
//! Time comes from the [`Clock`] of the configuration, so tests can pass a deadline.

use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::supervision::dispatch::{
    Matched, deadline_us, invalid, party, require_institution, require_supervisor,
    require_supervisor_reader, resolve_population,
};
use crate::{Ctx, SResult};
use deltawall_domain::org::BusinessType;
use deltawall_domain::role::Role;
use deltawall_domain::supervision::ReminderPolicy;
use deltawall_domain::supervision::population::{OrgFacts, Selector};
use deltawall_domain::supervision::request::{
    Answer, AnswerFact, Asked, Attestation, BeforeAfter, CompletionTable, Request, RequestError,
    Task, TaskCommand, TaskRefusal, TaskState, TaskStatus, before_after, check_answers, completion,
};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::keyset::KeysetPage;
use deltawall_store::sup_reminders::{self, SentReminder};
use deltawall_store::sup_requests::{self as store, Draft, RequestDoc, StoredRequest, StoredTask};
use deltawall_store::{StoreError, new_id};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// A request as composed by the supervisor.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// What is asked: `{"kind": "questions", "questions": [{"id", "text": {"ja", "en"}}]}`
    /// or `{"kind": "requirements", "catalog_id", "requirement_ids": [...]}` (the built-in
    /// catalog).
    #[schema(value_type = Object)]
    pub asked: Asked,
    /// Who is asked: `{"filter": {"business_types", "regions", "attributes"}, "include",
    /// "exclude"}`.
    #[schema(value_type = Object)]
    pub population: Selector,
    /// The deadline day, `YYYY-MM-DD` (the end of that day in Japan time).
    pub deadline: String,
    /// Reminders: `{"days_before": [7, 1], "overdue_every_days": 3}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub reminders: ReminderPolicy,
    /// An earlier request asking the same items: the "before" of the before/after view.
    #[serde(default)]
    pub baseline_request_id: Option<String>,
}

/// A supervisor's decision on a submitted task.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `accept`, `return` or `exempt`.
    pub decision: String,
    /// Why (required to return or exempt).
    #[serde(default)]
    pub reason: String,
}

/// Answers given by the institution (a draft or a submission).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersInput {
    /// One entry per asked item: `{"id", "value": "yes"|"partial"|"no"|"not_applicable",
    /// "note"}`.
    #[schema(value_type = Vec<Object>)]
    pub answers: Vec<Answer>,
    /// For a submission: the executive attests that the answers are true and complete.
    #[serde(default)]
    pub attest: bool,
}

/// One task with its status now.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    /// The stored task.
    pub task: StoredTask,
    /// State, overdue and days late, now.
    pub status: TaskStatus,
}

/// Before/after for one asked item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemEffect {
    /// The asked item's id.
    pub item_id: String,
    /// Per business type, the share answering yes before and after.
    pub rows: BTreeMap<BusinessType, BeforeAfter>,
}

/// What the supervisor sees of a request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestDetail {
    /// The request.
    pub request: StoredRequest,
    /// Its tasks within the reader's reach.
    pub tasks: Vec<TaskRow>,
    /// Completion by business type and region, over those tasks, now.
    pub completion: CompletionTable,
    /// The baseline request's title, if one is named and visible.
    pub baseline_title: Option<deltawall_domain::catalog::Text>,
    /// Before/after per asked item (empty without a baseline).
    pub effects: Vec<ItemEffect>,
}

/// One request in a list, with its completion now.
#[derive(Debug, Clone, Serialize)]
pub struct RequestSummary {
    /// The request.
    pub request: StoredRequest,
    /// Completion over the tasks within reach.
    pub completion: CompletionTable,
}

/// What an institution sees of one of its tasks.
#[derive(Debug, Clone, Serialize)]
pub struct MyTask {
    /// The task.
    pub task: StoredTask,
    /// Its request.
    pub request: StoredRequest,
    /// Its status now.
    pub status: TaskStatus,
    /// The institution's draft, if any.
    pub draft: Option<Draft>,
    /// The reason of the last return, while returned.
    pub returned_reason: Option<String>,
}

/// The institution's inbox: its tasks and the reminders it was sent.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    /// Its tasks, newest request first.
    pub tasks: Vec<MyTask>,
    /// The latest reminders recorded for it, newest first (at most
    /// [`INBOX_REMINDERS`]).
    pub reminders: Vec<SentReminder>,
    /// Whether older reminders than these exist (all are paged by [`reminders()`]).
    pub more_reminders: bool,
    /// The cursor of the next page of tasks, when there is one.
    pub next: Option<String>,
}

/// The field and message of a domain refusal of a request.
fn request_error(e: &RequestError) -> ServiceError {
    match e {
        RequestError::MissingTitle { lang: "ja" } => {
            invalid("title_ja", "err-required", "is required")
        }
        RequestError::MissingTitle { .. } => invalid("title_en", "err-required", "is required"),
        RequestError::NothingAsked => invalid("asked", "req-err-nothing-asked", "asks for nothing"),
        RequestError::BadAskId { .. } => {
            invalid("asked", "req-err-ask-id", "an id is empty or used twice")
        }
        RequestError::BlankQuestion { .. } => invalid(
            "asked",
            "req-err-question-text",
            "a question needs a text in both languages",
        ),
        RequestError::UnknownRequirement { .. } | RequestError::WrongCatalog(_) => invalid(
            "asked",
            "req-err-unknown-requirement",
            "names a requirement that is not in the built-in catalog",
        ),
        RequestError::DeadlineNotInFuture => {
            invalid("deadline", "req-err-deadline-past", "must be in the future")
        }
        RequestError::Reminders(_) => invalid(
            "reminders",
            "req-err-reminders",
            "each reminder must fall once between now and the deadline",
        ),
    }
}

fn to_request(input: &RequestInput) -> SResult<Request> {
    Ok(Request {
        title: deltawall_domain::catalog::Text {
            ja: input.title_ja.trim().to_owned(),
            en: input.title_en.trim().to_owned(),
        },
        asked: input.asked.clone(),
        population: input.population.clone(),
        deadline_us: deadline_us("deadline", &input.deadline)?,
        reminders: input.reminders.clone(),
    })
}

fn check_request(request: &Request, now_us: i64) -> SResult<()> {
    if request.title.ja.chars().count() > 200 || request.title.en.chars().count() > 200 {
        return Err(invalid(
            "title_ja",
            "err-too-long",
            "must be at most 200 characters",
        ));
    }
    request.validate(now_us).map_err(|e| request_error(&e))?;
    let catalog = deltawall_domain::catalog::builtin::fsa_2020_viewpoints()
        .map_err(|e| ServiceError::Internal(e.into()))?;
    request
        .check_against(&catalog)
        .map_err(|e| request_error(&e))
}

/// Checks a request as the supervisor composed it and lists the institutions it would go
/// to. An empty population and a past deadline are refused, naming the field.
pub async fn preview(ctx: Ctx<'_>, clock: &Clock, input: &RequestInput) -> SResult<Vec<Matched>> {
    require_supervisor(&ctx)?;
    let now = clock.now_us();
    check_request(&to_request(input)?, now)?;
    resolve_population(&ctx, &input.population, now).await
}

/// Sends a request: in one transaction, the request, one task per matched institution
/// and the audit entry. Returns the request's id.
pub async fn send(ctx: Ctx<'_>, clock: &Clock, input: &RequestInput) -> SResult<String> {
    require_supervisor(&ctx)?;
    let now = clock.now_us();
    let request = to_request(input)?;
    check_request(&request, now)?;
    let matched = resolve_population(&ctx, &input.population, now).await?;
    let mut tx = ctx.store.write().await?;
    let baseline = match input.baseline_request_id.as_deref().map(str::trim) {
        Some(b) if !b.is_empty() => {
            store::get_request(&mut tx, &ctx.actor.org_scope(), b)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound(_) => invalid(
                        "baseline_request_id",
                        "req-err-baseline",
                        "is not a request you can see",
                    ),
                    other => other.into(),
                })?;
            Some(b.to_owned())
        }
        _ => None,
    };
    let id = new_id();
    let doc = RequestDoc {
        request,
        baseline_request_id: baseline,
    };
    store::insert_request(
        &mut tx,
        &id,
        &ctx.actor.org_id,
        &doc,
        &ctx.actor.user_id,
        now,
    )
    .await?;
    for m in &matched {
        store::insert_task(&mut tx, &new_id(), &id, &Task::assign(&m.id, now)).await?;
    }
    let summary = json!({
        "title": doc.request.title.ja,
        "targets": matched.len(),
        "deadline": input.deadline.trim(),
    });
    ctx.audit(
        &mut tx,
        "request.send",
        ("request", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn facts_of(t: &StoredTask) -> OrgFacts {
    OrgFacts {
        id: t.task.org_id.clone(),
        business_type: t.business_type,
        region: t.region,
        attributes: BTreeMap::new(),
    }
}

fn completion_of(tasks: &[StoredTask], deadline_us: i64, now_us: i64) -> CompletionTable {
    let facts: Vec<_> = tasks
        .iter()
        .map(|t| t.task.facts(&facts_of(t), deadline_us, now_us))
        .collect();
    completion(&facts)
}

/// How many earlier requests a new request's form offers as its baseline.
pub const BASELINE_CHOICES: i64 = 100;

/// The latest requests the supervisor reaches, lean (id and title, no tasks, no document),
/// newest first: the choices of a new request's baseline. A baseline is the previous round
/// of a recurring request, so the latest hundred cover it without reading every request
/// and its tasks.
pub async fn baseline_choices(ctx: Ctx<'_>) -> SResult<Vec<store::RequestSource>> {
    require_supervisor_reader(&ctx)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let page = store::page_request_titles(&mut conn, &scope, None, BASELINE_CHOICES).await?;
    Ok(page.items)
}

/// One page of the requests the supervisor reaches, newest first, each with completion over
/// the tasks within reach.
pub async fn page(
    ctx: Ctx<'_>,
    clock: &Clock,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<RequestSummary>> {
    require_supervisor_reader(&ctx)?;
    let after = req.cursor(2)?;
    let now = clock.now_us();
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let page = store::page_requests(&mut conn, &scope, after.as_ref(), req.limit()).await?;
    let mut items = Vec::new();
    for request in page.items {
        let tasks = store::tasks_of(&mut conn, &scope, &request.id).await?;
        let completion = completion_of(&tasks, request.doc.request.deadline_us, now);
        items.push(RequestSummary {
            request,
            completion,
        });
    }
    Ok(KeysetPage {
        items,
        next: page.next,
    })
}

fn accepted_answers(tasks: &[StoredTask], item: &str) -> Vec<AnswerFact> {
    tasks
        .iter()
        .filter(|t| t.task.state == TaskState::Accepted)
        .filter_map(|t| {
            let a = t.task.answers.iter().find(|a| a.id == item)?;
            Some(AnswerFact {
                org_id: t.task.org_id.clone(),
                business_type: t.business_type,
                value: a.value,
            })
        })
        .collect()
}

/// A request with its tasks within reach, completion now, and the before/after view.
pub async fn detail(ctx: Ctx<'_>, clock: &Clock, id: &str) -> SResult<RequestDetail> {
    require_supervisor_reader(&ctx)?;
    let now = clock.now_us();
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let request = store::get_request(&mut conn, &scope, id).await?;
    let tasks = store::tasks_of(&mut conn, &scope, id).await?;
    let deadline = request.doc.request.deadline_us;
    let completion = completion_of(&tasks, deadline, now);
    let mut baseline_title = None;
    let mut effects = Vec::new();
    if let Some(b) = &request.doc.baseline_request_id {
        match store::get_request(&mut conn, &scope, b).await {
            Ok(base) => {
                let base_tasks = store::tasks_of(&mut conn, &scope, b).await?;
                let asked_before: BTreeSet<&str> =
                    base.doc.request.asked.ids().into_iter().collect();
                for item in request.doc.request.asked.ids() {
                    if !asked_before.contains(item) {
                        continue;
                    }
                    let rows = before_after(
                        &accepted_answers(&base_tasks, item),
                        &accepted_answers(&tasks, item),
                    );
                    effects.push(ItemEffect {
                        item_id: item.to_owned(),
                        rows,
                    });
                }
                baseline_title = Some(base.doc.request.title.clone());
            }
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let tasks = tasks
        .into_iter()
        .map(|task| TaskRow {
            status: task.task.status_at(deadline, now),
            task,
        })
        .collect();
    Ok(RequestDetail {
        request,
        tasks,
        completion,
        baseline_title,
        effects,
    })
}

/// One task as the supervisor sees it: the submitted answers (never a draft, which is in
/// a table this path does not read), with its request and status.
pub async fn task_for_supervisor(
    ctx: Ctx<'_>,
    clock: &Clock,
    request_id: &str,
    task_id: &str,
) -> SResult<(StoredRequest, TaskRow)> {
    require_supervisor_reader(&ctx)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let task = store::get_task(&mut conn, &scope, task_id).await?;
    if task.request_id != request_id {
        return Err(ServiceError::NotFound("task"));
    }
    let request = store::get_request(&mut conn, &scope, request_id).await?;
    let status = task
        .task
        .status_at(request.doc.request.deadline_us, clock.now_us());
    Ok((request, TaskRow { task, status }))
}

fn refusal(e: TaskRefusal) -> ServiceError {
    match e {
        TaskRefusal::InstitutionOnly(_) | TaskRefusal::SupervisorOnly(_) => ServiceError::Forbidden,
        TaskRefusal::Answers(_) => ServiceError::Conflict {
            code: "task-err-answers",
            message: e.to_string(),
        },
        TaskRefusal::NotAnExecutive => ServiceError::Conflict {
            code: "task-err-not-executive",
            message: e.to_string(),
        },
        TaskRefusal::NoReason => ServiceError::Conflict {
            code: "task-err-no-reason",
            message: e.to_string(),
        },
        TaskRefusal::StaleAttestation => ServiceError::Conflict {
            code: "task-err-stale-attestation",
            message: e.to_string(),
        },
        TaskRefusal::WrongState { .. } => ServiceError::Conflict {
            code: "task-err-state",
            message: e.to_string(),
        },
    }
}

/// Applies a command to a task read within `scope`, stores it with its event and audits
/// it, in one transaction.
async fn apply(
    ctx: &Ctx<'_>,
    now: i64,
    scope: &OrgScope,
    task_id: &str,
    command: TaskCommand,
    action: &str,
    summary: serde_json::Value,
) -> SResult<StoredTask> {
    let mut tx = ctx.store.write().await?;
    let stored = store::get_task(&mut tx, scope, task_id).await?;
    let request = store::get_request(&mut tx, scope, &stored.request_id).await?;
    let next = stored
        .task
        .apply(&request.doc.request, &party(ctx), command, now)
        .map_err(refusal)?;
    store::update_task(&mut tx, task_id, stored.updated_at, &next, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ServiceError::Conflict {
                code: "task-err-changed",
                message: "the task was changed by someone else; reload it".into(),
            },
            other => other.into(),
        })?;
    if next.state == TaskState::Submitted {
        store::delete_draft(&mut tx, task_id, &next.org_id).await?;
    }
    let mut summary = summary;
    summary["request"] = json!(stored.request_id);
    summary["state"] = json!(store::state_code(next.state));
    ctx.audit(
        &mut tx,
        action,
        ("request_task", Some(task_id)),
        Some(&next.org_id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(StoredTask {
        task: next,
        ..stored
    })
}

/// The supervisor accepts, returns (with a reason) or exempts (with a reason) a task
/// within reach. A refused transition is a conflict naming the reason.
pub async fn decide(
    ctx: Ctx<'_>,
    clock: &Clock,
    request_id: &str,
    task_id: &str,
    input: &DecisionInput,
) -> SResult<()> {
    require_supervisor(&ctx)?;
    let reason = input.reason.trim().to_owned();
    if reason.chars().count() > 2000 {
        return Err(invalid(
            "reason",
            "err-too-long",
            "must be at most 2000 characters",
        ));
    }
    let (command, action) = match input.decision.as_str() {
        "accept" => (TaskCommand::Accept, "request.task.accept"),
        "return" => (
            TaskCommand::Return {
                reason: reason.clone(),
            },
            "request.task.return",
        ),
        "exempt" => (
            TaskCommand::Exempt {
                reason: reason.clone(),
            },
            "request.task.exempt",
        ),
        _ => {
            return Err(invalid(
                "decision",
                "err-bad-request",
                "is not a known value",
            ));
        }
    };
    let scope = ctx.actor.org_scope();
    {
        let mut conn = ctx.store.read().await?;
        let t = store::get_task(&mut conn, &scope, task_id).await?;
        if t.request_id != request_id {
            return Err(ServiceError::NotFound("task"));
        }
    }
    let summary = json!({"reason": reason});
    apply(
        &ctx,
        clock.now_us(),
        &scope,
        task_id,
        command,
        action,
        summary,
    )
    .await?;
    Ok(())
}

// The institution's side of a request: its inbox, what it owes, drafts and submission.
mod institution;
pub use institution::{INBOX_REMINDERS, inbox, my_task, owed, reminders, save_draft, submit};
