//! The exercise JSON API under `/api/v1/exercises/editions…` and `/api/v1/contingency-plans`:
//! each edition with its tracks, the injects visible to the caller (through the store's
//! `injects_for`), participants, responses and status; its evaluation and sector feedback;
//! and the commands of design, play and evaluation. Its own OpenAPI part, merged into the
//! document by `openapi.rs`.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use deltawall_app::exercises::design::{self, EditionInput, EnrolInput, TrackInput};
use deltawall_app::exercises::evaluation::{
    self, Accepted, EvaluationView, MeasureInput, ObservationInput, RatingInput, SelfInput,
};
use deltawall_app::exercises::plans::{self, PlanInput, PlanTestInput};
use deltawall_app::exercises::play::{self, EditionView, ResponseInput};
use deltawall_app::paging::PageRequest;
use deltawall_domain::exercise::evaluation::FeedbackLine;
use deltawall_store::exercises::roster::Listed;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

type ApiResult<T> = Result<T, AppError>;

/// An id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    /// Id.
    pub id: String,
}

/// A schedule to import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// The schedule as CSV.
    pub schedule_csv: String,
}

/// A clock command.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockInput {
    /// `start`, `pause` or `resume`.
    pub command: String,
}

/// An inject to release now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// The inject code.
    pub inject: String,
}

/// The new plan version's number.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// The version.
    pub version: u32,
}

/// An edition as listed: names, day, organiser, end time, and how the caller takes part.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditionDto {
    /// The exercise id.
    pub exercise_id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The day it is held, `YYYY-MM-DD`.
    pub held_on: String,
    /// The organising organisation.
    pub organiser: String,
    /// When it closes (Unix µs).
    pub end_at_us: i64,
    /// The caller's track, when its organisation plays; null for the organiser.
    pub track: Option<String>,
}

impl From<Listed> for EditionDto {
    fn from(l: Listed) -> Self {
        EditionDto {
            exercise_id: l.exercise_id,
            name_ja: l.name_ja,
            name_en: l.name_en,
            held_on: l.held_on,
            organiser: l.organiser,
            end_at_us: l.end_at_us,
            track: l.track,
        }
    }
}

