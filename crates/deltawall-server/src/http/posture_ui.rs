//! The posture pages: home, assessment, revision history, evidence, risk register,
//! findings, group roll-up and management report, each table also as CSV. After a POST
//! each handler redirects (post/redirect/get).

use super::posture_api::{attachment, read_upload};
use super::ui::csv_field;
use super::{Query, UiForm, UiUser};
use crate::error::{AppError, ServiceError};
use crate::i18n::{self, Lang};
use crate::router::AppState;
use crate::service::evidence::{self as evidence_svc, MAX_EVIDENCE_BYTES, TLP};
use crate::service::findings::{self as findings_svc, CommandInput, FindingInput, MilestoneInput};
use crate::service::posture::{self as posture_svc, AnswerInput, AssessmentInput};
use crate::service::report;
use crate::service::risks::{self as risks_svc, RiskInput, TREATMENTS};
use crate::views::render;
use crate::views_posture::*;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_domain::Permission;
use deltawall_domain::finding::Severity;
use deltawall_domain::posture::{AssessmentKind, Confidence, Outcome};
use deltawall_domain::validate::Invalid;
use deltawall_store::records::now_us;
use serde::Deserialize;

type PageResult = Result<Response, AppError>;

fn notice(lang: Lang, key: &str) -> Option<String> {
    const KEYS: &[&str] = &["saved", "created"];
    KEYS.contains(&key)
        .then(|| i18n::t(lang, &format!("notice-{key}")).to_owned())
}

/// The notice after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

fn kinds(lang: Lang) -> Vec<(String, String)> {
    AssessmentKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), label(lang, "kind", k.code())))
        .collect()
}

fn parse<T>(field: &'static str, raw: &str, f: fn(&str) -> Option<T>) -> Result<T, ServiceError> {
    f(raw.trim()).ok_or(ServiceError::Invalid(Invalid {
        field,
        reason: "is not a known value",
        code: "err-bad-request",
    }))
}

/// Writes rows as a CSV attachment (formulas defused).
fn csv(filename: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut out = header_row.join(",");
    out.push_str("\r\n");
    for row in rows {
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
    ];
    (headers, out).into_response()
}

/// `GET /posture`.
pub async fn home(
    State(state): State<AppState>,
    user: UiUser,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let list = posture_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&HomePage {
        assessments: assessment_rows(lang, &user.info.actor.org_id, &list),
        progress: progress_rows(lang, &r.elements, &r.progress, &r.open_by_element),
        can_edit: user.info.actor.can(Permission::EditPosture),
        kinds: kinds(lang),
        today: posture_svc::today().to_string(),
        l: user.layout("posture-title", "posture", notice(lang, &n.notice)),
    }))
}

/// The new assessment form.
#[derive(Debug, Deserialize)]
pub struct AssessmentForm {
    kind: String,
    scope: String,
    as_of: String,
    #[serde(default)]
    previous_id: String,
}

/// `POST /posture/assessments`.
pub async fn assessment_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<AssessmentForm>,
) -> PageResult {
    let input = AssessmentInput {
        kind: parse("kind", &f.kind, AssessmentKind::from_code).map_err(user.err())?,
        scope: f.scope,
        as_of: f.as_of,
        previous_id: Some(f.previous_id).filter(|p| !p.trim().is_empty()),
    };
    let id = posture_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/assessments/{id}?notice=created")).into_response())
}

/// Assessment page query.
#[derive(Debug, Deserialize, Default)]
pub struct AssessmentQuery {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    notice: String,
}

async fn load_view(
    state: &AppState,
    user: &UiUser,
    id: &str,
    as_of: &str,
) -> Result<posture_svc::AssessmentView, AppError> {
    let day = if as_of.trim().is_empty() {
        None
    } else {
        Some(posture_svc::date("as_of", as_of).map_err(user.err())?)
    };
    posture_svc::view(user.ctx(state), id, day)
        .await
        .map_err(user.err())
}

