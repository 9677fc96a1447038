use super::*;
use crate::org::{BusinessType, OrgKind, Region};
use crate::supervision::Ratio;
use proptest::prelude::*;

const D: i64 = DAY_US;

fn text(ja: &str, en: &str) -> Text {
    Text {
        ja: ja.into(),
        en: en.into(),
    }
}

/// The report's request of 2019: three things by the deadline (section 2.(1)③ア).
fn request() -> Request {
    let q = |id: &str, ja: &str, en: &str| AskedQuestion {
        id: id.into(),
        text: text(ja, en),
    };
    Request {
        title: text(
            "脆弱性診断等の実施について",
            "Vulnerability diagnosis and related measures",
        ),
        asked: Asked::Questions {
            questions: vec![
                q(
                    "vuln",
                    "脆弱性診断を実施したか",
                    "Was a vulnerability diagnosis done?",
                ),
                q(
                    "exercise",
                    "演習・訓練に参加したか",
                    "Did you take part in exercises?",
                ),
                q(
                    "monitoring",
                    "監視・分析状況を整理したか",
                    "Did you review monitoring?",
                ),
            ],
        },
        population: Selector::default(),
        deadline_us: 100 * D,
        reminders: ReminderPolicy {
            days_before: vec![14, 3],
            overdue_every_days: Some(7),
        },
    }
}

#[track_caller]
fn check_request(edit: impl FnOnce(&mut Request), now_us: i64, expected: Result<(), RequestError>) {
    let mut r = request();
    edit(&mut r);
    assert_eq!(r.validate(now_us), expected);
}

#[test]
fn requests_are_checked_before_sending() {
    use RequestError::*;
    check_request(|_| {}, 10 * D, Ok(()));
    check_request(|_| {}, 100 * D, Err(DeadlineNotInFuture));
    check_request(|_| {}, 101 * D, Err(DeadlineNotInFuture));
    check_request(
        |r| r.title.en = " ".into(),
        0,
        Err(MissingTitle { lang: "en" }),
    );
    check_request(
        |r| r.asked = Asked::Questions { questions: vec![] },
        0,
        Err(NothingAsked),
    );
    check_request(
        |r| {
            if let Asked::Questions { questions } = &mut r.asked {
                questions[2].id = "vuln".into();
            }
        },
        0,
        Err(BadAskId { id: "vuln".into() }),
    );
    check_request(
        |r| {
            if let Asked::Questions { questions } = &mut r.asked {
                questions[1].text.ja.clear();
            }
        },
        0,
        Err(BlankQuestion {
            id: "exercise".into(),
            lang: "ja",
        }),
    );
    check_request(
        |r| r.reminders.days_before = vec![0],
        0,
        Err(Reminders(ReminderError::NotBeforeDeadline)),
    );
    check_request(
        |r| r.reminders.days_before = vec![3, 3],
        0,
        Err(Reminders(ReminderError::Duplicate { days: 3 })),
    );
    // Sent on day 90: a reminder 14 days before (day 86) would already be past.
    check_request(
        |_| {},
        90 * D,
        Err(Reminders(ReminderError::InPast { days: 14 })),
    );
    check_request(
        |r| r.reminders.overdue_every_days = Some(0),
        0,
        Err(Reminders(ReminderError::ZeroInterval)),
    );
}

#[test]
fn requirement_requests_are_checked_against_the_catalog() {
    let catalog = crate::catalog::builtin::fsa_2020_viewpoints().expect("built-in catalog loads");
    let (_, first) = catalog.requirements().next().expect("a requirement");
    let mut r = request();
    r.asked = Asked::Requirements {
        catalog_id: catalog.id.clone(),
        requirement_ids: vec![first.id.clone()],
    };
    assert_eq!(r.check_against(&catalog), Ok(()));
    r.asked = Asked::Requirements {
        catalog_id: catalog.id.clone(),
        requirement_ids: vec![first.id.clone(), "FSA-XX-99".into()],
    };
    assert_eq!(
        r.check_against(&catalog),
        Err(RequestError::UnknownRequirement {
            id: "FSA-XX-99".into(),
            catalog: catalog.id.clone()
        })
    );
    r.asked = Asked::Requirements {
        catalog_id: "other".into(),
        requirement_ids: vec![],
    };
    assert_eq!(
        r.check_against(&catalog),
        Err(RequestError::WrongCatalog("other".into()))
    );
}

