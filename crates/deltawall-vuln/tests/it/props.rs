use std::collections::BTreeSet;

use deltawall_vuln::{Finding, IdentityKey, PriorFinding, PriorState, Severity, reconcile};
use proptest::prelude::*;

fn key(n: u8) -> IdentityKey {
    IdentityKey {
        source: "s".into(),
        rule: n.to_string(),
        location: "l".into(),
    }
}

fn finding(n: u8) -> Finding {
    Finding {
        key: key(n),
        title: String::new(),
        severity: Severity::Low,
        cves: vec![],
        cvss: None,
    }
}

proptest! {
    /// Every scanned key lands in exactly one of new/unchanged/reopened, every open prior key
    /// absent from the scan is resolved, and nothing else is.
    #[test]
    fn every_key_lands_in_exactly_one_bucket(
        prior in proptest::collection::btree_map(0u8..40, any::<bool>(), 0..30),
        scan in proptest::collection::vec(0u8..40, 0..40),
    ) {
        let prior_list: Vec<PriorFinding> = prior.iter().map(|(n, open)| PriorFinding {
            key: key(*n),
            state: if *open { PriorState::Open } else { PriorState::ResolvedByRescan },
        }).collect();
        let scanned: Vec<Finding> = scan.iter().copied().map(finding).collect();
        let r = reconcile(&prior_list, &scanned);
        let scan_keys: BTreeSet<u8> = scan.iter().copied().collect();
        let reported = r.new.len() + r.unchanged.len() + r.reopened.len();
        prop_assert_eq!(reported, scan_keys.len());
        for f in &r.new { prop_assert!(!prior.contains_key(&f.key.rule.parse::<u8>().unwrap())); }
        for f in &r.unchanged { prop_assert_eq!(prior.get(&f.key.rule.parse::<u8>().unwrap()), Some(&true)); }
        for f in &r.reopened { prop_assert_eq!(prior.get(&f.key.rule.parse::<u8>().unwrap()), Some(&false)); }
        // reconcile sorts by key text ("10" before "2"), so compare sorted
        let mut expected_resolved: Vec<IdentityKey> = prior.iter()
            .filter(|(n, open)| **open && !scan_keys.contains(n))
            .map(|(n, _)| key(*n)).collect();
        expected_resolved.sort();
        prop_assert_eq!(r.resolved, expected_resolved);
    }
}