/// `GET /posture/assessments/{id}`.
pub async fn assessment(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let v = load_view(&state, &user, &id, &q.as_of).await?;
    let lang = user.lang;
    let me = &user.info.actor;
    let own = v.assessment.org_id == me.org_id && me.can(Permission::EditPosture);
    let open = Default::default();
    let elements = report::elements(&v.catalog);
    Ok(render(&AssessmentPage {
        a: assessment_rows(lang, &me.org_id, std::slice::from_ref(&v.assessment)).remove(0),
        scope: v.assessment.scope.clone(),
        as_of: q.as_of.clone(),
        progress: progress_rows(lang, &elements, &v.progress, &open),
        viewpoints: viewpoints(lang, &v),
        can_answer: own
            && v.assessment.status == deltawall_domain::posture::AssessmentStatus::Draft,
        can_next: own,
        levels: maturity_levels(lang, &v.catalog),
        evidence: v
            .evidence
            .iter()
            .map(|e| (e.id.clone(), e.filename.clone()))
            .collect(),
        kinds: kinds(lang),
        today: posture_svc::today().to_string(),
        l: user.layout("posture-assessment", "posture", notice(lang, &q.notice)),
    }))
}

/// `GET /posture/assessments/{id}/results.csv`: the latest results as of a day.
pub async fn results_csv(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let v = load_view(&state, &user, &id, &q.as_of).await?;
    let rows = v
        .latest
        .iter()
        .map(|r| {
            vec![
                r.requirement_id.clone(),
                r.revision.to_string(),
                r.answer.outcome.code().to_owned(),
                r.answer.maturity.map(|m| m.to_string()).unwrap_or_default(),
                r.answer.confidence.code().to_owned(),
                r.answer.rationale.clone(),
                r.answer.justification.clone().unwrap_or_default(),
                r.answer.evidence.join(" "),
                r.carried.to_string(),
                crate::views::format_time(r.recorded_at),
            ]
        })
        .collect();
    Ok(csv(
        "results.csv",
        &[
            "requirement",
            "revision",
            "result",
            "maturity",
            "confidence",
            "rationale",
            "justification",
            "evidence",
            "carried",
            "recorded_at",
        ],
        rows,
    ))
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    requirement_id: String,
    result: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    maturity: String,
    rationale: String,
    confidence: String,
    #[serde(default)]
    evidence: String,
}

/// `POST /posture/assessments/{id}/answers`.
pub async fn answer(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<AnswerForm>,
) -> PageResult {
    let maturity = match f.maturity.trim() {
        "" => None,
        m => Some(parse("maturity", m, |s| s.parse::<u8>().ok()).map_err(user.err())?),
    };
    let input = AnswerInput {
        requirement_id: f.requirement_id.clone(),
        result: parse("result", &f.result, Outcome::from_code).map_err(user.err())?,
        justification: Some(f.justification),
        maturity,
        rationale: f.rationale,
        confidence: parse("confidence", &f.confidence, Confidence::from_code)
            .map_err(user.err())?,
        evidence: Some(f.evidence)
            .filter(|e| !e.trim().is_empty())
            .into_iter()
            .collect(),
    };
    posture_svc::answer(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!(
        "/posture/assessments/{id}?notice=saved#{}",
        f.requirement_id
    ))
    .into_response())
}

/// The confirm form.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    requirement_id: String,
}

/// `POST /posture/assessments/{id}/confirm`: a carried answer is confirmed unchanged.
pub async fn confirm(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<ConfirmForm>,
) -> PageResult {
    posture_svc::confirm(user.ctx(&state), &id, &f.requirement_id)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!(
        "/posture/assessments/{id}?notice=saved#{}",
        f.requirement_id
    ))
    .into_response())
}

/// An empty form.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// `POST /posture/assessments/{id}/submit`.
pub async fn submit(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(_): UiForm<EmptyForm>,
) -> PageResult {
    posture_svc::submit(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/assessments/{id}?notice=saved")).into_response())
}

/// History filter.
#[derive(Debug, Deserialize, Default)]
pub struct HistoryQuery {
    #[serde(default)]
    requirement: String,
}

/// `GET /posture/assessments/{id}/history`.
pub async fn history(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> PageResult {
    let req = Some(q.requirement.trim()).filter(|r| !r.is_empty());
    let list = posture_svc::history(user.ctx(&state), &id, req)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&HistoryPage {
        id,
        requirement: q.requirement.clone(),
        revisions: list
            .into_iter()
            .map(|r| {
                let l = label(lang, "result", r.answer.outcome.code());
                (r, l)
            })
            .collect(),
        l: user.layout("posture-history", "posture", None),
    }))
}

