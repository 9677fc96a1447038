//! The pages of vulnerability diagnosis: the findings list (`/vulnerabilities`), a finding
//! with its history, clock, decision form and approval (`/vulnerabilities/{id}`), and the
//! scope with its coverage, the add-asset form and the scan upload
//! (`/vulnerabilities/scope`). Handlers read the form, call the same `deltawall_app::vuln`
//! services as the API and redirect back.

use super::spool::{SpoolError, upload_parts};
use super::views::{Filters, FindingPage, ListPage, ScopePage};
use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::layout::{CursorPager, render};
use crate::router::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::vuln::{self, AssetInput, DecisionInput, ListQuery};
use deltawall_domain::org::OrgKind;
use deltawall_domain::role::Role;
use serde::Deserialize;

type PageResult = Result<Response, AppError>;

fn may_edit(user: &UiUser) -> bool {
    let a = &user.info.actor;
    a.org_kind == OrgKind::Institution && a.role != Role::Auditor
}

/// The list's filters as the form sends them (`kev=1` ticked, empty selects ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    kev: String,
}

/// `GET /vulnerabilities`.
pub async fn list(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ListForm>,
    Query(page): Query<PageRequest>,
) -> PageResult {
    let query = ListQuery {
        state: Some(q.state.clone()),
        severity: Some(q.severity.clone()),
        asset: None,
        kev: Some(!q.kev.is_empty()),
    };
    let found = vuln::list(user.ctx(&state), &state.config.clock, &query, &page)
        .await
        .map_err(user.err())?;
    let filters = Filters {
        kev: !q.kev.is_empty(),
        state: q.state,
        severity: q.severity,
    };
    let l = user.layout("vuln-title", "vulnerabilities", None);
    let pager = CursorPager::new(&user.path, found.next.as_deref());
    Ok(render(&ListPage::new(l, pager, &found.items, filters)))
}

/// `GET /vulnerabilities/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let d = vuln::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let a = &user.info.actor;
    let exec = (may_edit(&user) && a.role == Role::Executive).then_some(a.user_id.as_str());
    let l = user.layout("vuln-finding", "vulnerabilities", None);
    Ok(render(&FindingPage::new(l, d, may_edit(&user), exec)))
}

/// The decision form's fields.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    kind: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    reason: String,
}

/// `POST /vulnerabilities/{id}/decisions`.
pub async fn decide(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<DecisionForm>,
) -> PageResult {
    let input = DecisionInput {
        kind: f.kind,
        due: Some(f.due).filter(|d| !d.trim().is_empty()),
        reason: f.reason,
    };
    vuln::decide(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/vulnerabilities/{id}")).into_response())
}

/// `POST /vulnerabilities/{id}/decisions/{decision}/approve`.
pub async fn approve(
    State(state): State<AppState>,
    user: UiUser,
    Path((id, decision)): Path<(String, String)>,
) -> PageResult {
    vuln::approve(user.ctx(&state), &state.config.clock, &id, &decision)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/vulnerabilities/{id}")).into_response())
}

/// The counts of the import just made, shown once on the scope page, and which page of
/// the assets is shown.
#[derive(Debug, Default, Deserialize)]
pub struct Imported {
    new: Option<usize>,
    unchanged: Option<usize>,
    resolved: Option<usize>,
    reopened: Option<usize>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /vulnerabilities/scope`.
pub async fn scope(
    State(state): State<AppState>,
    user: UiUser,
    Query(i): Query<Imported>,
) -> PageResult {
    let req = PageRequest {
        cursor: i.cursor.clone(),
        limit: i.limit,
    };
    let s = vuln::scope_page(user.ctx(&state), &state.config.clock, &req)
        .await
        .map_err(user.err())?;
    let choices = vuln::asset_choices(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let notice = import_notice(user.lang, &i);
    let l = user.layout("vuln-scope", "vulnerabilities", notice);
    let here = without_import_counts(&user.path);
    let pager = CursorPager::new(&here, s.next.as_deref());
    Ok(render(&ScopePage::new(
        l,
        &s,
        choices,
        may_edit(&user),
        pager,
    )))
}

/// The one-time notice of an import's counts, when the address carries them.
fn import_notice(lang: crate::i18n::Lang, i: &Imported) -> Option<String> {
    let t = |k| crate::i18n::t(lang, k);
    i.new.map(|new| {
        format!(
            "{}: {} {new} / {} {} / {} {} / {} {}",
            t("vuln-imported"),
            t("vuln-count-new"),
            t("vuln-count-unchanged"),
            i.unchanged.unwrap_or(0),
            t("vuln-count-resolved"),
            i.resolved.unwrap_or(0),
            t("vuln-count-reopened"),
            i.reopened.unwrap_or(0),
        )
    })
}

/// The page's address without the import's counts: they are shown once, so the links to
/// other pages leave them out.
fn without_import_counts(address: &str) -> String {
    let counts = ["new=", "unchanged=", "resolved=", "reopened="];
    let (path, query) = address.split_once('?').unwrap_or((address, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !counts.iter().any(|c| p.starts_with(c)))
        .collect();
    format!("{path}?{}", kept.join("&"))
}

/// The add-asset form's fields.
#[derive(Debug, Deserialize)]
pub struct AssetForm {
    name: String,
    kind: String,
    owner: String,
    #[serde(default)]
    operator: String,
    criticality: String,
    cadence_days: String,
}

/// `POST /vulnerabilities/scope`.
pub async fn add_asset(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<AssetForm>,
) -> PageResult {
    let input = AssetInput {
        name: f.name,
        kind: f.kind,
        owner: f.owner,
        operator: f.operator,
        criticality: f.criticality,
        // Not a number: 0, which the service refuses with the field named.
        cadence_days: f.cadence_days.trim().parse().unwrap_or(0),
    };
    vuln::add_asset(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/vulnerabilities/scope").into_response())
}

/// `POST /vulnerabilities/imports`: a scan file of one asset (multipart), its file part
/// spooled to disk as it arrives.
pub async fn import(
    State(state): State<AppState>,
    user: UiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let (lang, dir) = (user.lang, &state.config.data_dir);
    let parts = upload_parts(multipart, &["scope", "format"], dir, vuln::MAX_IMPORT_BYTES)
        .await
        .map_err(|e| upload_refused(e, lang))?;
    let text = |name: &str| parts.texts.get(name).cloned().unwrap_or_default();
    let format = match text("format").trim() {
        "" => None,
        f => Some(vuln::parse_format(f).map_err(user.err())?),
    };
    let file = parts
        .file
        .ok_or(ServiceError::Invalid(deltawall_domain::validate::Invalid {
            field: "file",
            reason: "is required",
            code: "err-bad-request",
        }))
        .map_err(user.err())?;
    let clock = &state.config.clock;
    let r = vuln::import(user.ctx(&state), clock, &text("scope"), format, file)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!(
        "/vulnerabilities/scope?new={}&unchanged={}&resolved={}&reopened={}",
        r.new, r.unchanged, r.resolved, r.reopened
    ))
    .into_response())
}

/// A form the spool refused, as a page: too large is the file's fault (422, as the
/// importer's own limit), anything else a bad request.
fn upload_refused(e: SpoolError, lang: crate::i18n::Lang) -> AppError {
    if e.status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        let refused = ServiceError::Refused {
            code: "err-vuln-too-large",
            field: "file",
            message: e.message,
        };
        return AppError::Page(refused, lang);
    }
    AppError::BadRequest {
        message: e.message,
        lang,
    }
}
