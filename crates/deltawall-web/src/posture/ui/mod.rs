//! The posture pages: home, assessment, revision history, evidence, risk register,
//! findings, group roll-up and management report, each table also as CSV. After a POST
//! each handler redirects (post/redirect/get).

pub(crate) mod catalogs;
mod findings;
mod records;
mod reports;
mod tables;

pub use catalogs::*;
pub use findings::*;
pub use records::*;
pub use reports::*;

use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::render;
use crate::posture::views::*;
use crate::router::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::posture::assessments::{self as posture_svc, AnswerInput, AssessmentInput};
use deltawall_app::posture::report;
use deltawall_domain::Permission;
use deltawall_domain::posture::{AssessmentKind, Confidence, Outcome};
use deltawall_domain::validate::Invalid;
use serde::Deserialize;

pub(super) type PageResult = Result<Response, AppError>;

pub(super) fn notice(lang: Lang, key: &str) -> Option<String> {
    const KEYS: &[&str] = &["saved", "created"];
    KEYS.contains(&key)
        .then(|| i18n::t(lang, &format!("notice-{key}")).to_owned())
        .or_else(|| oscal_notice(lang, key))
}

/// The notice after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub(super) notice: String,
    /// The next-page cursor of a paged list.
    #[serde(default)]
    pub(super) cursor: Option<String>,
    /// Rows per page of a paged list.
    #[serde(default)]
    pub(super) limit: Option<i64>,
}

impl NoticeQuery {
    /// The page of a paged list this request asks for.
    pub(super) fn page(&self) -> deltawall_app::paging::PageRequest {
        deltawall_app::paging::PageRequest {
            cursor: self.cursor.clone(),
            limit: self.limit,
        }
    }
}

fn kinds(lang: Lang) -> Vec<(String, String)> {
    AssessmentKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), label(lang, "kind", k.code())))
        .collect()
}

pub(super) fn parse<T>(
    field: &'static str,
    raw: &str,
    f: fn(&str) -> Option<T>,
) -> Result<T, ServiceError> {
    f(raw.trim()).ok_or(ServiceError::Invalid(Invalid {
        field,
        reason: "is not a known value",
        code: "err-bad-request",
    }))
}

/// Writes rows as a CSV attachment (formulas defused).
pub(super) fn csv(filename: &str, t: &crate::downloads::table::Table) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
    ];
    (headers, crate::downloads::table::csv(t)).into_response()
}

/// `GET /posture`.
pub async fn home(
    State(state): State<AppState>,
    user: UiUser,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let list = posture_svc::page(user.ctx(&state), &n.page())
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    let can_edit = user.info.actor.can(Permission::EditPosture);
    let (catalogs, mapping_sets) = if can_edit {
        (
            catalog_choices(&state, &user).await?,
            sets_into(&state, &user, None).await?,
        )
    } else {
        (vec![], vec![])
    };
    Ok(render(&HomePage {
        catalogs,
        mapping_sets,
        assessments: assessment_rows(lang, &user.info.actor.org_id, &list.items),
        pager: crate::layout::CursorPager::new(&user.path, list.next.as_deref()),
        progress: progress_rows(lang, &r.elements, &r.progress, &r.open_by_element),
        can_edit,
        kinds: kinds(lang),
        today: deltawall_app::time::today().to_string(),
        l: user.layout("posture-title", "posture", notice(lang, &n.notice)),
    }))
}

/// The new assessment form.
#[derive(Debug, Deserialize)]
pub struct AssessmentForm {
    kind: String,
    scope: String,
    as_of: String,
    #[serde(default)]
    previous_id: String,
    #[serde(default)]
    catalog_id: String,
    #[serde(default)]
    mapping_set_id: String,
}

/// `POST /posture/assessments`.
pub async fn assessment_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<AssessmentForm>,
) -> PageResult {
    let input = AssessmentInput {
        kind: parse("kind", &f.kind, AssessmentKind::from_code).map_err(user.err())?,
        scope: f.scope,
        as_of: f.as_of,
        previous_id: Some(f.previous_id).filter(|p| !p.trim().is_empty()),
        catalog_id: Some(f.catalog_id).filter(|p| !p.trim().is_empty()),
        mapping_set_id: Some(f.mapping_set_id).filter(|p| !p.trim().is_empty()),
    };
    let id = posture_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/assessments/{id}?notice=created")).into_response())
}

/// Assessment page query.
#[derive(Debug, Deserialize, Default)]
pub struct AssessmentQuery {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    notice: String,
}

async fn load_view(
    state: &AppState,
    user: &UiUser,
    id: &str,
    as_of: &str,
) -> Result<posture_svc::AssessmentView, AppError> {
    let day = if as_of.trim().is_empty() {
        None
    } else {
        Some(deltawall_app::time::date("as_of", as_of).map_err(user.err())?)
    };
    posture_svc::view(user.ctx(state), id, day)
        .await
        .map_err(user.err())
}

