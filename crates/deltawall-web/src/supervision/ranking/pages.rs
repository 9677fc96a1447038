//! The supervisor's pages for choosing and carrying out monitoring: `/supervision` (the
//! landing page), the risk ranking with its reasons and CSV/XLSX export, the weights
//! editor, and monitoring engagements. `api.rs` serves the same under
//! `/api/v1/supervision`. After a POST each handler redirects (post/redirect/get), except
//! the weights editor, which shows a refused value again beside its input.

use crate::downloads::table::{self as export, Table};
use crate::error::{AppError, ServiceError};
use crate::http::{Query, UiForm, UiUser};
use crate::i18n::{self, Lang};
use crate::layout::render;
use crate::router::AppState;
use crate::supervision::ranking::views::*;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use deltawall_app::supervision::engagements as eng_svc;
use deltawall_app::supervision::ranking::{
    self as rank_svc, RankingFilter, WeightsInput, weights_invalid,
};
use deltawall_domain::org::{BusinessType, Region};
use deltawall_domain::supervision::AttackType;
use deltawall_domain::supervision::score::{AttributeWeight, ScoreWeights, SeverityPoints};
use deltawall_domain::validate::Invalid;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub(crate) type PageResult = Result<Response, AppError>;

pub(crate) async fn titles(
    state: &AppState,
    lang: Lang,
) -> Result<BTreeMap<String, String>, ServiceError> {
    let (_, catalog) = deltawall_app::posture::assessments::builtin_catalog(&state.store).await?;
    Ok(section_titles(lang, &catalog))
}

pub(crate) fn notice(lang: Lang, key: &str) -> Option<String> {
    ["saved", "created"]
        .contains(&key)
        .then(|| i18n::t(lang, &format!("notice-{key}")).to_owned())
}

fn may_edit_weights(user: &UiUser) -> bool {
    deltawall_app::supervision::roles::is_national_staff(&user.info.actor)
}

/// `GET /supervision`: the ten highest-ranked institutions and the engagements under way.
pub async fn home(State(state): State<AppState>, user: UiUser) -> PageResult {
    let ctx = user.ctx(&state);
    let ranking = rank_svc::ranking(ctx, &state.config.clock, RankingFilter::default())
        .await
        .map_err(user.err())?;
    let active = {
        use deltawall_domain::supervision::engagement::EngagementState::*;
        eng_svc::list(ctx, None, &[Planned, InProgress])
            .await
            .map_err(user.err())?
    };
    let lang = user.lang;
    let titles = titles(&state, lang).await.map_err(user.err())?;
    let mut top = rank_lines(lang, &ranking, &titles);
    top.truncate(10);
    Ok(render(&HomePage {
        top,
        active: engagement_lines(lang, &active),
        can_weights: may_edit_weights(&user),
        l: user.layout("sup-title", "supervision", None),
    }))
}

/// Ranking filters.
#[derive(Debug, Deserialize, Default)]
pub struct RankQuery {
    #[serde(default)]
    business_type: String,
    #[serde(default)]
    region: String,
}

impl RankQuery {
    fn filter(&self) -> Result<RankingFilter, ServiceError> {
        let pick = |field: &'static str, raw: &str, known: bool| {
            if raw.trim().is_empty() || known {
                Ok(())
            } else {
                Err(ServiceError::Invalid(Invalid {
                    field,
                    reason: "is not a known value",
                    code: "err-bad-request",
                }))
            }
        };
        let business_type = BusinessType::from_code(self.business_type.trim());
        pick(
            "business_type",
            &self.business_type,
            business_type.is_some(),
        )?;
        let region = Region::from_code(self.region.trim());
        pick("region", &self.region, region.is_some())?;
        Ok(RankingFilter {
            business_type,
            region,
        })
    }

    fn query_string(&self) -> String {
        let pairs = [
            ("business_type", self.business_type.trim()),
            ("region", self.region.trim()),
        ];
        let kept: Vec<_> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
        if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
        }
    }
}

/// `GET /supervision/ranking`.
pub async fn ranking(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<RankQuery>,
) -> PageResult {
    let filter = q.filter().map_err(user.err())?;
    let ranking = rank_svc::ranking(user.ctx(&state), &state.config.clock, filter)
        .await
        .map_err(user.err())?;
    let lang = user.lang;
    let titles = titles(&state, lang).await.map_err(user.err())?;
    Ok(render(&RankingPage {
        rows: rank_lines(lang, &ranking, &titles),
        version: ranking.weights.version,
        today: ranking.today.to_string(),
        business_types: business_types(lang),
        regions: regions(lang),
        business_type: q.business_type.trim().to_owned(),
        region: q.region.trim().to_owned(),
        query: q.query_string(),
        can_plan: deltawall_app::supervision::roles::is_supervisor_staff(&user.info.actor),
        l: user.layout("rank-title", "supervision", None),
    }))
}