fn party(user: &str, org: &str, kind: OrgKind, role: Role) -> Party {
    Party {
        user_id: user.into(),
        org_id: org.into(),
        org_kind: kind,
        role,
    }
}

fn staff() -> Party {
    party("bank-staff", "bank", OrgKind::Institution, Role::Staff)
}
fn exec() -> Party {
    party("bank-exec", "bank", OrgKind::Institution, Role::Executive)
}
fn auditor() -> Party {
    party("bank-auditor", "bank", OrgKind::Institution, Role::Auditor)
}
fn other_exec() -> Party {
    party("other-exec", "other", OrgKind::Institution, Role::Executive)
}
fn fsa() -> Party {
    party("fsa-staff", "fsa", OrgKind::Supervisor, Role::Staff)
}
fn fsa_auditor() -> Party {
    party("fsa-auditor", "fsa", OrgKind::Supervisor, Role::Auditor)
}

fn answers(values: &[(&str, AnswerValue)]) -> Vec<Answer> {
    values
        .iter()
        .map(|(id, value)| Answer {
            id: (*id).into(),
            value: *value,
            note: String::new(),
        })
        .collect()
}

fn all_yes() -> Vec<Answer> {
    use AnswerValue::Yes;
    answers(&[("vuln", Yes), ("exercise", Yes), ("monitoring", Yes)])
}

fn submit(by: Party, at_us: i64) -> TaskCommand {
    TaskCommand::Submit {
        answers: all_yes(),
        attestation: Attestation { by, at_us },
    }
}

/// Applies `(actor, command)` steps at days 1, 2, 3… to a task assigned on day 0;
/// returns the final state or the first refusal with its step.
#[track_caller]
fn check(steps: &[(Party, TaskCommand)], expected: Result<TaskState, (usize, TaskRefusal)>) {
    let r = request();
    let mut t = Task::assign("bank", 0);
    for (i, (actor, cmd)) in steps.iter().enumerate() {
        match t.apply(&r, actor, cmd.clone(), (i as i64 + 1) * D) {
            Ok(next) => t = next,
            Err(e) => {
                assert_eq!(Err((i, e)), expected.clone().map(|_| ()));
                return;
            }
        }
    }
    assert_eq!(Ok(t.state), expected);
    assert_eq!(t.history.len(), steps.len());
}

#[test]
fn an_attested_submission_is_accepted() {
    check(
        &[
            (staff(), TaskCommand::Start),
            (staff(), submit(exec(), 2 * D)),
            (fsa(), TaskCommand::Accept),
        ],
        Ok(TaskState::Accepted),
    );
}

#[test]
fn a_returned_submission_needs_a_reason_and_a_fresh_attestation() {
    let returned = |reason: &str| {
        vec![
            (staff(), submit(exec(), D)),
            (
                fsa(),
                TaskCommand::Return {
                    reason: reason.into(),
                },
            ),
        ]
    };
    check(&returned("  "), Err((1, TaskRefusal::NoReason)));
    let mut steps = returned("evidence missing for vuln");
    check(&steps, Ok(TaskState::Returned));
    // Re-using the first round's attestation (day 1) after the return (day 2) is refused.
    steps.push((staff(), submit(exec(), D)));
    check(&steps, Err((2, TaskRefusal::StaleAttestation)));
    steps[2] = (staff(), submit(exec(), 3 * D));
    steps.push((fsa(), TaskCommand::Accept));
    check(&steps, Ok(TaskState::Accepted));
}

