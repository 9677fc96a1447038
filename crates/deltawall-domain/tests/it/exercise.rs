//! Exercises: schedule validation and CSV, the clock, blind release, evaluation, feedback.

use deltawall_domain::BusinessType;
use deltawall_domain::exercise::evaluation::{
    EvaluationError, FeedbackKind, ImprovementMeasure, MeasureStatus, Observation, Rating,
    SelfAssessment, Timeliness, sector_feedback, timeliness,
};
use deltawall_domain::exercise::plan::{
    PlanError, PlanTest, PlanVersion, TWELVE_MONTHS_US, never_tested_within,
};
use deltawall_domain::exercise::play::{
    Clock, ClockEvent, ClockState, EarlyRelease, PlayError, Response, check_response,
    release_times, time_to_first_response, visible_injects,
};
use deltawall_domain::exercise::schedule::{
    CSV_HEADER, CsvError, Expectation, Inject, Schedule, ScheduleError, from_csv, to_csv,
};
use deltawall_domain::exercise::{InjectKind, MINUTE_US, ResponseKind, Scenario, Viewpoint};
use deltawall_domain::finding::{Origin, Person, Severity, State};
use deltawall_domain::role::Role;
use deltawall_domain::supervision::benchmark::K;
use proptest::prelude::*;

fn inject(code: &str, track: &str, offset_min: u32, deps: &[&str]) -> Inject {
    Inject {
        code: code.into(),
        track: track.into(),
        phase: 1,
        offset_min,
        kind: InjectKind::Message,
        title: format!("title {code}"),
        body: format!("body {code}"),
        depends_on: deps.iter().map(|d| (*d).to_owned()).collect(),
        expected: vec![Expectation {
            viewpoint: Viewpoint::Triage,
            text: "triage".into(),
        }],
        criteria: vec![],
        respond_within_min: Some(10),
    }
}

fn check_schedule(injects: Vec<Inject>, expected: Result<Vec<&str>, &str>) {
    let got = Schedule::new(injects)
        .map(|s| {
            s.injects()
                .iter()
                .map(|i| i.code.clone())
                .collect::<Vec<_>>()
        })
        .map_err(|e| e.to_string());
    let expected = expected
        .map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>())
        .map_err(str::to_owned);
    assert_eq!(got, expected);
}

#[test]
fn schedules_are_ordered_and_bad_dependencies_are_named() {
    check_schedule(
        vec![inject("B", "bank", 10, &["A"]), inject("A", "bank", 0, &[])],
        Ok(vec!["A", "B"]),
    );
    check_schedule(
        vec![inject("A", "bank", 0, &["Z"])],
        Err("inject A: depends on unknown inject Z"),
    );
    check_schedule(
        vec![
            inject("A", "bank", 0, &["C"]),
            inject("B", "bank", 0, &["A"]),
            inject("C", "bank", 0, &["B"]),
        ],
        Err("inject A: dependency cycle A -> C -> B -> A"),
    );
    check_schedule(
        vec![inject("A", "bank", 0, &["A"])],
        Err("inject A: dependency cycle A -> A"),
    );
    check_schedule(
        vec![inject("A", "bank", 0, &[]), inject("A", "bank", 5, &[])],
        Err("inject A: duplicate code"),
    );
    let mut bare = inject("A", "bank", 0, &[]);
    bare.expected.clear();
    check_schedule(vec![bare], Err("inject A: no expected actions"));
}

fn csv(rows: &[&str]) -> String {
    let mut text = CSV_HEADER.join(",");
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text
}

fn check_csv(text: &str, expected: Result<usize, &str>) {
    let got = from_csv(text)
        .map(|s| s.injects().len())
        .map_err(|e| e.to_string());
    assert_eq!(got, expected.map_err(str::to_owned));
}

#[test]
fn csv_errors_name_row_and_column() {
    let ok = "A,bank,1,0,message,Title,\"Body, with comma\",,triage=check logs;external_sharing=call FSA,triage=within 10 min,10";
    check_csv(&csv(&[ok]), Ok(1));
    check_csv(
        &csv(&[ok, "B,bank,1,5,message,T,b,A,,,"]),
        Err("row 3: inject B: no expected actions"),
    );
    check_csv(
        &csv(&[ok, "B,bank,one,5,message,T,b,A,triage=x,,"]),
        Err("row 3, column phase: not a whole number: \"one\""),
    );
    check_csv(
        &csv(&[ok, "B,bank,1,5,fax,T,b,A,triage=x,,"]),
        Err("row 3, column kind: unknown code \"fax\""),
    );
    check_csv(
        &csv(&[ok, "B,bank,1,5,message,T,b,A,blame=x,,"]),
        Err("row 3, column expected_actions: viewpoint: unknown code \"blame\""),
    );
    check_csv(
        &csv(&[ok, "B,bank,1,5,message,T,b,Q,triage=x,,"]),
        Err("row 3: inject B: depends on unknown inject Q"),
    );
    check_csv(
        &csv(&[ok, "B,bank,1,5,message,T,b,A,triage=x,"]),
        Err("row 3: expected 11 columns, got 10"),
    );
    check_csv(
        &csv(&[ok, "B,bank,1,5,message,\"T,b"]),
        Err("row 3: quoted field not closed"),
    );
    check_csv(&csv(&[ok, ok]), Err("row 3: inject A: duplicate code"));
    check_csv(
        "code,track\nA,bank",
        Err(
            "row 1: header must be code,track,phase,offset_min,kind,title,body,depends_on,expected_actions,criteria,respond_within_min",
        ),
    );
}

