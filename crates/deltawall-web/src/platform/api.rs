//! The JSON API under `/api/v1`. Callers authenticate with a bearer API token (or a browser
//! session). Every handler extracts, calls the service and maps the result; errors use the
//! envelope of [`crate::error::ErrorBody`].

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiJson, ApiUser, Query};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use deltawall_app::paging::PageRequest;
use deltawall_app::platform::account::StepUp;
use deltawall_app::platform::{audit, orgs, tokens, users};
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_store::audit::AuditFilter;
use deltawall_store::orgs::OrgFilter;
use deltawall_store::records::{Organisation, User};
use deltawall_store::tokens::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<T, AppError>;

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDto {
    /// Id.
    pub id: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Kind code.
    pub kind: String,
    /// Business type code.
    pub business_type: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Parent organisation id.
    pub parent_id: Option<String>,
    /// Active.
    pub active: bool,
}

impl From<Organisation> for OrgDto {
    fn from(o: Organisation) -> Self {
        OrgDto {
            id: o.id,
            name_ja: o.name_ja,
            name_en: o.name_en,
            kind: o.kind.code().into(),
            business_type: o.business_type.map(|b| b.code().into()),
            region: o.region.map(|r| r.code().into()),
            parent_id: o.parent_id,
            active: o.active,
        }
    }
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: String,
    /// Organisation id.
    pub org_id: String,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Active.
    pub active: bool,
    /// Second factor enabled.
    pub totp_enabled: bool,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        UserDto {
            id: u.id,
            org_id: u.org_id,
            login: u.login,
            display_name: u.display_name,
            role: u.role.code().into(),
            active: u.active,
            totp_enabled: u.totp_enabled,
        }
    }
}

/// An API token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// First characters.
    pub prefix: String,
    /// `read` or `write`.
    pub scope: String,
    /// Expires, Unix µs.
    pub expires_at: i64,
    /// Revoked, Unix µs.
    pub revoked_at: Option<i64>,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        TokenDto {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scope: t.scope.code().into(),
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A newly issued token: the secret is returned once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenDto {
    /// Id.
    pub id: String,
    /// The token, to send as `Authorization: Bearer …`.
    pub token: String,
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    /// Sequence number.
    pub seq: i64,
    /// Time, Unix µs.
    pub at_us: i64,
    /// Acting user id.
    pub actor_user: Option<String>,
    /// Organisation id.
    pub org_id: Option<String>,
    /// Action code.
    pub action: String,
    /// Object kind.
    pub object_type: String,
    /// Object id.
    pub object_id: Option<String>,
    /// Summary of the change.
    pub summary: serde_json::Value,
    /// Hash of this entry in the chain.
    pub hash: String,
}

impl From<deltawall_domain::audit::AuditEntry> for AuditDto {
    fn from(e: deltawall_domain::audit::AuditEntry) -> Self {
        AuditDto {
            seq: e.seq,
            at_us: e.at_us,
            actor_user: e.actor_user,
            org_id: e.org_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            summary: e.summary,
            hash: e.hash,
        }
    }
}

/// Filters for organisations.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrgListQuery {
    /// Kind code.
    #[param(value_type = Option<String>)]
    pub kind: Option<OrgKind>,
    /// Business type code.
    #[param(value_type = Option<String>)]
    pub business_type: Option<BusinessType>,
    /// Region code.
    #[param(value_type = Option<String>)]
    pub region: Option<Region>,
    /// Name contains.
    pub q: Option<String>,
    /// The cursor from the previous page's `Link: rel="next"`; absent for the first page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (100 when absent).
    pub limit: Option<i64>,
}

/// The signed-in principal.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// The user.
    pub user: UserDto,
    /// Kind of the user's organisation.
    pub org_kind: String,
    /// Token scope when authenticated by a token.
    pub token_scope: Option<String>,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn me(user: ApiUser) -> Json<MeDto> {
    let a = &user.info.actor;
    Json(MeDto {
        org_kind: a.org_kind.code().into(),
        token_scope: a.token_scope.map(|s| s.code().into()),
        user: user.info.user.into(),
    })
}

/// Organisations visible to the caller by kind and Japanese name, one page at a time; a
/// `Link` header with `rel="next"` addresses the next page and keeps the filters.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "organisations", params(OrgListQuery),
    responses((status = 200, body = Vec<OrgDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn orgs_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<OrgListQuery>,
) -> ApiResult<axum::response::Response> {
    let filter = OrgFilter {
        kind: q.kind,
        business_type: q.business_type,
        region: q.region,
        parent_id: None,
        text: q.q,
    };
    let req = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    let page = orgs::page(user.ctx(&state), &filter, &req)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<OrgDto> = page.items.into_iter().map(OrgDto::from).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "organisations", params(("id" = String, Path)),
    responses((status = 200, body = OrgDto), (status = 404, body = ErrorBody)))]
