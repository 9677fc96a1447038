use deltawall_vuln::{Finding, IdentityKey, PriorFinding, PriorState, Severity, reconcile};

fn key(rule: &str, location: &str) -> IdentityKey {
    IdentityKey {
        source: "nessus".into(),
        rule: rule.into(),
        location: location.into(),
    }
}

fn finding(rule: &str, location: &str, title: &str) -> Finding {
    Finding {
        key: key(rule, location),
        title: title.into(),
        severity: Severity::High,
        cves: vec![],
        cvss: None,
    }
}

fn prior(rule: &str, location: &str, state: PriorState) -> PriorFinding {
    PriorFinding {
        key: key(rule, location),
        state,
    }
}

fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.key.rule.as_str()).collect()
}

#[test]
fn rescan_sorts_findings_into_new_unchanged_reopened_and_resolved() {
    let previous = [
        prior("100", "10.0.0.1:443", PriorState::Open),
        prior("200", "10.0.0.1:22", PriorState::Open),
        prior("300", "10.0.0.2:80", PriorState::ResolvedByRescan),
    ];
    let scan = [
        // the scanner reworded the title: still the same finding
        finding("100", "10.0.0.1:443", "TLS 1.0 enabled (reworded)"),
        finding("300", "10.0.0.2:80", "came back"),
        finding("400", "10.0.0.3:25", "brand new"),
    ];
    let r = reconcile(&previous, &scan);
    assert_eq!(rules(&r.unchanged), ["100"]);
    assert_eq!(rules(&r.reopened), ["300"]);
    assert_eq!(rules(&r.new), ["400"]);
    assert_eq!(r.resolved, [key("200", "10.0.0.1:22")]);
}

#[test]
fn reimporting_the_same_scan_changes_nothing() {
    let scan = [finding("100", "a", "x"), finding("200", "b", "y")];
    let first = reconcile(&[], &scan);
    let stored: Vec<PriorFinding> = first
        .new
        .iter()
        .map(|f| PriorFinding {
            key: f.key.clone(),
            state: PriorState::Open,
        })
        .collect();
    let second = reconcile(&stored, &scan);
    assert!(second.new.is_empty() && second.reopened.is_empty() && second.resolved.is_empty());
    assert_eq!(rules(&second.unchanged), ["100", "200"]);
}

#[test]
fn a_key_repeated_within_one_scan_counts_once() {
    let scan = [finding("100", "a", "first"), finding("100", "a", "second")];
    assert_eq!(reconcile(&[], &scan).new.len(), 1);
}

#[test]
fn a_resolved_finding_absent_again_is_not_resolved_twice() {
    let r = reconcile(&[prior("1", "a", PriorState::ResolvedByRescan)], &[]);
    assert!(r.resolved.is_empty());
}

#[test]
fn canonical_keys_cannot_collide_by_shifting_separators() {
    let a = IdentityKey {
        source: "a:b".into(),
        rule: "c".into(),
        location: "d".into(),
    };
    let b = IdentityKey {
        source: "a".into(),
        rule: "b:c".into(),
        location: "d".into(),
    };
    assert_ne!(a.canonical(), b.canonical());
}

#[test]
fn cvss_scores_map_to_first_bands() {
    let cases = [
        (0.0, Some(Severity::Info)),
        (0.1, Some(Severity::Low)),
        (4.0, Some(Severity::Medium)),
        (7.0, Some(Severity::High)),
        (9.0, Some(Severity::Critical)),
        (10.1, None),
        (f64::NAN, None),
    ];
    for (score, expected) in cases {
        assert_eq!(Severity::from_cvss(score), expected, "score {score}");
    }
}
