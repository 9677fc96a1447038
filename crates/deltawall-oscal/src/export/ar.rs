//! OSCAL assessment results.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::common::{self, metadata, or, prop, requirement_props, time, token, unique, uuid};
use super::{AssessmentExport, ExportError, Outcome, RequirementResult};

/// An assessment as an OSCAL 1.1.2 `assessment-results` document (the whole JSON
/// document, `{"assessment-results": …}`).
///
/// OSCAL requires a reference to an assessment plan; Deltawall does not publish one, so
/// `import-ap` points to a back-matter resource that describes the assessment, beside
/// one that names the catalog edition exactly (id, version, fingerprint).
pub fn assessment_results(a: &AssessmentExport) -> Result<Value, ExportError> {
    let doc = a.document.key.as_str();
    unique(
        "result",
        a.results.iter().map(|r| r.requirement_id.as_str()),
    )?;
    unique("finding", a.findings.iter().map(|f| f.key.as_str()))?;
    let observation_of: HashMap<&str, String> = a
        .results
        .iter()
        .map(|r| (r.requirement_id.as_str(), observation_uuid(doc, r)))
        .collect();
    let observations: Vec<Value> = a.results.iter().map(|r| observation(doc, r)).collect();
    let mut findings: Vec<Value> = a.results.iter().filter_map(|r| judged(doc, r)).collect();
    let mut risks = Vec::new();
    for f in &a.findings {
        let (finding, r) = common::finding(doc, f, &|id| observation_of.get(id).cloned())?;
        findings.push(finding);
        risks.extend(r);
    }
    let mut result = json!({
        "uuid": uuid(&["result", doc]),
        "title": a.document.title,
        "description": or(&a.description, &a.document.title),
        "start": time(a.started),
        "reviewed-controls": reviewed_controls(&a.results),
    });
    if let Some(end) = a.ended {
        result["end"] = json!(time(end));
    }
    for (key, items) in [
        ("observations", observations),
        ("risks", risks),
        ("findings", findings),
    ] {
        if !items.is_empty() {
            result[key] = json!(items);
        }
    }
    let plan = uuid(&["assessment-plan", doc]);
    let catalog = &a.catalog.reference;
    Ok(json!({"assessment-results": {
        "uuid": uuid(&["assessment-results", doc, &a.document.version]),
        "metadata": metadata(&a.document),
        "import-ap": {"href": format!("#{plan}")},
        "results": [result],
        "back-matter": {"resources": [
            {
                "uuid": plan,
                "title": format!("Assessment: {}", a.document.title),
                "description": "The Deltawall assessment these results come from; it is not published as a separate OSCAL assessment plan.",
                "props": [prop("assessment-key", doc)],
            },
            {
                "uuid": uuid(&["catalog", &catalog.id, &catalog.version]),
                "title": or(&a.catalog.title, &catalog.id),
                "description": "The catalog edition assessed.",
                "props": [
                    prop("catalog-id", &catalog.id),
                    prop("catalog-version", &catalog.version),
                    prop("catalog-fingerprint", &catalog.fingerprint),
                ],
            },
        ]},
    }}))
}

fn observation_uuid(doc: &str, r: &RequirementResult) -> String {
    uuid(&["observation", doc, &r.requirement_id])
}

fn observation(doc: &str, r: &RequirementResult) -> Value {
    let mut props = vec![prop("outcome", r.outcome.code())];
    props.extend(requirement_props(&r.requirement_id));
    let mut v = json!({
        "uuid": observation_uuid(doc, r),
        "title": format!("{}: {}", r.requirement_id, r.outcome.code()),
        "description": or(&r.rationale, "No rationale recorded."),
        "props": props,
        "methods": ["EXAMINE"],
        "collected": time(r.assessed_at),
    });
    let evidence: Vec<Value> = r
        .evidence
        .iter()
        .map(|e| {
            let mut ev = json!({"description": or(&e.title, "Evidence")});
            if let Some(href) = &e.href {
                ev["href"] = json!(href);
            }
            if let Some(sha) = &e.sha256 {
                ev["props"] = json!([prop("sha256", sha)]);
            }
            ev
        })
        .collect();
    if !evidence.is_empty() {
        v["relevant-evidence"] = json!(evidence);
    }
    v
}

/// A finding for a judged requirement: satisfied when met, not satisfied when partly or
/// not met; none when not applicable or not assessed (the observation still records it).
fn judged(doc: &str, r: &RequirementResult) -> Option<Value> {
    let state = match r.outcome {
        Outcome::Met => "satisfied",
        Outcome::Partial | Outcome::NotMet => "not-satisfied",
        Outcome::NotApplicable | Outcome::NotAssessed => return None,
    };
    let mut props = vec![prop("outcome", r.outcome.code())];
    props.extend(requirement_props(&r.requirement_id));
    Some(json!({
        "uuid": uuid(&["result-finding", doc, &r.requirement_id]),
        "title": format!("{}: {}", r.requirement_id, r.outcome.code()),
        "description": or(&r.rationale, "No rationale recorded."),
        "props": props,
        "target": {
            "type": "objective-id",
            "target-id": token(&r.requirement_id),
            "status": {"state": state},
        },
        "related-observations": [{"observation-uuid": observation_uuid(doc, r)}],
    }))
}

fn reviewed_controls(results: &[RequirementResult]) -> Value {
    if results.is_empty() {
        return json!({"control-selections": [{"include-all": {}}]});
    }
    let ids: Vec<Value> = results
        .iter()
        .map(|r| json!({"control-id": token(&r.requirement_id)}))
        .collect();
    json!({"control-selections": [{"include-controls": ids}]})
}
