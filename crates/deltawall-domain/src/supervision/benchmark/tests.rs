use super::*;
use proptest::prelude::*;

fn results(outcomes: &[(&str, Outcome)]) -> Vec<OrgOutcome> {
    outcomes
        .iter()
        .map(|(id, outcome)| OrgOutcome {
            org_id: (*id).into(),
            outcome: *outcome,
        })
        .collect()
}

#[track_caller]
fn check(outcomes: &[(&str, Outcome)], k: u32, expected: Option<[u32; 4]>) {
    let k = K::new(k).expect("valid k");
    let got = cohort_distribution(&results(outcomes), k)
        .map(|d| [d.institutions, d.not_met, d.partial, d.met]);
    assert_eq!(got, expected);
}

#[test]
fn small_cohorts_reveal_nothing() {
    use Outcome::*;
    let four = [("a", Met), ("b", Met), ("c", NotMet), ("d", Partial)];
    check(&four, 5, None);
    check(&four, 4, Some([4, 1, 1, 2]));
    let mut five = four.to_vec();
    five.push(("e", Met));
    check(&five, 5, Some([5, 1, 1, 3]));
    // Listing an institution twice does not make a cohort larger; its lower result counts.
    let padded = [
        ("a", Met),
        ("b", Met),
        ("c", NotMet),
        ("d", Partial),
        ("a", Partial),
    ];
    check(&padded, 5, None);
    check(&padded, 4, Some([4, 1, 2, 1]));
    check(&[], 2, None);
}

#[test]
fn k_has_a_floor_and_a_default() {
    assert_eq!(K::default().get(), 5);
    assert_eq!(K::new(1), Err(KTooSmall(1)));
    assert_eq!(K::new(0), Err(KTooSmall(0)));
    assert_eq!(K::new(2).map(K::get), Ok(2));
    assert!(serde_json::from_str::<K>("1").is_err());
    assert_eq!(serde_json::from_str::<K>("7").ok(), K::new(7).ok());
}

#[test]
fn position_counts_below_same_and_above() {
    let d = Distribution {
        institutions: 10,
        not_met: 2,
        partial: 3,
        met: 5,
    };
    let pos = |below, same, above| Some(Position { below, same, above });
    assert_eq!(position_of(Outcome::NotMet, &d), pos(0, 2, 8));
    assert_eq!(position_of(Outcome::Partial, &d), pos(2, 3, 5));
    assert_eq!(position_of(Outcome::Met, &d), pos(5, 5, 0));
    let none_met = Distribution { met: 0, ..d };
    assert_eq!(position_of(Outcome::Met, &none_met), None);
}

fn fact(org: &str, bt: BusinessType, size: &str, req: &str, outcome: Outcome) -> ResultFact {
    ResultFact {
        org_id: org.into(),
        cohort: Cohort {
            business_type: bt,
            size_band: Some(size.into()),
        },
        requirement_id: req.into(),
        outcome,
    }
}

#[test]
fn each_institution_sees_only_its_own_position() {
    use BusinessType::ShinkinBank;
    use Outcome::*;
    let mut facts: Vec<_> = (0..6)
        .map(|i| {
            let outcome = if i < 4 { Met } else { NotMet };
            fact(
                &format!("s{i}"),
                ShinkinBank,
                "small",
                "FSA-BE1-01",
                outcome,
            )
        })
        .collect();
    // Only three answered this one: withheld.
    for i in 0..3 {
        facts.push(fact(
            &format!("s{i}"),
            ShinkinBank,
            "small",
            "FSA-NV1-01",
            Met,
        ));
    }
    // Another cohort.
    facts.push(fact("m1", ShinkinBank, "medium", "FSA-BE1-01", Partial));
    let mine = own_positions(&facts, "s5", K::default());
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].own, NotMet);
    assert_eq!(
        mine[0].position,
        Some(Position {
            below: 0,
            same: 2,
            above: 4
        })
    );
    let s0 = own_positions(&facts, "s0", K::default());
    assert_eq!(s0.len(), 2);
    assert_eq!(s0[1].requirement_id, "FSA-NV1-01");
    assert_eq!((s0[1].distribution, s0[1].position), (None, None));
    let all = benchmarks(&facts, K::default());
    let revealed: Vec<_> = all
        .iter()
        .map(|b| {
            (
                b.cohort.size_band.as_deref(),
                b.requirement_id.as_str(),
                b.distribution.is_some(),
            )
        })
        .collect();
    assert_eq!(
        revealed,
        [
            (Some("medium"), "FSA-BE1-01", false),
            (Some("small"), "FSA-BE1-01", true),
            (Some("small"), "FSA-NV1-01", false),
        ]
    );
}

