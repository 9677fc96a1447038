//! The JSON API of coordination rooms (`/api/v1/coordination/rooms…`), merged into the
//! OpenAPI document through `IncidentApiDoc`.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser};
use crate::incidents::api::CreatedDto;
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use deltawall_app::incidents::rooms::{
    self, LinkInput, MessageInput, RoomInput, RoomView, StatusInput,
};
use deltawall_app::paging::PageRequest;

type ApiResult<T> = Result<T, AppError>;

/// Declares a large incident and opens its coordination room (supervisory staff).
#[utoipa::path(post, path = "/api/v1/coordination/rooms", tag = "incidents", request_body = RoomInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RoomInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = rooms::declare(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// The rooms the caller's organisation is a member of or declared, open ones first; one
/// page, the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/coordination/rooms", tag = "incidents", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = rooms::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// A room with its members, status board (each member's latest report), linked cases and
/// the newest page of its relay messages (members only); older messages are at
/// `…/messages?cursor=` with `messages_next`.
#[utoipa::path(get, path = "/api/v1/coordination/rooms/{id}", tag = "incidents", params(("id" = String, Path), PageRequest),
    responses((status = 200, body = RoomView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    Query(q): Query<PageRequest>,
) -> ApiResult<Json<RoomView>> {
    let v = rooms::get(user.ctx(&state), &id, &q)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(v))
}

/// A room's relay messages, newest first (members only); one page, the older ones in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/coordination/rooms/{id}/messages", tag = "incidents", params(("id" = String, Path), PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = rooms::messages(user.ctx(&state), &id, &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// A room's status history, every report newest first (members only); one page, the older
/// ones in `Link: rel="next"`. The room's own answer holds each member's latest only.
#[utoipa::path(get, path = "/api/v1/coordination/rooms/{id}/statuses", tag = "incidents", params(("id" = String, Path), PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn statuses(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let h = rooms::status_history(user.ctx(&state), &id, &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json(
        &uri,
        h.page.items,
        h.page.next.as_deref(),
    ))
}

/// Relays a message with its TLP marking to the room's members.
#[utoipa::path(post, path = "/api/v1/coordination/rooms/{id}/messages", tag = "incidents", params(("id" = String, Path)), request_body = MessageInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> ApiResult<StatusCode> {
    rooms::post(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reports where the caller's organisation stands (members).
#[utoipa::path(post, path = "/api/v1/coordination/rooms/{id}/status", tag = "incidents", params(("id" = String, Path)), request_body = StatusInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> ApiResult<StatusCode> {
    rooms::report(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Links one of the caller's institution's cases to the room.
#[utoipa::path(post, path = "/api/v1/coordination/rooms/{id}/cases", tag = "incidents", params(("id" = String, Path)), request_body = LinkInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LinkInput>,
) -> ApiResult<StatusCode> {
    rooms::link(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes the room (the declaring supervisor); it stays readable, never writable.
#[utoipa::path(post, path = "/api/v1/coordination/rooms/{id}/close", tag = "incidents", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    rooms::close(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}
