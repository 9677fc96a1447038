//! Responses recorded in groups: at the Delta Wall's scale a thousand responses a second
//! arrive, and each in its own transaction queues behind the audit trail's lock and a
//! commit. A response joins its edition's queue; whoever holds the edition's flush lock
//! writes everything queued in one transaction (one read of the play state and tracks, one
//! insert of the responses, their audit entries chained after one read of the chain's head)
//! and answers each caller. Every response is still checked on its own, and one refused
//! never keeps the others of its group from being recorded.

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_store::audit::{self, NewEntry};
use deltawall_store::exercises::ExerciseError;
use deltawall_store::exercises::play::{self, NewResponse, Submitted};
use deltawall_store::records::now_us;
use deltawall_store::{Store, StoreError};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::oneshot;

/// A response waiting for its group, with what its audit entry needs.
struct Pending {
    submitted: Submitted,
    actor_user: String,
    summary: serde_json::Value,
    ip: Option<String>,
    reply: oneshot::Sender<SResult<String>>,
}

/// One edition's queue and the lock its writer holds.
#[derive(Default)]
struct Group {
    queue: Mutex<Vec<Pending>>,
    flush: tokio::sync::Mutex<()>,
}

/// Editions with a queue; beyond this many the map starts afresh (a caller still holding
/// an old group finishes with it, and two groups of one edition only cost a transaction).
const GROUPS: usize = 64;

/// The most responses written in one transaction.
const BATCH: usize = 500;

fn group(exercise_id: &str) -> Arc<Group> {
    static GROUPS_BY_EDITION: OnceLock<Mutex<HashMap<String, Arc<Group>>>> = OnceLock::new();
    let map = GROUPS_BY_EDITION.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= GROUPS && !map.contains_key(exercise_id) {
        map.clear();
    }
    Arc::clone(map.entry(exercise_id.to_owned()).or_default())
}

/// Records `new` as entered by the actor at `now_us` with the next group of the edition's
/// responses, audited like any write; returns its id or why it was refused.
pub(crate) async fn record(
    ctx: &Ctx<'_>,
    exercise_id: &str,
    new: NewResponse,
    now_us: i64,
) -> SResult<String> {
    let summary = json!({"inject": new.inject, "kind": new.kind.code()});
    let (reply, answer) = oneshot::channel();
    let pending = Pending {
        submitted: Submitted {
            new,
            by: ctx.actor.user_id.clone(),
            now_us,
        },
        actor_user: ctx.actor.user_id.clone(),
        summary: crate::with_via(summary, ctx.actor),
        ip: ctx.ip.map(str::to_owned),
        reply,
    };
    let g = group(exercise_id);
    g.queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(pending);
    {
        let _turn = g.flush.lock().await;
        let mut queued = std::mem::take(&mut *g.queue.lock().unwrap_or_else(|e| e.into_inner()));
        while !queued.is_empty() {
            let rest = queued.split_off(queued.len().min(BATCH));
            // On its own task, so that a caller whose client went away cannot drop the
            // others' transaction half-way.
            let write = tokio::spawn(write(ctx.store.clone(), exercise_id.to_owned(), queued));
            write.await.map_err(|e| ServiceError::Internal(e.into()))?;
            queued = rest;
        }
    }
    answer
        .await
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("response batch was dropped")))?
}

/// Writes one group in one transaction and answers each of its callers.
async fn write(store: Store, exercise_id: String, group: Vec<Pending>) {
    let (submitted, rest): (Vec<Submitted>, Vec<_>) = group
        .into_iter()
        .map(|p| (p.submitted, (p.actor_user, p.summary, p.ip, p.reply)))
        .unzip();
    match write_all(&store, &exercise_id, &submitted, &rest).await {
        Ok(outcomes) => {
            for (outcome, (_, _, _, reply)) in outcomes.into_iter().zip(rest) {
                // A caller that went away no longer waits for its answer.
                let _ = reply.send(outcome.map_err(ServiceError::from));
            }
        }
        Err(e) => {
            let message = e.to_string();
            for (_, _, _, reply) in rest {
                let _ = reply.send(Err(batch_error(&e, &message)));
            }
        }
    }
}

type Audit = (
    String,
    serde_json::Value,
    Option<String>,
    oneshot::Sender<SResult<String>>,
);

async fn write_all(
    store: &Store,
    exercise_id: &str,
    submitted: &[Submitted],
    audits: &[Audit],
) -> Result<Vec<Result<String, ExerciseError>>, ExerciseError> {
    let mut tx = store.write().await?;
    let outcomes = play::record_responses(&mut tx, exercise_id, submitted).await?;
    let at_us = now_us();
    let entries = outcomes
        .iter()
        .zip(submitted.iter().zip(audits))
        .filter_map(|(o, (s, (user, summary, ip, _)))| {
            let id = o.as_ref().ok()?;
            Some(NewEntry {
                at_us,
                actor_user: Some(user.clone()),
                org_id: Some(s.new.org_id.clone()),
                action: "exercise.response".into(),
                object_type: "exercise_response".into(),
                object_id: Some(id.clone()),
                summary: summary.clone(),
                source_ip: ip.clone(),
            })
        })
        .collect();
    audit::append_all(&mut tx, entries).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(outcomes)
}

/// What each caller of a group that failed as a whole is told: an edition that is gone is
/// not found, anything else an internal error (the message, never a value entered).
fn batch_error(e: &ExerciseError, message: &str) -> ServiceError {
    match e {
        ExerciseError::Store(StoreError::NotFound(what)) => ServiceError::NotFound(what),
        _ => ServiceError::Internal(anyhow::anyhow!("response batch failed: {message}")),
    }
}
