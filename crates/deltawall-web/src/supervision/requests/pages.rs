//! The pages of requests (要請). `/requests` is the entry point for everyone: a supervisor
//! sees what was sent within its reach, an institution its own tasks and alerts.
//! Composing, previewing, sending and deciding live under `/supervision/…`; answering under
//! `/tasks/…`. The form readers here (population, reminders, bilingual lines, answers) also
//! serve the alert pages, which send the same kind of document.
//!
//! Forms are read as flat maps because checkbox groups and per-item answers have dynamic
//! names (`bt.<code>`, `rg.<code>`, `v.<item>`, `n.<item>`).

use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::{CursorPager, render};
use crate::router::AppState;
use crate::supervision::requests::views::*;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::paging::PageRequest;
use deltawall_app::supervision::alerts;
use deltawall_app::supervision::requests::{
    self as requests, AnswersInput, DecisionInput, RequestInput,
};
use deltawall_domain::Permission;
use deltawall_domain::catalog::Text;
use deltawall_domain::org::{BusinessType, OrgKind, Region};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::ReminderPolicy;
use deltawall_domain::supervision::population::{Filter, Selector};
use deltawall_domain::supervision::request::{Answer, AnswerValue, Asked, AskedQuestion};
use deltawall_domain::validate::Invalid;
use std::collections::BTreeMap;

type PageResult = Result<Response, AppError>;
pub(crate) type FormMap = BTreeMap<String, String>;

pub(crate) fn get(f: &FormMap, key: &str) -> String {
    f.get(key).map(|s| s.trim().to_owned()).unwrap_or_default()
}

pub(crate) fn ticked(f: &FormMap, prefix: &str) -> Vec<String> {
    f.iter()
        .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
        .map(|(k, _)| k[prefix.len()..].to_owned())
        .collect()
}

pub(crate) fn bad(field: &'static str, code: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field,
        reason,
        code,
    })
}

pub(crate) fn ids(raw: &str) -> Vec<String> {
    raw.split([',', '\n', ' ', '\r', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `id | 日本語 | English` lines.
pub(crate) fn bilingual_lines(
    field: &'static str,
    raw: &str,
) -> Result<Vec<(String, Text)>, ServiceError> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split('|').map(str::trim).collect();
            match parts.as_slice() {
                [id, ja, en] => Ok((
                    (*id).to_owned(),
                    Text {
                        ja: (*ja).to_owned(),
                        en: (*en).to_owned(),
                    },
                )),
                _ => Err(bad(
                    field,
                    "req-err-line",
                    "each line is: id | 日本語 | English",
                )),
            }
        })
        .collect()
}

pub(crate) fn selector(f: &FormMap) -> Result<Selector, ServiceError> {
    let business_types = ticked(f, "bt.")
        .iter()
        .map(|c| BusinessType::from_code(c))
        .collect::<Option<Vec<_>>>()
        .ok_or(bad("population", "err-bad-request", "is not a known value"))?;
    let regions = ticked(f, "rg.")
        .iter()
        .map(|c| Region::from_code(c))
        .collect::<Option<Vec<_>>>()
        .ok_or(bad("population", "err-bad-request", "is not a known value"))?;
    // Without any criterion ticked, the filter is left out: an empty form selects only
    // the listed institutions, never the whole sector by omission.
    let filter = (!business_types.is_empty() || !regions.is_empty()).then(|| Filter {
        business_types,
        regions,
        attributes: Vec::new(),
    });
    Ok(Selector {
        filter,
        include: ids(&get(f, "include")),
        exclude: ids(&get(f, "exclude")),
    })
}

