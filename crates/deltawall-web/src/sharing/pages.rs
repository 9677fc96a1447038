//! The sharing hub's pages: trust groups and collections, a collection's objects, one
//! object (a report with its indicators, an indicator with its feedback and the sighting
//! and opinion forms) and the publish forms. Every read and write goes through
//! `deltawall_app::sharing::hub`, which uses the TAXII service's collection check, TLP
//! enforcement point and add path.

use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::layout::*;
use crate::platform::pages::{Notice, date_us};
use crate::router::AppState;
use crate::sharing::views::*;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::sharing::hub::{
    self as sharing_hub, IndicatorInput, ListQuery, OpinionInput, Published, ReportInput,
    SightingInput,
};
use deltawall_domain::validate::Invalid;
use deltawall_stix::Tlp;
use deltawall_stix::feedback::Opinion;
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
pub async fn home(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<deltawall_app::paging::PageRequest>,
) -> PageResult {
    let (groups, next) = sharing_hub::home(&user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    Ok(render(&SharingPage {
        l: user.layout("sharing-title", "sharing", None),
        pager: crate::layout::CursorPager::new(&user.path, next.as_deref()),
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
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
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
        page: deltawall_app::paging::PageRequest {
            cursor: q.cursor,
            limit: q.limit,
        },
    };
    let listing = sharing_hub::list(&user.ctx(&state), &root, &coll, &lq)
        .await
        .map_err(user.err())?;
    let pager = CursorPager::new(&user.path, listing.next.as_deref());
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
    // A read grant is enough: the hub records feedback on the reader's behalf.
    let can_feedback = d.item.stored.object_type == "indicator"
        && d.collection.grant.can_read
        && deltawall_app::sharing::taxii::may_write(&user.ctx(state));
    let opinions = Opinion::ALL
        .iter()
        .map(|o| {
            (
                o.code(),
                crate::i18n::t(user.lang, &format!("opinion-{}", o.code())),
            )
        })
        .collect();
    Ok(render(&SharingObjectPage {
        l: user.layout("sharing-title", "sharing", notice),
        root,
        d,
        pretty,
        can_feedback,
        error,
        opinions,
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
        page: deltawall_app::paging::PageRequest {
            cursor: None,
            limit: Some(100),
        },
    };
    let listing = sharing_hub::list(&ctx, &root, &coll, &q)
        .await
        .map_err(user.err())?;
    if !listing.collection.grant.can_write || !deltawall_app::sharing::taxii::may_write(&ctx) {
        return Err(AppError::Page(ServiceError::Forbidden, user.lang));
    }
    let members = sharing_hub::recipient_choices(&ctx, &listing.collection, user.lang)
        .await
        .map_err(user.err())?;
    Ok(render(&SharingPublishPage {
        l: user.layout("sharing-publish", "sharing", None),
        root,
        collection: listing.collection,
        indicators: listing.items,
        tlps: tlp_choices(),
        members,
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

/// A form posted as pairs (some fields repeat: `ref`, `recipient`).
struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, or empty.
    fn field(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every non-empty value of `name`, trimmed.
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
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

/// `POST /sharing/{root}/{collection}/indicators`: the form as pairs, because
/// `recipient` repeats.
pub async fn publish_indicator(
    State(state): State<AppState>,
    user: UiUser,
    Path(ids): Path<(String, String)>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> PageResult {
    let f = Pairs(pairs);
    let input = IndicatorInput {
        name: f.field("name"),
        description: f.field("description"),
        pattern: f.field("pattern"),
        tlp: parse_tlp(&f.field("tlp")).map_err(user.err())?,
        valid_from: form_date("valid_from", &f.field("valid_from")).map_err(user.err())?,
        valid_until: form_date("valid_until", &f.field("valid_until")).map_err(user.err())?,
        recipients: f.all("recipient"),
    };
    let out = sharing_hub::publish_indicator(&user.ctx(&state), &ids.0, &ids.1, &input)
        .await
        .map_err(user.err())?;
    published(&state, &user, ids, out).await
}

/// `POST /sharing/{root}/{collection}/reports`: the form as pairs, because `ref` and
/// `recipient` repeat.
pub async fn publish_report(
    State(state): State<AppState>,
    user: UiUser,
    Path(ids): Path<(String, String)>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> PageResult {
    let f = Pairs(pairs);
    let input = ReportInput {
        name: f.field("name"),
        description: f.field("description"),
        tlp: parse_tlp(&f.field("tlp")).map_err(user.err())?,
        refs: f.all("ref"),
        recipients: f.all("recipient"),
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
    let false_positive = match f.false_positive.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(user.err()(unknown("false_positive"))),
    };
    let input = SightingInput {
        count: f.count,
        false_positive,
        named: reporter_named(&f.reporter).map_err(user.err())?,
    };
    let out = sharing_hub::record_sighting(&user.ctx(&state), &root, &coll, &id, input)
        .await
        .map_err(user.err())?;
    feedback_done(&state, &user, (root, coll, id), out).await
}

/// The opinion form.
#[derive(Debug, Deserialize)]
pub struct OpinionForm {
    opinion: String,
    #[serde(default)]
    explanation: String,
    reporter: String,
}

/// `POST /sharing/{root}/{collection}/objects/{object}/opinions`.
pub async fn opinion(
    State(state): State<AppState>,
    user: UiUser,
    Path((root, coll, id)): Path<(String, String, String)>,
    UiForm(f): UiForm<OpinionForm>,
) -> PageResult {
    let input = OpinionInput {
        opinion: Opinion::from_code(f.opinion.trim())
            .ok_or_else(|| unknown("opinion"))
            .map_err(user.err())?,
        explanation: f.explanation,
        named: reporter_named(&f.reporter).map_err(user.err())?,
    };
    let out = sharing_hub::record_opinion(&user.ctx(&state), &root, &coll, &id, &input)
        .await
        .map_err(user.err())?;
    feedback_done(&state, &user, (root, coll, id), out).await
}

fn unknown(field: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason: "is not a known value",
        code: "err-bad-request",
    })
}

/// `named` or `anonymous`.
fn reporter_named(raw: &str) -> Result<bool, ServiceError> {
    match raw {
        "named" => Ok(true),
        "anonymous" => Ok(false),
        _ => Err(unknown("reporter")),
    }
}

/// After feedback: the indicator's page, or the page again with the reason.
async fn feedback_done(
    state: &AppState,
    user: &UiUser,
    (root, coll, id): (String, String, String),
    out: Published,
) -> PageResult {
    match out {
        Published::Stored(_) => Ok(Redirect::to(&format!(
            "/sharing/{}/{}/objects/{}?notice=saved",
            path_segment(&root),
            path_segment(&coll),
            path_segment(&id)
        ))
        .into_response()),
        Published::Refused(why) => {
            let mut resp = object_page(state, user, (root, coll, id), None, Some(why)).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}
