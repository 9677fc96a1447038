//! Assessment-results and POA&M export: content, reproducibility, refusals, snapshots.

use deltawall_domain::catalog::CatalogRef;
use deltawall_domain::finding::{Milestone, Severity, State};
use deltawall_oscal::export::{
    AssessmentExport, CatalogSource, Document, EvidenceRef, ExportError, FindingExport, Outcome,
    Party, PoamExport, RequirementResult, RiskExport, assessment_results, poam,
};
use jiff::Timestamp;
use serde_json::Value;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn us(s: &str) -> i64 {
    at(s).as_microsecond()
}

/// A small assessment of a regional bank against two requirements, one finding.
pub fn sample() -> AssessmentExport {
    let result = |id: &str, outcome, rationale: &str| RequirementResult {
        requirement_id: id.into(),
        outcome,
        rationale: rationale.into(),
        evidence: Vec::new(),
        assessed_at: at("2025-06-10T05:00:00Z"),
    };
    let mut met = result("FSA-BE1-01", Outcome::Met, "取締役会が年次で承認している。");
    met.evidence.push(EvidenceRef {
        title: "取締役会議事録 2025-04".into(),
        href: Some("https://deltawall.example/evidence/ev-1".into()),
        sha256: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into()),
    });
    AssessmentExport {
        document: Document {
            key: "asm-2025-001".into(),
            title: "2025年度 自己評価 / FY2025 self-assessment".into(),
            version: "3".into(),
            last_modified: at("2025-06-12T09:00:00Z"),
            organisation: Party {
                key: "org-hokuriku-bank".into(),
                name: "北陸テスト銀行".into(),
            },
            assessor: Some(Party {
                key: "org-fsa".into(),
                name: "金融庁".into(),
            }),
        },
        description: "監督上の着眼点に基づく自己評価。".into(),
        catalog: CatalogSource {
            reference: CatalogRef {
                id: "fsa-2020-viewpoints".into(),
                version: "2020.1".into(),
                fingerprint: "ab".repeat(32),
            },
            title: "Supervisory viewpoints (FSA 2020)".into(),
        },
        started: at("2025-06-01T00:00:00Z"),
        ended: Some(at("2025-06-12T09:00:00Z")),
        results: vec![
            met,
            result(
                "FSA-BE2-03",
                Outcome::NotMet,
                "ログの保存期間が定められていない。",
            ),
            result("viewpoint:tlpt/1", Outcome::Partial, ""),
            result("FSA-BE3-01", Outcome::NotApplicable, "該当業務なし。"),
        ],
        findings: vec![FindingExport {
            key: "fnd-7".into(),
            title: "ログ保存期間の未設定".into(),
            description: "SIEM のログ保存期間が規程にない。".into(),
            requirement_ids: vec!["FSA-BE2-03".into(), "viewpoint:tlpt/1".into()],
            severity: Severity::High,
            state: State::InRemediation,
            due: Some(at("2025-12-31T00:00:00Z")),
            risks: vec![RiskExport {
                key: "r1".into(),
                title: "不正アクセスの追跡不能".into(),
                statement: "侵害時に調査できない。".into(),
            }],
            milestones: vec![
                Milestone {
                    title: "規程改定".into(),
                    owner: "u-ciso".into(),
                    due_us: us("2025-08-31T00:00:00Z"),
                    done_us: Some(us("2025-08-20T03:00:00Z")),
                },
                Milestone {
                    title: "SIEM 設定変更".into(),
                    owner: "u-soc".into(),
                    due_us: us("2025-10-31T00:00:00Z"),
                    done_us: None,
                },
            ],
        }],
    }
}

pub fn sample_poam() -> PoamExport {
    let a = sample();
    let mut second = a.findings[0].clone();
    second.key = "fnd-8".into();
    second.title = "演習未実施".into();
    second.state = State::Issued;
    second.risks.clear();
    second.milestones.clear();
    second.requirement_ids = vec!["FSA-BE5-02".into()];
    PoamExport {
        document: Document {
            key: "poam-hokuriku-2025".into(),
            ..a.document
        },
        findings: vec![a.findings[0].clone(), second],
    }
}

#[test]
fn assessment_results_snapshot() {
    insta::assert_json_snapshot!(assessment_results(&sample()).unwrap());
}

#[test]
fn poam_snapshot() {
    insta::assert_json_snapshot!(poam(&sample_poam()).unwrap());
}

#[test]
fn exports_are_reproducible_and_keyed() {
    let a = assessment_results(&sample()).unwrap();
    assert_eq!(a, assessment_results(&sample()).unwrap());
    let mut other = sample();
    other.document.key = "asm-2025-002".into();
    let b = assessment_results(&other).unwrap();
    let uuid = |v: &Value| v["assessment-results"]["results"][0]["uuid"].clone();
    assert_ne!(uuid(&a), uuid(&b));
}

#[test]
fn results_map_to_findings_and_observations() {
    let v = assessment_results(&sample()).unwrap();
    let r = &v["assessment-results"]["results"][0];
    assert_eq!(r["observations"].as_array().unwrap().len(), 4);
    let findings = r["findings"].as_array().unwrap();
    // met, not met, partial (not applicable has none) + the finding
    assert_eq!(findings.len(), 4);
    let states: Vec<&str> = findings
        .iter()
        .map(|f| f["target"]["status"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "satisfied",
            "not-satisfied",
            "not-satisfied",
            "not-satisfied"
        ]
    );
    assert_eq!(findings[2]["target"]["target-id"], "viewpoint_tlpt_1");
    let risk = &r["risks"][0];
    assert_eq!(risk["status"], "remediating");
    assert_eq!(
        risk["remediations"][0]["tasks"].as_array().unwrap().len(),
        2
    );
    assert_eq!(risk["remediations"][0]["lifecycle"], "planned");
}

#[test]
fn a_finding_without_requirement_or_with_a_duplicate_key_is_refused() {
    let mut a = sample();
    a.findings[0].requirement_ids.clear();
    assert_eq!(
        assessment_results(&a).unwrap_err(),
        ExportError::NoRequirement {
            finding: "fnd-7".into()
        }
    );
    let mut p = sample_poam();
    p.findings[1].key = "fnd-7".into();
    assert_eq!(
        poam(&p).unwrap_err().to_string(),
        "finding key \"fnd-7\" is used more than once"
    );
}
