//! Loading rule sets (the built-in finance pack or files) and running the test events
//! that ship with rules.
//!
//! # Rule test files
//!
//! A rule file `x.yml` may have a sibling `x.tests.yml`:
//!
//! ```yaml
//! rule: d3a1f0c2-7b4e-4c8a-9f10-000000000001   # id of the rule every case checks
//! match:                      # each case must make that rule alert at least once
//!   - name: thirty accounts from one address
//!     events:
//!       - repeat: 30          # optional: emit the event N times; `{i}`, `{i/K}`, `{i%K}`
//!         every: 5s           #   in strings become the repetition number (divided, modulo)
//!         event: {"event": {"category": "authentication", "outcome": "failure"}}
//!       - line: '203.0.113.5 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1'
//! no_match:                   # each case must not make it alert
//!   - name: ...
//!     rule: d3a1f0c2-...      # optional: check another rule of the file in this case
//!     events: [...]
//! ```
//!
//! JSON events get `@timestamp` from a clock that starts at 2026-01-01T00:00:00Z and moves
//! `every` (default 1s) after each event; `at: 90s` sets the clock to that offset from the
//! start. Lines keep their own time. Events are fed in time order (a stable sort, so
//! items may overlap: several `at: 0s` streams interleave). Each case runs on a fresh engine over the whole rule
//! set (so building blocks in other files are available), then the engine is flushed.

use crate::input::{Format, LogEvent, Parser, Record, Source, SyslogParser, json_source};
use crate::pipeline::to_logsources;
use crate::rules_pack::FINANCE_PACK;
use deltawall_sigma::{
    Alert, Engine, EngineConfig, FieldMapping, LogSource, MappingBlock, RuleError, RuleSet,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Errors while loading rules or rule tests.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A rule file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A field-mapping file is not valid.
    #[error("invalid field mapping: {0}")]
    BadMapping(String),
    /// A test file is not valid.
    #[error("{path}: invalid test file: {reason}")]
    BadTests {
        /// The test file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Where rules come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSource {
    /// The finance pack compiled into the binary.
    Builtin,
    /// Files or directories of Sigma YAML (test files `*.tests.yml` are skipped).
    Paths(Vec<PathBuf>),
}

fn is_test_file(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".tests.yml"))
}

fn is_rule_file(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) && !is_test_file(p)
}

