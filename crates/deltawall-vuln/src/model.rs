//! The common finding model shared by every importer.

use serde::Serialize;

/// Severity as the scanner reported it, mapped onto one ordered scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational output that needs no fix.
    Info,
    /// Low risk.
    Low,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
    /// Critical risk.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// The stable code stored and shown in the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The severity of a code, `None` for anything else.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Maps a CVSS v3 base score to its qualitative rating (FIRST's bands); `None` when the
    /// score is outside 0.0–10.0 or not a number.
    pub fn from_cvss(score: f64) -> Option<Self> {
        if !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(match score {
            s if s >= 9.0 => Self::Critical,
            s if s >= 7.0 => Self::High,
            s if s >= 4.0 => Self::Medium,
            s if s > 0.0 => Self::Low,
            _ => Self::Info,
        })
    }
}

/// What makes two reports name the same finding: the source, the rule or plugin that fired and
/// the place it fired, never the free text around it (which scanners reword between versions).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct IdentityKey {
    /// Scanner family, e.g. `nessus`, `sarif:semgrep`, `trivy`.
    pub source: String,
    /// Rule, plugin or check identifier as the scanner names it.
    pub rule: String,
    /// Where it fired: host and port, artifact path, package and version, resource ARN.
    pub location: String,
}

impl IdentityKey {
    /// One stable text for storage and indexing; fields are length-prefixed so that no choice
    /// of field contents can make two different keys print the same.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for part in [&self.source, &self.rule, &self.location] {
            out.push_str(&part.len().to_string());
            out.push(':');
            out.push_str(part);
        }
        out
    }
}

/// One finding from one scan, reduced to what every source can say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Identity across re-imports.
    pub key: IdentityKey,
    /// Scanner's title, kept for display only (not part of identity).
    pub title: String,
    /// Mapped severity.
    pub severity: Severity,
    /// CVE identifiers the scanner attached, upper-case, sorted, without duplicates.
    pub cves: Vec<String>,
    /// CVSS base score when the scanner gave one.
    pub cvss: Option<f64>,
}
