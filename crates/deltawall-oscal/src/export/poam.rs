//! OSCAL plan of action and milestones.

use serde_json::{Value, json};

use super::common::{self, metadata, or, prop, unique, uuid};
use super::{ExportError, PoamExport};

/// Findings as an OSCAL 1.1.2 `plan-of-action-and-milestones` document (the whole JSON
/// document). Each finding becomes a finding, its risks (with the milestones as
/// remediation tasks) and a POA&M item relating them. The system is identified by the
/// organisation's UUID.
pub fn poam(p: &PoamExport) -> Result<Value, ExportError> {
    let doc = p.document.key.as_str();
    unique("finding", p.findings.iter().map(|f| f.key.as_str()))?;
    let (mut findings, mut risks, mut items) = (Vec::new(), Vec::new(), Vec::new());
    for f in &p.findings {
        let (finding, r) = common::finding(doc, f, &|_| None)?;
        items.push(json!({
            "uuid": uuid(&["poam-item", doc, &f.key]),
            "title": or(&f.title, &f.key),
            "description": or(&f.description, &f.title),
            "props": [prop("finding-key", &f.key)],
            "related-findings": [{"finding-uuid": finding["uuid"]}],
            "related-risks": r.iter().map(|x| json!({"risk-uuid": x["uuid"]})).collect::<Vec<_>>(),
        }));
        findings.push(finding);
        risks.extend(r);
    }
    let mut body = json!({
        "uuid": uuid(&["poam", doc, &p.document.version]),
        "metadata": metadata(&p.document),
        "system-id": {
            "identifier-type": "https://ietf.org/rfc/rfc4122",
            "id": uuid(&["party", &p.document.organisation.key]),
        },
        "poam-items": items,
    });
    if !risks.is_empty() {
        body["risks"] = json!(risks);
    }
    if !findings.is_empty() {
        body["findings"] = json!(findings);
    }
    Ok(json!({"plan-of-action-and-milestones": body}))
}
