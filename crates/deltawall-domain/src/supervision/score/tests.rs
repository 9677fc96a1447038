use super::*;
use crate::org::Region;
use jiff::civil::date;
use proptest::prelude::*;

fn today() -> Date {
    date(2020, 6, 30)
}

fn weights() -> ScoreWeights {
    ScoreWeights::initial("fsa-staff-1", date(2020, 4, 1))
}

fn shinkin(id: &str) -> ScoreInput {
    ScoreInput {
        org: OrgFacts {
            id: id.into(),
            business_type: BusinessType::ShinkinBank,
            region: Region::Kinki,
            attributes: [(AttributeKind::SizeBand, "small".to_owned())].into(),
        },
        last_monitored: Some(date(2018, 7, 1)),
        posture: vec![],
        open_findings: SeverityCounts::default(),
        overdue_findings: SeverityCounts::default(),
        overdue_requests: 0,
        incidents: vec![],
        plan_untested: false,
    }
}

/// Scores `input` with the initial weights on 2020-06-30 and compares the reasons as
/// `(factor, observed, contribution)`.
#[track_caller]
fn check(input: &ScoreInput, expected: &[(Factor, Observed, f64)]) {
    let s = score(input, &weights(), today());
    let got: Vec<_> = s
        .reasons
        .iter()
        .map(|r| (r.factor.clone(), r.observed, r.contribution))
        .collect();
    assert_eq!(got, expected);
    let sum: f64 = expected.iter().map(|e| e.2).sum();
    assert_eq!(s.total, sum);
    assert_eq!(s.weights_version, 1);
}

fn bt(b: BusinessType) -> Factor {
    Factor::BusinessType { business_type: b }
}

#[test]
fn every_point_has_a_reason() {
    let mut input = shinkin("s1");
    input.posture = vec![
        ElementPosture {
            element: "FSA-BE4".into(),
            assessed: 4,
            partial: 2,
            not_met: 1,
        },
        ElementPosture {
            element: "FSA-BE1".into(),
            assessed: 6,
            partial: 0,
            not_met: 0,
        },
    ];
    input.open_findings.high = 2;
    input.overdue_findings.high = 1;
    input.overdue_requests = 2;
    input.incidents = vec![
        IncidentFact {
            on: date(2019, 10, 15),
            attack: AttackType::Ddos,
        },
        IncidentFact {
            on: date(2020, 2, 1),
            attack: AttackType::Ddos,
        },
        // Outside the 12-month window and in the future: not counted.
        IncidentFact {
            on: date(2019, 6, 30),
            attack: AttackType::Ransomware,
        },
        IncidentFact {
            on: date(2020, 7, 1),
            attack: AttackType::Ransomware,
        },
    ];
    check(
        &input,
        &[
            (bt(BusinessType::ShinkinBank), Observed::Applies, 10.0),
            (Factor::SinceMonitored, Observed::Days(730), 20.0),
            (
                Factor::ElementGap {
                    element: "FSA-BE1".into(),
                },
                Observed::Share(0.0),
                0.0,
            ),
            (
                Factor::ElementGap {
                    element: "FSA-BE4".into(),
                },
                Observed::Share(0.5),
                10.0,
            ),
            (
                Factor::OpenFindings {
                    severity: Severity::High,
                },
                Observed::Count(2),
                10.0,
            ),
            (
                Factor::OverdueFindings {
                    severity: Severity::High,
                },
                Observed::Count(1),
                10.0,
            ),
            (Factor::OverdueRequests, Observed::Count(2), 16.0),
            (
                Factor::Incidents {
                    attack: AttackType::Ddos,
                },
                Observed::Count(2),
                10.0,
            ),
        ],
    );
    // The shape the API and the UI show as "why".
    insta::assert_json_snapshot!("explained_score", score(&input, &weights(), today()));
}

