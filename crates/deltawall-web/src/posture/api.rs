//! The posture JSON API under `/api/v1/posture`: assessments and their answers, evidence,
//! the risk register, findings and their transitions, and the two reports. Handlers
//! extract, call `service::{posture, evidence, risks, findings, report}` and map results.

use crate::error::{AppError, ErrorBody, ServiceError};
use crate::http::{ApiJson, ApiUser, Query};
use crate::router::AppState;
use axum::Json;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::posture::assessments::{self as posture_svc, AnswerInput, AssessmentInput};
use deltawall_app::posture::evidence::{self as evidence_svc, EvidenceMeta};
use deltawall_app::posture::findings::{
    self as findings_svc, CommandInput, FindingInput, MilestoneInput,
};
use deltawall_app::posture::report;
use deltawall_app::posture::risks::{self as risks_svc, RiskInput};
use deltawall_store::assessments::{Assessment, Revision};
use deltawall_store::evidence::Evidence;
use deltawall_store::findings::{StoredFinding, code_of};
use deltawall_store::risks::Risk;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<T, AppError>;

fn json_err(e: ServiceError) -> AppError {
    AppError::Json(e)
}

/// An assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDto {
    /// Id.
    pub id: String,
    /// Institution id.
    pub org_id: String,
    /// Institution name (English).
    pub org_name: String,
    /// `self`, `internal_audit` or `tlpt`.
    pub kind: String,
    /// Scope.
    pub scope: String,
    /// As-of day.
    pub as_of: String,
    /// Cycle number.
    pub cycle: i64,
    /// Previous cycle's assessment.
    pub previous_id: Option<String>,
    /// `draft` or `submitted`.
    pub status: String,
    /// Created, Unix µs.
    pub created_at: i64,
}

impl From<Assessment> for AssessmentDto {
    fn from(a: Assessment) -> Self {
        AssessmentDto {
            id: a.id,
            org_id: a.org_id,
            org_name: a.org_name_en,
            kind: a.kind.code().into(),
            scope: a.scope,
            as_of: a.as_of,
            cycle: a.cycle,
            previous_id: a.previous_id,
            status: a.status.code().into(),
            created_at: a.created_at,
        }
    }
}

/// One revision of a requirement's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDto {
    /// Requirement id.
    pub requirement_id: String,
    /// Revision number.
    pub revision: i64,
    /// `met`, `partial`, `not_met` or `not_applicable`.
    pub result: String,
    /// Why not applicable.
    pub justification: Option<String>,
    /// Maturity level.
    pub maturity: Option<u8>,
    /// Rationale.
    pub rationale: String,
    /// `low`, `medium` or `high`.
    pub confidence: String,
    /// Evidence ids.
    pub evidence: Vec<String>,
    /// Carried from the previous cycle and not yet reviewed.
    pub carried: bool,
    /// Who answered.
    pub answered_by: String,
    /// Who reviewed.
    pub reviewed_by: Option<String>,
    /// Recorded, Unix µs.
    pub recorded_at: i64,
}

impl From<Revision> for RevisionDto {
    fn from(r: Revision) -> Self {
        RevisionDto {
            requirement_id: r.requirement_id,
            revision: r.revision,
            result: r.answer.outcome.code().into(),
            justification: r.answer.justification,
            maturity: r.answer.maturity,
            rationale: r.answer.rationale,
            confidence: r.answer.confidence.code().into(),
            evidence: r.answer.evidence,
            carried: r.carried,
            answered_by: r.answered_by,
            reviewed_by: r.reviewed_by,
            recorded_at: r.recorded_at,
        }
    }
}

/// An assessment with its results as of a day, progress by element and changes against
/// the previous cycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDetailDto {
    /// The assessment.
    pub assessment: AssessmentDto,
    /// The instant results are read at, Unix µs.
    pub as_of_us: i64,
    /// Latest revision of each answered requirement.
    pub results: Vec<RevisionDto>,
    /// Progress by element.
    #[schema(value_type = Vec<Object>)]
    pub progress: Vec<deltawall_domain::posture::ElementProgress>,
    /// Per requirement: `carried`, `confirmed`, `changed` or `new`.
    pub changes: Vec<(String, posture_svc::Change)>,
}

/// An evidence file's description.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    /// Id.
    pub id: String,
    /// File name.
    pub filename: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256.
    pub sha256: String,
    /// Collected on.
    pub collected_on: String,
    /// Effective from.
    pub effective_from: Option<String>,
    /// Effective to.
    pub effective_to: Option<String>,
    /// Owner.
    pub owner: String,
    /// TLP label.
    pub tlp: String,
    /// Keep until.
    pub retention_until: Option<String>,
    /// Replaces.
    pub supersedes: Option<String>,
    /// Uploaded, Unix µs.
    pub created_at: i64,
}

