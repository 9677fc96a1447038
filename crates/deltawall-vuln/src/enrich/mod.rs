//! Enrichment from files the user imports (nothing is fetched at run time): the CISA Known
//! Exploited Vulnerabilities catalog and FIRST's EPSS scores. Every value keeps the date of
//! the data it came from, so a report can say "in KEV as of 2026-11-30" rather than pretend
//! the data is current.

mod epss;
mod kev;

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::model::Finding;

/// A value with the date of the data it was taken from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dated<T> {
    /// The value.
    pub value: T,
    /// The date of its source file (KEV `dateReleased`, EPSS `score_date`).
    pub as_of: Date,
}

/// One entry of the KEV catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KevEntry {
    /// The CVE, upper-case.
    pub cve: String,
    /// Vendor or project.
    pub vendor_project: String,
    /// Product.
    pub product: String,
    /// CISA's name for the vulnerability.
    pub name: String,
    /// When CISA added it to the catalog.
    pub date_added: Date,
    /// The remediation due date CISA set for US federal agencies, a useful deadline anchor.
    pub due_date: Date,
    /// What CISA says to do.
    pub required_action: String,
    /// Whether it is known to be used in ransomware campaigns (`Known` in the catalog).
    pub known_ransomware_use: bool,
}

/// One EPSS score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EpssScore {
    /// Probability of exploitation activity in the next 30 days, 0–1.
    pub score: f64,
    /// Rank among all scored CVEs, 0–1.
    pub percentile: f64,
}

/// What enrichment says of one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingEnrichment {
    /// The KEV entry with the earliest due date among the finding's CVEs.
    pub kev: Option<Dated<KevEntry>>,
    /// The highest EPSS score among the finding's CVEs.
    pub epss: Option<Dated<EpssScore>>,
}

/// Loaded KEV and EPSS data. Loading a file replaces the earlier data of its kind whole (each
/// file is a complete snapshot) and only once the file has been read without error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Enrichment {
    kev: BTreeMap<String, Dated<KevEntry>>,
    kev_version: Option<String>,
    epss: BTreeMap<String, Dated<EpssScore>>,
}

impl Enrichment {
    /// The loaded KEV catalog's version, when one was loaded.
    pub fn kev_version(&self) -> Option<&str> {
        self.kev_version.as_deref()
    }

    /// How many KEV entries and EPSS scores are loaded.
    pub fn sizes(&self) -> (usize, usize) {
        (self.kev.len(), self.epss.len())
    }

    /// Every loaded KEV entry, by CVE.
    pub fn kev_entries(&self) -> impl Iterator<Item = &Dated<KevEntry>> {
        self.kev.values()
    }

    /// Every loaded EPSS score with its CVE, by CVE.
    pub fn epss_scores(&self) -> impl Iterator<Item = (&str, &Dated<EpssScore>)> {
        self.epss.iter().map(|(cve, s)| (cve.as_str(), s))
    }

    /// The KEV entry of one CVE.
    pub fn kev(&self, cve: &str) -> Option<&Dated<KevEntry>> {
        self.kev.get(&cve.to_ascii_uppercase())
    }

    /// The EPSS score of one CVE.
    pub fn epss(&self, cve: &str) -> Option<&Dated<EpssScore>> {
        self.epss.get(&cve.to_ascii_uppercase())
    }

    /// Enrichment of a finding from its CVEs.
    pub fn for_finding(&self, finding: &Finding) -> FindingEnrichment {
        let kev = finding
            .cves
            .iter()
            .filter_map(|c| self.kev(c))
            .min_by(|a, b| a.value.due_date.cmp(&b.value.due_date))
            .cloned();
        let epss = finding
            .cves
            .iter()
            .filter_map(|c| self.epss(c))
            .max_by(|a, b| a.value.score.total_cmp(&b.value.score))
            .cloned();
        FindingEnrichment { kev, epss }
    }
}
