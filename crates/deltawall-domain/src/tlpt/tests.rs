use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::finding::Severity;

const T0: i64 = 1_800_000_000_000_000;

fn member(user: &str, role: TlptRole) -> Command {
    Command::AddMember {
        member: Member {
            user_id: user.into(),
            role,
        },
    }
}

fn scenario() -> Scenario {
    Scenario {
        name: "wire fraud via internet banking".into(),
        critical_function: "internet banking".into(),
        attack_version: "18.1".into(),
        steps: vec![
            Step::planned(
                "T1078",
                Some("initial-access"),
                "log in with bought credentials",
            ),
            Step::planned(
                "T1110.003",
                Some("credential-access"),
                "spray the staff VPN",
            ),
            Step::planned("T1657", Some("impact"), "send a transfer to a mule account"),
        ],
    }
}

/// Applies commands in order, panicking with the refusal; returns the engagement and history.
fn run(mut e: Engagement, steps: Vec<(&str, Command)>) -> (Engagement, Vec<Event>) {
    let mut history = Vec::new();
    for (i, (actor, cmd)) in steps.into_iter().enumerate() {
        let (next, event) = e
            .apply(actor, cmd.clone(), T0 + i as i64)
            .unwrap_or_else(|r| panic!("{cmd:?}: {r}"));
        e = next;
        history.push(event);
    }
    (e, history)
}

fn outcome(step: usize, outcome: Outcome) -> (&'static str, Command) {
    let notes = (outcome != Outcome::Undetected).then(|| "SOC ticket 42".to_owned());
    (
        "ctl",
        Command::RecordOutcome {
            scenario: 0,
            step,
            outcome,
            started_us: T0,
            ended_us: T0 + 60,
            blue_notes: notes,
        },
    )
}

fn report(actor: &'static str, kind: ReportKind) -> (&'static str, Command) {
    (
        actor,
        Command::SubmitReport {
            kind,
            document: format!("evidence-{kind:?}"),
        },
    )
}

/// An engagement walked to the end of testing.
fn tested() -> Engagement {
    let e = Engagement::start("TLPT 2027".into(), "ctl".into(), Deadlines::default(), T0);
    run(
        e,
        vec![
            (
                "ctl",
                Command::AddCriticalFunction {
                    name: "internet banking".into(),
                },
            ),
            ("ctl", member("red", TlptRole::RedTeam)),
            ("ctl", member("blue", TlptRole::BlueTeam)),
            ("ctl", member("ti", TlptRole::ThreatIntelligence)),
            ("ctl", member("fsa", TlptRole::SupervisorObserver)),
            ("ctl", Command::PassGate),
            report("ti", ReportKind::ThreatIntelligence),
            (
                "red",
                Command::AddScenario {
                    scenario: scenario(),
                },
            ),
            ("ctl", Command::PassGate),
            ("ctl", Command::PassGate),
            outcome(0, Outcome::Alerted),
            outcome(1, Outcome::Undetected),
            outcome(2, Outcome::Prevented),
            ("ctl", Command::PassGate),
        ],
    )
    .0
}

#[test]
fn an_engagement_runs_through_every_gate() {
    let e = tested();
    assert_eq!(e.phase, Phase::Closure);
    let rules: BTreeSet<String> = ["T1110".to_owned()].into();
    let gaps = gaps(&e, &rules);
    let summary: Vec<(&str, Severity, bool)> = gaps
        .iter()
        .map(|g| (g.technique.as_str(), g.severity, g.rule_to_write))
        .collect();
    assert_eq!(
        summary,
        [
            ("T1110.003", Severity::High, false),
            ("T1657", Severity::Medium, true)
        ],
        "a parent-technique rule covers the spray; nothing covers the theft"
    );
    let (e, history) = run(
        e,
        vec![
            report("red", ReportKind::RedTeam),
            report("blue", ReportKind::BlueTeam),
            ("ctl", Command::PassGate),
            report("ctl", ReportKind::RemediationPlan),
            (
                "ctl",
                Command::LinkFinding {
                    scenario: 0,
                    step: 1,
                    finding_id: "f-1".into(),
                },
            ),
            (
                "ctl",
                Command::LinkFinding {
                    scenario: 0,
                    step: 2,
                    finding_id: "f-2".into(),
                },
            ),
            ("ctl", Command::PassGate),
            (
                "ctl",
                Command::RecordRetest {
                    scenario: 0,
                    step: 1,
                    outcome: Outcome::Alerted,
                },
            ),
            (
                "ctl",
                Command::RecordRetest {
                    scenario: 0,
                    step: 2,
                    outcome: Outcome::PreventedAndAlerted,
                },
            ),
            ("ctl", Command::PassGate),
        ],
    );
    assert_eq!(e.phase, Phase::Done);
    assert_eq!(history.last().map(|h| h.phase), Some(Phase::Retest));
    assert_eq!(
        super::gaps(&e, &rules)[1].finding_id.as_deref(),
        Some("f-2")
    );
    assert!(matches!(
        e.apply("ctl", Command::PassGate, T0),
        Err(Refusal::Phase(Phase::Done))
    ));
}

