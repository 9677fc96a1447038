//! Exercises such as Delta Wall (the report's section 2.(1)②): the supervisor records an
//! exercise and who took part, and whether each institution held its post-exercise review;
//! an institution sees its own participation and only the exercises it took part in. A local bureau records and reads only
//! institutions of its region. Every change is audited in its own transaction.
//!
//! Exercises played in the platform (issue 14), split by concern: [`design`] (editions,
//! tracks, the schedule's CSV import and export, enrolment), [`play`] (clock, releases,
//! responses, the viewer-aware reads), [`live`] (one poller per edition behind the live
//! streams), [`evaluation`] (事後評価, measures, sector feedback)
//! and [`plans`] (contingency plans); [`rules`] says who may do what.

mod batch;
pub mod design;
pub mod evaluation;
pub mod live;
pub mod plans;
pub mod play;
pub mod rules;

use crate::error::ServiceError;
use crate::time::date;
use crate::{Ctx, SResult};
use deltawall_domain::validate::Invalid;
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::exercises::{self, Exercise, NewExercise, Participation};
use deltawall_store::orgs;
use deltawall_store::records::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An exercise as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseInput {
    /// Japanese name (1 to 200 characters).
    pub name_ja: String,
    /// English name (1 to 200 characters).
    pub name_en: String,
    /// The day it was held, `YYYY-MM-DD`.
    pub held_on: String,
}

/// One institution's participation as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantInput {
    /// The institution.
    pub org_id: String,
    /// Whether it held the post-exercise review.
    #[serde(default)]
    pub reviewed: bool,
}

/// One page of the exercises and the participations in them.
#[derive(Debug, Clone, Serialize)]
pub struct ExercisesPage {
    /// The exercises of the page, newest first, with the participants within reach.
    pub exercises: Vec<Exercise>,
    /// The participations within the reader's reach in those exercises.
    pub participations: Vec<Participation>,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
}

fn name(field: &'static str, raw: &str) -> SResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(ServiceError::Invalid(Invalid {
            field,
            reason: "must be 1 to 200 characters",
            code: "err-required",
        }));
    }
    Ok(t.to_owned())
}

/// Supervisory staff who may record (not a read-only auditor).
fn require_supervisor(ctx: &Ctx<'_>) -> SResult<()> {
    crate::supervision::roles::require_staff(ctx)
}

/// Records an exercise organised by the actor's body; returns its id.
pub async fn create(ctx: Ctx<'_>, input: &ExerciseInput) -> SResult<String> {
    require_supervisor(&ctx)?;
    let new = NewExercise {
        organiser: ctx.actor.org_id.clone(),
        name_ja: name("name_ja", &input.name_ja)?,
        name_en: name("name_en", &input.name_en)?,
        held_on: date("held_on", &input.held_on)?.to_string(),
    };
    let mut tx = ctx.store.write().await?;
    let id = exercises::create(&mut tx, &new, &ctx.actor.user_id, now_us()).await?;
    let summary = json!({"name_en": new.name_en, "held_on": new.held_on});
    ctx.audit(
        &mut tx,
        "exercise.create",
        ("exercise", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records that an institution within the actor's reach took part in an exercise (or
/// changes whether it held its review).
pub async fn record_participant(
    ctx: Ctx<'_>,
    exercise_id: &str,
    input: &ParticipantInput,
) -> SResult<()> {
    require_supervisor(&ctx)?;
    let scope = ctx.actor.org_scope();
    let mut tx = ctx.store.write().await?;
    exercises::get(&mut tx, &scope, exercise_id).await?;
    // Outside the reach an institution does not exist for the caller.
    let org = orgs::get(&mut tx, &scope, input.org_id.trim()).await?;
    if org.kind != OrgKind::Institution {
        return Err(ServiceError::NotFound("organisation"));
    }
    let added = exercises::record_participant(
        &mut tx,
        exercise_id,
        &org.id,
        input.reviewed,
        &ctx.actor.user_id,
        now_us(),
    )
    .await?;
    let summary = json!({"org_id": org.id, "reviewed": input.reviewed, "added": added});
    ctx.audit(
        &mut tx,
        "exercise.participant",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One page of the exercises the actor may read, newest first, with the participations
/// within reach of those exercises: a supervisor reads every exercise, an institution only
/// those it took part in (decided in the query, so a page is never short).
pub async fn page(ctx: Ctx<'_>, req: &crate::paging::PageRequest) -> SResult<ExercisesPage> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(2)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let taken_part = ctx.actor.org_kind != OrgKind::Supervisor;
    let page = exercises::page(&mut conn, &scope, taken_part, after.as_ref(), req.limit()).await?;
    let ids: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    let participations = exercises::participants_of(&mut conn, &scope, &ids).await?;
    Ok(ExercisesPage {
        exercises: page.items,
        participations,
        next: page.next,
    })
}

/// One exercise and its participants within the actor's reach.
pub async fn get(ctx: Ctx<'_>, id: &str) -> SResult<(Exercise, Vec<Participation>)> {
    ctx.require(Permission::ReadOwnOrg)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let e = exercises::get(&mut conn, &scope, id).await?;
    let p = exercises::participants(&mut conn, &scope, Some(id)).await?;
    if ctx.actor.org_kind != OrgKind::Supervisor && p.is_empty() {
        return Err(ServiceError::NotFound("exercise"));
    }
    Ok((e, p))
}