impl From<Evidence> for EvidenceDto {
    fn from(e: Evidence) -> Self {
        EvidenceDto {
            id: e.id,
            filename: e.filename,
            content_type: e.content_type,
            size: e.size,
            sha256: e.sha256,
            collected_on: e.collected_on,
            effective_from: e.effective_from,
            effective_to: e.effective_to,
            owner: e.owner,
            tlp: e.tlp,
            retention_until: e.retention_until,
            supersedes: e.supersedes,
            created_at: e.created_at,
        }
    }
}

/// A risk.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskDto {
    /// Id.
    pub id: String,
    /// Institution.
    pub org_id: String,
    /// Title.
    pub title: String,
    /// Asset.
    pub asset: Option<String>,
    /// Requirement.
    pub requirement_id: Option<String>,
    /// Inherent likelihood × impact.
    pub inherent: [i64; 2],
    /// Residual likelihood × impact.
    pub residual: [i64; 2],
    /// Owner.
    pub owner: String,
    /// Treatment.
    pub treatment: String,
    /// Next review.
    pub review_on: String,
}

impl From<Risk> for RiskDto {
    fn from(r: Risk) -> Self {
        let f = r.fields;
        RiskDto {
            id: r.id,
            org_id: r.org_id,
            title: f.title,
            asset: f.asset,
            requirement_id: f.requirement_id,
            inherent: [f.inherent_likelihood, f.inherent_impact],
            residual: [f.residual_likelihood, f.residual_impact],
            owner: f.owner,
            treatment: f.treatment,
            review_on: f.review_on,
        }
    }
}

/// A finding.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    /// Id.
    pub id: String,
    /// Institution.
    pub org_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: String,
    /// State.
    pub state: String,
    /// Requirements.
    pub requirement_ids: Vec<String>,
    /// Owner (user id).
    pub owner_user: String,
    /// Due.
    pub due_on: Option<String>,
    /// Originating assessment.
    pub origin_ref: Option<String>,
    /// History: `[at_us, actor, from, to]` per accepted command.
    pub history: Vec<(i64, String, String, String)>,
}

impl From<StoredFinding> for FindingDto {
    fn from(f: StoredFinding) -> Self {
        let d = &f.finding;
        FindingDto {
            severity: code_of(&d.severity),
            state: code_of(&d.state),
            owner_user: d.owner.user_id.clone(),
            history: d
                .history
                .iter()
                .map(|e| {
                    (
                        e.at_us,
                        e.actor.user_id.clone(),
                        code_of(&e.from),
                        code_of(&e.to),
                    )
                })
                .collect(),
            id: f.id,
            org_id: f.org_id,
            title: f.title,
            description: f.description,
            requirement_ids: f.requirement_ids,
            due_on: f.due_on,
            origin_ref: f.origin_ref,
        }
    }
}

/// A finding with its plan and the commands the caller may apply now.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDetailDto {
    /// The finding.
    pub finding: FindingDto,
    /// Milestones: `[id, title, owner, due_on, done_at]`.
    pub milestones: Vec<(String, String, String, String, Option<i64>)>,
    /// Commands the caller may apply now.
    pub allowed: Vec<String>,
    /// `none`, `owner`, `management` or `executive`.
    pub escalation: String,
}

/// The new state after a command.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateDto {
    /// State code.
    pub state: String,
}

/// An id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    /// Id.
    pub id: String,
}

/// As-of day for reading results.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// `YYYY-MM-DD`: results as reported at the end of that day (Japan time).
    pub as_of: Option<String>,
}

/// Requirement filter for history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Only this requirement.
    pub requirement: Option<String>,
}

/// Finding list filter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// Only open findings.
    #[serde(default)]
    pub open: bool,
    /// The cursor of the next page (from the previous answer's `Link: rel="next"`).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (100 when absent).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of a list as the API answers it: the rows as a JSON array, and when there are more
/// a `Link` header with `rel="next"` (RFC 8288) whose address keeps the query's filters.
fn paged<T: Serialize, U: Into<T>>(
    uri: &axum::http::Uri,
    page: deltawall_store::keyset::KeysetPage<U>,
) -> Response {
    let rows: Vec<T> = page.items.into_iter().map(Into::into).collect();
    crate::layout::paged_json(uri, rows, page.next.as_deref())
}

/// The built-in catalog.
#[utoipa::path(get, path = "/api/v1/posture/catalog", tag = "posture",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn catalog(State(state): State<AppState>, _user: ApiUser) -> ApiResult<Response> {
    let (_, c) = posture_svc::builtin_catalog(&state.store)
        .await
        .map_err(json_err)?;
    Ok(Json(c).into_response())
}

