//! Nessus files from arbitrary bytes: the importer never panics, and what it accepts imports
//! the same way twice and reconciles against itself as unchanged.
#![no_main]

use deltawall_vuln::{PriorFinding, PriorState, detect_format, import_nessus, reconcile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detect_format(data);
    let mut first = Vec::new();
    if import_nessus(data, |f| first.push(f)).is_ok() {
        let mut second = Vec::new();
        import_nessus(data, |f| second.push(f)).expect("import is deterministic");
        assert_eq!(first, second);
        let prior: Vec<PriorFinding> = first
            .iter()
            .map(|f| PriorFinding { key: f.key.clone(), state: PriorState::Open })
            .collect();
        let r = reconcile(&prior, &second);
        assert!(r.new.is_empty() && r.resolved.is_empty() && r.reopened.is_empty());
    }
});
