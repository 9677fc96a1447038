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

/// What a new scan changes, by position in the inputs, so a caller holding many findings
/// copies none of them: each scan finding once (the first of a repeated key), each prior
/// finding of the scan's sources at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classified {
    /// Indices into the scan of findings never seen in this scope before.
    pub new: Vec<usize>,
    /// `(scan, prior)` index pairs of findings reported now and already open.
    pub unchanged: Vec<(usize, usize)>,
    /// `(scan, prior)` index pairs of findings reported now after an earlier rescan had
    /// resolved them.
    pub reopened: Vec<(usize, usize)>,
    /// Indices into the prior findings of those open before and not reported by this scan.
    pub resolved: Vec<usize>,
}

/// [`classify`] over the prior findings `own` keeps; the others are left alone.
fn classify_own(
    prior: &[PriorFinding],
    scan: &[Finding],
    own: impl Fn(&PriorFinding) -> bool,
) -> Classified {
    let states: BTreeMap<&IdentityKey, usize> = prior
        .iter()
        .enumerate()
        .filter(|(_, p)| own(p))
        .map(|(i, p)| (&p.key, i))
        .collect();
    let mut order: Vec<usize> = (0..scan.len()).collect();
    // Stable: of a key reported twice, the first report comes first and wins.
    order.sort_by(|&a, &b| scan[a].key.cmp(&scan[b].key));
    let mut seen = BTreeSet::new();
    let mut out = Classified::default();
    for i in order {
        let key = &scan[i].key;
        if !seen.insert(key) {
            continue;
        }
        match states.get(key) {
            None => out.new.push(i),
            Some(&p) => match prior[p].state {
                PriorState::Open => out.unchanged.push((i, p)),
                PriorState::ResolvedByRescan => out.reopened.push((i, p)),
            },
        }
    }
    out.resolved = states
        .iter()
        .filter(|(key, p)| prior[**p].state == PriorState::Open && !seen.contains(*key))
        .map(|(_, p)| *p)
        .collect();
    out
}

/// Classifies a scan against the scope's prior findings of the sources the scan speaks for
/// ([`ImportSummary::sources`](crate::ImportSummary::sources)), by position: the same
/// classification as [`reconcile_import`] without copying a finding. Lists are in key order.
pub fn classify(
    prior: &[PriorFinding],
    scan: &[Finding],
    sources: &BTreeSet<String>,
) -> Classified {
    classify_own(prior, scan, |p| sources.contains(&p.key.source))
}

fn gather(prior: &[PriorFinding], scan: &[Finding], c: Classified) -> Reconciliation {
    let pick = |pairs: Vec<(usize, usize)>| pairs.into_iter().map(|(i, _)| scan[i].clone());
    Reconciliation {
        new: c.new.into_iter().map(|i| scan[i].clone()).collect(),
        unchanged: pick(c.unchanged).collect(),
        reopened: pick(c.reopened).collect(),
        resolved: c
            .resolved
            .into_iter()
            .map(|p| prior[p].key.clone())
            .collect(),
    }
}

/// Classifies a scan against the scope's prior findings. Pure: the same inputs always give the
/// same result, sorted by key. A key reported twice in one scan counts once (the first wins),
/// because scanners repeat a finding per plugin output block.
pub fn reconcile(prior: &[PriorFinding], scan: &[Finding]) -> Reconciliation {
    gather(prior, scan, classify_own(prior, scan, |_| true))
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
    gather(prior, scan, classify(prior, scan, sources))
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
