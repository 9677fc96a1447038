//! The pages of incident cases (`/incidents/cases`, `/incidents/new`) and regulator reports
//! (`/incidents/reports`). Handlers read the form, call `deltawall_app::incidents` and
//! redirect back to the case; forms are read as pairs because the open form repeats
//! `detection` and the report form names its items `item.<code>`.

use super::views::{CaseListPage, CasePage, NewCasePage, ReportListPage, ReportPage, report_lines};
use crate::error::AppError;
use crate::http::{Query, UiForm, UiUser};
use crate::layout::{CursorPager, render};
use crate::router::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::incidents::cases::{self, CaseInput, CommandInput, ServiceInput};
use deltawall_app::incidents::reports::{self, DecisionInput, ReviewInput, SubmitInput};
use deltawall_app::incidents::share::{self, PreventionInput, ShareInput};
use deltawall_app::incidents::work::{self, CustomerInput, ObservableInput, TaskInput};
use deltawall_app::paging::PageRequest;
use deltawall_domain::org::OrgKind;
use deltawall_domain::role::Role;

type PageResult = Result<Response, AppError>;
type Pairs = Vec<(String, String)>;

fn get(f: &Pairs, key: &str) -> String {
    f.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

fn all(f: &Pairs, key: &str) -> Vec<String> {
    f.iter()
        .filter(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

fn opt(f: &Pairs, key: &str) -> Option<String> {
    Some(get(f, key)).filter(|v| !v.is_empty())
}

fn may_edit(user: &UiUser) -> bool {
    let a = &user.info.actor;
    a.org_kind == OrgKind::Institution && a.role != Role::Auditor
}

fn back(id: &str) -> PageResult {
    Ok(Redirect::to(&format!("/incidents/cases/{id}")).into_response())
}

/// `name | status | customer` lines of the services field (`customer` marks a
/// customer-facing service).
fn services(raw: &str) -> Vec<ServiceInput> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split('|').map(str::trim).collect();
            ServiceInput {
                name: parts.first().copied().unwrap_or_default().to_owned(),
                status: parts.get(1).copied().unwrap_or("degraded").to_owned(),
                customer_facing: parts.get(2).is_some_and(|c| !c.is_empty()),
            }
        })
        .collect()
}

fn case_input(f: &Pairs) -> CaseInput {
    CaseInput {
        title: get(f, "title"),
        category: get(f, "category"),
        ransom_demanded: !get(f, "ransom_demanded").is_empty(),
        summary: get(f, "summary"),
        occurred_on: get(f, "occurred_on"),
        customers_affected: get(f, "customers_affected").parse().unwrap_or(0),
        assets_lost: !get(f, "assets_lost").is_empty(),
        data_leaked: !get(f, "data_leaked").is_empty(),
        services: services(&get(f, "services")),
        urgency: get(f, "urgency"),
        recognised_at: opt(f, "recognised_at"),
        detections: all(f, "detection"),
    }
}

/// `GET /incidents/cases`.
pub async fn list(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let list = cases::page(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let l = user.layout("inc-title", "incidents", None);
    let pager = CursorPager::new(&user.path, list.next.as_deref());
    Ok(render(&CaseListPage::new(
        l,
        pager,
        &list.items,
        may_edit(&user),
    )))
}

/// `GET /incidents/new`, with `detection=<id>` repeated when opened from the inbox.
pub async fn new_form(user: UiUser, RawQuery(q): RawQuery) -> PageResult {
    let pairs: Pairs = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).unwrap_or_default();
    new_page(&user, &pairs)
}

/// The case form, pre-filled with the `detection` fields of `pairs`.
fn new_page(user: &UiUser, pairs: &Pairs) -> PageResult {
    let l = user.layout("inc-case-new", "incidents", None);
    Ok(render(&NewCasePage::new(l, all(pairs, "detection"))))
}

