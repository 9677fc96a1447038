//! The supervisor's incident board (issue 13, point 4): the open cases of the institutions
//! within the reader's reach (the FSA: all; a local bureau: its region, through
//! `Actor::org_scope` like every tenant read), counted by business type and region with
//! their regulator reports running, overdue and waiting for review; and the overdue and
//! running reports themselves, overdue first, then by deadline.
//!
//! The clocks are the domain's (`incident::clock`), computed from the same recorded times
//! as on the case page, so the board and the case never disagree. The stages each open case
//! owes are kept on write with their deadlines (`store::incidents::board_kept`); the board
//! counts them against its own instant in SQL and reads only the listed reports' names.
//! [`board_from_scratch`] computes the same board from every open case's clocks.

use super::reports::regimes;
use crate::supervision::clock::Clock;
use crate::supervision::roles::is_supervisor_reader;
use crate::{Ctx, SResult, ServiceError};
use deltawall_domain::incident::case::{Category, Phase, Priority};
use deltawall_domain::incident::clock::{self, CaseTimes, ClockState};
use deltawall_domain::incident::regime::Stage;
use deltawall_domain::jst::Holidays;
use deltawall_domain::org::{BusinessType, Region};
use deltawall_store::incidents::board::{self as store, BoardCase};
use deltawall_store::incidents::board_kept as kept;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most reports listed at once (the counts hold them all).
pub const REPORT_LIMIT: usize = 200;

/// Open cases and their reports of one business type in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    /// Business type code.
    #[schema(value_type = String)]
    pub business_type: BusinessType,
    /// Region code (the local finance bureau's).
    #[schema(value_type = String)]
    pub region: Region,
    /// Open cases.
    pub open_cases: u64,
    /// Institutions with an open case.
    pub institutions: u64,
    /// Report stages whose deadline passed without a submission.
    pub reports_overdue: u64,
    /// Report stages whose clock runs.
    pub reports_running: u64,
    /// Submissions waiting for the supervisor's review.
    pub awaiting_review: u64,
}

/// One report stage due on an open case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DueReport {
    /// Case id.
    pub case_id: String,
    /// Case title.
    pub title: String,
    /// The institution's Japanese name.
    pub org_name_ja: String,
    /// The institution's English name.
    pub org_name_en: String,
    /// Business type code.
    #[schema(value_type = String)]
    pub business_type: BusinessType,
    /// Region code.
    #[schema(value_type = String)]
    pub region: Region,
    /// Category code.
    #[schema(value_type = String)]
    pub category: Category,
    /// Priority code.
    #[schema(value_type = String)]
    pub priority: Priority,
    /// Current phase code.
    #[schema(value_type = String)]
    pub phase: Phase,
    /// Regime code.
    pub regime: String,
    /// The regime's name in Japanese.
    pub regime_ja: String,
    /// The regime's name in English.
    pub regime_en: String,
    /// Stage code.
    #[schema(value_type = String)]
    pub stage: Stage,
    /// Deadline, Unix µs.
    pub due_us: i64,
    /// The deadline has passed.
    pub overdue: bool,
}

/// The board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Board {
    /// Counts by business type and region, rows with overdue reports first.
    pub rows: Vec<BoardRow>,
    /// Open cases in reach.
    pub open_cases: u64,
    /// Overdue report stages in reach.
    pub reports_overdue: u64,
    /// Submissions waiting for review in reach.
    pub awaiting_review: u64,
    /// Report stages due, overdue first, then by deadline (at most [`REPORT_LIMIT`]).
    pub reports: Vec<DueReport>,
}

fn times_of(case: &BoardCase) -> CaseTimes {
    let mut t = CaseTimes::new(case.category);
    t.milestones = case.milestones.clone();
    t
}

/// The board for the actor, at `clock`'s now: the counts grouped in SQL over the stages
/// owed kept on write (`store::board_kept`) and only the listed reports read with their
/// names, so the cost does not grow with the open cases' clocks.
pub async fn board(ctx: Ctx<'_>, clock: &Clock) -> SResult<Board> {
    if !is_supervisor_reader(ctx.actor) {
        return Err(ServiceError::Forbidden);
    }
    let scope = ctx.actor.org_scope();
    let now_us = clock.now_us();
    let (groups, urgent) = {
        let mut conn = ctx.store.read().await?;
        (
            kept::group_counts(&mut conn, &scope, now_us).await?,
            kept::most_urgent(&mut conn, &scope, REPORT_LIMIT).await?,
        )
    };
    from_kept(groups, urgent, now_us)
}

/// The board for the actor from every open case's clocks, computed here: the from-scratch
/// path [`board`] must equal (the service's tests compare both on random data).
pub async fn board_from_scratch(ctx: Ctx<'_>, clock: &Clock) -> SResult<Board> {
    if !is_supervisor_reader(ctx.actor) {
        return Err(ServiceError::Forbidden);
    }
    let scope = ctx.actor.org_scope();
    let (cases, submissions, decisions) = {
        let mut conn = ctx.store.read().await?;
        (
            store::open_cases(&mut conn, &scope).await?,
            store::submissions(&mut conn, &scope).await?,
            store::decisions(&mut conn, &scope).await?,
        )
    };
    compute(&cases, &submissions, &decisions, clock.now_us())
}

fn sort_rows(rows: &mut [BoardRow]) {
    rows.sort_by(|a, b| {
        b.reports_overdue
            .cmp(&a.reports_overdue)
            .then(b.open_cases.cmp(&a.open_cases))
            .then(a.business_type.cmp(&b.business_type))
            .then(a.region.cmp(&b.region))
    });
}

