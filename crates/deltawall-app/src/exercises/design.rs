//! Exercise design: the organiser (the FSA or a bureau, the ISAC, or an institution for its
//! own training) creates an edition with its sector tracks and inject schedule, replaces the
//! schedule from CSV before the clock starts, exports it, and enrols institutions on tracks.
//! Every write is audited in its own transaction; a refused schedule leaves nothing behind.

use super::rules::{self, organiser_kind, refused, require_control};
use crate::error::ServiceError;
use crate::time::{date, start_of_day_us};
use crate::{Ctx, SResult};
use deltawall_domain::exercise::schedule::{Schedule, from_csv};
use deltawall_domain::exercise::{MINUTE_US, Organiser};
use deltawall_domain::supervision::benchmark::K;
use deltawall_domain::{BusinessType, OrgKind, OrgScope};
use deltawall_store::exercises::edition::{self, NewEdition, Track};
use deltawall_store::exercises::{NewExercise, play};
use deltawall_store::orgs;
use deltawall_store::records::now_us;
use serde::Deserialize;
use serde_json::json;

/// A track as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackInput {
    /// Its code, unique in the edition (for example `bank`).
    pub code: String,
    /// The business type code it is written for.
    pub business_type: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
}

/// An edition as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditionInput {
    /// Japanese name (1 to 200 characters).
    pub name_ja: String,
    /// English name (1 to 200 characters).
    pub name_en: String,
    /// The day it is held, `YYYY-MM-DD`.
    pub held_on: String,
    /// When it closes, `HH:MM` Japan time on the day held.
    pub ends_at: String,
    /// The k of the sector feedback (at least 2).
    pub feedback_k: u32,
    /// Its sector tracks.
    pub tracks: Vec<TrackInput>,
    /// The inject schedule as CSV (the header `code,track,phase,offset_min,…`).
    pub schedule_csv: String,
}

/// An institution to enrol, as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    /// The institution.
    pub org_id: String,
    /// The track it plays.
    pub track: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> ServiceError {
    refused(field, message.into())
}

fn text(field: &'static str, raw: &str, max: usize) -> SResult<String> {
    Ok(deltawall_domain::validate::text(field, raw, true, max)?.unwrap_or_default())
}

/// Reads `HH:MM` on `day` in Japan time as Unix µs.
fn end_time(held_on: jiff::civil::Date, raw: &str) -> SResult<i64> {
    let minutes = raw
        .trim()
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<i64>().ok()?, m.parse::<i64>().ok()?)))
        .filter(|(h, m)| (0..24).contains(h) && (0..60).contains(m) && raw.trim().len() == 5)
        .map(|(h, m)| h * 60 + m)
        .ok_or_else(|| bad("ends_at", "ends_at: must be a time HH:MM"))?;
    Ok(start_of_day_us(held_on) + minutes * MINUTE_US)
}

/// Tracks typed one per line as `code,business_type,name_ja,name_en`, for the design form;
/// a wrong line is named.
pub fn tracks_from_lines(text: &str) -> SResult<Vec<TrackInput>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            let cells: Vec<&str> = l.split(',').map(str::trim).collect();
            match cells.as_slice() {
                [code, bt, ja, en] => Ok(TrackInput {
                    code: (*code).to_owned(),
                    business_type: (*bt).to_owned(),
                    name_ja: (*ja).to_owned(),
                    name_en: (*en).to_owned(),
                }),
                _ => Err(bad(
                    "tracks",
                    format!(
                        "tracks line {}: expected code,business_type,name_ja,name_en",
                        n + 1
                    ),
                )),
            }
        })
        .collect()
}

fn track(t: &TrackInput) -> SResult<Track> {
    let code = t.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad(
            "tracks",
            format!("track {code:?}: code must be 1 to 40 letters, digits, - or _"),
        ));
    }
    let business_type = BusinessType::from_code(t.business_type.trim()).ok_or_else(|| {
        bad(
            "tracks",
            format!("track {code}: unknown business type {:?}", t.business_type),
        )
    })?;
    Ok(Track {
        code: code.to_owned(),
        business_type,
        name_ja: text("tracks", &t.name_ja, 200)?,
        name_en: text("tracks", &t.name_en, 200)?,
    })
}

fn schedule(csv: &str) -> SResult<Schedule> {
    from_csv(csv).map_err(|e| bad("schedule_csv", e.to_string()))
}

