//! Posture assessments: the built-in catalog, assessments and their answers, new cycles
//! carried forward from the previous one, and progress by element.
//!
//! Visibility comes from [`deltawall_domain::Actor::record_scope`]: an institution reads its
//! own assessments, its holding company reads them once submitted, the supervisor reads
//! submitted ones within its reach. Only the owning institution writes, and only to drafts.

use crate::error::ServiceError;
use crate::time::{date, end_of_day_us};
use crate::{Ctx, SResult};
use deltawall_domain::Permission;
use deltawall_domain::catalog::Catalog;
use deltawall_domain::posture::{
    self, Answer, AssessmentKind, AssessmentStatus, Confidence, ElementProgress, Latest, Outcome,
};
use deltawall_domain::validate::Invalid;
use deltawall_store::assessments::{self, Assessment, NewAssessment, Recording, Revision};
use deltawall_store::records::now_us;
use deltawall_store::{Store, Tx};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The built-in catalog, parsed once per process: its YAML (160 KB) took most of a report's
/// time when parsed on every call (docs/BENCHMARKS.md).
pub(crate) fn parsed_builtin() -> SResult<Catalog> {
    static PARSED: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    if let Some(c) = PARSED.get() {
        return Ok(c.clone());
    }
    let c = deltawall_domain::catalog::builtin::fsa_2020_viewpoints()
        .map_err(|e| ServiceError::Internal(e.into()))?;
    Ok(PARSED.get_or_init(|| c).clone())
}