fn start_clock(start: i64, end: i64) -> Clock {
    Clock::new(end)
        .apply(ClockEvent::Start { at_us: start })
        .unwrap()
}

#[test]
fn clock_pauses_resumes_and_closes_at_its_end() {
    let m = MINUTE_US;
    let clock = start_clock(0, 60 * m)
        .apply(ClockEvent::Pause { at_us: 10 * m })
        .unwrap()
        .apply(ClockEvent::Resume { at_us: 20 * m })
        .unwrap();
    assert_eq!(clock.state(5 * m), ClockState::Running);
    assert_eq!(clock.state(15 * m), ClockState::Paused);
    assert_eq!(clock.elapsed_us(15 * m), 10 * m);
    assert_eq!(clock.elapsed_us(30 * m), 20 * m);
    assert_eq!(clock.state(60 * m), ClockState::Closed);
    assert_eq!(clock.elapsed_us(90 * m), 50 * m);
    assert_eq!(clock.reached_at(15 * m, 90 * m), Some(25 * m));
    // A paused clock still closes at its end time.
    let paused = start_clock(0, 60 * m)
        .apply(ClockEvent::Pause { at_us: 10 * m })
        .unwrap();
    assert_eq!(paused.state(61 * m), ClockState::Closed);
    assert_eq!(
        paused
            .apply(ClockEvent::Pause { at_us: 11 * m })
            .unwrap_err(),
        PlayError::Clock {
            command: "pause",
            state: ClockState::Paused
        }
    );
    assert_eq!(
        paused
            .apply(ClockEvent::Resume { at_us: 70 * m })
            .unwrap_err(),
        PlayError::Clock {
            command: "resume",
            state: ClockState::Closed
        }
    );
    assert!(matches!(
        paused.apply(ClockEvent::Resume { at_us: 5 * m }),
        Err(PlayError::OutOfOrder { .. })
    ));
}

#[test]
fn injects_release_on_schedule_early_and_after_dependencies() {
    let m = MINUTE_US;
    let schedule = Schedule::new(vec![
        inject("A", "bank", 10, &[]),
        inject("B", "bank", 5, &["A"]),
        inject("C", "shinkin", 0, &[]),
        inject("D", "bank", 40, &[]),
    ])
    .unwrap();
    let clock = start_clock(0, 60 * m);
    let early = [EarlyRelease {
        code: "D".into(),
        at_us: 12 * m,
    }];
    let codes = |track: &str, now: i64| {
        visible_injects(&schedule, &clock, &early, track, now)
            .into_iter()
            .map(|(i, at)| (i.code.clone(), at / m))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("bank", 6 * m), vec![]);
    assert_eq!(
        codes("bank", 11 * m),
        vec![("A".into(), 10), ("B".into(), 10)]
    );
    assert_eq!(
        codes("bank", 13 * m),
        vec![("A".into(), 10), ("B".into(), 10), ("D".into(), 12)]
    );
    assert_eq!(codes("shinkin", 13 * m), vec![("C".into(), 0)]);
    // Responses: only to released injects of one's own track, never after close.
    assert_eq!(
        check_response(&schedule, &clock, &early, "shinkin", "A", 13 * m),
        Err(PlayError::NotReleased { code: "A".into() })
    );
    assert_eq!(
        check_response(&schedule, &clock, &early, "bank", "A", 13 * m),
        Ok(())
    );
    assert_eq!(
        check_response(&schedule, &clock, &early, "bank", "A", 60 * m),
        Err(PlayError::Closed {
            closed_at_us: 60 * m
        })
    );
    let released = release_times(&schedule, &clock, &early, 60 * m);
    let responses = [
        Response {
            inject: "A".into(),
            kind: ResponseKind::Decision,
            at_us: 13 * m,
            text: "x".into(),
        },
        Response {
            inject: "A".into(),
            kind: ResponseKind::Notification,
            at_us: 25 * m,
            text: "y".into(),
        },
    ];
    let ttfr = time_to_first_response(&released, &responses);
    assert_eq!(ttfr["A"], Some(3 * m));
    assert_eq!(ttfr["B"], None);
    assert_eq!(timeliness(true, ttfr["A"], Some(10)), Timeliness::OnTime);
    assert_eq!(timeliness(true, Some(11 * m), Some(10)), Timeliness::Late);
    assert_eq!(timeliness(true, None, Some(10)), Timeliness::NoResponse);
    assert_eq!(timeliness(false, None, Some(10)), Timeliness::NotReleased);
}

