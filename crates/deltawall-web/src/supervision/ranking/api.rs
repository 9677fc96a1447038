//! The supervisor's JSON API under `/api/v1/supervision`: the risk ranking with its
//! reasons, the weights and their versions, and monitoring engagements. Handlers extract,
//! call `service::{sup_ranking, sup_engagements}` and map the results.

use crate::error::{AppError, ErrorBody, ServiceError};
use crate::http::{ApiJson, ApiUser, Query};
use crate::posture::api::{CreatedDto, StateDto};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::engagements::{
    self as eng_svc, CommandInput, IssueInput, PlanInput,
};
use deltawall_app::supervision::ranking::{self as rank_svc, RankingFilter, WeightsInput};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::validate::Invalid;
use deltawall_store::findings::code_of;
use deltawall_store::sup_engagements::{EngagementEventRow, StoredEngagement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<T, AppError>;

fn json_err(e: ServiceError) -> AppError {
    AppError::Json(e)
}

/// Ranking filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RankingParams {
    /// Only this business type (code).
    pub business_type: Option<String>,
    /// Only this region (code).
    pub region: Option<String>,
}

fn code_param<T>(
    field: &'static str,
    raw: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, ServiceError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => parse(r).map(Some).ok_or(ServiceError::Invalid(Invalid {
            field,
            reason: "is not a known value",
            code: "err-bad-request",
        })),
    }
}

/// One ranked institution.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankDto {
    /// Position, from 1.
    pub position: usize,
    /// Institution id.
    pub org_id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Business type code.
    pub business_type: String,
    /// Region code.
    pub region: String,
    /// Last monitored, `YYYY-MM-DD`.
    pub last_monitored: Option<String>,
    /// The score: the sum of the reasons' contributions.
    pub total: f64,
    /// Why: `{factor, observed, weight, contribution}` in a fixed order of factors.
    #[schema(value_type = Vec<Object>)]
    pub reasons: serde_json::Value,
}

/// The ranked list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDto {
    /// The day scored.
    pub today: String,
    /// The weights version that produced it.
    pub weights_version: u32,
    /// Rows, highest score first.
    pub rows: Vec<RankDto>,
}

