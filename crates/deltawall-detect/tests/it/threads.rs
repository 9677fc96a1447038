//! `scan --threads`: the alerts of N engine threads are those of one, on random inputs
//! (addresses, accounts, outcomes, times a little out of order, lines that are not
//! events), for rules with correlations grouped by one field (events spread by it), rules
//! whose correlations group by different fields and chain (the engines divide the
//! correlations) and rules without any.

use deltawall_detect::input::{Format, SyslogParser};
use deltawall_detect::pipeline::ScanOptions;
use deltawall_detect::rules::engine_config;
use deltawall_detect::shard::{can_shard, scan_sharded};
use deltawall_sigma::{Engine, RuleSet};
use proptest::prelude::*;
use std::io::Write;
use std::time::Duration;

/// Correlations all grouped by `source.ip` (with another group field on one of them), and
/// a single-event rule.
const GROUPED: &str = r#"
title: login failure
name: failure
logsource: {category: authentication}
detection:
    selection: {event.outcome: failure}
    condition: selection
---
title: many failures from one address
correlation:
    type: event_count
    rules: [failure]
    group-by: [source.ip]
    timespan: 1m
    condition: {gte: 4}
level: high
---
title: many accounts from one address
correlation:
    type: value_count
    rules: [failure]
    group-by: [source.ip, event.action]
    timespan: 2m
    condition: {field: user.name, gte: 3}
level: high
---
title: admin login
logsource: {category: authentication}
detection:
    selection: {user.name: admin, event.outcome: success}
    condition: selection
level: medium
"#;

/// Correlations grouped by different fields, one chained on another, a `generate`
/// correlation and a single-event rule: no field partitions the events.
const DIVIDED: &str = r#"
title: login failure
name: failure
logsource: {category: authentication}
detection:
    selection: {event.outcome: failure}
    condition: selection
---
title: login success
name: success
logsource: {category: authentication}
detection:
    selection: {event.outcome: success}
    condition: selection
---
title: failures from one address
name: burst
correlation: {type: event_count, rules: [failure], group-by: [source.ip], timespan: 1m, condition: {gte: 3}}
---
title: repeated bursts from one address
correlation: {type: event_count, rules: [burst], group-by: [source.ip], timespan: 10m, condition: {gte: 2}}
level: high
---
title: failures for one account
correlation: {type: event_count, rules: [failure], group-by: [user.name], timespan: 1m, condition: {gte: 3}}
level: medium
---
title: accounts from one address
correlation: {type: value_count, rules: [failure, success], group-by: [source.ip], timespan: 2m, condition: {field: user.name, gte: 3}}
level: high
---
title: success after failures
generate: true
correlation: {type: temporal_ordered, rules: [failure, success], group-by: [user.name], timespan: 5m, condition: {gte: 2}}
level: high
---
title: admin login
logsource: {category: authentication}
detection:
    selection: {user.name: admin, event.outcome: success}
    condition: selection
level: medium
"#;

/// Single-event rules only.
const STATELESS: &str = r#"
title: admin anything
logsource: {category: authentication}
detection:
    selection: {user.name: admin}
    condition: selection
---
title: failure from the test net
logsource: {category: authentication}
detection:
    selection:
        source.ip|cidr: 192.0.2.0/24
        event.outcome: failure
    condition: selection
"#;

fn line(ip: u8, user: u8, ok: bool, second: u32) -> String {
    let users = ["alice", "bob", "carol", "admin", "dave"];
    if ip == 5 {
        // No address (the partition field) and no time: such events meet in one engine.
        return format!(
            r#"{{"event":{{"category":"authentication","action":"login","outcome":"{}"}},"user":{{"name":"{}"}}}}"#,
            if ok { "success" } else { "failure" },
            users[user as usize % users.len()],
        );
    }
    format!(
        r#"{{"@timestamp":"2026-03-02T01:{:02}:{:02}Z","event":{{"category":"authentication","action":"login","outcome":"{}"}},"user":{{"name":"{}"}},"source":{{"ip":"192.0.2.{ip}"}}}}"#,
        second / 60,
        second % 60,
        if ok { "success" } else { "failure" },
        users[user as usize % users.len()],
    )
}

