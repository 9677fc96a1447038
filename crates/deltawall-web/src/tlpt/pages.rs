//! The TLPT pages: `/tlpt` (list, start), `/tlpt/{engagement}` (the engagement and its
//! command forms), the share-safe chain download and the engagement's coverage layer.

use crate::attack::pages::layer_json;
use crate::attack::views::LayerPage;
use crate::error::AppError;
use crate::http::{UiForm, UiUser};
use crate::layout::render;
use crate::router::AppState;
use crate::tlpt::views::{TlptList, TlptShow};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::ServiceError;
use deltawall_app::tlpt::{self as svc, CreateInput, form};
use deltawall_domain::tlpt::Phase;
use deltawall_domain::{OrgKind, Permission};
use std::collections::BTreeMap;

type PageResult = Result<Response, AppError>;

/// `GET /tlpt`.
pub async fn list(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<deltawall_app::paging::PageRequest>,
) -> PageResult {
    let page = svc::page(user.ctx(&state), &q).await.map_err(user.err())?;
    let a = &user.info.actor;
    Ok(render(&TlptList {
        l: user.layout("tlpt-title", "tlpt", None),
        can_create: a.org_kind == OrgKind::Institution && a.can(Permission::EditPosture),
        pager: crate::layout::CursorPager::new(&user.path, page.next.as_deref()),
        list: page.items,
    }))
}

/// The create form's deadlines (`deadline.<phase>` fields, days).
fn create_input(f: &form::Fields) -> Result<CreateInput, ServiceError> {
    let mut deadlines = BTreeMap::new();
    for (name, value) in f {
        let Some(code) = name.strip_prefix("deadline.") else {
            continue;
        };
        let phase: Phase = serde_json::from_value(serde_json::Value::String(code.into()))
            .map_err(|_| invalid("deadlines", "names an unknown phase"))?;
        let days = value
            .trim()
            .parse::<u32>()
            .map_err(|_| invalid("deadlines", "must be a number of days"))?;
        deadlines.insert(phase, days);
    }
    Ok(CreateInput {
        title: f.get("title").cloned().unwrap_or_default(),
        deadlines: (!deadlines.is_empty()).then_some(deadlines),
    })
}

fn invalid(field: &'static str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(deltawall_domain::validate::Invalid {
        field,
        reason,
        code: "err-tlpt-field",
    })
}

/// `POST /tlpt`.
pub async fn create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<form::Fields>,
) -> PageResult {
    let input = create_input(&f).map_err(user.err())?;
    let id = svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/tlpt/{id}")).into_response())
}

/// `GET /tlpt/{engagement}`.
pub async fn show(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let v = svc::view(user.ctx(&state), &id).await.map_err(user.err())?;
    Ok(render(&TlptShow::new(
        user.layout("tlpt-title", "tlpt", None),
        v,
    )))
}

/// `POST /tlpt/{engagement}/commands`.
pub async fn command(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<form::Fields>,
) -> PageResult {
    let c = form::command(&f).map_err(user.err())?;
    svc::command(user.ctx(&state), &id, c)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/tlpt/{id}")).into_response())
}

/// `POST /tlpt/{engagement}/scenarios`: the red team proposes a scenario.
pub async fn scenario(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<form::Fields>,
) -> PageResult {
    let c = form::scenario(&f).map_err(user.err())?;
    svc::command(user.ctx(&state), &id, c)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/tlpt/{id}")).into_response())
}

/// `GET /tlpt/{engagement}/chain`: the share-safe attack chain as JSON.
pub async fn chain(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let c = svc::export_chain(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    let body = serde_json::to_string_pretty(&c).unwrap_or_default();
    let disposition = "attachment; filename=\"tlpt-attack-chain.json\"";
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// `GET /tlpt/{engagement}/layer`.
pub async fn layer(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let v = svc::engagement_layer(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(render(&LayerPage {
        l: user.layout("tlpt-layer", "tlpt", None),
        heading: v.layer.name.clone(),
        download: format!("/tlpt/{id}/layer/download"),
        back: format!("/tlpt/{id}"),
        v,
    }))
}

/// `GET /tlpt/{engagement}/layer/download`.
pub async fn layer_download(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let v = svc::engagement_layer(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(layer_json(&v, "deltawall-tlpt-layer.json"))
}