#[test]
fn only_an_executive_of_the_institution_attests() {
    for by in [staff(), auditor(), other_exec(), fsa()] {
        check(
            &[(staff(), submit(by, D))],
            Err((0, TaskRefusal::NotAnExecutive)),
        );
    }
    // Attested in the future, or before the task existed.
    check(
        &[(staff(), submit(exec(), 5 * D))],
        Err((0, TaskRefusal::StaleAttestation)),
    );
    check(
        &[(staff(), submit(exec(), -1))],
        Err((0, TaskRefusal::StaleAttestation)),
    );
}

#[test]
fn roles_are_kept_apart() {
    check(
        &[(fsa(), TaskCommand::Start)],
        Err((0, TaskRefusal::InstitutionOnly("start"))),
    );
    check(
        &[(auditor(), TaskCommand::Start)],
        Err((0, TaskRefusal::InstitutionOnly("start"))),
    );
    check(
        &[(other_exec(), submit(exec(), D))],
        Err((0, TaskRefusal::InstitutionOnly("submit"))),
    );
    let submitted = (staff(), submit(exec(), D));
    check(
        &[submitted.clone(), (exec(), TaskCommand::Accept)],
        Err((1, TaskRefusal::SupervisorOnly("accept"))),
    );
    check(
        &[submitted.clone(), (fsa_auditor(), TaskCommand::Accept)],
        Err((1, TaskRefusal::SupervisorOnly("accept"))),
    );
    check(
        &[
            submitted,
            (fsa(), TaskCommand::Accept),
            (fsa(), TaskCommand::Return { reason: "x".into() }),
        ],
        Err((
            2,
            TaskRefusal::WrongState {
                command: "return",
                state: TaskState::Accepted,
            },
        )),
    );
    check(
        &[(fsa(), TaskCommand::Accept)],
        Err((
            0,
            TaskRefusal::WrongState {
                command: "accept",
                state: TaskState::Assigned,
            },
        )),
    );
    check(
        &[(
            fsa(),
            TaskCommand::Exempt {
                reason: "merged into another bank".into(),
            },
        )],
        Ok(TaskState::Exempted),
    );
}

#[test]
fn answers_must_match_what_was_asked() {
    use AnswerValue::*;
    let with = |a: Vec<Answer>| TaskCommand::Submit {
        answers: a,
        attestation: Attestation {
            by: exec(),
            at_us: D,
        },
    };
    let refused = |msg: &str| Err((0, TaskRefusal::Answers(msg.into())));
    check(
        &[(staff(), with(answers(&[("vuln", Yes)])))],
        refused("exercise is not answered"),
    );
    let extra = answers(&[
        ("vuln", Yes),
        ("exercise", No),
        ("monitoring", Yes),
        ("tlpt", Yes),
    ]);
    check(&[(staff(), with(extra))], refused("tlpt was not asked"));
    let twice = answers(&[
        ("vuln", Yes),
        ("vuln", No),
        ("exercise", No),
        ("monitoring", Yes),
    ]);
    check(&[(staff(), with(twice))], refused("vuln is answered twice"));
}

#[test]
fn overdue_and_reminders_follow_the_clock() {
    let r = request();
    let t = Task::assign("bank", 0);
    assert!(!t.status_at(r.deadline_us, 100 * D).overdue);
    let late = t.status_at(r.deadline_us, 103 * D + 5);
    assert_eq!((late.overdue, late.days_late), (true, 3));
    assert_eq!(
        t.reminder_due(&r, 86 * D, None),
        Some(Reminder::BeforeDeadline {
            days: 14,
            at_us: 86 * D
        })
    );
    assert_eq!(t.reminder_due(&r, 90 * D, Some(86 * D)), None);
    assert_eq!(
        t.reminder_due(&r, 108 * D, Some(97 * D)),
        Some(Reminder::Overdue {
            days_late: 7,
            at_us: 107 * D
        })
    );
    let done = t
        .apply(&r, &staff(), submit(exec(), D), 2 * D)
        .expect("submitted");
    assert!(!done.status_at(r.deadline_us, 200 * D).overdue);
    assert_eq!(done.reminder_due(&r, 108 * D, None), None);
    assert_eq!(done.first_submitted_at(), Some(2 * D));
    // Returned after the deadline: overdue again.
    let ret = TaskCommand::Return {
        reason: "incomplete".into(),
    };
    let back = done.apply(&r, &fsa(), ret, 101 * D).expect("returned");
    assert!(back.status_at(r.deadline_us, 102 * D).overdue);
}

