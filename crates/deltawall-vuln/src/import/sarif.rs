//! SARIF 2.1.0. Identity: `sarif:<tool>` as source, the rule ID, and the location: the
//! artifact URI with the result's fingerprints when the tool gives them (they survive code
//! moving up or down), else the URI and start line.

use std::collections::BTreeSet;
use std::io::BufRead;

use serde_json::Value;

use super::json::{self, Action, Plan, Seg, ValueExt, index_at, matches};
use super::{Sink, cves_in, title};
use crate::error::{ErrorKind, ImportError, Limits, Problem};
use crate::model::{Finding, IdentityKey, Severity};

/// Reads a SARIF 2.1.0 log; returns how many findings went to `sink` and the sources
/// (`sarif:<tool>`) it covered, one per run.
pub fn import_sarif<R: BufRead>(
    input: R,
    limits: &Limits,
    mut sink: impl FnMut(Finding),
) -> Result<(usize, BTreeSet<String>), ImportError> {
    let mut plan = SarifPlan {
        sink: Sink::new(&mut sink),
        version: None,
        tool: None,
        pending: Vec::new(),
        sources: BTreeSet::new(),
    };
    json::walk(input, limits, &mut plan)?;
    match plan.version.as_deref() {
        Some("2.1.0") => Ok((plan.sink.count, plan.sources)),
        Some(v) => Err(ImportError::pointer(
            "/version",
            ErrorKind::WrongFormat,
            format!("sarif version {v} is not supported (only 2.1.0)"),
        )),
        None => Err(ImportError::pointer(
            "",
            ErrorKind::WrongFormat,
            "not a sarif log (no version)",
        )),
    }
}

/// What a run's `tool` says that results need.
struct Tool {
    source: String,
    rules: Vec<Rule>,
}

struct Rule {
    id: String,
    title: Option<String>,
    level: Option<String>,
    security_severity: Option<f64>,
    cves: Vec<String>,
}

struct SarifPlan<'s> {
    sink: Sink<'s>,
    version: Option<String>,
    tool: Option<Tool>,
    /// Results read before their run's tool (a writer that sorts keys puts `results` first),
    /// held until the run closes.
    pending: Vec<(String, Partial)>,
    sources: BTreeSet<String>,
}

impl Plan for SarifPlan<'_> {
    fn action(&self, path: &[Seg]) -> Action {
        if matches(path, &[])
            || matches(path, &["runs"])
            || matches(path, &["runs", "*"])
            || matches(path, &["runs", "*", "results"])
        {
            Action::Descend
        } else if matches(path, &["version"])
            || matches(path, &["runs", "*", "tool"])
            || matches(path, &["runs", "*", "results", "*"])
        {
            Action::Keep
        } else {
            Action::Skip
        }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), Problem> {
        if matches(path, &["version"]) {
            let v = value
                .as_str()
                .ok_or_else(|| Problem::wrong_format("sarif version is not a string"))?;
            self.version = Some(v.to_owned());
        } else if matches(path, &["runs", "*", "tool"]) {
            self.tool = Some(tool(&value)?);
        } else if let Some(tool) = &self.tool {
            if let Some(f) = finding(tool, &value)? {
                self.sink.push(f);
            }
        } else if let Some(p) = partial(&value)? {
            self.pending.push((json::pointer(path), p));
        }
        Ok(())
    }

    fn leave(&mut self, path: &[Seg]) -> Result<(), Problem> {
        if path.len() == 2 && index_at(path, 1).is_some() {
            let tool = self
                .tool
                .take()
                .ok_or_else(|| Problem::invalid("run without tool"))?;
            for (at, result) in std::mem::take(&mut self.pending) {
                let found = complete(&tool, result).map_err(|p| Problem {
                    kind: p.kind,
                    message: format!("{at}: {}", p.message),
                })?;
                self.sink.push(found);
            }
            self.sources.insert(tool.source);
        }
        Ok(())
    }
}

fn tool(v: &Value) -> Result<Tool, Problem> {
    let name = v
        .str_at("/driver/name")
        .ok_or_else(|| Problem::invalid("tool without driver name"))?;
    let rules = match v.at("/driver/rules") {
        None => Vec::new(),
        Some(Value::Array(rules)) => rules.iter().map(rule).collect(),
        Some(_) => return Err(Problem::invalid("driver rules is not an array")),
    };
    Ok(Tool {
        source: format!(
            "sarif:{}",
            name.to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-")
        ),
        rules,
    })
}

