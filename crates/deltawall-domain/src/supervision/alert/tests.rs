use super::*;
use crate::org::OrgKind;
use crate::role::Role;
use proptest::prelude::*;

const D: i64 = DAY_US;

fn text(ja: &str, en: &str) -> Text {
    Text {
        ja: ja.into(),
        en: en.into(),
    }
}

/// After the October 2019 alert (section 1.(2)): confirm login and DDoS readiness.
fn alert() -> Alert {
    let item = |id: &str, ja: &str, en: &str| ChecklistItem {
        id: id.into(),
        text: text(ja, en),
    };
    Alert {
        title: text(
            "不正ログイン及びDDoS攻撃への対応",
            "Unauthorised logins and DDoS",
        ),
        body: text(
            "適切な認証方式の確認を求める",
            "Confirm your authentication methods",
        ),
        population: Selector::default(),
        respond_by_us: 30 * D,
        checklist: vec![
            item(
                "auth",
                "リスト型攻撃に耐性のある認証方式か",
                "Login resists credential lists",
            ),
            item(
                "ddos",
                "DDoS攻撃時の態勢を確認したか",
                "DDoS response is in place",
            ),
        ],
        reminders: ReminderPolicy {
            days_before: vec![5],
            overdue_every_days: Some(5),
        },
    }
}

#[track_caller]
fn check(edit: impl FnOnce(&mut Alert), now_us: i64, expected: Result<(), AlertError>) {
    let mut a = alert();
    edit(&mut a);
    assert_eq!(a.validate(now_us), expected);
}

#[test]
fn alerts_are_checked_before_sending() {
    check(|_| {}, 0, Ok(()));
    check(|a| a.checklist.clear(), 0, Ok(()));
    check(
        |a| a.body.ja.clear(),
        0,
        Err(AlertError::MissingText {
            field: "body".into(),
            lang: "ja",
        }),
    );
    check(
        |a| a.checklist[1].text.en = "\t".into(),
        0,
        Err(AlertError::MissingText {
            field: "checklist.ddos".into(),
            lang: "en",
        }),
    );
    check(
        |a| a.checklist[1].id = "auth".into(),
        0,
        Err(AlertError::BadItemId { id: "auth".into() }),
    );
    check(|_| {}, 30 * D, Err(AlertError::DeadlineNotInFuture));
    check(
        |_| {},
        26 * D,
        Err(AlertError::Reminders(ReminderError::InPast { days: 5 })),
    );
}

fn party(user: &str, org: &str, role: Role) -> Party {
    Party {
        user_id: user.into(),
        org_id: org.into(),
        org_kind: OrgKind::Institution,
        role,
    }
}

fn answer(item: &str, value: AnswerValue) -> ChecklistAnswer {
    ChecklistAnswer {
        item_id: item.into(),
        value,
        note: String::new(),
    }
}

fn targets() -> Vec<String> {
    vec!["a".into(), "b".into(), "c".into()]
}

#[track_caller]
fn check_ack(
    org: &str,
    by: Party,
    answers: Vec<ChecklistAnswer>,
    expected: Result<(), AckRefusal>,
) {
    let got = alert()
        .acknowledge(&targets(), org, &by, answers, D)
        .map(|_| ());
    assert_eq!(got, expected);
}

#[test]
fn acknowledgements_are_checked() {
    use AnswerValue::*;
    let full = || vec![answer("auth", Yes), answer("ddos", No)];
    check_ack("a", party("u", "a", Role::Staff), full(), Ok(()));
    check_ack(
        "z",
        party("u", "z", Role::Staff),
        full(),
        Err(AckRefusal::NotTargeted),
    );
    check_ack(
        "a",
        party("u", "b", Role::Executive),
        full(),
        Err(AckRefusal::InstitutionOnly),
    );
    check_ack(
        "a",
        party("u", "a", Role::Auditor),
        full(),
        Err(AckRefusal::InstitutionOnly),
    );
    let refused = |m: &str| Err(AckRefusal::Answers(m.into()));
    check_ack(
        "a",
        party("u", "a", Role::Staff),
        vec![answer("auth", Yes)],
        refused("ddos is not answered"),
    );
    let mut extra = full();
    extra.push(answer("tlpt", Yes));
    check_ack(
        "a",
        party("u", "a", Role::Staff),
        extra,
        refused("tlpt is not on the checklist"),
    );
    let mut twice = full();
    twice.push(answer("auth", No));
    check_ack(
        "a",
        party("u", "a", Role::Staff),
        twice,
        refused("auth is answered twice"),
    );
}

