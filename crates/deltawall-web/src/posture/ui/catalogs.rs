//! Catalog and mapping pages: imported OSCAL catalogs and profiles, mapping sets (CSV in,
//! CSV and XLSX out, the built-in FSA → SP 800-53 mapping), pre-fill of an assessment
//! through a mapping, and the OSCAL downloads of an assessment.

use super::{NoticeQuery, PageResult};
use crate::downloads::table::{self as export, Table};
use crate::error::{AppError, ServiceError};
use crate::http::{UiForm, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::{CursorPager, render};
use crate::posture::views_oscal::*;
use crate::router::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::posture::catalogs::{self as catalogs_svc, ImportInput, MAX_IMPORT_BYTES};
use deltawall_app::posture::mappings::{self as mappings_svc, MappingImport};
use deltawall_app::posture::oscal_export;
use deltawall_domain::crosswalk::{self, Audience};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Reads the parts of a multipart upload named in `allowed` (file parts and text parts
/// alike, as bytes). An unknown part is refused by name.
pub async fn read_parts(
    multipart: Result<Multipart, MultipartRejection>,
    allowed: &[&str],
) -> Result<BTreeMap<String, Vec<u8>>, (StatusCode, String)> {
    let mut mp = multipart.map_err(|r| (r.status(), r.body_text()))?;
    let mut parts = BTreeMap::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| (e.status(), e.body_text()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if !allowed.contains(&name.as_str()) {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unknown part `{name}`"),
            ));
        }
        let bytes = field
            .bytes()
            .await
            .map_err(|e| (e.status(), format!("part `{name}`: {}", e.body_text())))?;
        parts.insert(name, bytes.to_vec());
    }
    Ok(parts)
}

/// A text part, lossily decoded (form fields are short text).
pub fn part_text(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    parts
        .get(name)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

/// The import upload's parts.
pub const IMPORT_PARTS: &[&str] = &["kind", "file", "catalog", "key"];
/// The mapping upload's parts.
pub const MAPPING_PARTS: &[&str] = &["title", "from_catalog", "to_catalog", "provenance", "file"];

/// The import input from its parts.
pub fn import_input(parts: &BTreeMap<String, Vec<u8>>) -> ImportInput {
    ImportInput {
        kind: part_text(parts, "kind"),
        document: parts.get("file").cloned().unwrap_or_default(),
        catalog: parts.get("catalog").cloned().unwrap_or_default(),
        key: part_text(parts, "key"),
    }
}

/// The mapping import from its parts.
pub fn mapping_input(parts: &BTreeMap<String, Vec<u8>>) -> MappingImport {
    MappingImport {
        title: part_text(parts, "title"),
        from_catalog: part_text(parts, "from_catalog"),
        to_catalog: part_text(parts, "to_catalog"),
        provenance: part_text(parts, "provenance"),
        csv: parts.get("file").cloned().unwrap_or_default(),
    }
}

fn upload_error(lang: Lang) -> impl Fn((StatusCode, String)) -> AppError {
    move |(status, message)| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::Page(
                ServiceError::Refused {
                    code: "err-oscal-too-large",
                    field: "file",
                    message,
                },
                lang,
            )
        } else {
            AppError::BadRequest { message, lang }
        }
    }
}

/// The notices of these pages (keys `<key>-notice`).
pub(super) fn oscal_notice(lang: Lang, key: &str) -> Option<String> {
    const KEYS: &[&str] = &["oscal-imported", "map-imported", "map-prefilled"];
    KEYS.contains(&key)
        .then(|| i18n::t(lang, &format!("{key}-notice")).to_owned())
}

/// `GET /posture/catalogs`: one page of the editions the viewer may see, and the import
/// form.
pub async fn catalogs(
    State(state): State<AppState>,
    user: UiUser,
    axum::extract::Query(n): axum::extract::Query<NoticeQuery>,
) -> PageResult {
    let page = catalogs_svc::page(user.ctx(&state), &n.page())
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&CatalogsPage {
        catalogs: catalog_rows(lang, &page.items),
        pager: CursorPager::new(&user.path, page.next.as_deref()),
        import_for: crosswalk::import_audience(&user.info.actor).map(|a| match a {
            Audience::Public => "oscal-public",
            Audience::Org(_) => "oscal-own",
        }),
        max_mib: MAX_IMPORT_BYTES >> 20,
        l: user.layout("oscal-catalogs", "posture", oscal_notice(lang, &n.notice)),
    }))
}

/// `GET /posture/mappings`: one page of the mapping sets the viewer may see, and the forms
/// that add one.
pub async fn mappings(
    State(state): State<AppState>,
    user: UiUser,
    axum::extract::Query(n): axum::extract::Query<NoticeQuery>,
) -> PageResult {
    let page = mappings_svc::page(user.ctx(&state), &n.page())
        .await
        .map_err(user.err())?;
    let may_import = crosswalk::import_audience(&user.info.actor).is_some();
    let choices = if may_import {
        catalog_choices(&state, &user).await?
    } else {
        Vec::new()
    };
    Ok(render(&MappingsPage {
        mappings: page.items,
        pager: CursorPager::new(&user.path, page.next.as_deref()),
        may_import,
        choices,
        l: user.layout("map-sets", "posture", oscal_notice(user.lang, &n.notice)),
    }))
}

/// `POST /posture/catalogs`: imports an OSCAL catalog or profile (multipart).
pub async fn catalog_import(
    State(state): State<AppState>,
    user: UiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let parts = read_parts(multipart, IMPORT_PARTS)
        .await
        .map_err(upload_error(user.lang))?;
    let done = catalogs_svc::import(user.ctx(&state), &import_input(&parts))
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!(
        "/posture/catalogs/{}?notice=oscal-imported",
        done.catalog.id
    ))
    .into_response())
}

