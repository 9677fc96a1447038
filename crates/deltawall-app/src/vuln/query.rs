//! Findings as people and clients read them: each with its enrichment and its clock.

use super::{policy, require_institution};
use crate::paging::PageRequest;
use crate::supervision::clock::Clock;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::Permission;
use deltawall_domain::validate::Invalid;
use deltawall_store::vuln::{self, Decision, Event, FindingFilter, FindingState, StoredFinding};
use deltawall_vuln::{Clock as DueClock, ClockInput, Severity, Standing, clock};
use serde::{Deserialize, Serialize};

/// A finding with its clock at the time it was read.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// The finding as stored.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub finding: StoredFinding,
    /// What is due and when; absent when nothing is.
    #[schema(value_type = Option<Object>)]
    pub clock: Option<DueClock>,
}

/// Where a stored finding stands for the clock.
fn standing(f: &StoredFinding) -> Standing {
    match f.state {
        FindingState::Resolved | FindingState::Fixed => Standing::Closed,
        FindingState::Accepted => Standing::Accepted {
            until_us: f.accepted_until.unwrap_or(0),
        },
        FindingState::Open => match (f.decision.as_deref(), f.decision_due) {
            (Some("fix" | "mitigate"), Some(due_us)) => Standing::Fixing { due_us },
            (Some("defer"), Some(to)) => Standing::Undecided {
                deferred_to_us: Some(to),
            },
            _ => Standing::Undecided {
                deferred_to_us: None,
            },
        },
    }
}

/// The finding with its clock at `now_us`. A repeat of another scanner's finding has no
/// clock of its own (the first scanner's finding carries it).
pub fn view_of(finding: StoredFinding, now_us: i64) -> FindingView {
    let input = ClockInput {
        standing: standing(&finding),
        first_seen_us: finding.first_seen,
        severity: finding.severity,
        kev: finding.kev_due.is_some(),
        epss_millionths: finding.epss_millionths,
    };
    let clock = if finding.duplicate_of.is_some() {
        None
    } else {
        clock(&policy(), &input, now_us)
    };
    FindingView { finding, clock }
}

/// The filters of the findings list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open`, `resolved`, `fixed` or `accepted`.
    #[serde(default)]
    pub state: Option<String>,
    /// `info`, `low`, `medium`, `high` or `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Only this asset of the scope.
    #[serde(default)]
    pub asset: Option<String>,
    /// `true`: only findings with a CVE in the imported KEV catalog.
    #[serde(default)]
    pub kev: Option<bool>,
}

fn filter_of(q: &ListQuery) -> SResult<FindingFilter> {
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let state = blank(&q.state)
        .map(|s| {
            FindingState::from_code(&s).ok_or(ServiceError::Invalid(Invalid {
                field: "state",
                reason: "must be open, resolved, fixed or accepted",
                code: "err-bad-request",
            }))
        })
        .transpose()?;
    let severity = blank(&q.severity)
        .map(|s| {
            Severity::from_code(&s).ok_or(ServiceError::Invalid(Invalid {
                field: "severity",
                reason: "must be info, low, medium, high or critical",
                code: "err-bad-request",
            }))
        })
        .transpose()?;
    Ok(FindingFilter {
        state,
        severity,
        asset_id: blank(&q.asset),
        kev_only: q.kev.unwrap_or(false),
    })
}

/// One page of findings.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ListPage {
    /// The findings, newest first.
    pub items: Vec<FindingView>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// The actor's institution's findings, filtered, newest first, one page at a time.
pub async fn list(
    ctx: Ctx<'_>,
    clock: &Clock,
    query: &ListQuery,
    page: &PageRequest,
) -> SResult<ListPage> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let filter = filter_of(query)?;
    let after = page.cursor(2)?;
    let mut conn = ctx.store.read().await?;
    let found = vuln::page(
        &mut conn,
        &ctx.actor.org_scope(),
        &filter,
        after.as_ref(),
        page.limit(),
    )
    .await?;
    let now = clock.now_us();
    Ok(ListPage {
        items: found.items.into_iter().map(|f| view_of(f, now)).collect(),
        next: found.next,
    })
}

/// A finding with its history and decisions.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FindingDetail {
    /// The finding and its clock.
    pub view: FindingView,
    /// Its history, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<Event>,
    /// Its decisions, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub decisions: Vec<Decision>,
}

/// One finding of the actor's institution with its history and decisions.
pub async fn detail(ctx: Ctx<'_>, clock: &Clock, finding_id: &str) -> SResult<FindingDetail> {
    require_institution(&ctx, Permission::ReadOwnOrg)?;
    let mut conn = ctx.store.read().await?;
    let finding = vuln::get(&mut conn, &ctx.actor.org_scope(), finding_id).await?;
    let history = vuln::events_of(&mut conn, &finding.id).await?;
    let decisions = vuln::decisions_of(&mut conn, &finding.id).await?;
    Ok(FindingDetail {
        view: view_of(finding, clock.now_us()),
        history,
        decisions,
    })
}
