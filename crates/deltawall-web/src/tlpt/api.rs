//! The TLPT JSON API under `/api/v1/tlpt/engagements…` for machine clients: the list, one
//! engagement as the caller's role may see it, its commands through the gates (scenarios and
//! step outcomes among them), the share-safe attack chain and the engagement's layer. An
//! engagement the caller may not see answers exactly as an unknown id does. Its own OpenAPI
//! part, merged into the document by `openapi.rs`.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::tlpt::input::{ScenarioInput, StepInput};
use deltawall_app::tlpt::{self as svc, CommandInput, CreateInput, EngagementLine, EngagementView};
use deltawall_domain::tlpt::ShareSafeChain;
use serde::Serialize;
use utoipa::ToSchema;

type ApiResult<T> = Result<T, AppError>;

/// The TLPT paths and schemas.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, command, chain, layer),
    components(schemas(
        EngagementCreatedDto,
        EngagementLine,
        CreateInput,
        CommandInput,
        ScenarioInput,
        StepInput
    ))
)]
pub struct TlptApiDoc;

/// The id of a new engagement.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngagementCreatedDto {
    /// Id.
    pub id: String,
}

/// The engagements the caller plays a role in, and for a supervisor every engagement within
/// reach, each with its phase, due time and the caller's roles; newest first, one page, the
/// next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/tlpt/engagements", tag = "tlpt", operation_id = "tlpt_list", params(PageRequest),
    responses((status = 200, body = Vec<EngagementLine>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = svc::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// Starts an engagement of the caller's institution with the caller as its control lead.
#[utoipa::path(post, path = "/api/v1/tlpt/engagements", tag = "tlpt", operation_id = "tlpt_create", request_body = CreateInput,
    responses((status = 201, body = EngagementCreatedDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<CreateInput>,
) -> ApiResult<(StatusCode, Json<EngagementCreatedDto>)> {
    let id = svc::create(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(EngagementCreatedDto { id })))
}

/// One engagement as the caller's role may see it: the red team and the threat-intelligence
/// provider get the steps without outcomes, times, blue-team notes, gaps, findings and
/// history (`sees_blue` false); the gate of the phase says what it still needs.
#[utoipa::path(get, path = "/api/v1/tlpt/engagements/{id}", tag = "tlpt", operation_id = "tlpt_show", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EngagementView>> {
    let v = svc::view(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(v))
}

/// Applies a command of an engagement member: the domain decides whether the role and the
/// phase allow it (409 with the reason when not, e.g. what a gate still needs). Scenarios
/// and step outcomes are commands (`add_scenario`, `record_outcome`); passing the closure
/// gate raises each gap's finding.
#[utoipa::path(post, path = "/api/v1/tlpt/engagements/{id}/commands", tag = "tlpt", operation_id = "tlpt_command", params(("id" = String, Path)), request_body = CommandInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn command(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CommandInput>,
) -> ApiResult<StatusCode> {
    let c = input.into_command().map_err(AppError::Json)?;
    svc::command(user.ctx(&state), &id, c)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The share-safe attack chain: the scenarios' steps without the blue team's side.
#[utoipa::path(get, path = "/api/v1/tlpt/engagements/{id}/chain", tag = "tlpt", operation_id = "tlpt_chain", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn chain(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ShareSafeChain>> {
    let c = svc::export_chain(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(c))
}

/// The engagement's ATT&CK Navigator layer (format 4.5, validated), each technique coloured
/// and scored by its worst outcome; only for readers who see the blue side.
#[utoipa::path(get, path = "/api/v1/tlpt/engagements/{id}/layer", tag = "tlpt", operation_id = "tlpt_layer", params(("id" = String, Path)),
    responses((status = 200, description = "ATT&CK Navigator layer 4.5", content_type = "application/json", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn layer(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let v = svc::engagement_layer(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        v.layer.to_json(),
    )
        .into_response())
}
