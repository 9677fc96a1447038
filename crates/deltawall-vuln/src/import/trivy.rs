//! Trivy JSON (schema version 2). Identity: the vulnerability ID at target and package (not
//! its version, so an upgrade that is still vulnerable stays the same finding); the check ID at
//! target and resource for misconfigurations; the rule ID at target for secrets.

use std::io::BufRead;

use serde_json::Value;

use super::json::{self, Action, Plan, Seg, ValueExt, index_at, matches};
use super::{Sink, cves_in, score, title};
use crate::error::{ErrorKind, ImportError, Limits, Problem};
use crate::model::{Finding, IdentityKey, Severity};

/// Reads a Trivy JSON report; returns how many findings went to `sink`.
pub fn import_trivy<R: BufRead>(
    input: R,
    limits: &Limits,
    mut sink: impl FnMut(Finding),
) -> Result<usize, ImportError> {
    let mut plan = TrivyPlan {
        sink: Sink::new(&mut sink),
        schema: None,
        target: None,
        pending: Vec::new(),
    };
    json::walk(input, limits, &mut plan)?;
    match plan.schema {
        Some(2) => Ok(plan.sink.count),
        Some(v) => Err(ImportError::pointer(
            "/SchemaVersion",
            ErrorKind::WrongFormat,
            format!("trivy schema version {v} is not supported (only 2)"),
        )),
        None => Err(ImportError::pointer(
            "",
            ErrorKind::WrongFormat,
            "not a trivy report (no SchemaVersion)",
        )),
    }
}

#[derive(Clone, Copy)]
enum Class {
    Vulnerability,
    Misconfiguration,
    Secret,
}

const LISTS: [(&str, Class); 3] = [
    ("Vulnerabilities", Class::Vulnerability),
    ("Misconfigurations", Class::Misconfiguration),
    ("Secrets", Class::Secret),
];

struct TrivyPlan<'s> {
    sink: Sink<'s>,
    schema: Option<u64>,
    target: Option<String>,
    /// Items read before their result's `Target`, held until the result closes.
    pending: Vec<(Class, Value)>,
}

impl Plan for TrivyPlan<'_> {
    fn action(&self, path: &[Seg]) -> Action {
        let list = LISTS
            .iter()
            .any(|(name, _)| matches(path, &["Results", "*", name]));
        let item = LISTS
            .iter()
            .any(|(name, _)| matches(path, &["Results", "*", name, "*"]));
        if matches(path, &[])
            || matches(path, &["Results"])
            || matches(path, &["Results", "*"])
            || list
        {
            Action::Descend
        } else if matches(path, &["SchemaVersion"])
            || matches(path, &["Results", "*", "Target"])
            || item
        {
            Action::Keep
        } else {
            Action::Skip
        }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), Problem> {
        if matches(path, &["SchemaVersion"]) {
            self.schema = Some(
                value
                    .as_u64()
                    .ok_or_else(|| Problem::wrong_format("SchemaVersion is not a number"))?,
            );
            return Ok(());
        }
        if matches(path, &["Results", "*", "Target"]) {
            let target = value
                .as_str()
                .ok_or_else(|| Problem::invalid("Target is not a string"))?;
            self.target = Some(target.to_owned());
            return Ok(());
        }
        let class = LISTS
            .iter()
            .find(|(name, _)| matches!(path.get(2), Some(Seg::Key(k)) if k == name))
            .map(|(_, c)| *c)
            .expect("kept paths are list items");
        match &self.target {
            Some(target) => {
                if let Some(f) = finding(class, target, &value)? {
                    self.sink.push(f);
                }
            }
            None => self.pending.push((class, value)),
        }
        Ok(())
    }

    fn leave(&mut self, path: &[Seg]) -> Result<(), Problem> {
        if path.len() == 2 && index_at(path, 1).is_some() {
            let target = self.target.take();
            let pending = std::mem::take(&mut self.pending);
            if pending.is_empty() {
                return Ok(());
            }
            let target = target.ok_or_else(|| Problem::invalid("result without Target"))?;
            for (class, value) in pending {
                if let Some(f) = finding(class, &target, &value)? {
                    self.sink.push(f);
                }
            }
        }
        Ok(())
    }
}

fn severity(v: &Value) -> Result<Option<Severity>, Problem> {
    Ok(match v.str_at("/Severity") {
        Some("CRITICAL") => Some(Severity::Critical),
        Some("HIGH") => Some(Severity::High),
        Some("MEDIUM") => Some(Severity::Medium),
        Some("LOW") => Some(Severity::Low),
        Some("UNKNOWN") | None => None,
        Some(other) => return Err(Problem::invalid(format!("unknown Severity {other:?}"))),
    })
}

/// The NVD's CVSS v3 score when present, else the first vendor's (by name) so the choice is
/// stable.
fn cvss(v: &Value) -> Option<f64> {
    let vendors = v.at("/CVSS")?.as_object()?;
    let score_of = |s: &Value| match s.get("V3Score") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(t)) => score(t),
        _ => None,
    };
    vendors.get("nvd").and_then(score_of).or_else(|| {
        let mut names: Vec<&String> = vendors.keys().collect();
        names.sort();
        names.into_iter().find_map(|n| score_of(&vendors[n]))
    })
}

fn finding(class: Class, target: &str, v: &Value) -> Result<Option<Finding>, Problem> {
    let need = |p: &str| {
        v.str_at(p)
            .ok_or_else(|| Problem::invalid(format!("item without {}", &p[1..])))
    };
    let (rule, location, cvss) = match class {
        Class::Vulnerability => {
            let pkg = need("/PkgName")?;
            let location = match v.str_at("/PkgPath") {
                Some(path) => format!("{target}|{pkg}|{path}"),
                None => format!("{target}|{pkg}"),
            };
            (need("/VulnerabilityID")?, location, cvss(v))
        }
        Class::Misconfiguration => {
            if v.str_at("/Status").is_some_and(|s| s != "FAIL") {
                return Ok(None);
            }
            let rule = v.str_at("/AVDID").map_or_else(|| need("/ID"), Ok)?;
            let location = match v.str_at("/CauseMetadata/Resource") {
                Some(resource) => format!("{target}|{resource}"),
                None => target.to_owned(),
            };
            (rule, location, None)
        }
        Class::Secret => (need("/RuleID")?, target.to_owned(), None),
    };
    let severity = severity(v)?
        .or_else(|| cvss.and_then(Severity::from_cvss))
        .unwrap_or(Severity::Info);
    Ok(Some(Finding {
        key: IdentityKey {
            source: "trivy".into(),
            rule: rule.to_owned(),
            location,
        },
        title: title(v.str_at("/Title").or(Some(rule))),
        severity,
        cves: cves_in(rule),
        cvss,
    }))
}
