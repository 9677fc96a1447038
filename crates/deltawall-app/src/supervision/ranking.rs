//! Risk-based choice of monitoring targets (section 2.(1)①ア of the report): the ranked
//! list of the institutions in the supervisor's reach with the reasons behind every score,
//! and the versioned weights the supervisor edits.
//!
//! Who may do what: supervisory users (the FSA and local bureaus, auditors included) read
//! the ranking of the institutions within their `OrgScope`, so a bureau ranks only its
//! region. The weights are one sector-wide policy: only non-auditor staff of the FSA
//! (national reach) save a new version; everyone who reads the ranking reads the weights.
//! Version 1 ([`ScoreWeights::initial`]) is stored on first use, authored by
//! `deltawall-default` and in force from the report's date (2020-06-30).

use crate::error::ServiceError;
use crate::supervision::clock::Clock;
use crate::supervision::roles;
use crate::time::{date, today};
use crate::{Ctx, SResult};
use deltawall_domain::finding::Severity;
use deltawall_domain::org::{AttributeKind, BusinessType, Region};
use deltawall_domain::supervision::AttackType;
use deltawall_domain::supervision::score::{
    self, AttributeWeight, Ranked, ScoreWeights, SeverityPoints,
};
use deltawall_domain::validate::Invalid;
use deltawall_store::records::now_us;
use deltawall_store::sup_ranking::{self, RankingFacts, RankingQuery};
use deltawall_store::{Store, StoreError, sup_weights};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// The author of the seeded version 1.
pub const DEFAULT_AUTHOR: &str = "deltawall-default";
/// The first day version 1 applies: the report's publication.
pub const DEFAULT_EFFECTIVE_FROM: Date = Date::constant(2020, 6, 30);
/// The largest number of weighted attribute values a version may hold.
pub const MAX_ATTRIBUTE_WEIGHTS: usize = 16;

/// Refuses anyone but a supervisor's reader (see [`roles::is_supervisor_reader`]).
pub fn require_supervisor(ctx: Ctx<'_>) -> SResult<()> {
    roles::require_reader(&ctx)
}

/// Refuses anyone but supervisory staff who may act (see [`roles::is_supervisor_staff`]).
pub fn require_supervisor_staff(ctx: Ctx<'_>) -> SResult<()> {
    roles::require_staff(&ctx)
}

/// Refuses anyone but the FSA's staff: the weights are one national policy.
pub fn require_weights_editor(ctx: Ctx<'_>) -> SResult<()> {
    roles::require_national_staff(&ctx)
}

/// Every version of the weights, oldest first; version 1 is stored on first use.
pub async fn weights_history(ctx: Ctx<'_>) -> SResult<Vec<ScoreWeights>> {
    require_supervisor(ctx)?;
    history(ctx.store).await
}

async fn history(store: &Store) -> SResult<Vec<ScoreWeights>> {
    let mut conn = store.read().await?;
    let found = sup_weights::history(&mut conn).await?;
    drop(conn);
    if !found.is_empty() {
        return Ok(found);
    }
    let initial = ScoreWeights::initial(DEFAULT_AUTHOR, DEFAULT_EFFECTIVE_FROM);
    let mut tx = store.write().await?;
    match sup_weights::insert(&mut tx, &initial, now_us()).await {
        Ok(()) => {
            let summary =
                json!({"version": 1, "effective_from": initial.effective_from.to_string()});
            crate::record(
                &mut tx,
                None,
                None,
                "supervision.weights_seed",
                ("score_weights", Some("1")),
                summary,
                None,
            )
            .await?;
            tx.commit().await?;
        }
        // Someone else seeded it meanwhile: theirs stands.
        Err(StoreError::Conflict(_)) => drop(tx),
        Err(e) => return Err(e.into()),
    }
    let mut conn = store.read().await?;
    Ok(sup_weights::history(&mut conn).await?)
}