#[test]
fn evaluation_refuses_out_of_scale_and_reasonless_not_done() {
    assert_eq!(
        Rating::new("ratings[3].rating", 6).unwrap_err().to_string(),
        "ratings[3].rating: rating must be 1 to 5, got 6"
    );
    assert_eq!(Rating::new("r", 5).unwrap().get(), 5);
    assert!(Rating::new("r", 0).is_err());
    assert!(serde_json::from_str::<Rating>("9").is_err());
    assert_eq!(
        SelfAssessment::new("self.done", false, " ").unwrap_err(),
        EvaluationError::MissingReason {
            field: "self.done".into()
        }
    );
}

#[test]
fn accepting_a_measure_yields_a_finding_and_a_revision_once() {
    let person = |id: &str, role| Person {
        user_id: id.into(),
        role,
    };
    let measure = ImprovementMeasure {
        org_id: "bank-1".into(),
        viewpoint: Viewpoint::ExternalSharing,
        text: "report to the FSA within the hour".into(),
        severity: Severity::Medium,
        status: MeasureStatus::Proposed,
    };
    let accepted = measure
        .accept(
            person("u1", Role::Admin),
            person("fsa", Role::Staff),
            Some(3),
            42,
        )
        .unwrap();
    assert_eq!(accepted.finding.origin, Origin::Exercise);
    assert_eq!(accepted.finding.state, State::Draft);
    assert_eq!(accepted.revision.plan_version, Some(3));
    assert_eq!(accepted.revision.created_at_us, 42);
    assert_eq!(
        accepted
            .measure
            .accept(
                person("u1", Role::Admin),
                person("f", Role::Staff),
                None,
                43
            )
            .unwrap_err(),
        EvaluationError::AlreadyDecided(MeasureStatus::Accepted)
    );
}

#[test]
fn sector_feedback_hides_items_shared_by_fewer_than_k() {
    let obs = |org: &str, topic: &str| Observation {
        org_id: org.into(),
        business_type: BusinessType::ALL[0],
        kind: FeedbackKind::CommonIssue,
        viewpoint: Viewpoint::ExternalSharing,
        topic: topic.into(),
    };
    let items = [
        obs("a", "late-report"),
        obs("b", "late-report"),
        obs("b", "late-report"),
        obs("c", "late-report"),
        obs("a", "no-pr"),
        obs("b", "no-pr"),
    ];
    let lines = sector_feedback(&items, K::new(3).unwrap());
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0].topic.as_str(), lines[0].institutions),
        ("late-report", 3)
    );
}

#[test]
fn plans_untested_for_twelve_months_are_flagged() {
    let test = |at| PlanTest {
        edition_id: "e".into(),
        tested_at_us: at,
        scenarios: vec![Scenario::Ddos],
        gaps: vec![],
    };
    let now = 2 * TWELVE_MONTHS_US;
    assert!(never_tested_within(&[], now));
    assert!(!never_tested_within(&[test(now - 1)], now));
    assert!(never_tested_within(&[test(now - TWELVE_MONTHS_US)], now));
    assert!(never_tested_within(&[test(now + 1)], now));
    let plan = PlanVersion {
        org_id: "bank-1".into(),
        version: 2,
        adopted_at_us: 0,
        scenarios: vec![Scenario::Ransomware, Scenario::Ransomware],
        roles: vec![],
        internal_contacts: vec![],
        external_contacts: vec![],
        objectives: vec![],
        requirement_ids: vec![],
    };
    assert_eq!(
        plan.check(None),
        Err(PlanError::Version {
            expected: 1,
            got: 2
        })
    );
    let first = PlanVersion {
        version: 1,
        ..plan.clone()
    };
    assert_eq!(
        plan.check(Some(&first)),
        Err(PlanError::DuplicateScenario(Scenario::Ransomware))
    );
}

#[test]
fn vocabulary_codes_round_trip() {
    for k in InjectKind::ALL {
        assert_eq!(InjectKind::from_code(k.code()), Some(*k));
        assert_ne!(k.label("ja"), k.label("en"));
    }
    for v in Viewpoint::ALL {
        assert_eq!(Viewpoint::from_code(v.code()), Some(*v));
    }
    assert_eq!(Scenario::from_code("DDoS"), None);
}

