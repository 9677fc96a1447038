//! Contingency plans (§2(1)③イ): an institution appends versions of its plan and records
//! which exercises tested them with the gaps found; everyone within reach sees each plan's
//! status, flagged when no exercise tested it in twelve months (the posture side and the
//! supervisor's ranking inputs read the same flag from the store).

use super::rules::{refused, require_play};
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::exercise::Scenario;
use deltawall_domain::exercise::plan::{PlanTest, PlanVersion};
use deltawall_store::exercises::edition;
use deltawall_store::exercises::plans::{self as store, PlanStatus, RevisionTask};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One page of the plans within the actor's reach, a page holding whole institutions.
#[derive(Debug, Clone, Serialize)]
pub struct Plans {
    /// Each institution's latest version, last test, gaps and the twelve-month flag.
    pub statuses: Vec<PlanStatus>,
    /// Every version of those institutions.
    pub versions: Vec<PlanVersion>,
    /// Their revision tasks created by accepted improvement measures.
    pub tasks: Vec<RevisionTask>,
    /// The cursor of the next page of institutions (also in `Link: rel="next"`); null on
    /// the last page.
    pub next: Option<String>,
}

/// A plan version as entered: the plan document (scenarios, roles, contact trees, recovery
/// objectives, requirement ids); the institution is the actor's own.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// The plan version (`version`, `adopted_at_us`, `scenarios`, `roles`,
    /// `internal_contacts`, `external_contacts`, `objectives`, `requirement_ids`).
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// A revision task this version completes, if any.
    #[serde(default)]
    pub completes_task: Option<String>,
}

/// A test of the actor's latest plan by an exercise it played, as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTestInput {
    /// Scenario codes the exercise played.
    pub scenarios: Vec<String>,
    /// Gaps the exercise found in the plan.
    #[serde(default)]
    pub gaps: Vec<String>,
}

/// One page of the plans within the actor's reach (an institution: its own), at the
/// clock's now; a supervisor's pages go institution by institution.
pub async fn overview(
    ctx: Ctx<'_>,
    clock: &Clock,
    req: &crate::paging::PageRequest,
) -> SResult<Plans> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(1)?;
    let scope = ctx.actor.org_scope();
    let mut conn = ctx.store.read().await?;
    let page = store::page(
        &mut conn,
        &scope,
        after.as_ref(),
        req.limit(),
        clock.now_us(),
    )
    .await?;
    Ok(Plans {
        statuses: page.statuses,
        versions: page.versions,
        tasks: page.tasks,
        next: page.next,
    })
}

/// Appends a version of the actor's institution's plan (checked against the latest), and
/// marks the revision task it completes done.
pub async fn add_version(ctx: Ctx<'_>, input: &PlanInput) -> SResult<u32> {
    require_play(&ctx)?;
    let mut doc = input.plan.clone();
    if let Some(o) = doc.as_object_mut() {
        o.insert("org_id".into(), json!(ctx.actor.org_id));
    }
    let plan: PlanVersion =
        serde_json::from_value(doc).map_err(|e| refused("plan", format!("plan: {e}")))?;
    let mut tx = ctx.store.write().await?;
    store::add_version(
        &mut tx,
        &plan,
        &ctx.actor.user_id,
        deltawall_store::records::now_us(),
    )
    .await?;
    if let Some(task) = input.completes_task.as_deref() {
        store::complete_revision(&mut tx, task.trim(), &ctx.actor.org_id, plan.version).await?;
    }
    let summary = json!({"version": plan.version, "completes_task": input.completes_task});
    ctx.audit(
        &mut tx,
        "contingency_plan.version",
        ("contingency_plan", Some(&ctx.actor.org_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(plan.version)
}

/// Records that an exercise the institution played (and that has closed) tested its
/// latest plan version, with the gaps it found.
pub async fn record_test(
    ctx: Ctx<'_>,
    clock: &Clock,
    exercise_id: &str,
    input: &PlanTestInput,
) -> SResult<()> {
    require_play(&ctx)?;
    let scenarios = input
        .scenarios
        .iter()
        .map(|s| {
            deltawall_domain::exercise::parse_code("scenarios", s.trim(), Scenario::from_code)
                .map_err(|e| refused("scenarios", e.to_string()))
        })
        .collect::<SResult<Vec<_>>>()?;
    let gaps = input
        .gaps
        .iter()
        .map(|g| Ok(deltawall_domain::validate::text("gaps", g, true, 500)?.unwrap_or_default()))
        .collect::<SResult<Vec<_>>>()?;
    let mut tx = ctx.store.write().await?;
    let e = edition::visible_to(&mut tx, exercise_id, &ctx.actor.org_id).await?;
    edition::track_of(&mut tx, exercise_id, &ctx.actor.org_id)
        .await?
        .ok_or(crate::ServiceError::NotFound("participant"))?;
    if clock.now_us() < e.end_at_us {
        return Err(deltawall_store::exercises::ExerciseError::NotClosed {
            end_at_us: e.end_at_us,
        }
        .into());
    }
    let version = store::versions(
        &mut tx,
        &deltawall_domain::OrgScope::Own(ctx.actor.org_id.clone()),
    )
    .await?
    .into_iter()
    .map(|p| p.version)
    .max()
    .ok_or_else(|| {
        refused(
            "plan",
            "plan: record a contingency plan version first".into(),
        )
    })?;
    let test = PlanTest {
        edition_id: exercise_id.to_owned(),
        tested_at_us: e.end_at_us,
        scenarios,
        gaps,
    };
    store::record_test(&mut tx, &ctx.actor.org_id, version, &test).await?;
    let summary = json!({"plan_version": version, "gaps": test.gaps.len()});
    ctx.audit(
        &mut tx,
        "contingency_plan.test",
        ("exercise", Some(exercise_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
