//! Shared helpers: building engines from YAML, events from JSON, and locating the shared
//! reference data.

use deltawall_event::JsonEvent;
use deltawall_sigma::{Alert, Engine, EngineConfig, LogSource, RuleSet};
use serde_json::Value;
use std::path::PathBuf;

/// The shared reference data folder (`../shared/data` beside the project, or
/// `$DELTAWALL_SHARED_DATA`), or `None` (with a printed reason) when it is absent.
/// With `DELTAWALL_REQUIRE_SHARED=1` (CI) an absent folder fails the test instead.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("DELTAWALL_SHARED_DATA").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
        PathBuf::from,
    );
    let path = root.join(sub);
    if path.is_dir() {
        return Some(path);
    }
    if std::env::var("DELTAWALL_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!(
            "shared data {} is required (DELTAWALL_REQUIRE_SHARED=1) but absent",
            path.display()
        );
    }
    eprintln!("SKIPPED: shared data {} is absent", path.display());
    None
}

/// An engine over one YAML source, failing the test on any rejection.
#[track_caller]
pub fn engine(yaml: &str) -> Engine {
    engine_with(yaml, EngineConfig::default())
}

/// An engine over one YAML source with a configuration.
#[track_caller]
pub fn engine_with(yaml: &str, config: EngineConfig) -> Engine {
    let mut rules = RuleSet::new();
    rules
        .add_yaml(yaml, "test.yml")
        .unwrap_or_else(|e| panic!("{e}"));
    Engine::new(&rules, config).unwrap_or_else(|e| panic!("{e:?}"))
}

/// A JSON event with an optional timestamp in seconds.
pub fn event(v: Value, ts_s: Option<i64>) -> JsonEvent {
    JsonEvent::new(v, ts_s.map(|s| s * 1_000_000)).expect("an object")
}

/// Runs events of log source `ls` and flushes; returns the alerts.
pub fn run(engine: &mut Engine, ls: &LogSource, events: &[JsonEvent]) -> Vec<Alert> {
    let mut out = Vec::new();
    for e in events {
        engine.process(ls, e, &mut |a| out.push(a));
    }
    engine.flush(&mut |a| out.push(a));
    out
}