pub(crate) fn reminders(f: &FormMap) -> Result<ReminderPolicy, ServiceError> {
    let days_before = ids(&get(f, "days_before"))
        .iter()
        .map(|d| d.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()
        .ok_or(bad(
            "reminders",
            "req-err-reminders",
            "days must be whole numbers",
        ))?;
    let every = get(f, "overdue_every");
    let overdue_every_days = if every.is_empty() {
        None
    } else {
        Some(every.parse::<u32>().map_err(|_| {
            bad(
                "reminders",
                "req-err-reminders",
                "days must be whole numbers",
            )
        })?)
    };
    Ok(ReminderPolicy {
        days_before,
        overdue_every_days,
    })
}

fn compose_values(f: &FormMap) -> ComposeValues {
    ComposeValues {
        title_ja: get(f, "title_ja"),
        title_en: get(f, "title_en"),
        questions: get(f, "questions"),
        requirement_ids: get(f, "requirement_ids"),
        business_types: ticked(f, "bt."),
        regions: ticked(f, "rg."),
        include: get(f, "include"),
        exclude: get(f, "exclude"),
        deadline: get(f, "deadline"),
        days_before: get(f, "days_before"),
        overdue_every: get(f, "overdue_every"),
        baseline: get(f, "baseline"),
    }
}

fn request_input(f: &FormMap) -> Result<RequestInput, ServiceError> {
    let requirement_ids = ids(&get(f, "requirement_ids"));
    let asked = if requirement_ids.is_empty() {
        let questions = bilingual_lines("asked", &get(f, "questions"))?
            .into_iter()
            .map(|(id, text)| AskedQuestion { id, text })
            .collect();
        Asked::Questions { questions }
    } else {
        let catalog = deltawall_domain::catalog::builtin::fsa_2020_viewpoints()
            .map_err(|e| ServiceError::Internal(e.into()))?;
        Asked::Requirements {
            catalog_id: catalog.id,
            requirement_ids,
        }
    };
    let baseline = get(f, "baseline");
    Ok(RequestInput {
        title_ja: get(f, "title_ja"),
        title_en: get(f, "title_en"),
        asked,
        population: selector(f)?,
        deadline: get(f, "deadline"),
        reminders: reminders(f)?,
        baseline_request_id: (!baseline.is_empty()).then_some(baseline),
    })
}

/// The localised message of an input error, naming the field.
pub(crate) fn refusal_text(lang: Lang, e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(i) => format!(
            "{}: {}",
            i18n::t(lang, &format!("field-{}", i.field)),
            i18n::t(lang, i.code)
        ),
        other => i18n::t(lang, other.code()).to_owned(),
    }
}

pub(crate) fn is_supervisor(user: &UiUser) -> bool {
    user.info.actor.org_kind == OrgKind::Supervisor
}

pub(crate) fn may_send(user: &UiUser) -> bool {
    deltawall_app::supervision::roles::is_supervisor_staff(&user.info.actor)
}

/// `GET /requests`: the supervisor's requests, or the institution's tasks and alerts.
pub async fn home(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let clock = &state.config.clock;
    if is_supervisor(&user) {
        let list = requests::page(user.ctx(&state), clock, &q)
            .await
            .map_err(user.err())?;
        let l = user.layout("req-title", "requests", None);
        let pager = CursorPager::new(&user.path, list.next.as_deref());
        let page = RequestListPage::new(l, pager, list.items, may_send(&user));
        return Ok(render(&page));
    }
    let inbox = requests::inbox(user.ctx(&state), clock, &q)
        .await
        .map_err(user.err())?;
    let mine = alerts::my_alerts(user.ctx(&state), clock)
        .await
        .map_err(user.err())?;
    let l = user.layout("task-title", "requests", None);
    Ok(render(&InboxPage::new(l, &user.path, inbox, mine)))
}

async fn compose_page(
    state: &AppState,
    user: &UiUser,
    v: ComposeValues,
    preview: Option<PreviewOutcome>,
) -> PageResult {
    let choices = requests::baseline_choices(user.ctx(state))
        .await
        .map_err(user.err())?;
    let mut baselines: Vec<(String, String)> = choices
        .into_iter()
        .map(|s| {
            let title = Text {
                ja: s.title_ja,
                en: s.title_en,
            };
            (s.id, text(user.lang, &title))
        })
        .collect();
    // A baseline typed or kept from an earlier form stays chosen even when it is older
    // than the choices offered; sending checks that it is visible.
    if !v.baseline.is_empty() && !baselines.iter().any(|(id, _)| *id == v.baseline) {
        baselines.push((v.baseline.clone(), v.baseline.clone()));
    }
    let (business_types, regions) = vocabularies(user.lang);
    Ok(render(&ComposePage {
        l: user.layout("req-new", "requests", None),
        v,
        business_types,
        regions,
        baselines,
        preview,
    }))
}

