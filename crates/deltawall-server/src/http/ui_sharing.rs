//! The sharing hub's pages: trust groups and collections, a collection's objects, one
//! object (a report with its indicators, an indicator with its feedback and the sighting
//! form) and the publish forms. Every read and write goes through
//! `service::sharing_hub`, which uses the TAXII service's collection check, TLP
//! enforcement point and add path.

use super::ui::{Notice, date_us};
use super::{Query, UiForm, UiUser};
use crate::error::{AppError, ServiceError};
use crate::router::AppState;
use crate::service::sharing_hub::{
    self, IndicatorInput, ListQuery, Published, ReportInput, SightingInput,
};
use crate::views::*;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_domain::validate::Invalid;
use deltawall_stix::Tlp;
use serde::Deserialize;

type PageResult = Result<Response, AppError>;

/// Types offered by the collection filter.
const TYPES: &[&str] = &[
    "indicator",
    "report",
    "sighting",
    "opinion",
    "malware",
    "vulnerability",
    "attack-pattern",
    "identity",
];

/// `GET /sharing`.
pub async fn home(State(state): State<AppState>, user: UiUser) -> PageResult {
    let groups = sharing_hub::home(&user.ctx(&state))
        .await
        .map_err(user.err())?;
    Ok(render(&SharingPage {
        l: user.layout("sharing-title", "sharing", None),
        groups,
    }))
}

/// Collection listing filters.
#[derive(Debug, Deserialize)]
pub struct CollectionQuery {
    #[serde(default, rename = "type")]
    object_type: String,
    #[serde(default)]
    ended: String,
    #[serde(default)]
    offset: usize,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    50
}

/// `GET /sharing/{root}/{collection}`.
pub async fn collection(
    State(state): State<AppState>,
    user: UiUser,
    Path((root, coll)): Path<(String, String)>,
    Query(q): Query<CollectionQuery>,
) -> PageResult {
    let lq = ListQuery {
        object_type: q.object_type.trim().to_owned(),
        include_ended: q.ended == "1",
        offset: q.offset,
        limit: q.limit.clamp(1, 100),
    };
    let listing = sharing_hub::list(&user.ctx(&state), &root, &coll, &lq)
        .await
        .map_err(user.err())?;
    let base = format!(
        "/sharing/{}/{}?{}",
        path_segment(&root),
        path_segment(&coll),
        serde_urlencoded::to_string([("type", &lq.object_type), ("ended", &q.ended)])
            .unwrap_or_default()
    );
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let pager = Pager::new(
        &base,
        as_i64(lq.offset),
        as_i64(lq.limit),
        as_i64(listing.total),
        listing.items.len(),
    );
    Ok(render(&SharingCollectionPage {
        l: user.layout("sharing-title", "sharing", None),
        root,
        listing,
        pager,
        object_type: lq.object_type,
        include_ended: lq.include_ended,
        types: TYPES.iter().map(|t| (*t).to_owned()).collect(),
    }))
}

async fn object_page(
    state: &AppState,
    user: &UiUser,
    (root, coll, id): (String, String, String),
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let d = sharing_hub::object(&user.ctx(state), &root, &coll, &id)
        .await
        .map_err(user.err())?;
    let pretty = serde_json::from_str::<serde_json::Value>(&d.item.stored.json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| d.item.stored.json.clone());
    let can_sight = d.item.stored.object_type == "indicator"
        && d.collection.grant.can_write
        && crate::service::sharing::may_write(&user.ctx(state));
    Ok(render(&SharingObjectPage {
        l: user.layout("sharing-title", "sharing", notice),
        root,
        d,
        pretty,
        can_sight,
        error,
    }))
}

/// `GET /sharing/{root}/{collection}/objects/{object}`.
pub async fn object(
    State(state): State<AppState>,
    user: UiUser,
    Path(ids): Path<(String, String, String)>,
    Query(n): Query<Notice>,
) -> PageResult {
    let notice = n.text(user.lang);
    object_page(&state, &user, ids, notice, None).await
}

fn tlp_choices() -> Vec<(String, String)> {
    Tlp::ALL
        .iter()
        .map(|t| (tlp_code(*t), t.name().to_owned()))
        .collect()
}

/// `clear`, `green`, `amber`, `amber+strict`, `red`.
fn tlp_code(t: Tlp) -> String {
    t.name().trim_start_matches("TLP:").to_ascii_lowercase()
}

fn parse_tlp(raw: &str) -> Result<Tlp, ServiceError> {
    Tlp::ALL
        .into_iter()
        .find(|t| tlp_code(*t) == raw.trim())
        .ok_or(ServiceError::Invalid(Invalid {
            field: "tlp",
            reason: "is not a known value",
            code: "err-bad-request",
        }))
}

