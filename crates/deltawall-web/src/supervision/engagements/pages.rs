//! Engagement pages: the list with the plan form, one engagement with its commands, and
//! issuing a finding to the institution.

use crate::http::Query;
use crate::http::{UiForm, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::render;
use crate::router::AppState;
use crate::supervision::ranking::pages::{PageResult, notice, titles};
use crate::supervision::ranking::views::*;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use deltawall_app::ServiceError;
use deltawall_app::supervision::engagements::{
    self as eng_svc, CommandInput, IssueInput, PlanInput,
};
use deltawall_app::supervision::ranking as rank_svc;
use deltawall_domain::supervision::engagement::Method;
use deltawall_domain::validate::Invalid;
use serde::Deserialize;
use std::collections::HashMap;

const METHODS: [(&str, Method); 3] = [
    ("dialogue", Method::Dialogue),
    ("questionnaire", Method::Questionnaire),
    ("on_site", Method::OnSite),
];

fn methods(lang: Lang) -> Choices {
    METHODS
        .iter()
        .map(|(c, _)| {
            (
                (*c).to_owned(),
                i18n::t(lang, &format!("eng-method-{c}")).to_owned(),
            )
        })
        .collect()
}

/// Engagements page query: the institution chosen from a ranking row, and a notice.
#[derive(Debug, Deserialize, Default)]
pub struct EngagementsQuery {
    #[serde(default)]
    org: String,
    /// The next-page cursor of the list.
    #[serde(default)]
    cursor: Option<String>,
    /// Rows per page.
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /supervision/engagements`.
pub async fn engagements(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<EngagementsQuery>,
) -> PageResult {
    let ctx = user.ctx(&state);
    let req = deltawall_app::paging::PageRequest {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let list = eng_svc::page(ctx, &req).await.map_err(user.err())?;
    let org = Some(q.org.trim()).filter(|o| !o.is_empty());
    let institutions = eng_svc::plannable(ctx, org).await.map_err(user.err())?;
    let lang = user.lang;
    let titles = titles(&state, lang).await.map_err(user.err())?;
    let (_, catalog) = deltawall_app::posture::assessments::builtin_catalog(&state.store)
        .await
        .map_err(user.err())?;
    Ok(render(&EngagementsPage {
        rows: engagement_lines(lang, &list.items),
        pager: crate::layout::CursorPager::new(&user.path, list.next.as_deref()),
        institutions: institutions
            .into_iter()
            .map(|(id, ja, en)| (id, if lang == Lang::Ja { ja } else { en }))
            .collect(),
        org: q.org.trim().to_owned(),
        viewpoints: catalog
            .sections
            .iter()
            .filter(|s| !s.requirements.is_empty())
            .map(|s| (s.id.clone(), titles.get(&s.id).cloned().unwrap_or_default()))
            .collect(),
        methods: methods(lang),
        today: deltawall_app::time::today().to_string(),
        can_plan: deltawall_app::supervision::roles::is_supervisor_staff(ctx.actor),
        l: user.layout("eng-title", "supervision", None),
    }))
}

/// `POST /supervision/engagements`: the plan form, viewpoints as `vp.<id>` checkboxes.
pub async fn engagement_plan(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(form): UiForm<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let method = METHODS
        .iter()
        .find(|(c, _)| *c == get("method").trim())
        .map(|(_, m)| *m)
        .ok_or(ServiceError::Invalid(Invalid {
            field: "method",
            reason: "is not a known value",
            code: "err-bad-request",
        }))
        .map_err(user.err())?;
    let mut viewpoints: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("vp."))
        .map(str::to_owned)
        .collect();
    viewpoints.sort();
    let input = PlanInput {
        org_id: get("org_id"),
        method,
        viewpoints,
        planned_on: get("planned_on"),
    };
    let id = eng_svc::plan(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/engagements/{id}?notice=created")).into_response())
}

/// The notice after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct EngagementQuery {
    #[serde(default)]
    notice: String,
}

/// `GET /supervision/engagements/{id}`.
pub async fn engagement(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<EngagementQuery>,
) -> PageResult {
    let v = eng_svc::view(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let titles = titles(&state, user.lang).await.map_err(user.err())?;
    let l = user.layout("eng-one", "supervision", notice(user.lang, &q.notice));
    Ok(render(&engagement_page(l, &v, &titles)))
}

/// The command form (every field but `command` optional).
#[derive(Debug, Deserialize)]
pub struct CommandForm {
    command: String,
    #[serde(default)]
    viewpoint: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    finding_id: String,
    #[serde(default)]
    index: String,
    #[serde(default)]
    reason: String,
}

/// `POST /supervision/engagements/{id}/commands`.
pub async fn engagement_command(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<CommandForm>,
) -> PageResult {
    let index = match f.index.trim() {
        "" => None,
        i => Some(
            i.parse()
                .map_err(|_| {
                    ServiceError::Invalid(Invalid {
                        field: "index",
                        reason: "must be a number",
                        code: "err-bad-request",
                    })
                })
                .map_err(user.err())?,
        ),
    };
    let input = CommandInput {
        command: f.command,
        viewpoint: f.viewpoint,
        text: f.text,
        title: f.title,
        assignee: f.assignee,
        due_on: f.due_on,
        finding_id: f.finding_id,
        index,
        reason: f.reason,
    };
    eng_svc::apply(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/engagements/{id}?notice=saved")).into_response())
}

/// The issue-a-finding form.
#[derive(Debug, Deserialize)]
pub struct IssueForm {
    title: String,
    #[serde(default)]
    description: String,
    severity: String,
    #[serde(default)]
    requirement_ids: String,
    owner_user: String,
    #[serde(default)]
    due_on: String,
}

/// `POST /supervision/engagements/{id}/findings`.
pub async fn engagement_finding(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<IssueForm>,
) -> PageResult {
    let severity = rank_svc::severity(f.severity.trim())
        .ok_or(ServiceError::Invalid(Invalid {
            field: "severity",
            reason: "is not a known value",
            code: "err-bad-request",
        }))
        .map_err(user.err())?;
    let input = IssueInput {
        title: f.title,
        description: f.description,
        severity,
        requirement_ids: f
            .requirement_ids
            .split([',', ' '])
            .map(str::to_owned)
            .collect(),
        owner_user: f.owner_user,
        due_on: Some(f.due_on),
    };
    eng_svc::issue_finding(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/engagements/{id}?notice=created")).into_response())
}