/// Creates an edition organised by the actor's organisation; returns its id. Tracks,
/// schedule and end time are checked before anything is written.
pub async fn create(ctx: Ctx<'_>, input: &EditionInput) -> SResult<String> {
    let kind = organiser_kind(ctx.actor).ok_or(ServiceError::Forbidden)?;
    let held_on = date("held_on", &input.held_on)?;
    let tracks = input
        .tracks
        .iter()
        .map(track)
        .collect::<SResult<Vec<_>>>()?;
    if tracks.is_empty() {
        return Err(bad("tracks", "tracks: at least one track"));
    }
    let new = NewEdition {
        exercise: NewExercise {
            organiser: ctx.actor.org_id.clone(),
            name_ja: text("name_ja", &input.name_ja, 200)?,
            name_en: text("name_en", &input.name_en, 200)?,
            held_on: held_on.to_string(),
        },
        organiser_kind: kind,
        end_at_us: end_time(held_on, &input.ends_at)?,
        feedback_k: K::new(input.feedback_k).map_err(|e| bad("feedback_k", e.to_string()))?,
        tracks,
        schedule: schedule(&input.schedule_csv)?,
    };
    let mut tx = ctx.store.write().await?;
    let id = edition::create(&mut tx, &new, &ctx.actor.user_id, now_us()).await?;
    let summary = json!({
        "name_en": new.exercise.name_en,
        "organiser_kind": kind.code(),
        "tracks": new.tracks.len(),
        "injects": new.schedule.injects().len(),
    });
    ctx.audit(
        &mut tx,
        "exercise.edition.create",
        ("exercise", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Refuses unless the actor controls the edition (not found when it may not see it): what
/// an upload handler asks before it reads a large body.
pub async fn check_control(ctx: Ctx<'_>, exercise_id: &str) -> SResult<()> {
    let mut conn = ctx.store.read().await?;
    let e = edition::visible_to(&mut conn, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)
}

/// Replaces the schedule of an edition the actor controls from CSV, before the clock
/// starts; returns how many injects it holds. A refused row is named and nothing changes.
pub async fn import_schedule(ctx: Ctx<'_>, exercise_id: &str, csv: &str) -> SResult<usize> {
    let parsed = schedule(csv)?;
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    edition::replace_schedule(&mut tx, exercise_id, &parsed).await?;
    let n = parsed.injects().len();
    ctx.audit(
        &mut tx,
        "exercise.schedule.import",
        ("exercise", Some(exercise_id)),
        None,
        json!({"injects": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The whole schedule, for the organiser only, to be written as `through` (`schedule.csv`
/// or `schedule.xlsx`). It holds unreleased content, so the export is audited like every
/// organiser view of unreleased injects.
pub async fn export_schedule(
    ctx: Ctx<'_>,
    exercise_id: &str,
    now: i64,
    through: &str,
) -> SResult<Schedule> {
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    let view = play::injects_for(&mut tx, exercise_id, &ctx.actor.org_id, now).await?;
    let schedule = Schedule::new(view.injects.into_iter().map(|v| v.inject).collect())
        .map_err(|e| ServiceError::Internal(e.into()))?;
    let summary = json!({"unreleased_shown": view.unreleased_shown, "through": through});
    ctx.audit(
        &mut tx,
        "exercise.unreleased.view",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(schedule)
}

/// Enrols an institution on a track: a supervisor within its reach, the ISAC any
/// institution, an institution organising its own training only itself.
pub async fn enrol(ctx: Ctx<'_>, exercise_id: &str, input: &EnrolInput) -> SResult<()> {
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    let scope = match e.organiser_kind {
        Organiser::Fsa => ctx.actor.org_scope(),
        Organiser::Isac => OrgScope::All,
        Organiser::Institution => OrgScope::Own(ctx.actor.org_id.clone()),
    };
    // Outside that reach an institution does not exist for the caller.
    let org = orgs::get(&mut tx, &scope, input.org_id.trim()).await?;
    if org.kind != OrgKind::Institution {
        return Err(ServiceError::NotFound("organisation"));
    }
    edition::enrol(
        &mut tx,
        exercise_id,
        &org.id,
        input.track.trim(),
        &ctx.actor.user_id,
        now_us(),
    )
    .await?;
    let summary = json!({"org_id": org.id, "track": input.track.trim()});
    ctx.audit(
        &mut tx,
        "exercise.enrol",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the actor may create editions (for the pages' forms).
pub fn may_organise(a: &deltawall_domain::Actor) -> bool {
    rules::organiser_kind(a).is_some()
}
