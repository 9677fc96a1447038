//! Correlation semantics: each type, chaining, aliases, `generate`, lateness, bounded state,
//! and a property test against a naive reference that recomputes every window.

use crate::support::{engine_with, event};
use deltawall_event::JsonEvent;
use deltawall_sigma::{Alert, AlertKind, Engine, EngineConfig, LogSource};
use proptest::prelude::*;
use serde_json::json;

const BASE: &str = "title: rule a\nname: rule_a\nlogsource: {product: test}\ndetection: {sel: {kind: a}, condition: sel}\n---\ntitle: rule b\nname: rule_b\nlogsource: {product: test}\ndetection: {sel: {kind: b}, condition: sel}\n---\ntitle: rule c\nname: rule_c\nlogsource: {product: test}\ndetection: {sel: {kind: c}, condition: sel}\n";

fn ls() -> LogSource {
    LogSource::new(None, Some("test"), None)
}

/// A correlation over the base rules (`rules` is a YAML flow list).
fn correlation(kind: &str, rules: &str, timespan: &str, condition: &str) -> String {
    format!(
        "title: corr\nid: c0\ncorrelation:\n    type: {kind}\n    rules: {rules}\n    group-by: [user]\n    timespan: {timespan}\n    condition: {condition}\n---\n{BASE}"
    )
}

/// One input event: (time in seconds, kind, user, value).
type Input = (i64, &'static str, &'static str, i64);

fn events(inputs: &[Input]) -> Vec<JsonEvent> {
    inputs
        .iter()
        .map(|(t, k, u, v)| event(json!({"kind": k, "user": u, "v": v}), Some(*t)))
        .collect()
}

fn run_all(engine: &mut Engine, inputs: &[Input]) -> Vec<Alert> {
    let mut out = Vec::new();
    for e in events(inputs) {
        engine.process(&ls(), &e, &mut |a| out.push(a));
    }
    engine.flush(&mut |a| out.push(a));
    out
}

/// (group value, first seen s, last seen s, metric) of each correlation alert; the base
/// rules that the correlation does not reference report single matches, which are skipped.
fn summary(alerts: &[Alert]) -> Vec<(String, i64, i64, f64)> {
    alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Correlation)
        .map(|a| {
            (
                a.group[0].1.clone(),
                a.first_seen_us.unwrap() / 1_000_000,
                a.last_seen_us.unwrap() / 1_000_000,
                a.value.unwrap(),
            )
        })
        .collect()
}

/// Runs a correlation and returns (user, first_seen s, last_seen s, metric) per alert.
#[track_caller]
fn check(yaml: &str, inputs: &[Input], expected: &[(&str, i64, i64, f64)]) {
    let mut engine = engine_with(yaml, EngineConfig::default());
    let got = summary(&run_all(&mut engine, inputs));
    let expected: Vec<(String, i64, i64, f64)> = expected
        .iter()
        .map(|(u, f, l, m)| (u.to_string(), *f, *l, *m))
        .collect();
    assert_eq!(got, expected, "{yaml}");
}

#[test]
fn event_count_slides_per_group_and_restarts_after_firing() {
    let yaml = correlation("event_count", "[rule_a]", "10s", "{gte: 3}");
    check(
        &yaml,
        &[
            (0, "a", "u1", 0),
            (5, "a", "u1", 0),
            (5, "a", "u2", 0),
            (11, "a", "u1", 0),
        ],
        &[],
    );
    check(
        &yaml,
        &[
            (0, "a", "u1", 0),
            (5, "a", "u1", 0),
            (10, "a", "u1", 0),
            (12, "a", "u1", 0),
        ],
        &[("u1", 0, 10, 3.0)],
    );
    check(
        &yaml,
        &[
            (0, "a", "u1", 0),
            (1, "a", "u1", 0),
            (2, "a", "u1", 0),
            (3, "a", "u1", 0),
            (4, "a", "u1", 0),
            (5, "a", "u1", 0),
        ],
        &[("u1", 0, 2, 3.0), ("u1", 3, 5, 3.0)],
    );
    check(
        &yaml,
        &[(0, "b", "u1", 0), (1, "b", "u1", 0), (2, "b", "u1", 0)],
        &[],
    );
}

