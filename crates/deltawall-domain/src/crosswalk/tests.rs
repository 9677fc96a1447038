use super::*;
use crate::catalog::builtin::fsa_2020_viewpoints;
use crate::posture::{Latest, progress};
use proptest::prelude::*;
use std::sync::OnceLock;

/// The built-in catalog, parsed once for the property test's many cases.
fn fsa() -> &'static crate::catalog::Catalog {
    static C: OnceLock<crate::catalog::Catalog> = OnceLock::new();
    C.get_or_init(|| fsa_2020_viewpoints().unwrap())
}

fn answer(req: &str, outcome: Outcome) -> Answer {
    Answer {
        requirement_id: req.into(),
        outcome,
        justification: (outcome == Outcome::NotApplicable).then(|| "no branch offices".into()),
        maturity: Some(2),
        rationale: "seen in the minutes".into(),
        confidence: Confidence::High,
        evidence: vec!["ev1".into()],
    }
}

fn current(req: &str, outcome: Outcome, origin: Origin) -> (String, Current) {
    (
        req.to_owned(),
        Current {
            answer: answer(req, outcome),
            origin,
        },
    )
}

fn entry(from: &str, to: &str, relationship: Relationship, strength: u8) -> Entry {
    Entry {
        from: from.into(),
        to: to.into(),
        relationship,
        strength,
        rationale: "same thing".into(),
    }
}

#[test]
fn which_relationships_carry_which_results() {
    use Outcome::*;
    use Relationship::*;
    let cases = [
        (Equal, Met, Some(Met)),
        (Equal, Partial, Some(Partial)),
        (Equal, NotMet, Some(NotMet)),
        (Equal, NotApplicable, Some(NotApplicable)),
        (Superset, Met, Some(Met)),
        (Superset, Partial, None),
        (Superset, NotMet, None),
        (Subset, Met, None),
        (Subset, NotMet, None),
        (Intersects, Met, None),
    ];
    for (rel, outcome, expected) in cases {
        assert_eq!(
            carried_outcome(rel, outcome),
            expected,
            "{rel:?} {outcome:?}"
        );
    }
}

#[test]
fn plan_fills_suggests_and_leaves_people_alone() {
    let source: BTreeMap<_, _> = [
        current("A1", Outcome::Met, Origin::Person),
        current("A2", Outcome::NotMet, Origin::Person),
        current("A3", Outcome::Met, Origin::Derived),
        current("A4", Outcome::NotApplicable, Origin::Person),
    ]
    .into();
    let target: BTreeMap<_, _> = [current("B9", Outcome::NotMet, Origin::Person)].into();
    let entries = [
        entry("A1", "B1", Relationship::Superset, 7),
        entry("A2", "B2", Relationship::Superset, 7),
        entry("A3", "B3", Relationship::Equal, 9),
        entry("A1", "B9", Relationship::Equal, 9),
        entry("A1", "B4", Relationship::Equal, 3),
        entry("A4", "B5", Relationship::Equal, 8),
        entry("A1", "B6", Relationship::Intersects, 9),
    ];
    let p = plan(&entries, &source, &target);
    let filled: Vec<(&str, Outcome)> = p
        .fills
        .iter()
        .map(|d| (d.answer.requirement_id.as_str(), d.answer.outcome))
        .collect();
    assert_eq!(
        filled,
        [("B1", Outcome::Met), ("B5", Outcome::NotApplicable)]
    );
    let b5 = &p.fills[1].answer;
    assert_eq!(b5.justification.as_deref(), Some("no branch offices"));
    assert_eq!(b5.maturity, None);
    assert_eq!(b5.confidence, Confidence::Low);
    assert!(b5.rationale.starts_with("derived from A4"));
    let suggested: Vec<&str> = p.suggestions.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(suggested, ["B2", "B4", "B6"]);
}

#[test]
fn disagreeing_sources_are_left_to_a_person_and_rerun_records_nothing() {
    let source: BTreeMap<_, _> = [
        current("A1", Outcome::Met, Origin::Person),
        current("A2", Outcome::NotMet, Origin::Person),
    ]
    .into();
    let entries = [
        entry("A1", "B1", Relationship::Equal, 8),
        entry("A2", "B1", Relationship::Equal, 8),
        entry("A1", "B2", Relationship::Equal, 6),
    ];
    let p = plan(&entries, &source, &BTreeMap::new());
    assert_eq!(p.fills.len(), 1);
    assert_eq!(p.suggestions.len(), 2);
    let target: BTreeMap<_, _> = [(
        "B2".to_owned(),
        Current {
            answer: p.fills[0].answer.clone(),
            origin: Origin::Derived,
        },
    )]
    .into();
    assert!(plan(&entries, &source, &target).fills.is_empty());
}

