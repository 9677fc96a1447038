//! Blind play: the controller starts, pauses and resumes the clock and releases injects;
//! participants read only what was released to their track (every read goes through the
//! store's `injects_for`) and record decisions and notifications with their times. An
//! organiser's view that shows unreleased content is audited. The time from each inject
//! to the first response is computed from the recorded times.

use super::rules::{controls, plays, require_control, require_play};
use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult};
use deltawall_domain::exercise::play::{ClockEvent, ClockState};
use deltawall_domain::exercise::{ResponseKind, parse_code};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::exercises::edition::{self, Edition};
use deltawall_store::exercises::play::{self, InjectsView, NewResponse, StoredResponse};
use deltawall_store::exercises::roster::{self, Enrolled, Listed};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use tokio::sync::watch;

/// A response as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// The inject answered.
    pub inject: String,
    /// `decision` or `notification`.
    pub kind: String,
    /// What was decided or sent (1 to 2,000 characters).
    pub text: String,
}

/// Everything one reader may see of an edition while it is played.
#[derive(Debug, Clone, Serialize)]
pub struct EditionView {
    /// The edition (organiser, end time, tracks, k).
    pub edition: Edition,
    /// The exercise's names and day.
    pub listed: Listed,
    /// Where the clock stands now.
    pub status: ClockState,
    /// The injects the reader may read, from `injects_for`.
    pub injects: InjectsView,
    /// The participants the reader may see (a participant: itself).
    pub participants: Vec<Enrolled>,
    /// The responses the reader may see (a participant: its own).
    pub responses: Vec<StoredResponse>,
    /// For each visible participant, the time from each released inject to its first
    /// response (µs; `None` without a response).
    pub first_response_us: BTreeMap<String, BTreeMap<String, Option<i64>>>,
    /// Whether the reader controls the clock and releases.
    pub controls: bool,
    /// Whether the reader may respond for its institution.
    pub plays: bool,
}

/// The editions the actor's organisation organises or plays.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Listed>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    Ok(roster::editions_of(&mut conn, &ctx.actor.org_id).await?)
}

/// One page of the editions the actor's organisation organises or plays, newest first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Listed>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let org = &ctx.actor.org_id;
    Ok(roster::page_editions_of(&mut conn, org, after.as_ref(), req.limit()).await?)
}

/// What the actor may see of an edition at the clock's now. When the view holds unreleased
/// injects (the organiser's), the view is written to the audit trail.
pub async fn view(ctx: Ctx<'_>, clock: &Clock, exercise_id: &str) -> SResult<EditionView> {
    ctx.require(Permission::ReadOwnOrg)?;
    let now = clock.now_us();
    let org = &ctx.actor.org_id;
    let scope = OrgScope::Own(org.clone());
    let mut conn = ctx.store.read().await?;
    let edition = edition::visible_to(&mut conn, exercise_id, org).await?;
    let listed = roster::editions_of(&mut conn, org)
        .await?
        .into_iter()
        .find(|l| l.exercise_id == exercise_id)
        .ok_or(ServiceError::NotFound("exercise edition"))?;
    let state = play::state(&mut conn, exercise_id).await?;
    let injects = play::injects_for(&mut conn, exercise_id, org, now).await?;
    let participants = roster::enrolled(&mut conn, exercise_id, org, &scope).await?;
    let responses = play::responses(&mut conn, exercise_id, org, &scope).await?;
    let mut first_response_us = BTreeMap::new();
    for p in &participants {
        let times = play::first_response_times(&mut conn, exercise_id, &p.org_id, now).await?;
        first_response_us.insert(p.org_id.clone(), times);
    }
    drop(conn);
    if injects.unreleased_shown > 0 {
        audit_unreleased(&ctx, exercise_id, injects.unreleased_shown, "page").await?;
    }
    Ok(EditionView {
        controls: controls(ctx.actor, &edition),
        plays: plays(ctx.actor) && edition.organiser != *org,
        status: state.clock.state(now),
        edition,
        listed,
        injects,
        participants,
        responses,
        first_response_us,
    })
}

