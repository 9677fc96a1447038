//! Reconciling a new scan of a scope with what the store already holds for that scope.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Finding, IdentityKey};

/// Whether a stored finding of the scope is currently open or was closed by an earlier rescan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorState {
    /// Still reported by the last scan.
    Open,
    /// No longer reported by a later scan of the same scope.
    ResolvedByRescan,
}

/// A finding the store already holds for the scope being re-scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorFinding {
    /// Its identity key.
    pub key: IdentityKey,
    /// Its state before this scan.
    pub state: PriorState,
}

/// What a new scan changes; every key of the inputs lands in exactly one list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciliation {
    /// Reported now and never seen in this scope before.
    pub new: Vec<Finding>,
    /// Reported now and already open.
    pub unchanged: Vec<Finding>,
    /// Reported now after an earlier rescan had resolved it.
    pub reopened: Vec<Finding>,
    /// Open before, not reported by this scan.
    pub resolved: Vec<IdentityKey>,
}

/// Classifies a scan against the scope's prior findings. Pure: the same inputs always give the
/// same result, sorted by key. A key reported twice in one scan counts once (the first wins),
/// because scanners repeat a finding per plugin output block.
pub fn reconcile(prior: &[PriorFinding], scan: &[Finding]) -> Reconciliation {
    let states: BTreeMap<&IdentityKey, PriorState> =
        prior.iter().map(|p| (&p.key, p.state)).collect();
    let mut seen = BTreeSet::new();
    let mut out = Reconciliation::default();
    let mut sorted: Vec<&Finding> = scan.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    for finding in sorted {
        if !seen.insert(&finding.key) {
            continue;
        }
        let bucket = match states.get(&finding.key) {
            None => &mut out.new,
            Some(PriorState::Open) => &mut out.unchanged,
            Some(PriorState::ResolvedByRescan) => &mut out.reopened,
        };
        bucket.push(finding.clone());
    }
    out.resolved = states
        .iter()
        .filter(|(key, state)| **state == PriorState::Open && !seen.contains(*key))
        .map(|(key, _)| (*key).clone())
        .collect();
    out
}

/// Reconciles a scan with the scope's prior findings of the sources the scan speaks for
/// ([`ImportSummary::sources`](crate::ImportSummary::sources)); prior findings of other
/// scanners are left alone, so two scanners can share a scope without resolving each other's
/// findings.
pub fn reconcile_import(
    prior: &[PriorFinding],
    scan: &[Finding],
    sources: &BTreeSet<String>,
) -> Reconciliation {
    let own: Vec<PriorFinding> = prior
        .iter()
        .filter(|p| sources.contains(&p.key.source))
        .cloned()
        .collect();
    reconcile(&own, scan)
}

/// One vulnerability reported by more than one scanner at the same place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossScannerMatch {
    /// The CVE both name.
    pub cve: String,
    /// The location both name (`host:protocol/port` for network scanners).
    pub location: String,
    /// The findings' keys, one or more per source, sorted.
    pub keys: Vec<IdentityKey>,
}

/// Finds the findings that different scanners report for the same CVE at the same location,
/// so a scope scanned by two tools counts each vulnerability once. Identity keys stay per
/// source (each scanner's rescan resolves only its own); this is the view across them.
pub fn correlate(findings: &[Finding]) -> Vec<CrossScannerMatch> {
    let mut groups: BTreeMap<(&str, &str), BTreeSet<&IdentityKey>> = BTreeMap::new();
    for f in findings {
        for cve in &f.cves {
            groups
                .entry((cve.as_str(), f.key.location.as_str()))
                .or_default()
                .insert(&f.key);
        }
    }
    groups
        .into_iter()
        .filter(|(_, keys)| {
            let sources: BTreeSet<&str> = keys.iter().map(|k| k.source.as_str()).collect();
            sources.len() > 1
        })
        .map(|((cve, location), keys)| CrossScannerMatch {
            cve: cve.to_owned(),
            location: location.to_owned(),
            keys: keys.into_iter().cloned().collect(),
        })
        .collect()
}