fn any_outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::NotMet),
        Just(Outcome::Partial),
        Just(Outcome::Met)
    ]
}

fn any_facts() -> impl Strategy<Value = Vec<ResultFact>> {
    proptest::collection::vec(
        (
            "org-[a-z]{2}",
            0usize..2,
            0usize..2,
            "REQ-[12]",
            any_outcome(),
        ),
        0..40,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(org, bt, size, req, outcome)| {
                let bt = [BusinessType::ShinkinBank, BusinessType::CreditCooperative][bt];
                fact(&org, bt, ["small", "large"][size], &req, outcome)
            })
            .collect()
    })
}

proptest! {
    /// With fewer than k distinct institutions nothing is revealed; otherwise the counts
    /// cover exactly the distinct institutions.
    #[test]
    fn fewer_than_k_reveals_nothing(
        outcomes in proptest::collection::vec(("[a-h]", any_outcome()), 0..20),
        k in MIN_K..10,
    ) {
        let results: Vec<_> = outcomes.iter().map(|(id, o)| OrgOutcome { org_id: id.clone(), outcome: *o }).collect();
        let distinct = results.iter().map(|r| &r.org_id).collect::<std::collections::BTreeSet<_>>().len() as u32;
        let k = K::new(k).expect("valid k");
        match cohort_distribution(&results, k) {
            None => prop_assert!(distinct < k.get()),
            Some(d) => {
                prop_assert!(distinct >= k.get());
                prop_assert_eq!(d.institutions, distinct);
                prop_assert_eq!(d.not_met + d.partial + d.met, distinct);
            }
        }
    }

    /// Nothing any institution or the supervisor is shown holds another institution's
    /// identifier; small cohorts are withheld in every view.
    #[test]
    fn no_identifier_is_ever_revealed(facts in any_facts(), k in MIN_K..7) {
        let k = K::new(k).expect("valid k");
        let all = benchmarks(&facts, k);
        let json = serde_json::to_string(&all).expect("serialises");
        prop_assert!(!json.contains("org-"), "{}", json);
        for b in &all {
            let members = facts.iter()
                .filter(|f| f.cohort == b.cohort && f.requirement_id == b.requirement_id)
                .map(|f| f.org_id.as_str())
                .collect::<std::collections::BTreeSet<_>>();
            prop_assert_eq!(b.distribution.is_some(), members.len() as u32 >= k.get());
        }
        for f in &facts {
            let view = own_positions(&facts, &f.org_id, k);
            let json = serde_json::to_string(&view).expect("serialises");
            prop_assert!(!json.contains("org-"), "{}", json);
            for p in &view {
                if let (Some(d), Some(pos)) = (p.distribution, p.position) {
                    prop_assert_eq!(pos.below + pos.same + pos.above, d.institutions);
                }
                prop_assert_eq!(p.distribution.is_some(), p.position.is_some());
            }
        }
    }
}

/// Finding 9 of issue 18: a bureau may not lower k below the default; the FSA may.
#[test]
fn only_the_national_supervisor_goes_below_the_default() {
    let check = |k: u32, national: bool, expected: Result<u32, u32>| {
        let got = K::set_by(k, national).map(K::get).map_err(|e| e.floor);
        assert_eq!(got, expected, "k {k}, national {national}");
    };
    check(2, true, Ok(2));
    check(1, true, Err(MIN_K));
    check(4, false, Err(DEFAULT_K));
    check(2, false, Err(DEFAULT_K));
    check(5, false, Ok(5));
    check(9, false, Ok(9));
}