/// `GET /posture/evidence`.
pub async fn evidence_list(
    State(state): State<AppState>,
    user: UiUser,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let files = evidence_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    Ok(render(&EvidencePage {
        files,
        can_edit: user.info.actor.can(Permission::EditPosture),
        today: posture_svc::today().to_string(),
        tlp: TLP,
        max_mib: MAX_EVIDENCE_BYTES >> 20,
        l: user.layout("posture-evidence", "posture", notice(user.lang, &n.notice)),
    }))
}

/// `POST /posture/evidence` (multipart).
pub async fn evidence_upload(
    State(state): State<AppState>,
    user: UiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let (meta, content) = read_upload(multipart).await.map_err(|(status, message)| {
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::Page(
                ServiceError::Invalid(Invalid {
                    field: "file",
                    reason: "is too large",
                    code: "err-too-large",
                }),
                user.lang,
            )
        } else {
            AppError::BadRequest {
                message,
                lang: user.lang,
            }
        }
    })?;
    evidence_svc::upload(user.ctx(&state), &meta, content)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/posture/evidence?notice=created").into_response())
}

/// `GET /posture/evidence/{id}`: the file, as an attachment.
pub async fn evidence_download(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let (e, bytes) = evidence_svc::download(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(attachment(&e, bytes))
}

/// `GET /posture/evidence.csv`.
pub async fn evidence_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let files = evidence_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let rows = files
        .into_iter()
        .map(|e| {
            vec![
                e.id,
                e.filename,
                e.content_type,
                e.size.to_string(),
                e.sha256,
                e.collected_on,
                e.effective_from.unwrap_or_default(),
                e.effective_to.unwrap_or_default(),
                e.owner,
                e.tlp,
                e.retention_until.unwrap_or_default(),
                e.supersedes.unwrap_or_default(),
            ]
        })
        .collect();
    Ok(csv(
        "evidence.csv",
        &[
            "id",
            "filename",
            "content_type",
            "size",
            "sha256",
            "collected_on",
            "effective_from",
            "effective_to",
            "owner",
            "tlp",
            "retention_until",
            "supersedes",
        ],
        rows,
    ))
}

/// `GET /posture/risks`.
pub async fn risks(
    State(state): State<AppState>,
    user: UiUser,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let list = risks_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let me = user.info.actor.org_id.clone();
    Ok(render(&RisksPage {
        risks: list
            .into_iter()
            .map(|r| {
                let own = r.org_id == me;
                (r, own)
            })
            .collect(),
        can_edit: user.info.actor.can(Permission::EditPosture),
        treatments: TREATMENTS,
        today: posture_svc::today().to_string(),
        l: user.layout("posture-risks", "posture", notice(user.lang, &n.notice)),
    }))
}

/// The risk form.
#[derive(Debug, Deserialize)]
pub struct RiskForm {
    title: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    requirement_id: String,
    inherent_likelihood: String,
    inherent_impact: String,
    residual_likelihood: String,
    residual_impact: String,
    owner: String,
    treatment: String,
    review_on: String,
}

impl RiskForm {
    fn input(self) -> Result<RiskInput, ServiceError> {
        let n = |field: &'static str, raw: &str| parse(field, raw, |s| s.parse::<i64>().ok());
        Ok(RiskInput {
            inherent_likelihood: n("inherent_likelihood", &self.inherent_likelihood)?,
            inherent_impact: n("inherent_impact", &self.inherent_impact)?,
            residual_likelihood: n("residual_likelihood", &self.residual_likelihood)?,
            residual_impact: n("residual_impact", &self.residual_impact)?,
            title: self.title,
            asset: Some(self.asset),
            requirement_id: Some(self.requirement_id),
            owner: self.owner,
            treatment: self.treatment,
            review_on: self.review_on,
        })
    }
}

/// `POST /posture/risks`.
pub async fn risk_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<RiskForm>,
) -> PageResult {
    let input = f.input().map_err(user.err())?;
    risks_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/posture/risks?notice=created").into_response())
}