fn facts(bt: BusinessType, region: Region, state: TaskState, overdue: bool) -> TaskFacts {
    TaskFacts {
        business_type: bt,
        region,
        state,
        overdue,
    }
}

#[test]
fn completion_by_business_type_and_region() {
    use BusinessType::*;
    use TaskState::*;
    let tasks = [
        facts(ShinkinBank, Region::Kanto, Accepted, false),
        facts(ShinkinBank, Region::Kanto, Submitted, false),
        facts(ShinkinBank, Region::Kinki, Returned, true),
        facts(ShinkinBank, Region::Kinki, Exempted, false),
        facts(RegionalBank, Region::Kinki, Accepted, false),
    ];
    let t = completion(&tasks);
    let shinkin = t.by_business_type[&ShinkinBank];
    assert_eq!(
        (
            shinkin.targeted,
            shinkin.accepted,
            shinkin.overdue,
            shinkin.exempted
        ),
        (4, 1, 1, 1)
    );
    assert_eq!(
        shinkin.completion(),
        Ratio {
            numerator: 1,
            denominator: 3
        }
    );
    assert_eq!(
        shinkin.answered(),
        Ratio {
            numerator: 2,
            denominator: 3
        }
    );
    assert_eq!(
        t.by_region[&Region::Kinki].completion(),
        Ratio {
            numerator: 1,
            denominator: 2
        }
    );
    assert_eq!(
        t.total.completion(),
        Ratio {
            numerator: 2,
            denominator: 4
        }
    );
}

#[test]
fn before_after_shows_the_change_a_request_made() {
    // The report: shinkin and credit cooperatives' vulnerability diagnosis went from
    // about 10% to over 90%. Here 100 shinkin banks: 10 yes before, 92 after.
    let shinkin = |i: usize, yes: bool| AnswerFact {
        org_id: format!("shinkin-{i}"),
        business_type: BusinessType::ShinkinBank,
        value: if yes {
            AnswerValue::Yes
        } else {
            AnswerValue::No
        },
    };
    let before: Vec<_> = (0..100).map(|i| shinkin(i, i < 10)).collect();
    let mut after: Vec<_> = (0..100).map(|i| shinkin(i, i < 92)).collect();
    after.push(AnswerFact {
        org_id: "bank-1".into(),
        business_type: BusinessType::RegionalBank,
        value: AnswerValue::NotApplicable,
    });
    let rows = before_after(&before, &after);
    let s = rows[&BusinessType::ShinkinBank];
    assert_eq!(s.before.percent(), Some(10.0));
    assert_eq!(s.after.percent(), Some(92.0));
    assert_eq!(rows[&BusinessType::RegionalBank].after, Ratio::default());
    // A later fact for the same institution replaces the earlier one.
    let twice = [shinkin(1, false), shinkin(1, true)];
    let rows = before_after(&[], &twice);
    assert_eq!(
        rows[&BusinessType::ShinkinBank].after,
        Ratio {
            numerator: 1,
            denominator: 1
        }
    );
}

fn any_party() -> impl Strategy<Value = Party> {
    prop_oneof![
        Just(staff()),
        Just(exec()),
        Just(auditor()),
        Just(other_exec()),
        Just(fsa()),
        Just(fsa_auditor()),
    ]
}

