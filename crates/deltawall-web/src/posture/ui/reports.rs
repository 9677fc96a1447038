//! The group roll-up and the management report, with their CSV exports.

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
use deltawall_store::records::now_us;
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
    let mut rows = Vec::new();
    for c in &r.companies {
        for e in &r.elements {
            let p = c.progress.iter().find(|p| p.section_id == e.id);
            rows.push(vec![
                c.org_id.clone(),
                c.name_en.clone(),
                c.assessment
                    .as_ref()
                    .map(|a| a.as_of.clone())
                    .unwrap_or_default(),
                e.id.clone(),
                p.map_or(0, |p| p.total).to_string(),
                p.map_or(0, |p| p.answered).to_string(),
                p.map_or(0, |p| p.met).to_string(),
                maturity(p.and_then(|p| p.maturity_x100)),
                c.open_by_element
                    .get(&e.id)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ]);
        }
    }
    Ok(csv(
        "group.csv",
        &[
            "org_id",
            "company",
            "as_of",
            "element",
            "total",
            "answered",
            "met",
            "maturity",
            "open_findings",
        ],
        rows,
    ))
}

/// `GET /posture/report`.
pub async fn report(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let l = user.layout("posture-report", "posture", None);
    Ok(render(&report_page(l, &r, now_us())))
}

/// `GET /posture/report.xlsx`: the report as a workbook for executives (sheets per section,
/// numbers and dates typed, a native chart of maturity over time).
pub async fn report_xlsx(State(state): State<AppState>, user: UiUser) -> PageResult {
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let body = crate::posture::workbook::management_xlsx(&r, user.lang, now_us())
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
    let r = report::management(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let findings = |list: &[deltawall_store::findings::StoredFinding]| -> Vec<Vec<String>> {
        list.iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.title.clone(),
                    deltawall_store::findings::code_of(&f.finding.severity),
                    deltawall_store::findings::code_of(&f.finding.state),
                    f.due_on.clone().unwrap_or_default(),
                    f.finding
                        .acceptance
                        .as_ref()
                        .map(|a| crate::layout::format_time(a.expires_at_us))
                        .unwrap_or_default(),
                ]
            })
            .collect()
    };
    let finding_head = [
        "id",
        "title",
        "severity",
        "state",
        "due_on",
        "acceptance_expires",
    ];
    Ok(match q.table.as_str() {
        "elements" => {
            let rows = r
                .elements
                .iter()
                .map(|e| {
                    let p = r.progress.iter().find(|p| p.section_id == e.id);
                    vec![
                        e.id.clone(),
                        e.title.en.clone(),
                        p.map_or(0, |p| p.total).to_string(),
                        p.map_or(0, |p| p.answered).to_string(),
                        p.map_or(0, |p| p.met).to_string(),
                        p.map_or(0, |p| p.partial).to_string(),
                        p.map_or(0, |p| p.not_met).to_string(),
                        maturity(p.and_then(|p| p.maturity_x100)),
                        r.open_by_element
                            .get(&e.id)
                            .copied()
                            .unwrap_or(0)
                            .to_string(),
                    ]
                })
                .collect();
            csv(
                "report-elements.csv",
                &[
                    "element",
                    "title",
                    "total",
                    "answered",
                    "met",
                    "partial",
                    "not_met",
                    "maturity",
                    "open_findings",
                ],
                rows,
            )
        }
        "maturity" => csv(
            "report-maturity.csv",
            &["assessment", "as_of", "cycle", "maturity"],
            r.maturity
                .iter()
                .map(|m| {
                    vec![
                        m.assessment_id.clone(),
                        m.as_of.clone(),
                        m.cycle.to_string(),
                        maturity(m.maturity_x100),
                    ]
                })
                .collect(),
        ),
        "open" => csv("report-open.csv", &finding_head, findings(&r.open)),
        "overdue" => csv("report-overdue.csv", &finding_head, findings(&r.overdue)),
        "expiring" => csv("report-expiring.csv", &finding_head, findings(&r.expiring)),
        _ => {
            return Err(AppError::BadRequest {
                message: "table: not one of elements, maturity, open, overdue, expiring".into(),
                lang: user.lang,
            });
        }
    })
}
