//! Prowler's OCSF JSON output: an array of Detection Finding (class 2004) objects, one per
//! check and resource, passed or failed. Only failed checks are findings; a check that passes
//! on the next scan is therefore resolved by it. Identity: the check ID
//! (`metadata.event_code`) at the resource's UID.

use std::io::BufRead;

use serde_json::Value;

use super::json::{self, Action, Plan, Seg, ValueExt, matches};
use super::{Sink, title};
use crate::error::{ImportError, Limits, Problem};
use crate::model::{Finding, IdentityKey, Severity};

/// The OCSF class of a detection finding.
const DETECTION_FINDING: u64 = 2004;

/// Reads a Prowler OCSF report; returns how many failed checks went to `sink`.
pub fn import_prowler<R: BufRead>(
    input: R,
    limits: &Limits,
    mut sink: impl FnMut(Finding),
) -> Result<usize, ImportError> {
    let mut plan = ProwlerPlan {
        sink: Sink::new(&mut sink),
    };
    json::walk(input, limits, &mut plan)?;
    Ok(plan.sink.count)
}

struct ProwlerPlan<'s> {
    sink: Sink<'s>,
}

impl Plan for ProwlerPlan<'_> {
    fn action(&self, path: &[Seg]) -> Action {
        if matches(path, &[]) {
            Action::Descend
        } else {
            Action::Keep
        }
    }

    fn value(&mut self, path: &[Seg], value: Value) -> Result<(), Problem> {
        if let [Seg::Key(_)] = path {
            return Err(Problem::wrong_format(
                "not a prowler ocsf report (expected an array of findings)",
            ));
        }
        if let Some(f) = finding(&value)? {
            self.sink.push(f);
        }
        Ok(())
    }
}

fn finding(v: &Value) -> Result<Option<Finding>, Problem> {
    if !v.is_object() {
        return Err(Problem::wrong_format("not an ocsf finding object"));
    }
    if v.at("/class_uid").and_then(Value::as_u64) != Some(DETECTION_FINDING) {
        return Err(Problem::wrong_format(
            "not an ocsf detection finding (class_uid is not 2004)",
        ));
    }
    match v.str_at("/status_code") {
        Some("FAIL") => {}
        Some("PASS" | "MANUAL" | "MUTED") => return Ok(None),
        Some(other) => return Err(Problem::invalid(format!("unknown status_code {other:?}"))),
        None => return Err(Problem::invalid("finding without status_code")),
    }
    let check = v
        .str_at("/metadata/event_code")
        .ok_or_else(|| Problem::invalid("finding without metadata.event_code"))?;
    let resource = v
        .str_at("/resources/0/uid")
        .map(str::to_owned)
        .or_else(|| {
            let account = v.str_at("/cloud/account/uid")?;
            Some(match v.str_at("/cloud/region") {
                Some(region) => format!("{account}|{region}"),
                None => account.to_owned(),
            })
        })
        .ok_or_else(|| Problem::invalid("finding without a resource uid or cloud account"))?;
    let provider = v.str_at("/cloud/provider").unwrap_or("unknown");
    Ok(Some(Finding {
        key: IdentityKey {
            source: "prowler".into(),
            rule: format!("{}:{check}", provider.to_lowercase()),
            location: resource,
        },
        title: title(v.str_at("/finding_info/title").or(Some(check))),
        severity: severity(v)?,
        cves: Vec::new(),
        cvss: None,
    }))
}

/// OCSF's `severity_id`: 1 informational … 5 critical, 6 fatal (kept as critical).
fn severity(v: &Value) -> Result<Severity, Problem> {
    match v.at("/severity_id").and_then(Value::as_u64) {
        Some(0 | 1) => Ok(Severity::Info),
        Some(2) => Ok(Severity::Low),
        Some(3) => Ok(Severity::Medium),
        Some(4) => Ok(Severity::High),
        Some(5 | 6) => Ok(Severity::Critical),
        _ => match v
            .str_at("/severity")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("informational" | "info") => Ok(Severity::Info),
            Some("low") => Ok(Severity::Low),
            Some("medium") => Ok(Severity::Medium),
            Some("high") => Ok(Severity::High),
            Some("critical" | "fatal") => Ok(Severity::Critical),
            _ => Err(Problem::invalid(
                "finding without a known severity_id or severity",
            )),
        },
    }
}