/// Assessments visible to the caller.
#[utoipa::path(get, path = "/api/v1/posture/assessments", tag = "posture", params(PageRequest),
    responses((status = 200, body = Vec<AssessmentDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assessments(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = posture_svc::page(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    Ok(paged::<AssessmentDto, _>(&uri, page))
}

/// Starts an assessment (a new cycle when `previous_id` is given).
#[utoipa::path(post, path = "/api/v1/posture/assessments", tag = "posture", request_body = AssessmentInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assessment_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<AssessmentInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = posture_svc::create(user.ctx(&state), &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One assessment with its results as of a day.
#[utoipa::path(get, path = "/api/v1/posture/assessments/{id}", tag = "posture", params(("id" = String, Path), AsOfQuery),
    responses((status = 200, body = AssessmentDetailDto), (status = 404, body = ErrorBody)))]
pub async fn assessment_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> ApiResult<Json<AssessmentDetailDto>> {
    let as_of = q
        .as_of
        .as_deref()
        .map(|d| deltawall_app::time::date("as_of", d))
        .transpose()
        .map_err(json_err)?;
    let v = posture_svc::view(user.ctx(&state), &id, as_of)
        .await
        .map_err(json_err)?;
    Ok(Json(AssessmentDetailDto {
        assessment: v.assessment.into(),
        as_of_us: v.as_of_us,
        results: v.latest.into_iter().map(Into::into).collect(),
        progress: v.progress,
        changes: v.changes,
    }))
}

/// Records an answer (a new revision) in a draft.
#[utoipa::path(post, path = "/api/v1/posture/assessments/{id}/answers", tag = "posture", params(("id" = String, Path)), request_body = AnswerInput,
    responses((status = 201, body = i64), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AnswerInput>,
) -> ApiResult<(StatusCode, Json<i64>)> {
    let rev = posture_svc::answer(user.ctx(&state), &id, &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(rev)))
}

