//! The JSON API of incident cases and regulator reports under `/api/v1/incidents/…`.
//! Handlers extract, call `deltawall_app::incidents` and map the result; the clock is the
//! configuration's.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser, Query};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use deltawall_app::incidents::cases::{self, CaseInput, CommandInput};
use deltawall_app::incidents::reports::{self, DecisionInput, ReviewInput, SubmitInput};
use deltawall_app::incidents::share::{self, PreventionInput, ShareInput, ShareOutcome};
use deltawall_app::incidents::work::{self, CaseDetail, CustomerInput, ObservableInput, TaskInput};
use deltawall_app::paging::PageRequest;
use deltawall_store::incidents::cases::StoredCase;
use deltawall_store::incidents::reports::StoredSubmission;
use serde::Serialize;
use utoipa::ToSchema;

type ApiResult<T> = Result<T, AppError>;

/// The incident paths and schemas, merged into the API document (`openapi.rs`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        open,
        list,
        detail,
        command,
        task,
        customer,
        observable,
        submit,
        not_reporting,
        reports_list,
        report,
        review,
        crate::incidents::board::api,
        crate::incidents::rooms::api::declare,
        crate::incidents::rooms::api::list,
        crate::incidents::rooms::api::get,
        crate::incidents::rooms::api::messages,
        crate::incidents::rooms::api::statuses,
        crate::incidents::rooms::api::post,
        crate::incidents::rooms::api::status,
        crate::incidents::rooms::api::link,
        crate::incidents::rooms::api::close
    ),
    components(schemas(
        CreatedDto,
        CaseInput,
        deltawall_app::incidents::cases::ServiceInput,
        CommandInput,
        TaskInput,
        CustomerInput,
        ObservableInput,
        SubmitInput,
        DecisionInput,
        ReviewInput,
        deltawall_app::incidents::board::Board,
        deltawall_app::incidents::board::BoardRow,
        deltawall_app::incidents::board::DueReport,
        deltawall_app::incidents::rooms::RoomInput,
        deltawall_app::incidents::rooms::MessageInput,
        deltawall_app::incidents::rooms::StatusInput,
        deltawall_app::incidents::rooms::LinkInput,
        deltawall_app::incidents::rooms::RoomView
    ))
)]
pub struct IncidentApiDoc;

/// The id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    /// Id.
    pub id: String,
}

fn created(id: String) -> (StatusCode, Json<CreatedDto>) {
    (StatusCode::CREATED, Json(CreatedDto { id }))
}

/// Opens a case for the caller's institution, linking its own detections.
#[utoipa::path(post, path = "/api/v1/incidents/cases", tag = "incidents", request_body = CaseInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = cases::open(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(created(id))
}

/// Cases the caller may read: its institution's, or those in the supervisor's reach; open
/// ones first; one page, the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/incidents/cases", tag = "incidents", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = cases::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json::<StoredCase>(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// A case with its timeline, tasks, customer log, observables, clocks and reports.
#[utoipa::path(get, path = "/api/v1/incidents/cases/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetail>> {
    let d = work::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(d))
}

/// Changes a case from the version read: enter a phase, record a milestone, recategorise, note.
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/commands", tag = "incidents", params(("id" = String, Path)), request_body = CommandInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn command(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CommandInput>,
) -> ApiResult<StatusCode> {
    cases::change(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a task with an owner and a due day.
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/tasks", tag = "incidents", params(("id" = String, Path)), request_body = TaskInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TaskInput>,
) -> ApiResult<StatusCode> {
    work::add_task(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Logs customer inquiries of a day or a notice published.
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/customer", tag = "incidents", params(("id" = String, Path)), request_body = CustomerInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn customer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CustomerInput>,
) -> ApiResult<StatusCode> {
    work::log_customer(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records an observable (an account is kept but never shareable).
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/observables", tag = "incidents", params(("id" = String, Path)), request_body = ObservableInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn observable(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ObservableInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let oid = work::add_observable(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(created(oid))
}

/// Submits a report stage, attested by the submitting executive.
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/reports", tag = "incidents", params(("id" = String, Path)), request_body = SubmitInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SubmitInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let rid = reports::submit(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(created(rid))
}

/// Records an executive's decision not to report under a regime, with its reason.
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/not-reporting", tag = "incidents", params(("id" = String, Path)), request_body = DecisionInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn not_reporting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<StatusCode> {
    reports::decide_not_to_report(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Report submissions the caller may read (the supervisor: those in its reach), pending
/// first, one page at a time; `Link: rel="next"` addresses the next page.
#[utoipa::path(get, path = "/api/v1/incidents/reports", tag = "incidents", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reports_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = reports::list(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json::<StoredSubmission>(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// One report submission.
#[utoipa::path(get, path = "/api/v1/incidents/reports/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredSubmission>> {
    let s = reports::get(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(s))
}

/// The supervisor accepts a pending submission or returns it with a reason.
#[utoipa::path(post, path = "/api/v1/incidents/reports/{id}/review", tag = "incidents", params(("id" = String, Path)), request_body = ReviewInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> ApiResult<StatusCode> {
    reports::review(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Promotes observables to STIX indicators with a TLP marking and adds them to a collection
/// (the TAXII add path: the caller needs a write grant on it).
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/share", tag = "incidents", params(("id" = String, Path)), request_body = ShareInput,
    responses((status = 202, body = ShareOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn share_back(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ShareInput>,
) -> ApiResult<(StatusCode, Json<ShareOutcome>)> {
    let max = state.config.max_body_bytes;
    let out = share::share(user.ctx(&state), &state.config.clock, &id, &input, max)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::ACCEPTED, Json(out)))
}

/// Raises a recurrence-prevention action as the institution's posture finding.
#[utoipa::path(post, path = "/api/v1/incidents/cases/{id}/prevention", tag = "incidents", params(("id" = String, Path)), request_body = PreventionInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn prevention(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PreventionInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let fid = share::prevent(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(created(fid))
}
