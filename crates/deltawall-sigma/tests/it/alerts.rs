//! The alert format other crates consume, pinned with snapshots, and engine counters.

use crate::support::{engine, event};
use deltawall_sigma::{Alert, LogSource};
use serde_json::json;

const RULES: &str = r#"
title: Failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
author: Deltawall tests
tags: [attack.credential-access, attack.t1110]
level: low
logsource: {category: authentication}
detection:
    selection:
        event.outcome: failure
    condition: selection
---
title: Brute force
id: 0e95725d-7320-415d-80f7-004da920fc11
author: Deltawall tests
level: high
correlation:
    type: event_count
    rules: [failed_login]
    group-by: [user.name, source.ip]
    timespan: 5m
    condition: {gte: 3}
    generate: true
"#;

fn alerts() -> (Vec<Alert>, deltawall_sigma::EngineStats) {
    let mut e = engine(RULES);
    let ls = LogSource::new(Some("authentication"), None, None);
    let mut out = Vec::new();
    for t in 0..3 {
        let ev = event(
            json!({"event": {"outcome": "failure"}, "user": {"name": "taro"}, "source": {"ip": "198.51.100.7"}}),
            Some(100 + t),
        );
        e.process(&ls, &ev, &mut |a| out.push(a));
    }
    e.flush(&mut |a| out.push(a));
    (out, e.stats())
}

#[test]
fn alerts_serialise_stably() {
    let (alerts, _) = alerts();
    assert_eq!(alerts.len(), 4);
    insta::assert_json_snapshot!("single_event_alert", alerts[0]);
    insta::assert_json_snapshot!("correlation_alert", alerts[3]);
    let back: Alert = serde_json::from_value(serde_json::to_value(&alerts[3]).unwrap()).unwrap();
    assert_eq!(back, alerts[3]);
}

#[test]
fn stats_count_events_matches_and_alerts() {
    let (_, stats) = alerts();
    assert_eq!((stats.events, stats.matches, stats.alerts), (3, 3, 4));
    assert_eq!(
        (
            stats.late_events,
            stats.evicted_keys,
            stats.active_keys,
            stats.held_events
        ),
        (0, 0, 0, 0)
    );
}

#[test]
fn engine_and_rules_can_move_to_worker_threads() {
    fn send<T: Send>() {}
    send::<deltawall_sigma::Engine>();
    send::<deltawall_sigma::RuleSet>();
    send::<Alert>();
}
