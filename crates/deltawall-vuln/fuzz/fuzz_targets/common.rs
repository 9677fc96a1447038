// Shared by every importer target (included with `include!`, since fuzz targets are separate
// binaries): an import never panics, and whatever it accepts imports the same way twice and
// reconciles against itself as unchanged.

use deltawall_vuln::{Finding, ImportError, PriorFinding, PriorState, reconcile};

fn check_importer(
    data: &[u8],
    import: impl Fn(&[u8], &mut dyn FnMut(Finding)) -> Result<usize, ImportError>,
) {
    let mut first = Vec::new();
    let Ok(count) = import(data, &mut |f| first.push(f)) else {
        return;
    };
    assert_eq!(count, first.len());
    let mut second = Vec::new();
    import(data, &mut |f| second.push(f)).expect("import is deterministic");
    assert_eq!(first, second);
    let prior: Vec<PriorFinding> = first
        .iter()
        .map(|f| PriorFinding {
            key: f.key.clone(),
            state: PriorState::Open,
        })
        .collect();
    let r = reconcile(&prior, &second);
    assert!(r.new.is_empty() && r.resolved.is_empty() && r.reopened.is_empty());
}
