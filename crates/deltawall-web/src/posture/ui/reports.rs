//! The group roll-up and the management report, with their CSV exports.

use super::tables;
use super::{PageResult, csv};
use crate::error::AppError;
use crate::http::{Query, UiUser};
use crate::layout::render;
use crate::posture::views::*;
use crate::router::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use deltawall_app::posture::report;
use serde::Deserialize;

/// `GET /posture/group`.
pub async fn group(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::group(user.ctx(&state)).await.map_err(user.err())?;
    let (heads, lines) = group_lines(user.lang, &r);
    Ok(render(&GroupPage {
        heads,
        lines,
        l: user.layout("posture-group", "posture", None),
    }))
}

/// `GET /posture/group.csv`: one row per company and element.
pub async fn group_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::group(user.ctx(&state)).await.map_err(user.err())?;
    Ok(csv("group.csv", &tables::group(&r)))
}

/// `GET /posture/report`.
pub async fn report(State(state): State<AppState>, user: UiUser) -> PageResult {
    let now = state.config.clock.now_us();
    let r = report::management_at(user.ctx(&state), now)
        .await
        .map_err(user.err())?;
    let l = user.layout("posture-report", "posture", None);
    Ok(render(&report_page(l, &r, now)))
}

/// `GET /posture/report.xlsx`: the report as a workbook for executives (sheets per section,
/// numbers and dates typed, a native chart of maturity over time).
pub async fn report_xlsx(State(state): State<AppState>, user: UiUser) -> PageResult {
    let now = state.config.clock.now_us();
    let r = report::management_at(user.ctx(&state), now)
        .await
        .map_err(user.err())?;
    let body = crate::posture::workbook::management_xlsx(&r, user.lang, now)
        .map_err(|e| deltawall_app::ServiceError::Internal(e.into()))
        .map_err(user.err())?;
    let headers = [
        (
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"management-report.xlsx\"",
        ),
    ];
    Ok((headers, body).into_response())
}

/// Which table of the report to export.
#[derive(Debug, Deserialize)]
pub struct ReportCsvQuery {
    table: String,
}

/// `GET /posture/report.csv?table=elements|maturity|open|overdue|expiring`.
pub async fn report_csv(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<ReportCsvQuery>,
) -> PageResult {
    let r = report::management_at(user.ctx(&state), state.config.clock.now_us())
        .await
        .map_err(user.err())?;
    let Some(t) = tables::report(&r, &q.table) else {
        return Err(AppError::BadRequest {
            message: "table: not one of elements, maturity, open, overdue, expiring".into(),
            lang: user.lang,
        });
    };
    Ok(csv(&format!("report-{}.csv", q.table), &t))
}
