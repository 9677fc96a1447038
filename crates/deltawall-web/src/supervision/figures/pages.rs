//! Incidents, exercises and the sector figures: the pages (with CSV, SVG and XLSX
//! downloads) and the JSON API. Handlers extract, call `service::{incidents, exercises,
//! sup_figures}` and map the result; who may see what is decided there.

use crate::downloads::table as export;
use crate::error::{AppError, ErrorBody, ServiceError};
use crate::http::{ApiJson, ApiUser, Query, UiForm, UiUser};
use crate::i18n::Lang;
use crate::layout::render;
use crate::router::AppState;
use crate::supervision::figures::views::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::exercises::{self as exercises_svc, ExerciseInput, ParticipantInput};
use deltawall_app::incidents::{self as incidents_svc, IncidentInput};
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::figures::{self as figures_svc, KEYS};
use deltawall_app::supervision::roles;
use deltawall_app::time::today;
use deltawall_domain::org::BusinessType;
use deltawall_domain::supervision::AttackType;
use deltawall_domain::{OrgKind, Permission};
use deltawall_store::exercises::{Exercise, Participation};
use deltawall_store::findings::code_of;
use deltawall_store::incidents::Incident;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type PageResult = Result<Response, AppError>;

fn supervisor(user: &UiUser) -> bool {
    user.info.actor.org_kind == OrgKind::Supervisor
}

fn can_record(user: &UiUser) -> bool {
    roles::is_supervisor_staff(&user.info.actor)
}

/// Which business type the figures are limited to.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FigureQuery {
    /// A business type code; empty or absent for all.
    #[serde(default)]
    pub business_type: Option<String>,
}

impl FigureQuery {
    fn business_type(&self) -> Result<Option<BusinessType>, ServiceError> {
        match self.business_type.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(code) => BusinessType::from_code(code)
                .map(Some)
                .ok_or(ServiceError::Invalid(deltawall_domain::validate::Invalid {
                    field: "business_type",
                    reason: "is not a known value",
                    code: "err-bad-request",
                })),
        }
    }
}

/// `GET /supervision/figures`.
pub async fn figures_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<FigureQuery>,
) -> PageResult {
    let only = q.business_type().map_err(user.err())?;
    let figs = figures_svc::figures(user.ctx(&state), only)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&FiguresPage {
        figures: figs.figures.iter().map(|f| figure_view(lang, f)).collect(),
        types: BusinessType::ALL
            .iter()
            .map(|b| {
                (
                    b.code().to_owned(),
                    b.label(lang.code()).to_owned(),
                    only == Some(*b),
                )
            })
            .collect(),
        filter: only.map_or_else(String::new, |b| format!("?business_type={}", b.code())),
        l: user.layout("fig-page", "figures", None),
    }))
}

fn download(content_type: &'static str, filename: String, body: impl IntoResponse) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
    ];
    (headers, body).into_response()
}

/// `GET /supervision/figures/{key}.{svg|csv|xlsx}`.
pub async fn figure_download(
    State(state): State<AppState>,
    user: UiUser,
    Path(file): Path<String>,
    Query(q): Query<FigureQuery>,
) -> PageResult {
    let not_found = || AppError::Page(ServiceError::NotFound("figure"), user.lang);
    let (key, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let key = KEYS.iter().find(|k| **k == key).ok_or_else(not_found)?;
    let only = q.business_type().map_err(user.err())?;
    let f = figures_svc::figure(user.ctx(&state), key, only)
        .await
        .map_err(user.err())?;
    let name = format!("figure-{key}.{ext}");
    Ok(match ext {
        "svg" => download(
            "image/svg+xml; charset=utf-8",
            name,
            figure_svg(user.lang, &f),
        ),
        "csv" => download("text/csv; charset=utf-8", name, export::csv(&f.table())),
        "xlsx" => {
            let body = export::xlsx(&f.table())
                .map_err(|e| ServiceError::Internal(e.into()))
                .map_err(user.err())?;
            download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                name,
                body,
            )
        }
        _ => return Err(not_found()),
    })
}

/// `GET /incidents`.
pub async fn incidents_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let page = incidents_svc::page(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let a = &user.info.actor;
    let lang = user.lang;
    Ok(render(&IncidentsPage {
        pager: crate::layout::CursorPager::new(&user.path, page.next.as_deref()),
        incidents: page.items,
        can_report: a.org_kind == OrgKind::Institution && a.can(Permission::EditPosture),
        supervisor: supervisor(&user),
        attacks: AttackType::ALL
            .iter()
            .map(|t| (t.code().to_owned(), t.label(lang.code()).to_owned()))
            .collect(),
        today: today().to_string(),
        l: user.layout("inc-page", "incidents", None),
    }))
}