/// A random acyclic schedule over two tracks: each inject may depend on earlier ones.
fn arb_schedule() -> impl Strategy<Value = Schedule> {
    prop::collection::vec(
        (
            0u32..120,
            any::<bool>(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        1..12,
    )
    .prop_map(|specs| {
        let injects = specs
            .iter()
            .enumerate()
            .map(|(i, (offset, track, deps))| {
                let deps: Vec<String> = if i == 0 {
                    vec![]
                } else {
                    let mut d: Vec<String> =
                        deps.iter().map(|x| format!("I{}", x.index(i))).collect();
                    d.sort();
                    d.dedup();
                    d
                };
                let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
                inject(
                    &format!("I{i}"),
                    if *track { "bank" } else { "shinkin" },
                    *offset,
                    &deps,
                )
            })
            .collect();
        Schedule::new(injects).unwrap()
    })
}

/// Random clock histories: start, then alternating pauses and resumes at growing times.
fn arb_clock() -> impl Strategy<Value = Clock> {
    (0i64..10, prop::collection::vec(1i64..30, 0..6), 30i64..200).prop_map(|(start, gaps, len)| {
        let m = MINUTE_US;
        let mut events = vec![ClockEvent::Start { at_us: start * m }];
        let mut at = start * m;
        for (i, g) in gaps.iter().enumerate() {
            at += g * m;
            events.push(if i % 2 == 0 {
                ClockEvent::Pause { at_us: at }
            } else {
                ClockEvent::Resume { at_us: at }
            });
        }
        let end = (start + len) * m;
        let events: Vec<ClockEvent> = events.into_iter().filter(|e| e.at_us() < end).collect();
        Clock::from_events(end, &events).unwrap()
    })
}

fn arb_early() -> impl Strategy<Value = Vec<EarlyRelease>> {
    prop::collection::vec((0usize..12, 0i64..250), 0..4).prop_map(|v| {
        v.into_iter()
            .map(|(i, t)| EarlyRelease {
                code: format!("I{i}"),
                at_us: t * MINUTE_US,
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn participants_never_see_unreleased_or_foreign_injects(
        schedule in arb_schedule(), clock in arb_clock(), early in arb_early(), now in 0i64..260,
    ) {
        let now = now * MINUTE_US;
        let released = release_times(&schedule, &clock, &early, now);
        for track in ["bank", "shinkin"] {
            for (inject, at) in visible_injects(&schedule, &clock, &early, track, now) {
                prop_assert_eq!(&inject.track, track);
                prop_assert!(at <= now);
                prop_assert_eq!(released.get(&inject.code), Some(&at));
                // Released only once the clock started and after every dependency.
                prop_assert_ne!(clock.state(at), ClockState::NotStarted);
                for dep in &inject.depends_on {
                    prop_assert!(released.get(dep).is_some_and(|&d| d <= at));
                }
            }
        }
    }

    #[test]
    fn released_set_only_grows_and_release_times_never_change(
        schedule in arb_schedule(), clock in arb_clock(), early in arb_early(),
        a in 0i64..260, b in 0i64..260,
    ) {
        let (a, b) = (a.min(b) * MINUTE_US, a.max(b) * MINUTE_US);
        let before = release_times(&schedule, &clock, &early, a);
        let after = release_times(&schedule, &clock, &early, b);
        for (code, at) in &before {
            prop_assert_eq!(after.get(code), Some(at));
        }
    }

    #[test]
    fn nothing_is_released_after_the_end(
        schedule in arb_schedule(), clock in arb_clock(), early in arb_early(),
    ) {
        let at_end = release_times(&schedule, &clock, &early, clock.end_at_us());
        let later = release_times(&schedule, &clock, &early, clock.end_at_us() + 1000 * MINUTE_US);
        prop_assert_eq!(at_end, later);
    }

    #[test]
    fn csv_round_trips(schedule in arb_schedule(), title in "[a-zA-Z0-9 ,\"\n]{1,20}") {
        let injects: Vec<Inject> = schedule.injects().iter().cloned().map(|mut i| {
            i.body = title.clone();
            i.title = format!("T{}", title.trim());
            i
        }).collect();
        let schedule = Schedule::new(injects).unwrap();
        prop_assert_eq!(from_csv(&to_csv(&schedule)).unwrap(), schedule);
    }

    #[test]
    fn csv_parsing_never_panics(text in "\\PC{0,200}") {
        let _ = from_csv(&format!("{}\n{}", CSV_HEADER.join(","), text));
    }
}

#[test]
fn csv_refusal_imports_nothing() {
    let err = from_csv(&csv(&[
        "A,bank,1,0,message,T,b,,triage=x,,",
        "B,bank,1,0,message,T,b,A;C,triage=x,,",
    ]))
    .unwrap_err();
    assert!(matches!(
        err,
        CsvError::Schedule {
            row: 3,
            error: ScheduleError::UnknownDependency { .. }
        }
    ));
}
