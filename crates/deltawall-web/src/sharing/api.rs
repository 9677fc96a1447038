//! JSON API of TAXII trust groups: the caller's trust groups with their collections, paged
//! by a cursor (anyone signed in, each seeing only where it holds a grant); open an API
//! root (the ISAC, an incident council, the supervisor's alerts), add collections with
//! their grants, close a root: supervisor administrators and administrators of an
//! information sharing body only (checked in `deltawall_app::sharing::taxii`).

use crate::error::AppError;
use crate::http::{ApiJson, ApiUser, Query};
use crate::router::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use deltawall_app::paging::PageRequest;
use deltawall_app::sharing::taxii as sharing;
use deltawall_store::sharing::{ApiRoot, Collection, Grant, NewGrant};
use serde::{Deserialize, Serialize};

type ApiResult<T> = Result<T, AppError>;

/// A new API root.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RootInput {
    /// URL segment: lowercase letters, digits and `-`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `isac`, `council` or `alerts`.
    pub kind: String,
}

/// One grant of a new collection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// An organisation id, or `kind:<organisation kind>`.
    pub grantee: String,
    /// May read.
    #[serde(default)]
    pub can_read: bool,
    /// May add objects.
    #[serde(default)]
    pub can_write: bool,
    /// Counts as a recipient organisation for TLP:AMBER.
    #[serde(default)]
    pub recipient: bool,
}

/// A new collection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionInput {
    /// Title.
    pub title: String,
    /// Alias within the API root.
    #[serde(default)]
    pub alias: Option<String>,
    /// Who may do what.
    pub grants: Vec<GrantInput>,
}

/// The id of what was created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    /// Id.
    pub id: String,
}

/// A collection of a trust group with the caller's rights.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CollectionDto {
    /// Id (the TAXII collection id).
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Alias within the API root.
    pub alias: Option<String>,
    /// The caller may read its objects.
    pub can_read: bool,
    /// The caller may add objects.
    pub can_write: bool,
}

/// A trust group (an open API root) with the collections the caller holds a grant on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrustGroupDto {
    /// The URL segment of its API root (`/taxii2/{id}/`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `isac`, `council` or `alerts`.
    pub kind: String,
    /// The collections the caller may read or add to.
    pub collections: Vec<CollectionDto>,
}

impl From<(ApiRoot, Vec<Collection>)> for TrustGroupDto {
    fn from((root, collections): (ApiRoot, Vec<Collection>)) -> Self {
        TrustGroupDto {
            id: root.id,
            title: root.title,
            description: root.description,
            kind: root.kind,
            collections: collections
                .into_iter()
                .map(|c| CollectionDto {
                    id: c.id,
                    title: c.title,
                    description: c.description,
                    alias: c.alias,
                    can_read: c.grant.can_read,
                    can_write: c.grant.can_write,
                })
                .collect(),
        }
    }
}

