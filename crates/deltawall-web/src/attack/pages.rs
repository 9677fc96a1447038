//! The ATT&CK pages: `/attack` (releases, upload, mappings, the list of layers) and
//! `/attack/layers/{layer}` with its JSON download.

use crate::attack::views::{AttackHome, LayerPage, layer_title};
use crate::error::{AppError, ServiceError};
use crate::http::{UiForm, UiUser};
use crate::layout::render;
use crate::posture::ui::read_parts;
use crate::router::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::attack::layers::{self, LayerKind, LayerView, MappingInput};
use deltawall_app::attack::{self as attack_svc};
use deltawall_domain::{OrgKind, Permission};

type PageResult = Result<Response, AppError>;

/// The layers a reader may open: the sector layer only for a supervisor.
pub(crate) fn layer_links(user: &UiUser) -> Vec<(&'static str, &'static str)> {
    LayerKind::ALL
        .into_iter()
        .filter(|k| *k != LayerKind::Sector || user.info.actor.org_kind == OrgKind::Supervisor)
        .map(|k| (k.code(), layer_title(k)))
        .collect()
}

/// `GET /attack`.
pub async fn home(State(state): State<AppState>, user: UiUser) -> PageResult {
    let mut releases = attack_svc::releases(user.ctx(&state))
        .await
        .map_err(user.err())?;
    releases.reverse();
    let a = &user.info.actor;
    Ok(render(&AttackHome {
        l: user.layout("attack-title", "attack", None),
        layers: layer_links(&user),
        can_import: a.can(Permission::ManageSector),
        can_map: a.can(Permission::EditPosture),
        releases,
    }))
}

/// `POST /attack/releases`: the bundle upload (multipart part `bundle`).
pub async fn import(
    State(state): State<AppState>,
    user: UiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let parts = read_parts(multipart, &["bundle"])
        .await
        .map_err(|(status, message)| AppError::Status { status, message })?;
    let bundle = parts.get("bundle").map(Vec::as_slice).unwrap_or_default();
    attack_svc::import_release(user.ctx(&state), bundle)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/attack").into_response())
}

/// `POST /attack/mappings`.
pub async fn map(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(input): UiForm<MappingInput>,
) -> PageResult {
    layers::add_mapping(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/attack").into_response())
}

fn kind(code: &str) -> Result<LayerKind, ServiceError> {
    LayerKind::from_code(code).ok_or(ServiceError::NotFound("layer"))
}

/// `GET /attack/layers/{layer}`: the matrix and the table.
pub async fn layer(
    State(state): State<AppState>,
    user: UiUser,
    Path(code): Path<String>,
) -> PageResult {
    let k = kind(&code).map_err(user.err())?;
    let v = layers::layer(user.ctx(&state), k)
        .await
        .map_err(user.err())?;
    Ok(render(&LayerPage {
        heading: user
            .layout(layer_title(k), "attack", None)
            .t(layer_title(k))
            .to_owned(),
        l: user.layout(layer_title(k), "attack", None),
        download: format!("/attack/layers/{code}/download"),
        back: "/attack".into(),
        v,
    }))
}

/// A layer as a Navigator JSON download.
pub(crate) fn layer_json(v: &LayerView, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        v.layer.to_json(),
    )
        .into_response()
}

/// `GET /attack/layers/{layer}/download`.
pub async fn download(
    State(state): State<AppState>,
    user: UiUser,
    Path(code): Path<String>,
) -> PageResult {
    let k = kind(&code).map_err(user.err())?;
    let v = layers::layer(user.ctx(&state), k)
        .await
        .map_err(user.err())?;
    Ok(layer_json(
        &v,
        &format!("deltawall-{}-layer.json", k.code()),
    ))
}