/// Every revision of an assessment's answers.
#[utoipa::path(get, path = "/api/v1/posture/assessments/{id}/history", tag = "posture", params(("id" = String, Path), HistoryQuery),
    responses((status = 200, body = Vec<RevisionDto>), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<Vec<RevisionDto>>> {
    let list = posture_svc::history(user.ctx(&state), &id, q.requirement.as_deref())
        .await
        .map_err(json_err)?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Submits a draft assessment.
#[utoipa::path(post, path = "/api/v1/posture/assessments/{id}/submit", tag = "posture", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    posture_svc::submit(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's institution's evidence.
#[utoipa::path(get, path = "/api/v1/posture/evidence", tag = "posture", params(PageRequest),
    responses((status = 200, body = Vec<EvidenceDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evidence_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = evidence_svc::page(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    Ok(paged::<EvidenceDto, _>(&uri, page))
}

/// Reads a multipart upload: a `file` part and text parts named after [`EvidenceMeta`]'s
/// fields. Errors name the part at fault.
pub async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(EvidenceMeta, Vec<u8>), (StatusCode, String)> {
    let mut mp = multipart.map_err(|r| (r.status(), r.body_text()))?;
    let mut meta = EvidenceMeta::default();
    let mut content = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| (e.status(), e.body_text()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let at = |e: axum::extract::multipart::MultipartError| {
            (e.status(), format!("part `{name}`: {}", e.body_text()))
        };
        if name == "file" {
            meta.filename = field.file_name().unwrap_or("").to_owned();
            meta.content_type = field.content_type().unwrap_or("").to_owned();
            content = field.bytes().await.map_err(at)?.to_vec();
            continue;
        }
        let value = field.text().await.map_err(at)?;
        let slot = match name.as_str() {
            "collected_on" => &mut meta.collected_on,
            "effective_from" => &mut meta.effective_from,
            "effective_to" => &mut meta.effective_to,
            "owner" => &mut meta.owner,
            "tlp" => &mut meta.tlp,
            "retention_until" => &mut meta.retention_until,
            "supersedes" => &mut meta.supersedes,
            _ => {
                return Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("unknown part `{name}`"),
                ));
            }
        };
        *slot = value;
    }
    Ok((meta, content))
}

/// Uploads an evidence file (multipart: `file`, `collected_on`, `owner`, `tlp`, optional
/// `effective_from`, `effective_to`, `retention_until`, `supersedes`). At most 8 MiB.
#[utoipa::path(post, path = "/api/v1/posture/evidence", tag = "posture",
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evidence_upload(
    State(state): State<AppState>,
    user: ApiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let (meta, content) = read_upload(multipart)
        .await
        .map_err(|(status, message)| AppError::Status { status, message })?;
    let id = evidence_svc::upload(user.ctx(&state), &meta, content)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Serves an evidence file as an attachment that the browser never renders.
pub fn attachment(e: &Evidence, bytes: Vec<u8>) -> Response {
    let name: String = e
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-evidence-sha256"),
                e.sha256.clone(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Downloads one evidence file of the caller's institution.
#[utoipa::path(get, path = "/api/v1/posture/evidence/{id}", tag = "posture", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn evidence_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (e, bytes) = evidence_svc::download(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(attachment(&e, bytes))
}

/// The risk register visible to the caller.
#[utoipa::path(get, path = "/api/v1/posture/risks", tag = "posture", params(PageRequest),
    responses((status = 200, body = Vec<RiskDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn risks(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = risks_svc::page(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    Ok(paged::<RiskDto, _>(&uri, page))
}

/// Registers a risk.
#[utoipa::path(post, path = "/api/v1/posture/risks", tag = "posture", request_body = RiskInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn risk_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RiskInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = risks_svc::create(user.ctx(&state), &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Changes a risk.
#[utoipa::path(put, path = "/api/v1/posture/risks/{id}", tag = "posture", params(("id" = String, Path)), request_body = RiskInput,
    responses((status = 200, body = RiskDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn risk_update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RiskInput>,
) -> ApiResult<Json<RiskDto>> {
    let ctx = user.ctx(&state);
    risks_svc::update(ctx, &id, &input)
        .await
        .map_err(json_err)?;
    Ok(Json(
        risks_svc::get(ctx, &id).await.map_err(json_err)?.into(),
    ))
}

/// Findings visible to the caller.
#[utoipa::path(get, path = "/api/v1/posture/findings", tag = "posture", params(FindingQuery),
    responses((status = 200, body = Vec<FindingDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn findings(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Response> {
    let req = PageRequest {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let page = findings_svc::list_page(user.ctx(&state), q.open, &req)
        .await
        .map_err(json_err)?;
    Ok(paged::<FindingDto, _>(&uri, page))
}

/// Creates a draft finding.
#[utoipa::path(post, path = "/api/v1/posture/findings", tag = "posture", request_body = FindingInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn finding_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<FindingInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = findings_svc::create(user.ctx(&state), &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One finding with its plan and allowed commands.
#[utoipa::path(get, path = "/api/v1/posture/findings/{id}", tag = "posture", params(("id" = String, Path)),
    responses((status = 200, body = FindingDetailDto), (status = 404, body = ErrorBody)))]
pub async fn finding_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<FindingDetailDto>> {
    let v = findings_svc::view(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(Json(FindingDetailDto {
        milestones: v
            .milestones
            .into_iter()
            .map(|m| {
                (
                    m.id,
                    m.milestone.title,
                    m.milestone.owner,
                    m.due_on,
                    m.milestone.done_us,
                )
            })
            .collect(),
        allowed: v.allowed.iter().map(|s| (*s).to_owned()).collect(),
        escalation: code_of(&v.escalation),
        finding: v.stored.into(),
    }))
}

/// Applies a command to a finding; an illegal one is a 409 with the domain's reason.
#[utoipa::path(post, path = "/api/v1/posture/findings/{id}/transitions", tag = "posture", params(("id" = String, Path)), request_body = CommandInput,
    responses((status = 200, body = StateDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CommandInput>,
) -> ApiResult<Json<StateDto>> {
    let s = findings_svc::transition(user.ctx(&state), &id, &input)
        .await
        .map_err(json_err)?;
    Ok(Json(StateDto { state: code_of(&s) }))
}

/// Adds a remediation milestone.
#[utoipa::path(post, path = "/api/v1/posture/findings/{id}/milestones", tag = "posture", params(("id" = String, Path)), request_body = MilestoneInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn milestone_create(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MilestoneInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let mid = findings_svc::add_milestone(user.ctx(&state), &id, &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: mid })))
}

/// Marks a milestone done.
#[utoipa::path(post, path = "/api/v1/posture/findings/{id}/milestones/{milestone}/done", tag = "posture",
    params(("id" = String, Path), ("milestone" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn milestone_done(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, milestone)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    findings_svc::complete_milestone(user.ctx(&state), &id, &milestone)
        .await
        .map_err(json_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The management report of the caller's institution.
#[utoipa::path(get, path = "/api/v1/posture/report", tag = "posture",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn management_report(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Response> {
    let r = report::management_at(user.ctx(&state), state.config.clock.now_us())
        .await
        .map_err(json_err)?;
    Ok(Json(r).into_response())
}

/// The group roll-up of a holding company.
#[utoipa::path(get, path = "/api/v1/posture/group", tag = "posture",
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn group_report(State(state): State<AppState>, user: ApiUser) -> ApiResult<Response> {
    let r = report::group(user.ctx(&state)).await.map_err(json_err)?;
    Ok(Json(r).into_response())
}