#[test]
fn value_count_counts_distinct_values() {
    let yaml = correlation("value_count", "[rule_a]", "1m", "{field: v, gte: 3}");
    check(
        &yaml,
        &[
            (0, "a", "u1", 1),
            (1, "a", "u1", 1),
            (2, "a", "u1", 2),
            (3, "a", "u1", 2),
            (4, "a", "u1", 3),
        ],
        &[("u1", 0, 4, 3.0)],
    );
    check(
        &yaml,
        &[(0, "a", "u1", 1), (1, "a", "u1", 2), (70, "a", "u1", 3)],
        &[],
    );
}

#[test]
fn value_sum_avg_and_percentile() {
    check(
        &correlation("value_sum", "[rule_a]", "1m", "{field: v, gt: 100}"),
        &[(0, "a", "u1", 60), (1, "a", "u1", 30), (2, "a", "u1", 20)],
        &[("u1", 0, 2, 110.0)],
    );
    check(
        &correlation("value_avg", "[rule_a]", "1m", "{field: v, gte: 50}"),
        &[(0, "a", "u1", 10), (1, "a", "u1", 100)],
        &[("u1", 0, 1, 55.0)],
    );
    // The share of inputs with the current value: 1 of 4 inputs = 25 %.
    check(
        &correlation("value_percentile", "[rule_a]", "1m", "{field: v, lte: 25}"),
        &[
            (0, "a", "u1", 1),
            (1, "a", "u1", 1),
            (2, "a", "u1", 1),
            (3, "a", "u1", 9),
        ],
        &[("u1", 0, 3, 25.0)],
    );
}

#[test]
fn temporal_needs_every_rule_and_ordered_needs_the_order() {
    let temporal = correlation("temporal", "[rule_a, rule_b, rule_c]", "10s", "{gte: 3}");
    check(
        &temporal,
        &[(0, "c", "u1", 0), (1, "b", "u1", 0), (2, "a", "u1", 0)],
        &[("u1", 0, 2, 3.0)],
    );
    check(
        &temporal,
        &[(0, "c", "u1", 0), (1, "b", "u2", 0), (2, "a", "u1", 0)],
        &[],
    );
    let ordered = "title: corr\ncorrelation:\n    type: temporal_ordered\n    rules: [rule_a, rule_b, rule_c]\n    group-by: [user]\n    timespan: 10s\n---\n".to_owned() + BASE;
    check(
        &ordered,
        &[(0, "c", "u1", 0), (1, "b", "u1", 0), (2, "a", "u1", 0)],
        &[],
    );
    check(
        &ordered,
        &[
            (0, "a", "u1", 0),
            (1, "c", "u1", 0),
            (2, "b", "u1", 0),
            (3, "c", "u1", 0),
        ],
        &[("u1", 0, 3, 3.0)],
    );
    check(
        &ordered,
        &[(0, "a", "u1", 0), (1, "b", "u1", 0), (20, "c", "u1", 0)],
        &[],
    );
}

