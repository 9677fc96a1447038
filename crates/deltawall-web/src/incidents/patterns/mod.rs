//! Patterns of similar incidents on the supervisor's board and the alert (注意喚起) composed
//! from one: `/supervision/incident-board/alert` (the draft, editable; sending goes through
//! the supervision alerts service like every alert) and the JSON twins under
//! `/api/v1/supervision/incident-board/…`. The service decides who may read the patterns
//! and which institutions they cover (`deltawall_app::incidents::patterns`).

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiUser, Query, UiForm, UiUser};
use crate::layout::{Layout, render};
use crate::router::AppState;
use crate::supervision::alerts::pages::alert_input;
use crate::supervision::requests::pages::FormMap;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::incidents::patterns::{self, DraftView, PatternKey, PatternView};
use deltawall_app::supervision::alerts;

/// The pattern paths and schemas, merged into the API document (`openapi.rs`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(patterns_api, draft_api),
    components(schemas(PatternView, DraftView))
)]
pub struct PatternApiDoc;

/// `GET /supervision/incident-board/alert`.
#[derive(Template)]
#[template(path = "incidents/patterns/alert.html")]
pub struct DraftPage {
    /// Layout.
    pub l: Layout,
    /// The draft.
    pub d: DraftView,
}

impl DraftPage {
    /// The business type codes the draft's population selects.
    pub fn business_types(&self) -> Vec<&'static str> {
        self.d
            .population
            .filter
            .iter()
            .flat_map(|f| f.business_types.iter().map(|b| b.code()))
            .collect()
    }
}

/// `GET /supervision/incident-board/alert?category=…&business_type=…`: the alert draft of a
/// pattern, pre-filled and editable.
pub async fn alert_form(
    State(state): State<AppState>,
    user: UiUser,
    Query(key): Query<PatternKey>,
) -> Result<Response, AppError> {
    let d = patterns::draft(user.ctx(&state), &state.config.clock, &key)
        .await
        .map_err(user.err())?;
    let l = user.layout("pat-alert-title", "supervision", None);
    Ok(render(&DraftPage { l, d }))
}

/// `POST /supervision/incident-board/alert`: sends the edited draft as an alert.
pub async fn alert_send(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<FormMap>,
) -> Result<Response, AppError> {
    let input = alert_input(&f).map_err(user.err())?;
    let id = alerts::send(user.ctx(&state), &state.config.clock, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to(&format!("/supervision/alerts/{id}")).into_response())
}

/// Patterns of similar incidents among the open cases within the caller's reach: one
/// category at several institutions of one business type within 30 days.
#[utoipa::path(get, path = "/api/v1/supervision/incident-board/patterns", tag = "incidents",
    responses((status = 200, body = Vec<PatternView>), (status = 403, body = ErrorBody)))]
pub async fn patterns_api(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<PatternView>>, AppError> {
    let list = patterns::patterns(user.ctx(&state))
        .await
        .map_err(AppError::Json)?;
    Ok(Json(list))
}

/// The alert draft of one pattern, in the shape of the alerts API's input.
#[utoipa::path(get, path = "/api/v1/supervision/incident-board/alert-draft", tag = "incidents",
    params(PatternKey),
    responses((status = 200, body = DraftView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn draft_api(
    State(state): State<AppState>,
    user: ApiUser,
    Query(key): Query<PatternKey>,
) -> Result<Json<DraftView>, AppError> {
    let d = patterns::draft(user.ctx(&state), &state.config.clock, &key)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(d))
}
