//! Evaluation throughput (events/s): the SigmaHQ Windows rules over the regression events,
//! and a handful of authentication rules (with correlations) over generated JSON events.
//!
//! Each is run beside rsigma 0.23 (`rsigma-eval` as a library) on the same rules and events:
//! `*_rsigma` benches. For the Windows rules, `sigmahq_windows_rules` is our engine as used
//! (rules routed by log source), `sigmahq_windows_same_rules` our engine on exactly the rules
//! rsigma also loads, log sources cleared (every rule tried on every event, as rsigma does
//! without a pipeline), and `sigmahq_windows_rules_rsigma` rsigma on those rules.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-perf cargo bench -p deltawall-sigma`.

#[path = "../tests/it/corpus.rs"]
mod corpus;

use deltawall_event::JsonEvent;
use deltawall_sigma::{Alert, Document, Engine, EngineConfig, LogSource, RuleSet};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn shared(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(sub);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: shared data {} is absent", p.display());
        None
    }
}

/// Events with the log sources they belong to.
type Events = Vec<(Vec<LogSource>, JsonEvent)>;

/// The SigmaHQ `rules/windows` engine and the regression events with their log sources.
fn windows_fixture() -> Option<(Engine, Events)> {
    let root = shared("sigmahq")?;
    let mut set = RuleSet::new();
    let mut errors = Vec::new();
    set.add_path(&root.join("rules/windows"), &mut errors)
        .ok()?;
    let config = EngineConfig {
        field_mapping: corpus::windows_mapping(),
        ..EngineConfig::default()
    };
    let (engine, _) = Engine::new_partial(&set, config);
    let mut events = Vec::new();
    for file in corpus::yaml_files(&root.join("regression_data")) {
        if !file.ends_with("info.yml") {
            continue;
        }
        for entry in std::fs::read_dir(file.parent()?).ok()? {
            let path = entry.ok()?.path();
            if path.extension().is_some_and(|x| x == "json") {
                for e in corpus::read_events(&path) {
                    let ls =
                        corpus::windows_logsources(&serde_json::Value::Object(e.fields.clone()));
                    events.push((ls, e));
                }
            }
        }
    }
    eprintln!(
        "windows: {} rules, {} events",
        engine.rule_count(),
        events.len()
    );
    Some((engine, events))
}

#[divan::bench(sample_count = 10)]
fn sigmahq_windows_rules(bencher: Bencher) {
    let Some((mut engine, events)) = windows_fixture() else {
        return;
    };
    bencher
        .counter(ItemsCount::new(events.len()))
        .bench_local(|| {
            let mut alerts = 0usize;
            for (ls, e) in &events {
                engine.process_any(ls, e, &mut |_a: Alert| alerts += 1);
            }
            black_box(alerts)
        });
}

/// The rules of `rules/windows` that both engines load (our side with log sources cleared),
/// and the regression events as JSON values.
fn same_rules_fixture() -> Option<(Engine, rsigma_eval::Engine, Vec<serde_json::Value>)> {
    let root = shared("sigmahq")?;
    let mut ours = RuleSet::new();
    let mut theirs = rsigma_eval::Engine::new();
    let mut loaded = 0usize;
    for file in corpus::yaml_files(&root.join("rules/windows")) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let mut one = RuleSet::new();
        if one.add_yaml(&text, &file.display().to_string()).is_err() {
            continue;
        }
        let Ok(collection) = rsigma_parser::parse_sigma_yaml(&text) else {
            continue;
        };
        if collection.rules.len() != 1 || !collection.correlations.is_empty() {
            continue;
        }
        let Some(Document::Rule(mut rule)) = one.documents().first().cloned() else {
            continue;
        };
        if Engine::new(&one, EngineConfig::default()).is_err()
            || theirs.add_rule(&collection.rules[0]).is_err()
        {
            continue;
        }
        rule.logsource = LogSource::default();
        ours.push(Document::Rule(rule));
        loaded += 1;
    }
    let config = EngineConfig {
        field_mapping: corpus::windows_mapping(),
        ..EngineConfig::default()
    };
    let engine = Engine::new(&ours, config).ok()?;
    let mut events = Vec::new();
    for file in corpus::yaml_files(&root.join("regression_data")) {
        if !file.ends_with("info.yml") {
            continue;
        }
        for entry in std::fs::read_dir(file.parent()?).ok()? {
            let path = entry.ok()?.path();
            if path.extension().is_some_and(|x| x == "json") {
                for e in corpus::read_events(&path) {
                    events.push(serde_json::Value::Object(e.fields.clone()));
                }
            }
        }
    }
    eprintln!(
        "windows, same rules: {loaded} rules loaded by both engines, {} events",
        events.len()
    );
    Some((engine, theirs, events))
}

#[divan::bench(sample_count = 10)]
fn sigmahq_windows_same_rules(bencher: Bencher) {
    let Some((mut engine, _, values)) = same_rules_fixture() else {
        return;
    };
    let events: Vec<JsonEvent> = values
        .into_iter()
        .filter_map(|v| JsonEvent::new(v, None))
        .collect();
    let ls = LogSource::default();
    bencher
        .counter(ItemsCount::new(events.len()))
        .bench_local(|| {
            let mut alerts = 0usize;
            for e in &events {
                engine.process(&ls, e, &mut |_a: Alert| alerts += 1);
            }
            black_box(alerts)
        });
}