/// Any party, but mostly those who can act, so that long sequences happen.
fn any_actor() -> impl Strategy<Value = Party> {
    prop_oneof![3 => Just(staff()), 3 => Just(fsa()), 2 => any_party()]
}

fn any_command() -> impl Strategy<Value = TaskCommand> {
    prop_oneof![
        1 => Just(TaskCommand::Start),
        // Mostly well-formed attestations and many submissions and acceptances, so that
        // acceptance is often reached (and returns and resubmissions happen).
        4 => (prop_oneof![3 => Just(exec()), 1 => any_party()], -2i64..30)
            .prop_map(|(by, day)| submit(by, day * D)),
        3 => Just(TaskCommand::Accept),
        2 => prop_oneof![Just(""), Just("missing evidence")]
            .prop_map(|r| TaskCommand::Return { reason: r.into() }),
        1 => prop_oneof![Just(""), Just("not concerned")]
            .prop_map(|r| TaskCommand::Exempt { reason: r.into() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No sequence of operations reaches accepted without an attestation by an executive
    /// of the institution made in the accepted submission's round; history only grows.
    #[test]
    fn accepted_needs_an_executive_attestation(
        steps in proptest::collection::vec((any_actor(), any_command()), 0..30),
    ) {
        let r = request();
        let mut t = Task::assign("bank", 0);
        for (i, (actor, cmd)) in steps.into_iter().enumerate() {
            let now = (i as i64 + 1) * D;
            if let Ok(next) = t.apply(&r, &actor, cmd, now) {
                prop_assert_eq!(&next.history[..t.history.len()], &t.history[..]);
                prop_assert_eq!(next.history.len(), t.history.len() + 1);
                if next.state == TaskState::Accepted {
                    // The submission that is accepted is the last Submit in the history.
                    let submission = next.history.iter().rev().find_map(|e| match &e.command {
                        TaskCommand::Submit { attestation, .. } => Some((e.at_us, attestation)),
                        _ => None,
                    });
                    let (submitted_at, a) = submission.expect("accepted without a submission");
                    prop_assert_eq!(&a.by.org_id, "bank");
                    prop_assert_eq!(a.by.role, Role::Executive);
                    prop_assert!(a.at_us <= submitted_at);
                    let round_start = next.history.iter()
                        .filter(|e| e.to == TaskState::Returned && e.at_us < submitted_at)
                        .map(|e| e.at_us)
                        .max()
                        .unwrap_or(0);
                    prop_assert!(a.at_us >= round_start);
                }
                t = next;
            }
        }
    }

    /// Every task is counted once in each breakdown: the rows add up to the total.
    #[test]
    fn completion_rows_add_up(
        tasks in proptest::collection::vec(
            (0..BusinessType::ALL.len(), 0..Region::ALL.len(), 0usize..6, any::<bool>()),
            0..40,
        ),
    ) {
        let states = [TaskState::Assigned, TaskState::InProgress, TaskState::Submitted,
            TaskState::Returned, TaskState::Accepted, TaskState::Exempted];
        let tasks: Vec<_> = tasks.into_iter().map(|(b, r, s, o)| {
            facts(BusinessType::ALL[b], Region::ALL[r], states[s], o && states[s].is_outstanding())
        }).collect();
        let t = completion(&tasks);
        let sum = |rows: Vec<CompletionRow>| rows.iter().fold(CompletionRow::default(), |mut acc, r| {
            acc.targeted += r.targeted; acc.assigned += r.assigned; acc.in_progress += r.in_progress;
            acc.submitted += r.submitted; acc.returned += r.returned; acc.accepted += r.accepted;
            acc.exempted += r.exempted; acc.overdue += r.overdue;
            acc
        });
        prop_assert_eq!(sum(t.by_business_type.values().copied().collect()), t.total);
        prop_assert_eq!(sum(t.by_region.values().copied().collect()), t.total);
        prop_assert_eq!(t.total.targeted as usize, tasks.len());
        let c = t.total.completion();
        prop_assert!(c.numerator <= c.denominator);
    }
}