async fn publish_page(
    state: &AppState,
    user: &UiUser,
    (root, coll): (String, String),
    error: Option<String>,
) -> PageResult {
    let ctx = user.ctx(state);
    let q = ListQuery {
        object_type: "indicator".into(),
        include_ended: false,
        offset: 0,
        limit: 100,
    };
    let listing = sharing_hub::list(&ctx, &root, &coll, &q)
        .await
        .map_err(user.err())?;
    if !listing.collection.grant.can_write || !crate::service::sharing::may_write(&ctx) {
        return Err(AppError::Page(ServiceError::Forbidden, user.lang));
    }
    Ok(render(&SharingPublishPage {
        l: user.layout("sharing-publish", "sharing", None),
        root,
        collection: listing.collection,
        indicators: listing.items,
        tlps: tlp_choices(),
        error,
    }))
}

/// `GET /sharing/{root}/{collection}/publish`.
pub async fn publish_form(
    State(state): State<AppState>,
    user: UiUser,
    Path(ids): Path<(String, String)>,
) -> PageResult {
    publish_page(&state, &user, ids, None).await
}

/// The indicator form.
#[derive(Debug, Deserialize)]
pub struct IndicatorForm {
    name: String,
    #[serde(default)]
    description: String,
    pattern: String,
    tlp: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

/// An optional `YYYY-MM-DD` (midnight, Japan time).
fn form_date(field: &'static str, raw: &str) -> Result<Option<jiff::Timestamp>, ServiceError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    date_us(raw)
        .and_then(|us| jiff::Timestamp::from_microsecond(us).ok())
        .map(Some)
        .ok_or(ServiceError::Invalid(Invalid {
            field,
            reason: "is not a date",
            code: "err-bad-request",
        }))
}

/// After a publish: the new object's page, or the form again with the reason.
async fn published(
    state: &AppState,
    user: &UiUser,
    (root, coll): (String, String),
    outcome: Published,
) -> PageResult {
    match outcome {
        Published::Stored(id) => Ok(Redirect::to(&format!(
            "/sharing/{}/{}/objects/{}?notice=created",
            path_segment(&root),
            path_segment(&coll),
            path_segment(&id)
        ))
        .into_response()),
        Published::Refused(why) => {
            let mut resp = publish_page(state, user, (root, coll), Some(why)).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

/// `POST /sharing/{root}/{collection}/indicators`.
pub async fn publish_indicator(
    State(state): State<AppState>,
    user: UiUser,
    Path(ids): Path<(String, String)>,
    UiForm(f): UiForm<IndicatorForm>,
) -> PageResult {
    let input = IndicatorInput {
        name: f.name,
        description: f.description,
        pattern: f.pattern,
        tlp: parse_tlp(&f.tlp).map_err(user.err())?,
        valid_from: form_date("valid_from", &f.valid_from).map_err(user.err())?,
        valid_until: form_date("valid_until", &f.valid_until).map_err(user.err())?,
    };
    let out = sharing_hub::publish_indicator(&user.ctx(&state), &ids.0, &ids.1, &input)
        .await
        .map_err(user.err())?;
    published(&state, &user, ids, out).await
}

/// `POST /sharing/{root}/{collection}/reports`: the form as pairs, because `ref` repeats.
pub async fn publish_report(
    State(state): State<AppState>,
    user: UiUser,
    Path(ids): Path<(String, String)>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let input = ReportInput {
        name: field("name"),
        description: field("description"),
        tlp: parse_tlp(&field("tlp")).map_err(user.err())?,
        refs: pairs
            .iter()
            .filter(|(k, _)| k == "ref")
            .map(|(_, v)| v.trim().to_owned())
            .collect(),
    };
    let out = sharing_hub::publish_report(&user.ctx(&state), &ids.0, &ids.1, &input)
        .await
        .map_err(user.err())?;
    published(&state, &user, ids, out).await
}

/// The sighting form.
#[derive(Debug, Deserialize)]
pub struct SightingForm {
    count: u64,
    false_positive: String,
    reporter: String,
}

/// `POST /sharing/{root}/{collection}/objects/{object}/sightings`.
pub async fn sighting(
    State(state): State<AppState>,
    user: UiUser,
    Path((root, coll, id)): Path<(String, String, String)>,
    UiForm(f): UiForm<SightingForm>,
) -> PageResult {
    let choice = |field: &'static str, raw: &str, yes: &str, no: &str| match raw {
        r if r == yes => Ok(true),
        r if r == no => Ok(false),
        _ => Err(ServiceError::Invalid(Invalid {
            field,
            reason: "is not a known value",
            code: "err-bad-request",
        })),
    };
    let input = SightingInput {
        count: f.count,
        false_positive: choice("false_positive", &f.false_positive, "yes", "no")
            .map_err(user.err())?,
        named: choice("reporter", &f.reporter, "named", "anonymous").map_err(user.err())?,
    };
    let out = sharing_hub::record_sighting(&user.ctx(&state), &root, &coll, &id, input)
        .await
        .map_err(user.err())?;
    match out {
        Published::Stored(_) => Ok(Redirect::to(&format!(
            "/sharing/{}/{}/objects/{}?notice=saved",
            path_segment(&root),
            path_segment(&coll),
            path_segment(&id)
        ))
        .into_response()),
        Published::Refused(why) => {
            let mut resp = object_page(&state, &user, (root, coll, id), None, Some(why)).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}