/// Every file under `path` (recursively, name order) accepted by `keep`.
fn files_under(path: &Path, keep: fn(&Path) -> bool) -> Result<Vec<PathBuf>, RulesError> {
    let err = |source| RulesError::Read {
        path: path.to_owned(),
        source,
    };
    if !path.is_dir() {
        return if path.exists() {
            Ok(vec![path.to_owned()])
        } else {
            Err(err(std::io::ErrorKind::NotFound.into()))
        };
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(files_under(&p, keep)?);
        } else if keep(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Rule files with their text: the built-in pack or the files under the given paths.
pub fn rule_texts(source: &RuleSource) -> Result<Vec<(String, String)>, RulesError> {
    match source {
        RuleSource::Builtin => Ok(FINANCE_PACK
            .iter()
            .map(|(n, t)| (format!("builtin:finance/{n}"), (*t).to_owned()))
            .collect()),
        RuleSource::Paths(paths) => {
            let mut out = Vec::new();
            for path in paths {
                for file in files_under(path, is_rule_file)? {
                    let text =
                        std::fs::read_to_string(&file).map_err(|source| RulesError::Read {
                            path: file.clone(),
                            source,
                        })?;
                    out.push((file.display().to_string(), text));
                }
            }
            Ok(out)
        }
    }
}

/// Loads rules, keeping going past bad documents; returns the set and every rejection.
pub fn load_rules(source: &RuleSource) -> Result<(RuleSet, Vec<RuleError>), RulesError> {
    let mut set = RuleSet::new();
    let mut errors = Vec::new();
    for (origin, text) in rule_texts(source)? {
        set.add_yaml_collect(&text, &origin, &mut errors);
    }
    Ok((set, errors))
}

/// Field mapping so that Sigma's webserver names also find ECS web events, and ECS
/// names also find access-log events (which answer both natively).
pub fn field_mapping() -> FieldMapping {
    const WEB: [(&str, &str); 9] = [
        ("c-ip", "source.ip"),
        ("cs-method", "http.request.method"),
        ("cs-uri-stem", "url.path"),
        ("cs-uri-query", "url.query"),
        ("cs-uri", "url.original"),
        ("sc-status", "http.response.status_code"),
        ("cs-user-agent", "user_agent.original"),
        ("cs-referer", "http.request.referrer"),
        ("cs-username", "user.name"),
    ];
    let fields = WEB
        .iter()
        .map(|(sigma, ecs)| {
            (
                (*sigma).to_owned(),
                vec![(*sigma).to_owned(), (*ecs).to_owned()],
            )
        })
        .collect();
    FieldMapping::new().with_block(MappingBlock {
        logsource: LogSource::new(Some("webserver"), None, None),
        fields,
        fallback: Vec::new(),
    })
}

/// The engine settings used by `scan` and `rules test`.
pub fn engine_config(allowed_lateness_us: i64) -> EngineConfig {
    EngineConfig {
        allowed_lateness_us,
        field_mapping: field_mapping(),
        ..EngineConfig::default()
    }
}

/// Reads a field-mapping file (the YAML of [`FieldMapping::from_yaml`]); its blocks take
/// precedence over the built-in web server mapping.
pub fn with_mapping_file(
    mut config: EngineConfig,
    path: &Path,
) -> Result<EngineConfig, RulesError> {
    let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut mapping = FieldMapping::from_yaml(&text, &path.display().to_string())
        .map_err(|e| RulesError::BadMapping(e.to_string()))?;
    mapping.blocks.extend(config.field_mapping.blocks);
    config.field_mapping = mapping;
    Ok(config)
}

#[derive(Debug, Deserialize)]
struct TestFile {
    rule: String,
    #[serde(default, rename = "match")]
    matches: Vec<TestCase>,
    #[serde(default)]
    no_match: Vec<TestCase>,
}

#[derive(Debug, Deserialize)]
struct TestCase {
    name: String,
    #[serde(default)]
    rule: Option<String>,
    events: Vec<TestEvent>,
}

#[derive(Debug, Deserialize)]
struct TestEvent {
    #[serde(default)]
    repeat: Option<u32>,
    #[serde(default)]
    every: Option<String>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    event: Option<serde_json::Value>,
    #[serde(default)]
    line: Option<String>,
}

/// The outcome of one test case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The test file.
    pub file: String,
    /// The rule id checked.
    pub rule: String,
    /// The case name.
    pub name: String,
    /// Whether the rule had to alert.
    pub should_match: bool,
    /// Alerts of the checked rule.
    pub alerts: usize,
    /// Why the case could not run, if it could not.
    pub error: Option<String>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.error.is_none() && (self.alerts > 0) == self.should_match
    }
}

/// Test files: the built-in pack's, or those under the paths (a rule file's sibling).
fn test_texts(source: &RuleSource) -> Result<Vec<(String, String)>, RulesError> {
    match source {
        RuleSource::Builtin => Ok(crate::rules_pack::FINANCE_TESTS
            .iter()
            .map(|(n, t)| (format!("builtin:finance/{n}"), (*t).to_owned()))
            .collect()),
        RuleSource::Paths(paths) => {
            let mut out = Vec::new();
            for path in paths {
                let files = if path.is_file() {
                    let sibling = path.with_extension("tests.yml");
                    if sibling.exists() {
                        vec![sibling]
                    } else {
                        Vec::new()
                    }
                } else {
                    files_under(path, is_test_file)?
                };
                for file in files {
                    let text =
                        std::fs::read_to_string(&file).map_err(|source| RulesError::Read {
                            path: file.clone(),
                            source,
                        })?;
                    out.push((file.display().to_string(), text));
                }
            }
            Ok(out)
        }
    }
}

/// The rule set test cases run against: for a single rule file, every rule file of its
/// directory (building blocks live in sibling files).
fn test_rule_source(source: &RuleSource) -> RuleSource {
    match source {
        RuleSource::Builtin => RuleSource::Builtin,
        RuleSource::Paths(paths) => RuleSource::Paths(
            paths
                .iter()
                .map(|p| {
                    if p.is_file() {
                        p.parent().map(Path::to_owned).unwrap_or_default()
                    } else {
                        p.clone()
                    }
                })
                .collect(),
        ),
    }
}