fn rule(v: &Value) -> Rule {
    let id = v.str_at("/id").unwrap_or_default().to_owned();
    let mut cves = cves_in(&id);
    if let Some(Value::Array(tags)) = v.at("/properties/tags") {
        cves.extend(tags.iter().filter_map(Value::as_str).flat_map(cves_in));
    }
    Rule {
        title: v
            .str_at("/shortDescription/text")
            .or(v.str_at("/name"))
            .map(str::to_owned),
        level: v.str_at("/defaultConfiguration/level").map(str::to_owned),
        security_severity: security_severity(v),
        cves,
        id,
    }
}

/// The `security-severity` property (a CVSS-like score as text or number) used by code
/// scanning tools.
fn security_severity(v: &Value) -> Option<f64> {
    match v.at("/properties/security-severity")? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
    .filter(|s| (0.0..=10.0).contains(s))
}

/// What a result says by itself, small enough to hold while a run's tool is still unread.
struct Partial {
    rule_id: Option<String>,
    rule_index: Option<u64>,
    level: Option<String>,
    security_severity: Option<f64>,
    message: String,
    location: String,
}

fn finding(tool: &Tool, v: &Value) -> Result<Option<Finding>, Problem> {
    partial(v)?.map(|p| complete(tool, p)).transpose()
}

/// `None` for results that are not open problems (a pass, or absent from the baseline).
fn partial(v: &Value) -> Result<Option<Partial>, Problem> {
    if matches!(v.str_at("/kind"), Some("pass" | "notApplicable"))
        || v.str_at("/baselineState") == Some("absent")
    {
        return Ok(None);
    }
    let level = v.str_at("/level").map(str::to_owned);
    if let Some(level) = &level {
        by_level(level)?;
    }
    Ok(Some(Partial {
        rule_id: v
            .str_at("/ruleId")
            .or(v.str_at("/rule/id"))
            .map(str::to_owned),
        rule_index: v.at("/ruleIndex").and_then(Value::as_u64),
        level,
        security_severity: security_severity(v),
        message: title(v.str_at("/message/text")),
        location: location(v),
    }))
}

fn by_level(level: &str) -> Result<Severity, Problem> {
    Ok(match level {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "note" => Severity::Low,
        "none" => Severity::Info,
        other => return Err(Problem::invalid(format!("unknown level {other:?}"))),
    })
}

fn complete(tool: &Tool, p: Partial) -> Result<Finding, Problem> {
    let indexed = p
        .rule_index
        .and_then(|i| tool.rules.get(usize::try_from(i).ok()?));
    let rule_id = p
        .rule_id
        .as_deref()
        .or(indexed.map(|r| r.id.as_str()).filter(|id| !id.is_empty()))
        .ok_or_else(|| Problem::invalid("result without ruleId"))?;
    let rule = indexed
        .filter(|r| r.id == rule_id)
        .or_else(|| tool.rules.iter().find(|r| r.id == rule_id));
    let level = p
        .level
        .as_deref()
        .or(rule.and_then(|r| r.level.as_deref()))
        .unwrap_or("warning");
    let severity = p
        .security_severity
        .or(rule.and_then(|r| r.security_severity))
        .and_then(Severity::from_cvss)
        .map_or_else(|| by_level(level), Ok)?;
    let mut cves = cves_in(rule_id);
    cves.extend(rule.map(|r| r.cves.clone()).unwrap_or_default());
    let title = match rule.and_then(|r| r.title.as_deref()) {
        Some(t) => title(Some(t)),
        None => p.message,
    };
    Ok(Finding {
        key: IdentityKey {
            source: tool.source.clone(),
            rule: rule_id.to_owned(),
            location: p.location,
        },
        title,
        severity,
        cves,
        cvss: None,
    })
}

fn location(v: &Value) -> String {
    let physical = "/locations/0/physicalLocation";
    let uri = v
        .str_at(&format!("{physical}/artifactLocation/uri"))
        .or(v.str_at("/locations/0/logicalLocations/0/fullyQualifiedName"))
        .unwrap_or("");
    let prints = ["/fingerprints", "/partialFingerprints"]
        .into_iter()
        .find_map(|p| v.at(p).and_then(Value::as_object).filter(|m| !m.is_empty()));
    if let Some(prints) = prints {
        // sorted here: another crate of the workspace may turn on serde_json's insertion order
        let mut joined: Vec<String> = prints
            .iter()
            .map(|(k, val)| format!("{k}={}", val.as_str().unwrap_or_default()))
            .collect();
        joined.sort();
        return format!("{uri}#{}", joined.join(","));
    }
    match v
        .at(&format!("{physical}/region/startLine"))
        .and_then(Value::as_u64)
    {
        Some(line) => format!("{uri}:{line}"),
        None => uri.to_owned(),
    }
}
