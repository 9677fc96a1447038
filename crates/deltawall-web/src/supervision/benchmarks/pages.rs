//! Peer benchmarks: the page, CSV, XLSX and JSON API, and the setting of k. Every path
//! calls `deltawall_app::supervision::benchmarks::view`, the one function that applies the k rule, with
//! the source named by the optional `?request=ID` (blank or absent: the catalog).

use crate::downloads::table as export;
use crate::error::{AppError, ErrorBody, ServiceError};
use crate::http::{ApiJson, ApiUser, UiForm, UiUser};
use crate::layout::render;
use crate::router::AppState;
use crate::supervision::benchmarks::sources::{SELECTOR_SOURCES, SourceLine};
use crate::supervision::figures::views::BenchmarksPage;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::benchmarks::{
    self as bench_svc, Benchmarks, RequestSource, Source,
};
use deltawall_store::keyset::KeysetPage;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

type PageResult = Result<Response, AppError>;

/// The source of a benchmark.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SourceQuery {
    /// A request asking catalog requirements: benchmark its accepted answers instead of
    /// the catalog's submitted assessments.
    pub request: Option<String>,
}

impl SourceQuery {
    fn source(&self) -> Source {
        Source::from_query(self.request.as_deref())
    }
}

/// `GET /benchmarks`.
pub async fn page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<SourceQuery>,
) -> PageResult {
    let source = q.source();
    let b = bench_svc::view(user.ctx(&state), &source)
        .await
        .map_err(user.err())?;
    let latest = PageRequest {
        cursor: None,
        limit: Some(SELECTOR_SOURCES),
    };
    let sources = bench_svc::request_sources(user.ctx(&state), &latest)
        .await
        .map_err(user.err())?;
    Ok(render(&benchmarks_page(&user, &b, sources, source.query())))
}

/// The page of a benchmark view with the latest sources in its selector.
fn benchmarks_page(
    user: &UiUser,
    b: &Benchmarks,
    sources: KeysetPage<RequestSource>,
    query: String,
) -> BenchmarksPage {
    let t = bench_svc::table(b);
    let (k, supervisor, request_id) = match b {
        Benchmarks::Cohorts { k, request_id, .. } => (*k, true, request_id.clone()),
        Benchmarks::Own { k, request_id, .. } => (*k, false, request_id.clone()),
    };
    let ja = user.lang == crate::i18n::Lang::Ja;
    let mut options: Vec<(String, String)> = sources
        .items
        .into_iter()
        .map(|s| {
            let line = SourceLine::new(ja, s);
            (line.id, line.title)
        })
        .collect();
    // A request older than the latest offered (picked on `/benchmarks/sources`) is still
    // shown as the one selected, by its id.
    if let Some(id) = request_id
        .as_ref()
        .filter(|id| !options.iter().any(|o| &o.0 == *id))
    {
        options.insert(0, (id.clone(), id.clone()));
    }
    BenchmarksPage {
        headers: t.headers.iter().map(|h| user_t(user, h)).collect(),
        rows: t.rows,
        k,
        supervisor,
        can_set_k: deltawall_app::supervision::roles::is_supervisor_admin(&user.info.actor),
        sources: options,
        more_sources: sources.next.is_some(),
        request_id,
        query,
        l: user.layout("bench-page", "benchmarks", None),
    }
}

fn user_t(user: &UiUser, code: &str) -> String {
    crate::i18n::t(user.lang, &format!("bench-col-{code}")).to_owned()
}

fn download(content_type: &'static str, name: &str, body: impl IntoResponse) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    (headers, body).into_response()
}

/// `GET /benchmarks.csv`.
pub async fn csv(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<SourceQuery>,
) -> PageResult {
    let b = bench_svc::view(user.ctx(&state), &q.source())
        .await
        .map_err(user.err())?;
    Ok(download(
        "text/csv; charset=utf-8",
        "benchmarks.csv",
        export::csv(&bench_svc::table(&b)),
    ))
}

/// `GET /benchmarks.xlsx`.
pub async fn xlsx(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<SourceQuery>,
) -> PageResult {
    let b = bench_svc::view(user.ctx(&state), &q.source())
        .await
        .map_err(user.err())?;
    let body = export::xlsx(&bench_svc::table(&b))
        .map_err(|e| ServiceError::Internal(e.into()))
        .map_err(user.err())?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "benchmarks.xlsx",
        body,
    ))
}

/// The new k.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KInput {
    /// At least 2.
    pub k: u32,
}

/// `POST /supervision/benchmarks/k`.
pub async fn set_k_form(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(input): UiForm<KInput>,
) -> PageResult {
    bench_svc::set_k(user.ctx(&state), input.k)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/benchmarks").into_response())
}

/// Peer benchmarks against the built-in catalog, or against a request's accepted answers
/// (`?request=ID`): a supervisor's cohorts, or an institution's own position;
/// distributions of fewer than k institutions are withheld. A request the caller cannot
/// see (an institution not targeted by it) is not found; a questionnaire request is 422.
#[utoipa::path(get, path = "/api/v1/benchmarks", tag = "supervision", params(SourceQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<SourceQuery>,
) -> Result<Response, AppError> {
    let b = bench_svc::view(user.ctx(&state), &q.source())
        .await
        .map_err(AppError::Json)?;
    Ok(Json(b).into_response())
}

/// Changes k (supervisor administrators; audited).
#[utoipa::path(put, path = "/api/v1/supervision/benchmarks/k", tag = "supervision", request_body = KInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_set_k(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<KInput>,
) -> Result<StatusCode, AppError> {
    bench_svc::set_k(user.ctx(&state), input.k)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}