/// `POST /incidents/new`: opens the case, or, from the detections inbox's "open an incident
/// from these" (`command=prefill`), shows the form pre-filled with the chosen detections. A
/// POST rather than a GET keeps the inbox form's CSRF token out of the address.
pub async fn open(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    if f.iter().any(|(k, v)| k == "command" && v == "prefill") {
        return new_page(&user, &f);
    }
    let id = cases::open(user.ctx(&state), &state.config.clock, &case_input(&f))
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `GET /incidents/cases/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let d = work::detail(user.ctx(&state), &state.config.clock, &id)
        .await
        .map_err(user.err())?;
    let edit = may_edit(&user);
    let exec = edit && user.info.actor.role == Role::Executive;
    let l = user.layout("inc-title", "incidents", None);
    Ok(render(&CasePage::new(l, d, edit, exec)))
}

/// `POST /incidents/cases/{id}/change`.
pub async fn change(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = CommandInput {
        version: get(&f, "version").parse().unwrap_or(-1),
        command: get(&f, "command"),
        code: opt(&f, "code"),
        at: opt(&f, "at"),
        text: opt(&f, "text"),
    };
    cases::change(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/tasks`.
pub async fn add_task(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = TaskInput {
        title: get(&f, "title"),
        owner_user_id: get(&f, "owner_user_id"),
        due_on: get(&f, "due_on"),
    };
    work::add_task(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/tasks/{task}/done`.
pub async fn task_done(
    State(state): State<AppState>,
    user: UiUser,
    Path((id, task)): Path<(String, String)>,
) -> PageResult {
    work::complete_task(user.ctx(&state), &state.config.clock, &id, &task)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/customer`: inquiries of a day, or a notice.
pub async fn customer(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = CustomerInput {
        kind: get(&f, "kind"),
        day: opt(&f, "day"),
        channel: get(&f, "channel"),
        inquiries: get(&f, "inquiries").parse().ok(),
        text: get(&f, "text"),
        published_at: opt(&f, "published_at"),
        url: opt(&f, "url"),
    };
    work::log_customer(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/observables`.
pub async fn observable(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = ObservableInput {
        kind: get(&f, "kind"),
        value: get(&f, "value"),
        note: get(&f, "note"),
    };
    work::add_observable(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/reports`: submit a stage, attested by the executive.
pub async fn submit(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = SubmitInput {
        regime: get(&f, "regime"),
        stage: get(&f, "stage"),
        items: f
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("item.")?.to_owned(), v.clone())))
            .collect(),
        attest: !get(&f, "attest").is_empty(),
    };
    reports::submit(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/not-reporting`.
pub async fn not_reporting(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = DecisionInput {
        regime: get(&f, "regime"),
        reason: get(&f, "reason"),
    };
    reports::decide_not_to_report(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}

fn may_review(user: &UiUser) -> bool {
    let a = &user.info.actor;
    a.org_kind == OrgKind::Supervisor && a.role != Role::Auditor
}

/// `GET /incidents/reports`: submissions within reach.
pub async fn report_list(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<PageRequest>,
) -> PageResult {
    let page = reports::list(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let l = user.layout("inc-reports", "incidents", None);
    let reports = report_lines(l.lang, &page.items);
    let can_review = may_review(&user);
    Ok(render(&ReportListPage {
        l,
        reports,
        can_review,
        pager: CursorPager::new(&user.path, page.next.as_deref()),
    }))
}

/// `GET /incidents/reports/{id}`: the printable report.
pub async fn report(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let s = reports::get(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let l = user.layout("inc-reports", "incidents", None);
    Ok(render(&ReportPage::new(l, s, may_review(&user))))
}

/// `POST /incidents/reports/{id}/review`.
pub async fn review(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = ReviewInput {
        decision: get(&f, "decision"),
        reason: get(&f, "reason"),
    };
    reports::review(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/incidents/reports/{id}")).into_response())
}

/// `POST /incidents/cases/{id}/share`: the ticked observables (`obs`) as indicators.
pub async fn share_back(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = ShareInput {
        observable_ids: all(&f, "obs"),
        tlp: opt(&f, "tlp"),
        root: get(&f, "root"),
        collection: get(&f, "collection"),
        name_institution: !get(&f, "name_institution").is_empty(),
    };
    let max = state.config.max_body_bytes;
    share::share(user.ctx(&state), &state.config.clock, &id, &input, max)
        .await
        .map_err(user.err())?;
    back(&id)
}

/// `POST /incidents/cases/{id}/prevention`: a recurrence-prevention finding.
pub async fn prevention(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<Pairs>,
) -> PageResult {
    let input = PreventionInput {
        title: get(&f, "title"),
        description: get(&f, "description"),
        severity: get(&f, "severity"),
        owner_user: get(&f, "owner_user"),
        due_on: opt(&f, "due_on"),
        requirement_ids: Vec::new(),
    };
    share::prevent(user.ctx(&state), &state.config.clock, &id, &input)
        .await
        .map_err(user.err())?;
    back(&id)
}