/// The institutions in the caller's reach ranked by risk, each with its reasons.
#[utoipa::path(get, path = "/api/v1/supervision/ranking", tag = "supervision", params(RankingParams),
    responses((status = 200, body = RankingDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ranking(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<RankingParams>,
) -> ApiResult<Json<RankingDto>> {
    let filter = RankingFilter {
        business_type: code_param(
            "business_type",
            q.business_type.as_deref(),
            BusinessType::from_code,
        )
        .map_err(json_err)?,
        region: code_param("region", q.region.as_deref(), Region::from_code).map_err(json_err)?,
    };
    let r = rank_svc::ranking(user.ctx(&state), &state.config.clock, filter)
        .await
        .map_err(json_err)?;
    Ok(Json(RankingDto {
        today: r.today.to_string(),
        weights_version: r.weights.version,
        rows: r
            .rows
            .into_iter()
            .map(|row| RankDto {
                position: row.ranked.position,
                org_id: row.ranked.scored.org_id.clone(),
                name_ja: row.name_ja,
                name_en: row.name_en,
                business_type: row.business_type.code().into(),
                region: row.region.code().into(),
                last_monitored: row.last_monitored.map(|d| d.to_string()),
                total: row.ranked.scored.total,
                reasons: serde_json::to_value(&row.ranked.scored.reasons).unwrap_or_default(),
            })
            .collect(),
    }))
}

/// Every version of the score weights, oldest first (version 1 is stored on first use).
#[utoipa::path(get, path = "/api/v1/supervision/weights", tag = "supervision",
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub async fn weights(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<serde_json::Value>> {
    let list = rank_svc::weights_history(user.ctx(&state))
        .await
        .map_err(json_err)?;
    Ok(Json(serde_json::to_value(list).unwrap_or_default()))
}

/// A saved weights version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// The new version number.
    pub version: u32,
}

/// Saves a new version of the weights (FSA staff). A refused value names its field.
#[utoipa::path(post, path = "/api/v1/supervision/weights", tag = "supervision", request_body = WeightsInput,
    responses((status = 201, body = VersionDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn weights_save(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<WeightsInput>,
) -> ApiResult<(StatusCode, Json<VersionDto>)> {
    let version = rank_svc::save_weights(user.ctx(&state), &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(VersionDto { version })))
}

/// An engagement.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementDto {
    /// Id.
    pub id: String,
    /// Institution id.
    pub org_id: String,
    /// Institution name (English).
    pub org_name: String,
    /// `dialogue`, `questionnaire` or `on_site`.
    pub method: String,
    /// `planned`, `in_progress`, `completed` or `cancelled`.
    pub state: String,
    /// Planned day.
    pub planned_on: String,
    /// The domain engagement: viewpoints, notes, follow-ups and history.
    #[schema(value_type = Object)]
    pub engagement: serde_json::Value,
}

impl From<StoredEngagement> for EngagementDto {
    fn from(s: StoredEngagement) -> Self {
        EngagementDto {
            org_id: s.engagement.org_id.clone(),
            method: code_of(&s.engagement.method),
            state: code_of(&s.engagement.state),
            engagement: serde_json::to_value(&s.engagement).unwrap_or_default(),
            id: s.id,
            org_name: s.org_name_en,
            planned_on: s.planned_on,
        }
    }
}

/// Engagements in the caller's reach, latest planned day first; one page, the next in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/supervision/engagements", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<EngagementDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn engagements(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = eng_svc::page(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    let rows: Vec<EngagementDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Plans an engagement with an institution of the caller's reach.
#[utoipa::path(post, path = "/api/v1/supervision/engagements", tag = "supervision", request_body = PlanInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn engagement_plan(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<PlanInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = eng_svc::plan(user.ctx(&state), &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One history row.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementEventDto {
    /// Position, from 0 (the plan).
    pub seq: i64,
    /// When, Unix µs.
    pub at: i64,
    /// Who (user id).
    pub actor: String,
    /// What.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

impl From<EngagementEventRow> for EngagementEventDto {
    fn from(e: EngagementEventRow) -> Self {
        EngagementEventDto {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            event: e.event,
        }
    }
}

/// An engagement with its history and the findings issued from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementDetailDto {
    /// The engagement.
    pub engagement: EngagementDto,
    /// Its stored history.
    pub events: Vec<EngagementEventDto>,
    /// Ids of the findings issued from it.
    pub finding_ids: Vec<String>,
    /// Indexes of open follow-ups past their due date.
    pub overdue_follow_ups: Vec<usize>,
}

/// One engagement in the caller's reach.
#[utoipa::path(get, path = "/api/v1/supervision/engagements/{id}", tag = "supervision", params(("id" = String, Path)),
    responses((status = 200, body = EngagementDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn engagement_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EngagementDetailDto>> {
    let v = eng_svc::view(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(Json(EngagementDetailDto {
        finding_ids: v.findings.iter().map(|f| f.id.clone()).collect(),
        overdue_follow_ups: v.overdue,
        events: v.events.into_iter().map(Into::into).collect(),
        engagement: v.stored.into(),
    }))
}

/// Applies a command (start, note, follow_up, follow_up_done, complete, cancel).
#[utoipa::path(post, path = "/api/v1/supervision/engagements/{id}/commands", tag = "supervision", params(("id" = String, Path)), request_body = CommandInput,
    responses((status = 200, body = StateDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn engagement_command(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CommandInput>,
) -> ApiResult<Json<StateDto>> {
    let state = eng_svc::apply(user.ctx(&state), &id, &input)
        .await
        .map_err(json_err)?;
    Ok(Json(StateDto { state }))
}

/// Issues a finding to the engagement's institution (origin: supervisory monitoring).
#[utoipa::path(post, path = "/api/v1/supervision/engagements/{id}/findings", tag = "supervision", params(("id" = String, Path)), request_body = IssueInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn engagement_finding(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IssueInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = eng_svc::issue_finding(user.ctx(&state), &id, &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}
