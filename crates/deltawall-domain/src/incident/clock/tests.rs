use super::*;
use crate::jst::format_minute;

const HOUR: i64 = 3_600_000_000;

/// An instant from an RFC 3339 text with any offset.
fn at(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

fn regimes() -> Regimes {
    Regimes::builtin().unwrap()
}

fn times(category: Category, milestones: &[(Milestone, &str)]) -> CaseTimes {
    let mut t = CaseTimes::new(category);
    for (m, when) in milestones {
        t.milestones.insert(*m, at(when));
    }
    t
}

/// The clock of `regime`/`stage` at `now`, as `(state, deadline in JST)`.
#[track_caller]
fn check(
    regime: &str,
    stage: Stage,
    t: &CaseTimes,
    holidays: &Holidays,
    now: &str,
    expected: (&str, Option<&str>),
) {
    let regimes = regimes();
    let r = regimes.get(regime).unwrap();
    let c = clock(r, r.stage(stage).unwrap(), t, holidays, at(now));
    let name = match c.state {
        ClockState::NotApplicable => "not applicable",
        ClockState::Waiting => "waiting",
        ClockState::Running { .. } => "running",
        ClockState::Overdue { .. } => "overdue",
        ClockState::Met { late: false, .. } => "met",
        ClockState::Met { late: true, .. } => "met late",
        ClockState::NotReporting { .. } => "not reporting",
    };
    let due = c.state.due_us().map(format_minute);
    assert_eq!((name, due.as_deref()), expected, "{regime} {stage}");
}

use Milestone::*;
use Stage::*;

#[test]
fn fsa_first_report_counts_24_hours_through_the_weekend() {
    let none = Holidays::none();
    // Recognised on Friday 22:00 JST; the target falls on Saturday.
    let t = times(
        Category::ListAttackLogin,
        &[(Recognised, "2026-11-06T22:00:00+09:00")],
    );
    let first = ("fsa_incident_report", First);
    check(
        first.0,
        first.1,
        &t,
        &none,
        "2026-11-06T23:00:00+09:00",
        ("running", Some("2026-11-07 22:00")),
    );
    check(
        first.0,
        first.1,
        &t,
        &none,
        "2026-11-07T22:00:00+09:00",
        ("running", Some("2026-11-07 22:00")),
    );
    check(
        first.0,
        first.1,
        &t,
        &none,
        "2026-11-07T22:00:01+09:00",
        ("overdue", Some("2026-11-07 22:00")),
    );
    // Nothing recorded for the later stages yet.
    check(
        first.0,
        Interim,
        &t,
        &none,
        "2026-11-07T00:00:00Z",
        ("waiting", None),
    );
    check(
        first.0,
        Final,
        &t,
        &none,
        "2026-11-07T00:00:00Z",
        ("waiting", None),
    );
    // No recognition recorded: the clock waits.
    let blank = CaseTimes::new(Category::Ddos);
    check(
        first.0,
        first.1,
        &blank,
        &none,
        "2026-11-07T00:00:00Z",
        ("waiting", None),
    );
}

#[test]
fn fsa_later_reports_count_business_days_in_japan() {
    let none = Holidays::none();
    let culture_day = Holidays::parse(["2026-11-03"]).unwrap();
    let r = "fsa_incident_report";
    // Recovered on Friday evening: the end of Monday.
    let t = times(
        Category::Ddos,
        &[
            (Recognised, "2026-11-06T09:00:00+09:00"),
            (Recovered, "2026-11-06T18:00:00+09:00"),
        ],
    );
    check(
        r,
        Interim,
        &t,
        &none,
        "2026-11-07T00:00:00Z",
        ("running", Some("2026-11-09 23:59")),
    );
    // Recovered on Monday; Tuesday is a holiday: the end of Wednesday.
    let t = times(
        Category::Ddos,
        &[
            (Recognised, "2026-11-02T09:00:00+09:00"),
            (Recovered, "2026-11-02T12:00:00+09:00"),
        ],
    );
    check(
        r,
        Interim,
        &t,
        &culture_day,
        "2026-11-02T12:00:00+09:00",
        ("running", Some("2026-11-04 23:59")),
    );
    check(
        r,
        Interim,
        &t,
        &none,
        "2026-11-02T12:00:00+09:00",
        ("running", Some("2026-11-03 23:59")),
    );
    // Recovered Thursday 16:00 UTC, which is already Friday in Japan: counted from Friday.
    let t = times(
        Category::Ddos,
        &[
            (Recognised, "2026-11-05T00:00:00Z"),
            (Recovered, "2026-11-05T16:00:00Z"),
        ],
    );
    check(
        r,
        Interim,
        &t,
        &none,
        "2026-11-05T16:00:00Z",
        ("running", Some("2026-11-09 23:59")),
    );
    // Root cause known on Friday: five business days is the next Friday.
    let t = times(
        Category::Ddos,
        &[
            (Recognised, "2026-11-02T09:00:00+09:00"),
            (RootCauseIdentified, "2026-11-06T15:00:00+09:00"),
        ],
    );
    check(
        r,
        Final,
        &t,
        &none,
        "2026-11-06T15:00:00+09:00",
        ("running", Some("2026-11-13 23:59")),
    );
}

#[test]
fn the_common_form_covers_only_ddos_and_ransomware() {
    let none = Holidays::none();
    let r = "jp_common_form";
    let recognised = [(Recognised, "2026-11-06T22:00:00+09:00")];
    let now = "2026-11-06T23:00:00+09:00";
    check(
        r,
        First,
        &times(Category::Ddos, &recognised),
        &none,
        now,
        ("running", Some("2026-11-07 22:00")),
    );
    check(
        r,
        First,
        &times(Category::Ransomware, &recognised),
        &none,
        now,
        ("running", Some("2026-11-07 22:00")),
    );
    check(
        r,
        First,
        &times(Category::ListAttackLogin, &recognised),
        &none,
        now,
        ("not applicable", None),
    );
}

#[test]
fn dora_runs_only_for_major_incidents_and_takes_the_earlier_limit() {
    let none = Holidays::none();
    let r = "eu_dora";
    let aware = (Recognised, "2026-03-06T08:00:00+01:00");
    // Not classified as major: DORA does not apply.
    check(
        r,
        First,
        &times(Category::Ransomware, &[aware]),
        &none,
        "2026-03-06T09:00:00+01:00",
        ("not applicable", None),
    );
    // Classified two hours after awareness: 4 hours from classification binds.
    let t = times(
        Category::Ransomware,
        &[aware, (ClassifiedMajor, "2026-03-06T10:00:00+01:00")],
    );
    check(
        r,
        First,
        &t,
        &none,
        "2026-03-06T10:00:00+01:00",
        ("running", Some("2026-03-06 22:00")),
    );
    // Classified 22 hours after awareness: the 24-hour limit binds.
    let t = times(
        Category::Ransomware,
        &[aware, (ClassifiedMajor, "2026-03-07T06:00:00+01:00")],
    );
    check(
        r,
        First,
        &t,
        &none,
        "2026-03-07T06:00:00+01:00",
        ("running", Some("2026-03-07 16:00")),
    );
    // Classified late on a Friday evening in Frankfurt: due 03:30 CET, 11:30 Saturday in Japan.
    let t = times(
        Category::Ddos,
        &[
            (Recognised, "2026-03-06T23:00:00+01:00"),
            (ClassifiedMajor, "2026-03-06T23:30:00+01:00"),
        ],
    );
    check(
        r,
        First,
        &t,
        &none,
        "2026-03-07T00:00:00+01:00",
        ("running", Some("2026-03-07 11:30")),
    );
    // The intermediate report counts 72 hours from the initial notification.
    let mut t = t;
    t.submitted(r, First, at("2026-03-07T02:00:00+01:00"));
    check(
        r,
        First,
        &t,
        &none,
        "2026-03-07T03:00:00+01:00",
        ("met", Some("2026-03-07 11:30")),
    );
    check(
        r,
        Interim,
        &t,
        &none,
        "2026-03-07T03:00:00+01:00",
        ("running", Some("2026-03-10 10:00")),
    );
    check(
        r,
        Final,
        &t,
        &none,
        "2026-03-07T03:00:00+01:00",
        ("waiting", None),
    );
    // The final report: one month after the intermediate one, clamped to February's end.
    t.submitted(r, Interim, at("2026-01-31T10:00:00+09:00"));
    check(
        r,
        Final,
        &t,
        &none,
        "2026-02-01T00:00:00Z",
        ("running", Some("2026-02-28 10:00")),
    );
}

#[test]
fn nis2_counts_from_awareness_then_from_the_notification() {
    let none = Holidays::none();
    let r = "eu_nis2";
    let t = times(
        Category::Ransomware,
        &[
            (Recognised, "2026-03-06T12:00:00Z"),
            (ClassifiedMajor, "2026-03-06T15:00:00Z"),
        ],
    );
    let now = "2026-03-06T15:00:00Z";
    check(
        r,
        First,
        &t,
        &none,
        now,
        ("running", Some("2026-03-07 21:00")),
    );
    check(
        r,
        Interim,
        &t,
        &none,
        now,
        ("running", Some("2026-03-09 21:00")),
    );
    check(r, Final, &t, &none, now, ("waiting", None));
    let mut t = t;
    t.submitted(r, Interim, at("2026-03-09T03:00:00Z"));
    check(
        r,
        Final,
        &t,
        &none,
        now,
        ("running", Some("2026-04-09 12:00")),
    );
}

#[test]
fn reports_met_late_and_decisions_not_to_report() {
    let none = Holidays::none();
    let r = "fsa_incident_report";
    let mut t = times(Category::Ddos, &[(Recognised, "2026-11-06T22:00:00+09:00")]);
    t.submitted(r, First, at("2026-11-08T09:00:00+09:00"));
    check(
        r,
        First,
        &t,
        &none,
        "2026-11-08T10:00:00+09:00",
        ("met late", Some("2026-11-07 22:00")),
    );
    // Only the first submission counts.
    t.submitted(r, First, at("2026-11-07T09:00:00+09:00"));
    check(
        r,
        First,
        &t,
        &none,
        "2026-11-08T10:00:00+09:00",
        ("met late", Some("2026-11-07 22:00")),
    );
    // Deciding not to report settles the stages still owed, not the ones made.
    t.not_reporting
        .insert(r.into(), at("2026-11-08T12:00:00+09:00"));
    check(
        r,
        First,
        &t,
        &none,
        "2026-11-09T00:00:00+09:00",
        ("met late", Some("2026-11-07 22:00")),
    );
    check(
        r,
        Interim,
        &t,
        &none,
        "2026-11-09T00:00:00+09:00",
        ("not reporting", None),
    );
    // All clocks of a case, in file and stage order.
    let all = clocks(&regimes(), &t, &none, at("2026-11-09T00:00:00+09:00"));
    assert_eq!(all.len(), 12);
    assert_eq!(
        (all[0].regime.as_str(), all[0].stage, all[0].promptly),
        (r, First, true)
    );
    assert!(!all[6].promptly, "DORA's limits are limits, not targets");
    assert!(
        all.iter()
            .filter(|c| c.regime == "eu_dora")
            .all(|c| c.state == ClockState::NotApplicable)
    );
}

/// One thing recorded on a case, for the property test.
#[derive(Debug, Clone)]
enum Event {
    Milestone { which: usize, back_hours: i64 },
    Submit { regime: usize, stage: usize },
    Decide { regime: usize },
}

fn event() -> impl proptest::strategy::Strategy<Value = Event> {
    use proptest::prelude::*;
    prop_oneof![
        (0..Milestone::ALL.len(), 0i64..100)
            .prop_map(|(which, back_hours)| Event::Milestone { which, back_hours }),
        (0..4usize, 0..3usize).prop_map(|(regime, stage)| Event::Submit { regime, stage }),
        (0..4usize).prop_map(|regime| Event::Decide { regime }),
    ]
}

fn record(t: &mut CaseTimes, regimes: &Regimes, e: &Event, now: i64) {
    match *e {
        Event::Milestone { which, back_hours } => {
            t.milestones
                .entry(Milestone::ALL[which])
                .or_insert(now - back_hours * HOUR);
        }
        Event::Submit { regime, stage } => {
            t.submitted(&regimes.all()[regime].code, Stage::ALL[stage], now)
        }
        Event::Decide { regime } => {
            t.not_reporting
                .entry(regimes.all()[regime].code.clone())
                .or_insert(now);
        }
    }
}

proptest::proptest! {
    /// As events are added in time order, no clock moves backwards: its state never
    /// returns to an earlier one, its deadline is never postponed, and a met clock keeps
    /// its submission.
    #[test]
    fn a_clock_never_moves_backwards(
        category in 0..Category::ALL.len(),
        steps in proptest::collection::vec((event(), 1i64..50 * HOUR), 1..25),
        holiday_offsets in proptest::collection::vec(0i64..30, 0..5),
    ) {
        let regimes = regimes();
        let start = at("2026-11-06T12:00:00+09:00");
        let holidays = Holidays::from_dates(holiday_offsets.iter().map(|d| {
            jst::date_of(start + d * 24 * HOUR)
        }));
        let mut t = CaseTimes::new(Category::ALL[category]);
        let mut now = start;
        let mut before = clocks(&regimes, &t, &holidays, now);
        for (e, gap) in &steps {
            now += gap;
            record(&mut t, &regimes, e, now);
            let after = clocks(&regimes, &t, &holidays, now);
            for (b, a) in before.iter().zip(&after) {
                proptest::prop_assert!(a.state.rank() >= b.state.rank(), "{:?} → {:?}", b, a);
                if let (Some(db), Some(da)) = (b.state.due_us(), a.state.due_us()) {
                    proptest::prop_assert!(da <= db, "postponed: {:?} → {:?}", b, a);
                }
                if let ClockState::Met { submitted_us, .. } = b.state {
                    let kept = matches!(a.state, ClockState::Met { submitted_us: s, .. } if s == submitted_us);
                    proptest::prop_assert!(kept, "{:?} → {:?}", b, a);
                }
                if let ClockState::NotReporting { .. } = b.state {
                    proptest::prop_assert_eq!(a.state, b.state);
                }
            }
            before = after;
        }
    }
}
