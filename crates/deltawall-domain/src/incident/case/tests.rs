use super::*;
use crate::org::OrgKind;
use crate::role::Role;

/// 2026-11-02 10:00 JST.
const NOW: i64 = 1_793_581_200_000_000;
const HOUR: i64 = 3_600_000_000;

fn party(org: &str, role: Role) -> Party {
    Party {
        user_id: format!("{org}-{role:?}"),
        org_id: org.into(),
        org_kind: OrgKind::Institution,
        role,
    }
}

fn service(name: &str, customer_facing: bool, status: ServiceStatus) -> AffectedService {
    AffectedService {
        name: name.into(),
        customer_facing,
        status,
    }
}

fn new_case() -> NewCase {
    NewCase {
        org_id: "bank".into(),
        title: "List-type attack on internet banking".into(),
        category: Category::ListAttackLogin,
        ransom_demanded: false,
        summary: "412 failed logins from one address, 3 accounts taken over".into(),
        occurred_on: Date::constant(2026, 11, 2),
        impact: Impact {
            customers_affected: 3,
            ..Impact::default()
        },
        urgency: Urgency::Ongoing,
        recognised_at_us: Some(NOW - HOUR),
        exercise: false,
    }
}

#[track_caller]
fn check_severity(impact: Impact, expected: Severity) {
    assert_eq!(severity(&impact), expected, "{impact:?}");
}

#[test]
fn severity_follows_the_matrix() {
    use ServiceStatus::*;
    let none = Impact::default();
    check_severity(none.clone(), Severity::Low);
    let customers = |n| Impact {
        customers_affected: n,
        ..Impact::default()
    };
    check_severity(customers(1), Severity::Medium);
    check_severity(customers(999), Severity::Medium);
    check_severity(customers(1_000), Severity::High);
    check_severity(customers(9_999), Severity::High);
    check_severity(customers(10_000), Severity::Critical);
    let services = |s| Impact {
        services: vec![s],
        ..Impact::default()
    };
    check_severity(services(service("ATM", true, Stopped)), Severity::Critical);
    check_severity(services(service("IB", true, Degraded)), Severity::High);
    check_severity(services(service("IB", true, Normal)), Severity::Low);
    check_severity(services(service("HR", false, Stopped)), Severity::High);
    check_severity(services(service("HR", false, Degraded)), Severity::Medium);
    let assets = Impact {
        assets_lost: true,
        ..none.clone()
    };
    check_severity(assets, Severity::Critical);
    let leak = Impact {
        data_leaked: true,
        ..none
    };
    check_severity(leak, Severity::High);
}

#[test]
fn priority_crosses_severity_with_urgency() {
    use Priority::*;
    use Urgency::*;
    let table = [
        (Severity::Critical, [P1, P1, P2]),
        (Severity::High, [P1, P2, P3]),
        (Severity::Medium, [P2, P3, P4]),
        (Severity::Low, [P3, P4, P4]),
    ];
    for (severity, row) in table {
        for (urgency, expected) in [Ongoing, Contained, Potential].into_iter().zip(row) {
            assert_eq!(
                priority(severity, urgency),
                expected,
                "{severity:?} {urgency:?}"
            );
        }
    }
}

#[test]
fn vocabularies_have_codes_labels_and_fail_loudly() {
    for c in Category::ALL {
        assert_eq!(Category::parse(c.code()), Ok(*c));
        assert_ne!(c.label("ja"), c.label("en"));
        // The serde name is the stable code.
        assert_eq!(serde_json::to_value(c).unwrap(), c.code());
    }
    for p in Phase::ALL {
        assert_eq!(Phase::parse(p.code()), Ok(*p));
    }
    for m in Milestone::ALL {
        assert_eq!(Milestone::parse(m.code()), Ok(*m));
    }
    assert_eq!(
        Category::parse("ddos_attack").unwrap_err().to_string(),
        "category: unknown code \"ddos_attack\""
    );
    assert!(Phase::parse("").is_err());
    assert_eq!(Category::Ddos.attack_type(), AttackType::Ddos);
    assert_eq!(
        Category::ListAttackLogin.attack_type(),
        AttackType::UnauthorizedLogin
    );
}

