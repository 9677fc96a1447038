//! Post-evaluation (事後評価) after the close: each institution's self-assessment beside the
//! evaluator's rating per criterion, with timeliness from the recorded times; improvement
//! measures, whose acceptance raises a posture finding through the one finding service
//! (`posture::findings::raise`) and a contingency-plan revision task in one transaction;
//! and the sector feedback, which shows only what at least k institutions share.

use super::rules::{controls, refused, require_control, require_play};
use crate::error::ServiceError;
use crate::posture::findings::{FindingFields, Raised, raise};
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult};
use deltawall_domain::exercise::evaluation::{
    CriterionEvaluation, FeedbackKind, FeedbackLine, ImprovementMeasure, MeasureStatus, Rating,
    SelfAssessment,
};
use deltawall_domain::exercise::{Viewpoint, parse_code};
use deltawall_domain::finding::{Origin, Person, Severity};
use deltawall_domain::{OrgScope, Permission};
use deltawall_store::exercises::edition::{self, Edition};
use deltawall_store::exercises::evaluation::{self as store, Criterion, StoredMeasure};
use deltawall_store::exercises::{play, roster};
use deltawall_store::records::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One criterion a reader may evaluate: an inject it could read and a viewpoint.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionRow {
    /// The inject.
    pub inject: String,
    /// The inject's title.
    pub title: String,
    /// The viewpoint.
    pub viewpoint: Viewpoint,
    /// What the organiser evaluates.
    pub text: String,
}

/// The evaluation of an edition as one reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationView {
    /// The edition.
    pub edition: Edition,
    /// Whether the exercise has closed (evaluation opens then).
    pub closed: bool,
    /// Whether the reader is the organiser's staff (rates, proposes measures).
    pub controls: bool,
    /// The criteria of the injects the reader may read.
    pub criteria: Vec<CriterionRow>,
    /// Self-assessments and ratings side by side (a participant: its own).
    pub evaluations: Vec<CriterionEvaluation>,
    /// Improvement measures (a participant: its own).
    pub measures: Vec<StoredMeasure>,
    /// The sector feedback (k rule applied).
    pub feedback: Vec<FeedbackLine>,
    /// The participants the reader may see (a participant: itself).
    pub participants: Vec<roster::Enrolled>,
}

/// A self-assessment as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfInput {
    /// The inject.
    pub inject: String,
    /// The viewpoint code.
    pub viewpoint: String,
    /// `done` or `not_done`.
    pub result: String,
    /// Why not, required when not done.
    #[serde(default)]
    pub reason: String,
}

/// An evaluator's rating as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// The institution rated.
    pub org_id: String,
    /// The inject.
    pub inject: String,
    /// The viewpoint code.
    pub viewpoint: String,
    /// 1 to 5.
    pub rating: i64,
    /// The evaluator's comment.
    #[serde(default)]
    pub comment: String,
}

/// An improvement measure (or a sector observation) as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    /// The institution.
    pub org_id: String,
    /// The viewpoint code.
    pub viewpoint: String,
    /// The measure, in concrete words (1 to 1,000 characters).
    pub text: String,
    /// `low`, `medium`, `high` or `critical`: the severity of the finding it becomes.
    pub severity: String,
}

/// A sector observation as entered: a common issue or good practice seen at one institution.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationInput {
    /// The institution.
    pub org_id: String,
    /// `common_issue` or `good_practice`.
    pub kind: String,
    /// The viewpoint code.
    pub viewpoint: String,
    /// A short topic shared by the same observation at different institutions.
    pub topic: String,
}

fn viewpoint(raw: &str) -> SResult<Viewpoint> {
    parse_code("viewpoint", raw.trim(), Viewpoint::from_code)
        .map_err(|e| refused("viewpoint", e.to_string()))
}

fn severity(raw: &str) -> SResult<Severity> {
    Ok(match raw.trim() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => {
            return Err(refused(
                "severity",
                format!("severity: unknown code {other:?}"),
            ));
        }
    })
}