/// Editions the caller's organisation organises or plays, newest first; one page, the next
/// in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/exercises/editions", tag = "exercises", params(PageRequest),
    responses((status = 200, body = Vec<EditionDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = play::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<EditionDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Creates an edition organised by the caller's organisation.
#[utoipa::path(post, path = "/api/v1/exercises/editions", tag = "exercises", request_body = EditionInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<EditionInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = design::create(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One edition as the caller may see it: tracks, visible injects, participants, responses,
/// status. The organiser's view of unreleased injects is audited.
#[utoipa::path(get, path = "/api/v1/exercises/editions/{id}", tag = "exercises",
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EditionView>> {
    let v = play::view(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(v))
}

/// Replaces the schedule from CSV before the clock starts (the organiser).
#[utoipa::path(put, path = "/api/v1/exercises/editions/{id}/schedule", tag = "exercises", request_body = ScheduleInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> ApiResult<StatusCode> {
    design::import_schedule(user.ctx(&state), &id, &input.schedule_csv)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrols an institution on a track (the organiser).
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/enrol", tag = "exercises", request_body = EnrolInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EnrolInput>,
) -> ApiResult<StatusCode> {
    design::enrol(user.ctx(&state), &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts, pauses or resumes the exercise clock (the organiser).
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/clock", tag = "exercises", request_body = ClockInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn clock(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ClockInput>,
) -> ApiResult<StatusCode> {
    play::command(user.ctx(&state), &state.config.clock, &id, &input.command)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Releases an inject now (the organiser).
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/releases", tag = "exercises", request_body = ReleaseInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReleaseInput>,
) -> ApiResult<StatusCode> {
    play::release(user.ctx(&state), &state.config.clock, &id, &input.inject)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a decision or notification of the caller's institution on a released inject.
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/responses", tag = "exercises", request_body = ResponseInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 201, body = CreatedDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn respond(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResponseInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = play::respond(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// The evaluation as the caller may see it (a participant: its own).
#[utoipa::path(get, path = "/api/v1/exercises/editions/{id}/evaluation", tag = "exercises",
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn evaluation_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EvaluationView>> {
    let v = evaluation::view(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(v))
}

/// The sector feedback: common issues and good practices shared by at least k institutions.
#[utoipa::path(get, path = "/api/v1/exercises/editions/{id}/feedback", tag = "exercises",
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<FeedbackLine>>> {
    let f = evaluation::sector_feedback(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(f))
}

/// The caller's institution assesses one criterion of its play (after the close).
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/self-assessments", tag = "exercises", request_body = SelfInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn self_assess(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SelfInput>,
) -> ApiResult<StatusCode> {
    evaluation::self_assess(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organiser rates one criterion of a participant (after the close).
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/ratings", tag = "exercises", request_body = RatingInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RatingInput>,
) -> ApiResult<StatusCode> {
    evaluation::rate(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organiser proposes an improvement measure to a participant (after the close).
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/measures", tag = "exercises", request_body = MeasureInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 201, body = CreatedDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MeasureInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = evaluation::propose(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// The organiser records a common issue or good practice seen at a participant.
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/observations", tag = "exercises", request_body = ObservationInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn observe(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ObservationInput>,
) -> ApiResult<StatusCode> {
    evaluation::observe(user.ctx(&state), &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's institution records that this exercise tested its latest plan version.
#[utoipa::path(post, path = "/api/v1/exercises/editions/{id}/plan-tests", tag = "exercises", request_body = PlanTestInput,
    params(("id" = String, Path, description = "Exercise id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_test(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PlanTestInput>,
) -> ApiResult<StatusCode> {
    plans::record_test(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's institution accepts one of its measures: a posture finding and a
/// contingency-plan revision task.
#[utoipa::path(post, path = "/api/v1/exercises/measures/{measure}/accept", tag = "exercises",
    params(("measure" = String, Path, description = "Measure id")),
    responses((status = 200, body = Accepted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    user: ApiUser,
    Path(measure): Path<String>,
) -> ApiResult<Json<Accepted>> {
    let a = evaluation::accept(user.ctx(&state), &measure)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(a))
}

/// The caller's institution declines one of its measures.
#[utoipa::path(post, path = "/api/v1/exercises/measures/{measure}/decline", tag = "exercises",
    params(("measure" = String, Path, description = "Measure id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    user: ApiUser,
    Path(measure): Path<String>,
) -> ApiResult<StatusCode> {
    evaluation::decline(user.ctx(&state), &measure)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The contingency plans within the caller's reach, a page holding whole institutions
/// (statuses, versions and revision tasks); the next page at `next` and in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/contingency-plans", tag = "exercises", params(PageRequest),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plans_get(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let p = plans::overview(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(AppError::Json)?;
    let link = crate::layout::next_link(&uri, p.next.as_deref());
    let mut resp = axum::response::IntoResponse::into_response(Json(p));
    if let Some(v) = link {
        resp.headers_mut().insert(axum::http::header::LINK, v);
    }
    Ok(resp)
}

/// Appends a version of the caller's institution's plan.
#[utoipa::path(post, path = "/api/v1/contingency-plans", tag = "exercises", request_body = PlanInput,
    responses((status = 201, body = VersionDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_add(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<PlanInput>,
) -> ApiResult<(StatusCode, Json<VersionDto>)> {
    let version = plans::add_version(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(VersionDto { version })))
}

/// The exercise part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        create,
        get,
        schedule,
        enrol,
        clock,
        release,
        respond,
        evaluation_get,
        feedback,
        self_assess,
        rate,
        propose,
        observe,
        plan_test,
        accept,
        decline,
        plans_get,
        plan_add,
    ),
    components(schemas(
        CreatedDto,
        EditionDto,
        ScheduleInput,
        ClockInput,
        ReleaseInput,
        VersionDto,
        EditionInput,
        TrackInput,
        EnrolInput,
        ResponseInput,
        SelfInput,
        RatingInput,
        MeasureInput,
        ObservationInput,
        PlanInput,
        PlanTestInput,
        Accepted,
    ))
)]
pub struct ExerciseApi;
