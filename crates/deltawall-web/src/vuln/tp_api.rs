//! `/api/v1/vulnerabilities/contracts…` and `/api/v1/vulnerabilities/sector`: an
//! institution's outsourcing and cloud contracts (their clause gaps raised as findings) and
//! the supervisor's k-anonymous roll-up. Handlers extract, call `deltawall_app::vuln` and map.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use deltawall_app::paging::PageRequest;
use deltawall_app::vuln::{
    self, ContractCreated, ContractInput, RaisedGap, Sector, SectorFigures, SectorRow,
};
use deltawall_store::vuln::Contract;

type ApiResult<T> = Result<T, AppError>;

/// The institution's contracts with their clause gaps, newest first; one page, the next in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/contracts", tag = "vulnerabilities", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn contracts(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = vuln::contracts_page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(crate::layout::paged_json(
        &uri,
        page.items,
        page.next.as_deref(),
    ))
}

/// Records a contract; each missing or weak clause is raised as a posture finding.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/contracts", tag = "vulnerabilities",
    request_body = ContractInput,
    responses((status = 201, body = ContractCreated), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_contract(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ContractInput>,
) -> ApiResult<(StatusCode, Json<ContractCreated>)> {
    let c = vuln::add_contract(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// One contract with its checklist, matrix and gaps.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/contracts/{id}", tag = "vulnerabilities",
    params(("id" = String, Path, description = "Contract id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn contract(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Contract>> {
    let c = vuln::contract(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(c))
}

/// The supervisor's roll-up for the institutions in reach, k-anonymous.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/sector", tag = "vulnerabilities",
    responses((status = 200, body = Sector), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sector(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<Sector>> {
    let s = vuln::sector(user.ctx(&state), &state.config.clock)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(s))
}

/// The third-party part of the OpenAPI document, merged into it by `openapi::document`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(contracts, add_contract, contract, sector),
    components(schemas(
        ContractInput,
        ContractCreated,
        RaisedGap,
        Sector,
        SectorRow,
        SectorFigures
    ))
)]
pub(crate) struct VulnTpDoc;