/// `POST /incidents`.
pub async fn incident_report(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(input): UiForm<IncidentInput>,
) -> PageResult {
    incidents_svc::report(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/incidents").into_response())
}

fn incidents_table(list: &[Incident]) -> export::Table {
    export::Table {
        sheet: "incidents".into(),
        headers: [
            "id",
            "org_id",
            "institution",
            "occurred_on",
            "attack_type",
            "severity",
            "summary",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: list
            .iter()
            .map(|i| {
                vec![
                    i.id.clone(),
                    i.org_id.clone(),
                    i.org_name_en.clone(),
                    i.occurred_on.clone(),
                    i.attack_type.code().to_owned(),
                    code_of(&i.severity),
                    i.summary.clone(),
                ]
            })
            .collect(),
    }
}

/// `GET /incidents.csv`.
pub async fn incidents_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let list = incidents_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    Ok(download(
        "text/csv; charset=utf-8",
        "incidents.csv".into(),
        export::csv(&incidents_table(&list)),
    ))
}

/// `GET /exercises`.
pub async fn exercises_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let x = exercises_svc::page(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let ja = user.lang == Lang::Ja;
    let own = x
        .participations
        .iter()
        .filter(|p| p.org_id == user.info.actor.org_id)
        .filter_map(|p| {
            let e = x.exercises.iter().find(|e| e.id == p.exercise_id)?;
            let name = if ja {
                e.name_ja.clone()
            } else {
                e.name_en.clone()
            };
            Some((e.held_on.clone(), name, p.reviewed))
        })
        .collect();
    Ok(render(&ExercisesPage {
        pager: crate::layout::CursorPager::new(&user.path, x.next.as_deref()),
        exercises: x.exercises,
        own,
        can_record: can_record(&user),
        supervisor: supervisor(&user),
        l: user.layout("exr-page", "exercises", None),
    }))
}

/// `POST /exercises`.
pub async fn exercise_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(input): UiForm<ExerciseInput>,
) -> PageResult {
    let id = exercises_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/exercises/{id}")).into_response())
}

/// `GET /exercises/{id}`.
pub async fn exercise_page(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let (exercise, participants) = exercises_svc::get(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let name = if user.lang == Lang::Ja {
        exercise.name_ja.clone()
    } else {
        exercise.name_en.clone()
    };
    Ok(render(&ExercisePage {
        exercise,
        name,
        participants,
        can_record: can_record(&user),
        l: user.layout("exr-page", "exercises", None),
    }))
}

/// The participant form: a checkbox is absent when not ticked.
#[derive(Debug, Deserialize)]
pub struct ParticipantForm {
    org_id: String,
    #[serde(default)]
    reviewed: Option<String>,
}

/// `POST /exercises/{id}/participants`.
pub async fn participant_record(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<ParticipantForm>,
) -> PageResult {
    let input = ParticipantInput {
        org_id: form.org_id,
        reviewed: form.reviewed.is_some_and(|v| v == "true"),
    };
    exercises_svc::record_participant(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/exercises/{id}")).into_response())
}

// --- JSON API ---------------------------------------------------------------------------

type ApiResult<T> = Result<T, AppError>;

/// An incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDto {
    /// Id.
    pub id: String,
    /// The institution.
    pub org_id: String,
    /// Its English name.
    pub org_name: String,
    /// The day it happened.
    pub occurred_on: String,
    /// Attack type code.
    pub attack_type: String,
    /// Severity code.
    pub severity: String,
    /// Summary.
    pub summary: String,
    /// Reported, Unix µs.
    pub reported_at: i64,
}

impl From<Incident> for IncidentDto {
    fn from(i: Incident) -> Self {
        IncidentDto {
            attack_type: i.attack_type.code().into(),
            severity: code_of(&i.severity),
            id: i.id,
            org_id: i.org_id,
            org_name: i.org_name_en,
            occurred_on: i.occurred_on,
            summary: i.summary,
            reported_at: i.reported_at,
        }
    }
}

/// An id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdDto {
    /// Id.
    pub id: String,
}

