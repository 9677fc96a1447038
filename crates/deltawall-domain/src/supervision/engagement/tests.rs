use super::*;
use crate::org::BusinessType;
use crate::supervision::DAY_US;
use proptest::prelude::*;

const D: i64 = DAY_US;

/// The built-in catalog, parsed once for all tests (parsing is the slow part).
fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        crate::catalog::builtin::fsa_2020_viewpoints().expect("built-in catalog loads")
    })
}

fn shinkin() -> OrgFacts {
    OrgFacts {
        id: "shinkin-1".into(),
        business_type: BusinessType::ShinkinBank,
        region: Region::Kinki,
        attributes: Default::default(),
    }
}

fn supervisor(user: &str, org: &str, reach: SupervisorReach, role: Role) -> Supervisor {
    Supervisor {
        party: Party {
            user_id: user.into(),
            org_id: org.into(),
            org_kind: OrgKind::Supervisor,
            role,
        },
        reach,
    }
}

fn fsa() -> Supervisor {
    supervisor("fsa-1", "fsa", SupervisorReach::National, Role::Staff)
}
fn kinki() -> Supervisor {
    supervisor(
        "kinki-1",
        "kinki-bureau",
        SupervisorReach::Regional(Region::Kinki),
        Role::Staff,
    )
}
fn kanto() -> Supervisor {
    supervisor(
        "kanto-1",
        "kanto-bureau",
        SupervisorReach::Regional(Region::Kanto),
        Role::Staff,
    )
}
fn fsa_auditor() -> Supervisor {
    supervisor("fsa-aud", "fsa", SupervisorReach::National, Role::Auditor)
}

fn planned() -> Engagement {
    let viewpoints = vec!["FSA-BE1".to_owned(), "FSA-BE4".to_owned()];
    Engagement::plan(&shinkin(), Method::Dialogue, viewpoints, catalog()).expect("plans")
}

fn note(viewpoint: &str, text: &str) -> EngagementCommand {
    EngagementCommand::Note(Note {
        viewpoint: viewpoint.into(),
        text: text.into(),
    })
}

fn follow_up(assignee: Supervisor, due_us: i64) -> EngagementCommand {
    EngagementCommand::AddFollowUp {
        title: "confirm the contingency plan was exercised".into(),
        assignee,
        due_us,
        finding_id: Some("finding-7".into()),
    }
}

/// Applies `(actor, command)` steps at days 1, 2, 3…; returns the final state or the first
/// refusal with its step.
#[track_caller]
fn check(
    steps: &[(Supervisor, EngagementCommand)],
    expected: Result<EngagementState, (usize, EngagementError)>,
) {
    let mut e = planned();
    for (i, (actor, cmd)) in steps.iter().enumerate() {
        match e.apply(actor, cmd.clone(), (i as i64 + 1) * D) {
            Ok(next) => e = next,
            Err(err) => {
                assert_eq!(Err((i, err)), expected.clone().map(|_| ()));
                return;
            }
        }
    }
    assert_eq!(Ok(e.state), expected);
    assert_eq!(e.history.len(), steps.len());
}

#[test]
fn plans_name_catalog_viewpoints() {
    let plan = |v: &[&str]| {
        let v = v.iter().map(|s| s.to_string()).collect();
        Engagement::plan(&shinkin(), Method::OnSite, v, catalog()).map(|e| e.viewpoints.len())
    };
    assert_eq!(plan(&["FSA-BE1", "FSA-BE1-01"]), Ok(2));
    assert_eq!(plan(&[]), Err(EngagementError::NoViewpoint));
    assert_eq!(
        plan(&["FSA-ZZ"]),
        Err(EngagementError::BadViewpoint("FSA-ZZ".into()))
    );
    assert_eq!(
        plan(&["FSA-BE1", "FSA-BE1"]),
        Err(EngagementError::BadViewpoint("FSA-BE1".into()))
    );
}

#[test]
fn fsa_and_the_regional_bureau_share_the_engagement() {
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (
                kinki(),
                note("FSA-BE1", "management reviews the plan quarterly"),
            ),
            (fsa(), note("FSA-BE4", "plan never exercised")),
            (kinki(), follow_up(fsa(), 30 * D)),
            (fsa(), EngagementCommand::Complete),
            (kinki(), EngagementCommand::CompleteFollowUp { index: 0 }),
        ],
        Ok(EngagementState::Completed),
    );
    check(
        &[(kanto(), EngagementCommand::Start)],
        Err((0, EngagementError::OutOfReach)),
    );
    check(
        &[(fsa_auditor(), EngagementCommand::Start)],
        Err((0, EngagementError::OutOfReach)),
    );
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (fsa(), follow_up(kanto(), 30 * D)),
        ],
        Err((1, EngagementError::OutOfReach)),
    );
}