#[test]
fn an_untested_contingency_plan_is_a_reason_of_its_own() {
    let mut input = shinkin("s9");
    let without = score(&input, &weights(), today());
    input.plan_untested = true;
    let with = score(&input, &weights(), today());
    let last = with.reasons.last().unwrap();
    assert_eq!(
        (&last.factor, last.observed, last.contribution),
        (&Factor::UntestedPlan, Observed::Applies, 5.0)
    );
    assert_eq!(with.total, without.total + 5.0);
    assert_eq!(with.reasons.len(), without.reasons.len() + 1);
    // Weights saved before the factor existed read as giving it no points.
    let mut old = serde_json::to_value(weights()).unwrap();
    old.as_object_mut().unwrap().remove("per_untested_plan");
    let old: ScoreWeights = serde_json::from_value(old).unwrap();
    assert_eq!(score(&input, &old, today()).total, without.total);
    let mut bad = weights();
    bad.per_untested_plan = -1.0;
    assert_eq!(bad.validate().unwrap_err().field, "per_untested_plan");
}

#[test]
fn never_monitored_and_unknown_posture_count_fully() {
    let mut input = shinkin("s2");
    input.last_monitored = None;
    input.org.business_type = BusinessType::MajorBank;
    input.org.attributes = [
        (AttributeKind::SystemicImportance, "gsib".to_owned()),
        (AttributeKind::SizeBand, "large".to_owned()),
    ]
    .into();
    check(
        &input,
        &[
            (bt(BusinessType::MajorBank), Observed::Applies, 0.0),
            (
                Factor::Attribute {
                    kind: AttributeKind::SystemicImportance,
                    value: "gsib".into(),
                },
                Observed::Applies,
                15.0,
            ),
            (
                Factor::Attribute {
                    kind: AttributeKind::SizeBand,
                    value: "large".into(),
                },
                Observed::Applies,
                5.0,
            ),
            (Factor::SinceMonitored, Observed::Never, 50.0),
            (Factor::PostureUnknown, Observed::Applies, 30.0),
        ],
    );
}

#[test]
fn time_since_monitoring_is_capped_and_never_negative() {
    let mut input = shinkin("s3");
    input.posture = vec![ElementPosture {
        element: "FSA-BE2".into(),
        assessed: 2,
        partial: 0,
        not_met: 5,
    }];
    input.last_monitored = Some(date(2001, 1, 1));
    let s = score(&input, &weights(), today());
    assert_eq!(s.reasons[1].contribution, 50.0);
    // A gap above 1 (inconsistent counts) is held at 1.
    assert_eq!(s.reasons[2].observed, Observed::Share(1.0));
    input.last_monitored = Some(date(2021, 1, 1));
    let s = score(&input, &weights(), today());
    assert_eq!(s.reasons[1].observed, Observed::Days(-185));
    assert_eq!(s.reasons[1].contribution, 0.0);
}

#[track_caller]
fn check_weights(edit: impl FnOnce(&mut ScoreWeights), expected: Result<(), (&str, &str)>) {
    let mut w = weights();
    edit(&mut w);
    let got = w.validate().map_err(|e| (e.field, e.reason));
    let expected = expected.map_err(|(f, r)| (f.to_owned(), r));
    assert_eq!(got, expected);
}

#[test]
fn weights_are_validated_with_their_field() {
    check_weights(|_| {}, Ok(()));
    check_weights(|w| w.version = 0, Err(("version", "must be at least 1")));
    check_weights(|w| w.author = " ".into(), Err(("author", "is required")));
    let range = "must be between 0 and 1000";
    check_weights(
        |w| w.per_open_finding.high = -1.0,
        Err(("per_open_finding.high", range)),
    );
    check_weights(
        |w| w.per_overdue_finding.critical = f64::NAN,
        Err(("per_overdue_finding.critical", range)),
    );
    check_weights(
        |w| {
            w.business_type.insert(BusinessType::TrustBank, 1e9);
        },
        Err(("business_type.trust_bank", range)),
    );
    check_weights(
        |w| {
            w.per_incident.insert(AttackType::Ddos, f64::INFINITY);
        },
        Err(("per_incident.ddos", range)),
    );
    check_weights(
        |w| w.attributes[0].value = "huge".into(),
        Err(("attributes[0]", "value is not allowed for the attribute")),
    );
    check_weights(
        |w| w.attributes[1].value = "gsib".into(),
        Err(("attributes[1]", "attribute value is weighted twice")),
    );
    check_weights(
        |w| w.max_years_since_monitored = 0,
        Err(("max_years_since_monitored", "must be between 1 and 20")),
    );
    check_weights(
        |w| w.incident_window_months = 61,
        Err(("incident_window_months", "must be between 1 and 60")),
    );
}