fn totals(rows: Vec<BoardRow>, reports: Vec<DueReport>) -> Board {
    Board {
        open_cases: rows.iter().map(|r| r.open_cases).sum(),
        reports_overdue: rows.iter().map(|r| r.reports_overdue).sum(),
        awaiting_review: rows.iter().map(|r| r.awaiting_review).sum(),
        rows,
        reports,
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The board from the kept counts and the most urgent stages, at `now_us`.
fn from_kept(
    groups: BTreeMap<(BusinessType, Region), kept::GroupCounts>,
    urgent: Vec<kept::UrgentReport>,
    now_us: i64,
) -> SResult<Board> {
    let regimes = regimes()?;
    let mut rows: Vec<BoardRow> = groups
        .into_iter()
        // A group is shown for its open cases; the others cannot hold owed stages.
        .filter(|(_, g)| g.open_cases > 0)
        .map(|((business_type, region), g)| BoardRow {
            business_type,
            region,
            open_cases: count(g.open_cases),
            institutions: count(g.institutions),
            reports_overdue: count(g.reports_overdue),
            reports_running: count(g.reports_running),
            awaiting_review: count(g.awaiting_review),
        })
        .collect();
    sort_rows(&mut rows);
    let reports = urgent
        .into_iter()
        .filter_map(|u| {
            let r = regimes.get(&u.regime)?;
            Some(DueReport {
                regime_ja: r.name.ja.clone(),
                regime_en: r.name.en.clone(),
                overdue: now_us > u.due_us,
                case_id: u.case_id,
                title: u.title,
                org_name_ja: u.org_name_ja,
                org_name_en: u.org_name_en,
                business_type: u.business_type,
                region: u.region,
                category: u.category,
                priority: u.priority,
                phase: u.phase,
                regime: u.regime,
                stage: u.stage,
                due_us: u.due_us,
            })
        })
        .collect();
    Ok(totals(rows, reports))
}

/// The board from the rows the store read, at `now_us` (separate so the ordering and the
/// counts are tested without a database).
pub fn compute(
    cases: &[BoardCase],
    submissions: &[store::BoardSubmission],
    decisions: &[(String, String, i64)],
    now_us: i64,
) -> SResult<Board> {
    let regimes = regimes()?;
    let mut times: HashMap<&str, CaseTimes> =
        cases.iter().map(|c| (c.id.as_str(), times_of(c))).collect();
    let mut pending: HashMap<&str, u64> = HashMap::new();
    for s in submissions {
        if let Some(t) = times.get_mut(s.case_id.as_str()) {
            t.submitted(&s.regime, s.stage, s.first_submitted_us);
            *pending.entry(s.case_id.as_str()).or_default() += s.pending.max(0) as u64;
        }
    }
    for (case_id, regime, at) in decisions {
        if let Some(t) = times.get_mut(case_id.as_str()) {
            t.not_reporting.insert(regime.clone(), *at);
        }
    }
    let mut rows: BTreeMap<(BusinessType, Region), (BoardRow, HashSet<&str>)> = BTreeMap::new();
    let mut due = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let key = (case.business_type, case.region);
        let (row, orgs) = rows.entry(key).or_insert_with(|| {
            let row = BoardRow {
                business_type: case.business_type,
                region: case.region,
                open_cases: 0,
                institutions: 0,
                reports_overdue: 0,
                reports_running: 0,
                awaiting_review: 0,
            };
            (row, HashSet::new())
        });
        row.open_cases += 1;
        orgs.insert(&case.org_id);
        row.awaiting_review += pending.get(case.id.as_str()).copied().unwrap_or(0);
        let t = &times[case.id.as_str()];
        for c in clock::clocks(regimes, t, &Holidays::none(), now_us) {
            let (due_us, overdue) = match c.state {
                ClockState::Overdue { due_us } => (due_us, true),
                ClockState::Running { due_us } => (due_us, false),
                _ => continue,
            };
            if overdue {
                row.reports_overdue += 1;
            } else {
                row.reports_running += 1;
            }
            // Only the sort key now: the few reports listed are built after the sort.
            due.push((!overdue, due_us, i, c.regime, c.stage));
        }
    }
    let mut rows: Vec<BoardRow> = rows
        .into_values()
        .map(|(mut row, orgs)| {
            row.institutions = orgs.len() as u64;
            row
        })
        .collect();
    sort_rows(&mut rows);
    // Overdue first (`!overdue` is false), then by deadline, case, regime and stage.
    due.sort_unstable_by(|a, b| {
        (a.0, a.1, &cases[a.2].id, &a.3, a.4).cmp(&(b.0, b.1, &cases[b.2].id, &b.3, b.4))
    });
    let reports = due
        .into_iter()
        .take(REPORT_LIMIT)
        .filter_map(|(not_overdue, due_us, i, regime, stage)| {
            let (case, r) = (&cases[i], regimes.get(&regime)?);
            Some(DueReport {
                case_id: case.id.clone(),
                title: case.title.clone(),
                org_name_ja: case.org_name_ja.clone(),
                org_name_en: case.org_name_en.clone(),
                business_type: case.business_type,
                region: case.region,
                category: case.category,
                priority: case.priority,
                phase: case.phase,
                regime_ja: r.name.ja.clone(),
                regime_en: r.name.en.clone(),
                regime,
                stage,
                due_us,
                overdue: !not_overdue,
            })
        })
        .collect();
    Ok(totals(rows, reports))
}
