//! JSON API to manage TAXII trust groups: open an API root (the ISAC, an incident council,
//! the supervisor's alerts), add collections with their grants, close a root. Supervisor
//! administrators and administrators of an information sharing body only (checked in
//! `service::sharing`).

use super::{ApiJson, ApiUser};
use crate::error::AppError;
use crate::router::AppState;
use crate::service::sharing;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use deltawall_store::sharing::{Grant, NewGrant};
use serde::{Deserialize, Serialize};

type ApiResult<T> = Result<T, AppError>;

/// A new API root.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootInput {
    /// URL segment: lowercase letters, digits and `-`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `isac`, `council` or `alerts`.
    pub kind: String,
}

/// One grant of a new collection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// An organisation id, or `kind:<organisation kind>`.
    pub grantee: String,
    /// May read.
    #[serde(default)]
    pub can_read: bool,
    /// May add objects.
    #[serde(default)]
    pub can_write: bool,
    /// Counts as a recipient organisation for TLP:AMBER.
    #[serde(default)]
    pub recipient: bool,
}

/// A new collection.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionInput {
    /// Title.
    pub title: String,
    /// Alias within the API root.
    #[serde(default)]
    pub alias: Option<String>,
    /// Who may do what.
    pub grants: Vec<GrantInput>,
}

/// The id of what was created.
#[derive(Debug, Serialize)]
pub struct Created {
    /// Id.
    pub id: String,
}

/// `POST /api/v1/sharing/roots`.
pub async fn root_create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RootInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    sharing::create_api_root(
        &user.ctx(&state),
        &input.id,
        &input.title,
        input.description.as_deref(),
        &input.kind,
    )
    .await
    .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(Created { id: input.id })))
}

/// `POST /api/v1/sharing/roots/{id}/close`.
pub async fn root_close(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    sharing::close_api_root(&user.ctx(&state), &id)
        .await
        .map_err(AppError::Json)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/sharing/roots/{id}/collections`.
pub async fn collection_create(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CollectionInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let grants: Vec<NewGrant> = input
        .grants
        .into_iter()
        .map(|g| NewGrant {
            grantee: g.grantee,
            grant: Grant {
                can_read: g.can_read,
                can_write: g.can_write,
                recipient: g.recipient,
            },
        })
        .collect();
    let id = sharing::create_collection(
        &user.ctx(&state),
        &id,
        &input.title,
        input.alias.as_deref(),
        &grants,
    )
    .await
    .map_err(AppError::Json)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
