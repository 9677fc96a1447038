//! Patterns of similar incidents on the supervisor's board and the alert (注意喚起) drafted
//! from one (issue 13, point 4). The cases are the board's (`store::incidents::board`,
//! scoped by `Actor::org_scope`, so a local bureau sees its region's only); the rules are
//! the domain's (`incident::pattern`). The alert itself is sent by the supervision alerts
//! service ([`crate::supervision::alerts::send`]), so it reaches institutions like any other.

use crate::supervision::clock::Clock;
use crate::supervision::roles::is_supervisor_reader;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::incident::case::{Category, Milestone};
use deltawall_domain::incident::pattern::{self, AlertDraft, Pattern, PatternCase, PatternRule};
use deltawall_domain::org::BusinessType;
use deltawall_store::incidents::board as store;
use serde::{Deserialize, Serialize};

/// A pattern as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PatternView {
    /// Category code.
    #[schema(value_type = String)]
    pub category: Category,
    /// Business type code.
    #[schema(value_type = String)]
    pub business_type: BusinessType,
    /// Distinct institutions in the window.
    pub institutions: usize,
    /// Cases in the window.
    pub cases: usize,
    /// The first case's recognition, Unix µs.
    pub first_us: i64,
    /// The last case's recognition, Unix µs.
    pub last_us: i64,
}

impl From<Pattern> for PatternView {
    fn from(p: Pattern) -> Self {
        PatternView {
            category: p.category,
            business_type: p.business_type,
            institutions: p.institutions,
            cases: p.cases,
            first_us: p.first_us,
            last_us: p.last_us,
        }
    }
}

/// Which pattern: its category and business type.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct PatternKey {
    /// Category code.
    pub category: String,
    /// Business type code.
    pub business_type: String,
}

/// The alert draft of a pattern, in the shape of the alerts service's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DraftView {
    /// The pattern drafted from.
    pub pattern: PatternView,
    /// Title in Japanese.
    pub title_ja: String,
    /// Title in English.
    pub title_en: String,
    /// The warning in Japanese.
    pub body_ja: String,
    /// The warning in English.
    pub body_en: String,
    /// Who is warned: every institution of the pattern's business type.
    #[schema(value_type = Object)]
    pub population: deltawall_domain::supervision::population::Selector,
    /// Respond by, `YYYY-MM-DD`.
    pub respond_by: String,
}

fn draft_view(p: Pattern, d: AlertDraft) -> DraftView {
    DraftView {
        pattern: p.into(),
        title_ja: d.title.ja,
        title_en: d.title.en,
        body_ja: d.body.ja,
        body_en: d.body.en,
        population: d.population,
        respond_by: d.respond_by,
    }
}

async fn found(ctx: Ctx<'_>) -> SResult<Vec<Pattern>> {
    if !is_supervisor_reader(ctx.actor) {
        return Err(ServiceError::Forbidden);
    }
    let scope = ctx.actor.org_scope();
    let cases = {
        let mut conn = ctx.store.read().await?;
        store::open_cases(&mut conn, &scope).await?
    };
    let cases: Vec<PatternCase> = cases
        .into_iter()
        .filter_map(|c| {
            Some(PatternCase {
                recognised_us: *c.milestones.get(&Milestone::Recognised)?,
                org_id: c.org_id,
                business_type: c.business_type,
                category: c.category,
            })
        })
        .collect();
    Ok(pattern::patterns(&cases, &PatternRule::default()))
}

/// The patterns among the open cases within the actor's reach, most institutions first.
pub async fn patterns(ctx: Ctx<'_>) -> SResult<Vec<PatternView>> {
    Ok(found(ctx).await?.into_iter().map(Into::into).collect())
}

/// The alert draft of the pattern `key` at `clock`'s now; not found when the cases within
/// reach hold no such pattern.
pub async fn draft(ctx: Ctx<'_>, clock: &Clock, key: &PatternKey) -> SResult<DraftView> {
    let category = Category::from_code(key.category.trim());
    let business_type = BusinessType::from_code(key.business_type.trim());
    let p = found(ctx)
        .await?
        .into_iter()
        .find(|p| Some(p.category) == category && Some(p.business_type) == business_type)
        .ok_or(ServiceError::NotFound("pattern"))?;
    let d = pattern::alert_draft(&p, clock.now_us());
    Ok(draft_view(p, d))
}
