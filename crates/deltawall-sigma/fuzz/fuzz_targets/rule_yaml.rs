//! Any text as a rule file: parsing, compiling and evaluating must never panic or hang.
#![no_main]

use deltawall_event::JsonEvent;
use deltawall_sigma::{Engine, EngineConfig, LogSource, RuleSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut rules = RuleSet::new();
    let mut errors = Vec::new();
    rules.add_yaml_collect(text, "fuzz.yml", &mut errors);
    for e in &errors {
        // Every rejection names the origin and gives a reason.
        assert!(e.to_string().starts_with("fuzz.yml: "));
        assert!(!e.reason.is_empty());
    }
    let (mut engine, _) = Engine::new_partial(&rules, EngineConfig::default());
    let event = serde_json::json!({"a": "x", "b": 1, "c": ["y", {"d": "z"}], "CommandLine": "cmd /c whoami"});
    let event = JsonEvent::new(event, Some(0)).expect("an object");
    let mut sink = |_| {};
    for ls in [
        LogSource::default(),
        LogSource::new(Some("process_creation"), Some("windows"), None),
    ] {
        engine.process(&ls, &event, &mut sink);
    }
    engine.flush(&mut sink);
});
