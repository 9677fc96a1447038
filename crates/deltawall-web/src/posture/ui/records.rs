//! Evidence and the risk register pages.

use super::tables;
use super::{NoticeQuery, PageResult, csv, notice, parse};
use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::layout::render;
use crate::posture::api::{attachment, read_upload};
use crate::posture::views::*;
use crate::router::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use deltawall_app::posture::evidence::{self as evidence_svc, MAX_EVIDENCE_BYTES, TLP};
use deltawall_app::posture::risks::{self as risks_svc, RiskInput, TREATMENTS};
use deltawall_domain::Permission;
use deltawall_domain::validate::Invalid;
use serde::Deserialize;

/// `GET /posture/evidence`.
pub async fn evidence_list(
    State(state): State<AppState>,
    user: UiUser,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let files = evidence_svc::page(user.ctx(&state), &n.page())
        .await
        .map_err(user.err())?;
    Ok(render(&EvidencePage {
        pager: crate::layout::CursorPager::new(&user.path, files.next.as_deref()),
        files: files.items,
        can_edit: user.info.actor.can(Permission::EditPosture),
        today: deltawall_app::time::today().to_string(),
        tlp: TLP,
        max_mib: MAX_EVIDENCE_BYTES >> 20,
        l: user.layout("posture-evidence", "posture", notice(user.lang, &n.notice)),
    }))
}

/// `POST /posture/evidence` (multipart).
pub async fn evidence_upload(
    State(state): State<AppState>,
    user: UiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let (meta, content) = read_upload(multipart).await.map_err(|(status, message)| {
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::Page(
                ServiceError::Invalid(Invalid {
                    field: "file",
                    reason: "is too large",
                    code: "err-too-large",
                }),
                user.lang,
            )
        } else {
            AppError::BadRequest {
                message,
                lang: user.lang,
            }
        }
    })?;
    evidence_svc::upload(user.ctx(&state), &meta, content)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/posture/evidence?notice=created").into_response())
}

/// `GET /posture/evidence/{id}`: the file, as an attachment.
pub async fn evidence_download(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> PageResult {
    let (e, bytes) = evidence_svc::download(user.ctx(&state), &id)
        .await
        .map_err(user.err())?;
    Ok(attachment(&e, bytes))
}

/// `GET /posture/evidence.csv`.
pub async fn evidence_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let files = evidence_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    Ok(csv("evidence.csv", &tables::evidence(files)))
}

/// `GET /posture/risks`.
pub async fn risks(
    State(state): State<AppState>,
    user: UiUser,
    Query(n): Query<NoticeQuery>,
) -> PageResult {
    let list = risks_svc::page(user.ctx(&state), &n.page())
        .await
        .map_err(user.err())?;
    let me = user.info.actor.org_id.clone();
    Ok(render(&RisksPage {
        pager: crate::layout::CursorPager::new(&user.path, list.next.as_deref()),
        risks: list
            .items
            .into_iter()
            .map(|r| {
                let own = r.org_id == me;
                (r, own)
            })
            .collect(),
        can_edit: user.info.actor.can(Permission::EditPosture),
        treatments: TREATMENTS,
        today: deltawall_app::time::today().to_string(),
        l: user.layout("posture-risks", "posture", notice(user.lang, &n.notice)),
    }))
}

/// The risk form.
#[derive(Debug, Deserialize)]
pub struct RiskForm {
    title: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    requirement_id: String,
    inherent_likelihood: String,
    inherent_impact: String,
    residual_likelihood: String,
    residual_impact: String,
    owner: String,
    treatment: String,
    review_on: String,
}

impl RiskForm {
    fn input(self) -> Result<RiskInput, ServiceError> {
        let n = |field: &'static str, raw: &str| parse(field, raw, |s| s.parse::<i64>().ok());
        Ok(RiskInput {
            inherent_likelihood: n("inherent_likelihood", &self.inherent_likelihood)?,
            inherent_impact: n("inherent_impact", &self.inherent_impact)?,
            residual_likelihood: n("residual_likelihood", &self.residual_likelihood)?,
            residual_impact: n("residual_impact", &self.residual_impact)?,
            title: self.title,
            asset: Some(self.asset),
            requirement_id: Some(self.requirement_id),
            owner: self.owner,
            treatment: self.treatment,
            review_on: self.review_on,
        })
    }
}

/// `POST /posture/risks`.
pub async fn risk_create(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(f): UiForm<RiskForm>,
) -> PageResult {
    let input = f.input().map_err(user.err())?;
    risks_svc::create(user.ctx(&state), &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/posture/risks?notice=created").into_response())
}

/// `POST /posture/risks/{id}`.
pub async fn risk_update(
    State(state): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    UiForm(f): UiForm<RiskForm>,
) -> PageResult {
    let input = f.input().map_err(user.err())?;
    risks_svc::update(user.ctx(&state), &id, &input)
        .await
        .map_err(user.err())?;
    Ok(Redirect::to("/posture/risks?notice=saved").into_response())
}

/// `GET /posture/risks.csv`.
pub async fn risks_csv(State(state): State<AppState>, user: UiUser) -> PageResult {
    let list = risks_svc::list(user.ctx(&state))
        .await
        .map_err(user.err())?;
    Ok(csv("risks.csv", &tables::risks(list)))
}