/// The ranked list as a table: one row per institution, its reasons in one cell.
fn ranking_table(
    lang: Lang,
    ranking: &rank_svc::Ranking,
    titles: &BTreeMap<String, String>,
) -> Table {
    let headers = [
        "rank-col-position",
        "rank-col-org_id",
        "rank-col-name",
        "rank-col-business_type",
        "rank-col-region",
        "rank-col-last_monitored",
        "rank-col-total",
        "rank-col-weights_version",
        "rank-col-reasons",
    ];
    let rows = ranking
        .rows
        .iter()
        .map(|r| {
            let s = &r.ranked.scored;
            let reasons: Vec<String> = reason_lines(lang, &s.reasons, titles)
                .into_iter()
                .map(|x| {
                    format!(
                        "{} [{}] × {} = {}",
                        x.factor, x.observed, x.weight, x.contribution
                    )
                })
                .collect();
            vec![
                r.ranked.position.to_string(),
                s.org_id.clone(),
                rank_name(lang, r),
                r.business_type.code().to_owned(),
                r.region.code().to_owned(),
                r.last_monitored.map(|d| d.to_string()).unwrap_or_default(),
                points(s.total),
                s.weights_version.to_string(),
                reasons.join("; "),
            ]
        })
        .collect();
    Table {
        sheet: "ranking".into(),
        headers: headers
            .iter()
            .map(|h| i18n::t(lang, h).to_owned())
            .collect(),
        rows,
    }
}

async fn export_table(state: &AppState, user: &UiUser, q: &RankQuery) -> Result<Table, AppError> {
    let filter = q.filter().map_err(user.err())?;
    let ranking = rank_svc::ranking(user.ctx(state), &state.config.clock, filter)
        .await
        .map_err(user.err())?;
    let titles = titles(state, user.lang).await.map_err(user.err())?;
    Ok(ranking_table(user.lang, &ranking, &titles))
}

/// `GET /supervision/ranking.csv`: the rows the page shows, with their reasons.
pub async fn ranking_csv(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<RankQuery>,
) -> PageResult {
    let table = export_table(&state, &user, &q).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"ranking.csv\"",
        ),
    ];
    Ok((headers, export::csv(&table)).into_response())
}

/// `GET /supervision/ranking.xlsx`: the same table as an XLSX workbook.
pub async fn ranking_xlsx(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<RankQuery>,
) -> PageResult {
    let table = export_table(&state, &user, &q).await?;
    let body = export::xlsx(&table)
        .map_err(|e| ServiceError::Internal(e.into()))
        .map_err(user.err())?;
    let headers = [
        (
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"ranking.xlsx\"",
        ),
    ];
    Ok((headers, body).into_response())
}

fn weights_page(
    user: &UiUser,
    history: &[ScoreWeights],
    shown: &ScoreWeights,
    effective_from: String,
    error: Option<(String, String)>,
) -> WeightsPage {
    let lang = user.lang;
    let mut groups = weight_groups(lang, shown);
    let mut loose = None;
    if let Some((field, message)) = error {
        let hit = groups
            .iter_mut()
            .flat_map(|g| g.fields.iter_mut())
            .find(|f| f.name == field);
        match hit {
            Some(f) => f.error = Some(message),
            None => loose = Some(format!("{field}: {message}")),
        }
    }
    WeightsPage {
        groups,
        effective_from,
        error: loose,
        versions: history
            .iter()
            .rev()
            .map(|w| VersionLine {
                version: w.version,
                author: w.author.clone(),
                effective_from: w.effective_from.to_string(),
            })
            .collect(),
        can_edit: may_edit_weights(user),
        l: user.layout("rank-weights", "supervision", None),
    }
}

/// `GET /supervision/weights`: the latest version in the editor, and every version.
pub async fn weights(
    State(state): State<AppState>,
    user: UiUser,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let history = rank_svc::weights_history(user.ctx(&state))
        .await
        .map_err(user.err())?;
    let latest = history
        .last()
        .cloned()
        .ok_or(ServiceError::NotFound("score weights"))
        .map_err(user.err())?;
    let today = deltawall_app::time::today().to_string();
    let mut page = weights_page(&user, &history, &latest, today, None);
    page.l.notice = notice(user.lang, &q.notice);
    Ok(render(&page))
}

/// The notice after a redirect.
#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

fn number<T: std::str::FromStr>(
    form: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, ServiceError> {
    match form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| weights_invalid(name, "must be a number")),
    }
}

