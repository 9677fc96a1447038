//! The supervisor's incident board (`/supervision/incident-board` and its JSON twin): open
//! cases and regulator reports of the institutions within reach by business type and
//! region, overdue first, and the reports due. The service decides who may read it and
//! which institutions it covers (`deltawall_app::incidents::board`).

use crate::error::{AppError, ErrorBody};
use crate::http::{ApiUser, UiUser};
use crate::layout::{Layout, render};
use crate::router::AppState;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use deltawall_app::incidents::board::{self, Board};
use deltawall_app::incidents::patterns::{self, PatternView};

/// `GET /supervision/incident-board`.
#[derive(Template)]
#[template(path = "incidents/board/board.html")]
pub struct BoardPage {
    /// Layout.
    pub l: Layout,
    /// The board.
    pub board: Board,
    /// Patterns of similar incidents, each linking to its alert draft.
    pub patterns: Vec<PatternView>,
}

/// `GET /supervision/incident-board`: the page.
pub async fn page(State(state): State<AppState>, user: UiUser) -> Result<Response, AppError> {
    let board = board::board(user.ctx(&state), &state.config.clock)
        .await
        .map_err(user.err())?;
    let patterns = patterns::patterns(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let l = user.layout("board-title", "supervision", None);
    Ok(render(&BoardPage { l, board, patterns }))
}

/// The incident board of the institutions within the caller's reach: open cases and
/// regulator reports by business type and region, overdue first, and the reports due.
#[utoipa::path(get, path = "/api/v1/supervision/incident-board", tag = "incidents",
    responses((status = 200, body = Board), (status = 403, body = ErrorBody)))]
pub async fn api(State(state): State<AppState>, user: ApiUser) -> Result<Json<Board>, AppError> {
    let board = board::board(user.ctx(&state), &state.config.clock)
        .await
        .map_err(AppError::Json)?;
    Ok(Json(board))
}
