//! The decision clock (issue 15, point 4): how long an institution may take to decide on a
//! finding and to carry its decision out. Pure: the caller passes the finding's facts and
//! the current instant, so the same inputs always give the same clock.
//!
//! The report found institutions that knew a fix was needed but took long to decide because
//! they under-rated the risk; so the deadline to decide is set by the finding's severity and
//! tightened by exploitation evidence (in CISA KEV, or an EPSS score at or above the
//! policy's threshold), not by the institution's own rating.

use serde::Serialize;

use crate::model::Severity;

const DAY_US: i64 = 86_400_000_000;

/// Days allowed to decide on a finding; configurable per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockPolicy {
    /// Days to decide on a critical finding.
    pub critical_days: i64,
    /// Days to decide on a high finding.
    pub high_days: i64,
    /// Days to decide on a medium finding.
    pub medium_days: i64,
    /// Days to decide on a low finding (informational findings have no clock).
    pub low_days: i64,
    /// Days to decide on a finding whose CVE is in the KEV catalog, whatever its severity.
    pub kev_days: i64,
    /// EPSS score, in millionths, from which a finding is decided on as a critical one.
    pub epss_threshold_millionths: i64,
}

impl Default for ClockPolicy {
    /// Three days for known-exploited vulnerabilities, then one week, two weeks, a month and
    /// a quarter by severity; an EPSS score of 0.1 or more counts as critical.
    fn default() -> Self {
        Self {
            critical_days: 7,
            high_days: 14,
            medium_days: 30,
            low_days: 90,
            kev_days: 3,
            epss_threshold_millionths: 100_000,
        }
    }
}

impl ClockPolicy {
    /// Days to decide, `None` for informational findings without exploitation evidence.
    pub fn decide_days(
        &self,
        severity: Severity,
        kev: bool,
        epss_millionths: Option<i64>,
    ) -> Option<i64> {
        if kev {
            return Some(self.kev_days);
        }
        if epss_millionths.is_some_and(|e| e >= self.epss_threshold_millionths) {
            return Some(self.critical_days);
        }
        match severity {
            Severity::Critical => Some(self.critical_days),
            Severity::High => Some(self.high_days),
            Severity::Medium => Some(self.medium_days),
            Severity::Low => Some(self.low_days),
            Severity::Info => None,
        }
    }
}

/// Where a finding stands as far as the clock is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Reported and not decided on (or deferred, or an acceptance awaiting approval).
    Undecided {
        /// A deferral's new decision date, which replaces the policy's.
        deferred_to_us: Option<i64>,
    },
    /// Decided: to be fixed or mitigated by a date.
    Fixing {
        /// The date the fix is due.
        due_us: i64,
    },
    /// Risk accepted until an instant; the acceptance lapses by itself then.
    Accepted {
        /// When the acceptance lapses.
        until_us: i64,
    },
    /// Closed: resolved by a rescan or declared fixed.
    Closed,
}

/// Which deadline a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The decision is due.
    Decide,
    /// The decided fix or mitigation is due.
    Fix,
    /// An accepted risk's acceptance has lapsed: decide again.
    AcceptanceLapsed,
}

/// A running or overdue deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// What is due.
    pub kind: ClockKind,
    /// When, Unix µs.
    pub due_us: i64,
    /// Whether `now` is past it.
    pub overdue: bool,
}

/// The facts of one finding the clock depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockInput {
    /// Where it stands.
    pub standing: Standing,
    /// First reported, Unix µs.
    pub first_seen_us: i64,
    /// Its severity.
    pub severity: Severity,
    /// Whether one of its CVEs is in the KEV catalog.
    pub kev: bool,
    /// Its highest EPSS score, in millionths.
    pub epss_millionths: Option<i64>,
}

/// The finding's clock at `now_us`, `None` when nothing is due (closed, accepted and not yet
/// lapsed, or informational without a decision to carry out).
pub fn clock(policy: &ClockPolicy, input: &ClockInput, now_us: i64) -> Option<Clock> {
    let (kind, due_us) = match input.standing {
        Standing::Closed => return None,
        Standing::Accepted { until_us } if until_us > now_us => return None,
        Standing::Accepted { until_us } => (ClockKind::AcceptanceLapsed, until_us),
        Standing::Fixing { due_us } => (ClockKind::Fix, due_us),
        Standing::Undecided {
            deferred_to_us: Some(to),
        } => (ClockKind::Decide, to),
        Standing::Undecided {
            deferred_to_us: None,
        } => {
            let days = policy.decide_days(input.severity, input.kev, input.epss_millionths)?;
            (
                ClockKind::Decide,
                input.first_seen_us.saturating_add(days * DAY_US),
            )
        }
    };
    Some(Clock {
        kind,
        due_us,
        overdue: now_us > due_us,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(standing: Standing, severity: Severity, kev: bool, epss: Option<i64>) -> ClockInput {
        ClockInput {
            standing,
            first_seen_us: 0,
            severity,
            kev,
            epss_millionths: epss,
        }
    }

    const UNDECIDED: Standing = Standing::Undecided {
        deferred_to_us: None,
    };

    #[test]
    fn kev_and_epss_tighten_the_decision_deadline() {
        let p = ClockPolicy::default();
        let due = |i: ClockInput| clock(&p, &i, 0).map(|c| c.due_us / DAY_US);
        assert_eq!(
            due(input(UNDECIDED, Severity::Medium, false, None)),
            Some(30)
        );
        assert_eq!(due(input(UNDECIDED, Severity::Medium, true, None)), Some(3));
        assert_eq!(
            due(input(UNDECIDED, Severity::Low, false, Some(100_000))),
            Some(7)
        );
        assert_eq!(
            due(input(UNDECIDED, Severity::Low, false, Some(99_999))),
            Some(90)
        );
        assert_eq!(due(input(UNDECIDED, Severity::Info, false, None)), None);
    }

    #[test]
    fn a_clock_goes_overdue_after_its_due_time() {
        let p = ClockPolicy::default();
        let i = input(UNDECIDED, Severity::Critical, false, None);
        assert!(!clock(&p, &i, 7 * DAY_US).unwrap().overdue);
        assert!(clock(&p, &i, 7 * DAY_US + 1).unwrap().overdue);
    }

    #[test]
    fn an_acceptance_lapses_by_itself() {
        let p = ClockPolicy::default();
        let i = input(
            Standing::Accepted { until_us: 50 },
            Severity::High,
            false,
            None,
        );
        assert_eq!(clock(&p, &i, 49), None);
        let lapsed = clock(&p, &i, 51).unwrap();
        assert_eq!(
            (lapsed.kind, lapsed.overdue),
            (ClockKind::AcceptanceLapsed, true)
        );
        assert_eq!(
            clock(
                &p,
                &input(Standing::Closed, Severity::Critical, true, None),
                99
            ),
            None
        );
    }

    #[test]
    fn decided_fixes_and_deferrals_run_to_their_own_dates() {
        let p = ClockPolicy::default();
        let fix = clock(
            &p,
            &input(Standing::Fixing { due_us: 10 }, Severity::Info, false, None),
            11,
        )
        .unwrap();
        assert_eq!(
            (fix.kind, fix.due_us, fix.overdue),
            (ClockKind::Fix, 10, true)
        );
        let deferred = Standing::Undecided {
            deferred_to_us: Some(40 * DAY_US),
        };
        let c = clock(
            &p,
            &input(deferred, Severity::Critical, false, None),
            DAY_US * 8,
        )
        .unwrap();
        assert_eq!((c.kind, c.overdue), (ClockKind::Decide, false));
    }
}