/// The trust groups in which the caller may read or add to some collection, by id, each
/// with those collections and the caller's rights; one page, the next in
/// `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/sharing/roots", tag = "sharing", params(PageRequest),
    responses((status = 200, body = Vec<TrustGroupDto>), (status = 401, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn roots(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<axum::response::Response> {
    let page = sharing::groups_page(&user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<TrustGroupDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Open an API root (a trust group); supervisor administrators and administrators of an
/// information sharing body only.
#[utoipa::path(post, path = "/api/v1/sharing/roots", tag = "sharing", request_body = RootInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn root_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RootInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    sharing::create_api_root(
        &user.ctx(&state),
        &input.id,
        &input.title,
        input.description.as_deref(),
        &input.kind,
    )
    .await
    .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(Created { id: input.id })))
}

/// Close an API root: it leaves discovery and answers 404 from then on; what was shared
/// stays stored.
#[utoipa::path(post, path = "/api/v1/sharing/roots/{id}/close", tag = "sharing",
    params(("id" = String, Path)),
    responses((status = 204, description = "closed"), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn root_close(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    sharing::close_api_root(&user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reopen a closed API root (trust group); only the organisation that manages it.
#[utoipa::path(post, path = "/api/v1/sharing/roots/{id}/reopen", tag = "sharing",
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn root_reopen(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    sharing::reopen_api_root(&user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a collection to an API root with its grants (who may read, add, and counts as a
/// TLP:AMBER recipient); answers the new collection's id.
#[utoipa::path(post, path = "/api/v1/sharing/roots/{id}/collections", tag = "sharing",
    params(("id" = String, Path)), request_body = CollectionInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn collection_create(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CollectionInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let grants: Vec<NewGrant> = input
        .grants
        .into_iter()
        .map(|g| NewGrant {
            grantee: g.grantee,
            grant: Grant {
                can_read: g.can_read,
                can_write: g.can_write,
                recipient: g.recipient,
            },
        })
        .collect();
    let id = sharing::create_collection(
        &user.ctx(&state),
        &id,
        &input.title,
        input.alias.as_deref(),
        &grants,
    )
    .await
    .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Filters of the indicator standing listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StandingQuery {
    /// Also list indicators that ended (expired, revoked, decayed).
    #[serde(default)]
    pub ended: bool,
    /// The `next` cursor of the previous page (also in its `Link: rel="next"`); absent for
    /// the first page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 100).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// An indicator's standing and the members' feedback the caller may see
/// (`docs/FEEDBACK.md`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndicatorStandingDto {
    /// STIX id.
    pub id: String,
    /// `name`, else the id.
    pub name: String,
    /// Effective TLP, e.g. `TLP:AMBER`.
    pub tlp: String,
    /// `active`, `decayed`, `expired` or `revoked`.
    pub standing: String,
    /// Score, 0 to 100.
    pub score: f64,
    /// `valid_until`, when set.
    pub valid_until: Option<String>,
    /// Sum of `count` of true sightings.
    pub sightings: u64,
    /// Number of true sighting reports.
    pub sighting_reports: u32,
    /// False-positive reports.
    pub false_positives: u32,
    /// Opinions per value (`strongly-disagree` … `strongly-agree`).
    pub opinions: std::collections::BTreeMap<String, u32>,
    /// When a true sighting was last seen (RFC 3339).
    pub last_seen: Option<String>,
    /// Organisation ids of reporters who gave their name.
    pub named_reporters: Vec<String>,
    /// Reports whose reporter stays anonymous.
    pub anonymous_reports: u32,
}

/// A page of indicators.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndicatorPageDto {
    /// This page, newest first.
    pub items: Vec<IndicatorStandingDto>,
    /// Indicators matching.
    pub total: usize,
    /// Indicators left out because they ended (when `ended` is false).
    pub ended_hidden: usize,
    /// The cursor of the next page, when there is one (its address is also in the
    /// response's `Link: rel="next"` header).
    pub next: Option<String>,
}

impl From<deltawall_app::sharing::hub::Item> for IndicatorStandingDto {
    fn from(i: deltawall_app::sharing::hub::Item) -> Self {
        let f = &i.feedback;
        IndicatorStandingDto {
            id: i.stored.stix_id.clone(),
            name: i.name().to_owned(),
            tlp: i.tlp.name().to_owned(),
            standing: i.assessment.standing.code().to_owned(),
            score: (i.assessment.score * 10.0).round() / 10.0,
            valid_until: i.obj.get_str("valid_until").map(str::to_owned),
            sightings: f.sightings,
            sighting_reports: f.sighting_reports,
            false_positives: f.false_positives,
            opinions: deltawall_stix::feedback::Opinion::ALL
                .iter()
                .map(|o| (o.code().to_owned(), f.opinions[*o as usize]))
                .collect(),
            last_seen: f.last_seen.map(|t| t.to_string()),
            named_reporters: f.named.iter().cloned().collect(),
            anonymous_reports: f.anonymous,
        }
    }
}

/// The indicators of a collection with their standing (`valid_until`, revocation, decay)
/// and the feedback the caller may see; ended indicators only with `ended=true`.
#[utoipa::path(get, path = "/api/v1/sharing/roots/{root}/collections/{collection}/indicators",
    tag = "sharing", params(("root" = String, Path), ("collection" = String, Path), StandingQuery),
    responses((status = 200, body = IndicatorPageDto), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn indicators(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Path((root, coll)): Path<(String, String)>,
    crate::http::Query(q): crate::http::Query<StandingQuery>,
) -> ApiResult<axum::response::Response> {
    let lq = deltawall_app::sharing::hub::ListQuery {
        object_type: "indicator".into(),
        include_ended: q.ended,
        page: deltawall_app::paging::PageRequest {
            cursor: q.cursor,
            limit: q.limit,
        },
    };
    let listing = deltawall_app::sharing::hub::list(&user.ctx(&state), &root, &coll, &lq)
        .await
        .map_err(AppError::Json)?;
    let mut resp = Json(IndicatorPageDto {
        total: listing.total,
        ended_hidden: listing.ended,
        items: listing.items.into_iter().map(Into::into).collect(),
        next: listing.next.clone(),
    })
    .into_response();
    if let Some(v) = crate::layout::next_link(&uri, listing.next.as_deref()) {
        resp.headers_mut().insert(axum::http::header::LINK, v);
    }
    Ok(resp)
}