/// `POST /posture/risks/{id}`.
pub async fn risk_update(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<RiskForm>,
) -> PageResult {
    let input = f.input().map_err(user.err())?;
    risks_svc::update(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/posture/risks?notice=saved").into_response())
}

/// `GET /posture/risks.csv`.
pub async fn risks_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let list = risks_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let rows = list
        .into_iter()
        .map(|r| {
            let f = r.fields;
            vec![
                r.id,
                f.title,
                f.asset.unwrap_or_default(),
                f.requirement_id.unwrap_or_default(),
                f.inherent_likelihood.to_string(),
                f.inherent_impact.to_string(),
                f.residual_likelihood.to_string(),
                f.residual_impact.to_string(),
                f.owner,
                f.treatment,
                f.review_on,
            ]
        })
        .collect();
    Ok(csv(
        "risks.csv",
        &[
            "id",
            "title",
            "asset",
            "requirement",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
            "owner",
            "treatment",
            "review_on",
        ],
        rows,
    ))
}

/// Findings page query (pre-fills the create form).
#[derive(Debug, Deserialize, Default)]
pub struct FindingsQuery {
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    notice: String,
}

/// `GET /posture/findings`.
pub async fn findings(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<FindingsQuery>,
) -> PageResult {
    let (list, owners) = findings_svc::page(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&FindingsPage {
        rows: finding_rows(lang, &list, now_us()),
        can_edit: user.info.actor.can(Permission::EditPosture),
        owners: owners.into_iter().collect(),
        assessment: q.assessment.clone(),
        requirement: q.requirement.clone(),
        severities: ["low", "medium", "high", "critical"]
            .iter()
            .map(|s| ((*s).to_owned(), label(lang, "severity", s)))
            .collect(),
        l: user.layout("posture-findings", "posture", notice(lang, &q.notice)),
    }))
}

/// The new finding form.
#[derive(Debug, Deserialize)]
pub struct FindingForm {
    title: String,
    #[serde(default)]
    description: String,
    severity: String,
    #[serde(default)]
    requirement_ids: String,
    owner_user: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    assessment_id: String,
}

/// `POST /posture/findings`.
pub async fn finding_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FindingForm>,
) -> PageResult {
    let input = FindingInput {
        title: f.title,
        description: f.description,
        severity: parse(
            "severity",
            &f.severity,
            deltawall_store::findings::parse_code::<Severity>,
        )
        .map_err(user.err())?,
        requirement_ids: f
            .requirement_ids
            .split([',', ' '])
            .map(str::to_owned)
            .collect(),
        owner_user: f.owner_user,
        due_on: Some(f.due_on),
        assessment_id: Some(f.assessment_id),
    };
    let id = findings_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=created")).into_response())
}

/// `GET /posture/findings.csv`.
pub async fn findings_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let list = findings_svc::list(user.ctx(&state), false)
        .await
        .map_err(user.err())?;
    let now = now_us();
    let rows = list
        .iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.title.clone(),
                deltawall_store::findings::code_of(&f.finding.severity),
                deltawall_store::findings::code_of(&f.finding.state),
                f.requirement_ids.join(" "),
                f.due_on.clone().unwrap_or_default(),
                findings_svc::overdue(f, now).to_string(),
            ]
        })
        .collect();
    Ok(csv(
        "findings.csv",
        &[
            "id",
            "title",
            "severity",
            "state",
            "requirements",
            "due_on",
            "overdue",
        ],
        rows,
    ))
}

