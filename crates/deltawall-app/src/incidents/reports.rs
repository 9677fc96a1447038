//! Regulator reports of a case. Clocks per (regime, stage) are computed by the domain from
//! the case's recorded times each time they are shown, never stored. A report stage is
//! submitted by an executive, who attests it in the same act; it reaches the supervisors
//! whose reach includes the institution (the FSA, and the bureau of its region), who accept
//! it or return it with a reason (the review loop of supervision requests). Deciding not
//! to report under a regime needs a reason and an executive. Every change is audited.

use super::refused;
use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::supervision::dispatch::{party, require_institution};
use crate::{Ctx, SResult};
use deltawall_domain::incident::case::{TimelineEntry, TimelineKind};
use deltawall_domain::incident::clock::{self, CaseTimes, ClockState};
use deltawall_domain::incident::regime::{Regimes, Stage};
use deltawall_domain::incident::report::{
    self as report, NotReportingDecision, ReviewDecision, SubmitRequest,
};
use deltawall_domain::jst::Holidays;
use deltawall_domain::role::Role;
use deltawall_domain::supervision::request::Attestation;
use deltawall_domain::{OrgKind, OrgScope, Permission};
use deltawall_store::incidents::cases::{self, StoredCase};
use deltawall_store::incidents::reports::{self as store, StoredSubmission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The built-in reporting regimes (the embedded YAML, checked by the domain's tests).
pub fn regimes() -> SResult<&'static Regimes> {
    static REGIMES: OnceLock<Result<Regimes, String>> = OnceLock::new();
    REGIMES
        .get_or_init(|| Regimes::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("reporting regimes: {e}")))
}

/// One clock as the case page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ClockView {
    /// Regime code.
    pub regime: String,
    /// The regime's name in Japanese.
    pub regime_ja: String,
    /// The regime's name in English.
    pub regime_en: String,
    /// Stage.
    pub stage: Stage,
    /// The stage's label in Japanese.
    pub label_ja: String,
    /// The stage's label in English.
    pub label_en: String,
    /// "Promptly": the deadline is a working target.
    pub promptly: bool,
    /// Where it stands.
    pub state: ClockState,
}

/// The clocks of `case` at `now_us`, from its milestones, submissions and decisions;
/// clocks of regimes that do not cover the case are left out.
pub fn clocks_of(
    case: &StoredCase,
    submissions: &[StoredSubmission],
    decisions: &[NotReportingDecision],
    now_us: i64,
) -> SResult<Vec<ClockView>> {
    let regimes = regimes()?;
    let mut times = CaseTimes::new(case.case.category);
    times.milestones = case.case.milestones.clone();
    let mut ordered: Vec<&StoredSubmission> = submissions.iter().collect();
    ordered.sort_by_key(|s| s.submission.submitted_at_us);
    for s in ordered {
        let sub = &s.submission;
        times.submitted(&sub.regime, sub.stage, sub.submitted_at_us);
    }
    for d in decisions {
        times.not_reporting.insert(d.regime.clone(), d.at_us);
    }
    let all = clock::clocks(regimes, &times, &Holidays::none(), now_us);
    Ok(all
        .into_iter()
        .filter(|c| c.state != ClockState::NotApplicable)
        .filter_map(|c| {
            let r = regimes.get(&c.regime)?;
            let rule = r.stage(c.stage)?;
            Some(ClockView {
                regime_ja: r.name.ja.clone(),
                regime_en: r.name.en.clone(),
                label_ja: rule.label.ja.clone(),
                label_en: rule.label.en.clone(),
                regime: c.regime,
                stage: c.stage,
                promptly: c.promptly,
                state: c.state,
            })
        })
        .collect())
}

/// A report stage as submitted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    /// Regime code (`fsa_incident_report`, `jp_common_form`, `dora`, `nis2`).
    pub regime: String,
    /// `first`, `interim` or `final`.
    pub stage: String,
    /// The report's items by code; the stage's required items must be filled.
    #[serde(default)]
    pub items: BTreeMap<String, String>,
    /// The executive submitting attests the report.
    #[serde(default)]
    pub attest: bool,
}

/// A decision not to report under a regime.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Regime code.
    pub regime: String,
    /// Why the case is not reported.
    pub reason: String,
}

/// The supervisor's review of a submission.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `accept` or `return`.
    pub decision: String,
    /// Why it is returned (required to return).
    #[serde(default)]
    pub reason: String,
}

fn bad(field: &'static str, message: String) -> ServiceError {
    ServiceError::Refused {
        code: "incident-err",
        field,
        message,
    }
}

async fn append(
    ctx: &Ctx<'_>,
    tx: &mut deltawall_store::Tx,
    case: &StoredCase,
    now: i64,
    kind: TimelineKind,
) -> SResult<()> {
    let entry = TimelineEntry {
        at_us: now,
        actor_user_id: ctx.actor.user_id.clone(),
        kind,
    };
    cases::append(tx, &case.id, &case.case.org_id, &entry).await?;
    Ok(())
}