/// `GET /posture/catalogs/{id}`.
pub async fn catalog(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    axum::extract::Query(n): axum::extract::Query<NoticeQuery>,
) -> PageResult {
    let ctx = user.ctx(&state);
    let listed = catalogs_svc::listed(ctx, &id).await.map_err(user.err())?;
    let (_, doc) = catalogs_svc::get(ctx, &id).await.map_err(user.err())?;
    let lang = user.lang;
    let fingerprint = listed.catalog.fingerprint.clone();
    Ok(render(&CatalogPage {
        row: catalog_rows(lang, &[listed]).remove(0),
        sections: sections(lang, &doc),
        fingerprint,
        l: user.layout("oscal-catalog", "posture", oscal_notice(lang, &n.notice)),
    }))
}

/// `POST /posture/mappings`: imports a mapping set from CSV (multipart).
pub async fn mapping_import(
    State(state): State<AppState>,
    user: UiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let parts = read_parts(multipart, MAPPING_PARTS)
        .await
        .map_err(upload_error(user.lang))?;
    let id = mappings_svc::import(user.ctx(&state), &mapping_input(&parts))
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/mappings/{id}?notice=map-imported")).into_response())
}

/// The built-in mapping form.
#[derive(Debug, Deserialize)]
pub struct BuiltinForm {
    to_catalog: String,
}

/// `POST /posture/mappings/builtin`.
pub async fn mapping_builtin(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<BuiltinForm>,
) -> PageResult {
    let id = mappings_svc::install_builtin(user.ctx(&state), &f.to_catalog)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/mappings/{id}?notice=map-imported")).into_response())
}

/// `GET /posture/mappings/{id}`.
pub async fn mapping(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    axum::extract::Query(n): axum::extract::Query<NoticeQuery>,
) -> PageResult {
    let v = mappings_svc::get(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&MappingPage {
        rows: entry_rows(lang, &v),
        v,
        l: user.layout("map-set", "posture", oscal_notice(lang, &n.notice)),
    }))
}

async fn mapping_table(state: &AppState, user: &UiUser, id: &str) -> Result<Table, AppError> {
    let v = mappings_svc::get(user.ctx(state), id)
        .await
        .map_err(user.err())?;
    Ok(Table {
        sheet: "mapping".into(),
        headers: crosswalk_columns(),
        rows: crosswalk::to_rows(&v.entries),
    })
}

fn crosswalk_columns() -> Vec<String> {
    ["from", "to", "relationship", "strength", "rationale"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
    ];
    (headers, body).into_response()
}

/// `GET /posture/mappings/{id}/entries.csv`: the entries in the import format.
pub async fn mapping_csv(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let t = mapping_table(&state, &user, &id).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        "mapping.csv",
        export::csv(&t).into_bytes(),
    ))
}

/// `GET /posture/mappings/{id}/entries.xlsx`.
pub async fn mapping_xlsx(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let t = mapping_table(&state, &user, &id).await?;
    let body = export::xlsx(&t)
        .map_err(|e| ServiceError::Internal(e.into()))
        .map_err(user.err())?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "mapping.xlsx",
        body,
    ))
}

/// The pre-fill form.
#[derive(Debug, Deserialize)]
pub struct PrefillForm {
    mapping_set_id: String,
}

/// `POST /posture/assessments/{id}/prefill`.
pub async fn prefill(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<PrefillForm>,
) -> PageResult {
    mappings_svc::prefill(user.ctx(&state), &id, &f.mapping_set_id)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/assessments/{id}?notice=map-prefilled")).into_response())
}

fn json_download(filename: String, doc: &serde_json::Value) -> Response {
    let body = serde_json::to_vec_pretty(doc).unwrap_or_default();
    let headers = [
        (header::CONTENT_TYPE, "application/json".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
    ];
    (headers, body).into_response()
}

/// `GET /posture/assessments/{id}/oscal-assessment-results.json`.
pub async fn oscal_results(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let doc = oscal_export::assessment_results(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(json_download(format!("assessment-results-{id}.json"), &doc))
}

/// `GET /posture/assessments/{id}/oscal-poam.json`.
pub async fn oscal_poam(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let doc = oscal_export::poam(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(json_download(format!("poam-{id}.json"), &doc))
}

/// Mapping sets into `catalog_id` the viewer may see: (id, title), for the pre-fill forms.
pub(super) async fn sets_into(
    state: &AppState,
    user: &UiUser,
    catalog_id: Option<&str>,
) -> Result<Vec<(String, String)>, AppError> {
    let list = mappings_svc::list(user.ctx(state))
        .await
        .map_err(user.err())?;
    Ok(list
        .into_iter()
        .filter(|m| catalog_id.is_none_or(|c| m.to_catalog == c))
        .map(|m| (m.id, m.title))
        .collect())
}

/// Catalog editions the viewer may see: (id, title and version), for the choices of the
/// new-assessment and mapping forms. Titles come from the editions' stored summaries, so
/// no document is read.
pub(super) async fn catalog_choices(
    state: &AppState,
    user: &UiUser,
) -> Result<Vec<(String, String)>, AppError> {
    let listed = catalogs_svc::list(user.ctx(state))
        .await
        .map_err(user.err())?;
    let lang = cat_lang(user.lang);
    Ok(listed
        .into_iter()
        .map(|l| {
            let title = l.catalog.title.shown(lang);
            let label = format!("{title} ({})", l.catalog.version);
            (l.catalog.id, label)
        })
        .collect())
}