/// `GET /posture/findings/{id}`.
pub async fn finding(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let v = findings_svc::view(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let l = user.layout("posture-finding", "posture", notice(user.lang, &n.notice));
    let names = v.names.clone();
    let name = move |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    Ok(render(&finding_page(l, &v, now_us(), &name)))
}

/// `POST /posture/findings/{id}/transition`.
pub async fn transition(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<CommandInput>,
) -> PageResult {
    findings_svc::transition(user.ctx(&state), &id, &f)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=saved")).into_response())
}

/// `POST /posture/findings/{id}/milestones`.
pub async fn milestone_create(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<MilestoneInput>,
) -> PageResult {
    findings_svc::add_milestone(user.ctx(&state), &id, &f)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=created")).into_response())
}

/// `POST /posture/findings/{id}/milestones/{milestone}/done`.
pub async fn milestone_done(
    State(state): State<AppState>,
    user: UiUser,
    Path((id, milestone)): Path<(String, String)>,
    UiForm(_): UiForm<EmptyForm>,
) -> PageResult {
    findings_svc::complete_milestone(user.ctx(&state), &id, &milestone)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=saved")).into_response())
}

/// `GET /posture/group`.
pub async fn group(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::group(user.ctx(&state)).await.map_err(user.err())?;
    let (heads, lines) = group_lines(user.lang, &r);
    Ok(render(&GroupPage {
        heads,
        lines,
        l: user.layout("posture-group", "posture", None),
    }))
}

/// `GET /posture/group.csv`: one row per company and element.
pub async fn group_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::group(user.ctx(&state)).await.map_err(user.err())?;
    let mut rows = Vec::new();
    for c in &r.companies {
        for e in &r.elements {
            let p = c.progress.iter().find(|p| p.section_id == e.id);
            rows.push(vec![
                c.org_id.clone(),
                c.name_en.clone(),
                c.assessment
                    .as_ref()
                    .map(|a| a.as_of.clone())
                    .unwrap_or_default(),
                e.id.clone(),
                p.map_or(0, |p| p.total).to_string(),
                p.map_or(0, |p| p.answered).to_string(),
                p.map_or(0, |p| p.met).to_string(),
                maturity(p.and_then(|p| p.maturity_x100)),
                c.open_by_element
                    .get(&e.id)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ]);
        }
    }
    Ok(csv(
        "group.csv",
        &[
            "org_id",
            "company",
            "as_of",
            "element",
            "total",
            "answered",
            "met",
            "maturity",
            "open_findings",
        ],
        rows,
    ))
}

/// `GET /posture/report`.
pub async fn report(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let l = user.layout("posture-report", "posture", None);
    Ok(render(&report_page(l, &r, now_us())))
}

/// Which table of the report to export.
#[derive(Debug, Deserialize)]
pub struct ReportCsvQuery {
    table: String,
}

/// `GET /posture/report.csv?table=elements|maturity|open|overdue|expiring`.
pub async fn report_csv(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ReportCsvQuery>,
) -> PageResult {
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let findings = |list: &[deltawall_store::findings::StoredFinding]| -> Vec<Vec<String>> {
        list.iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.title.clone(),
                    deltawall_store::findings::code_of(&f.finding.severity),
                    deltawall_store::findings::code_of(&f.finding.state),
                    f.due_on.clone().unwrap_or_default(),
                    f.finding
                        .acceptance
                        .as_ref()
                        .map(|a| crate::views::format_time(a.expires_at_us))
                        .unwrap_or_default(),
                ]
            })
            .collect()
    };
    let finding_head = [
        "id",
        "title",
        "severity",
        "state",
        "due_on",
        "acceptance_expires",
    ];
    Ok(match q.table.as_str() {
        "elements" => {
            let rows = r
                .elements
                .iter()
                .map(|e| {
                    let p = r.progress.iter().find(|p| p.section_id == e.id);
                    vec![
                        e.id.clone(),
                        e.title.en.clone(),
                        p.map_or(0, |p| p.total).to_string(),
                        p.map_or(0, |p| p.answered).to_string(),
                        p.map_or(0, |p| p.met).to_string(),
                        p.map_or(0, |p| p.partial).to_string(),
                        p.map_or(0, |p| p.not_met).to_string(),
                        maturity(p.and_then(|p| p.maturity_x100)),
                        r.open_by_element
                            .get(&e.id)
                            .copied()
                            .unwrap_or(0)
                            .to_string(),
                    ]
                })
                .collect();
            csv(
                "report-elements.csv",
                &[
                    "element",
                    "title",
                    "total",
                    "answered",
                    "met",
                    "partial",
                    "not_met",
                    "maturity",
                    "open_findings",
                ],
                rows,
            )
        }
        "maturity" => csv(
            "report-maturity.csv",
            &["assessment", "as_of", "cycle", "maturity"],
            r.maturity
                .iter()
                .map(|m| {
                    vec![
                        m.assessment_id.clone(),
                        m.as_of.clone(),
                        m.cycle.to_string(),
                        maturity(m.maturity_x100),
                    ]
                })
                .collect(),
        ),
        "open" => csv("report-open.csv", &finding_head, findings(&r.open)),
        "overdue" => csv("report-overdue.csv", &finding_head, findings(&r.overdue)),
        "expiring" => csv("report-expiring.csv", &finding_head, findings(&r.expiring)),
        _ => {
            return Err(AppError::BadRequest {
                message: "table: not one of elements, maturity, open, overdue, expiring".into(),
                lang: user.lang,
            });
        }
    })
}
