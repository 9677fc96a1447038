//! The prefilter's choice of witness: the most selective literal of a rule, never a field
//! that only routes the event, so that events which reach a rule's log source but lack its
//! telling literal skip the rule without walking it.

use crate::support::{engine, event};
use deltawall_sigma::LogSource;
use serde_json::json;

/// A converted-style rule: the channel (long, always true after routing), a common path
/// fragment, and the one unusual literal.
const RULE: &str = r#"
title: converted rule
id: 11111111-2222-3333-4444-555555555555
logsource: {product: windows, service: sysmon}
detection:
    selection:
        Channel: 'Microsoft-Windows-Sysmon/Operational'
        EventID: 1
        Image|startswith: 'C:\Windows\System32\'
        CommandLine|contains: 'sekurlsa'
    condition: selection
"#;

/// Rule evaluations (tree walks) for `events` events like `fields`, and the alerts.
fn walks(fields: serde_json::Value, events: usize) -> (u64, usize) {
    let mut e = engine(RULE);
    let ls = LogSource::new(None, Some("windows"), Some("sysmon"));
    let ev = event(fields, Some(1));
    let mut alerts = 0;
    for _ in 0..events {
        e.process(&ls, &ev, &mut |_| alerts += 1);
    }
    (e.rules_evaluated(), alerts)
}

#[test]
fn witness_is_the_unusual_literal_not_the_channel() {
    let common = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
        "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c dir"});
    // The channel and the path hold, the witness does not: the rule is never walked.
    assert_eq!(walks(common, 100), (0, 0));
    let hit = json!({"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
        "Image": "C:\\Windows\\System32\\rundll32.exe",
        "CommandLine": "x.exe sekurlsa::logonpasswords"});
    assert_eq!(walks(hit, 3), (3, 3));
}

#[test]
fn a_rule_with_only_routing_literals_is_always_walked() {
    let yaml = r#"
title: channel only
logsource: {product: windows}
detection:
    selection:
        Channel: 'Microsoft-Windows-Windows Defender/Operational'
        EventID: 5001
    condition: selection
"#;
    let mut e = engine(yaml);
    let ls = LogSource::new(None, Some("windows"), None);
    let mut alerts = 0;
    for (channel, id) in [
        ("Microsoft-Windows-Windows Defender/Operational", 5001),
        ("System", 7),
    ] {
        let ev = event(json!({"Channel": channel, "EventID": id}), Some(1));
        e.process(&ls, &ev, &mut |_| alerts += 1);
    }
    assert_eq!((e.rules_evaluated(), alerts), (2, 1));
}