/// Runs every test case; rule documents that do not compile are reported as errors of
/// the cases that need them.
pub fn run_tests(source: &RuleSource) -> Result<Vec<CaseResult>, RulesError> {
    let (set, _) = load_rules(&test_rule_source(source))?;
    let mut results = Vec::new();
    for (file, text) in test_texts(source)? {
        let tests: TestFile = serde_saphyr::from_str(&text).map_err(|e| RulesError::BadTests {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        let cases = tests
            .matches
            .iter()
            .map(|c| (c, true))
            .chain(tests.no_match.iter().map(|c| (c, false)));
        for (case, should_match) in cases {
            let rule = case.rule.as_ref().unwrap_or(&tests.rule);
            let (alerts, error) = match run_case(&set, rule, case) {
                Ok(n) => (n, None),
                Err(e) => (0, Some(e)),
            };
            results.push(CaseResult {
                file: file.clone(),
                rule: rule.clone(),
                name: case.name.clone(),
                should_match,
                alerts,
                error,
            });
        }
    }
    Ok(results)
}

/// Parses `90s`, `5m`, `2h`, `1d` to microseconds.
pub fn parse_duration_us(text: &str) -> Option<i64> {
    let (num, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let scale = match unit {
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// Replaces `{i}`, `{i/K}` and `{i%K}` in a template.
fn substitute(template: &str, i: u32) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{i") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let op = &after[..end];
        let value = match (
            op.chars().next(),
            op.get(1..).and_then(|k| k.parse::<u32>().ok()),
        ) {
            (None, _) => Some(i),
            (Some('/'), Some(k)) if k > 0 => Some(i / k),
            (Some('%'), Some(k)) if k > 0 => Some(i % k),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(&v.to_string()),
            None => out.push_str(&rest[start..start + 3 + end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

const TEST_EPOCH_US: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

/// Builds the events of a case, in order.
fn case_events(case: &TestCase) -> Result<Vec<(LogEvent, Source)>, String> {
    let mut clock = TEST_EPOCH_US;
    let mut out = Vec::new();
    let syslog = SyslogParser { year: 2026 };
    for item in &case.events {
        if let Some(at) = &item.at {
            clock =
                TEST_EPOCH_US + parse_duration_us(at).ok_or_else(|| format!("bad `at`: {at}"))?;
        }
        let step = match &item.every {
            Some(e) => parse_duration_us(e).ok_or_else(|| format!("bad `every`: {e}"))?,
            None => 1_000_000,
        };
        for i in 0..item.repeat.unwrap_or(1) {
            match (&item.event, &item.line) {
                (Some(event), None) => {
                    let text = substitute(&event.to_string(), i);
                    let value: serde_json::Value =
                        serde_json::from_str(&text).map_err(|e| e.to_string())?;
                    let mut event = crate::input::from_windows_layout(value)?;
                    if event.timestamp_us.is_none() {
                        event.fields.insert(
                            "@timestamp".into(),
                            crate::input::time::format_rfc3339(clock).into(),
                        );
                        event.timestamp_us = Some(clock);
                    }
                    let source = json_source(&event);
                    out.push((LogEvent::Json(event), source));
                }
                (None, Some(line)) => {
                    let line = substitute(line, i);
                    let parser = crate::input::detect(Format::Auto, &line, syslog)
                        .ok_or("line format not recognised")?;
                    let parser = if let Parser::JsonDocument { windows } = parser {
                        Parser::JsonLines { windows }
                    } else {
                        parser
                    };
                    out.push(parser.parse_line(&line)?);
                }
                _ => return Err("each event needs exactly one of `event` and `line`".into()),
            }
            clock += step;
        }
    }
    // Items may overlap in time (`at` rewinds the clock): feed them in time order.
    out.sort_by_key(|(event, _)| deltawall_event::Event::timestamp_us(event));
    Ok(out)
}

fn run_case(set: &RuleSet, rule: &str, case: &TestCase) -> Result<usize, String> {
    let events = case_events(case)?;
    let (mut engine, errors) = Engine::new_partial(set, engine_config(0));
    if let Some(e) = errors.first() {
        return Err(format!("rule set does not compile: {e}"));
    }
    let mut alerts: Vec<Alert> = Vec::new();
    let mut sink = |a: Alert| alerts.push(a);
    let mut ratios = crate::enrich::AuthRatios::default();
    for (event, source) in &events {
        let record = Record {
            event: event.clone(),
            source: source.clone(),
            file: "test".into(),
            line: 0,
        };
        let enriched = ratios.enrich(&record);
        engine.process_any(&to_logsources(source), &enriched, &mut sink);
    }
    engine.flush(&mut sink);
    Ok(alerts
        .iter()
        .filter(|a| a.rule_id.as_deref() == Some(rule) || a.rule_name.as_deref() == Some(rule))
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution() {
        assert_eq!(substitute("u{i}-{i/4}-{i%3}-{x}-{i", 10), "u10-2-1-{x}-{i");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_us("90s"), Some(90_000_000));
        assert_eq!(parse_duration_us("2h"), Some(7_200_000_000));
        assert_eq!(parse_duration_us("5"), None);
        assert_eq!(parse_duration_us("5y"), None);
    }
}
