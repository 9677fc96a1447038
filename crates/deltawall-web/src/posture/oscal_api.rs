//! The JSON API of catalogs, OSCAL import and export, mapping sets and pre-fill, under
//! `/api/v1/posture/…`. Handlers extract, call `service::{catalogs, mappings,
//! oscal_export, posture}` and map results.

use crate::error::{AppError, ErrorBody, ServiceError};
use crate::http::{ApiJson, ApiUser, Query};
use crate::posture::api::CreatedDto;
use crate::posture::ui::{IMPORT_PARTS, MAPPING_PARTS, import_input, mapping_input, read_parts};
use crate::router::AppState;
use axum::Json;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::posture::catalogs as catalogs_svc;
use deltawall_app::posture::mappings::{self as mappings_svc, PrefillOutcome};
use deltawall_app::posture::{assessments as posture_svc, oscal_export};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, AppError>;

fn json_err(e: ServiceError) -> AppError {
    AppError::Json(e)
}

/// A catalog edition.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogDto {
    /// Row id (use as `catalog_id`).
    pub id: String,
    /// The catalog's key, shared by its editions.
    pub key: String,
    /// Edition.
    pub version: String,
    /// SHA-256 of the stored content.
    pub fingerprint: String,
    /// Seen by every tenant.
    pub public: bool,
    /// The built-in catalog.
    pub builtin: bool,
    /// Title in Japanese (may be blank for a catalog imported in English only).
    pub title_ja: String,
    /// Title in English (may be blank for a catalog written in Japanese only).
    pub title_en: String,
    /// How many requirements the edition has.
    pub requirements: i64,
}

impl From<catalogs_svc::Listed> for CatalogDto {
    fn from(l: catalogs_svc::Listed) -> Self {
        CatalogDto {
            id: l.catalog.id,
            key: l.catalog.key,
            version: l.catalog.version,
            fingerprint: l.catalog.fingerprint,
            public: l.public,
            builtin: l.builtin,
            title_ja: l.catalog.title.ja,
            title_en: l.catalog.title.en,
            requirements: l.catalog.requirements,
        }
    }
}

/// The outcome of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedDto {
    /// Row id of the edition.
    pub id: String,
    /// Key.
    pub key: String,
    /// Edition.
    pub version: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Stored now (false: the same content was already stored).
    pub inserted: bool,
}

/// A mapping set.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingSetDto {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The *from* edition.
    pub from_catalog: String,
    /// The *to* edition.
    pub to_catalog: String,
    /// Provenance.
    pub provenance: String,
    /// Seen by every tenant.
    pub public: bool,
    /// Number of entries.
    pub entries: i64,
}

impl From<deltawall_store::mappings::MappingSet> for MappingSetDto {
    fn from(m: deltawall_store::mappings::MappingSet) -> Self {
        MappingSetDto {
            public: m.owner_org.is_none(),
            id: m.id,
            title: m.title,
            from_catalog: m.from_catalog,
            to_catalog: m.to_catalog,
            provenance: m.provenance,
            entries: m.entries,
        }
    }
}

/// One mapping entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingEntryDto {
    /// Requirement in the *from* edition.
    pub from: String,
    /// Requirement in the *to* edition.
    pub to: String,
    /// `equal`, `subset`, `superset` or `intersects`.
    pub relationship: String,
    /// 0 to 10.
    pub strength: u8,
    /// Why.
    pub rationale: String,
}

/// A mapping set with its entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingDetailDto {
    /// The set.
    pub set: MappingSetDto,
    /// Entries, in order.
    pub entries: Vec<MappingEntryDto>,
}

/// Which edition the built-in mapping leads into.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuiltinInput {
    /// A stored NIST SP 800-53 rev5 edition (row id).
    pub to_catalog: String,
}

/// A mapping set to pre-fill through.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefillInput {
    /// Mapping set id.
    pub mapping_set_id: String,
}

/// A requirement whose carried or derived answer is confirmed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// Requirement id.
    pub requirement_id: String,
}

fn upload_error((status, message): (StatusCode, String)) -> AppError {
    AppError::Status { status, message }
}