#[test]
fn the_builtin_mapping_reads_and_names_real_fsa_requirements() {
    let entries = builtin_fsa_to_800_53r5().unwrap();
    assert!(entries.len() >= 30);
    let fsa = fsa_2020_viewpoints().unwrap();
    for (line, e) in &entries {
        assert!(
            fsa.requirement(&e.from).is_some(),
            "line {line}: {}",
            e.from
        );
        assert!(
            e.to.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        );
    }
    // validated against the FSA catalog on both sides, the `to` ids are unknown
    let err = validate(&entries, &fsa, &fsa).unwrap_err();
    assert!(
        matches!(
            err,
            MappingError::UnknownRequirement {
                line: 2,
                side: "to",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn csv_errors_name_line_and_column() {
    let cases = [
        ("", "line 1, column 0: the file is empty"),
        (
            "from,to,relationship,strength\n",
            "line 1, column 0: column \"rationale\" is missing",
        ),
        (
            "from,to,relationship,strength,rationale,x\n",
            "line 1, column 6: unknown column \"x\"",
        ),
        (
            "from,to,relationship,strength,rationale\nA,B,equals,5,r\n",
            "line 2, column 3: relationship must be equal, subset, superset or intersects",
        ),
        (
            "from,to,relationship,strength,rationale\nA,B,equal,11,r\n",
            "line 2, column 4: strength must be a whole number from 0 to 10",
        ),
        (
            "from,to,relationship,strength,rationale\n\"A\nx\",B,equal,5,r\nA,B\n",
            "line 4, column 0: 2 fields where the header has 5",
        ),
        (
            "from,to,relationship,strength,rationale\nA,B,equal,5,\"open\n",
            "line 2, column 5: a quoted field is not closed",
        ),
        (
            "from,to,relationship,strength,rationale\nA,B\"x,equal,5,r\n",
            "line 2, column 2: a quote inside an unquoted field",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            parse_csv(text).unwrap_err().to_string(),
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn csv_round_trips_defused_cells() {
    let e = vec![Entry {
        rationale: "-covers \"all\", see §2".into(),
        ..entry("A1", "B1", Relationship::Subset, 4)
    }];
    let mut text = String::from("from,to,relationship,strength,rationale\r\n");
    for row in to_rows(&e) {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let c = if c.starts_with('-') {
                    format!("'{c}")
                } else {
                    c.clone()
                };
                if c.contains([',', '"']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c
                }
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    }
    let back: Vec<Entry> = parse_csv(&text)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(back, e);
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop::sample::select(Outcome::ALL.to_vec())
}

fn origin() -> impl Strategy<Value = Origin> {
    prop::sample::select(vec![Origin::Person, Origin::Carried, Origin::Derived])
}

fn relationship() -> impl Strategy<Value = Relationship> {
    prop::sample::select(Relationship::ALL.to_vec())
}

fn answers(prefix: &'static str) -> impl Strategy<Value = BTreeMap<String, Current>> {
    prop::collection::btree_map(0u8..6, (outcome(), origin()), 0..6).prop_map(move |m| {
        m.into_iter()
            .map(|(i, (o, g))| current(&format!("{prefix}{i}"), o, g))
            .collect()
    })
}

proptest! {
    /// Pre-fill never touches a requirement a person answered (or one carried and awaiting
    /// its own review), only ever takes a person's answer as a source, and whatever it
    /// fills counts as unreviewed in progress until a person confirms it.
    #[test]
    fn prefill_never_overwrites_or_counts_as_a_person(
        source in answers("A"),
        target in answers("B"),
        raw in prop::collection::vec((0u8..6, 0u8..6, relationship(), 0u8..=10), 0..12),
    ) {
        let entries: Vec<Entry> = raw
            .iter()
            .map(|(f, t, r, s)| entry(&format!("A{f}"), &format!("B{t}"), *r, *s))
            .collect();
        let p = plan(&entries, &source, &target);
        let mut after = target.clone();
        for d in &p.fills {
            let to = &d.answer.requirement_id;
            prop_assert!(target.get(to).is_none_or(|t| t.origin == Origin::Derived));
            let src = &source[&d.source_requirement];
            prop_assert_eq!(src.origin, Origin::Person);
            prop_assert_eq!(carried_outcome(d.relationship, src.answer.outcome), Some(d.answer.outcome));
            prop_assert!(d.strength >= MIN_CARRY_STRENGTH);
            after.insert(to.clone(), Current { answer: d.answer.clone(), origin: Origin::Derived });
        }
        let persons_before = target.values().filter(|c| c.origin.is_confirmed()).count();
        let persons_after = after.values().filter(|c| c.origin.is_confirmed()).count();
        prop_assert_eq!(persons_before, persons_after);
        for (k, c) in &target {
            if c.origin != Origin::Derived {
                prop_assert_eq!(&after[k], c);
            }
        }
        // progress counts derived answers as awaiting review, never as answered
        let catalog = fsa();
        let ids: Vec<String> = catalog.requirements().map(|(_, r)| r.id.clone()).take(6).collect();
        let latest: Vec<Latest> = after
            .values()
            .filter_map(|c| {
                let i: usize = c.answer.requirement_id[1..].parse().ok()?;
                Some(Latest {
                    requirement_id: ids[i].clone(),
                    outcome: c.answer.outcome,
                    maturity: None,
                    carried: !c.origin.is_confirmed(),
                })
            })
            .collect();
        let answered: usize = progress(catalog, &latest).iter().map(|p| p.answered).sum();
        prop_assert_eq!(answered, persons_after);
        // running it again on the result fills nothing new
        prop_assert!(plan(&entries, &source, &after).fills.is_empty());
    }
}
