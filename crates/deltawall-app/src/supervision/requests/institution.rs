//! The institution's side of a request: the tasks in its inbox and those it owes, one task
//! as it sees it (without the population, which names the other institutions), and the
//! draft an employee saves and an executive submits with an attestation.

use super::*;

/// What an institution is shown of a request: not its population (which names the other
/// institutions) nor its baseline.
fn for_institution(mut r: StoredRequest) -> StoredRequest {
    r.doc.request.population = Selector::default();
    r.doc.baseline_request_id = None;
    r
}

fn last_return_reason(task: &Task) -> Option<String> {
    if task.state != TaskState::Returned {
        return None;
    }
    task.history.iter().rev().find_map(|e| match &e.command {
        TaskCommand::Return { reason } => Some(reason.clone()),
        _ => None,
    })
}

fn listed_task(task: StoredTask, request: StoredRequest, now: i64) -> MyTask {
    let status = task.task.status_at(request.doc.request.deadline_us, now);
    MyTask {
        returned_reason: last_return_reason(&task.task),
        task,
        request: for_institution(request),
        status,
        draft: None,
    }
}

/// How many of its latest reminders the institution's inbox shows; the rest are paged by
/// [`reminders`].
pub const INBOX_REMINDERS: i64 = 10;

/// One page of the institution's tasks, newest request first, and the latest
/// [`INBOX_REMINDERS`] reminders it was sent.
pub async fn inbox(
    ctx: Ctx<'_>,
    clock: &Clock,
    req: &crate::paging::PageRequest,
) -> SResult<Inbox> {
    require_institution(&ctx)?;
    let after = req.cursor(2)?;
    let now = clock.now_us();
    let mut conn = ctx.store.read().await?;
    let org = &ctx.actor.org_id;
    let page = store::page_tasks_of_org(&mut conn, org, after.as_ref(), req.limit()).await?;
    let tasks = page
        .items
        .into_iter()
        .map(|(t, r)| listed_task(t, r, now))
        .collect();
    let reminders = sup_reminders::page_for_org(&mut conn, org, None, INBOX_REMINDERS).await?;
    Ok(Inbox {
        tasks,
        more_reminders: reminders.next.is_some(),
        reminders: reminders.items,
        next: page.next,
    })
}

/// One page of the reminders the institution was sent, newest first (institutions only,
/// as the inbox: a supervisor sends reminders and receives none).
pub async fn reminders(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<KeysetPage<SentReminder>> {
    require_institution(&ctx)?;
    // The reminders' order has four columns: time, subject kind, subject, reminder.
    let after = req.cursor(4)?;
    let mut conn = ctx.store.read().await?;
    let org = &ctx.actor.org_id;
    Ok(sup_reminders::page_for_org(&mut conn, org, after.as_ref(), req.limit()).await?)
}

/// Every task the institution still owes (for the work list), read page by page so no
/// task is left out however many there are.
pub async fn owed(ctx: Ctx<'_>, clock: &Clock) -> SResult<Vec<MyTask>> {
    require_institution(&ctx)?;
    let now = clock.now_us();
    let mut conn = ctx.store.read().await?;
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let page = store::page_tasks_of_org(
            &mut conn,
            &ctx.actor.org_id,
            after.as_ref(),
            deltawall_store::keyset::MAX_LIMIT,
        )
        .await?;
        out.extend(
            page.items
                .into_iter()
                .map(|(t, r)| listed_task(t, r, now))
                .filter(|t| t.status.state.is_outstanding()),
        );
        let Some(next) = page.next else {
            return Ok(out);
        };
        let cursor = deltawall_store::keyset::Cursor::decode(&next, 2)
            .map_err(|e| ServiceError::Internal(e.into()))?;
        after = Some(cursor);
    }
}