/// Stores the built-in catalog on first use and returns its row id and document.
pub async fn builtin_catalog(store: &Store) -> SResult<(String, Catalog)> {
    let catalog = parsed_builtin()?;
    let mut conn = store.read().await?;
    if let Some(found) = assessments::find_catalog(&mut conn, &catalog.id, &catalog.version).await?
    {
        return Ok((found.id, catalog));
    }
    drop(conn);
    let mut tx = store.write().await?;
    let (id, inserted) = assessments::insert_catalog(&mut tx, &catalog, None, now_us()).await?;
    if inserted {
        let summary = json!({"key": catalog.id, "version": catalog.version});
        crate::record(
            &mut tx,
            None,
            None,
            "catalog.import",
            ("catalog", Some(&id)),
            summary,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((id, catalog))
}

/// Input to start an assessment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// `self`, `internal_audit` or `tlpt`.
    #[schema(value_type = String)]
    pub kind: AssessmentKind,
    /// What it covers (e.g. the whole enterprise, internet banking).
    pub scope: String,
    /// The day it assesses, `YYYY-MM-DD`.
    pub as_of: String,
    /// The previous cycle's assessment, whose answers are carried forward for review.
    #[serde(default)]
    pub previous_id: Option<String>,
    /// The catalog edition to answer (see `GET /api/v1/posture/catalogs`); the built-in
    /// catalog when absent.
    #[serde(default)]
    pub catalog_id: Option<String>,
    /// A mapping set into that edition: answers of the institution's latest assessment
    /// against the set's source catalog pre-fill this one, marked derived.
    #[serde(default)]
    pub mapping_set_id: Option<String>,
}

/// Starts an assessment of the actor's institution against the built-in catalog or another
/// edition the actor may see; with a previous assessment, carries its answers forward as
/// revisions marked "carried"; with a mapping set, pre-fills answers marked "derived".
pub async fn create(ctx: Ctx<'_>, input: &AssessmentInput) -> SResult<String> {
    ctx.require(Permission::EditPosture)?;
    let as_of = date("as_of", &input.as_of)?;
    let scope = input.scope.trim();
    if scope.is_empty() || scope.chars().count() > 200 {
        return Err(Invalid {
            field: "scope",
            reason: "must be 1 to 200 characters",
            code: "err-required",
        }
        .into());
    }
    let (builtin_id, _) = builtin_catalog(ctx.store).await?;
    let catalog_id = match input.catalog_id.as_deref().map(str::trim) {
        Some(c) if !c.is_empty() => {
            let mut conn = ctx.store.read().await?;
            deltawall_store::mappings::visible_catalog(&mut conn, &ctx.actor.org_id, c)
                .await?
                .id
        }
        _ => builtin_id,
    };
    let actor = ctx.actor;
    let previous = match &input.previous_id {
        Some(p) if !p.trim().is_empty() => Some(own(ctx, p.trim()).await?),
        _ => None,
    };
    let mut tx = ctx.store.write().await?;
    let cycle = assessments::last_cycle(&mut tx, &actor.org_id).await? + 1;
    let new = NewAssessment {
        org_id: actor.org_id.clone(),
        catalog_id: catalog_id.clone(),
        kind: input.kind,
        scope: scope.to_owned(),
        as_of: as_of.to_string(),
        cycle,
        previous_id: previous.as_ref().map(|p| p.id.clone()),
        created_by: actor.user_id.clone(),
    };
    let now = now_us();
    let id = assessments::create(&mut tx, &new, now).await?;
    let carried = match &previous {
        Some(prev) => carry_forward(ctx, &mut tx, prev, &id, &catalog_id, now).await?,
        None => 0,
    };
    let derived = match input.mapping_set_id.as_deref().map(str::trim) {
        Some(set) if !set.is_empty() => {
            crate::posture::mappings::prefill_in(ctx, &mut tx, &id, &catalog_id, set, now)
                .await?
                .fills
        }
        _ => 0,
    };
    let summary = json!({"kind": input.kind.code(), "as_of": new.as_of, "cycle": cycle, "previous": new.previous_id, "carried": carried, "catalog": catalog_id, "derived": derived});
    ctx.audit(
        &mut tx,
        "assessment.create",
        ("assessment", Some(&id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Copies the previous assessment's latest answers into the new one as carried revisions,
/// through the catalog migration map when the editions differ.
async fn carry_forward(
    ctx: Ctx<'_>,
    tx: &mut Tx,
    prev: &Assessment,
    id: &str,
    catalog_id: &str,
    now: i64,
) -> SResult<usize> {
    let scope = ctx.actor.record_scope();
    let latest = assessments::results_as_of(tx, &scope, &prev.id, now).await?;
    let map = if prev.catalog_id == catalog_id {
        None
    } else {
        assessments::map(tx, &prev.catalog_id, catalog_id).await?
    };
    let answered: Vec<String> = latest.iter().map(|r| r.requirement_id.clone()).collect();
    // a cycle may move to another catalog (an imported one) with no migration map between
    // the two: only requirements the new edition has can take an answer
    let target = assessments::catalog_document(tx, catalog_id).await?;
    let plan: Vec<(String, String)> = posture::carry_plan(&answered, map.as_deref())
        .into_iter()
        .filter(|(to, _)| target.requirement(to).is_some())
        .collect();
    for (to, from) in &plan {
        let Some(src) = latest.iter().find(|r| &r.requirement_id == from) else {
            continue;
        };
        let answer = Answer {
            requirement_id: to.clone(),
            ..src.answer.clone()
        };
        let how = Recording {
            answered_by: src.answered_by.clone(),
            reviewed_by: None,
            carried: true,
            at_us: now,
        };
        assessments::append_result(tx, id, &answer, &how).await?;
    }
    Ok(plan.len())
}

/// An assessment of the actor's own institution (for changes).
pub(crate) async fn own(ctx: Ctx<'_>, id: &str) -> SResult<Assessment> {
    let mut conn = ctx.store.read().await?;
    let a = assessments::get(&mut conn, &ctx.actor.record_scope(), id).await?;
    if a.org_id != ctx.actor.org_id {
        // A holding company or supervisor reads, but never writes.
        return Err(ServiceError::Forbidden);
    }
    Ok(a)
}

/// Assessments visible to the actor, newest first.
pub async fn list(ctx: Ctx<'_>) -> SResult<Vec<Assessment>> {
    let mut conn = ctx.store.read().await?;
    Ok(assessments::list(&mut conn, &ctx.actor.record_scope(), None).await?)
}

/// One page of the assessments visible to the actor, newest first.
pub async fn page(
    ctx: Ctx<'_>,
    req: &crate::paging::PageRequest,
) -> SResult<deltawall_store::keyset::KeysetPage<Assessment>> {
    let after = req.cursor(3)?;
    let mut conn = ctx.store.read().await?;
    let scope = ctx.actor.record_scope();
    Ok(assessments::page(&mut conn, &scope, None, after.as_ref(), req.limit()).await?)
}

/// How one requirement stands against the answer carried from the previous cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Carried and not yet reviewed.
    Carried,
    /// Reviewed and confirmed unchanged.
    Confirmed,
    /// Answered differently from the carried answer.
    Changed,
    /// Answered in this cycle with nothing carried.
    New,
    /// Pre-filled through a mapping and not yet confirmed by a person.
    Derived,
}

/// An assessment with its catalog, latest results and progress.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentView {
    /// The assessment.
    pub assessment: Assessment,
    /// Its catalog edition.
    #[serde(skip)]
    pub catalog: Catalog,
    /// The latest revision of each answered requirement, as of `as_of_us`.
    pub latest: Vec<Revision>,
    /// The instant the results are read at.
    pub as_of_us: i64,
    /// Progress by element.
    pub progress: Vec<ElementProgress>,
    /// For each answered requirement, how it compares with the carried answer.
    pub changes: Vec<(String, Change)>,
    /// The institution's evidence, when the viewer owns the assessment (to link answers).
    #[serde(skip)]
    pub evidence: Vec<deltawall_store::evidence::Evidence>,
}

/// One assessment with its results as reported at the end of `as_of` (Japan time), or now.
pub async fn view(ctx: Ctx<'_>, id: &str, as_of: Option<Date>) -> SResult<AssessmentView> {
    let scope = ctx.actor.record_scope();
    let mut conn = ctx.store.read().await?;
    let assessment = assessments::get(&mut conn, &scope, id).await?;
    let catalog = assessments::catalog_document(&mut conn, &assessment.catalog_id).await?;
    let at = as_of.map_or(now_us(), end_of_day_us);
    let latest = assessments::results_as_of(&mut conn, &scope, id, at).await?;
    let history = assessments::history(&mut conn, &scope, id, None).await?;
    let progress = posture::progress(&catalog, &latest.iter().map(to_latest).collect::<Vec<_>>());
    let changes = latest
        .iter()
        .map(|r| (r.requirement_id.clone(), change_of(r, &history)))
        .collect();
    drop(conn);
    ctx.audit_read(
        "assessment.read",
        ("assessment", Some(id)),
        &assessment.org_id,
    )
    .await?;
    let mut conn = ctx.store.read().await?;
    let evidence = if assessment.org_id == ctx.actor.org_id {
        deltawall_store::evidence::list(&mut conn, &ctx.actor.org_id).await?
    } else {
        vec![]
    };
    Ok(AssessmentView {
        evidence,
        assessment,
        catalog,
        latest,
        as_of_us: at,
        progress,
        changes,
    })
}

/// Progress input from a revision.
pub fn to_latest(r: &Revision) -> Latest {
    Latest {
        requirement_id: r.requirement_id.clone(),
        outcome: r.answer.outcome,
        maturity: r.answer.maturity,
        // a derived answer awaits a person's confirmation just as a carried one does
        carried: r.carried || r.derived.is_some(),
    }
}

fn change_of(latest: &Revision, history: &[Revision]) -> Change {
    if latest.derived.is_some() {
        return Change::Derived;
    }
    if latest.carried {
        return Change::Carried;
    }
    let carried = history
        .iter()
        .find(|h| h.requirement_id == latest.requirement_id && h.carried);
    match carried {
        None => Change::New,
        Some(c)
            if c.answer.outcome == latest.answer.outcome
                && c.answer.maturity == latest.answer.maturity =>
        {
            Change::Confirmed
        }
        Some(_) => Change::Changed,
    }
}

/// An answer as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// Requirement id, e.g. `FSA-BE1-01`.
    pub requirement_id: String,
    /// `met`, `partial`, `not_met` or `not_applicable`.
    #[schema(value_type = String)]
    pub result: Outcome,
    /// Why it does not apply (required for `not_applicable`).
    #[serde(default)]
    pub justification: Option<String>,
    /// Maturity level on the catalog's scale.
    #[serde(default)]
    pub maturity: Option<u8>,
    /// Why this result.
    pub rationale: String,
    /// `low`, `medium` or `high`.
    #[schema(value_type = String)]
    pub confidence: Confidence,
    /// Evidence ids of the institution.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Records a new revision of one requirement's answer in a draft of the actor's
/// institution. Answering a carried requirement reviews it. Returns the revision number.
pub async fn answer(ctx: Ctx<'_>, id: &str, input: &AnswerInput) -> SResult<i64> {
    ctx.require(Permission::EditPosture)?;
    let a = own(ctx, id).await?;
    if a.status != AssessmentStatus::Draft {
        return Err(ServiceError::Conflict {
            code: "err-assessment-submitted",
            message: "the assessment is submitted; start a new cycle to change it".into(),
        });
    }
    let answer = Answer {
        requirement_id: input.requirement_id.trim().to_owned(),
        outcome: input.result,
        justification: input
            .justification
            .as_deref()
            .map(str::trim)
            .filter(|j| !j.is_empty())
            .map(str::to_owned),
        maturity: input.maturity,
        rationale: input.rationale.trim().to_owned(),
        confidence: input.confidence,
        evidence: input
            .evidence
            .iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect(),
    };
    let mut tx = ctx.store.write().await?;
    let catalog = assessments::catalog_document(&mut tx, &a.catalog_id).await?;
    answer.check(&catalog)?;
    for e in &answer.evidence {
        deltawall_store::evidence::get(&mut tx, &ctx.actor.org_id, e)
            .await
            .map_err(|_| Invalid {
                field: "evidence",
                reason: "names evidence that does not exist",
                code: "err-unknown-evidence",
            })?;
    }
    let scope = ctx.actor.record_scope();
    let prior = assessments::history(&mut tx, &scope, id, Some(&answer.requirement_id)).await?;
    let reviews_carried = prior
        .last()
        .is_some_and(|r| r.carried || r.derived.is_some());
    let how = Recording {
        answered_by: ctx.actor.user_id.clone(),
        reviewed_by: reviews_carried.then(|| ctx.actor.user_id.clone()),
        carried: false,
        at_us: now_us(),
    };
    let revision = assessments::append_result(&mut tx, id, &answer, &how).await?;
    let summary = json!({"requirement": answer.requirement_id, "result": answer.outcome.code(), "revision": revision});
    ctx.audit(
        &mut tx,
        "assessment.answer",
        ("assessment", Some(id)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(revision)
}

/// Confirms a carried or derived answer unchanged: a new revision with the same answer,
/// answered and reviewed by the actor (so it now counts as a person's answer).
pub async fn confirm(ctx: Ctx<'_>, id: &str, requirement_id: &str) -> SResult<i64> {
    ctx.require(Permission::EditPosture)?;
    own(ctx, id).await?;
    let mut conn = ctx.store.read().await?;
    let prior = assessments::history(
        &mut conn,
        &ctx.actor.record_scope(),
        id,
        Some(requirement_id),
    )
    .await?;
    drop(conn);
    let Some(last) = prior.last().filter(|r| r.carried || r.derived.is_some()) else {
        return Err(ServiceError::Conflict {
            code: "err-not-carried",
            message: "only a carried or derived answer can be confirmed".into(),
        });
    };
    let a = &last.answer;
    let input = AnswerInput {
        requirement_id: a.requirement_id.clone(),
        result: a.outcome,
        justification: a.justification.clone(),
        maturity: a.maturity,
        rationale: a.rationale.clone(),
        confidence: a.confidence,
        evidence: a.evidence.clone(),
    };
    answer(ctx, id, &input).await
}

/// Submits a draft: from now on it is visible to the holding company and the supervisor.
pub async fn submit(ctx: Ctx<'_>, id: &str) -> SResult<()> {
    ctx.require(Permission::EditPosture)?;
    own(ctx, id).await?;
    let mut tx = ctx.store.write().await?;
    assessments::submit(&mut tx, &ctx.actor.org_id, id, now_us())
        .await
        .map_err(|e| match e {
            deltawall_store::StoreError::NotFound(_) => ServiceError::Conflict {
                code: "err-assessment-submitted",
                message: "the assessment is already submitted".into(),
            },
            other => other.into(),
        })?;
    ctx.audit(
        &mut tx,
        "assessment.submit",
        ("assessment", Some(id)),
        None,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every revision of one requirement's answer, oldest first.
pub async fn history(
    ctx: Ctx<'_>,
    id: &str,
    requirement_id: Option<&str>,
) -> SResult<Vec<Revision>> {
    let scope = ctx.actor.record_scope();
    let mut conn = ctx.store.read().await?;
    assessments::get(&mut conn, &scope, id).await?;
    Ok(assessments::history(&mut conn, &scope, id, requirement_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_ends_at_midnight_japan_time() {
        // 2020-06-30 ends at 2020-06-30T14:59:59.999999Z.
        assert_eq!(
            end_of_day_us(Date::constant(2020, 6, 30)),
            1_593_529_200_000_000 - 1
        );
        assert!(date("as_of", "2020-02-30").is_err());
        assert_eq!(
            date("as_of", " 2026-03-31 ").unwrap(),
            Date::constant(2026, 3, 31)
        );
    }
}