/// The evaluation as the actor may see it.
pub async fn view(ctx: Ctx<'_>, clock: &Clock, exercise_id: &str) -> SResult<EvaluationView> {
    ctx.require(Permission::ReadOwnOrg)?;
    let now = clock.now_us();
    let org = &ctx.actor.org_id;
    let own = OrgScope::Own(org.clone());
    let mut conn = ctx.store.read().await?;
    let e = edition::visible_to(&mut conn, exercise_id, org).await?;
    let organiser = e.organiser == *org;
    let injects = play::injects_for(&mut conn, exercise_id, org, now).await?;
    let criteria = injects
        .injects
        .iter()
        .filter(|v| v.released_at_us.is_some())
        .flat_map(|v| {
            v.inject.criteria.iter().map(|c| CriterionRow {
                inject: v.inject.code.clone(),
                title: v.inject.title.clone(),
                viewpoint: c.viewpoint,
                text: c.text.clone(),
            })
        })
        .collect();
    let evaluations = store::evaluations(&mut conn, exercise_id, org, &own, now).await?;
    // Every measure of an edition was written by its organiser, so the organiser reads
    // all of them; an institution only its own.
    let participants = roster::enrolled(&mut conn, exercise_id, org, &own).await?;
    let measure_scope = if organiser { OrgScope::All } else { own };
    let measures = store::measures(&mut conn, &measure_scope, Some(exercise_id)).await?;
    let feedback = store::sector_feedback(&mut conn, exercise_id).await?;
    Ok(EvaluationView {
        closed: now >= e.end_at_us,
        controls: controls(ctx.actor, &e),
        edition: e,
        criteria,
        evaluations,
        measures,
        feedback,
        participants,
    })
}

/// The sector feedback of an edition (k rule applied), for its organiser and participants.
pub async fn sector_feedback(ctx: Ctx<'_>, exercise_id: &str) -> SResult<Vec<FeedbackLine>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    edition::visible_to(&mut conn, exercise_id, &ctx.actor.org_id).await?;
    Ok(store::sector_feedback(&mut conn, exercise_id).await?)
}