/// Writes that the organiser's staff saw `n` unreleased injects, and through what.
pub(crate) async fn audit_unreleased(
    ctx: &Ctx<'_>,
    exercise_id: &str,
    n: usize,
    through: &str,
) -> SResult<()> {
    let mut tx = ctx.store.write().await?;
    // `via` is how the actor signed in (added by `Ctx::audit`); `through` is the read path.
    let summary = json!({"unreleased_shown": n, "through": through});
    ctx.audit(
        &mut tx,
        "exercise.unreleased.view",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a connected page needs to know whether to refresh: the clock state and the codes
/// released to the reader (no content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pulse {
    /// Where the clock stands.
    pub status: ClockState,
    /// Codes of the injects released to the reader.
    pub released: Vec<String>,
}

/// The reader's [`Pulse`] at the clock's now; what server-sent events compare. Refused
/// (`NotFound`) for anyone who neither organises nor plays the edition, like the page.
pub async fn pulse(ctx: Ctx<'_>, clock: &Clock, exercise_id: &str) -> SResult<Pulse> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let (status, released) =
        play::pulse(&mut conn, exercise_id, &ctx.actor.org_id, clock.now_us()).await?;
    Ok(Pulse { status, released })
}

/// A counter per edition, bumped in this process after a clock command or an early
/// release commits, so connected readers recompute their pulse at once instead of at
/// their next poll. Another `serve` process does not see the bump: its readers still
/// notice the change at their next poll, through the version the store reads.
fn signals() -> &'static Mutex<HashMap<String, watch::Sender<u64>>> {
    static SIGNALS: OnceLock<Mutex<HashMap<String, watch::Sender<u64>>>> = OnceLock::new();
    SIGNALS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn sender(exercise_id: &str) -> watch::Sender<u64> {
    let mut map = signals().lock().unwrap_or_else(|e| e.into_inner());
    map.entry(exercise_id.to_owned())
        .or_insert_with(|| watch::channel(0).0)
        .clone()
}

/// Changes to an edition's play state committed by this process; call after the reader
/// was authorised (see [`pulse`]).
pub fn changes(exercise_id: &str) -> watch::Receiver<u64> {
    sender(exercise_id).subscribe()
}

fn signal(exercise_id: &str) {
    sender(exercise_id).send_modify(|n| *n = n.wrapping_add(1));
}

/// A controller's clock command: `start`, `pause` or `resume`, at the clock's now.
pub async fn command(ctx: Ctx<'_>, clock: &Clock, exercise_id: &str, command: &str) -> SResult<()> {
    let at_us = clock.now_us();
    let event = match command.trim() {
        "start" => ClockEvent::Start { at_us },
        "pause" => ClockEvent::Pause { at_us },
        "resume" => ClockEvent::Resume { at_us },
        other => {
            return Err(super::rules::refused(
                "command",
                format!("command: unknown clock command {other:?}"),
            ));
        }
    };
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    play::apply_clock(&mut tx, exercise_id, event, &ctx.actor.user_id).await?;
    ctx.audit(
        &mut tx,
        "exercise.clock",
        ("exercise", Some(exercise_id)),
        None,
        json!({"command": command.trim()}),
    )
    .await?;
    tx.commit().await?;
    signal(exercise_id);
    Ok(())
}

/// A controller releases an inject before its scheduled time.
pub async fn release(ctx: Ctx<'_>, clock: &Clock, exercise_id: &str, code: &str) -> SResult<()> {
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    play::release_early(
        &mut tx,
        exercise_id,
        code.trim(),
        &ctx.actor.user_id,
        clock.now_us(),
    )
    .await?;
    ctx.audit(
        &mut tx,
        "exercise.release",
        ("exercise", Some(exercise_id)),
        None,
        json!({"inject": code.trim()}),
    )
    .await?;
    tx.commit().await?;
    signal(exercise_id);
    Ok(())
}

/// A participant records a decision or notification on a released inject, at the clock's
/// now; refused after the close and for an inject not released to its track.
pub async fn respond(
    ctx: Ctx<'_>,
    clock: &Clock,
    exercise_id: &str,
    input: &ResponseInput,
) -> SResult<String> {
    require_play(&ctx)?;
    let kind = parse_code("kind", input.kind.trim(), ResponseKind::from_code)
        .map_err(|e| super::rules::refused("kind", e.to_string()))?;
    let text =
        deltawall_domain::validate::text("text", &input.text, true, 2000)?.unwrap_or_default();
    let new = NewResponse {
        org_id: ctx.actor.org_id.clone(),
        inject: input.inject.trim().to_owned(),
        kind,
        text,
    };
    // Checked like any response (refused after the close, for an inject not released to
    // the institution's track, or as not found for an edition it does not play) and
    // audited, but written with the edition's other pending responses in one transaction.
    super::batch::record(&ctx, exercise_id, new, clock.now_us()).await
}