#[test]
fn specification_example_failed_logins_then_success() {
    let yaml = r#"
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
author: Florian Roth (Nextron Systems)
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
"#;
    let mut engine = engine_with(yaml, EngineConfig::default());
    let ls = LogSource::new(None, Some("windows"), Some("security"));
    let mut alerts = Vec::new();
    let mut feed = |t: i64, id: i64, user: &str, alerts: &mut Vec<Alert>| {
        engine.process(
            &ls,
            &event(json!({"EventID": id, "User": user}), Some(t)),
            &mut |a| alerts.push(a),
        );
    };
    for t in 0..10 {
        feed(t, 4625, "alice", &mut alerts);
        feed(t, 4625, "bob", &mut alerts);
    }
    feed(30, 4624, "alice", &mut alerts);
    feed(700, 4624, "bob", &mut alerts);
    engine.flush(&mut |a| alerts.push(a));
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(
        a.rule_id.as_deref(),
        Some("b180ead8-d58f-40b2-ae54-c8940995b9b6")
    );
    assert_eq!(a.group, [("User".to_owned(), "alice".to_owned())]);
    assert_eq!(a.author.as_deref(), Some("Florian Roth (Nextron Systems)"));
    assert_eq!(
        (a.first_seen_us, a.last_seen_us),
        (Some(9_000_000), Some(30_000_000))
    );
}

#[test]
fn generate_also_reports_referenced_rules() {
    let yaml = correlation("event_count", "[rule_a]", "10s", "{gte: 2}").replacen(
        "    condition:",
        "    generate: true\n    condition:",
        1,
    );
    let mut engine = engine_with(&yaml, EngineConfig::default());
    let alerts = run_all(
        &mut engine,
        &[(0, "a", "u1", 0), (1, "a", "u1", 0), (2, "b", "u1", 0)],
    );
    let kinds: Vec<_> = alerts.iter().map(|a| (a.kind, a.title.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (AlertKind::Match, "rule a"),
            (AlertKind::Match, "rule a"),
            (AlertKind::Correlation, "corr"),
            (AlertKind::Match, "rule b")
        ]
    );
}

#[test]
fn aliases_group_different_fields() {
    let yaml = format!(
        "title: corr\ncorrelation:\n    type: temporal\n    rules: [rule_a, rule_b]\n    group-by: [who]\n    timespan: 10s\n    aliases:\n        who:\n            rule_a: user\n            rule_b: target\n---\n{BASE}"
    );
    let mut engine = engine_with(&yaml, EngineConfig::default());
    let mut alerts = Vec::new();
    for e in [
        event(json!({"kind": "a", "user": "x"}), Some(0)),
        event(
            json!({"kind": "b", "target": "x", "user": "other"}),
            Some(1),
        ),
    ] {
        engine.process(&ls(), &e, &mut |a| alerts.push(a));
    }
    engine.flush(&mut |a| alerts.push(a));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group, [("who".to_owned(), "x".to_owned())]);
}

#[test]
fn out_of_order_within_lateness_is_reordered_and_beyond_is_dropped() {
    let yaml = correlation("temporal_ordered", "[rule_a, rule_b]", "10s", "{gte: 2}");
    let late = EngineConfig {
        allowed_lateness_us: 5_000_000,
        ..EngineConfig::default()
    };
    // b arrives before a but a's time is earlier: within 5 s lateness the order is restored.
    let mut engine = engine_with(&yaml, late.clone());
    assert_eq!(
        run_all(&mut engine, &[(3, "b", "u1", 0), (1, "a", "u1", 0)]).len(),
        1
    );
    let mut engine = engine_with(&yaml, EngineConfig::default());
    assert_eq!(
        run_all(&mut engine, &[(3, "b", "u1", 0), (1, "a", "u1", 0)]).len(),
        0
    );
    assert_eq!(engine.stats().late_events, 1);
    let mut engine = engine_with(&yaml, late);
    assert_eq!(
        run_all(&mut engine, &[(10, "b", "u1", 0), (1, "a", "u1", 0)]).len(),
        0
    );
    assert_eq!(engine.stats().late_events, 1);
}

