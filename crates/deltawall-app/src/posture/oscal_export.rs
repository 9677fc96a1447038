//! An assessment as OSCAL: its results as an assessment-results document and its findings
//! as a plan of action and milestones (POA&M), built by `deltawall-oscal` from what the
//! reader may see.
//!
//! Only answers a person gave or confirmed are exported with their result; an answer still
//! carried from the previous cycle or derived through a mapping is exported as
//! `not-assessed`, with a rationale saying it awaits confirmation, because OSCAL has no
//! notion of an unconfirmed result. Evidence is referenced by name, link and SHA-256 only
//! when the reader is the owning institution (the only one who may read it).

use crate::error::ServiceError;
use crate::{Ctx, SResult};
use deltawall_domain::finding::Origin as FindingOrigin;
use deltawall_domain::posture;
use deltawall_oscal::export::{
    self, AssessmentExport, CatalogSource, Document, EvidenceRef, FindingExport, Outcome, Party,
    PoamExport, RequirementResult,
};
use deltawall_store::assessments::Revision;
use deltawall_store::evidence::Evidence;
use deltawall_store::findings::{self as store_findings, StoredFinding};
use jiff::Timestamp;

fn ts(us: i64) -> SResult<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| ServiceError::Internal(e.into()))
}

fn outcome(r: &Revision) -> Outcome {
    if r.carried || r.derived.is_some() {
        return Outcome::NotAssessed;
    }
    match r.answer.outcome {
        posture::Outcome::Met => Outcome::Met,
        posture::Outcome::Partial => Outcome::Partial,
        posture::Outcome::NotMet => Outcome::NotMet,
        posture::Outcome::NotApplicable => Outcome::NotApplicable,
    }
}

fn rationale(r: &Revision) -> String {
    let why = match (r.carried, &r.derived) {
        (_, Some(d)) => format!(
            "derived through a mapping from {} ({}), awaiting confirmation: ",
            d.source_requirement_id,
            d.relationship.code()
        ),
        (true, None) => "carried from the previous cycle, awaiting review: ".to_owned(),
        _ => String::new(),
    };
    let mut text = format!("{why}{}", r.answer.rationale);
    if let Some(j) = &r.answer.justification {
        text.push_str(&format!(" (not applicable: {j})"));
    }
    text
}

fn evidence_ref(id: &str, known: &[Evidence]) -> EvidenceRef {
    match known.iter().find(|e| e.id == id) {
        Some(e) => EvidenceRef {
            title: e.filename.clone(),
            href: Some(format!("/posture/evidence/{}", e.id)),
            sha256: Some(e.sha256.clone()),
        },
        None => EvidenceRef {
            title: format!("evidence {id}"),
            href: None,
            sha256: None,
        },
    }
}

async fn findings_of(ctx: Ctx<'_>, assessment_id: &str) -> SResult<Vec<FindingExport>> {
    let mut conn = ctx.store.read().await?;
    let list: Vec<StoredFinding> = store_findings::list(&mut conn, &ctx.actor.record_scope(), &[])
        .await?
        .into_iter()
        .filter(|f| {
            f.finding.origin == FindingOrigin::Assessment
                && f.origin_ref.as_deref() == Some(assessment_id)
                && !f.requirement_ids.is_empty()
        })
        .collect();
    let ids: Vec<String> = list.iter().map(|f| f.id.clone()).collect();
    let milestones =
        store_findings::milestones(&mut conn, &ids, crate::posture::findings::due_us).await?;
    list.into_iter()
        .map(|f| {
            Ok(FindingExport {
                milestones: milestones
                    .iter()
                    .filter(|m| m.finding_id == f.id)
                    .map(|m| m.milestone.clone())
                    .collect(),
                due: f
                    .due_on
                    .as_deref()
                    .map(|d| ts(crate::posture::findings::due_us(d)))
                    .transpose()?,
                key: f.id,
                title: f.title,
                description: f.description,
                requirement_ids: f.requirement_ids,
                severity: f.finding.severity,
                state: f.finding.state,
                risks: vec![],
            })
        })
        .collect()
}

/// The header both documents share.
fn document(
    v: &crate::posture::assessments::AssessmentView,
    what: &str,
    last_us: i64,
) -> SResult<Document> {
    let a = &v.assessment;
    Ok(Document {
        key: a.id.clone(),
        title: format!(
            "{what}: {} — {} ({}, {})",
            a.org_name_en,
            v.catalog.title.shown(deltawall_domain::catalog::Lang::En),
            a.scope,
            a.as_of
        ),
        version: format!("{}.{}", a.cycle, last_us),
        last_modified: ts(last_us)?,
        organisation: Party {
            key: a.org_id.clone(),
            name: a.org_name_en.clone(),
        },
        assessor: None,
    })
}

fn last_change(v: &crate::posture::assessments::AssessmentView) -> i64 {
    v.latest
        .iter()
        .map(|r| r.recorded_at)
        .chain([v.assessment.created_at])
        .chain(v.assessment.submitted_at)
        .max()
        .unwrap_or(v.assessment.created_at)
}

fn export_error(e: export::ExportError) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("oscal export: {e}"))
}

/// The assessment's results as OSCAL assessment-results JSON.
pub async fn assessment_results(ctx: Ctx<'_>, id: &str) -> SResult<serde_json::Value> {
    let v = crate::posture::assessments::view(ctx, id, None).await?;
    let last = last_change(&v);
    let results = v
        .latest
        .iter()
        .map(|r| {
            Ok(RequirementResult {
                requirement_id: r.requirement_id.clone(),
                outcome: outcome(r),
                rationale: rationale(r),
                evidence: r
                    .answer
                    .evidence
                    .iter()
                    .map(|e| evidence_ref(e, &v.evidence))
                    .collect(),
                assessed_at: ts(r.recorded_at)?,
            })
        })
        .collect::<SResult<Vec<_>>>()?;
    let input = AssessmentExport {
        document: document(&v, "Assessment results", last)?,
        description: format!(
            "{} assessment, cycle {}, scope: {}",
            v.assessment.kind.code(),
            v.assessment.cycle,
            v.assessment.scope
        ),
        catalog: CatalogSource {
            reference: v.catalog.reference(),
            title: v
                .catalog
                .title
                .shown(deltawall_domain::catalog::Lang::En)
                .to_owned(),
        },
        started: ts(v.assessment.created_at)?,
        ended: v.assessment.submitted_at.map(ts).transpose()?,
        results,
        findings: findings_of(ctx, id).await?,
    };
    export::assessment_results(&input).map_err(export_error)
}

/// The assessment's findings as an OSCAL POA&M JSON.
pub async fn poam(ctx: Ctx<'_>, id: &str) -> SResult<serde_json::Value> {
    let v = crate::posture::assessments::view(ctx, id, None).await?;
    let findings = findings_of(ctx, id).await?;
    let last = findings
        .iter()
        .flat_map(|f| f.milestones.iter().map(|m| m.done_us.unwrap_or(m.due_us)))
        .chain([last_change(&v)])
        .max()
        .unwrap_or(v.assessment.created_at);
    let input = PoamExport {
        document: document(&v, "Plan of action and milestones", last)?,
        findings,
    };
    export::poam(&input).map_err(export_error)
}
