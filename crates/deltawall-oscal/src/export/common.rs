//! What assessment results and POA&M share: UUIDs, metadata, findings and risks.

use std::collections::HashSet;

use deltawall_domain::finding::{Severity, State};
use jiff::Timestamp;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Document, ExportError, FindingExport, Party};

/// Namespace of Deltawall's own OSCAL properties.
pub const NS: &str = "https://example.invalid/deltawall/ns/oscal";

/// OSCAL version the exports follow.
pub(crate) const OSCAL_VERSION: &str = "1.1.2";

/// A version-5 UUID of `parts` (joined with a separator no key contains in practice).
pub(crate) fn uuid(parts: &[&str]) -> String {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes());
    Uuid::new_v5(&namespace, parts.join("\u{1f}").as_bytes()).to_string()
}

/// `s` as an OSCAL token: letters, digits, `.`, `-`, `_`, starting with a letter or `_`.
pub(crate) fn token(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(
            |c| match c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                true => c,
                false => '_',
            },
        )
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// A Deltawall property.
pub(crate) fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": NS, "value": value})
}

/// Properties naming a requirement exactly when its token differs.
pub(crate) fn requirement_props(id: &str) -> Vec<Value> {
    match token(id) == id {
        true => Vec::new(),
        false => vec![prop("requirement-id", id)],
    }
}

/// OSCAL text fields must not be empty.
pub(crate) fn or(s: &str, fallback: &str) -> String {
    match s.trim().is_empty() {
        true => fallback.to_owned(),
        false => s.to_owned(),
    }
}

pub(crate) fn time(t: Timestamp) -> String {
    t.to_string()
}

fn party(p: &Party) -> Value {
    json!({"uuid": uuid(&["party", &p.key]), "type": "organization", "name": p.name})
}

/// Document metadata: title, dates, the organisation and the assessor.
pub(crate) fn metadata(d: &Document) -> Value {
    let mut parties = vec![party(&d.organisation)];
    let mut roles = vec![json!({"id": "prepared-for", "title": "Prepared for"})];
    let mut responsible = vec![json!({
        "role-id": "prepared-for",
        "party-uuids": [uuid(&["party", &d.organisation.key])],
    })];
    if let Some(a) = &d.assessor {
        if a.key != d.organisation.key {
            parties.push(party(a));
        }
        roles.push(json!({"id": "prepared-by", "title": "Prepared by"}));
        responsible.push(json!({
            "role-id": "prepared-by",
            "party-uuids": [uuid(&["party", &a.key])],
        }));
    }
    json!({
        "title": d.title,
        "last-modified": time(d.last_modified),
        "version": d.version,
        "oscal-version": OSCAL_VERSION,
        "roles": roles,
        "parties": parties,
        "responsible-parties": responsible,
    })
}

/// Refuses two items of one kind with the same key.
pub(crate) fn unique<'a>(
    kind: &'static str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<(), ExportError> {
    let mut seen = HashSet::new();
    for key in keys {
        if !seen.insert(key) {
            return Err(ExportError::DuplicateKey {
                kind,
                key: key.to_owned(),
            });
        }
    }
    Ok(())
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn state(s: State) -> &'static str {
    match s {
        State::Draft => "draft",
        State::Issued => "issued",
        State::Acknowledged => "acknowledged",
        State::Disputed => "disputed",
        State::PlanAccepted => "plan-accepted",
        State::InRemediation => "in-remediation",
        State::RemediationClaimed => "remediation-claimed",
        State::Verified => "verified",
        State::RiskAccepted => "risk-accepted",
        State::Closed => "closed",
        State::Withdrawn => "withdrawn",
        State::Reopened => "reopened",
    }
}

/// OSCAL's risk status for a finding's state.
fn risk_status(s: State) -> &'static str {
    match s {
        State::Draft | State::Issued | State::Acknowledged | State::Reopened => "open",
        State::Disputed => "investigating",
        State::PlanAccepted | State::InRemediation | State::RemediationClaimed => "remediating",
        State::RiskAccepted => "deviation-approved",
        State::Verified | State::Closed | State::Withdrawn => "closed",
    }
}

/// Whether the finding no longer stands against its requirement.
fn resolved(s: State) -> bool {
    matches!(s, State::Verified | State::Closed | State::Withdrawn)
}