/// `GET /posture/assessments/{id}`.
pub async fn assessment(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let v = load_view(&state, &user, &id, &q.as_of).await?;
    let me = &user.info.actor;
    let own = v.assessment.org_id == me.org_id && me.can(Permission::EditPosture);
    let mapping_sets = if own {
        sets_into(&state, &user, Some(&v.assessment.catalog_id)).await?
    } else {
        vec![]
    };
    Ok(render(&assessment_page(&user, &v, &q, own, mapping_sets)))
}

fn assessment_page(
    user: &UiUser,
    v: &deltawall_app::posture::assessments::AssessmentView,
    q: &AssessmentQuery,
    own: bool,
    mapping_sets: Vec<(String, String)>,
) -> AssessmentPage {
    let lang = user.lang;
    let open = Default::default();
    let elements = report::elements(&v.catalog);
    AssessmentPage {
        mapping_sets,
        catalog_title: v
            .catalog
            .title
            .shown(crate::posture::views_oscal::cat_lang(lang))
            .to_owned(),
        a: assessment_rows(
            lang,
            &user.info.actor.org_id,
            std::slice::from_ref(&v.assessment),
        )
        .remove(0),
        scope: v.assessment.scope.clone(),
        as_of: q.as_of.clone(),
        progress: progress_rows(lang, &elements, &v.progress, &open),
        viewpoints: viewpoints(lang, v),
        can_answer: own
            && v.assessment.status == deltawall_domain::posture::AssessmentStatus::Draft,
        can_next: own,
        levels: maturity_levels(lang, &v.catalog),
        evidence: v
            .evidence
            .iter()
            .map(|e| (e.id.clone(), e.filename.clone()))
            .collect(),
        kinds: kinds(lang),
        today: deltawall_app::time::today().to_string(),
        l: user.layout("posture-assessment", "posture", notice(lang, &q.notice)),
    }
}

/// `GET /posture/assessments/{id}/results.csv`: the latest results as of a day.
pub async fn results_csv(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<AssessmentQuery>,
) -> PageResult {
    let v = load_view(&state, &user, &id, &q.as_of).await?;
    Ok(csv("results.csv", &tables::results(&v)))
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    requirement_id: String,
    result: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    maturity: String,
    rationale: String,
    confidence: String,
    #[serde(default)]
    evidence: String,
}

/// `POST /posture/assessments/{id}/answers`.
pub async fn answer(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<AnswerForm>,
) -> PageResult {
    let maturity = match f.maturity.trim() {
        "" => None,
        m => Some(parse("maturity", m, |s| s.parse::<u8>().ok()).map_err(user.err())?),
    };
    let input = AnswerInput {
        requirement_id: f.requirement_id.clone(),
        result: parse("result", &f.result, Outcome::from_code).map_err(user.err())?,
        justification: Some(f.justification),
        maturity,
        rationale: f.rationale,
        confidence: parse("confidence", &f.confidence, Confidence::from_code)
            .map_err(user.err())?,
        evidence: Some(f.evidence)
            .filter(|e| !e.trim().is_empty())
            .into_iter()
            .collect(),
    };
    posture_svc::answer(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!(
        "/posture/assessments/{id}?notice=saved#{}",
        f.requirement_id
    ))
    .into_response())
}

/// The confirm form.
#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    requirement_id: String,
}

/// `POST /posture/assessments/{id}/confirm`: a carried answer is confirmed unchanged.
pub async fn confirm(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<ConfirmForm>,
) -> PageResult {
    posture_svc::confirm(user.ctx(&state), &id, &f.requirement_id)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!(
        "/posture/assessments/{id}?notice=saved#{}",
        f.requirement_id
    ))
    .into_response())
}

/// An empty form.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// `POST /posture/assessments/{id}/submit`.
pub async fn submit(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(_): UiForm<EmptyForm>,
) -> PageResult {
    posture_svc::submit(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/assessments/{id}?notice=saved")).into_response())
}

/// History filter.
#[derive(Debug, Deserialize, Default)]
pub struct HistoryQuery {
    #[serde(default)]
    requirement: String,
}

/// `GET /posture/assessments/{id}/history`.
pub async fn history(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> PageResult {
    let req = Some(q.requirement.trim()).filter(|r| !r.is_empty());
    let list = posture_svc::history(user.ctx(&state), &id, req)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&HistoryPage {
        id,
        requirement: q.requirement.clone(),
        revisions: list
            .into_iter()
            .map(|r| {
                let l = label(lang, "result", r.answer.outcome.code());
                (r, l)
            })
            .collect(),
        l: user.layout("posture-history", "posture", None),
    }))
}