pub async fn org_get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrgDto>> {
    let d = orgs::get(user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(d.org.into()))
}

/// Registers an organisation (supervisor administrators).
#[utoipa::path(post, path = "/api/v1/orgs", tag = "organisations", request_body = orgs::OrgInput,
    responses((status = 201, body = OrgDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn org_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<orgs::OrgInput>,
) -> ApiResult<(StatusCode, Json<OrgDto>)> {
    let ctx = user.ctx(&state);
    let id = orgs::create(ctx, &input).await.map_err(AppError::Json)?;
    let d = orgs::get(ctx, &id).await.map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(d.org.into())))
}

/// Edits an organisation.
#[utoipa::path(put, path = "/api/v1/orgs/{id}", tag = "organisations", params(("id" = String, Path)), request_body = orgs::OrgInput,
    responses((status = 200, body = OrgDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn org_update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<orgs::OrgInput>,
) -> ApiResult<Json<OrgDto>> {
    let ctx = user.ctx(&state);
    orgs::update(ctx, &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(
        orgs::get(ctx, &id)
            .await
            .map_err(AppError::Json)?
            .org
            .into(),
    ))
}

/// Records a time-bound attribute of an institution.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/attributes", tag = "organisations", params(("id" = String, Path)), request_body = orgs::AttributeInput,
    responses((status = 201, body = String), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn org_attribute(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<orgs::AttributeInput>,
) -> ApiResult<(StatusCode, Json<String>)> {
    let attr = orgs::set_attribute(user.ctx(&state), &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(attr)))
}

/// Users of an organisation by login name, one page at a time; a `Link` header with
/// `rel="next"` addresses the next page.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/users", tag = "users", params(("id" = String, Path), PageRequest),
    responses((status = 200, body = Vec<UserDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn users_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    Query(req): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = users::page(user.ctx(&state), &id, &req)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<UserDto> = page.items.into_iter().map(UserDto::from).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Creates a user in an organisation.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/users", tag = "users", params(("id" = String, Path)), request_body = users::UserInput,
    responses((status = 201, body = String), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn user_create(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<users::UserInput>,
) -> ApiResult<(StatusCode, Json<String>)> {
    let new = users::create(user.ctx(&state), &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(new)))
}

/// Changes a user's role or activation.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), request_body = users::UserChange,
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn user_change(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<users::UserChange>,
) -> ApiResult<Json<UserDto>> {
    Ok(Json(
        users::change(user.ctx(&state), &id, &change)
            .await
            .map_err(AppError::Json)?
            .into(),
    ))
}

/// The organisation's API tokens, newest first; one page, the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(PageRequest),
    responses((status = 200, body = Vec<TokenDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tokens_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = tokens::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<TokenDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Issues an API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = tokens::TokenInput,
    responses((status = 201, body = NewTokenDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn token_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<tokens::TokenInput>,
) -> ApiResult<(StatusCode, Json<NewTokenDto>)> {
    let (id, token) = tokens::issue(user.ctx(&state), &state.config.throttle, &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(NewTokenDto { id, token })))
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    request_body(content = StepUp, description = "the step-up: current password or TOTP code"),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn token_revoke(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    // The step-up rides in an optional JSON body; none at all is a missing proof (422).
    let proof: StepUp = if body.is_empty() {
        StepUp::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::Status {
            status: StatusCode::BAD_REQUEST,
            message: format!("body: {e}"),
        })?
    };
    tokens::revoke(user.ctx(&state), &state.config.throttle, &id, &proof)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Audit log filters and the page asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Action code prefix, e.g. `login.`.
    pub action: Option<String>,
    /// The cursor from the previous page's `Link: rel="next"`; absent for the first page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 500 (100 when absent).
    pub limit: Option<i64>,
}

/// The audit trail visible to the caller, newest first, one page at a time; a `Link` header
/// with `rel="next"` addresses the next page and keeps the filter.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn audit_list(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<AuditQuery>,
) -> ApiResult<axum::response::Response> {
    let filter = AuditFilter {
        action_prefix: q.action,
        org_id: None,
    };
    let req = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    let page = audit::page(user.ctx(&state), &filter, &req)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<AuditDto> = page.items.into_iter().map(AuditDto::from).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}
