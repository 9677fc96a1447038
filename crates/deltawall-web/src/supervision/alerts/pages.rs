//! The pages of alerts (注意喚起): a supervisor composes one with a population preview and
//! tracks acknowledgements (`/supervision/alerts/…`); an institution reads and acknowledges
//! its alerts (`/alerts/…`).

use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::layout::{CursorPager, render};
use crate::router::AppState;
use crate::supervision::alerts::views::*;
use crate::supervision::requests::pages::{
    FormMap, answers, bilingual_lines, get, is_supervisor, may_send, refusal_text, reminders,
    selector, ticked,
};
use crate::supervision::requests::views::{PreviewOutcome, vocabularies};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::alerts::{self as alerts, AckInput, AlertInput};
use deltawall_domain::Permission;
use deltawall_domain::supervision::alert::{ChecklistAnswer, ChecklistItem};

type PageResult = Result<Response, AppError>;

/// `GET /alerts`: the supervisor's alerts, or (for an institution) its inbox.
pub async fn alerts_home(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    if !is_supervisor(&user) {
        return Ok(Redirect::to("/requests").into_response());
    }
    let list = alerts::page(user.ctx(&state), &state.config.clock, &q)
        .await
        .map_err(user.err())?;
    let l = user.layout("alert-title", "alerts", None);
    let pager = CursorPager::new(&user.path, list.next.as_deref());
    let page = AlertListPage::new(l, pager, list.items, may_send(&user));
    Ok(render(&page))
}

fn alert_values(f: &FormMap) -> AlertValues {
    AlertValues {
        title_ja: get(f, "title_ja"),
        title_en: get(f, "title_en"),
        body_ja: get(f, "body_ja"),
        body_en: get(f, "body_en"),
        checklist: get(f, "checklist"),
        business_types: ticked(f, "bt."),
        regions: ticked(f, "rg."),
        include: get(f, "include"),
        exclude: get(f, "exclude"),
        respond_by: get(f, "respond_by"),
        days_before: get(f, "days_before"),
        overdue_every: get(f, "overdue_every"),
    }
}

pub(crate) fn alert_input(f: &FormMap) -> Result<AlertInput, ServiceError> {
    let checklist = bilingual_lines("checklist", &get(f, "checklist"))?
        .into_iter()
        .map(|(id, text)| ChecklistItem { id, text })
        .collect();
    Ok(AlertInput {
        title_ja: get(f, "title_ja"),
        title_en: get(f, "title_en"),
        body_ja: get(f, "body_ja"),
        body_en: get(f, "body_en"),
        population: selector(f)?,
        respond_by: get(f, "respond_by"),
        checklist,
        reminders: reminders(f)?,
    })
}

fn alert_page(user: &UiUser, v: AlertValues, preview: Option<PreviewOutcome>) -> PageResult {
    let (business_types, regions) = vocabularies(user.lang);
    Ok(render(&AlertComposePage {
        l: user.layout("alert-new", "alerts", None),
        v,
        business_types,
        regions,
        preview,
    }))
}

/// `GET /supervision/alerts/new`.
pub async fn alert_compose(State(state): State<AppState>, user: UiUser) -> PageResult {
    deltawall_app::supervision::dispatch::require_supervisor(&user.ctx(&state))
        .map_err(user.err())?;
    let v = AlertValues {
        days_before: "1".into(),
        overdue_every: "3".into(),
        ..AlertValues::default()
    };
    alert_page(&user, v, None)
}

/// `POST /supervision/alerts/preview`.
pub async fn alert_preview(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    deltawall_app::supervision::dispatch::require_supervisor(&user.ctx(&state))
        .map_err(user.err())?;
    let outcome = match alert_input(&f) {
        Ok(input) => alerts::preview(user.ctx(&state), &state.config.clock, &input).await,
        Err(e) => Err(e),
    };
    let outcome = match outcome {
        Ok(list) => PreviewOutcome::Matched(list),
        Err(e @ ServiceError::Invalid(_)) => PreviewOutcome::Refused(refusal_text(user.lang, &e)),
        Err(e) => return Err(user.err()(e)),
    };
    alert_page(&user, alert_values(&f), Some(outcome))
}

/// `POST /supervision/alerts`.
pub async fn alert_send(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    let input = alert_input(&f).map_err(user.err())?;
    let id = alerts::send(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/alerts/{id}")).into_response())
}

/// `GET /supervision/alerts/{id}`: the tracking table.
pub async fn alert_detail(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let d = alerts::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let l = user.layout("alert-title", "alerts", None);
    Ok(render(&AlertDetailPage::new(l, d)))
}

/// `GET /alerts/{id}`: an institution reads an alert and acknowledges it.
pub async fn my_alert(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let a = alerts::my_alert(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let can = user.info.actor.can(Permission::EditPosture);
    let l = user.layout("alert-title", "requests", None);
    Ok(render(&MyAlertPage::new(l, a, can)))
}

/// `POST /alerts/{id}/ack`.
pub async fn acknowledge(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    let answers = answers(&f)
        .map_err(user.err())?
        .into_iter()
        .map(|(item_id, value, note)| ChecklistAnswer {
            item_id,
            value,
            note,
        })
        .collect();
    alerts::acknowledge(
        user.ctx(&state),
        &state.config.clock,
        &id,
        &AckInput { answers },
    )
    .await
    .map_err(user.err())?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}
