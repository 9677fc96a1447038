//! `POST /api/v1/detections` (scan output in, JSON Lines or a JSON array),
//! `GET /api/v1/detections` (the caller's own, filtered and cursor-paged) and
//! `GET /api/v1/detections/groups` (their groups by rule and key, paged with a `Link`
//! header). Handlers extract, call `deltawall_app::detections` and map the result.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiUser, Query, header_str};
use crate::router::AppState;
use crate::supervision::requests::api::{ApiResult, json_err};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use deltawall_app::detections::{self as detections, IngestReport, ListPage, ListQuery};

/// The media types a batch may be sent as.
const BATCH_TYPES: &[&str] = &[
    "application/x-ndjson",
    "application/jsonl",
    "application/json",
];

/// The body as text, or why not: too large (413), not a batch media type (415), not UTF-8.
fn batch_text(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<String, AppError> {
    let media = header_str(headers, "content-type")
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !BATCH_TYPES.contains(&media.as_str()) {
        return Err(AppError::Status {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: format!("content-type: send {}", BATCH_TYPES.join(" or ")),
        });
    }
    let bytes = body.map_err(|r| AppError::Status {
        status: r.status(),
        message: r.body_text(),
    })?;
    String::from_utf8(bytes.to_vec()).map_err(|e| AppError::Status {
        status: StatusCode::BAD_REQUEST,
        message: format!("body: not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })
}

/// Receives scan alerts for the caller's institution (a token with write scope).
#[utoipa::path(post, path = "/api/v1/detections", tag = "detections",
    request_body(content = String, content_type = "application/x-ndjson",
        description = "The JSON Lines `deltawall scan` prints, or one JSON array of alert objects"),
    responses((status = 202, body = IngestReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn ingest(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<IngestReport>)> {
    let text = batch_text(&headers, body)?;
    let report = detections::ingest(user.ctx(&state), &text)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::ACCEPTED, Json(report)))
}

/// The caller's institution's detections, newest first; `next` is the cursor of the next page.
#[utoipa::path(get, path = "/api/v1/detections", tag = "detections", params(ListQuery),
    responses((status = 200, body = ListPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<ListPage>> {
    let page = detections::list(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    Ok(Json(page))
}

/// The groups by rule and key of the caller's institution's detections under the same
/// filters as `GET /api/v1/detections`, the most recently received first (objects with
/// `rule_key`, `title`, `group_key`, `total`, `new` and `latest` in Unix µs); one page,
/// the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/detections/groups", tag = "detections", params(ListQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn groups(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let page = detections::groups(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    Ok(crate::layout::paged_json(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// The detections part of the OpenAPI document, merged into it by `openapi::document`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(ingest, list, groups),
    components(schemas(IngestReport, ListPage)),
    tags((name = "detections", description = "Alerts of `deltawall scan` received by an institution"))
)]
pub(crate) struct DetectionsDoc;
