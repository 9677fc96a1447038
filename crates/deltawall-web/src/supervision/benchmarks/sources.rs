//! The requests a benchmark can be drawn from (those asking catalog requirements), all of
//! them, newest first and paged with a cursor: the page `/benchmarks/sources` (the source
//! selector of `/benchmarks` offers only the latest) and `GET /api/v1/benchmarks/sources`.
//! The reach is `deltawall_app::supervision::benchmarks::request_sources`'s.

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiUser, Query, UiUser};
use crate::layout::{CursorPager, Layout, paged_json, render};
use crate::router::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::benchmarks::{self as bench_svc, RequestSource};

/// How many of the latest sources the selector of `/benchmarks` offers.
pub const SELECTOR_SOURCES: i64 = 20;

/// `GET /benchmarks/sources`: every request a benchmark can be drawn from, a page at a time.
#[derive(Template)]
#[template(path = "supervision/benchmarks/sources.html")]
pub struct SourceListPage {
    /// Layout.
    pub l: Layout,
    /// One page of sources.
    pub sources: Vec<SourceLine>,
    /// The next page and back to the first.
    pub pager: CursorPager,
}

/// One source as listed.
#[derive(Debug, Clone)]
pub struct SourceLine {
    /// The request's id.
    pub id: String,
    /// Its title in the page language.
    pub title: String,
    /// When it was sent.
    pub sent_at: i64,
}

impl SourceLine {
    /// The line of a source, titled in the page language.
    pub fn new(ja: bool, s: RequestSource) -> SourceLine {
        SourceLine {
            id: s.id,
            title: if ja { s.title_ja } else { s.title_en },
            sent_at: s.sent_at,
        }
    }
}

/// `GET /benchmarks/sources`.
pub async fn page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> Result<Response, AppError> {
    let page = bench_svc::request_sources(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let ja = user.lang == crate::i18n::Lang::Ja;
    Ok(render(&SourceListPage {
        pager: CursorPager::new(&user.path, page.next.as_deref()),
        sources: page
            .items
            .into_iter()
            .map(|s| SourceLine::new(ja, s))
            .collect(),
        l: user.layout("bench-sources-all", "benchmarks", None),
    }))
}

/// The requests asking catalog requirements the caller may benchmark (`?request=ID` of
/// `/api/v1/benchmarks`), newest first: a supervisor's within its reach (a local bureau:
/// those it issued or with a task in its region), an institution's those it was asked.
/// One page, the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/benchmarks/sources", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    user: ApiUser,
    uri: Uri,
    Query(q): Query<PageRequest>,
) -> Result<Response, AppError> {
    let page = bench_svc::request_sources(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    Ok(paged_json(&uri, page.items, page.next.as_deref()))
}
