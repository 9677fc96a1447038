//! What an export is made from. The service layer maps its assessments, evidence,
//! findings and risks into these; nothing here knows about storage.

use deltawall_domain::catalog::CatalogRef;
use deltawall_domain::finding::{Milestone, Severity, State};
use jiff::Timestamp;

/// The document being exported.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Stable key of what is exported (e.g. the assessment's id); all UUIDs derive from it.
    pub key: String,
    /// Title.
    pub title: String,
    /// Version of the document; a changed export should carry a new version.
    pub version: String,
    /// When the exported content last changed.
    pub last_modified: Timestamp,
    /// The organisation assessed.
    pub organisation: Party,
    /// Who assessed it, when someone other than the organisation itself.
    pub assessor: Option<Party>,
}

/// An organisation named in an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Stable key (e.g. the organisation's id).
    pub key: String,
    /// Name as shown.
    pub name: String,
}

/// The catalog edition an assessment answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSource {
    /// Exact edition.
    pub reference: CatalogRef,
    /// Title as shown.
    pub title: String,
}

/// An assessment and its findings, for [`assessment_results`](super::assessment_results).
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentExport {
    /// The document.
    pub document: Document,
    /// What the assessment covered.
    pub description: String,
    /// The catalog edition answered.
    pub catalog: CatalogSource,
    /// When the assessment started.
    pub started: Timestamp,
    /// When it ended, if it has.
    pub ended: Option<Timestamp>,
    /// One result per requirement answered.
    pub results: Vec<RequirementResult>,
    /// Findings raised.
    pub findings: Vec<FindingExport>,
}

/// Findings and their remediation, for [`poam`](super::poam).
#[derive(Debug, Clone, PartialEq)]
pub struct PoamExport {
    /// The document.
    pub document: Document,
    /// Findings, each becoming a POA&M item.
    pub findings: Vec<FindingExport>,
}

/// How a requirement was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Met.
    Met,
    /// Partly met.
    Partial,
    /// Not met.
    NotMet,
    /// Does not apply to the organisation.
    NotApplicable,
    /// Not assessed (yet).
    NotAssessed,
}

impl Outcome {
    /// Stable code, used as a property value.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::Partial => "partial",
            Outcome::NotMet => "not-met",
            Outcome::NotApplicable => "not-applicable",
            Outcome::NotAssessed => "not-assessed",
        }
    }
}

/// The answer to one requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct RequirementResult {
    /// The requirement's id in the catalog.
    pub requirement_id: String,
    /// The judgement.
    pub outcome: Outcome,
    /// Why.
    pub rationale: String,
    /// Evidence relied on.
    pub evidence: Vec<EvidenceRef>,
    /// When it was judged.
    pub assessed_at: Timestamp,
}

/// A piece of evidence, by reference (the content stays in Deltawall).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRef {
    /// Title as shown.
    pub title: String,
    /// Where it can be fetched, if anywhere.
    pub href: Option<String>,
    /// SHA-256 of its content (lowercase hex), if known.
    pub sha256: Option<String>,
}

/// A finding and what is done about it.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingExport {
    /// Stable key (e.g. the finding's id).
    pub key: String,
    /// Title.
    pub title: String,
    /// What was found.
    pub description: String,
    /// The requirements it is about; at least one (the first is the OSCAL target).
    pub requirement_ids: Vec<String>,
    /// Severity.
    pub severity: Severity,
    /// Current state.
    pub state: State,
    /// When remediation is due.
    pub due: Option<Timestamp>,
    /// Risks it carries (a risk is made from the finding itself when empty).
    pub risks: Vec<RiskExport>,
    /// Remediation milestones, in order.
    pub milestones: Vec<Milestone>,
}

/// A risk a finding carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskExport {
    /// Stable key within the finding.
    pub key: String,
    /// Title.
    pub title: String,
    /// The risk statement.
    pub statement: String,
}
