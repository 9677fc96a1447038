use super::*;
use proptest::prelude::*;

fn person(id: &str, role: Role) -> Person {
    Person {
        user_id: id.into(),
        role,
    }
}

fn owner() -> Person {
    person("owner", Role::Staff)
}
fn issuer() -> Person {
    person("issuer", Role::Staff)
}
fn verifier() -> Person {
    person("verifier", Role::Auditor)
}
fn exec() -> Person {
    person("exec", Role::Executive)
}
fn admin() -> Person {
    person("admin", Role::Admin)
}

fn acceptance(by: Person, expires: i64) -> Command {
    Command::AcceptRisk(Acceptance {
        approver: by,
        expires_at_us: expires,
        rationale: "compensating control".into(),
    })
}

/// Applies `(actor, command)` steps at times 1, 2, 3…; returns the final state or the first
/// refusal with its step.
#[track_caller]
fn check(
    severity: Severity,
    steps: &[(Person, Command)],
    expected: Result<State, (usize, Refusal)>,
) {
    let mut f = Finding::draft(Origin::SupervisoryMonitoring, severity, owner(), issuer());
    for (i, (actor, cmd)) in steps.iter().enumerate() {
        match f.apply(actor, cmd.clone(), i as i64 + 1) {
            Ok(next) => f = next,
            Err(e) => {
                assert_eq!(Err((i, e)), expected.clone().map(|_| ()));
                return;
            }
        }
    }
    assert_eq!(Ok(f.state), expected);
    assert_eq!(f.history.len(), steps.len());
}

fn happy_path_to_claim() -> Vec<(Person, Command)> {
    vec![
        (issuer(), Command::Issue),
        (owner(), Command::Acknowledge),
        (issuer(), Command::AcceptPlan),
        (owner(), Command::StartRemediation),
        (owner(), Command::ClaimRemediation),
    ]
}

#[test]
fn independent_verification_closes() {
    let mut steps = happy_path_to_claim();
    steps.extend([
        (verifier(), Command::Verify { passed: true }),
        (issuer(), Command::Close),
    ]);
    check(Severity::High, &steps, Ok(State::Closed));
}

#[test]
fn the_owner_or_claimant_cannot_verify() {
    let mut steps = happy_path_to_claim();
    steps.push((owner(), Command::Verify { passed: true }));
    check(Severity::Low, &steps, Err((5, Refusal::NotIndependent)));
    let mut steps = happy_path_to_claim();
    steps[4].0 = admin();
    steps.push((admin(), Command::Verify { passed: true }));
    check(Severity::Low, &steps, Err((5, Refusal::NotIndependent)));
}

#[test]
fn failed_verification_returns_to_remediation() {
    let mut steps = happy_path_to_claim();
    steps.push((verifier(), Command::Verify { passed: false }));
    check(Severity::Medium, &steps, Ok(State::InRemediation));
    steps.push((issuer(), Command::Close));
    check(
        Severity::Medium,
        &steps,
        Err((
            6,
            Refusal::WrongState {
                command: "close",
                state: State::InRemediation,
            },
        )),
    );
}

#[test]
fn risk_acceptance_needs_the_right_level_and_a_future_expiry() {
    let base = vec![(issuer(), Command::Issue), (owner(), Command::Acknowledge)];
    let with = |by: Person, exp: i64| {
        let mut s = base.clone();
        s.push((by.clone(), acceptance(by, exp)));
        s
    };
    check(
        Severity::High,
        &with(admin(), 100),
        Err((
            2,
            Refusal::ApproverLevel {
                severity: Severity::High,
            },
        )),
    );
    check(
        Severity::Medium,
        &with(admin(), 100),
        Ok(State::RiskAccepted),
    );
    check(
        Severity::Critical,
        &with(exec(), 100),
        Ok(State::RiskAccepted),
    );
    check(
        Severity::Critical,
        &with(exec(), 3),
        Err((2, Refusal::Expired)),
    );
    check(
        Severity::Low,
        &with(person("staff", Role::Staff), 100),
        Err((
            2,
            Refusal::ApproverLevel {
                severity: Severity::Low,
            },
        )),
    );
    // Approving in someone else's name is refused.
    let mut forged = base.clone();
    forged.push((owner(), acceptance(exec(), 100)));
    check(
        Severity::High,
        &forged,
        Err((
            2,
            Refusal::ApproverLevel {
                severity: Severity::High,
            },
        )),
    );
    // An acceptance that expires before closing does not close.
    let mut late = with(exec(), 4);
    late.push((issuer(), Command::Close));
    check(Severity::High, &late, Err((3, Refusal::Expired)));
    let mut in_time = with(exec(), 5);
    in_time.push((issuer(), Command::Close));
    check(Severity::High, &in_time, Ok(State::Closed));
}