/// The OSCAL finding and risks of one finding. `observations` gives the observation
/// UUID of a requirement, when the export has one.
pub(crate) fn finding(
    doc: &str,
    f: &FindingExport,
    observations: &dyn Fn(&str) -> Option<String>,
) -> Result<(Value, Vec<Value>), ExportError> {
    let first = f
        .requirement_ids
        .first()
        .ok_or_else(|| ExportError::NoRequirement {
            finding: f.key.clone(),
        })?;
    let risks = risks(doc, f)?;
    let mut props = vec![
        prop("severity", severity(f.severity)),
        prop("finding-state", state(f.state)),
    ];
    props.extend(f.requirement_ids.iter().map(|r| prop("requirement-id", r)));
    let related_observations: Vec<Value> = f
        .requirement_ids
        .iter()
        .filter_map(|r| observations(r))
        .map(|u| json!({"observation-uuid": u}))
        .collect();
    let mut v = json!({
        "uuid": uuid(&["finding", doc, &f.key]),
        "title": or(&f.title, &f.key),
        "description": or(&f.description, &f.title),
        "props": props,
        "target": {
            "type": "objective-id",
            "target-id": token(first),
            "status": {"state": if resolved(f.state) { "satisfied" } else { "not-satisfied" }},
        },
        "related-risks": risks.iter().map(|r| json!({"risk-uuid": r["uuid"]})).collect::<Vec<_>>(),
    });
    if !related_observations.is_empty() {
        v["related-observations"] = json!(related_observations);
    }
    Ok((v, risks))
}

fn risks(doc: &str, f: &FindingExport) -> Result<Vec<Value>, ExportError> {
    unique("risk", f.risks.iter().map(|r| r.key.as_str()))?;
    let own = [(f.key.as_str(), f.title.as_str(), f.description.as_str())];
    let listed: Vec<(&str, &str, &str)> = f
        .risks
        .iter()
        .map(|r| (r.key.as_str(), r.title.as_str(), r.statement.as_str()))
        .collect();
    let chosen: &[(&str, &str, &str)] = if listed.is_empty() { &own } else { &listed };
    let tasks = milestones(f)?;
    let mut out = Vec::new();
    for &(key, title, statement) in chosen {
        let mut risk = json!({
            "uuid": uuid(&["risk", doc, &f.key, key]),
            "title": or(title, key),
            "description": or(statement, title),
            "statement": or(statement, title),
            "status": risk_status(f.state),
        });
        if let Some(due) = f.due {
            risk["deadline"] = json!(time(due));
        }
        if !tasks.is_empty() {
            let done = f.milestones.iter().all(|m| m.done_us.is_some());
            risk["remediations"] = json!([{
                "uuid": uuid(&["remediation", doc, &f.key, key]),
                "lifecycle": if done { "completed" } else { "planned" },
                "title": format!("Remediation of {}", or(&f.title, &f.key)),
                "description": or(&f.description, &f.title),
                "tasks": tasks.iter().map(|(i, t)| {
                    let mut t = t.clone();
                    t["uuid"] = json!(uuid(&["milestone", doc, &f.key, key, &i.to_string()]));
                    t
                }).collect::<Vec<_>>(),
            }]);
        }
        out.push(risk);
    }
    Ok(out)
}

/// The milestones as OSCAL tasks (without their UUIDs, which depend on the risk).
fn milestones(f: &FindingExport) -> Result<Vec<(usize, Value)>, ExportError> {
    let at = |us: i64, index: usize| {
        Timestamp::from_microsecond(us).map_err(|_| ExportError::Time {
            finding: f.key.clone(),
            index,
        })
    };
    let mut out = Vec::new();
    for (i, m) in f.milestones.iter().enumerate() {
        let mut task = json!({
            "type": "milestone",
            "title": or(&m.title, "Milestone"),
            "timing": {"on-date": {"date": time(at(m.due_us, i)?)}},
            "props": [prop("owner", &or(&m.owner, "unassigned"))],
        });
        if let Some(done) = m.done_us {
            task["props"]
                .as_array_mut()
                .expect("props is an array")
                .push(prop("completed", &time(at(done, i)?)));
        }
        out.push((i, task));
    }
    Ok(out)
}