/// `GET /supervision/requests/new`.
pub async fn compose(State(state): State<AppState>, user: UiUser) -> PageResult {
    deltawall_app::supervision::dispatch::require_supervisor(&user.ctx(&state))
        .map_err(user.err())?;
    let v = ComposeValues {
        days_before: "7, 1".into(),
        overdue_every: "3".into(),
        ..ComposeValues::default()
    };
    compose_page(&state, &user, v, None).await
}

/// `POST /supervision/requests/preview`: the matched institutions, or why the request
/// cannot be sent (an empty population, a past deadline), shown with the form.
pub async fn preview(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    deltawall_app::supervision::dispatch::require_supervisor(&user.ctx(&state))
        .map_err(user.err())?;
    let outcome = match request_input(&f) {
        Ok(input) => requests::preview(user.ctx(&state), &state.config.clock, &input).await,
        Err(e) => Err(e),
    };
    let outcome = match outcome {
        Ok(list) => PreviewOutcome::Matched(list),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
            PreviewOutcome::Refused(refusal_text(user.lang, &e))
        }
        Err(e) => return Err(user.err()(e)),
    };
    compose_page(&state, &user, compose_values(&f), Some(outcome)).await
}

/// `POST /supervision/requests`: sends the request.
pub async fn send(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    let input = request_input(&f).map_err(user.err())?;
    let id = requests::send(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/requests/{id}")).into_response())
}

/// `GET /supervision/requests/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let d = requests::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let l = user.layout("req-title", "requests", None);
    Ok(render(&RequestDetailPage::new(l, d)))
}

/// `GET /supervision/requests/{id}/tasks/{task}`.
pub async fn task(
    State(state): State<AppState>,
    user: UiUser,
    Path((id, task)): Path<(String, String)>,
) -> PageResult {
    let (r, t) = requests::task_for_supervisor(user.ctx(&state), &state.config.clock, &id, &task)
        .await
        .map_err(user.err())?;
    let l = user.layout("req-title", "requests", None);
    Ok(render(&SupervisorTaskPage::new(l, r, t, may_send(&user))))
}

/// `POST /supervision/requests/{id}/tasks/{task}/decision`.
pub async fn decide(
    State(state): State<AppState>,
    user: UiUser,
    Path((id, task)): Path<(String, String)>,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    let input = DecisionInput {
        decision: get(&f, "decision"),
        reason: get(&f, "reason"),
    };
    requests::decide(user.ctx(&state), &state.config.clock, &id, &task, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/requests/{id}/tasks/{task}")).into_response())
}

/// `GET /tasks/{id}`: the institution's answer form.
pub async fn my_task(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let t = requests::my_task(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let a = &user.info.actor;
    let l = user.layout("task-title", "requests", None);
    Ok(render(&TaskAnswerPage::new(
        l,
        t,
        a.can(Permission::EditPosture),
        a.role == Role::Executive,
    )))
}

fn answer_value(code: &str) -> Option<AnswerValue> {
    match code {
        "yes" => Some(AnswerValue::Yes),
        "partial" => Some(AnswerValue::Partial),
        "no" => Some(AnswerValue::No),
        "not_applicable" => Some(AnswerValue::NotApplicable),
        _ => None,
    }
}

/// `v.<id>` / `n.<id>` pairs; an item left at "—" is not answered.
pub(crate) fn answers(f: &FormMap) -> Result<Vec<(String, AnswerValue, String)>, ServiceError> {
    let mut out = Vec::new();
    for (k, v) in f {
        let Some(id) = k.strip_prefix("v.") else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let value = answer_value(v.trim()).ok_or(bad(
            "answers",
            "err-bad-request",
            "is not a known value",
        ))?;
        out.push((id.to_owned(), value, get(f, &format!("n.{id}"))));
    }
    Ok(out)
}

fn answers_input(f: &FormMap) -> Result<AnswersInput, ServiceError> {
    Ok(AnswersInput {
        answers: answers(f)?
            .into_iter()
            .map(|(id, value, note)| Answer { id, value, note })
            .collect(),
        attest: !get(f, "attest").is_empty(),
    })
}

/// `POST /tasks/{id}/draft`.
pub async fn save_draft(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    let input = answers_input(&f).map_err(user.err())?;
    requests::save_draft(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
}

/// `POST /tasks/{id}/submit`.
pub async fn submit(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<FormMap>,
) -> PageResult {
    let input = answers_input(&f).map_err(user.err())?;
    requests::submit(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
}