#[test]
fn gates_refuse_what_is_missing_and_whoever_is_not_the_control_team() {
    let e = Engagement::start("t".into(), "ctl".into(), Deadlines::default(), T0);
    match e.apply("ctl", Command::PassGate, T0) {
        Err(Refusal::GateNotMet {
            phase: Phase::Preparation,
            missing,
        }) => assert_eq!(missing.len(), 4),
        other => panic!("{other:?}"),
    }
    let e = tested();
    assert_eq!(
        e.apply("red", Command::PassGate, T0),
        Err(Refusal::Role(TlptRole::RedTeam))
    );
    assert_eq!(
        e.apply("fsa", Command::PassGate, T0),
        Err(Refusal::Role(TlptRole::SupervisorObserver))
    );
    assert_eq!(
        e.apply("stranger", Command::PassGate, T0),
        Err(Refusal::NotMember)
    );
    // the red team's report alone does not close the engagement
    let (e, _) = run(e, vec![report("red", ReportKind::RedTeam)]);
    assert_eq!(
        e.apply("ctl", Command::PassGate, T0),
        Err(Refusal::GateNotMet {
            phase: Phase::Closure,
            missing: vec![Requirement::Report(ReportKind::BlueTeam)]
        })
    );
    // the blue team cannot write the red team's report
    assert_eq!(
        e.apply("blue", report("", ReportKind::RedTeam).1, T0),
        Err(Refusal::Role(TlptRole::BlueTeam))
    );
}