#[test]
fn key_cap_evicts_and_counts() {
    let yaml = correlation("event_count", "[rule_a]", "1h", "{gte: 2}");
    let config = EngineConfig {
        max_correlation_keys: 10,
        ..EngineConfig::default()
    };
    let mut engine = engine_with(&yaml, config);
    let users: Vec<String> = (0..1000).map(|i| format!("u{i}")).collect();
    let mut alerts = 0;
    for (i, u) in users.iter().enumerate() {
        engine.process(
            &ls(),
            &event(json!({"kind": "a", "user": u}), Some(i as i64)),
            &mut |_| alerts += 1,
        );
        assert!(engine.stats().active_keys <= 10);
    }
    assert_eq!(engine.stats().evicted_keys, 990);
    // The newest groups survive: a second event for the last user fires.
    engine.process(
        &ls(),
        &event(json!({"kind": "a", "user": "u999"}), Some(1000)),
        &mut |_| alerts += 1,
    );
    assert_eq!(alerts, 1);
}

#[test]
fn correlation_references_are_checked() {
    let mut rules = deltawall_sigma::RuleSet::new();
    rules.add_yaml("title: c\ncorrelation: {type: event_count, rules: [missing], group-by: [u], timespan: 1m, condition: {gte: 1}}\n---\ntitle: d\nname: d\ncorrelation: {type: event_count, rules: [e], group-by: [u], timespan: 1m, condition: {gte: 1}}\n---\ntitle: e\nname: e\ncorrelation: {type: event_count, rules: [d], group-by: [u], timespan: 1m, condition: {gte: 1}}\n", "refs.yml").unwrap();
    let errors = Engine::new(&rules, EngineConfig::default())
        .err()
        .unwrap()
        .errors;
    let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "no rule or correlation has id or name `missing`",
            "correlations reference each other in a cycle",
            "correlations reference each other in a cycle"
        ]
    );
}

// ---- property test against a naive reference --------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Kind {
    EventCount,
    ValueCount,
    Temporal,
    Ordered,
    Sum,
    Avg,
    Percentile,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::EventCount => "event_count",
            Kind::ValueCount => "value_count",
            Kind::Temporal => "temporal",
            Kind::Ordered => "temporal_ordered",
            Kind::Sum => "value_sum",
            Kind::Avg => "value_avg",
            Kind::Percentile => "value_percentile",
        }
    }
}