/// An institution assesses one criterion of its own play (after the close).
pub async fn self_assess(
    ctx: Ctx<'_>,
    clock: &Clock,
    exercise_id: &str,
    input: &SelfInput,
) -> SResult<()> {
    require_play(&ctx)?;
    let vp = viewpoint(&input.viewpoint)?;
    let done = match input.result.trim() {
        "done" => true,
        "not_done" => false,
        other => return Err(refused("result", format!("result: unknown code {other:?}"))),
    };
    let assessment = SelfAssessment::new("reason", done, &input.reason)
        .map_err(|e| refused("reason", e.to_string()))?;
    let mut tx = ctx.store.write().await?;
    edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    let c = Criterion {
        org_id: &ctx.actor.org_id,
        inject: input.inject.trim(),
        viewpoint: vp,
    };
    store::self_assess(
        &mut tx,
        exercise_id,
        &c,
        &assessment,
        &ctx.actor.user_id,
        clock.now_us(),
    )
    .await?;
    let summary = json!({"inject": c.inject, "viewpoint": vp.code(), "done": done});
    ctx.audit(
        &mut tx,
        "exercise.self_assess",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses an institution that does not play the edition, as not found.
async fn require_participant(
    tx: &mut deltawall_store::Tx,
    exercise_id: &str,
    org_id: &str,
) -> SResult<()> {
    edition::track_of(tx, exercise_id, org_id)
        .await?
        .map(|_| ())
        .ok_or(ServiceError::NotFound("participant"))
}

/// The organiser's evaluator rates one criterion of a participant (after the close).
pub async fn rate(
    ctx: Ctx<'_>,
    clock: &Clock,
    exercise_id: &str,
    input: &RatingInput,
) -> SResult<()> {
    let vp = viewpoint(&input.viewpoint)?;
    let rating =
        Rating::new("rating", input.rating).map_err(|e| refused("rating", e.to_string()))?;
    let comment = deltawall_domain::validate::text("comment", &input.comment, false, 2000)?
        .unwrap_or_default();
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    require_participant(&mut tx, exercise_id, input.org_id.trim()).await?;
    let c = Criterion {
        org_id: input.org_id.trim(),
        inject: input.inject.trim(),
        viewpoint: vp,
    };
    store::rate(
        &mut tx,
        exercise_id,
        &c,
        rating,
        &comment,
        &ctx.actor.user_id,
        clock.now_us(),
    )
    .await?;
    let summary = json!({"org_id": c.org_id, "inject": c.inject, "viewpoint": vp.code(), "rating": input.rating});
    ctx.audit(
        &mut tx,
        "exercise.rate",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organiser proposes an improvement measure to a participant (after the close).
pub async fn propose(
    ctx: Ctx<'_>,
    clock: &Clock,
    exercise_id: &str,
    input: &MeasureInput,
) -> SResult<String> {
    let measure = ImprovementMeasure {
        org_id: input.org_id.trim().to_owned(),
        viewpoint: viewpoint(&input.viewpoint)?,
        text: deltawall_domain::validate::text("text", &input.text, true, 1000)?
            .unwrap_or_default(),
        severity: severity(&input.severity)?,
        status: MeasureStatus::Proposed,
    };
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    require_participant(&mut tx, exercise_id, &measure.org_id).await?;
    if clock.now_us() < e.end_at_us {
        return Err(deltawall_store::exercises::ExerciseError::NotClosed {
            end_at_us: e.end_at_us,
        }
        .into());
    }
    let id = store::propose_measure(&mut tx, exercise_id, &measure, &ctx.actor.user_id, now_us())
        .await?;
    let summary = json!({"org_id": measure.org_id, "viewpoint": measure.viewpoint.code()});
    ctx.audit(
        &mut tx,
        "exercise.measure.propose",
        ("exercise_measure", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The organiser records an observation about a participant for the sector feedback.
pub async fn observe(ctx: Ctx<'_>, exercise_id: &str, input: &ObservationInput) -> SResult<()> {
    let kind = parse_code("kind", input.kind.trim(), FeedbackKind::from_code)
        .map_err(|e| refused("kind", e.to_string()))?;
    let vp = viewpoint(&input.viewpoint)?;
    let topic =
        deltawall_domain::validate::text("topic", &input.topic, true, 200)?.unwrap_or_default();
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    require_control(&ctx, &e)?;
    require_participant(&mut tx, exercise_id, input.org_id.trim()).await?;
    store::observe(&mut tx, exercise_id, input.org_id.trim(), kind, vp, &topic).await?;
    let summary =
        json!({"org_id": input.org_id.trim(), "kind": kind.code(), "viewpoint": vp.code()});
    ctx.audit(
        &mut tx,
        "exercise.observe",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One of the actor's own institution's measures; another's is not found.
async fn own_measure(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    measure_id: &str,
) -> SResult<StoredMeasure> {
    store::measures(tx, &OrgScope::Own(ctx.actor.org_id.clone()), None)
        .await?
        .into_iter()
        .find(|m| m.id == measure_id)
        .ok_or(ServiceError::NotFound("improvement measure"))
}

/// What accepting a measure created.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    /// The posture finding (a draft of the institution, origin exercise).
    pub finding_id: String,
    /// The contingency-plan revision task.
    pub task_id: String,
}

/// The institution accepts one of its measures: the finding is raised through the finding
/// service (owned by the accepting user), and a revision task of its latest plan version
/// is created, in one transaction.
pub async fn accept(ctx: Ctx<'_>, measure_id: &str) -> SResult<Accepted> {
    require_play(&ctx)?;
    let mut tx = ctx.store.write().await?;
    let m = own_measure(&ctx, &mut tx, measure_id).await?;
    let (_, plan_version, requirements) = store::acceptance_context(&mut tx, &m.id).await?;
    let catalog = crate::posture::assessments::parsed_builtin()?;
    // A plan may cite requirements of another catalog; the finding keeps the built-in ones.
    let requirements: Vec<String> = requirements
        .into_iter()
        .filter(|r| catalog.requirement(r).is_some())
        .collect();
    let description = format!("{} ({})", m.measure.text, m.measure.viewpoint.label("ja"));
    let me = Person {
        user_id: ctx.actor.user_id.clone(),
        role: ctx.actor.role,
    };
    let raised = raise(
        &mut tx,
        &FindingFields {
            title: &m.measure.text.chars().take(200).collect::<String>(),
            description: &description,
            severity: m.measure.severity,
            requirement_ids: &requirements,
            owner_user: &ctx.actor.user_id,
            due_on: None,
        },
        Raised {
            org_id: m.measure.org_id.clone(),
            origin: Origin::Exercise,
            origin_ref: Some(format!("exercise:{}/measure:{}", m.exercise_id, m.id)),
            by: me,
            issue: false,
        },
    )
    .await?;
    let task_id = store::record_acceptance(
        &mut tx,
        &m.id,
        &raised.id,
        plan_version,
        &ctx.actor.user_id,
        now_us(),
    )
    .await?;
    let summary = json!({"finding_id": raised.id, "task_id": task_id});
    ctx.audit(
        &mut tx,
        "exercise.measure.accept",
        ("exercise_measure", Some(&m.id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(Accepted {
        finding_id: raised.id,
        task_id,
    })
}

/// The institution declines one of its measures.
pub async fn decline(ctx: Ctx<'_>, measure_id: &str) -> SResult<()> {
    require_play(&ctx)?;
    let mut tx = ctx.store.write().await?;
    let m = own_measure(&ctx, &mut tx, measure_id).await?;
    store::decline_measure(&mut tx, &m.id, &ctx.actor.user_id, now_us()).await?;
    ctx.audit(
        &mut tx,
        "exercise.measure.decline",
        ("exercise_measure", Some(&m.id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
