//! SigmaHQ corpus conformance: every rule is supported or rejected with a reason, and every
//! regression case matches.

use crate::corpus;
use crate::support::shared_data;

#[test]
fn sigmahq_rules_load_or_are_rejected_with_reasons() {
    let Some(root) = shared_data("sigmahq") else {
        return;
    };
    let mut total = 0;
    let mut supported = 0;
    for folder in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-dfir",
    ] {
        let report = corpus::load_folder(&root, folder);
        eprintln!(
            "{folder}: {} of {} supported",
            report.supported, report.documents
        );
        for (reason, rules) in corpus::group_reasons(&report.rejected) {
            eprintln!("  {} × {reason} (e.g. {})", rules.len(), rules[0]);
        }
        assert!(
            report
                .rejected
                .iter()
                .all(|e| !e.reason.is_empty() && !e.origin.is_empty())
        );
        total += report.documents;
        supported += report.supported;
    }
    let share = supported as f64 / total as f64;
    eprintln!(
        "total: {supported} of {total} supported ({:.2} %)",
        share * 100.0
    );
    assert!(
        total > 3_000,
        "the corpus looks incomplete: {total} documents"
    );
    assert!(
        share >= 0.99,
        "only {supported} of {total} SigmaHQ rules are supported"
    );
}

#[test]
fn sigmahq_unsupported_folder_is_reported() {
    let Some(root) = shared_data("sigmahq") else {
        return;
    };
    let report = corpus::load_folder(&root, "unsupported");
    eprintln!(
        "unsupported/: {} of {} supported",
        report.supported, report.documents
    );
    for (reason, rules) in corpus::group_reasons(&report.rejected) {
        eprintln!("  {} × {reason}", rules.len());
    }
    // These rules use legacy aggregations and other removed syntax: most must be rejected.
    assert!(
        report.rejected.len() * 2 > report.documents,
        "{} of {} rejected",
        report.rejected.len(),
        report.documents
    );
}

#[test]
fn sigmahq_regression_cases_match() {
    let Some(root) = shared_data("sigmahq") else {
        return;
    };
    let all = corpus::regression(&root);
    let cases: Vec<_> = all.iter().filter(|c| !c.skipped).collect();
    let failed: Vec<_> = cases.iter().filter(|c| !c.passed()).collect();
    for c in cases.iter().filter(|c| c.count_differs()) {
        eprintln!(
            "NOTE {}: {} events matched, info.yml states {:?}",
            c.info, c.matched, c.expected
        );
    }
    eprintln!("skipped (no JSON events): {}", all.len() - cases.len());
    for c in &failed {
        eprintln!(
            "FAIL {} rule {}: {}/{} events matched (expected {:?}) {:?}",
            c.info, c.rule_id, c.matched, c.events, c.expected, c.problem
        );
    }
    eprintln!(
        "regression: {} of {} cases pass",
        cases.len() - failed.len(),
        cases.len()
    );
    assert!(
        cases.len() > 150,
        "only {} regression cases found",
        cases.len()
    );
    assert!(failed.is_empty(), "{} regression cases fail", failed.len());
}
