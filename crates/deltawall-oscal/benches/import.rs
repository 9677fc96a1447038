//! Import throughput: NIST's SP 800-53 rev5 catalogs (when present, see below) and a
//! synthetic catalog of the full catalog's size that is always available.
//!
//! Real files come from `../shared/data/oscal` or `$DELTAWALL_OSCAL_CONTENT` (an
//! oscal-content checkout); a bench whose file is absent says so and measures nothing.

use std::path::PathBuf;

use deltawall_oscal::{Limits, import_catalog, resolve_profile};
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

const REV5: &str = "nist.gov/SP800-53/rev5/json";

fn content(name: &str) -> Option<Vec<u8>> {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/oscal");
    let extra = std::env::var_os("DELTAWALL_OSCAL_CONTENT").map(PathBuf::from);
    let found = [Some(shared), extra]
        .into_iter()
        .flatten()
        .filter_map(|root| std::fs::read(root.join(REV5).join(name)).ok())
        .find(|b| !b.is_empty());
    if found.is_none() {
        eprintln!("{name} not found; set DELTAWALL_OSCAL_CONTENT to measure it");
    }
    found
}

fn import(bencher: divan::Bencher, bytes: &[u8]) {
    bencher
        .counter(BytesCount::new(bytes.len()))
        .bench(|| import_catalog(divan::black_box(bytes), &Limits::default()).unwrap());
}

/// The LOW baseline resolved catalog (2.6 MB, 149 controls).
#[divan::bench]
fn low_resolved(bencher: divan::Bencher) {
    if let Some(b) = content("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json") {
        import(bencher, &b);
    }
}

/// The MODERATE baseline resolved catalog (3.9 MB, 287 controls).
#[divan::bench]
fn moderate_resolved(bencher: divan::Bencher) {
    if let Some(b) = content("NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json")
    {
        import(bencher, &b);
    }
}

/// The full rev5 catalog (about 10 MB, 1,189 controls).
#[divan::bench]
fn full_catalog(bencher: divan::Bencher) {
    if let Some(b) = content("NIST_SP-800-53_rev5_catalog.json") {
        import(bencher, &b);
    }
}

/// The LOW profile resolved against the MODERATE resolved catalog.
#[divan::bench]
fn low_profile(bencher: divan::Bencher) {
    let (Some(profile), Some(catalog)) = (
        content("NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
        content("NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"),
    ) else {
        return;
    };
    bencher.bench(|| {
        resolve_profile(&profile, &Limits::default(), |_| Some(catalog.clone())).unwrap()
    });
}

/// A catalog shaped like the full rev5 one: 20 families, 1,200 controls with parameters,
/// nested statement items and guidance (about 3 MB).
fn synthetic() -> Vec<u8> {
    let control = |f: usize, c: usize| {
        format!(
            r#"{{"id":"f{f}-{c}","class":"SP800-53","title":"Control {f}.{c}",
            "params":[{{"id":"f{f}-{c}_prm_1","label":"personnel or roles"}},
                      {{"id":"f{f}-{c}_prm_2","select":{{"how-many":"one-or-more","choice":["daily","weekly"]}}}}],
            "props":[{{"name":"label","value":"F{f}-{c}"}},{{"name":"sort-id","value":"f{f:02}-{c:02}"}}],
            "parts":[{{"id":"f{f}-{c}_smt","name":"statement","parts":[
               {{"id":"f{f}-{c}_smt.a","name":"item","props":[{{"name":"label","value":"a."}}],
                 "prose":"Develop, document and disseminate to {{{{ insert: param, f{f}-{c}_prm_1 }}}} a policy that addresses purpose, scope, roles, responsibilities, management commitment, coordination among organizational entities and compliance;"}},
               {{"id":"f{f}-{c}_smt.b","name":"item","props":[{{"name":"label","value":"b."}}],
                 "prose":"Review and update the policy {{{{ insert: param, f{f}-{c}_prm_2 }}}} and following significant changes."}}]}},
              {{"id":"f{f}-{c}_gdn","name":"guidance","prose":"{}"}}]}}"#,
            "Guidance text explaining the intent of the control and how it relates to other controls. ".repeat(12)
        )
    };
    let groups: Vec<String> = (0..20)
        .map(|f| {
            let controls: Vec<String> = (0..60).map(|c| control(f, c)).collect();
            format!(
                r#"{{"id":"f{f}","class":"family","title":"Family {f}","controls":[{}]}}"#,
                controls.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"catalog":{{"uuid":"0b6d9f3e-8a54-4c59-9d42-6f0e8f1a2b3c","metadata":{{"title":"Synthetic","last-modified":"2025-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"}},"groups":[{}]}}}}"#,
        groups.join(",")
    )
    .into_bytes()
}

/// The synthetic full-size catalog.
#[divan::bench]
fn synthetic_1200_controls(bencher: divan::Bencher) {
    let bytes = synthetic();
    import(bencher, &bytes);
}
