//! The exercise pages: design, blind play, evaluation and contingency plans. Handlers
//! extract, call one service of `deltawall_app::exercises` and map the result; who may see
//! and do what is decided there. Every form posts and redirects, so nothing needs script.

use super::forms::*;
use super::views::*;
use crate::error::AppError;
use crate::http::{UiForm, UiUser};
use crate::layout::render;
use crate::router::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::exercises::design::{self, EnrolInput};
use deltawall_app::exercises::evaluation::{self, MeasureInput, ObservationInput};
use deltawall_app::exercises::play::{self, ResponseInput};
use deltawall_app::exercises::{plans, rules};

type PageResult = Result<Response, AppError>;

fn back(id: &str, to: &str) -> Response {
    Redirect::to(&format!("/exercises/editions/{id}{to}")).into_response()
}

/// `GET /exercises/editions`.
pub async fn editions(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<deltawall_app::paging::PageRequest>,
) -> PageResult {
    let page = play::page(user.ctx(&state), &q).await.map_err(user.err())?;
    Ok(render(&EditionsPage {
        pager: crate::layout::CursorPager::new(&user.path, page.next.as_deref()),
        editions: EditionsPage::rows(user.lang, page.items),
        may_organise: design::may_organise(&user.info.actor),
        l: user.layout("xp-editions", "exercises", None),
    }))
}

/// `POST /exercises/editions`.
pub async fn create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(form): UiForm<DesignForm>,
) -> PageResult {
    let input = form.input().map_err(user.err())?;
    let id = design::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `GET /exercises/editions/{id}`.
pub async fn edition(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let v = play::view(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    Ok(render(&EditionPage::new(
        user.layout("xp-edition", "exercises", None),
        v,
    )))
}

/// `GET /exercises/editions/{id}/schedule.csv`: the organiser's export (audited).
pub async fn schedule_csv(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let now = state.config.clock.now_us();
    let schedule = design::export_schedule(user.ctx(&state), &id, now, "schedule.csv")
        .await
        .map_err(user.err())?;
    let csv = deltawall_domain::exercise::schedule::to_csv(&schedule);
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"schedule-{id}.csv\""),
        ),
    ];
    Ok((headers, csv).into_response())
}

/// `GET /exercises/editions/{id}/schedule.xlsx`: the same export as a workbook (audited).
pub async fn schedule_xlsx(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let now = state.config.clock.now_us();
    let schedule = design::export_schedule(user.ctx(&state), &id, now, "schedule.xlsx")
        .await
        .map_err(user.err())?;
    let xlsx = schedule_workbook(&schedule).map_err(user.err())?;
    let headers = [
        (header::CONTENT_TYPE, XLSX_TYPE.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"schedule-{id}.xlsx\""),
        ),
    ];
    Ok((headers, xlsx).into_response())
}

/// `POST /exercises/editions/{id}/schedule.xlsx`: the schedule imported from a workbook
/// (a file part `file`), read as the CSV import reads its text.
pub async fn schedule_xlsx_import(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    design::check_control(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let parts = crate::posture::ui::catalogs::read_parts(multipart, &["file"])
        .await
        .map_err(|(status, message)| AppError::Status { status, message })?;
    let csv =
        schedule_csv_of(parts.get("file").map_or(&[][..], Vec::as_slice)).map_err(user.err())?;
    design::import_schedule(user.ctx(&state), &id, &csv)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `POST /exercises/editions/{id}/schedule`.
pub async fn schedule_import(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<ScheduleForm>,
) -> PageResult {
    design::import_schedule(user.ctx(&state), &id, &form.schedule_csv)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `POST /exercises/editions/{id}/enrol`.
pub async fn enrol(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(input): UiForm<EnrolInput>,
) -> PageResult {
    design::enrol(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `POST /exercises/editions/{id}/clock`.
pub async fn clock(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<ClockForm>,
) -> PageResult {
    play::command(user.ctx(&state), &state.config.clock, &id, &form.command)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `POST /exercises/editions/{id}/releases`.
pub async fn release(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<ReleaseForm>,
) -> PageResult {
    play::release(user.ctx(&state), &state.config.clock, &id, &form.inject)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `POST /exercises/editions/{id}/responses`.
pub async fn respond(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(input): UiForm<ResponseInput>,
) -> PageResult {
    play::respond(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, ""))
}

/// `GET /exercises/editions/{id}/evaluation`.
pub async fn evaluation_page(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let v = evaluation::view(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let plays = rules::plays(&user.info.actor) && !v.controls;
    let l = user.layout("xp-evaluation", "exercises", None);
    Ok(render(&EvaluationPage::new(l, v, plays)))
}

/// `POST /exercises/editions/{id}/self-assessments`.
pub async fn self_assess(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<SelfForm>,
) -> PageResult {
    let input = form.input().map_err(user.err())?;
    evaluation::self_assess(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, "/evaluation"))
}

/// `POST /exercises/editions/{id}/ratings`.
pub async fn rate(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(form): UiForm<RatingForm>,
) -> PageResult {
    let input = form.input().map_err(user.err())?;
    evaluation::rate(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, "/evaluation"))
}

/// `POST /exercises/editions/{id}/measures`.
pub async fn propose(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(input): UiForm<MeasureInput>,
) -> PageResult {
    evaluation::propose(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, "/evaluation"))
}

/// `POST /exercises/editions/{id}/observations`.
pub async fn observe(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(input): UiForm<ObservationInput>,
) -> PageResult {
    evaluation::observe(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(back(&id, "/evaluation"))
}

/// `POST /exercises/measures/{measure}/accept`: a finding and a plan revision task.
pub async fn accept(
    State(state): State<AppState>,
    user: UiUser,
    Path(measure): Path<String>,
) -> PageResult {
    let done = evaluation::accept(user.ctx(&state), &measure)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{}", done.finding_id)).into_response())
}

/// `POST /exercises/measures/{measure}/decline`.
pub async fn decline(
    State(state): State<AppState>,
    user: UiUser,
    Path(measure): Path<String>,
) -> PageResult {
    evaluation::decline(user.ctx(&state), &measure)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/exercises/editions").into_response())
}

/// `GET /contingency-plans`.
pub async fn plans_page(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<deltawall_app::paging::PageRequest>,
) -> PageResult {
    let p = plans::overview(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(user.err())?;
    let form = rules::plays(&user.info.actor)
        .then(|| PlanForm::new(user.lang, &user.info.actor.org_id, &p));
    let l = user.layout("xp-plans", "exercises", None);
    let pager = crate::layout::CursorPager::new(&user.path, p.next.as_deref());
    Ok(render(&PlansPage::new(l, p, form, pager)))
}

/// `POST /contingency-plans/versions`: the reader's plan edited as a new version.
pub async fn plan_version(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(form): UiForm<std::collections::HashMap<String, String>>,
) -> PageResult {
    let input =
        super::plan_form::plan_input(&form, state.config.clock.now_us()).map_err(user.err())?;
    plans::add_version(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/contingency-plans").into_response())
}
