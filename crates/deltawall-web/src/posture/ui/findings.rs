//! Findings pages: list, creation, one finding with its commands and plan.

use super::{NoticeQuery, PageResult, csv, notice, parse, tables};
use crate::http::{Query, UiForm, UiUser};
use crate::layout::render;
use crate::posture::ui::EmptyForm;
use crate::posture::views::*;
use crate::router::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use deltawall_app::posture::findings::{
    self as findings_svc, CommandInput, FindingInput, MilestoneInput,
};
use deltawall_domain::Permission;
use deltawall_domain::finding::Severity;
use deltawall_store::records::now_us;
use serde::Deserialize;

/// Findings page query (pre-fills the create form).
#[derive(Debug, Deserialize, Default)]
pub struct FindingsQuery {
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /posture/findings`.
pub async fn findings(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<FindingsQuery>,
) -> PageResult {
    let req = deltawall_app::paging::PageRequest {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let (list, owners) = findings_svc::page(user.ctx(&state), &req)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    Ok(render(&FindingsPage {
        pager: crate::layout::CursorPager::new(&user.path, list.next.as_deref()),
        rows: finding_rows(lang, &list.items, now_us()),
        can_edit: user.info.actor.can(Permission::EditPosture),
        owners: owners.into_iter().collect(),
        assessment: q.assessment.clone(),
        requirement: q.requirement.clone(),
        severities: ["low", "medium", "high", "critical"]
            .iter()
            .map(|s| ((*s).to_owned(), label(lang, "severity", s)))
            .collect(),
        l: user.layout("posture-findings", "posture", notice(lang, &q.notice)),
    }))
}

/// The new finding form.
#[derive(Debug, Deserialize)]
pub struct FindingForm {
    title: String,
    #[serde(default)]
    description: String,
    severity: String,
    #[serde(default)]
    requirement_ids: String,
    owner_user: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    assessment_id: String,
}

/// `POST /posture/findings`.
pub async fn finding_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FindingForm>,
) -> PageResult {
    let input = FindingInput {
        title: f.title,
        description: f.description,
        severity: parse(
            "severity",
            &f.severity,
            deltawall_store::findings::parse_code::<Severity>,
        )
        .map_err(user.err())?,
        requirement_ids: f
            .requirement_ids
            .split([',', ' '])
            .map(str::to_owned)
            .collect(),
        owner_user: f.owner_user,
        due_on: Some(f.due_on),
        assessment_id: Some(f.assessment_id),
    };
    let id = findings_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=created")).into_response())
}

/// `GET /posture/findings.csv`.
pub async fn findings_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let list = findings_svc::list(user.ctx(&state), false)
        .await
        .map_err(user.err())?;
    Ok(csv("findings.csv", &tables::findings_list(&list, now_us())))
}

/// `GET /posture/findings/{id}`.
pub async fn finding(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let v = findings_svc::view(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let l = user.layout("posture-finding", "posture", notice(user.lang, &n.notice));
    let names = v.names.clone();
    let name = move |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    Ok(render(&finding_page(l, &v, now_us(), &name)))
}

/// `POST /posture/findings/{id}/transition`.
pub async fn transition(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<CommandInput>,
) -> PageResult {
    findings_svc::transition(user.ctx(&state), &id, &f)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=saved")).into_response())
}

/// `POST /posture/findings/{id}/milestones`.
pub async fn milestone_create(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<MilestoneInput>,
) -> PageResult {
    findings_svc::add_milestone(user.ctx(&state), &id, &f)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=created")).into_response())
}

/// `POST /posture/findings/{id}/milestones/{milestone}/done`.
pub async fn milestone_done(
    State(state): State<AppState>,
    user: UiUser,
    Path((id, milestone)): Path<(String, String)>,
    UiForm(_): UiForm<EmptyForm>,
) -> PageResult {
    findings_svc::complete_milestone(user.ctx(&state), &id, &milestone)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/posture/findings/{id}?notice=saved")).into_response())
}