/// Catalog editions visible to the caller: the built-in one, public imports, and the
/// caller's institution's own imports.
/// Oldest first; one page, the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/posture/catalogs", tag = "posture", params(PageRequest),
    responses((status = 200, body = Vec<CatalogDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn catalogs(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = catalogs_svc::page(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    let rows: Vec<CatalogDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Imports an OSCAL catalog, or a profile with the catalog it imports (multipart: `file`,
/// optional `kind` = `catalog`|`profile`, `catalog` for a profile, `key`). Institution
/// administrators import for their institution only, supervisor administrators for every
/// tenant. At most 16 MiB per document; a refusal names the JSON path, line and column.
#[utoipa::path(post, path = "/api/v1/posture/catalogs", tag = "posture",
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = ImportedDto), (status = 200, body = ImportedDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn catalog_import(
    State(state): State<AppState>,
    user: ApiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<ImportedDto>)> {
    let parts = read_parts(multipart, IMPORT_PARTS)
        .await
        .map_err(upload_error)?;
    let done = catalogs_svc::import(user.ctx(&state), &import_input(&parts))
        .await
        .map_err(json_err)?;
    let status = if done.inserted {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let c = done.catalog;
    Ok((
        status,
        Json(ImportedDto {
            id: c.id,
            key: c.key,
            version: c.version,
            fingerprint: c.fingerprint,
            inserted: done.inserted,
        }),
    ))
}

/// One catalog edition's document.
#[utoipa::path(get, path = "/api/v1/posture/catalogs/{id}", tag = "posture", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn catalog_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (_, doc) = catalogs_svc::get(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(Json(doc).into_response())
}

/// Mapping sets visible to the caller, newest first; one page, the next in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/posture/mappings", tag = "posture", params(PageRequest),
    responses((status = 200, body = Vec<MappingSetDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mappings(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = mappings_svc::page(user.ctx(&state), &q)
        .await
        .map_err(json_err)?;
    let rows: Vec<MappingSetDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Imports a mapping set from CSV (multipart: `title`, `from_catalog`, `to_catalog`,
/// `provenance`, `file` with columns `from,to,relationship,strength,rationale`).
#[utoipa::path(post, path = "/api/v1/posture/mappings", tag = "posture",
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mapping_import(
    State(state): State<AppState>,
    user: ApiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let parts = read_parts(multipart, MAPPING_PARTS)
        .await
        .map_err(upload_error)?;
    let id = mappings_svc::import(user.ctx(&state), &mapping_input(&parts))
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Stores the built-in FSA 2020 → NIST SP 800-53 rev5 mapping for a stored SP 800-53
/// rev5 edition.
#[utoipa::path(post, path = "/api/v1/posture/mappings/builtin", tag = "posture", request_body = BuiltinInput,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mapping_builtin(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<BuiltinInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = mappings_svc::install_builtin(user.ctx(&state), &input.to_catalog)
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One mapping set with its entries.
#[utoipa::path(get, path = "/api/v1/posture/mappings/{id}", tag = "posture", params(("id" = String, Path)),
    responses((status = 200, body = MappingDetailDto), (status = 404, body = ErrorBody)))]
pub async fn mapping_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<MappingDetailDto>> {
    let v = mappings_svc::get(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(Json(MappingDetailDto {
        entries: v
            .entries
            .into_iter()
            .map(|e| MappingEntryDto {
                relationship: e.relationship.code().to_owned(),
                from: e.from,
                to: e.to,
                strength: e.strength,
                rationale: e.rationale,
            })
            .collect(),
        set: v.set.into(),
    }))
}

/// Pre-fills a draft through a mapping set from the institution's latest assessment
/// against the set's source catalog: `equal` carries every result, `superset` only met;
/// `subset` and `intersects` come back as suggestions. Answers are marked derived.
#[utoipa::path(post, path = "/api/v1/posture/assessments/{id}/prefill", tag = "posture", params(("id" = String, Path)), request_body = PrefillInput,
    responses((status = 200, body = PrefillOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn prefill(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PrefillInput>,
) -> ApiResult<Json<PrefillOutcome>> {
    let out = mappings_svc::prefill(user.ctx(&state), &id, &input.mapping_set_id)
        .await
        .map_err(json_err)?;
    Ok(Json(out))
}

/// Confirms a carried or derived answer unchanged (a new revision by the caller).
#[utoipa::path(post, path = "/api/v1/posture/assessments/{id}/confirm", tag = "posture", params(("id" = String, Path)), request_body = ConfirmInput,
    responses((status = 201, body = i64), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> ApiResult<(StatusCode, Json<i64>)> {
    let rev = posture_svc::confirm(user.ctx(&state), &id, input.requirement_id.trim())
        .await
        .map_err(json_err)?;
    Ok((StatusCode::CREATED, Json(rev)))
}

/// The assessment as OSCAL 1.1 assessment-results JSON.
#[utoipa::path(get, path = "/api/v1/posture/assessments/{id}/oscal/assessment-results", tag = "posture", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn oscal_results(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let doc = oscal_export::assessment_results(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(Json(doc))
}

/// The assessment's findings as an OSCAL 1.1 plan of action and milestones (POA&M).
#[utoipa::path(get, path = "/api/v1/posture/assessments/{id}/oscal/poam", tag = "posture", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn oscal_poam(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let doc = oscal_export::poam(user.ctx(&state), &id)
        .await
        .map_err(json_err)?;
    Ok(Json(doc))
}