/// A new version of the weights as entered: the domain's weights without version and
/// author, which the service sets.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightsInput {
    /// First day of use, `YYYY-MM-DD` (today when absent).
    #[serde(default)]
    pub effective_from: Option<String>,
    /// Points by business type code.
    #[schema(value_type = Object)]
    pub business_type: BTreeMap<BusinessType, f64>,
    /// Points for attribute values: `[{"kind": "size_band", "value": "large", "points": 5}]`.
    #[schema(value_type = Vec<Object>)]
    pub attributes: Vec<AttributeWeight>,
    /// Points per year since the last monitoring.
    pub per_year_since_monitored: f64,
    /// Years after which time since monitoring stops adding points (1 to 20).
    pub max_years_since_monitored: u32,
    /// Points for a catalog element whose assessed requirements are all not met.
    pub per_element_gap: f64,
    /// Points when no submitted posture results are known.
    pub posture_unknown: f64,
    /// Points per open finding by severity (`low`, `medium`, `high`, `critical`).
    #[schema(value_type = Object)]
    pub per_open_finding: SeverityPoints,
    /// Points per overdue finding by severity, on top of its open points.
    #[schema(value_type = Object)]
    pub per_overdue_finding: SeverityPoints,
    /// Points per overdue request task.
    pub per_overdue_request: f64,
    /// Points per incident by attack type code.
    #[schema(value_type = Object)]
    pub per_incident: BTreeMap<AttackType, f64>,
    /// How many months back incidents count (1 to 60).
    pub incident_window_months: u32,
    /// Points when a contingency plan went untested for twelve months (the previous
    /// version's when absent).
    #[serde(default)]
    pub per_untested_plan: Option<f64>,
}

impl From<&ScoreWeights> for WeightsInput {
    fn from(w: &ScoreWeights) -> Self {
        WeightsInput {
            effective_from: Some(w.effective_from.to_string()),
            business_type: w.business_type.clone(),
            attributes: w.attributes.clone(),
            per_year_since_monitored: w.per_year_since_monitored,
            max_years_since_monitored: w.max_years_since_monitored,
            per_element_gap: w.per_element_gap,
            posture_unknown: w.posture_unknown,
            per_open_finding: w.per_open_finding,
            per_overdue_finding: w.per_overdue_finding,
            per_overdue_request: w.per_overdue_request,
            per_incident: w.per_incident.clone(),
            incident_window_months: w.incident_window_months,
            per_untested_plan: Some(w.per_untested_plan),
        }
    }
}

/// Every field name the domain may refuse, so a refusal can name its field with the
/// `'static` text the error type carries.
static FIELDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut f: Vec<String> = [
        "version",
        "author",
        "effective_from",
        "attributes",
        "per_year_since_monitored",
        "max_years_since_monitored",
        "per_element_gap",
        "posture_unknown",
        "per_overdue_request",
        "incident_window_months",
        "per_untested_plan",
    ]
    .map(String::from)
    .to_vec();
    f.extend(
        BusinessType::ALL
            .iter()
            .map(|b| format!("business_type.{}", b.code())),
    );
    f.extend((0..MAX_ATTRIBUTE_WEIGHTS).map(|i| format!("attributes[{i}]")));
    for name in ["per_open_finding", "per_overdue_finding"] {
        f.extend(SEVERITIES.iter().map(|s| format!("{name}.{s}")));
    }
    f.extend(
        AttackType::ALL
            .iter()
            .map(|a| format!("per_incident.{}", a.code())),
    );
    f
});

/// Severity codes in order.
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// The `'static` name of a field the domain named.
pub fn field_name(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|f| f.as_str() == field)
        .map_or("weights", String::as_str)
}

/// A refused weights field as a service error.
pub fn weights_invalid(field: &str, reason: &'static str) -> ServiceError {
    ServiceError::Invalid(Invalid {
        field: field_name(field),
        reason,
        code: "err-rank-weights",
    })
}

/// Saves a new version of the weights (FSA staff only). The domain checks every value
/// and that the version follows the latest; a refusal names the field. Returns the new
/// version number.
pub async fn save_weights(ctx: Ctx<'_>, input: &WeightsInput) -> SResult<u32> {
    require_weights_editor(ctx)?;
    if input.attributes.len() > MAX_ATTRIBUTE_WEIGHTS {
        return Err(weights_invalid("attributes", "too many attribute weights"));
    }
    let effective_from = match input.effective_from.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => date("effective_from", d)?,
        _ => today(),
    };
    let list = history(ctx.store).await?;
    let latest = list.last().ok_or(ServiceError::NotFound("score weights"))?;
    let next = ScoreWeights {
        version: latest.version + 1,
        author: ctx.actor.user_id.clone(),
        effective_from,
        business_type: input.business_type.clone(),
        attributes: input.attributes.clone(),
        per_year_since_monitored: input.per_year_since_monitored,
        max_years_since_monitored: input.max_years_since_monitored,
        per_element_gap: input.per_element_gap,
        posture_unknown: input.posture_unknown,
        per_open_finding: input.per_open_finding,
        per_overdue_finding: input.per_overdue_finding,
        per_overdue_request: input.per_overdue_request,
        per_incident: input.per_incident.clone(),
        incident_window_months: input.incident_window_months,
        per_untested_plan: input.per_untested_plan.unwrap_or(latest.per_untested_plan),
    };
    latest
        .check_revision(&next)
        .map_err(|e| weights_invalid(&e.field, e.reason))?;
    let mut tx = ctx.store.write().await?;
    sup_weights::insert(&mut tx, &next, now_us()).await?;
    let summary = json!({"version": next.version, "effective_from": next.effective_from.to_string(), "weights": next});
    let version = next.version.to_string();
    ctx.audit(
        &mut tx,
        "supervision.weights_save",
        ("score_weights", Some(&version)),
        None,
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(next.version)
}

