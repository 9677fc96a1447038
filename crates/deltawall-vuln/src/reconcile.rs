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