fn required<T: std::str::FromStr>(
    form: &HashMap<String, String>,
    name: &str,
) -> Result<T, ServiceError> {
    number(form, name)?.ok_or_else(|| weights_invalid(name, "is required"))
}

/// The editor's form as a weights input: empty business-type, attribute and incident
/// inputs carry no weight; the others are required.
fn weights_from_form(
    form: &HashMap<String, String>,
) -> Result<(WeightsInput, Vec<String>), ServiceError> {
    let mut business_type = BTreeMap::new();
    for b in BusinessType::ALL {
        if let Some(p) = number(form, &format!("business_type.{}", b.code()))? {
            business_type.insert(*b, p);
        }
    }
    let mut attributes = Vec::new();
    let mut attribute_fields = Vec::new();
    for (kind, value) in rank_svc::attribute_pairs() {
        let name = format!("attribute.{}.{value}", kind.code());
        if let Some(points) = number(form, &name)? {
            attributes.push(AttributeWeight {
                kind,
                value: value.to_owned(),
                points,
            });
            attribute_fields.push(name);
        }
    }
    let severity = |prefix: &str| -> Result<SeverityPoints, ServiceError> {
        Ok(SeverityPoints {
            low: required(form, &format!("{prefix}.low"))?,
            medium: required(form, &format!("{prefix}.medium"))?,
            high: required(form, &format!("{prefix}.high"))?,
            critical: required(form, &format!("{prefix}.critical"))?,
        })
    };
    let mut per_incident = BTreeMap::new();
    for a in AttackType::ALL {
        if let Some(p) = number(form, &format!("per_incident.{}", a.code()))? {
            per_incident.insert(*a, p);
        }
    }
    let input = WeightsInput {
        effective_from: form.get("effective_from").cloned(),
        business_type,
        attributes,
        per_year_since_monitored: required(form, "per_year_since_monitored")?,
        max_years_since_monitored: required(form, "max_years_since_monitored")?,
        per_element_gap: required(form, "per_element_gap")?,
        posture_unknown: required(form, "posture_unknown")?,
        per_open_finding: severity("per_open_finding")?,
        per_overdue_finding: severity("per_overdue_finding")?,
        per_overdue_request: required(form, "per_overdue_request")?,
        per_incident,
        incident_window_months: required(form, "incident_window_months")?,
        per_untested_plan: number(form, "per_untested_plan")?,
    };
    Ok((input, attribute_fields))
}

/// The form field a refused domain field stands for (`attributes[i]` is the i-th
/// attribute input that was filled in).
fn form_field(field: &str, attribute_fields: &[String]) -> String {
    field
        .strip_prefix("attributes[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| attribute_fields.get(i).cloned())
        .unwrap_or_else(|| field.to_owned())
}

/// `POST /supervision/weights`: saves a new version, or shows the editor again with the
/// refused value marked at its input.
pub async fn weights_save(
    State(state): State<AppState>,
    user: UiUser,
    UiForm(form): UiForm<HashMap<String, String>>,
) -> PageResult {
    rank_svc::require_weights_editor(user.ctx(&state)).map_err(user.err())?;
    let error = match weights_from_form(&form) {
        Ok((input, attrs)) => match rank_svc::save_weights(user.ctx(&state), &input).await {
            Ok(_) => return Ok(Redirect::to("/supervision/weights?notice=saved").into_response()),
            Err(ServiceError::Invalid(i)) => (form_field(i.field, &attrs), i.reason),
            Err(other) => return Err(user.err()(other)),
        },
        Err(ServiceError::Invalid(i)) => (i.field.to_owned(), i.reason),
        Err(other) => return Err(user.err()(other)),
    };
    refused_weights(&state, &user, &form, error).await
}

/// The weights editor again, with the refused field marked and what was typed kept.
async fn refused_weights(
    state: &AppState,
    user: &UiUser,
    form: &HashMap<String, String>,
    error: (String, &str),
) -> PageResult {
    let history = rank_svc::weights_history(user.ctx(state))
        .await
        .map_err(user.err())?;
    let latest = history
        .last()
        .cloned()
        .ok_or(ServiceError::NotFound("score weights"))
        .map_err(user.err())?;
    let message = i18n::tf(user.lang, "rank-refused", &[("reason", error.1)]);
    let effective_from = form.get("effective_from").cloned().unwrap_or_default();
    let mut page = weights_page(
        user,
        &history,
        &latest,
        effective_from,
        Some((error.0, message)),
    );
    // Show what was typed, not the stored version, so the user can correct it.
    for f in page.groups.iter_mut().flat_map(|g| g.fields.iter_mut()) {
        if let Some(v) = form.get(&f.name) {
            f.value = v.clone();
        }
    }
    let mut resp = render(&page);
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