/// Which institutions to rank.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RankingFilter {
    /// Only this business type.
    pub business_type: Option<BusinessType>,
    /// Only this region.
    pub region: Option<Region>,
}

/// One row of the ranked list.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// The domain's ranked score: position, total, reasons, weights version.
    pub ranked: Ranked,
    /// Japanese name.
    pub name_ja: String,
    /// English name.
    pub name_en: String,
    /// Business type.
    pub business_type: BusinessType,
    /// Region.
    pub region: Region,
    /// Last monitored, if ever.
    pub last_monitored: Option<Date>,
}

/// The ranked list and the weights that produced it.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    /// The day scored.
    pub today: Date,
    /// The weights in force that day.
    pub weights: ScoreWeights,
    /// The rows, highest score first.
    pub rows: Vec<RankRow>,
}

/// Ranks the institutions within the actor's reach as of the app's `clock`, the clock the
/// requests, alerts and work lists beside it read, so a moved clock (tests, the demo) moves
/// the overdue tasks and the incident window the scores count.
pub async fn ranking(ctx: Ctx<'_>, clock: &Clock, filter: RankingFilter) -> SResult<Ranking> {
    require_supervisor(ctx)?;
    let now = clock.now_us();
    let day = deltawall_domain::jst::today(now);
    ranking_at(ctx.store, &ctx.actor.org_scope(), filter, day, now).await
}

/// Ranks the institutions within `scope` as of `day` (and instant `now`); also used by the
/// benchmark, which times exactly this.
pub async fn ranking_at(
    store: &Store,
    scope: &deltawall_domain::OrgScope,
    filter: RankingFilter,
    day: Date,
    now: i64,
) -> SResult<Ranking> {
    let list = history(store).await?;
    let weights = score::in_force(&list, day)
        .or(list.first())
        .cloned()
        .ok_or(ServiceError::NotFound("score weights"))?;
    // The built-in catalog is seeded on first use, as before the posture was kept per
    // institution; the kept posture groups answers by the catalog each assessment names.
    crate::posture::assessments::builtin_catalog(store).await?;
    let q = RankingQuery {
        today: day,
        now_us: now,
        incidents_after: score::incident_window_start(&weights, day),
        business_type: filter.business_type,
        region: filter.region,
    };
    let mut conn = store.read().await?;
    // The posture arrives grouped by element, kept per institution on write.
    let facts = sup_ranking::facts_summarised(&mut conn, scope, &q).await?;
    drop(conn);
    let inputs: Vec<_> = facts.iter().map(|f| f.input.clone()).collect();
    let by_id: HashMap<&str, &RankingFacts> =
        facts.iter().map(|f| (f.input.org.id.as_str(), f)).collect();
    let rows = score::rank(&inputs, &weights, day)
        .into_iter()
        .filter_map(|ranked| {
            let f = by_id.get(ranked.scored.org_id.as_str())?;
            Some(RankRow {
                name_ja: f.name_ja.clone(),
                name_en: f.name_en.clone(),
                business_type: f.input.org.business_type,
                region: f.input.org.region,
                last_monitored: f.input.last_monitored,
                ranked,
            })
        })
        .collect();
    Ok(Ranking {
        today: day,
        weights,
        rows,
    })
}

/// The severity of a code, for forms.
pub fn severity(code: &str) -> Option<Severity> {
    deltawall_store::findings::parse_code(code)
}

/// An attribute kind and value pair, for forms: every value each attribute may take.
pub fn attribute_pairs() -> Vec<(AttributeKind, &'static str)> {
    AttributeKind::ALL
        .iter()
        .flat_map(|k| k.allowed_values().iter().map(move |v| (*k, *v)))
        .collect()
}
