//! The posture tables that have their own CSV address (`results.csv`, `evidence.csv`,
//! `risks.csv`, `group.csv`, `report.csv`), built as one [`Table`] each so they are written by
//! the same CSV writer as every other download.

use crate::downloads::table::Table;
use crate::layout::format_time;
use crate::posture::views::maturity;
use deltawall_app::posture::assessments::AssessmentView;
use deltawall_app::posture::report::{GroupReport, ManagementReport};
use deltawall_store::evidence::Evidence as EvidenceMeta;
use deltawall_store::findings::{StoredFinding, code_of};
use deltawall_store::risks::Risk as StoredRisk;

fn table(sheet: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        sheet: sheet.to_owned(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

/// The latest answer to every requirement of an assessment.
pub fn results(v: &AssessmentView) -> Table {
    let rows = v
        .latest
        .iter()
        .map(|r| {
            vec![
                r.requirement_id.clone(),
                r.revision.to_string(),
                r.answer.outcome.code().to_owned(),
                r.answer.maturity.map(|m| m.to_string()).unwrap_or_default(),
                r.answer.confidence.code().to_owned(),
                r.answer.rationale.clone(),
                r.answer.justification.clone().unwrap_or_default(),
                r.answer.evidence.join(" "),
                r.carried.to_string(),
                format_time(r.recorded_at),
            ]
        })
        .collect();
    table(
        "results",
        &[
            "requirement",
            "revision",
            "result",
            "maturity",
            "confidence",
            "rationale",
            "justification",
            "evidence",
            "carried",
            "recorded_at",
        ],
        rows,
    )
}

/// The organisation's evidence files (metadata only).
pub fn evidence(files: Vec<EvidenceMeta>) -> Table {
    let rows = files
        .into_iter()
        .map(|e| {
            vec![
                e.id,
                e.filename,
                e.content_type,
                e.size.to_string(),
                e.sha256,
                e.collected_on,
                e.effective_from.unwrap_or_default(),
                e.effective_to.unwrap_or_default(),
                e.owner,
                e.tlp,
                e.retention_until.unwrap_or_default(),
                e.supersedes.unwrap_or_default(),
            ]
        })
        .collect();
    table(
        "evidence",
        &[
            "id",
            "filename",
            "content_type",
            "size",
            "sha256",
            "collected_on",
            "effective_from",
            "effective_to",
            "owner",
            "tlp",
            "retention_until",
            "supersedes",
        ],
        rows,
    )
}

/// The risk register.
pub fn risks(list: Vec<StoredRisk>) -> Table {
    let rows = list
        .into_iter()
        .map(|r| {
            let f = r.fields;
            vec![
                r.id,
                f.title,
                f.asset.unwrap_or_default(),
                f.requirement_id.unwrap_or_default(),
                f.inherent_likelihood.to_string(),
                f.inherent_impact.to_string(),
                f.residual_likelihood.to_string(),
                f.residual_impact.to_string(),
                f.owner,
                f.treatment,
                f.review_on,
            ]
        })
        .collect();
    table(
        "risks",
        &[
            "id",
            "title",
            "asset",
            "requirement",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
            "owner",
            "treatment",
            "review_on",
        ],
        rows,
    )
}

/// The group roll-up: one row per group company and basic element.
pub fn group(r: &GroupReport) -> Table {
    let mut rows = Vec::new();
    for c in &r.companies {
        for e in &r.elements {
            let p = c.progress.iter().find(|p| p.section_id == e.id);
            rows.push(vec![
                c.org_id.clone(),
                c.name_en.clone(),
                c.assessment
                    .as_ref()
                    .map(|a| a.as_of.clone())
                    .unwrap_or_default(),
                e.id.clone(),
                p.map_or(0, |p| p.total).to_string(),
                p.map_or(0, |p| p.answered).to_string(),
                p.map_or(0, |p| p.met).to_string(),
                maturity(p.and_then(|p| p.maturity_x100)),
                c.open_by_element
                    .get(&e.id)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ]);
        }
    }
    table(
        "group",
        &[
            "org_id",
            "company",
            "as_of",
            "element",
            "total",
            "answered",
            "met",
            "maturity",
            "open_findings",
        ],
        rows,
    )
}

const FINDING_HEAD: [&str; 6] = [
    "id",
    "title",
    "severity",
    "state",
    "due_on",
    "acceptance_expires",
];

fn findings(sheet: &str, list: &[StoredFinding]) -> Table {
    let rows = list
        .iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.title.clone(),
                code_of(&f.finding.severity),
                code_of(&f.finding.state),
                f.due_on.clone().unwrap_or_default(),
                f.finding
                    .acceptance
                    .as_ref()
                    .map(|a| format_time(a.expires_at_us))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(sheet, &FINDING_HEAD, rows)
}

fn elements(r: &ManagementReport) -> Table {
    let rows = r
        .elements
        .iter()
        .map(|e| {
            let p = r.progress.iter().find(|p| p.section_id == e.id);
            vec![
                e.id.clone(),
                e.title.en.clone(),
                p.map_or(0, |p| p.total).to_string(),
                p.map_or(0, |p| p.answered).to_string(),
                p.map_or(0, |p| p.met).to_string(),
                p.map_or(0, |p| p.partial).to_string(),
                p.map_or(0, |p| p.not_met).to_string(),
                maturity(p.and_then(|p| p.maturity_x100)),
                r.open_by_element
                    .get(&e.id)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ]
        })
        .collect();
    table(
        "elements",
        &[
            "element",
            "title",
            "total",
            "answered",
            "met",
            "partial",
            "not_met",
            "maturity",
            "open_findings",
        ],
        rows,
    )
}

fn maturity_table(r: &ManagementReport) -> Table {
    let rows = r
        .maturity
        .iter()
        .map(|m| {
            vec![
                m.assessment_id.clone(),
                m.as_of.clone(),
                m.cycle.to_string(),
                maturity(m.maturity_x100),
            ]
        })
        .collect();
    table(
        "maturity",
        &["assessment", "as_of", "cycle", "maturity"],
        rows,
    )
}

/// One table of the management report by name, or `None` for an unknown name.
pub fn report(r: &ManagementReport, name: &str) -> Option<Table> {
    Some(match name {
        "elements" => elements(r),
        "maturity" => maturity_table(r),
        "open" => findings("open", &r.open),
        "overdue" => findings("overdue", &r.overdue),
        "expiring" => findings("expiring", &r.expiring),
        _ => return None,
    })
}

/// The finding list with whether each is overdue at `now`.
pub fn findings_list(list: &[StoredFinding], now: i64) -> Table {
    let rows = list
        .iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.title.clone(),
                code_of(&f.finding.severity),
                code_of(&f.finding.state),
                f.requirement_ids.join(" "),
                f.due_on.clone().unwrap_or_default(),
                deltawall_app::posture::findings::overdue(f, now).to_string(),
            ]
        })
        .collect();
    table(
        "findings",
        &[
            "id",
            "title",
            "severity",
            "state",
            "requirements",
            "due_on",
            "overdue",
        ],
        rows,
    )
}