/// One of the institution's tasks, with its draft.
pub async fn my_task(ctx: Ctx<'_>, clock: &Clock, task_id: &str) -> SResult<MyTask> {
    require_institution(&ctx)?;
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let mut conn = ctx.store.read().await?;
    let task = store::get_task(&mut conn, &own, task_id).await?;
    let request = store::get_request(&mut conn, &own, &task.request_id).await?;
    let draft = store::draft(&mut conn, task_id, &ctx.actor.org_id).await?;
    Ok(MyTask {
        status: task
            .task
            .status_at(request.doc.request.deadline_us, clock.now_us()),
        returned_reason: last_return_reason(&task.task),
        task,
        request: for_institution(request),
        draft,
    })
}

fn check_draft(asked: &Asked, answers: &[Answer]) -> SResult<()> {
    let ids = asked.ids();
    let mut seen = BTreeSet::new();
    for a in answers {
        if !ids.contains(&a.id.as_str()) || !seen.insert(a.id.as_str()) {
            return Err(invalid(
                "answers",
                "task-err-answer-id",
                "an answer names an item that was not asked, or twice",
            ));
        }
        if a.note.chars().count() > 2000 {
            return Err(invalid(
                "answers",
                "err-too-long",
                "a note is over 2000 characters",
            ));
        }
    }
    Ok(())
}

/// Saves the institution's draft answers (anyone of the institution but an auditor). The
/// first save starts the task. Drafts are never shown to the supervisor.
pub async fn save_draft(
    ctx: Ctx<'_>,
    clock: &Clock,
    task_id: &str,
    input: &AnswersInput,
) -> SResult<()> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    let now = clock.now_us();
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let (stored, request) = {
        let mut conn = ctx.store.read().await?;
        let t = store::get_task(&mut conn, &own, task_id).await?;
        let r = store::get_request(&mut conn, &own, &t.request_id).await?;
        (t, r)
    };
    if !stored.task.state.is_outstanding() {
        return Err(refusal(TaskRefusal::WrongState {
            command: "save a draft of",
            state: stored.task.state,
        }));
    }
    check_draft(&request.doc.request.asked, &input.answers)?;
    if stored.task.state == TaskState::Assigned {
        let summary = json!({});
        apply(
            &ctx,
            now,
            &own,
            task_id,
            TaskCommand::Start,
            "task.start",
            summary,
        )
        .await?;
    }
    let mut tx = ctx.store.write().await?;
    store::save_draft(
        &mut tx,
        task_id,
        &ctx.actor.org_id,
        &input.answers,
        &ctx.actor.user_id,
        now,
    )
    .await?;
    let summary = json!({"request": stored.request_id, "answers": input.answers.len()});
    ctx.audit(
        &mut tx,
        "task.draft",
        ("request_task", Some(task_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Submits the institution's answers. Only an executive of the institution submits: the
/// submission carries their attestation, made now; a staff member prepares the draft.
pub async fn submit(
    ctx: Ctx<'_>,
    clock: &Clock,
    task_id: &str,
    input: &AnswersInput,
) -> SResult<()> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    if !input.attest {
        return Err(invalid(
            "attest",
            "task-err-attest",
            "the executive must attest the answers",
        ));
    }
    let now = clock.now_us();
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    {
        let mut conn = ctx.store.read().await?;
        let t = store::get_task(&mut conn, &own, task_id).await?;
        let r = store::get_request(&mut conn, &own, &t.request_id).await?;
        check_answers(&r.doc.request.asked, &input.answers).map_err(|m| {
            ServiceError::Conflict {
                code: "task-err-answers",
                message: format!("answers: {m}"),
            }
        })?;
    }
    let attestation = Attestation {
        by: party(&ctx),
        at_us: now,
    };
    if ctx.actor.role != Role::Executive {
        return Err(refusal(TaskRefusal::NotAnExecutive));
    }
    let command = TaskCommand::Submit {
        answers: input.answers.clone(),
        attestation,
    };
    let summary = json!({"answers": input.answers.len(), "attested_by": ctx.actor.user_id});
    apply(&ctx, now, &own, task_id, command, "task.submit", summary).await?;
    Ok(())
}
