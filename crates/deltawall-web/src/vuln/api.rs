//! `/api/v1/vulnerabilities…`: the scope, scanner imports (the file is the body, its format
//! named or detected), KEV and EPSS files, the findings list and a finding with its history,
//! decisions and their approval. Handlers extract, call `deltawall_app::vuln` and map.

use super::spool::spool;
use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser, Query};
use crate::router::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use deltawall_app::paging::PageRequest;
use deltawall_app::vuln::{
    self, AssetInput, DecisionInput, FindingDetail, ImportReport, ListPage, ListQuery, LoadReport,
    MAX_IMPORT_BYTES, Scope,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<T, AppError>;

fn bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|r| AppError::Status {
        status: r.status(),
        message: r.body_text(),
    })
}

/// Which asset a scan covers and, optionally, its format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The asset of the scope the scan covers.
    pub scope: String,
    /// `sarif`, `nessus`, `openvas`, `trivy`, `zap-xml`, `zap-json` or `prowler`; detected
    /// from the file when absent.
    #[serde(default)]
    pub format: Option<String>,
}

/// An id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// Id.
    pub id: String,
}

/// One page of the scope with each asset's coverage, and the coverage counts of the whole
/// scope; the next page at `next` and in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/scope", tag = "vulnerabilities", params(PageRequest),
    responses((status = 200, body = Scope), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn scope(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let s = vuln::scope_page(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(AppError::Json)?;
    let link = crate::layout::next_link(&uri, s.next.as_deref());
    let mut resp = axum::response::IntoResponse::into_response(Json(s));
    if let Some(v) = link {
        resp.headers_mut().insert(axum::http::header::LINK, v);
    }
    Ok(resp)
}

/// Adds an asset to the scope.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/scope", tag = "vulnerabilities",
    request_body = AssetInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_asset(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<AssetInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = vuln::add_asset(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Imports a scan of one asset: the file is the body, spooled to disk as it arrives (413
/// past the limit). Answers with the new, unchanged, resolved and reopened counts; a
/// refused file (its line and column or JSON pointer in the message) writes nothing.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/imports", tag = "vulnerabilities", params(ImportParams),
    request_body(content = String, content_type = "application/octet-stream",
        description = "SARIF 2.1.0, Nessus v2, OpenVAS XML, Trivy JSON, ZAP XML/JSON or Prowler OCSF JSON"),
    responses((status = 201, body = ImportReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: ApiUser,
    Query(p): Query<ImportParams>,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    let format = match p.format.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(vuln::parse_format(f).map_err(AppError::Json)?),
        None => None,
    };
    let dir = &state.config.data_dir;
    let file = spool(body.into_data_stream(), dir, MAX_IMPORT_BYTES, |_| {
        StatusCode::BAD_REQUEST
    })
    .await
    .map_err(|e| AppError::Status {
        status: e.status,
        message: e.message,
    })?;
    let clock = &state.config.clock;
    let report = vuln::import(user.ctx(&state), clock, &p.scope, format, file)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// Loads a CISA KEV catalog (JSON), replacing the one loaded before.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/kev", tag = "vulnerabilities",
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = LoadReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn kev(
    State(state): State<AppState>,
    user: ApiUser,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<LoadReport>> {
    let body = bytes(body)?;
    let r = vuln::load_kev(user.ctx(&state), &body)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(r))
}

/// Loads an EPSS scores file (CSV), replacing the one loaded before.
#[utoipa::path(post, path = "/api/v1/vulnerabilities/epss", tag = "vulnerabilities",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = LoadReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn epss(
    State(state): State<AppState>,
    user: ApiUser,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<LoadReport>> {
    let body = bytes(body)?;
    let r = vuln::load_epss(user.ctx(&state), &body)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(r))
}

/// The findings with their enrichment and clocks, newest first; `next` is the cursor of the
/// next page.
#[utoipa::path(get, path = "/api/v1/vulnerabilities", tag = "vulnerabilities", params(ListQuery, PageRequest),
    responses((status = 200, body = ListPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<ListQuery>,
    Query(page): Query<PageRequest>,
) -> ApiResult<Json<ListPage>> {
    let p = vuln::list(user.ctx(&state), &state.config.clock, &q, &page)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(p))
}

/// A finding with its clock, history and decisions.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/{id}", tag = "vulnerabilities",
    params(("id" = String, Path, description = "Finding id")),
    responses((status = 200, body = FindingDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<FindingDetail>> {
    let d = vuln::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(d))
}

/// Decides on a finding: fix or mitigate by a date, defer to a date, declare fixed, or ask
/// for the risk to be accepted until a date (approved by another executive).
#[utoipa::path(post, path = "/api/v1/vulnerabilities/{id}/decisions", tag = "vulnerabilities",
    params(("id" = String, Path, description = "Finding id")), request_body = DecisionInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let d = vuln::decide(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(Created { id: d.id })))
}

/// Approves a pending acceptance: an executive who did not ask for it (else 409).
#[utoipa::path(post, path = "/api/v1/vulnerabilities/{id}/decisions/{decision}/approve", tag = "vulnerabilities",
    params(("id" = String, Path, description = "Finding id"), ("decision" = String, Path, description = "Decision id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, decision)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    vuln::approve(user.ctx(&state), &state.config.clock, &id, &decision)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The vulnerabilities part of the OpenAPI document, merged into it by `openapi::document`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(scope, add_asset, import, kev, epss, list, detail, decide, approve),
    components(schemas(Scope, AssetInput, Created, ImportReport, LoadReport, ListPage, FindingDetail, DecisionInput)),
    tags((name = "vulnerabilities", description = "Vulnerability diagnosis: scope, scanner imports, findings, decisions"))
)]
pub(crate) struct VulnDoc;