#[test]
fn tracking_shows_who_is_outstanding_overdue_or_late() {
    use AnswerValue::*;
    let a = alert();
    let ack = |org: &str, at: i64, auth: AnswerValue| Acknowledgement {
        org_id: org.into(),
        by: party("u", org, Role::Staff),
        at_us: at,
        answers: vec![answer("auth", auth), answer("ddos", Yes)],
    };
    // "a" answers twice (the later answer counts), "b" late, "x" was not targeted.
    let acks = [
        ack("a", 2 * D, No),
        ack("a", 3 * D, Yes),
        ack("b", 31 * D, No),
        ack("x", D, No),
    ];
    let before = tracking(&a, &targets(), &acks[..2], 10 * D);
    assert_eq!(
        (before.acknowledged, before.outstanding, before.overdue),
        (1, 2, 0)
    );
    let t = tracking(&a, &targets(), &acks, 32 * D + 7);
    assert_eq!(
        t.institutions["a"],
        AckState::Acknowledged {
            at_us: 3 * D,
            late: false
        }
    );
    assert_eq!(
        t.institutions["b"],
        AckState::Acknowledged {
            at_us: 31 * D,
            late: true
        }
    );
    assert_eq!(t.institutions["c"], AckState::Overdue { days_late: 2 });
    assert!(!t.institutions.contains_key("x"));
    assert_eq!(
        (t.acknowledged, t.late, t.outstanding, t.overdue),
        (2, 1, 0, 1)
    );
    assert_eq!(t.answers["auth"], BTreeMap::from([(No, 1), (Yes, 1)]));
    assert_eq!(t.answers["ddos"], BTreeMap::from([(Yes, 2)]));
}

#[test]
fn reminders_stop_once_acknowledged() {
    let a = alert();
    let r = Reminder::BeforeDeadline {
        days: 5,
        at_us: 25 * D,
    };
    assert_eq!(a.reminder_due(false, 25 * D, None), Some(r));
    assert_eq!(a.reminder_due(true, 25 * D, None), None);
    let late = Reminder::Overdue {
        days_late: 5,
        at_us: 35 * D,
    };
    assert_eq!(a.reminder_due(false, 36 * D, Some(25 * D)), Some(late));
}

proptest! {
    /// Every targeted institution is in exactly one state, the counts add up, and every
    /// checklist item's answers add up to the acknowledgements.
    #[test]
    fn tracking_counts_add_up(
        targets in proptest::collection::vec("[a-e]", 0..8),
        acks in proptest::collection::vec(("[a-g]", 0i64..60, any::<bool>(), any::<bool>()), 0..12),
        now in 0i64..60,
    ) {
        let a = alert();
        let value = |b: bool| if b { AnswerValue::Yes } else { AnswerValue::No };
        let acks: Vec<_> = acks.into_iter().map(|(org, at, x, y)| Acknowledgement {
            by: party("u", &org, Role::Staff),
            org_id: org,
            at_us: at * D,
            answers: vec![answer("auth", value(x)), answer("ddos", value(y))],
        }).collect();
        let t = tracking(&a, &targets, &acks, now * D);
        let unique: BTreeSet<&String> = targets.iter().collect();
        prop_assert_eq!(t.institutions.len(), unique.len());
        prop_assert_eq!((t.acknowledged + t.outstanding + t.overdue) as usize, unique.len());
        prop_assert!(t.late <= t.acknowledged);
        for tally in t.answers.values() {
            prop_assert_eq!(tally.values().sum::<u32>(), t.acknowledged);
        }
        prop_assert!(t.institutions.keys().all(|k| unique.contains(k)));
    }
}