#[divan::bench(sample_count = 10)]
fn sigmahq_windows_rules_rsigma(bencher: Bencher) {
    let Some((_, theirs, events)) = same_rules_fixture() else {
        return;
    };
    bencher
        .counter(ItemsCount::new(events.len()))
        .bench_local(|| {
            let mut matches = 0usize;
            for e in &events {
                matches += theirs
                    .evaluate(&rsigma_eval::event::JsonEvent::borrow(e))
                    .len();
            }
            black_box(matches)
        });
}

const AUTH_RULES: &str = r#"
title: Failed login
name: failed_login
logsource: {category: authentication}
detection:
    selection:
        event.outcome: failure
    condition: selection
level: low
---
title: Admin login from outside the office network
logsource: {category: authentication}
detection:
    selection:
        user.name|startswith: 'adm'
        event.outcome: success
    office:
        source.ip|cidr: ['10.0.0.0/8', '192.168.0.0/16']
    condition: selection and not office
level: high
---
title: Attack tool user agent
logsource: {category: authentication}
detection:
    selection:
        user_agent.original|contains: ['sqlmap', 'hydra', 'nikto', 'python-requests', 'curl/', 'masscan', 'zgrab']
    condition: selection
level: medium
---
title: Brute force against one account
correlation:
    type: event_count
    rules: [failed_login]
    group-by: [user.name]
    timespan: 10m
    condition: {gte: 20}
    generate: true
level: high
---
title: Password spraying from one address
correlation:
    type: value_count
    rules: [failed_login]
    group-by: [source.ip]
    timespan: 1h
    condition: {field: user.name, gte: 15}
level: high
"#;

/// Deterministic authentication events: mostly successes, failures from a few sprayers.
fn auth_events(n: usize) -> Vec<JsonEvent> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0)",
        "okhttp/4.9",
        "python-requests/2.31",
        "Mozilla/5.0 (iPhone)",
    ];
    (0..n)
        .map(|i| {
            let r = next();
            let failure = r % 5 == 0;
            let user = if failure { format!("user{}", r % 500) } else { format!("user{}", r % 5000) };
            let ip = if failure { format!("203.0.113.{}", r % 7) } else { format!("10.{}.{}.{}", r % 200, (r >> 8) % 250, (r >> 16) % 250) };
            let v = serde_json::json!({
                "@timestamp": i,
                "event": {"category": "authentication", "outcome": if failure { "failure" } else { "success" }},
                "user": {"name": if r % 97 == 0 { format!("adm_{user}") } else { user }},
                "source": {"ip": ip},
                "user_agent": {"original": agents[(r % 4) as usize]},
            });
            JsonEvent::new(v, Some(i as i64 * 50_000)).expect("object")
        })
        .collect()
}

#[divan::bench(sample_count = 10)]
fn auth_rules_json(bencher: Bencher) {
    let mut set = RuleSet::new();
    set.add_yaml(AUTH_RULES, "auth.yml").expect("valid rules");
    let events = auth_events(20_000);
    let ls = LogSource::new(Some("authentication"), None, None);
    bencher
        .counter(ItemsCount::new(events.len()))
        .with_inputs(|| Engine::new(&set, EngineConfig::default()).expect("compiles"))
        .bench_local_values(|mut engine| {
            let mut alerts = 0usize;
            for e in &events {
                engine.process(&ls, e, &mut |_a: Alert| alerts += 1);
            }
            engine.flush(&mut |_a: Alert| alerts += 1);
            black_box(alerts)
        });
}

/// The same authentication rules and events in rsigma's correlation engine (event time
/// given explicitly, in seconds: rsigma's resolution).
#[divan::bench(sample_count = 10)]
fn auth_rules_json_rsigma(bencher: Bencher) {
    let collection = match rsigma_parser::parse_sigma_yaml(AUTH_RULES) {
        Ok(c) if !c.has_errors() => c,
        _ => {
            eprintln!("SKIPPED: rsigma does not parse the authentication rules");
            return;
        }
    };
    let values: Vec<serde_json::Value> = auth_events(20_000)
        .into_iter()
        .map(|e| serde_json::Value::Object(e.fields))
        .collect();
    bencher
        .counter(ItemsCount::new(values.len()))
        .with_inputs(|| {
            let mut engine =
                rsigma_eval::CorrelationEngine::new(rsigma_eval::CorrelationConfig::default());
            engine.add_collection(&collection).expect("rsigma compiles");
            engine
        })
        .bench_local_values(|mut engine| {
            let mut results = 0usize;
            for (i, v) in values.iter().enumerate() {
                let at = i64::try_from(i).unwrap_or(0) / 20;
                let r = engine.process_event_at(&rsigma_eval::event::JsonEvent::borrow(v), at);
                results += r.len();
            }
            black_box(results)
        });
}

/// Rule loading cost: parsing and compiling the SigmaHQ `rules/windows` folder.
#[divan::bench(sample_count = 3)]
fn load_and_compile_sigmahq_windows_rules(bencher: Bencher) {
    let Some(root) = shared("sigmahq") else {
        return;
    };
    let files = corpus::yaml_files(&root.join("rules/windows"));
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            (
                std::fs::read_to_string(f).expect("readable"),
                f.display().to_string(),
            )
        })
        .collect();
    bencher
        .counter(ItemsCount::new(texts.len()))
        .bench_local(|| {
            let mut set = RuleSet::new();
            let mut errors = Vec::new();
            for (text, origin) in &texts {
                set.add_yaml_collect(text, origin, &mut errors);
            }
            let config = EngineConfig {
                field_mapping: corpus::windows_mapping(),
                ..EngineConfig::default()
            };
            black_box(Engine::new_partial(&set, config).0.rule_count())
        });
}