#[test]
fn completion_needs_a_note_on_every_viewpoint() {
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (fsa(), note("FSA-BE1", "ok")),
            (fsa(), EngagementCommand::Complete),
        ],
        Err((2, EngagementError::Uncovered("FSA-BE4".into()))),
    );
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (fsa(), note("FSA-BE2", "x")),
        ],
        Err((
            1,
            EngagementError::BadNote("FSA-BE2 is not a planned viewpoint".into()),
        )),
    );
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (fsa(), note("FSA-BE1", " ")),
        ],
        Err((1, EngagementError::BadNote("text is required".into()))),
    );
    check(
        &[(fsa(), note("FSA-BE1", "x"))],
        Err((
            0,
            EngagementError::WrongState {
                command: "record a note on",
                state: EngagementState::Planned,
            },
        )),
    );
}

#[test]
fn follow_ups_have_due_dates_and_escalate() {
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (fsa(), follow_up(kinki(), 2 * D)),
        ],
        Err((
            1,
            EngagementError::BadFollowUp("due date must be in the future"),
        )),
    );
    check(
        &[
            (fsa(), EngagementCommand::Start),
            (fsa(), EngagementCommand::CompleteFollowUp { index: 0 }),
        ],
        Err((1, EngagementError::NoSuchFollowUp(0))),
    );
    check(
        &[(fsa(), EngagementCommand::Cancel { reason: "".into() })],
        Err((0, EngagementError::NoReason)),
    );
    let e = planned();
    let e = e
        .apply(&fsa(), EngagementCommand::Start, D)
        .expect("starts");
    let e = e
        .apply(&fsa(), follow_up(kinki(), 10 * D), 2 * D)
        .expect("added");
    assert_eq!(e.follow_ups[0].assignee_org, "kinki-bureau");
    assert_eq!(e.follow_ups[0].milestone.owner, "kinki-1");
    assert_eq!(e.overdue_follow_ups(10 * D), vec![]);
    assert_eq!(e.overdue_follow_ups(11 * D), vec![(0, Escalation::Owner)]);
    assert_eq!(
        e.overdue_follow_ups(50 * D),
        vec![(0, Escalation::Executive)]
    );
    let done = e
        .apply(
            &kinki(),
            EngagementCommand::CompleteFollowUp { index: 0 },
            12 * D,
        )
        .expect("done");
    assert_eq!(done.overdue_follow_ups(50 * D), vec![]);
    assert_eq!(
        done.apply(
            &kinki(),
            EngagementCommand::CompleteFollowUp { index: 0 },
            13 * D
        ),
        Err(EngagementError::NoSuchFollowUp(0))
    );
    assert_eq!(done.completed_at_us(), None);
}

/// Any supervisor, mostly those who may act.
fn any_supervisor() -> impl Strategy<Value = Supervisor> {
    prop_oneof![3 => Just(fsa()), 3 => Just(kinki()), 1 => Just(kanto()), 1 => Just(fsa_auditor())]
}

/// Any command, weighted so that engagements are often completed.
fn any_command() -> impl Strategy<Value = EngagementCommand> {
    let viewpoint = prop_oneof![2 => Just("FSA-BE1"), 2 => Just("FSA-BE4"), 1 => Just("FSA-BE2")];
    let text = prop_oneof![3 => Just("seen"), 1 => Just("")];
    prop_oneof![
        2 => Just(EngagementCommand::Start),
        4 => (viewpoint, text).prop_map(|(v, t)| note(v, t)),
        2 => (any_supervisor(), 0i64..40).prop_map(|(s, due)| follow_up(s, due * D)),
        1 => (0usize..3).prop_map(|index| EngagementCommand::CompleteFollowUp { index }),
        2 => Just(EngagementCommand::Complete),
        // Mostly refused cancellations (no reason): an accepted one ends the sequence.
        1 => prop_oneof![3 => Just(""), 1 => Just("merged")]
            .prop_map(|r| EngagementCommand::Cancel { reason: r.into() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Whatever happens: only the FSA and the Kinki bureau's staff change a Kinki
    /// institution's engagement, follow-ups are only assigned to them, a completed
    /// engagement has a note on every viewpoint, and history only grows.
    #[test]
    fn only_the_right_supervisors_act_and_completion_is_covered(
        steps in proptest::collection::vec((any_supervisor(), any_command()), 0..25),
    ) {
        let mut e = planned();
        for (i, (actor, cmd)) in steps.into_iter().enumerate() {
            if let Ok(next) = e.apply(&actor, cmd, (i as i64 + 1) * D) {
                prop_assert!(actor.may_act_in(Region::Kinki));
                prop_assert_eq!(&next.history[..e.history.len()], &e.history[..]);
                prop_assert_eq!(next.history.len(), e.history.len() + 1);
                if next.state == EngagementState::Completed {
                    prop_assert!(next.uncovered().is_empty());
                }
                prop_assert!(next.follow_ups.iter().all(|f| f.assignee_org == "fsa" || f.assignee_org == "kinki-bureau"));
                e = next;
            }
        }
    }
}
