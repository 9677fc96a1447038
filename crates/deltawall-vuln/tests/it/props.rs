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

fn keyed(source: &str, n: u8, title: &str) -> Finding {
    Finding {
        key: IdentityKey {
            source: source.into(),
            ..key(n)
        },
        title: title.into(),
        ..finding(n)
    }
}

proptest! {
    /// `classify` names by position what `reconcile_import` copies: the same findings (the
    /// first report of a repeated key) and prior keys, and each pair joins equal keys.
    #[test]
    fn classify_points_at_what_reconcile_import_copies(
        prior in proptest::collection::btree_map((any::<bool>(), 0u8..20), any::<bool>(), 0..30),
        scan in proptest::collection::vec((any::<bool>(), 0u8..20), 0..40),
    ) {
        let source = |a: bool| if a { "a" } else { "b" };
        let prior_list: Vec<PriorFinding> = prior.iter().map(|((a, n), open)| PriorFinding {
            key: keyed(source(*a), *n, "").key,
            state: if *open { PriorState::Open } else { PriorState::ResolvedByRescan },
        }).collect();
        let scanned: Vec<Finding> = scan.iter().enumerate()
            .map(|(i, (a, n))| keyed(source(*a), *n, &i.to_string())).collect();
        let sources = BTreeSet::from(["a".to_owned()]);
        let c = deltawall_vuln::classify(&prior_list, &scanned, &sources);
        let r = deltawall_vuln::reconcile_import(&prior_list, &scanned, &sources);
        let at = |i: &usize| scanned[*i].clone();
        prop_assert_eq!(c.new.iter().map(at).collect::<Vec<_>>(), r.new);
        for (pairs, copied) in [(&c.unchanged, &r.unchanged), (&c.reopened, &r.reopened)] {
            prop_assert_eq!(pairs.iter().map(|(i, _)| at(i)).collect::<Vec<_>>(), copied.clone());
            for (i, p) in pairs.iter() {
                prop_assert_eq!(&scanned[*i].key, &prior_list[*p].key);
            }
        }
        let resolved: Vec<IdentityKey> = c.resolved.iter().map(|p| prior_list[*p].key.clone()).collect();
        prop_assert_eq!(resolved, r.resolved);
        for f in c.new.iter().map(at) {
            let first = scanned.iter().find(|g| g.key == f.key).unwrap();
            prop_assert_eq!(&first.title, &f.title, "the first report of a key wins");
        }
    }
}