/// Incidents visible to the caller (its own, or a supervisor's reach), newest first; one
/// page, the next in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "supervision", params(PageRequest),
    responses((status = 200, body = Vec<IncidentDto>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_incidents(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let page = incidents_svc::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    let rows: Vec<IncidentDto> = page.items.into_iter().map(Into::into).collect();
    Ok(crate::layout::paged_json(&uri, rows, page.next.as_deref()))
}

/// Reports an incident of the caller's institution.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "supervision", request_body = IncidentInput,
    responses((status = 201, body = IdDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_incident_report(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let id = incidents_svc::report(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

/// An exercise with the participants within the caller's reach.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExerciseDto {
    /// Id.
    pub id: String,
    /// Organising body.
    pub organiser: String,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// The day it was held.
    pub held_on: String,
    /// Participants within the caller's reach.
    pub participants: i64,
    /// Of those, how many held their review.
    pub reviewed: i64,
}

impl From<Exercise> for ExerciseDto {
    fn from(e: Exercise) -> Self {
        ExerciseDto {
            id: e.id,
            organiser: e.organiser,
            name_ja: e.name_ja,
            name_en: e.name_en,
            held_on: e.held_on,
            participants: e.participants,
            reviewed: e.reviewed,
        }
    }
}

/// One institution's participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationDto {
    /// The exercise.
    pub exercise_id: String,
    /// The institution.
    pub org_id: String,
    /// Its English name.
    pub org_name: String,
    /// Whether it held its post-exercise review.
    pub reviewed: bool,
}

impl From<Participation> for ParticipationDto {
    fn from(p: Participation) -> Self {
        ParticipationDto {
            exercise_id: p.exercise_id,
            org_id: p.org_id,
            org_name: p.org_name_en,
            reviewed: p.reviewed,
        }
    }
}

/// One page of the exercises the caller may read and the participations in them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExercisesDto {
    /// Exercises, newest first (a supervisor: every one; an institution: those it took
    /// part in).
    pub exercises: Vec<ExerciseDto>,
    /// Participations within the caller's reach in those exercises (an institution: its
    /// own).
    pub participations: Vec<ParticipationDto>,
    /// The cursor of the next page, also in the `Link: rel="next"` header; null on the
    /// last page.
    pub next: Option<String>,
}

/// Exercises, and who took part within the caller's reach; one page, the next at `next` and
/// in `Link: rel="next"`.
#[utoipa::path(get, path = "/api/v1/exercises", tag = "supervision", params(PageRequest),
    responses((status = 200, body = ExercisesDto), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_exercises(
    State(state): State<AppState>,
    user: ApiUser,
    uri: axum::http::Uri,
    Query(q): Query<PageRequest>,
) -> ApiResult<Response> {
    let x = exercises_svc::page(user.ctx(&state), &q)
        .await
        .map_err(AppError::Json)?;
    let link = crate::layout::next_link(&uri, x.next.as_deref());
    let mut resp = Json(ExercisesDto {
        exercises: x.exercises.into_iter().map(Into::into).collect(),
        participations: x.participations.into_iter().map(Into::into).collect(),
        next: x.next,
    })
    .into_response();
    if let Some(v) = link {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

/// Records an exercise (supervisory staff).
#[utoipa::path(post, path = "/api/v1/exercises", tag = "supervision", request_body = ExerciseInput,
    responses((status = 201, body = IdDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_exercise_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<ExerciseInput>,
) -> ApiResult<(StatusCode, Json<IdDto>)> {
    let id = exercises_svc::create(user.ctx(&state), &input)
        .await
        .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(IdDto { id })))
}

/// Records that an institution within the caller's reach took part (or its review).
#[utoipa::path(post, path = "/api/v1/exercises/{id}/participants", tag = "supervision", params(("id" = String, Path)), request_body = ParticipantInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_participant_record(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ParticipantInput>,
) -> ApiResult<StatusCode> {
    exercises_svc::record_participant(user.ctx(&state), &id, &input)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The sector figures of the caller's reach (supervisors only).
#[utoipa::path(get, path = "/api/v1/supervision/figures", tag = "supervision", params(FigureQuery),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_figures(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<FigureQuery>,
) -> ApiResult<Response> {
    let only = q.business_type().map_err(AppError::Json)?;
    let figs = figures_svc::figures(user.ctx(&state), only)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(figs).into_response())
}

/// Which administrative year the sector report covers.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    /// The year (2019: July 2019 to June 2020); the last complete one when absent.
    #[serde(default)]
    pub year: Option<i16>,
}

impl ReportQuery {
    fn year(&self) -> i16 {
        self.year.unwrap_or_else(|| {
            deltawall_domain::supervision::figures::administrative_year(today()) - 1
        })
    }
}

/// `GET /supervision/report?year=`: the yearly sector report, printable.
pub async fn report_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let r = deltawall_app::supervision::report::report(user.ctx(&state), q.year())
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&SectorReportPage {
        figures: r.figures.iter().map(|f| figure_view(lang, f)).collect(),
        l: user.layout("fig-report", "figures", None),
        report: r,
    }))
}

/// `GET /supervision/report.xlsx?year=`: the report's tables, one sheet each.
pub async fn report_xlsx(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let r = deltawall_app::supervision::report::report(user.ctx(&state), q.year())
        .await
        .map_err(user.err())?;
    let body = export::xlsx_book(&deltawall_app::supervision::report::tables(&r))
        .map_err(|e| ServiceError::Internal(e.into()))
        .map_err(user.err())?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("sector-report-{}.xlsx", r.year),
        body,
    ))
}