/// Sorted JSON of every alert of a scan with `threads` engines, and the threads used.
fn alerts(rules: &str, path: &std::path::Path, threads: usize) -> (Vec<String>, usize) {
    let mut set = RuleSet::new();
    set.add_yaml(rules, "test.yml").unwrap();
    let engines: Vec<Engine> = (0..threads)
        .map(|_| Engine::new(&set, engine_config(30_000_000)).unwrap())
        .collect();
    let opts = ScanOptions {
        inputs: vec![path.to_path_buf()],
        format: Format::Auto,
        follow: false,
        syslog: SyslogParser { year: 2026 },
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    assert!(threads == 1 || can_shard(&engines, &opts));
    let mut out = Vec::new();
    let (stats, _) = scan_sharded(engines, &opts, &mut |a| {
        out.push(serde_json::to_string(a).unwrap());
        Ok(())
    })
    .unwrap();
    out.sort();
    (out, stats.engine_threads)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn threads_give_the_alerts_of_one(
        events in prop::collection::vec((0u8..6, 0u8..5, any::<bool>(), 0u32..30, any::<bool>()), 0..300),
        threads in 2usize..5,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        let mut second = 0u32;
        for (ip, user, ok, step, junk) in events {
            // Mostly forward in time, sometimes back (within and beyond the lateness).
            second = if step == 0 { second.saturating_sub(40) } else { second + step / 8 };
            writeln!(file, "{}", line(ip, user, ok, second.min(3599))).unwrap();
            if junk {
                writeln!(file, "not an event").unwrap();
            }
        }
        drop(file);
        for rules in [GROUPED, DIVIDED, STATELESS] {
            let (one, _) = alerts(rules, &path, 1);
            let (many, used) = alerts(rules, &path, threads);
            prop_assert_eq!(used, threads);
            prop_assert_eq!(one, many);
        }
    }
}

#[test]
fn rules_grouped_by_different_fields_divide_the_correlations() {
    let rules = r#"
title: failure
name: failure
logsource: {category: authentication}
detection:
    selection: {event.outcome: failure}
    condition: selection
---
title: by address
correlation: {type: event_count, rules: [failure], group-by: [source.ip], timespan: 1m, condition: {gte: 2}}
---
title: by account
correlation: {type: event_count, rules: [failure], group-by: [user.name], timespan: 1m, condition: {gte: 2}}
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.jsonl");
    let lines: Vec<String> = (0..6)
        .map(|i| line(i % 2, i % 3, false, u32::from(i)))
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let mut set = RuleSet::new();
    set.add_yaml(rules, "test.yml").unwrap();
    let engine = Engine::new(&set, engine_config(0)).unwrap();
    assert_eq!(engine.partition(), deltawall_sigma::Partition::Single);
    assert_eq!(engine.correlation_parts(), 2);
    let (one, _) = alerts(rules, &path, 1);
    let (two, used) = alerts(rules, &path, 2);
    assert_eq!(used, 2);
    let titles = |a: &[String]| -> Vec<String> {
        let mut t: Vec<String> = a
            .iter()
            .map(|j| serde_json::from_str::<serde_json::Value>(j).unwrap()["title"].to_string())
            .collect();
        t.sort();
        t.dedup();
        t
    };
    // Both correlations fire, one in each engine.
    assert_eq!(titles(&one).len(), 2, "{one:?}");
    assert_eq!(one, two);
}

#[test]
fn a_chain_is_one_part() {
    let mut set = RuleSet::new();
    set.add_yaml(DIVIDED, "test.yml").unwrap();
    let engine = Engine::new(&set, engine_config(0)).unwrap();
    // Five correlations, two of them chained: four parts.
    assert_eq!(engine.correlation_count(), 5);
    assert_eq!(engine.correlation_parts(), 4);
}