/// Submits a report stage of case `case_id`, attested by the submitting executive; returns
/// the submission's id.
pub async fn submit(
    ctx: Ctx<'_>,
    clock: &Clock,
    case_id: &str,
    input: &SubmitInput,
) -> SResult<String> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    if !input.attest {
        return Err(bad(
            "attest",
            "attest: the executive must attest the report".into(),
        ));
    }
    if ctx.actor.role != Role::Executive {
        return Err(ServiceError::Forbidden);
    }
    let regime = regimes()?
        .get(input.regime.trim())
        .ok_or_else(|| bad("regime", format!("regime: unknown code {:?}", input.regime)))?;
    let stage = Stage::from_code(input.stage.trim())
        .ok_or_else(|| bad("stage", format!("stage: unknown code {:?}", input.stage)))?;
    let now = clock.now_us();
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let mut tx = ctx.store.write().await?;
    let case = cases::get(&mut tx, &own, case_id).await?;
    let existing: Vec<_> = store::of_case(&mut tx, case_id)
        .await?
        .into_iter()
        .map(|s| s.submission)
        .collect();
    let decisions = store::decisions(&mut tx, case_id).await?;
    let me = party(&ctx);
    let request = SubmitRequest {
        org_id: &ctx.actor.org_id,
        regime,
        stage,
        items: input
            .items
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect(),
        attestation: Attestation {
            by: me.clone(),
            at_us: now,
        },
    };
    let submission = report::submit(request, &me, &existing, &decisions, now).map_err(refused)?;
    let id = deltawall_store::new_id();
    store::insert(&mut tx, &id, case_id, &ctx.actor.org_id, &submission).await?;
    let kind = TimelineKind::ReportSubmitted {
        regime: submission.regime.clone(),
        stage: stage.code().to_owned(),
        version: submission.version,
    };
    append(&ctx, &mut tx, &case, now, kind).await?;
    let summary = json!({"case": case_id, "regime": submission.regime, "stage": stage.code(), "version": submission.version});
    ctx.audit(
        &mut tx,
        "incident.report.submit",
        ("incident_report", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records an executive's decision not to report case `case_id` under a regime.
pub async fn decide_not_to_report(
    ctx: Ctx<'_>,
    clock: &Clock,
    case_id: &str,
    input: &DecisionInput,
) -> SResult<()> {
    require_institution(&ctx)?;
    ctx.require(Permission::EditPosture)?;
    let regime = regimes()?
        .get(input.regime.trim())
        .ok_or_else(|| bad("regime", format!("regime: unknown code {:?}", input.regime)))?;
    let now = clock.now_us();
    let own = OrgScope::Own(ctx.actor.org_id.clone());
    let mut tx = ctx.store.write().await?;
    let case = cases::get(&mut tx, &own, case_id).await?;
    let decisions = store::decisions(&mut tx, case_id).await?;
    let d = report::decide_not_to_report(
        regime,
        &ctx.actor.org_id,
        &input.reason,
        &party(&ctx),
        &decisions,
        now,
    )
    .map_err(refused)?;
    store::insert_decision(&mut tx, case_id, &ctx.actor.org_id, &d).await?;
    let kind = TimelineKind::NotReporting {
        regime: d.regime.clone(),
        reason: d.reason.clone(),
    };
    append(&ctx, &mut tx, &case, now, kind).await?;
    let summary = json!({"case": case_id, "regime": d.regime, "executive": d.executive_user_id});
    ctx.audit(
        &mut tx,
        "incident.report.not_reporting",
        ("incident", Some(case_id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One page of the submissions the actor may read: its institution's, or those of the
/// institutions in the supervisor's reach (a bureau: its region); pending first.
pub async fn list(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<StoredSubmission>> {
    ctx.require(Permission::ReadOwnOrg)?;
    let after = req.cursor(3)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.org_scope();
    Ok(store::in_scope(&mut conn, &scope, after.as_ref(), req.limit()).await?)
}

/// Submission `id`, if the actor may read it (for the printable page). A supervisor's
/// read is audited under the institution.
pub async fn get(ctx: Ctx<'_>, id: &str) -> SResult<StoredSubmission> {
    ctx.require(Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let submission = store::get(&mut conn, &ctx.actor.org_scope(), id).await?;
    drop(conn);
    ctx.audit_read(
        "incident_report.read",
        ("incident_report", Some(id)),
        &submission.org_id,
    )
    .await?;
    Ok(submission)
}

/// The supervisor accepts submission `id` or returns it with a reason.
pub async fn review(ctx: Ctx<'_>, clock: &Clock, id: &str, input: &ReviewInput) -> SResult<()> {
    if ctx.actor.org_kind != OrgKind::Supervisor {
        return Err(ServiceError::Forbidden);
    }
    let decision = match input.decision.trim() {
        "accept" => ReviewDecision::Accept,
        "return" => ReviewDecision::Return {
            reason: input.reason.trim().to_owned(),
        },
        other => return Err(bad("decision", format!("decision: unknown code {other:?}"))),
    };
    let now = clock.now_us();
    let mut tx = ctx.store.write().await?;
    let mut stored = store::get(&mut tx, &ctx.actor.org_scope(), id).await?;
    report::review(&mut stored.submission, decision, &party(&ctx), now).map_err(refused)?;
    store::review(&mut tx, id, &stored.submission.review).await?;
    let s = &stored.submission;
    let case = cases::get(&mut tx, &ctx.actor.org_scope(), &stored.case_id).await?;
    let kind = TimelineKind::ReportReviewed {
        regime: s.regime.clone(),
        stage: s.stage.code().to_owned(),
        version: s.version,
        accepted: s.review.code() == "accepted",
    };
    append(&ctx, &mut tx, &case, now, kind).await?;
    let summary = json!({"case": stored.case_id, "review": s.review.code(), "stage": s.stage.code(), "version": s.version});
    ctx.audit(
        &mut tx,
        "incident.report.review",
        ("incident_report", Some(id)),
        Some(&stored.org_id),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
