//! SigmaHQ's regression events (Windows event JSON) scanned with SigmaHQ's rules: each
//! rule must fire on its own events. Needs the shared data (skips without it).

use deltawall_detect::input::{Format, SyslogParser};
use deltawall_detect::pipeline::{ScanOptions, scan};
use deltawall_detect::rules::{RuleSource, engine_config, load_rules};
use std::collections::BTreeSet;
use std::time::Duration;

#[test]
fn regression_events_fire_their_rules() {
    let (Some(regression), Some(root)) = (
        crate::shared_data("sigmahq/regression_data"),
        crate::shared_data("sigmahq"),
    ) else {
        return;
    };
    let dirs = ["rules", "rules-emerging-threats", "rules-threat-hunting"];
    let (set, _) = load_rules(&RuleSource::Paths(
        dirs.iter().map(|d| root.join(d)).collect(),
    ))
    .unwrap();
    let (mut engine, _) = deltawall_sigma::Engine::new_partial(&set, engine_config(0));
    let json_inputs: Vec<_> =
        deltawall_detect::input::expand_inputs(std::slice::from_ref(&regression))
            .unwrap()
            .into_iter()
            .filter_map(|i| match i {
                deltawall_detect::input::Input::File(p)
                    if p.extension().is_some_and(|e| e == "json") =>
                {
                    Some(p)
                }
                _ => None,
            })
            .collect();
    let opts = ScanOptions {
        inputs: json_inputs.clone(),
        format: Format::Auto,
        follow: false,
        syslog: SyslogParser { year: 2026 },
        idle_tick: Duration::from_secs(1),
        progress: false,
        max_ratio_keys: deltawall_detect::enrich::MAX_KEYS,
        indicators: None,
    };
    let mut fired = BTreeSet::new();
    let stats = scan(&mut engine, &opts, &mut |a| {
        fired.extend(a.rule_id.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(stats.malformed, 0, "{:?}", stats.malformed_samples);
    // The rule id each regression directory with JSON events tests.
    let mut expected = BTreeSet::new();
    for json in &json_inputs {
        let info = std::fs::read_to_string(json.with_file_name("info.yml")).unwrap();
        let id = info
            .split("rule_metadata:")
            .nth(1)
            .and_then(|r| r.split("id:").nth(1))
            .unwrap();
        expected.insert(id.split_whitespace().next().unwrap().to_owned());
    }
    let missed: Vec<_> = expected.iter().filter(|id| !fired.contains(*id)).collect();
    assert!(expected.len() >= 200, "{} regression rules", expected.len());
    assert!(
        missed.is_empty(),
        "rules silent on their own regression events: {missed:?}"
    );
}
