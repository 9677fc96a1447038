//! One scope (the same hosts) scanned three times by two scanners, Nessus and OpenVAS: within
//! and across scanners a vulnerability counts once, a fix is resolved by the rescan that no
//! longer reports it, a regression reopens it, and KEV and EPSS data enrich it.

use std::collections::BTreeMap;

use deltawall_vuln::{
    Enrichment, Finding, IdentityKey, Limits, PriorFinding, PriorState, correlate, import,
    reconcile_import,
};

const NESSUS_1: &str = include_str!("../fixtures/two-hosts.nessus");
const NESSUS_2: &str = include_str!("../fixtures/scope-week2.nessus");
const OPENVAS_1: &str = include_str!("../fixtures/openvas-report.xml");
const OPENVAS_2: &str = include_str!("../fixtures/scope-week2-openvas.xml");

/// What a store would hold for the scope: each key's state.
#[derive(Default)]
struct Scope {
    states: BTreeMap<IdentityKey, PriorState>,
}

/// Counts of one import, as the API answers them.
#[derive(Debug, PartialEq)]
struct Counts {
    new: Vec<String>,
    unchanged: usize,
    reopened: Vec<String>,
    resolved: Vec<String>,
}

fn label(key: &IdentityKey) -> String {
    format!("{} {} {}", key.source, key.rule, key.location)
}

impl Scope {
    fn import(&mut self, report: &str) -> (Counts, Vec<Finding>) {
        let mut scan = Vec::new();
        let summary = import(report.as_bytes(), None, &Limits::default(), |f| {
            scan.push(f)
        })
        .expect("fixture imports");
        let prior: Vec<PriorFinding> = self
            .states
            .iter()
            .map(|(key, state)| PriorFinding {
                key: key.clone(),
                state: *state,
            })
            .collect();
        let r = reconcile_import(&prior, &scan, &summary.sources);
        for f in r.new.iter().chain(&r.unchanged).chain(&r.reopened) {
            self.states.insert(f.key.clone(), PriorState::Open);
        }
        for key in &r.resolved {
            self.states
                .insert(key.clone(), PriorState::ResolvedByRescan);
        }
        let labels = |fs: &[Finding]| fs.iter().map(|f| label(&f.key)).collect();
        let counts = Counts {
            new: labels(&r.new),
            unchanged: r.unchanged.len(),
            reopened: labels(&r.reopened),
            resolved: r.resolved.iter().map(label).collect(),
        };
        (counts, scan)
    }

    fn open(&self) -> usize {
        self.states
            .values()
            .filter(|s| **s == PriorState::Open)
            .count()
    }
}

const TLS_NESSUS: &str = "nessus 900001 192.0.2.10:tcp/443";
const TLS_OPENVAS: &str = "openvas 1.3.6.1.4.1.25623.1.0.990001 192.0.2.10:tcp/443";
const CONSOLE: &str = "nessus 900004 192.0.2.11:tcp/8443";

#[test]
fn two_scanners_twice_show_dedup_resolution_and_reopening() {
    let mut scope = Scope::default();

    // week 1: everything is new; the CVE Nessus lists twice counts once
    let (nessus, nessus_scan) = scope.import(NESSUS_1);
    assert_eq!(nessus.new.len(), 3);
    let (openvas, openvas_scan) = scope.import(OPENVAS_1);
    assert_eq!((openvas.new.len(), openvas.resolved.len()), (3, 0));
    assert_eq!(scope.open(), 6);

    // across the two scanners the SSH flaw is one vulnerability at one place
    let both: Vec<Finding> = nessus_scan.into_iter().chain(openvas_scan).collect();
    let matches = correlate(&both);
    assert_eq!(matches.len(), 1);
    assert_eq!(
        (matches[0].cve.as_str(), matches[0].location.as_str()),
        ("CVE-2099-0001", "192.0.2.10:tcp/22")
    );
    assert_eq!(matches[0].keys.len(), 2);

    // the same file again changes nothing
    let (again, _) = scope.import(NESSUS_1);
    assert_eq!(
        again,
        Counts {
            new: vec![],
            unchanged: 3,
            reopened: vec![],
            resolved: vec![]
        }
    );

    // week 2: TLS fixed (each scanner's rescan resolves its own finding), SSH reworded but the
    // same finding, an admin console is new
    let (nessus, _) = scope.import(NESSUS_2);
    assert_eq!(
        nessus,
        Counts {
            new: vec![CONSOLE.into()],
            unchanged: 2,
            reopened: vec![],
            resolved: vec![TLS_NESSUS.into()]
        }
    );
    let (openvas, _) = scope.import(OPENVAS_2);
    assert_eq!(
        openvas,
        Counts {
            new: vec![],
            unchanged: 2,
            reopened: vec![],
            resolved: vec![TLS_OPENVAS.into()]
        }
    );

    // week 3: the old configuration is back, TLS reopens for both; the console is gone
    let (nessus, _) = scope.import(NESSUS_1);
    assert_eq!(
        nessus,
        Counts {
            new: vec![],
            unchanged: 2,
            reopened: vec![TLS_NESSUS.into()],
            resolved: vec![CONSOLE.into()]
        }
    );
    let (openvas, _) = scope.import(OPENVAS_1);
    assert_eq!(openvas.reopened, [TLS_OPENVAS]);
    assert_eq!(scope.open(), 6);
}

#[test]
fn kev_and_epss_enrich_the_scope_with_their_dates() {
    let mut enrichment = Enrichment::default();
    enrichment
        .load_kev(
            include_bytes!("../fixtures/kev-catalog.json").as_slice(),
            &Limits::default(),
        )
        .unwrap();
    enrichment
        .load_epss(
            include_bytes!("../fixtures/epss-scores.csv").as_slice(),
            &Limits::default(),
            None,
        )
        .unwrap();
    let mut findings = Vec::new();
    for report in [NESSUS_1, OPENVAS_1] {
        import(report.as_bytes(), None, &Limits::default(), |f| {
            findings.push(f)
        })
        .unwrap();
    }
    let enriched: Vec<_> = findings
        .iter()
        .filter(|f| !f.cves.is_empty())
        .map(|f| (label(&f.key), enrichment.for_finding(f)))
        .collect();
    insta::assert_yaml_snapshot!(enriched);
}