#[test]
fn scenarios_target_a_critical_function_in_scope_with_valid_techniques() {
    let e = Engagement::start("t".into(), "ctl".into(), Deadlines::default(), T0);
    let (e, _) = run(
        e,
        vec![
            (
                "ctl",
                Command::AddCriticalFunction {
                    name: "internet banking".into(),
                },
            ),
            ("ctl", member("red", TlptRole::RedTeam)),
            ("ctl", member("blue", TlptRole::BlueTeam)),
            ("ctl", member("ti", TlptRole::ThreatIntelligence)),
            ("ctl", Command::PassGate),
        ],
    );
    let mut s = scenario();
    s.critical_function = "ATM network".into();
    assert!(matches!(
        e.apply("red", Command::AddScenario { scenario: s }, T0),
        Err(Refusal::Invalid(_))
    ));
    let mut s = scenario();
    s.attack_version = String::new();
    assert!(matches!(
        e.apply("red", Command::AddScenario { scenario: s }, T0),
        Err(Refusal::Invalid(_))
    ));
    let mut s = scenario();
    s.steps[1].technique = "t1110".into();
    match e.apply("red", Command::AddScenario { scenario: s }, T0) {
        Err(Refusal::Invalid(m)) => assert!(m.starts_with("steps[1].technique"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_share_safe_chain_carries_no_blue_team_detail() {
    let e = tested();
    let chain = serde_json::to_string(&share_safe(&e)).expect("json");
    assert!(chain.contains("T1110.003") && chain.contains("spray the staff VPN"));
    for secret in [
        "SOC ticket",
        "alerted",
        "undetected",
        "prevented",
        "started_us",
    ] {
        assert!(!chain.contains(secret), "{secret} leaked: {chain}");
    }
    assert!(
        !TlptRole::RedTeam.sees_blue_details() && TlptRole::SupervisorObserver.sees_blue_details()
    );
}

#[test]
fn deadlines_run_from_the_start_of_the_phase() {
    let e = tested();
    let due = e.due_us().expect("closure has a deadline");
    assert_eq!(due, e.phase_started_us + 70 * DAY_US);
    assert!(!e.overdue(due - 1) && e.overdue(due));
    let mut none = Deadlines::default();
    none.0.clear();
    let e = Engagement::start("t".into(), "ctl".into(), none, T0);
    assert_eq!((e.due_us(), e.overdue(i64::MAX)), (None, false));
}

fn any_command() -> impl Strategy<Value = (bool, usize, Command)> {
    let role = prop_oneof![
        Just(TlptRole::RedTeam),
        Just(TlptRole::BlueTeam),
        Just(TlptRole::ThreatIntelligence),
        Just(TlptRole::SupervisorObserver)
    ];
    let outcome = prop_oneof![
        Just(Outcome::NotRun),
        Just(Outcome::Undetected),
        Just(Outcome::Alerted),
        Just(Outcome::Prevented),
        Just(Outcome::PreventedAndAlerted)
    ];
    let kind = prop_oneof![
        Just(ReportKind::ThreatIntelligence),
        Just(ReportKind::RedTeam),
        Just(ReportKind::BlueTeam),
        Just(ReportKind::RemediationPlan)
    ];
    let cmd = prop_oneof![
        3 => Just(Command::PassGate),
        1 => role.prop_map(|r| Command::AddMember { member: Member { user_id: format!("{r:?}"), role: r } }),
        1 => Just(Command::AddCriticalFunction { name: "internet banking".into() }),
        1 => Just(Command::AddScenario { scenario: scenario() }),
        2 => kind.prop_map(|kind| Command::SubmitReport { kind, document: "d".into() }),
        4 => (0usize..2, 0usize..3, outcome.clone()).prop_map(|(scenario, step, outcome)| Command::RecordOutcome {
            scenario, step, outcome, started_us: T0, ended_us: T0, blue_notes: None }),
        2 => (0usize..2, 0usize..3).prop_map(|(scenario, step)| Command::LinkFinding { scenario, step, finding_id: "f".into() }),
        2 => (0usize..2, 0usize..3, outcome).prop_map(|(scenario, step, outcome)| Command::RecordRetest { scenario, step, outcome }),
    ];
    // mostly the actor whose command it is, so that runs get through the gates; sometimes
    // anyone, so that refusals by role are exercised too
    (proptest::bool::weighted(0.8), 0usize..5, cmd)
}

/// The member whose command this is, by the user ids the proptest gives its members.
fn rightful_actor(cmd: &Command) -> &'static str {
    match cmd {
        Command::SubmitReport { kind, .. } => match kind.author() {
            TlptRole::ThreatIntelligence => "ThreatIntelligence",
            TlptRole::RedTeam => "RedTeam",
            TlptRole::BlueTeam => "BlueTeam",
            _ => "ctl",
        },
        Command::AddScenario { .. } => "RedTeam",
        _ => "ctl",
    }
}

proptest! {
    /// Whatever anyone asks, gates pass one at a time in order, only by the control team,
    /// only with their requirements met, and a refused command changes nothing.
    #[test]
    fn gates_are_never_passed_out_of_order(commands in proptest::collection::vec(any_command(), 0..250)) {
        let actors = ["ctl", "RedTeam", "BlueTeam", "ThreatIntelligence", "SupervisorObserver"];
        let mut e = Engagement::start("p".into(), "ctl".into(), Deadlines::default(), T0);
        for (rightful, a, cmd) in commands {
            let before = e.clone();
            let actor = if rightful { rightful_actor(&cmd) } else { actors[a] };
            match e.apply(actor, cmd.clone(), T0) {
                Ok((next, event)) => {
                    if cmd == Command::PassGate {
                        prop_assert_eq!(event.role, TlptRole::ControlTeam);
                        prop_assert_eq!(Some(next.phase), before.phase.next());
                        let rule = gate_rule(before.phase).expect("a gate");
                        prop_assert!(rule.missing(&before).is_empty());
                    } else {
                        prop_assert_eq!(next.phase, before.phase);
                    }
                    e = next;
                }
                Err(_) => prop_assert_eq!(&e, &before),
            }
        }
    }
}
