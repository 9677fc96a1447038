//! The supervisor's incident board (issue 13, point 4): the open cases of the institutions
//! within the reader's reach (the FSA: all; a local bureau: its region, through
//! `Actor::org_scope` like every tenant read), counted by business type and region with
//! their regulator reports running, overdue and waiting for review; and the overdue and
//! running reports themselves, overdue first, then by deadline.
//!
//! The clocks are the domain's (`incident::clock`), computed from the same recorded times
//! as on the case page, so the board and the case never disagree; the store reads only
//! the columns they need, in three set-based queries.

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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

/// The board for the actor, at `clock`'s now.
pub async fn board(ctx: Ctx<'_>, clock: &Clock) -> SResult<Board> {
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
    rows.sort_by(|a, b| {
        b.reports_overdue
            .cmp(&a.reports_overdue)
            .then(b.open_cases.cmp(&a.open_cases))
            .then(a.business_type.cmp(&b.business_type))
            .then(a.region.cmp(&b.region))
    });
    // Overdue first (`!overdue` is false), then by deadline, case and regime.
    due.sort_unstable_by(|a, b| {
        (a.0, a.1, &cases[a.2].id, &a.3).cmp(&(b.0, b.1, &cases[b.2].id, &b.3))
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
    Ok(Board {
        open_cases: rows.iter().map(|r| r.open_cases).sum(),
        reports_overdue: rows.iter().map(|r| r.reports_overdue).sum(),
        awaiting_review: rows.iter().map(|r| r.awaiting_review).sum(),
        rows,
        reports,
    })
}
