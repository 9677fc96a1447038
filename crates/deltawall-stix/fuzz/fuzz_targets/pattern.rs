//! Pattern parser: must never panic; whatever parses must print to text that reparses to
//! the same tree, and evaluation must not panic.
#![no_main]

use deltawall_stix::pattern::{Observation, matches, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(p) = parse(text) else { return };
    let printed = p.to_string();
    let reparsed = parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not reparse: {e}"));
    assert_eq!(reparsed, p, "{printed}");
    let t = deltawall_stix::Timestamp::parse("2024-01-01T00:00:00Z").expect("constant");
    let objects = serde_json::json!({"0": {"type": "file", "name": "a", "size": 1, "hashes": {"MD5": "00"}},
        "1": {"type": "ipv4-addr", "value": "10.0.0.1"}});
    let obs = Observation {
        first_observed: t.clone(),
        last_observed: t,
        number_observed: 3,
        objects: objects.as_object().map(|m| m.clone().into_iter().collect()).unwrap_or_default(),
    };
    let _ = matches(&p, &[obs.clone(), obs]);
});
