//! A partition restored from its checkpoint goes on exactly as if it had never stopped:
//! the same alerts, none repeated, whatever the point where it stopped.

use deltawall_detect::rules::engine_config;
use deltawall_sigma::RuleSet;
use deltawall_stream::checkpoint::Checkpoint;
use deltawall_stream::state::{Outcome, PartitionState, Rules};

const RULES: &str = r#"
title: Login failure
id: 5b0e0f4c-0000-4000-8000-000000000001
name: t_login_failure
logsource: {category: authentication}
detection:
    selection: {event.outcome: failure}
    condition: selection
level: low
---
title: Admin sign-in attempt
id: 5b0e0f4c-0000-4000-8000-000000000002
logsource: {category: authentication}
detection:
    selection: {user.name: admin}
    condition: selection
level: high
---
title: Brute force from one address
id: 5b0e0f4c-0000-4000-8000-000000000003
correlation:
    type: event_count
    rules: [t_login_failure]
    group-by: [source.ip]
    timespan: 10m
    condition: {gte: 5}
level: high
"#;

fn rules(partitions: usize) -> Rules {
    let mut set = RuleSet::new();
    set.add_yaml(RULES, "test.yml").unwrap();
    Rules::new(set, engine_config(0), partitions).unwrap()
}

fn line(sec: u32, ip: &str, user: &str, outcome: &str) -> String {
    format!(
        r#"{{"@timestamp":"2026-03-02T01:{:02}:{:02}Z","event":{{"category":["authentication"],"outcome":"{outcome}"}},"source":{{"ip":"{ip}"}},"user":{{"name":"{user}"}}}}"#,
        sec / 60,
        sec % 60
    )
}

/// Failures from three addresses, interleaved, 20 s apart, with customers' successes
/// and an admin attempt between them.
fn events() -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..12u32 {
        for (k, ip) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
            .iter()
            .enumerate()
        {
            out.push(line(
                i * 20 + k as u32,
                ip,
                &format!("victim{i}"),
                "failure",
            ));
        }
        out.push(line(i * 20 + 5, "198.51.100.7", "u1", "success"));
        if i == 3 || i == 9 {
            out.push(line(i * 20 + 6, "198.51.100.8", "admin", "failure"));
        }
    }
    out
}

fn feed(
    rules: &Rules,
    state: &mut PartitionState,
    lines: &[String],
    from_seq: u64,
    ids: &mut Vec<String>,
) {
    for (i, l) in lines.iter().enumerate() {
        let outcome = state.on_message(rules, from_seq + i as u64, "auth", l.as_bytes(), 0);
        assert_eq!(outcome, Outcome::Processed);
        ids.extend(state.outbox().iter().map(|o| o.id.clone()));
        state.clear_outbox();
    }
}

#[test]
fn restoring_at_any_point_gives_the_alerts_of_an_uninterrupted_run() {
    let rules = rules(1);
    let lines = events();
    let mut straight = Vec::new();
    let mut s = PartitionState::new(&rules, 0);
    feed(&rules, &mut s, &lines, 1, &mut straight);
    // Two admin attempts, and each address reaches five failures twice in 12.
    assert_eq!(straight.len(), 2 + 3 * 2, "{straight:?}");

    for cut in 1..lines.len() {
        let mut ids = Vec::new();
        let mut first = PartitionState::new(&rules, 0);
        feed(&rules, &mut first, &lines[..cut], 1, &mut ids);
        let bytes = first.checkpoint(&rules).encode();
        let mut second = PartitionState::restore(&rules, Checkpoint::decode(&bytes, 0, 1).unwrap());
        // Redelivered messages the checkpoint covers are skipped.
        let again = second.on_message(&rules, cut as u64, "auth", lines[cut - 1].as_bytes(), 0);
        assert_eq!(again, Outcome::Covered);
        assert!(
            second.outbox().is_empty(),
            "replay must not emit again (cut {cut})"
        );
        feed(&rules, &mut second, &lines[cut..], cut as u64 + 1, &mut ids);
        assert_eq!(ids, straight, "cut after {cut} events");
    }
}

#[test]
fn a_restart_without_the_windows_would_lose_the_alert() {
    // The control for the test above: a fresh state after the cut misses correlations.
    let rules = rules(1);
    let lines = events();
    let cut = 12; // three rounds of failures: three per address, below five
    let mut ids = Vec::new();
    let mut first = PartitionState::new(&rules, 0);
    feed(&rules, &mut first, &lines[..cut], 1, &mut ids);
    let mut fresh = PartitionState::new(&rules, 0);
    feed(&rules, &mut fresh, &lines[cut..], cut as u64 + 1, &mut ids);
    assert!(ids.len() < 8, "{ids:?}");
}

#[test]
fn malformed_and_misrouted_messages_are_reported_not_evaluated() {
    let rules = rules(4);
    let mut s = PartitionState::new(&rules, 0);
    let o = s.on_message(&rules, 1, "auth", b"{\"unterminated\": ", 0);
    assert!(
        matches!(o, Outcome::Malformed(ref r) if !r.is_empty()),
        "{o:?}"
    );
    assert!(matches!(
        s.on_message(&rules, 2, "auth", b"", 0),
        Outcome::Malformed(_)
    ));
    assert!(
        matches!(s.on_message(&rules, 3, "auth", &[0xff, 0xfe], 0), Outcome::Malformed(ref r) if r.contains("UTF-8"))
    );
    let mut elsewhere = 0;
    for (i, ip) in [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
        "203.0.113.4",
        "203.0.113.5",
    ]
    .iter()
    .enumerate()
    {
        let l = line(i as u32, ip, "u", "failure");
        let key_home = deltawall_stream::subjects::partition_of(Some(ip), 4);
        match s.on_message(&rules, 10 + i as u64, "auth", l.as_bytes(), 0) {
            Outcome::Elsewhere(p) => {
                assert_eq!(p, key_home);
                elsewhere += 1;
            }
            Outcome::Processed => assert_eq!(key_home, 0),
            other => panic!("{other:?}"),
        }
    }
    assert!(elsewhere > 0);
    assert_eq!(s.counters.malformed, 3);
    assert_eq!(s.counters.rerouted, elsewhere);
}

#[test]
fn a_checkpoint_of_another_layout_is_refused_with_the_reason() {
    let rules = rules(2);
    let mut s = PartitionState::new(&rules, 1);
    let bytes = s.checkpoint(&rules).encode();
    let err = Checkpoint::decode(&bytes, 1, 3).unwrap_err().to_string();
    assert!(err.contains("partition 1 of 2"), "{err}");
    let err = Checkpoint::decode(b"{\"version\": 1,", 0, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1"), "{err}");
}
