//! The ATT&CK API: the detection-coverage layer for machine clients.

use crate::error::{AppError, ErrorBody};
use crate::http::ApiUser;
use crate::router::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use deltawall_app::attack::layers::{self, LayerKind};

/// The detection-coverage layer (ATT&CK Navigator layer format 4.5, validated): every
/// technique tagged in the active detection rules (the built-in pack and the institution's
/// own rules), scored by the number of rules, with the rule ids as metadata.
#[utoipa::path(get, path = "/api/v1/attack/layers/detection", tag = "attack",
    responses((status = 200, description = "ATT&CK Navigator layer 4.5", content_type = "application/json", body = Object),
        (status = 401, body = ErrorBody)))]
pub async fn detection_layer(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Response, AppError> {
    let v = layers::layer(user.ctx(&state), LayerKind::Detection)
        .await
        .map_err(AppError::Json)?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        v.layer.to_json(),
    )
        .into_response())
}
