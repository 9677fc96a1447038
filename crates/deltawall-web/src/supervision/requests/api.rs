//! The JSON API of requests (要請): the supervisor's side under
//! `/api/v1/supervision/requests`, the institution's under `/api/v1/tasks`. Handlers
//! extract, call `deltawall_app::supervision::requests` and map the result; the clock is
//! the configuration's.

use crate::error::{AppError, ErrorBody, ServiceError};
use crate::http::{ApiJson, ApiUser, Query};
use crate::layout::paged_json;
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::dispatch::Matched;
use deltawall_app::supervision::requests::{
    self as requests, AnswersInput, DecisionInput, MyTask, RequestDetail, RequestInput,
    RequestSummary, TaskRow,
};
use deltawall_store::sup_requests::StoredRequest;
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) type ApiResult<T> = Result<T, AppError>;

pub(crate) fn json_err(e: ServiceError) -> AppError {
    AppError::Json(e)
}

/// The id of something sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentDto {
    /// Id.
    pub id: String,
}

/// One task as the supervisor reads it, with its request.
#[derive(Debug, Serialize)]
pub struct SupervisorTaskDto {
    /// The request.
    pub request: StoredRequest,
    /// The task (submitted answers only) and its status.
    pub task: TaskRow,
}

/// The institutions a population matches (nothing is sent).
#[utoipa::path(post, path = "/api/v1/supervision/requests/preview", tag = "supervision", request_body = RequestInput,
    responses((status = 200, body = Vec<Matched>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_preview(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<Json<Vec<Matched>>> {
    let m = requests::preview(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(json_err)?;
    Ok(Json(m))
}

/// Sends a request: one task per matched institution.
#[utoipa::path(post, path = "/api/v1/supervision/requests", tag = "supervision", request_body = RequestInput,
    responses((status = 201, body = SentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_send(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<(StatusCode, Json<SentDto>)> {
    let id = requests::send(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(SentDto { id })))
}

/// Requests within the supervisor's reach, newest first, with completion; one page, the
/// next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/supervision/requests", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = requests::page(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(json_err)?;
    Ok(paged_json::<RequestSummary>(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// A request: tasks within reach, completion by business type and region, before/after.
#[utoipa::path(get, path = "/api/v1/supervision/requests/{id}", tag = "supervision", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RequestDetail>> {
    let d = requests::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(json_err)?;
    Ok(Json(d))
}

/// One task: its submitted answers (never a draft) and status.
#[utoipa::path(get, path = "/api/v1/supervision/requests/{id}/tasks/{task}", tag = "supervision",
    params(("id" = String, Path), ("task" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_task(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, task)): Path<(String, String)>,
) -> ApiResult<Json<SupervisorTaskDto>> {
    let (request, task) =
        requests::task_for_supervisor(user.ctx(&state), &state.config.clock, &id, &task)
            .await
            .map_err(json_err)?;
    Ok(Json(SupervisorTaskDto { request, task }))
}

/// Accepts, returns (with a reason) or exempts (with a reason) a task.
#[utoipa::path(post, path = "/api/v1/supervision/requests/{id}/tasks/{task}/decision", tag = "supervision",
    params(("id" = String, Path), ("task" = String, Path)), request_body = DecisionInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn request_decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, task)): Path<(String, String)>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<StatusCode> {
    requests::decide(user.ctx(&state), &state.config.clock, &id, &task, &input)
        .await
        .map_err(json_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of the institution's tasks (newest request first) and the latest ten
/// reminders it was sent (`more_reminders` when there are older ones, all paged at
/// `/api/v1/tasks/reminders`); `next` and the `Link: rel="next"` header address the next
/// page of tasks.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tasks(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let i = requests::inbox(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(json_err)?;
    let link = crate::layout::next_link(&uri, i.next.as_deref());
    let mut resp = axum::response::IntoResponse::into_response(Json(i));
    if let Some(v) = link {
        resp.headers_mut().insert(axum::http::header::LINK, v);
    }
    Ok(resp)
}

/// One of the institution's tasks, with its draft.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "supervision", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn task_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<MyTask>> {
    let t = requests::my_task(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(json_err)?;
    Ok(Json(t))
}

/// Saves draft answers (starts the task on first save).
#[utoipa::path(put, path = "/api/v1/tasks/{id}/draft", tag = "supervision", params(("id" = String, Path)), request_body = AnswersInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task_draft(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AnswersInput>,
) -> ApiResult<StatusCode> {
    requests::save_draft(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(json_err)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Submits the answers with the calling executive's attestation.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/submit", tag = "supervision", params(("id" = String, Path)), request_body = AnswersInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task_submit(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AnswersInput>,
) -> ApiResult<StatusCode> {
    requests::submit(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(json_err)?;
    Ok(StatusCode::NO_CONTENT)
}