#[track_caller]
fn check_counts(findings: &[(Severity, State, bool)], open: [u32; 4], overdue: [u32; 4]) {
    let statuses: Vec<_> = findings
        .iter()
        .map(|(severity, state, overdue)| FindingStatus {
            severity: *severity,
            state: *state,
            overdue: *overdue,
        })
        .collect();
    let (o, d) = count_findings(&statuses);
    let arr = |c: SeverityCounts| [c.low, c.medium, c.high, c.critical];
    assert_eq!((arr(o), arr(d)), (open, overdue));
}

#[test]
fn findings_are_counted_while_open() {
    use Severity::*;
    check_counts(&[], [0; 4], [0; 4]);
    check_counts(
        &[
            (High, State::InRemediation, true),
            (High, State::Issued, false),
            (Critical, State::RiskAccepted, false),
            (Low, State::Closed, true),
            (Medium, State::Draft, false),
            (Medium, State::Withdrawn, false),
        ],
        [0, 0, 2, 1],
        [0, 0, 1, 0],
    );
}

#[test]
fn weights_round_trip_through_json() {
    let w = weights();
    let json = serde_json::to_string(&w).expect("serialises");
    assert!(json.contains(r#""shinkin_bank":10.0"#), "{json}");
    let back: ScoreWeights = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, w);
}

#[test]
fn revisions_are_numbered_and_the_latest_started_one_applies() {
    let v1 = weights();
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.author = "fsa-staff-2".into();
    v2.effective_from = date(2020, 7, 1);
    v2.per_overdue_request = 12.0;
    assert_eq!(v1.check_revision(&v2), Ok(()));
    let mut skipped = v2.clone();
    skipped.version = 3;
    assert_eq!(
        v1.check_revision(&skipped).map_err(|e| e.field),
        Err("version".to_owned())
    );
    let mut earlier = v2.clone();
    earlier.effective_from = date(2020, 3, 31);
    assert_eq!(
        v1.check_revision(&earlier).map_err(|e| e.field),
        Err("effective_from".to_owned())
    );
    let history = [v2.clone(), v1.clone()];
    assert_eq!(in_force(&history, date(2020, 3, 31)), None);
    assert_eq!(in_force(&history, date(2020, 6, 30)), Some(&v1));
    assert_eq!(in_force(&history, date(2020, 7, 1)), Some(&v2));
    let mut input = shinkin("s4");
    input.overdue_requests = 1;
    assert_eq!(score(&input, &v2, today()).weights_version, 2);
}

#[test]
fn ties_are_broken_by_institution_id() {
    let inputs = [shinkin("b"), shinkin("a"), {
        let mut c = shinkin("c");
        c.overdue_requests = 1;
        c
    }];
    let order: Vec<_> = rank(&inputs, &weights(), today())
        .into_iter()
        .map(|r| (r.position, r.scored.org_id))
        .collect();
    assert_eq!(
        order,
        [
            (1, "c".to_owned()),
            (2, "a".to_owned()),
            (3, "b".to_owned())
        ]
    );
}

fn any_counts() -> impl Strategy<Value = SeverityCounts> {
    (0u32..5, 0u32..5, 0u32..5, 0u32..5).prop_map(|(low, medium, high, critical)| SeverityCounts {
        low,
        medium,
        high,
        critical,
    })
}

fn any_severity() -> impl Strategy<Value = Severity> {
    (0usize..4).prop_map(|i| SEVERITIES[i])
}

fn any_attack() -> impl Strategy<Value = AttackType> {
    (0..AttackType::ALL.len()).prop_map(|i| AttackType::ALL[i])
}

fn any_day() -> impl Strategy<Value = Date> {
    (0i64..4000).prop_map(|d| date(2012, 1, 1).saturating_add(Span::new().days(d)))
}

fn any_input() -> impl Strategy<Value = ScoreInput> {
    let posture = proptest::collection::vec(
        ("FSA-BE[1-5]", 0u32..8, 0u32..8, 0u32..8).prop_map(
            |(element, assessed, partial, not_met)| ElementPosture {
                element,
                assessed,
                partial,
                not_met,
            },
        ),
        0..4,
    );
    let incidents = proptest::collection::vec(
        (any_day(), any_attack()).prop_map(|(on, attack)| IncidentFact { on, attack }),
        0..5,
    );
    (
        "[a-z]{1,3}",
        0..BusinessType::ALL.len(),
        proptest::option::of(0usize..3),
        proptest::option::of(any_day()),
        posture,
        any_counts(),
        any_counts(),
        0u32..5,
        incidents,
    )
        .prop_map(
            |(id, b, size, last, posture, open, overdue, requests, incidents)| ScoreInput {
                org: OrgFacts {
                    id,
                    business_type: BusinessType::ALL[b],
                    region: Region::Kanto,
                    attributes: size
                        .map(|s| {
                            (
                                AttributeKind::SizeBand,
                                ["small", "medium", "large"][s].to_owned(),
                            )
                        })
                        .into_iter()
                        .collect(),
                },
                last_monitored: last,
                posture,
                open_findings: open,
                overdue_findings: overdue,
                overdue_requests: requests,
                incidents,
                plan_untested: false,
            },
        )
}

fn any_weights() -> impl Strategy<Value = ScoreWeights> {
    let p = || 0.0..=MAX_POINTS;
    (
        proptest::collection::vec(p(), 10),
        proptest::collection::vec(p(), 8),
        proptest::collection::vec(p(), 8),
        1u32..=20,
        1u32..=60,
    )
        .prop_map(|(a, b, c, years, months)| {
            let mut w = weights();
            let sev = |v: &[f64]| SeverityPoints {
                low: v[0],
                medium: v[1],
                high: v[2],
                critical: v[3],
            };
            w.per_open_finding = sev(&a[0..4]);
            w.per_overdue_finding = sev(&a[4..8]);
            w.per_year_since_monitored = a[8];
            w.per_element_gap = a[9];
            w.per_overdue_request = b[0];
            w.posture_unknown = b[1];
            for (bt, p) in w.business_type.values_mut().zip(&b[2..]) {
                *bt = *p;
            }
            for (attack, p) in AttackType::ALL.iter().zip(c) {
                w.per_incident.insert(*attack, p);
            }
            w.max_years_since_monitored = years;
            w.incident_window_months = months;
            w
        })
}

/// One way of making an institution look riskier.
#[derive(Debug, Clone)]
enum Raise {
    OpenFinding(Severity),
    OverdueFinding(Severity),
    OverdueRequest,
    Incident(Date, AttackType),
    MonitoredEarlier(i64),
    NeverMonitored,
    NotMet(usize),
    Partial(usize),
    PartialToNotMet(usize),
}

fn any_raise() -> impl Strategy<Value = Raise> {
    prop_oneof![
        any_severity().prop_map(Raise::OpenFinding),
        any_severity().prop_map(Raise::OverdueFinding),
        Just(Raise::OverdueRequest),
        (any_day(), any_attack()).prop_map(|(d, a)| Raise::Incident(d, a)),
        (1i64..2000).prop_map(Raise::MonitoredEarlier),
        Just(Raise::NeverMonitored),
        (0usize..4).prop_map(Raise::NotMet),
        (0usize..4).prop_map(Raise::Partial),
        (0usize..4).prop_map(Raise::PartialToNotMet),
    ]
}

/// Applies a raise; posture changes keep the number assessed, as a worse result of the
/// same assessment would.
fn raise(input: &mut ScoreInput, r: Raise) {
    let posture = |input: &mut ScoreInput, i: usize, f: &dyn Fn(&mut ElementPosture)| {
        let n = input.posture.len();
        if n > 0 {
            f(&mut input.posture[i % n]);
        }
    };
    match r {
        Raise::OpenFinding(s) => *input.open_findings.get_mut(s) += 1,
        Raise::OverdueFinding(s) => *input.overdue_findings.get_mut(s) += 1,
        Raise::OverdueRequest => input.overdue_requests += 1,
        Raise::Incident(on, attack) => input.incidents.push(IncidentFact { on, attack }),
        Raise::MonitoredEarlier(days) => {
            input.last_monitored = input
                .last_monitored
                .map(|d| d.saturating_sub(Span::new().days(days)));
        }
        Raise::NeverMonitored => input.last_monitored = None,
        Raise::NotMet(i) => posture(input, i, &|e| e.not_met += 1),
        Raise::Partial(i) => posture(input, i, &|e| e.partial += 1),
        Raise::PartialToNotMet(i) => posture(input, i, &|e| {
            if e.partial > 0 {
                e.partial -= 1;
                e.not_met += 1;
            }
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// The total is exactly the sum of the reasons' contributions, each contribution is
    /// its weight times its input, and none is negative.
    #[test]
    fn total_is_the_sum_of_contributions(input in any_input(), w in any_weights(), today in any_day()) {
        prop_assert_eq!(w.validate(), Ok(()));
        let s = score(&input, &w, today);
        let sum = s.reasons.iter().fold(0.0, |acc, r| acc + r.contribution);
        prop_assert_eq!(s.total, sum);
        for r in &s.reasons {
            prop_assert!(r.contribution >= 0.0 && r.contribution.is_finite(), "{:?}", r);
            if let Observed::Count(n) = r.observed {
                prop_assert_eq!(r.contribution, r.weight * f64::from(n));
            }
            if let Observed::Share(g) = r.observed {
                prop_assert!((0.0..=1.0).contains(&g));
                prop_assert_eq!(r.contribution, r.weight * g);
            }
        }
    }

    /// Raising any risk input never lowers the score.
    #[test]
    fn score_is_monotone(
        input in any_input(),
        w in any_weights(),
        today in any_day(),
        raises in proptest::collection::vec(any_raise(), 1..4),
    ) {
        let before = score(&input, &w, today).total;
        let mut riskier = input.clone();
        for r in raises {
            raise(&mut riskier, r);
        }
        let after = score(&riskier, &w, today).total;
        prop_assert!(after >= before, "{} < {} for {:?}", after, before, riskier);
    }

    /// Ranking is a total order (descending total, then id) that does not depend on the
    /// order of the inputs.
    #[test]
    fn ranking_ignores_input_order(
        inputs in proptest::collection::vec(any_input(), 0..8),
        w in any_weights(),
        seed in any::<u64>(),
    ) {
        let mut unique: Vec<ScoreInput> = Vec::new();
        for i in inputs {
            if !unique.iter().any(|u| u.org.id == i.org.id) {
                unique.push(i);
            }
        }
        let ranked = rank(&unique, &w, today());
        let mut shuffled = unique.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.len().max(1);
        shuffled.rotate_left((seed as usize) % n);
        if seed % 2 == 0 {
            shuffled.reverse();
        }
        prop_assert_eq!(&rank(&shuffled, &w, today()), &ranked);
        for (i, r) in ranked.iter().enumerate() {
            prop_assert_eq!(r.position, i + 1);
        }
        for pair in ranked.windows(2) {
            let (a, b) = (&pair[0].scored, &pair[1].scored);
            prop_assert!(a.total > b.total || (a.total == b.total && a.org_id < b.org_id));
        }
    }
}