/// A condition operator's name and meaning.
type Op = (&'static str, fn(f64, f64) -> bool);

const OPS: [Op; 6] = [
    ("gt", |a, b| a > b),
    ("gte", |a, b| a >= b),
    ("lt", |a, b| a < b),
    ("lte", |a, b| a <= b),
    ("eq", |a, b| a == b),
    ("neq", |a, b| a != b),
];

#[derive(Debug, Clone)]
struct Case {
    kind: Kind,
    timespan: i64,
    op: usize,
    threshold: i64,
    lateness: i64,
    /// Arrival order: (time s, rule 0..3, group 0..3, value 0..5).
    inputs: Vec<(i64, usize, usize, i64)>,
}

/// (group, first, last, metric) for each firing, recomputed from scratch for every input.
fn reference(case: &Case) -> Vec<(String, i64, i64, f64)> {
    let mut max_ts = i64::MIN;
    let mut accepted: Vec<(i64, usize, usize, i64)> = Vec::new();
    for &input in &case.inputs {
        max_ts = max_ts.max(input.0);
        if input.0 >= max_ts - case.lateness {
            accepted.push(input);
        }
    }
    accepted.sort_by_key(|i| i.0); // stable: arrival order breaks ties
    let mut fired = Vec::new();
    let mut reset_after: Vec<Option<usize>> = vec![None; 3];
    for k in 0..accepted.len() {
        let (t, _, g, v) = accepted[k];
        let window: Vec<(i64, usize, usize, i64)> = (0..=k)
            .filter(|&j| {
                accepted[j].2 == g
                    && reset_after[g].is_none_or(|r| j > r)
                    && accepted[j].0 >= t - case.timespan
            })
            .map(|j| accepted[j])
            .collect();
        let metric = match case.kind {
            Kind::EventCount => window.len() as f64,
            Kind::ValueCount => {
                let mut vals: Vec<i64> = window.iter().map(|w| w.3).collect();
                vals.sort();
                vals.dedup();
                vals.len() as f64
            }
            Kind::Temporal => (0..3).filter(|r| window.iter().any(|w| w.1 == *r)).count() as f64,
            Kind::Ordered => {
                let mut next = 0;
                for w in &window {
                    if next < 3 && w.1 == next {
                        next += 1;
                    }
                }
                next as f64
            }
            Kind::Sum => window.iter().map(|w| w.3 as f64).sum(),
            Kind::Avg => window.iter().map(|w| w.3 as f64).sum::<f64>() / window.len() as f64,
            Kind::Percentile => {
                let same = window.iter().filter(|w| w.3 == v).count();
                f64::from(same as u32) * 100.0 / f64::from(window.len() as u32)
            }
        };
        let (_, test) = OPS[case.op];
        if test(metric, case.threshold as f64) {
            fired.push((format!("g{g}"), window[0].0, t, metric));
            reset_after[g] = Some(k);
        }
    }
    fired
}

fn engine_result(case: &Case) -> Vec<(String, i64, i64, f64)> {
    let rules = match case.kind {
        Kind::Temporal | Kind::Ordered => "[rule_a, rule_b, rule_c]",
        _ => "[rule_abc]",
    };
    let condition = match case.kind {
        Kind::Ordered => String::new(),
        Kind::EventCount | Kind::Temporal => format!(
            "    condition: {{{}: {}}}\n",
            OPS[case.op].0, case.threshold
        ),
        _ => format!(
            "    condition: {{field: v, {}: {}}}\n",
            OPS[case.op].0, case.threshold
        ),
    };
    let yaml = format!(
        "title: corr\ncorrelation:\n    type: {}\n    rules: {rules}\n    group-by: [user]\n    timespan: {}s\n{condition}---\n{BASE}---\ntitle: any\nname: rule_abc\nlogsource: {{product: test}}\ndetection: {{sel: {{kind: [a, b, c]}}, condition: sel}}\n",
        case.kind.name(),
        case.timespan
    );
    let config = EngineConfig {
        allowed_lateness_us: case.lateness * 1_000_000,
        ..EngineConfig::default()
    };
    let mut engine = engine_with(&yaml, config);
    let mut out = Vec::new();
    for &(t, r, g, v) in &case.inputs {
        let kind = ["a", "b", "c"][r];
        let e = event(
            json!({"kind": kind, "user": format!("g{g}"), "v": v}),
            Some(t),
        );
        engine.process(&ls(), &e, &mut |a| out.push(a));
    }
    engine.flush(&mut |a| out.push(a));
    summary(&out)
}

fn case_strategy() -> impl Strategy<Value = Case> {
    let kind = prop_oneof![
        Just(Kind::EventCount),
        Just(Kind::ValueCount),
        Just(Kind::Temporal),
        Just(Kind::Ordered),
        Just(Kind::Sum),
        Just(Kind::Avg),
        Just(Kind::Percentile),
    ];
    (
        kind,
        1i64..30,
        0usize..6,
        0i64..12,
        prop_oneof![Just(0i64), Just(3), Just(50)],
        prop::collection::vec((0i64..60, 0usize..3, 0usize..3, 0i64..5), 0..40),
    )
        .prop_map(|(kind, timespan, op, threshold, lateness, inputs)| {
            let op = if matches!(kind, Kind::Ordered) { 1 } else { op };
            let threshold = match kind {
                Kind::Ordered => 3,
                Kind::Percentile => threshold * 10,
                _ => threshold,
            };
            Case {
                kind,
                timespan,
                op,
                threshold,
                lateness,
                inputs,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn correlations_match_a_naive_reference(case in case_strategy()) {
        // Results are compared in firing order, which both sides produce in event time.
        prop_assert_eq!(engine_result(&case), reference(&case), "{:?}", case);
    }
}

#[test]
fn value_count_over_several_fields_counts_tuples() {
    let yaml = correlation(
        "value_count",
        "[rule_a]",
        "1m",
        "{field: [v, kind], gte: 2}",
    );
    check(&yaml, &[(0, "a", "u1", 1), (1, "a", "u1", 1)], &[]);
    check(
        &yaml,
        &[(0, "a", "u1", 1), (1, "a", "u1", 2)],
        &[("u1", 0, 1, 2.0)],
    );
}

#[test]
fn heartbeats_release_late_tolerant_windows() {
    let yaml = correlation("event_count", "[rule_a]", "10s", "{gte: 2}");
    let config = EngineConfig {
        allowed_lateness_us: 60_000_000,
        ..EngineConfig::default()
    };
    let mut engine = engine_with(&yaml, config);
    let mut alerts = Vec::new();
    for e in events(&[(0, "a", "u1", 0), (1, "a", "u1", 0)]) {
        engine.process(&ls(), &e, &mut |a| alerts.push(a));
    }
    assert!(alerts.is_empty(), "held back for the lateness");
    engine.advance_to(30_000_000, &mut |a| alerts.push(a));
    assert!(alerts.is_empty(), "still within the lateness");
    engine.advance_to(61_000_000, &mut |a| alerts.push(a));
    assert_eq!(summary(&alerts), [("u1".to_owned(), 0, 1, 2.0)]);
}

#[test]
fn chained_correlations_pass_group_values_and_only_the_outer_one_alerts() {
    let yaml = format!(
        "title: outer\ncorrelation:\n    type: event_count\n    rules: [inner]\n    group-by: [user]\n    timespan: 1h\n    condition: {{gte: 2}}\n---\ntitle: inner\nname: inner\ncorrelation:\n    type: event_count\n    rules: [rule_a]\n    group-by: [user]\n    timespan: 10s\n    condition: {{gte: 2}}\n---\n{BASE}"
    );
    let mut engine = engine_with(&yaml, EngineConfig::default());
    let alerts = run_all(
        &mut engine,
        &[
            (0, "a", "u1", 0),
            (1, "a", "u1", 0),
            (100, "a", "u1", 0),
            (101, "a", "u1", 0),
            (102, "a", "u2", 0),
        ],
    );
    let titles: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Correlation)
        .map(|a| (a.title.as_str(), a.group[0].1.as_str()))
        .collect();
    assert_eq!(titles, [("outer", "u1")]);
}

#[test]
fn events_without_time_use_the_newest_time_seen() {
    let yaml = correlation("event_count", "[rule_a]", "10s", "{gte: 3}");
    let mut engine = engine_with(&yaml, EngineConfig::default());
    let mut alerts = Vec::new();
    engine.process(
        &ls(),
        &event(json!({"kind": "a", "user": "u"}), Some(100)),
        &mut |a| alerts.push(a),
    );
    for _ in 0..2 {
        engine.process(
            &ls(),
            &event(json!({"kind": "a", "user": "u"}), None),
            &mut |a| alerts.push(a),
        );
    }
    engine.flush(&mut |a| alerts.push(a));
    assert_eq!(summary(&alerts), [("u".to_owned(), 100, 100, 3.0)]);
}

#[test]
fn total_held_events_are_capped() {
    let yaml = correlation("event_count", "[rule_a]", "1h", "{gte: 1000}");
    let config = EngineConfig {
        max_correlation_events: 50,
        ..EngineConfig::default()
    };
    let mut engine = engine_with(&yaml, config);
    for i in 0..200 {
        let user = format!("u{}", i % 20);
        engine.process(
            &ls(),
            &event(json!({"kind": "a", "user": user}), Some(i)),
            &mut |_| {},
        );
    }
    let stats = engine.stats();
    assert!(stats.evicted_keys > 0, "{stats:?}");
    assert!(stats.active_keys <= 20, "{stats:?}");
    assert!(stats.held_events <= 50, "{stats:?}");
}