#[test]
fn a_case_opens_in_detection_with_its_triage() {
    let staff = party("bank", Role::Staff);
    let (case, entry) = Case::open(new_case(), &staff, NOW).unwrap();
    assert_eq!(case.phase, Phase::Detection);
    assert_eq!(case.entered_at(Phase::Detection), Some(NOW));
    assert_eq!(
        (case.severity, case.priority),
        (Severity::Medium, Priority::P2)
    );
    assert_eq!(
        case.milestones.get(&Milestone::Recognised),
        Some(&(NOW - HOUR))
    );
    assert_eq!(entry.kind.code(), "opened");
    assert_eq!(entry.actor_user_id, staff.user_id);
}

#[track_caller]
fn check_open(change: impl FnOnce(&mut NewCase), actor: &Party, expected: &str) {
    let mut new = new_case();
    change(&mut new);
    let err = Case::open(new, actor, NOW).unwrap_err();
    assert_eq!(err.to_string(), expected);
}

#[test]
fn opening_refuses_bad_input_naming_the_field() {
    let staff = party("bank", Role::Staff);
    check_open(
        |_| {},
        &party("other", Role::Staff),
        "only the institution's own staff may act on its incident cases",
    );
    check_open(
        |_| {},
        &party("bank", Role::Auditor),
        "only the institution's own staff may act on its incident cases",
    );
    check_open(|n| n.title = " ".into(), &staff, "title: is required");
    check_open(
        |n| n.title = "x".repeat(201),
        &staff,
        "title: longer than 200 characters",
    );
    check_open(
        |n| n.occurred_on = Date::constant(2026, 11, 3),
        &staff,
        "occurred_on: is in the future",
    );
    check_open(
        |n| n.recognised_at_us = Some(NOW + 1),
        &staff,
        "recognised_at: is in the future",
    );
    check_open(
        |n| n.impact.services = vec![service("IB", true, ServiceStatus::Stopped); 2],
        &staff,
        "impact.services: \"IB\" is blank or listed twice",
    );
}

#[test]
fn phases_move_forward_and_keep_their_times() {
    let staff = party("bank", Role::Staff);
    let (mut case, _) = Case::open(new_case(), &staff, NOW).unwrap();
    let enter = |phase| CaseCommand::EnterPhase { phase };
    let e = case.apply(enter(Phase::Triage), &staff, NOW + 1).unwrap();
    assert_eq!(
        e.kind,
        TimelineKind::PhaseEntered {
            from: Phase::Detection,
            to: Phase::Triage
        }
    );
    // Eradication skipped: a list-type attack is contained by blocking and resetting.
    case.apply(enter(Phase::Containment), &staff, NOW + 2)
        .unwrap();
    case.apply(enter(Phase::Recovery), &staff, NOW + 3).unwrap();
    assert_eq!(
        case.apply(enter(Phase::Containment), &staff, NOW + 4)
            .unwrap_err()
            .to_string(),
        "phase: cannot move from recovery back or sideways to containment"
    );
    assert_eq!(
        case.apply(enter(Phase::Recovery), &staff, NOW + 4),
        Err(CaseRefusal::PhaseNotForward {
            from: Phase::Recovery,
            to: Phase::Recovery
        })
    );
    case.apply(enter(Phase::RecurrencePrevention), &staff, NOW + 5)
        .unwrap();
    case.apply(enter(Phase::Closed), &staff, NOW + 6).unwrap();
    let times: Vec<(Phase, i64)> = case.phases.iter().map(|p| (p.phase, p.at_us)).collect();
    assert_eq!(
        times,
        vec![
            (Phase::Detection, NOW),
            (Phase::Triage, NOW + 1),
            (Phase::Containment, NOW + 2),
            (Phase::Recovery, NOW + 3),
            (Phase::RecurrencePrevention, NOW + 5),
            (Phase::Closed, NOW + 6),
        ]
    );
    assert_eq!(case.entered_at(Phase::Eradication), None);
    // A closed case takes notes only.
    let note = CaseCommand::AddNote {
        text: "lessons learned shared with the ISAC".into(),
    };
    assert!(case.apply(note, &staff, NOW + 7).is_ok());
    let retriage = CaseCommand::Retriage {
        impact: Impact::default(),
        urgency: Urgency::Contained,
    };
    assert_eq!(
        case.apply(retriage, &staff, NOW + 8),
        Err(CaseRefusal::Closed)
    );
}

