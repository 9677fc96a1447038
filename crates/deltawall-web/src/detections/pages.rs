//! The detections inbox (`/detections`): the latest groups by rule and key (all of them,
//! paged, at `/detections/groups`), filters, cursor paging, and one form for triage and assignment per row and in bulk, whose "open an incident"
//! button posts the ticked ids (`detection=<id>`, repeated) to `/incidents/new`.

use crate::detections::views::{Action, GroupsPage, InboxPage, action};
use crate::error::AppError;
use crate::http::{Query, UiForm, UiUser, safe_next};
use crate::layout::render;
use crate::router::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::detections::{self as detections, ListQuery};
use deltawall_domain::Permission;

type PageResult = Result<Response, AppError>;

/// `GET /detections`.
pub async fn inbox(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let ctx = user.ctx(&state);
    let inbox = detections::inbox(ctx, &q).await.map_err(user.err())?;
    let assignees = detections::assignees(ctx).await.map_err(user.err())?;
    let can_edit = user.info.actor.can(Permission::EditPosture);
    let l = user.layout("det-title", "detections", None);
    Ok(render(&InboxPage::new(l, inbox, q, assignees, can_edit)))
}

/// `GET /detections/groups`: the groups by rule and key under the inbox's filters, paged.
pub async fn groups(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let page = detections::groups(user.ctx(&state), &q)
        .await
        .map_err(user.err())?;
    let l = user.layout("det-groups-title", "detections", None);
    Ok(render(&GroupsPage::new(l, page, q, &user.path)))
}

/// `POST /detections/triage`: a row's or the bulk action, then back to the same view.
pub async fn triage(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(form): UiForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = user.ctx(&state);
    match action(&form).map_err(user.err())? {
        Action::Triage(ids, command) => detections::triage(ctx, &ids, &command).await,
        Action::Assign(ids, who) => detections::assign(ctx, &ids, who.as_deref()).await,
    }
    .map_err(user.err())?;
    let back = form
        .iter()
        .find(|(k, _)| k == "back")
        .map_or("/detections", |(_, v)| v.as_str());
    let back = if back.starts_with("/detections") {
        safe_next(back)
    } else {
        "/detections"
    };
    Ok(Redirect::to(back).into_response())
}