#[test]
fn disputes_are_settled_by_upholding_or_withdrawing() {
    let steps = vec![
        (issuer(), Command::Issue),
        (
            owner(),
            Command::Dispute {
                reason: "already fixed".into(),
            },
        ),
    ];
    check(Severity::Low, &steps, Ok(State::Disputed));
    let mut upheld = steps.clone();
    upheld.push((issuer(), Command::SettleDispute { upheld: true }));
    check(Severity::Low, &upheld, Ok(State::Issued));
    let mut withdrawn = steps.clone();
    withdrawn.push((issuer(), Command::SettleDispute { upheld: false }));
    check(Severity::Low, &withdrawn, Ok(State::Withdrawn));
    check(
        Severity::Low,
        &[
            (issuer(), Command::Issue),
            (owner(), Command::Dispute { reason: " ".into() }),
        ],
        Err((1, Refusal::NoReason)),
    );
    check(
        Severity::Low,
        &[(issuer(), Command::Issue), (admin(), Command::Acknowledge)],
        Err((1, Refusal::OwnerOnly("acknowledge or dispute"))),
    );
}

#[test]
fn reopening_clears_verification() {
    let mut steps = happy_path_to_claim();
    steps.extend([
        (verifier(), Command::Verify { passed: true }),
        (issuer(), Command::Close),
        (
            issuer(),
            Command::Reopen {
                reason: "recurred".into(),
            },
        ),
    ]);
    check(Severity::High, &steps, Ok(State::Reopened));
    let mut f = Finding::draft(Origin::Incident, Severity::High, owner(), issuer());
    for (i, (a, c)) in steps.iter().enumerate() {
        f = f.apply(a, c.clone(), i as i64).unwrap();
    }
    assert_eq!(
        (f.verified_by, f.claimed_by, f.acceptance),
        (None, None, None)
    );
}

#[test]
fn escalation_by_days_overdue() {
    let day = 86_400 * 1_000_000;
    let m = Milestone {
        title: "patch".into(),
        owner: "o".into(),
        due_us: 10 * day,
        done_us: None,
    };
    assert_eq!(m.escalation(10 * day), Escalation::None);
    assert_eq!(m.escalation(11 * day), Escalation::Owner);
    assert_eq!(m.escalation(26 * day), Escalation::Management);
    assert_eq!(m.escalation(41 * day), Escalation::Executive);
    let done = Milestone {
        done_us: Some(1),
        ..m.clone()
    };
    assert_eq!(
        plan_escalation(&[m, done], 26 * day),
        Escalation::Management
    );
    assert_eq!(plan_escalation(&[], 0), Escalation::None);
}

fn any_person() -> impl Strategy<Value = Person> {
    prop_oneof![
        Just(owner()),
        Just(issuer()),
        Just(verifier()),
        Just(exec()),
        Just(admin())
    ]
}

fn any_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Issue),
        Just(Command::Acknowledge),
        Just(Command::Dispute { reason: "r".into() }),
        any::<bool>().prop_map(|upheld| Command::SettleDispute { upheld }),
        Just(Command::AcceptPlan),
        Just(Command::StartRemediation),
        Just(Command::ClaimRemediation),
        any::<bool>().prop_map(|passed| Command::Verify { passed }),
        (any_person(), 0i64..60).prop_map(|(p, exp)| acceptance(p, exp)),
        Just(Command::Close),
        Just(Command::Reopen { reason: "r".into() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No sequence of operations closes a finding without verification by someone other
    /// than the owner and the claimant, or an unexpired acceptance at the right level; and
    /// history only ever grows, never changes.
    #[test]
    fn closing_needs_independent_verification_or_valid_acceptance(
        severity in prop_oneof![Just(Severity::Low), Just(Severity::Medium), Just(Severity::High), Just(Severity::Critical)],
        steps in proptest::collection::vec((any_person(), any_command()), 0..40),
    ) {
        let mut f = Finding::draft(Origin::Assessment, severity, owner(), issuer());
        for (i, (actor, cmd)) in steps.into_iter().enumerate() {
            let now = i as i64;
            if let Ok(next) = f.apply(&actor, cmd, now) {
                {
                    prop_assert_eq!(&next.history[..f.history.len()], &f.history[..]);
                    prop_assert_eq!(next.history.len(), f.history.len() + 1);
                    if next.state == State::Closed && f.state != State::Closed {
                        match f.state {
                            State::Verified => {
                                let v = f.verified_by.as_ref().expect("verified has a verifier");
                                prop_assert_ne!(&v.user_id, &f.owner.user_id);
                                prop_assert_ne!(Some(&v.user_id), f.claimed_by.as_ref().map(|c| &c.user_id));
                            }
                            State::RiskAccepted => {
                                let a = f.acceptance.as_ref().expect("accepted has an acceptance");
                                prop_assert!(a.expires_at_us > now);
                                prop_assert!(f.severity.may_accept_risk(a.approver.role));
                            }
                            other => prop_assert!(false, "closed from {:?}", other),
                        }
                    }
                    f = next;
                }
            }
        }
    }
}
