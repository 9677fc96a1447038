//! The JSON API of alerts (注意喚起): the supervisor's side under
//! `/api/v1/supervision/alerts`, the institution's under `/api/v1/alerts`. Handlers extract,
//! call `deltawall_app::supervision::alerts` and map the result.

use crate::error::ErrorBody;
use crate::http::{ApiJson, ApiUser, Query};
use crate::layout::paged_json;
use crate::router::AppState;
use crate::supervision::requests::api::{ApiResult, SentDto, json_err};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::alerts::{
    self as alerts, AckInput, AlertDetail, AlertInput, MyAlert,
};
use deltawall_app::supervision::dispatch::Matched;

/// The institutions an alert's population matches (nothing is sent).
#[utoipa::path(post, path = "/api/v1/supervision/alerts/preview", tag = "supervision", request_body = AlertInput,
    responses((status = 200, body = Vec<Matched>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn alert_preview(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<AlertInput>,
) -> ApiResult<Json<Vec<Matched>>> {
    let m = alerts::preview(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(json_err)?;
    Ok(Json(m))
}

/// Sends an alert.
#[utoipa::path(post, path = "/api/v1/supervision/alerts", tag = "supervision", request_body = AlertInput,
    responses((status = 201, body = SentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn alert_send(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<AlertInput>,
) -> ApiResult<(StatusCode, Json<SentDto>)> {
    let id = alerts::send(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(SentDto { id })))
}

/// Alerts within the supervisor's reach, newest first, with their tracking; one page, the
/// next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/supervision/alerts", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn alert_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = alerts::page(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(json_err)?;
    Ok(paged_json::<AlertDetail>(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// One alert with its tracking (acknowledged, late, outstanding, overdue per institution).
#[utoipa::path(get, path = "/api/v1/supervision/alerts/{id}", tag = "supervision", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn alert_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertDetail>> {
    let d = alerts::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(json_err)?;
    Ok(Json(d))
}

/// The alerts sent to the caller's institution, newest first; one page, the next in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_alerts(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = alerts::my_alerts_page(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(json_err)?;
    Ok(paged_json(&uri, page.items, page.next.as_deref()))
}

/// One alert sent to the caller's institution, with its latest acknowledgement.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "supervision", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_alert(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<MyAlert>> {
    let a = alerts::my_alert(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(json_err)?;
    Ok(Json(a))
}

/// Acknowledges an alert and answers its checklist.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "supervision", params(("id" = String, Path)), request_body = AckInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn alert_ack(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AckInput>,
) -> ApiResult<StatusCode> {
    alerts::acknowledge(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(json_err)?;
    Ok(StatusCode::NO_CONTENT)
}