#[test]
fn milestones_are_recorded_once_in_order() {
    let staff = party("bank", Role::Staff);
    let (mut case, _) = Case::open(new_case(), &staff, NOW).unwrap();
    let record = |milestone, at_us| CaseCommand::RecordMilestone { milestone, at_us };
    case.apply(record(Milestone::Recovered, NOW), &staff, NOW + 10)
        .unwrap();
    assert_eq!(
        case.apply(record(Milestone::Recovered, NOW + 5), &staff, NOW + 10),
        Err(CaseRefusal::MilestoneRecorded(Milestone::Recovered))
    );
    assert_eq!(
        case.apply(
            record(Milestone::RootCauseIdentified, NOW + 11),
            &staff,
            NOW + 10
        ),
        Err(CaseRefusal::InFuture("milestone.at"))
    );
    assert_eq!(
        case.apply(
            record(Milestone::RootCauseIdentified, NOW - 2 * HOUR),
            &staff,
            NOW + 10
        ),
        Err(CaseRefusal::BeforeRecognition(
            Milestone::RootCauseIdentified
        ))
    );
    // Recognition recorded late must precede the milestones already recorded.
    let mut late = new_case();
    late.recognised_at_us = None;
    let (mut case, _) = Case::open(late, &staff, NOW).unwrap();
    case.apply(record(Milestone::ClassifiedMajor, NOW - HOUR), &staff, NOW)
        .unwrap();
    assert_eq!(
        case.apply(record(Milestone::Recognised, NOW - 1), &staff, NOW),
        Err(CaseRefusal::BeforeRecognition(Milestone::Recognised))
    );
    assert!(
        case.apply(record(Milestone::Recognised, NOW - 2 * HOUR), &staff, NOW)
            .is_ok()
    );
}

#[test]
fn retriage_and_recategorisation_are_recorded() {
    let staff = party("bank", Role::Staff);
    let (mut case, _) = Case::open(new_case(), &staff, NOW).unwrap();
    let impact = Impact {
        customers_affected: 12_000,
        ..Impact::default()
    };
    let e = case
        .apply(
            CaseCommand::Retriage {
                impact,
                urgency: Urgency::Contained,
            },
            &staff,
            NOW,
        )
        .unwrap();
    assert_eq!(
        e.kind,
        TimelineKind::Retriaged {
            severity: Severity::Critical,
            priority: Priority::P1
        }
    );
    let same = CaseCommand::Recategorise {
        category: Category::ListAttackLogin,
        reason: "x".into(),
    };
    assert_eq!(
        case.apply(same, &staff, NOW),
        Err(CaseRefusal::SameCategory(Category::ListAttackLogin))
    );
    let blank = CaseCommand::Recategorise {
        category: Category::Other,
        reason: "".into(),
    };
    assert_eq!(
        case.apply(blank, &staff, NOW),
        Err(CaseRefusal::Blank("reason"))
    );
    let ok = CaseCommand::Recategorise {
        category: Category::Misconfiguration,
        reason: "the login API allowed unlimited attempts".into(),
    };
    assert!(case.apply(ok, &staff, NOW).is_ok());
    assert_eq!(case.category, Category::Misconfiguration);
    // The timeline entry round-trips through JSON with its kind beside it.
    let link = case
        .apply(
            CaseCommand::LinkDetection {
                detection_id: "det-1".into(),
            },
            &staff,
            NOW,
        )
        .unwrap();
    let json = serde_json::to_value(&link).unwrap();
    assert_eq!(json["kind"], "detection_linked");
    assert_eq!(serde_json::from_value::<TimelineEntry>(json).unwrap(), link);
}

#[test]
fn a_milestone_entry_reads_back_as_written() {
    let entry = TimelineEntry {
        at_us: 2_000,
        actor_user_id: "u1".into(),
        kind: TimelineKind::MilestoneRecorded {
            milestone: Milestone::Recovered,
            at_us: 1_000,
        },
    };
    let json = serde_json::to_string(&entry).unwrap();
    let back: TimelineEntry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, entry);
}
